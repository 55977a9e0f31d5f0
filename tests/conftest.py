"""Shared fixtures: a real, migrated database per test — SQLite always, PostgreSQL when
ACSM_TEST_POSTGRES_URL is set (CI starts one with scripts/postgres.sh).

SQLite: the schema is migrated once per session into a template file; each test gets a copy.
PostgreSQL: each session (each xdist worker: gw0, gw1…) migrates a template database of its
own once; each test gets `CREATE DATABASE … TEMPLATE` it, dropped (WITH (FORCE)) afterwards.
Every name carries the worker and a random part, so workers, and suites running at once on
the same server, never share a database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from domain.ports import UnitOfWorkFactory
from storage.database import Database
from storage.migrate import upgrade

POSTGRES_URL = os.environ.get("ACSM_TEST_POSTGRES_URL")
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")  # gw0, gw1… under pytest -n
T = TypeVar("T")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The few long hardening tests (marked slow: up to a minute or more each) first. Under
    make test (--dist load --maxschedchunk 1: one test at a time to whichever worker is free)
    they start at once on different workers and the short ones fill in around them, instead
    of running last while the other workers idle. The order is stable otherwise; no test
    depends on it."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated once; each test gets a copy of the file (tmp paths are per worker)."""
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


def unique_name(kind: str = "") -> str:
    """A PostgreSQL database name of this worker's own: the server's test database name, the
    xdist worker (gw0, gw1…; 'main' without -n), what it is for, and a random part."""
    assert POSTGRES_URL
    base = make_url(POSTGRES_URL).database
    return f"{base}_{WORKER}_{kind}{uuid.uuid4().hex[:10]}"


def url_of(name: str) -> str:
    assert POSTGRES_URL
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


class PostgresAdmin:
    """One server connection for CREATE and DROP DATABASE, open for the whole session on an
    event loop of its own in a thread (each test has its own loop; this connection must not be
    bound to any of them). Drops are not waited for: the next test runs meanwhile."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pg-admin", daemon=True)
        self.thread.start()
        self.engine = self.run(self._engine(url))
        self.drops: list[concurrent.futures.Future[None]] = []

    @staticmethod
    async def _engine(url: str) -> AsyncEngine:
        return create_async_engine(url, isolation_level="AUTOCOMMIT", pool_size=1)

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)

    async def _execute(self, statement: str) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(text(statement))

    def create(self, name: str, template: str | None = None) -> None:
        like = f' TEMPLATE "{template}"' if template else ""
        self.run(self._execute(f'CREATE DATABASE "{name}"{like}'))

    def drop_later(self, name: str) -> None:
        statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
        self.drops.append(asyncio.run_coroutine_threadsafe(self._execute(statement), self.loop))

    def close(self) -> None:
        try:
            for drop in self.drops:
                drop.result(120)
            self.run(self.engine.dispose())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(10)
            self.loop.close()


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[PostgresAdmin]:
    assert POSTGRES_URL
    admin = PostgresAdmin(POSTGRES_URL)
    yield admin
    admin.close()


@pytest.fixture(scope="session")
def postgres_template(postgres_admin: PostgresAdmin) -> Iterator[str]:
    """This worker's template database, migrated to head once. Nothing connects to it
    afterwards: CREATE DATABASE … TEMPLATE needs it idle."""
    name = unique_name("template_")
    postgres_admin.create(name)
    try:
        asyncio.run(upgrade(url_of(name)))
        yield name
    finally:
        postgres_admin.drop_later(name)


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "acsm.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite+aiosqlite:///{path}"
        return
    if not POSTGRES_URL:
        pytest.skip("ACSM_TEST_POSTGRES_URL not set")
    admin: PostgresAdmin = request.getfixturevalue("postgres_admin")
    name = unique_name()
    admin.create(name, template=request.getfixturevalue("postgres_template"))
    try:
        yield url_of(name)
    finally:
        admin.drop_later(name)


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
