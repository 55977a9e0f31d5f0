"""Long polling that confirms an update to Telegram only once it has been handled.

- Members in parallel, each member in order: updates are queued per chat; different chats
  are handled concurrently (up to `parallel` at once), one chat's strictly one after another.
- Confirm only what succeeded: the getUpdates offset moves past an update only when it and
  every update before it are done (handled, or parked). A failed update is tried again with
  backoff; a database outage is waited out however long it lasts; any other failure is
  parked after `max_attempts` (bot/update_runner.py), so one poison update cannot block its
  chat for ever.
- The loop survives every Telegram error with backoff (409 Conflict included: another
  instance polling, or a webhook set), as python-telegram-bot's own network loop does; only
  a refused token ends it, and then the process exits non-zero (bot/runner.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram import Update
from telegram.error import InvalidToken, RetryAfter, TelegramError

from bot.errors import is_database_outage
from bot.fetch_updates import fetch_new_updates
from bot.update_runner import UpdateFailed, UpdateRunner
from handlers.context import ChatApplication

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a failing update is parked after this many attempts (outages: never)
BACKOFF_BASE = 0.5  # seconds: the first retry; doubled each time up to BACKOFF_CAP
BACKOFF_CAP = 30.0
WAKE_WHILE_BUSY = 0.25  # seconds: how often to look for new updates while some are in hand
WAKE_AFTER_NEW = 0.02  # … right after new ones came (sooner if one is done)


def backoff(attempt: int) -> float:
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** min(attempt - 1, 10)))


class Poller:
    def __init__(
        self,
        application: ChatApplication,
        runner: UpdateRunner,
        timeout: int = 10,
        parallel: int = 8,
        max_attempts: int | None = None,
    ) -> None:
        self.application = application
        self.runner = runner
        self.timeout = timeout
        self.max_attempts = max_attempts or MAX_ATTEMPTS
        self.task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(parallel)
        self.backlog = 2 * parallel  # updates in hand beyond which polling waits for them
        self._unfinished: set[int] = set()  # received, not yet done
        self._known: set[int] = set()  # received and not yet confirmed (ids ≥ offset)
        self._tails: dict[object, asyncio.Task[None]] = {}  # the last task of each chat
        self._workers: set[asyncio.Task[None]] = set()
        self._progress = asyncio.Event()
        self._stopping = False
        self.offset: int | None = None

    async def start(self) -> None:
        await self.application.bot.delete_webhook()
        self.task = asyncio.create_task(self._run(), name="acsm-poller")

    async def stop(self, grace: float = 10.0) -> None:
        """Stop polling; let the updates in hand finish (up to `grace` seconds)."""
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
        if self._workers:
            _, late = await asyncio.wait(self._workers, timeout=grace)
            for _ in range(10):  # cancel what is left; never hang on a worker that resists
                if not late:
                    break
                for worker in late:
                    worker.cancel()
                _, late = await asyncio.wait(late, timeout=1.0)
            if late:
                log.error("%d update workers did not stop; abandoned", len(late))

    # -- the loop ---------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._advance()
            busy = bool(self._unfinished)
            try:
                fresh = await fetch_new_updates(
                    self.application.bot,
                    offset=self.offset,
                    timeout=0 if busy else self.timeout,
                    allowed_updates=Update.ALL_TYPES,
                    known=self._known.__contains__,
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
            for update in fresh:
                self._dispatch(update)
            self._advance()
            if self._unfinished:  # each poll brings back the updates in hand: wait a little
                await self._wait_before_polling(WAKE_AFTER_NEW if fresh else WAKE_WHILE_BUSY)

    async def _wait_before_polling(self, wake: float) -> None:
        """Until one update is done (or `wake` seconds); and while more are in hand than
        the workers can take soon (`backlog`), until they drain (or WAKE_WHILE_BUSY): a
        poll would bring back only updates in hand, each parsed as JSON again."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAKE_WHILE_BUSY
        while True:
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wake):  # cancellation-safe
                    await self._progress.wait()
            if len(self._unfinished) <= self.backlog or loop.time() >= deadline:
                return
            wake = deadline - loop.time()

    def _dispatch(self, update: Update) -> None:
        self._known.add(update.update_id)
        self._unfinished.add(update.update_id)
        chat = update.effective_chat
        key: object = chat.id if chat is not None else ("update", update.update_id)
        before = self._tails.get(key)
        worker = asyncio.create_task(self._work(update, before), name=f"update-{update.update_id}")
        self._tails[key] = worker
        self._workers.add(worker)

        def finished(task: asyncio.Task[None]) -> None:
            self._workers.discard(task)
            if self._tails.get(key) is task:
                del self._tails[key]

        worker.add_done_callback(finished)

    async def _work(self, update: Update, before: asyncio.Task[None] | None) -> None:
        if before is not None:  # the same chat's earlier update first (however it ended;
            await asyncio.wait({before})  # our own cancellation still propagates)
        async with self._slots:
            await self._handle_until_done(update)
        self._unfinished.discard(update.update_id)
        self._progress.set()

    async def _handle_until_done(self, update: Update) -> None:
        attempt = 0
        while True:
            attempt += 1
            try:
                await self.runner.handle(update)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                cause = exc.cause if isinstance(exc, UpdateFailed) else exc
                outage = is_database_outage(cause)
                log.warning(
                    "update %s attempt %d failed: %s%s",
                    update.update_id,
                    attempt,
                    type(cause).__name__,
                    " (database unavailable)" if outage else "",
                )
                await self._tell(update, exc)
                give_up = not outage and attempt >= self.max_attempts
                if give_up and await self._park(update, attempt, exc):
                    return
                await asyncio.sleep(backoff(attempt))

    async def _tell(self, update: Update, exc: Exception) -> None:
        with contextlib.suppress(Exception):
            await self.runner.tell_once(update, exc)

    async def _park(self, update: Update, attempts: int, exc: Exception) -> bool:
        try:
            await self.runner.park(update, attempts, exc)
            return True
        except Exception as park_error:  # e.g. the database went away: keep trying
            log.warning("update %s could not be parked: %s", update.update_id, park_error)
            return False

    def _advance(self) -> None:
        """The offset: past every update received so far, except the first unfinished one
        and all after it. It never moves back."""
        if not self._known:
            return
        target = min(self._unfinished) if self._unfinished else max(self._known) + 1
        if self.offset is None or target > self.offset:
            self.offset = target
        self._known = {i for i in self._known if i >= self.offset}
