"""The hot path's statements: built once, and run at the driver's own cost.

Every update runs about a dozen statements (its claim, the member's conversation states, the
answer's reads, its replies). Through SQLAlchemy's asyncio session a prebuilt statement
costs about 155 µs of CPU on PostgreSQL against 60 µs through asyncpg directly, and 48 µs
on SQLite against 2 µs through sqlite3: a greenlet for each call, an execution context and
a result object (docs/performance.md). On PostgreSQL that difference was most of what it
cost above SQLite per update.

A `Prepared` statement is compiled by SQLAlchemy once per dialect and set of parameters:
its SQL text, the order of its parameters and their type processors, its result columns
and theirs. It then runs on the driver's connection of the session's own transaction
(asyncpg's; sqlite3's, inline as storage/sqlite_inline.py runs statements in a
transaction), keeping what SQLAlchemy's execution guarantees:
- **one transaction:** the session's. SQLAlchemy's asyncpg adapter begins its transaction
  lazily, on the first statement; a `Prepared` statement that comes first begins it the
  same way, so COMMIT and ROLLBACK through the session cover it. SQLite's BEGIN IMMEDIATE
  is issued when the session takes its connection (storage/database.py).
- **the use case's savepoint** (storage/lazy_savepoint.py) is opened before its first write,
  as SQLAlchemy's `before_execute` event does for the others;
- **`before_cursor_execute` listeners** see the statement (tests count statements, and
  inject failures, with them);
- **errors** go through SQLAlchemy's own handling: translated into `sqlalchemy.exc` errors,
  and a lost connection invalidates the connection and the pool as it would;
- **a cancelled statement** (a shutdown) discards the connection, whose state is unknown.

Anything the driver path does not handle (an `IN` list expanded per call, a Python-side
column default, two result columns of one name, a connection already invalidated or not
in a transaction) runs through `session.execute`.

The asyncpg adapter's `_started`, `_start_transaction` and `_execute_mutex`, and the
connection's `_handle_dbapi_exception`, are SQLAlchemy internals (2.0, pinned in
pyproject.toml); tests/storage/test_prepared.py checks what this module relies on.
"""

from __future__ import annotations

import contextlib
import keyword
import sqlite3
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import Executable

from storage import lazy_savepoint

_LINK = "acsm_driver_link"
Params = Mapping[str, Any]


class _Asyncpg:
    """Statements on asyncpg's connection, in SQLAlchemy's adapter's transaction."""

    def __init__(self, adapter: Any, driver: Any) -> None:
        self.adapter, self.driver = adapter, driver

    def usable(self) -> bool:
        return True

    async def rows(self, sql: str, args: Sequence[Any]) -> Sequence[Any]:
        async with self.adapter._execute_mutex:
            await self._begin()
            return await self.driver.fetch(sql, *args)  # type: ignore[no-any-return]

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        async with self.adapter._execute_mutex:
            await self._begin()
            status: str = await self.driver.execute(sql, *args)
        count = status.rpartition(" ")[2]
        return int(count) if count.isdigit() else -1

    async def execute_many(self, sql: str, many: Sequence[Sequence[Any]]) -> None:
        async with self.adapter._execute_mutex:
            await self._begin()
            await self.driver.executemany(sql, many)

    async def _begin(self) -> None:
        if not self.adapter._started:
            await self.adapter._start_transaction()


class _Sqlite3:
    """Statements on sqlite3's connection, inline: inside a transaction the connection
    holds SQLite's writer lock and waits on no one (storage/sqlite_inline.py)."""

    def __init__(self, adapter: Any, driver: Any) -> None:
        self.adapter = adapter
        self.connection: sqlite3.Connection = driver._conn

    def usable(self) -> bool:
        return self.connection.in_transaction

    async def rows(self, sql: str, args: Sequence[Any]) -> Sequence[Any]:
        return self.connection.execute(sql, args).fetchall()

    async def execute(self, sql: str, args: Sequence[Any]) -> int:
        return self.connection.execute(sql, args).rowcount

    async def execute_many(self, sql: str, many: Sequence[Sequence[Any]]) -> None:
        self.connection.executemany(sql, many)


_DRIVERS: dict[str, Callable[[Any, Any], _Asyncpg | _Sqlite3]] = {
    "postgresql": _Asyncpg,
    "sqlite": _Sqlite3,
}


@dataclass(slots=True)
class _Link:
    """The session's transaction, its connection and the driver's."""

    transaction: SessionTransaction
    connection: AsyncConnection
    sync: Connection
    driver: _Asyncpg | _Sqlite3


@dataclass(slots=True)
class _Plan:
    """A statement compiled for the driver: SQL text, parameters in order, result rows."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    fixed: dict[str, Any]
    writes: bool
    row: Any  # a namedtuple class, or None: no result rows
    results: tuple[Callable[[Any], Any] | None, ...] | None  # None: no column needs one

    def args(self, params: Params) -> list[Any]:
        out = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = params[name] if name in params else self.fixed[name]
            out.append(value if process is None or value is None else process(value))
        return out

    def rows(self, records: Sequence[Any]) -> list[Any]:
        make = self.row._make
        if self.results is None:
            return [make(r) for r in records]
        results = self.results
        return [
            make([v if p is None or v is None else p(v) for p, v in zip(results, r, strict=True)])
            for r in records
        ]


class Prepared:
    """A statement (or one per dialect name) built once, executed with parameters."""

    def __init__(self, statement: Executable | Mapping[str, Executable]) -> None:
        self._statements = statement if isinstance(statement, Mapping) else None
        self._statement = statement
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan | None] = {}

    def statement(self, dialect: str) -> Any:
        if self._statements is None:
            return self._statement
        return self._statements[dialect]

    async def all(self, session: AsyncSession, params: Params) -> list[Any]:
        """The result rows (attributes by column name, and tuples)."""
        link, plan = await self._driver_path(session, params)
        if link is None or plan is None:
            return list(await session.execute(self.statement(_dialect(session)), params))
        return await _rows(link, plan, params)

    async def first(self, session: AsyncSession, params: Params) -> Any | None:
        rows = await self.all(session, params)
        return rows[0] if rows else None

    async def scalar(self, session: AsyncSession, params: Params) -> Any:
        row = await self.first(session, params)
        return None if row is None else row[0]

    async def rowcount(self, session: AsyncSession, params: Params) -> int:
        """Execute a write; the number of rows it matched."""
        link, plan = await self._driver_path(session, params)
        if link is None or plan is None:
            result = await session.execute(self.statement(_dialect(session)), params)
            return int(result.rowcount)  # type: ignore[attr-defined]
        return await _write(link, plan, params)

    async def execute_many(self, session: AsyncSession, many: Sequence[Params]) -> None:
        """Execute a write once per set of parameters (all with the same names)."""
        if not many:
            return
        link, plan = await self._driver_path(session, many[0])
        if link is None or plan is None:
            await session.execute(self.statement(_dialect(session)), list(many))
            return
        await _write_many(link, plan, many)

    def plan(self, dialect: Dialect, keys: Sequence[str]) -> _Plan | None:
        """The driver's plan for these parameter names; None if it needs SQLAlchemy."""
        return self._plan(dialect, dict.fromkeys(keys))

    async def _driver_path(
        self, session: AsyncSession, params: Params
    ) -> tuple[_Link | None, _Plan | None]:
        link = await _link(session)
        if link is None:
            return None, None
        return link, self._plan(link.sync.dialect, params)

    def _plan(self, dialect: Dialect, params: Params) -> _Plan | None:
        key = (dialect.name, tuple(params))
        try:
            return self._plans[key]
        except KeyError:
            plan = self._plans[key] = _compile(self.statement(dialect.name), dialect, params)
            return plan


def _dialect(session: AsyncSession) -> str:
    return str(session.bind.dialect.name)


def _compile(statement: Any, dialect: Dialect, params: Params) -> _Plan | None:
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(params))
    if "POSTCOMPILE" in compiled.string:
        return None  # an IN list expanded per call
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        return None  # a Python-side default, computed by SQLAlchemy's execution context
    names = tuple(compiled.positiontup or ())
    fixed: dict[str, Any] = {}
    for name in names:
        bind = compiled.binds[name]
        if name not in params:
            if bind.required or bind.callable is not None:
                return None
            fixed[name] = bind.value
    processors = tuple(compiled._bind_processors.get(name) for name in names)
    columns = list(compiled._result_columns)
    keys = [c.keyname for c in columns]
    if len(set(keys)) != len(keys) or any(
        not k.isidentifier() or keyword.iskeyword(k) or k.startswith("_") for k in keys
    ):
        return None
    results = tuple(c.type._cached_result_processor(dialect, None) for c in columns)
    return _Plan(
        sql=compiled.string,
        names=names,
        processors=processors,
        fixed=fixed,
        writes=not getattr(statement, "is_select", False),
        row=namedtuple("Row", keys) if columns else None,
        results=results if any(p is not None for p in results) else None,
    )


async def _link(session: AsyncSession) -> _Link | None:
    """The driver's connection in the session's transaction (beginning it if needed)."""
    transaction = session.sync_session.get_transaction()
    link: _Link | None = session.info.get(_LINK)
    if link is None or transaction is None or link.transaction is not transaction:
        connection = await session.connection()
        transaction = session.sync_session.get_transaction()
        assert transaction is not None
        sync = connection.sync_connection
        assert sync is not None
        driver = _DRIVERS.get(sync.dialect.name)
        if driver is None:
            return None
        pooled = sync.connection
        link = _Link(
            transaction,
            connection,
            sync,
            driver(pooled.dbapi_connection, pooled.driver_connection),
        )
        session.info[_LINK] = link
    if link.sync.invalidated or not link.driver.usable():
        return None  # SQLAlchemy does (or raises) what it must
    return link


async def _rows(link: _Link, plan: _Plan, params: Params) -> list[Any]:
    args = plan.args(params)
    try:
        await _before(link, plan, args)
        records = await link.driver.rows(plan.sql, args)
    except BaseException as error:
        await _failed(link, error, plan.sql, args)
        raise
    return plan.rows(records) if plan.row is not None else []


async def _write(link: _Link, plan: _Plan, params: Params) -> int:
    args = plan.args(params)
    try:
        await _before(link, plan, args)
        return await link.driver.execute(plan.sql, args)
    except BaseException as error:
        await _failed(link, error, plan.sql, args)
        raise


async def _write_many(link: _Link, plan: _Plan, many: Sequence[Params]) -> None:
    batch = [plan.args(params) for params in many]
    try:
        await _before(link, plan, batch)
        await link.driver.execute_many(plan.sql, batch)
    except BaseException as error:
        await _failed(link, error, plan.sql, batch)
        raise


async def _before(link: _Link, plan: _Plan, args: Sequence[Any]) -> None:
    """What SQLAlchemy's events do before a statement: open the use case's savepoint before
    its first write, and show the statement to cursor listeners."""
    if plan.writes:
        savepoint = lazy_savepoint.unopened(link.sync)
        if savepoint is not None:
            _announce(link, lazy_savepoint.OPEN, ())
            await link.driver.execute(lazy_savepoint.OPEN, ())
            savepoint.opened = True
    _announce(link, plan.sql, args)


def _announce(link: _Link, sql: str, args: Sequence[Any]) -> None:
    listeners = link.sync.dispatch.before_cursor_execute
    if listeners:
        for listener in listeners:
            listener(link.sync, None, sql, tuple(args), None, False)


async def _failed(link: _Link, error: BaseException, sql: str, args: Sequence[Any]) -> None:
    """A statement failed: handled as SQLAlchemy handles it (raises, unless `error` is an
    exit: then the caller re-raises it)."""
    if isinstance(error, Exception):
        await link.connection.run_sync(_raise_as_sqlalchemy, link.driver, error, sql, args)
        return
    # Cancelled mid-statement: the connection's state is unknown. As SQLAlchemy does, it is
    # discarded (closed gracefully).
    with contextlib.suppress(Exception):
        await link.connection.invalidate(error)


def _raise_as_sqlalchemy(
    connection: Connection, driver: Any, error: Exception, sql: str, args: Sequence[Any]
) -> None:
    """What SQLAlchemy does when a statement fails: translate the driver's error, and
    invalidate the connection (and the pool) when it was lost."""
    try:
        driver.adapter._handle_exception(error)  # raises the DBAPI-level error (or `error`)
    except Exception as raised:
        if isinstance(raised, connection.dialect.loaded_dbapi.Error):
            connection._handle_dbapi_exception(raised, sql, tuple(args), None, None)
        # Not the driver's (a listener's, an OSError): raised as it is, as SQLAlchemy does
        connection._handle_dbapi_exception(raised, None, None, None, None)
    raise error
