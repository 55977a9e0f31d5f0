"""The engine and session factory for a database URL (SQLite by default, PostgreSQL too)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from domain.ports import UnitOfWork
from storage import lazy_savepoint, sqlite_inline
from storage.files import prepare_sqlite_file
from storage.unit_of_work import SqlAlchemyUnitOfWork


def create_engine(url: str, *, foreign_keys: bool = True) -> AsyncEngine:
    """`foreign_keys=False` is for SQLite migrations only: batch mode copies and drops tables,
    and dropping a referenced table with foreign keys on would cascade into its children."""
    if url.startswith("sqlite"):
        prepare_sqlite_file(url)  # created 0600 before SQLite creates it with the umask
        engine = create_async_engine(
            url, connect_args={"timeout": 30, "async_creator_fn": sqlite_inline.connect}
        )
        _tune_sqlite(engine, foreign_keys)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


def _tune_sqlite(engine: AsyncEngine, foreign_keys: bool) -> None:
    """WAL, foreign keys, a busy timeout, and BEGIN IMMEDIATE so that two writers queue
    instead of failing (and SAVEPOINTs work, as SQLAlchemy's docs describe for aiosqlite)."""

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
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One engine per process; a new unit of work per use case."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        lazy_savepoint.watch(self.engine)
        self.session_factory: async_sessionmaker[AsyncSession] = async_sessionmaker(
            self.engine, expire_on_commit=False
        )

    def uow_factory(self) -> UnitOfWork:
        return SqlAlchemyUnitOfWork(self.session_factory)

    async def ping(self) -> None:
        """Raise unless the database answers `SELECT 1` (the webhook's /healthz)."""
        async with self.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()
