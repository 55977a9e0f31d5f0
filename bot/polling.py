"""Long polling that confirms an update only after it has been handled.

python-telegram-bot's Updater confirms a batch (the next getUpdates offset) while the
previous one may still be in progress, so a kill at the wrong moment loses a member's
message. Here the offset moves past an update only once the Application has handled it
(state persisted, update id recorded), so Telegram redelivers anything a kill interrupted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import InvalidToken, NetworkError, RetryAfter

from handlers.context import ChatApplication

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, application: ChatApplication, timeout: int = 10) -> None:
        self.application = application
        self.timeout = timeout
        self._task: asyncio.Task[None] | None = None
        self._handling = asyncio.Lock()  # held while a batch is handled: stop() waits for it

    async def start(self) -> None:
        await self.application.bot.delete_webhook()
        self._task = asyncio.create_task(self._run(), name="acsm-poller")

    async def stop(self) -> None:
        if self._task is not None:
            async with self._handling:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        offset: int | None = None
        failures = 0
        while True:
            try:
                updates = await self.application.bot.get_updates(
                    offset=offset, timeout=self.timeout, allowed_updates=Update.ALL_TYPES
                )
                failures = 0
            except InvalidToken:
                log.error("Telegram refused the bot token: polling stops")
                raise
            except RetryAfter as exc:
                wait = exc.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
                continue
            except NetworkError as exc:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("getUpdates failed (%s); again in %.1f s", exc.message, delay)
                await asyncio.sleep(delay)
                continue
            async with self._handling:
                for update in updates:
                    await self.application.process_update(update)
                    offset = update.update_id + 1
