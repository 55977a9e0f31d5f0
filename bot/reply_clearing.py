"""Clearing the replies of updates once sent, in the next transaction that commits.

After its replies have gone out, an update's stored copy is cleared, so that a redelivered
update (or the next start, `TurnRunner.send_unsent`) does not send them twice. That was a
transaction of its own after each send (BEGIN, UPDATE, COMMIT: on SQLite behind the writer
lock). Now the sent updates wait here, and the next turn's transaction (of any chat: the
same chat's next update comes right after) clears them with its own work (`take`, then
`cleared()` once it committed or `returned` if it rolled back). When no turn comes within
`after` seconds, a transaction of their own clears them, as before, several at once.

A kill between a send and its clearing sends that reply again at the next start, as it
always could; the window is now at most `after` seconds (or until the next commit).
A clearing that fails is tried again by the next turn or when the runner closes: the
replies meanwhile stay kept (at worst sent again after a restart, never lost).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)

CLEAR_AFTER = 0.05  # seconds: at most this long before a transaction of their own


class ReplyClearer:
    def __init__(
        self, clear: Callable[[list[int]], Awaitable[None]], after: float = CLEAR_AFTER
    ) -> None:
        self._clear = clear
        self.after = after  # seconds before a transaction of their own
        self._pending: set[int] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task[None] | None = None

    @property
    def pending(self) -> frozenset[int]:
        return frozenset(self._pending)

    @property
    def settled(self) -> bool:
        """Nothing waits to be cleared, and no clearing of their own runs."""
        return not self._pending and (self._flushing is None or self._flushing.done())

    def sent(self, update_id: int) -> None:
        """The update's replies went out: clear them with the next transaction."""
        self._pending.add(update_id)
        self._arm()

    def take(self) -> list[int]:
        """For a transaction about to commit: the updates it is to clear (hand them back
        with `cleared` after the commit or `returned` after a rollback)."""
        taken = sorted(self._pending)
        self._pending.clear()
        return taken

    def cleared(self) -> None:
        """The clearing taken committed (no transaction of their own needed now)."""
        if not self._pending and self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def returned(self, update_ids: list[int]) -> None:
        """Their clearing was rolled back: the next transaction takes them."""
        if update_ids:
            self._pending.update(update_ids)
            self._arm()

    def _arm(self) -> None:
        if self._timer is None and (self._flushing is None or self._flushing.done()):
            self._timer = asyncio.get_running_loop().call_later(self.after, self._start)

    def _start(self) -> None:
        self._timer = None
        if self._pending:
            self._flushing = asyncio.create_task(self._flush(), name="acsm-clear-replies")

    async def _flush(self) -> None:
        batch = self.take()
        try:
            await self._clear(batch)
        except Exception as exc:  # kept meanwhile; the next turn (or close) tries again
            self._pending.update(batch)
            log.warning("replies of %d updates not cleared: %s", len(batch), type(exc).__name__)
            return
        if self._pending:  # sent while this one ran
            self._arm()

    async def close(self) -> None:
        """Clear what is left (the runner stops)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing
        if self._pending:
            batch = self.take()
            try:
                await self._clear(batch)
            except Exception as exc:
                self._pending.update(batch)
                log.warning("replies of %d updates not cleared: %s", len(batch), type(exc).__name__)
