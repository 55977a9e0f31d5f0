"""Pending updates from the inbox to their turns: each chat in order, chats in parallel, and
the one retry policy (polling and webhooks only store and hand over: bot/polling.py,
bot/webhook.py).

- One chat's updates strictly one after another; up to `parallel` chats at once.
- A failed turn is tried again with backoff. Its attempts, last error and earliest retry
  are columns of the inbox, so they survive a restart. A database outage is waited out
  however long it lasts (the member is told once: the `told` column); any other failure is
  parked for staff after `max_attempts`, so one poison update cannot block its chat.
- At start-up the updates still pending in the inbox (a kill, a restart) are taken up in
  order, after the replies a kill kept from going out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta

from telegram import Update

from bot.errors import is_database_outage
from bot.turns import TurnRunner, cause_of
from storage import inbox
from storage.inbox import Pending, Received

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5  # a failing update is parked after this many attempts (outages: never)
BACKOFF_BASE = 0.5  # seconds: the first retry; doubled each time up to BACKOFF_CAP
BACKOFF_CAP = 30.0


def backoff(attempt: int) -> float:
    return float(min(BACKOFF_CAP, BACKOFF_BASE * 2.0 ** min(attempt - 1, 10)))


class Dispatcher:
    def __init__(
        self, runner: TurnRunner, parallel: int = 8, max_attempts: int | None = None
    ) -> None:
        self.runner = runner
        self.max_attempts = max_attempts or MAX_ATTEMPTS
        self._slots = asyncio.Semaphore(parallel)
        self._in_hand: set[int] = set()
        self._tails: dict[object, asyncio.Task[None]] = {}  # the last task of each chat
        self._workers: set[asyncio.Task[None]] = set()
        self.progress = asyncio.Event()  # set whenever an update is done
        self._resuming: asyncio.Task[None] | None = None

    @property
    def in_hand(self) -> int:
        return len(self._in_hand)

    def submit(self, pending: Pending, update: Update | None = None) -> None:
        """Handle it after the same chat's earlier ones (once, however often submitted)."""
        received = pending.received
        if received.update_id in self._in_hand:
            return
        self._in_hand.add(received.update_id)
        key: object = received.chat_id if received.chat_id is not None else received.update_id
        before = self._tails.get(key)
        worker = asyncio.create_task(
            self._work(pending, update, before), name=f"update-{received.update_id}"
        )
        self._tails[key] = worker
        self._workers.add(worker)

        def finished(task: asyncio.Task[None]) -> None:
            self._workers.discard(task)
            if self._tails.get(key) is task:
                del self._tails[key]

        worker.add_done_callback(finished)

    async def start(self) -> None:
        """Take up what the inbox holds; if the database does not answer yet, keep trying in
        the background (new updates are refused meanwhile anyway: they cannot be stored)."""
        try:
            await self.resume()
        except Exception as exc:
            log.warning("pending updates not read (%s); trying again", type(exc).__name__)
            self._resuming = asyncio.create_task(self._resume_until_done(), name="acsm-resume")

    async def _resume_until_done(self) -> None:
        failures = 0
        while True:
            failures += 1
            await asyncio.sleep(backoff(failures))
            try:
                await self.resume()
                return
            except Exception as exc:
                log.warning("pending updates not read (%s); trying again", type(exc).__name__)

    async def resume(self) -> int:
        """Send the replies a kill kept, then take up every pending update (start-up)."""
        await self.runner.send_unsent()
        async with self.runner.database.transaction() as (connection, _):
            waiting = await inbox.pending(connection)
        for pending in waiting:
            self.submit(pending)
        if waiting:
            log.info("%d updates pending in the inbox taken up", len(waiting))
        return len(waiting)

    async def stop(self, grace: float = 10.0) -> None:
        """Let the updates in hand finish (up to `grace` seconds); the rest stay pending in
        the inbox for the next start."""
        if self._resuming is not None:
            self._resuming.cancel()
            await asyncio.wait({self._resuming})
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
        await self.runner.close()

    async def _work(
        self, pending: Pending, update: Update | None, before: asyncio.Task[None] | None
    ) -> None:
        try:
            if before is not None:  # the same chat's earlier update first (however it ended;
                await asyncio.wait({before})  # our own cancellation still propagates)
            async with self._slots:
                await self._until_done(pending, update)
        finally:
            self._in_hand.discard(pending.received.update_id)
            self.progress.set()

    async def _until_done(self, pending: Pending, update: Update | None) -> None:
        received = pending.received
        attempts, told = pending.attempts, pending.told
        if pending.retry_at is not None:
            wait = (pending.retry_at - datetime.now(UTC)).total_seconds()
            if wait > 0:
                await asyncio.sleep(min(wait, BACKOFF_CAP))
        while True:
            try:
                await self.runner.run(received, update)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                cause = cause_of(exc)
                outage = is_database_outage(cause)
                attempts += 1
                delay = backoff(attempts)
                with contextlib.suppress(Exception):  # in an outage this cannot be written
                    recorded = await self.runner.record_failure(
                        received.update_id, exc, datetime.now(UTC) + timedelta(seconds=delay)
                    )
                    attempts, told = recorded.attempts, told or recorded.told
                log.warning(
                    "update %s attempt %d failed: %s%s",
                    received.update_id,
                    attempts,
                    type(cause).__name__,
                    " (database unavailable)" if outage else "",
                )
                if outage and not told:
                    told = True
                    await self.runner.tell_outage(received)
                if (
                    not outage
                    and attempts >= self.max_attempts
                    and await self._park(received, attempts, exc)
                ):
                    return
                await asyncio.sleep(delay)

    async def _park(self, received: Received, attempts: int, exc: Exception) -> bool:
        try:
            await self.runner.park(received, attempts, exc)
            return True
        except Exception as park_error:  # e.g. the database went away: keep trying
            log.warning("update %s could not be parked: %s", received.update_id, park_error)
            return False
