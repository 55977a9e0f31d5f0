"""One active bot per database: a hot standby on PostgreSQL, a refusal on SQLite.

PostgreSQL: the active `acsm-bot run` holds a session-level advisory lock on a connection of
its own, kept open for as long as it runs. Every other process retries `pg_try_advisory_lock`
every `retry` seconds and takes over as soon as the lock is free. PostgreSQL frees the lock
the moment the session ends: the process exits or is killed (its socket closes), or its
connection is lost. The active process checks its lock connection every `check_every`
seconds; if it fails, it can no longer be sure it is the only one and stops (`lost` is set).
The lock session sets `idle_session_timeout` (PostgreSQL 14+), so when the active host
vanishes without closing its socket, the server ends the orphaned session (and frees the
lock) after IDLE_TIMEOUT instead of waiting for TCP keepalives (hours by default).

SQLite: one process only. `acsm-bot run` holds an exclusive `flock` on `<database>.lock`
beside the file; a second one is refused at once with a clear reason. The kernel frees the
lock whatever way the process ends, SIGKILL included, so a stale lock file never blocks a
restart (it may stay on disk; it is harmless).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import Protocol

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from storage.migrate import sqlite_path

log = logging.getLogger(__name__)

LEADER_LOCK = 0x4143_534D_0000_0001  # "ACSM" + 1 (storage/migrate.py uses + 2)
IDLE_TIMEOUT = "6s"  # the server ends a lock session that sent nothing for this long


class AlreadyRunningError(RuntimeError):
    """Another process uses the database and no standby is possible. One line for staff."""


class Exclusive(Protocol):
    lost: asyncio.Event  # set when the active process can no longer be sure it is alone

    async def acquire(self, stopping: asyncio.Event) -> bool:
        """Wait until this process may run (False: `stopping` was set first)."""
        ...

    async def release(self) -> None: ...


def exclusive_use(url: str, *, retry: float = 1.0, check_every: float = 1.0) -> Exclusive:
    if url.startswith("postgresql"):
        return PostgresLeader(url, retry=retry, check_every=check_every)
    path = sqlite_path(url)
    if path is not None:
        return SqliteFileLock(path)
    return Unshared()


class Unshared:
    """An in-memory database: nothing to share."""

    def __init__(self) -> None:
        self.lost = asyncio.Event()

    async def acquire(self, stopping: asyncio.Event) -> bool:
        return True

    async def release(self) -> None:
        return None


class SqliteFileLock:
    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(database.name + ".lock")
        self.lost = asyncio.Event()
        self._fd: int | None = None

    async def acquire(self, stopping: asyncio.Event) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = _read_pid(self.path)
            raise AlreadyRunningError(
                f"another acsm-bot run{f' (pid {holder})' if holder else ''} is using "
                f"{self.database.resolve()}: SQLite allows one running bot (stop it first, or "
                "use PostgreSQL for a hot standby)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            os.close(fd)  # closing the descriptor frees the lock


def _read_pid(path: Path) -> str:
    with contextlib.suppress(OSError, ValueError):
        return str(int(path.read_text().strip()))
    return ""


class PostgresLeader:
    def __init__(
        self, url: str, *, retry: float = 1.0, check_every: float = 1.0, check_timeout: float = 3.0
    ) -> None:
        self.url = url
        self.retry, self.check_every, self.check_timeout = retry, check_every, check_timeout
        self.lost = asyncio.Event()
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._watch: asyncio.Task[None] | None = None

    async def acquire(self, stopping: asyncio.Event) -> bool:
        # A connection of its own, outside any pool, in autocommit: never idle in a transaction.
        self._engine = create_async_engine(
            self.url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        said = ""
        while not stopping.is_set():
            try:
                if await self._try():
                    log.info("active: this process holds the database's leader lock")
                    self._watch = asyncio.create_task(self._watch_connection(), name="leader")
                    return True
                news = "standby: another acsm-bot run is active on this database; waiting"
            except Exception as exc:
                await self._close()
                news = f"standby: cannot reach the database ({type(exc).__name__}); retrying"
            if news != said:
                log.info(news)
                said = news
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.retry):
                    await stopping.wait()
        await self.release()
        return False

    async def _try(self) -> bool:
        assert self._engine is not None
        if self._connection is None:
            self._connection = await self._engine.connect()
            try:  # PostgreSQL 14+: the server ends this session if its host vanishes
                await self._connection.execute(text(f"SET idle_session_timeout = '{IDLE_TIMEOUT}'"))
            except Exception:
                log.info("idle_session_timeout not supported (PostgreSQL < 14)")
        got = await self._connection.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}
        )
        return bool(got.scalar())

    async def _watch_connection(self) -> None:
        assert self._connection is not None
        while True:
            await asyncio.sleep(self.check_every)
            try:
                async with asyncio.timeout(self.check_timeout):
                    await self._connection.execute(text("SELECT 1"))
            except Exception as exc:
                log.critical(
                    "lost the connection that holds the leader lock (%s): stopping, another "
                    "process may take over",
                    type(exc).__name__,
                )
                self.lost.set()
                return

    async def release(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._watch
            self._watch = None
        if self._connection is not None and not self.lost.is_set():
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.check_timeout):
                    await self._connection.execute(
                        text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK}
                    )
        await self._close()
        if self._engine is not None:
            await self._engine.dispose()
            self._engine = None

    async def _close(self) -> None:
        if self._connection is not None:
            connection, self._connection = self._connection, None
            with contextlib.suppress(Exception):
                async with asyncio.timeout(self.check_timeout):
                    await connection.close()
