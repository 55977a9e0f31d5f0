"""Slow work (argon2 checks and hashes, reading a certificate) kept out of the write
transaction.

A use case asks `rules.slow.run(key, work)` (a function, run in a thread) or
`rules.slow.wait(key, work)` (a coroutine function, awaited: e.g. a certificate read in the
process pool, certificates/). Outside a Telegram update (the command line,
tests) the work simply runs, in a thread. In an update, the turn's `Prepared` answers from
what was computed before its transaction began; what is not there yet raises `WorkNeeded`:
the turn rolls back (nothing was sent, nothing kept), the work runs with no transaction
open, and the turn runs again, finding the result. On SQLite the one writer is therefore
never held while argon2 runs; on PostgreSQL no transaction waits on it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class SlowWork(Protocol):
    async def run(self, key: Hashable, work: Callable[[], T]) -> T: ...

    async def wait(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T: ...


class InThread:
    """Runs the work now, in a thread (the event loop keeps serving others)."""

    async def run(self, key: Hashable, work: Callable[[], T]) -> T:
        return await asyncio.to_thread(work)

    async def wait(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        return await work()


class WorkNeeded(Exception):
    """Raised inside a turn's transaction: do `work` outside it, then run the turn again."""

    def __init__(self, key: Hashable, work: Callable[[], Any], *, awaited: bool = False) -> None:
        super().__init__("slow work needed before the transaction")
        self.key, self.work, self.awaited = key, work, awaited


class Prepared:
    """One turn's results of slow work done before its transaction (dropped with the turn:
    a key may hold a password)."""

    def __init__(self) -> None:
        self._done: dict[Hashable, Any] = {}

    async def run(self, key: Hashable, work: Callable[[], T]) -> T:
        if key in self._done:
            result: T = self._done[key]
            return result
        raise WorkNeeded(key, work)

    async def wait(self, key: Hashable, work: Callable[[], Awaitable[T]]) -> T:
        if key in self._done:
            result: T = self._done[key]
            return result
        raise WorkNeeded(key, work, awaited=True)

    async def do(self, needed: WorkNeeded) -> None:
        if needed.awaited:
            self._done[needed.key] = await needed.work()
        else:
            self._done[needed.key] = await asyncio.to_thread(needed.work)

    def __len__(self) -> int:
        return len(self._done)
