"""Long polling over the durable inbox: receive, store, confirm, hand over.

Each batch from getUpdates is stored in the inbox (one statement) and then confirmed to
Telegram by the next offset, so it is never fetched twice; the dispatcher
(bot/dispatcher.py) handles it from there. If the batch cannot be stored (the database is
down), the offset does not move: Telegram keeps the updates and they come again; the
members are told once that their message waits.

The loop survives every Telegram error with backoff (409 Conflict included: another
instance polling, or a webhook set), as python-telegram-bot's own network loop does; only
a refused token ends it, and then the process exits non-zero (bot/runner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.dispatcher import Dispatcher, backoff
from bot.errors import DATABASE_DOWN, in_language_of
from bot.turns import received_of
from handlers.context import ChatApplication
from storage import inbox
from storage.database import Database
from storage.inbox import Pending

log = logging.getLogger(__name__)

READ_TIMEOUT = 5.0  # seconds beyond the long-polling timeout (python-telegram-bot's default)


async def store(database: Database, dispatcher: Dispatcher, updates: Sequence[Update]) -> None:
    """Store the updates in the inbox and hand the new ones to the dispatcher."""
    received = [received_of(update) for update in updates]
    async with database.transaction() as (connection, _):
        new = await inbox.receive(connection, received, datetime.now(UTC))
    for update, item in zip(updates, received, strict=True):
        if item.update_id in new:
            dispatcher.submit(Pending(item, attempts=0, told=False, retry_at=None), update)


class Poller:
    def __init__(
        self,
        application: ChatApplication,
        database: Database,
        dispatcher: Dispatcher,
        timeout: int = 10,
        backlog: int = 64,
    ) -> None:
        self.application = application
        self.database = database
        self.dispatcher = dispatcher
        self.timeout = timeout
        self.backlog = backlog  # updates in hand beyond which polling waits for them
        self.task: asyncio.Task[None] | None = None
        self.offset: int | None = None
        self._stopping = False
        self._told: set[int] = set()

    async def start(self) -> None:
        await self.application.bot.delete_webhook()
        self.task = asyncio.create_task(self._run(), name="acsm-poller")

    async def stop(self) -> None:
        self._stopping = True
        if self.task is not None:
            # Cancel until it is done: on Python 3.11 `asyncio.wait_for` inside a library call
            # can swallow one cancellation, and the loop also checks `_stopping` itself.
            while not self.task.done():
                self.task.cancel()
                await asyncio.wait({self.task}, timeout=1.0)
            with contextlib.suppress(asyncio.CancelledError, Exception):
                self.task.result()
            self.task = None

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            await self._wait_for_room()
            try:
                updates = await self.application.bot.get_updates(
                    offset=self.offset,
                    timeout=self.timeout,
                    read_timeout=self.timeout + READ_TIMEOUT,
                    allowed_updates=Update.ALL_TYPES,
                )
                failures = 0
            except InvalidToken:
                log.critical("Telegram refused the bot token: polling stops")
                raise
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
                continue
            except (TelegramError, OSError) as exc:  # 409 Conflict, 5xx, network, anything
                failures += 1
                delay = backoff(failures)
                log.warning("getUpdates failed (%s); again in %.1f s", type(exc).__name__, delay)
                await asyncio.sleep(delay)
                continue
            if updates:
                await self._store(updates)

    async def _store(self, updates: Sequence[Update]) -> None:
        """Store until it works; only then confirm (the next offset)."""
        attempt = 0
        while True:
            try:
                await store(self.database, self.dispatcher, updates)
                break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                attempt += 1
                delay = backoff(attempt)
                log.warning(
                    "storing %d updates failed (%s); again in %.1f s",
                    len(updates),
                    type(exc).__name__,
                    delay,
                )
                await self._tell_waiting(updates)
                await asyncio.sleep(delay)
        self.offset = max(update.update_id for update in updates) + 1

    async def _tell_waiting(self, updates: Sequence[Update]) -> None:
        """In an outage, each member whose message waits is told once."""
        for update in updates:
            chat = update.effective_chat
            if update.update_id in self._told or chat is None or chat.type != chat.PRIVATE:
                continue
            self._told.add(update.update_id)
            with contextlib.suppress(Exception):
                await self.application.bot.send_message(
                    chat.id, in_language_of(DATABASE_DOWN, update)
                )
        if len(self._told) > 10_000:
            self._told.clear()

    async def _wait_for_room(self) -> None:
        """While more updates are in hand than the workers take soon, wait for them."""
        while self.dispatcher.in_hand > self.backlog and not self._stopping:
            self.dispatcher.progress.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):  # cancellation-safe
                    await self.dispatcher.progress.wait()
