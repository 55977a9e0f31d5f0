"""Shared fixtures: a real, migrated database per test — SQLite always, PostgreSQL when
ACSM_TEST_POSTGRES_URL is set (CI starts one with scripts/postgres.sh).

SQLite: the schema is migrated once per session into a template file; each test gets a copy.
PostgreSQL: each test session creates its own database next to the one in the URL (so two
suites running at once do not disturb each other), migrates it once, truncates every table
before each test, and drops it at the end.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from domain.ports import UnitOfWorkFactory
from storage.database import Database
from storage.migrate import upgrade
from storage.orm import Base

POSTGRES_URL = os.environ.get("ACSM_TEST_POSTGRES_URL")
T = TypeVar("T")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(upgrade(f"sqlite+aiosqlite:///{path}"))
    return path


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def postgres_migrated() -> Iterator[str]:
    """A fresh database for this test session, migrated to head."""
    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:10]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        asyncio.run(_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "acsm.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip("ACSM_TEST_POSTGRES_URL not set")
    url = request.getfixturevalue("postgres_migrated")
    asyncio.run(truncate_all(url))
    yield url


async def truncate_all(url: str) -> None:
    tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


@pytest.fixture
def uow_factory(database: Database) -> UnitOfWorkFactory:
    return database.unit_of_work


@pytest.fixture
def queued_on_sqlite(database_url: str) -> Callable[[Awaitable[T]], Awaitable[T]]:
    """Run concurrent transactions as the bot does. PostgreSQL: truly concurrent. SQLite:
    queued in-process on one lock, as storage/database.py's Database.transaction queues its writers. Several
    connections of one process waiting in SQLite's busy handler can stall for the whole busy
    timeout (then "database is locked"), so the bot never does that."""
    lock = asyncio.Lock() if database_url.startswith("sqlite") else None

    async def run(transaction: Awaitable[T]) -> T:
        if lock is None:
            return await transaction
        async with lock:
            return await transaction

    return run
