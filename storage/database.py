"""The engine for a database URL (SQLite by default, PostgreSQL too), and units of work on it."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from domain.ports import UnitOfWork
from storage.files import prepare_sqlite_file
from storage.unit_of_work import SqlAlchemyUnitOfWork


def create_engine(url: str, *, foreign_keys: bool = True) -> AsyncEngine:
    """`foreign_keys=False` is for SQLite migrations only: batch mode copies and drops tables,
    and dropping a referenced table with foreign keys on would cascade into its children."""
    if url.startswith("sqlite"):
        prepare_sqlite_file(url)  # created 0600 before SQLite creates it with the umask
        engine = create_async_engine(url, connect_args={"timeout": 30}, pool_reset_on_return=None)
        _tune_sqlite(engine, foreign_keys)
        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=10)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE = 2.0  # seconds
_IDLE_SINCE = "acsm_idle_since"  # in a pooled connection's record: when it was last returned


def _ping_when_idle(engine: AsyncEngine) -> None:
    """A pooled connection idle for more than PING_AFTER_IDLE seconds is pinged when taken
    from the pool; a dead one is replaced (SQLAlchemy's pattern: DisconnectionError).

    `pool_pre_ping` pinged on every checkout: with asyncpg that is BEGIN, an empty query and
    ROLLBACK, three round trips, twice per update (~0.17 ms of CPU; docs/performance.md).
    A connection used a moment ago is not pinged: if the server restarted meanwhile, the
    first statement on it fails as a lost connection, SQLAlchemy invalidates the whole pool
    at once, and the update is tried again (bot/polling.py, bot/webhook.py) like any update
    a restart interrupts."""

    @event.listens_for(engine.sync_engine.pool, "connect")
    def connected(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is not None and time.monotonic() - idle_since <= PING_AFTER_IDLE:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise DisconnectionError(f"idle connection lost: {type(error).__name__}") from error


def _tune_sqlite(engine: AsyncEngine, foreign_keys: bool) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE so that two writers queue
    instead of failing. The driver's own transaction handling is turned off and SQLAlchemy's
    `begin` event emits BEGIN: SQLAlchemy's documented recipe for pysqlite and aiosqlite, so
    that SAVEPOINTs (a joined unit of work's, storage/unit_of_work.py) work."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in (
            "PRAGMA journal_mode=WAL",
            f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}",
            "PRAGMA busy_timeout=30000",
            "PRAGMA synchronous=NORMAL",
        ):
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        # Straight on the driver (SQLAlchemy's documented `run_async`): one hand-off to
        # aiosqlite's thread, where a statement through SQLAlchemy's cursor takes three.
        try:
            connection.connection.dbapi_connection.run_async(  # type: ignore[union-attr]
                lambda driver: driver.execute("BEGIN IMMEDIATE")
            )
        except sqlite3.Error as error:  # as SQLAlchemy would raise it (an outage is one)
            raise DBAPIError.instance("BEGIN IMMEDIATE", None, error, sqlite3.Error) from error

    @event.listens_for(engine.sync_engine.pool, "reset")
    def on_reset(_dbapi_connection: Any, record: Any, state: Any) -> None:
        """A connection back in the pool is rolled back only when a transaction is still
        open (`pool_reset_on_return=None` in create_engine; SQLAlchemy's documented reset
        event): after a commit, the rollback was one more hand-off to aiosqlite's thread."""
        if not state.terminate_only and record.driver_connection.in_transaction:
            record.dbapi_connection.rollback()


class Database:
    """One engine per process; a new unit of work per use case."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        # SQLite has one writer at a time: this process's writers queue here, not in
        # SQLite's busy handler (several connections waiting there can stall for its whole
        # timeout). PostgreSQL: no queue.
        self.writer: asyncio.Lock | None = asyncio.Lock() if url.startswith("sqlite") else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[tuple[AsyncConnection, SqlAlchemyUnitOfWork]]:
        """One write transaction, committed on a clean exit and rolled back on an exception:
        its connection and a unit of work on it. A Telegram update's turn (bot/turns.py) and
        every command-line or scheduled use case run in one of these; use cases never commit."""
        async with self.writer or contextlib.nullcontext(), self.engine.begin() as connection:
            yield connection, SqlAlchemyUnitOfWork(connection)

    @contextlib.asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """`async with database.unit_of_work() as uow:` one use case (or several) in one
        transaction, committed when the block ends cleanly."""
        async with self.transaction() as (_, uow):
            yield uow

    def connect(self) -> AsyncConnection:
        """A connection (`async with database.connect() as connection:`); it begins a
        transaction on its first statement, rolled back unless committed."""
        return self.engine.connect()

    def begin(self) -> AbstractAsyncContextManager[AsyncConnection]:
        """A connection in a transaction: committed on a clean exit, else rolled back."""
        return self.engine.begin()

    async def ping(self) -> None:
        """Raise unless the database answers `SELECT 1` (the webhook's /healthz)."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
