"""Clearing the replies of updates once sent, several updates in one transaction.

After its replies have gone out, an update's stored copy is cleared, so that a redelivered
update does not send them twice. That was a transaction of its own per update; here the
updates whose replies were sent while a clearing transaction waited (for SQLite's writer, or
for the database) are cleared together in the next one. Each caller still returns only once
its own update is cleared (or the clearing failed), as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class ReplyClearer:
    def __init__(self, clear: Callable[[list[int]], Awaitable[None]]) -> None:
        self._clear = clear
        self._pending: dict[int, asyncio.Future[None]] = {}
        self._flushing: asyncio.Task[None] | None = None

    async def clear(self, update_id: int) -> None:
        """Returns once the update's replies are cleared; raises if the clearing failed."""
        future = self._pending.get(update_id)
        if future is None:
            future = self._pending[update_id] = asyncio.get_running_loop().create_future()
            future.add_done_callback(_retrieve)  # a waiter cancelled meanwhile: no warning
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.create_task(self._flush(), name="acsm-clear-replies")
        await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, {}
            try:
                await self._clear(sorted(batch))
            except Exception as exc:  # each waiter decides what a failure means
                for future in batch.values():
                    if not future.done():
                        future.set_exception(exc)
                continue
            for future in batch.values():
                if not future.done():
                    future.set_result(None)

    async def close(self) -> None:
        if self._flushing is not None:
            with contextlib.suppress(Exception):
                await self._flushing


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()
