"""The hot path's statements: built once, and on PostgreSQL run at asyncpg's own cost.

Every update runs about a dozen statements (its claim, the member's conversation states, the
answer's reads, its replies). Through SQLAlchemy's asyncio session a prebuilt statement
costs about 155 µs of CPU on PostgreSQL against 60 µs through asyncpg directly: a greenlet
for each call, an execution context and a result object (docs/performance.md). That
difference was most of what PostgreSQL cost above SQLite per update.

A `Prepared` statement is compiled by SQLAlchemy once per dialect and set of parameters:
its SQL text, the order of its parameters and their type processors, its result columns
and theirs. On PostgreSQL it then runs on the asyncpg connection of the session's own
transaction, keeping what SQLAlchemy's execution guarantees:
- **one transaction:** SQLAlchemy's asyncpg adapter begins its transaction lazily, on the
  first statement; a `Prepared` statement that comes first begins it the same way, so
  COMMIT and ROLLBACK through the session cover it;
- **the use case's savepoint** (storage/lazy_savepoint.py) is opened before its first write,
  as SQLAlchemy's `before_execute` event does for the others;
- **`before_cursor_execute` listeners** see the statement (the tests count statements);
- **errors** go through SQLAlchemy's own handling: translated into `sqlalchemy.exc` errors,
  and a lost connection invalidates the connection and the pool as it would;
- **a cancelled statement** (a shutdown) invalidates the connection, whose state is unknown.

Anything the driver path does not handle (an `IN` list expanded per call, a Python-side
column default, two result columns of one name, a connection already invalidated) runs
through `session.execute`, and so does everything on SQLite, where statements inside a
transaction already run inline (storage/sqlite_inline.py).

The adapter's `_started`, `_start_transaction` and `_execute_mutex`, and the connection's
`_handle_dbapi_exception`, are SQLAlchemy internals (2.0, pinned in pyproject.toml);
tests/storage/test_prepared.py checks each of them on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import keyword
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import SessionTransaction
from sqlalchemy.sql import Executable

from storage import lazy_savepoint

_LINK = "acsm_driver_link"
Params = Mapping[str, Any]


@dataclass(slots=True)
class _Link:
    """The session's transaction and the asyncpg connection it holds."""

    transaction: SessionTransaction
    connection: AsyncConnection
    sync: Connection
    adapter: Any  # SQLAlchemy's AsyncAdapt_asyncpg_connection
    driver: Any  # asyncpg.Connection


@dataclass(slots=True)
class _Plan:
    """A statement compiled for asyncpg: SQL text, parameters in order, result rows."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Callable[[Any], Any] | None, ...]
    fixed: dict[str, Any]
    writes: bool
    returns_rows: bool
    row: Any  # a namedtuple class, or None
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


def any_of(column: Any, name: str, item_type: Any) -> dict[str, Any]:
    """`column IN (:name...)` per dialect: SQLite expands the list per call; PostgreSQL
    binds it as one array (`= ANY($1)`), so that the driver path can run it."""
    return {
        "sqlite": column.in_(bindparam(name, expanding=True)),
        "postgresql": column == any_(bindparam(name, type_=ARRAY(item_type))),
    }


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
        result = await self._run(session, params)
        return result if isinstance(result, list) else list(result)

    async def first(self, session: AsyncSession, params: Params) -> Any | None:
        rows = await self._run(session, params)
        if isinstance(rows, list):
            return rows[0] if rows else None
        return rows.first()

    async def scalar(self, session: AsyncSession, params: Params) -> Any:
        row = await self.first(session, params)
        return None if row is None else row[0]

    async def rowcount(self, session: AsyncSession, params: Params) -> int:
        """Execute a write; the number of rows it matched."""
        result = await self._run(session, params, rows=False)
        return result if isinstance(result, int) else int(result.rowcount)

    # -- the two paths ------------------------------------------------------------------

    async def _run(self, session: AsyncSession, params: Params, *, rows: bool = True) -> Any:
        dialect = session.bind.dialect
        if dialect.name == "postgresql":
            link = await _link(session)
            if link is not None:
                plan = self._plan(dialect, params)
                if plan is not None:
                    return await _execute(link, plan, params, rows=rows)
        return await session.execute(self.statement(dialect.name), params)

    def plan(self, dialect: Dialect, keys: Sequence[str]) -> _Plan | None:
        """The driver's plan for these parameter names; None if it needs SQLAlchemy."""
        return self._plan(dialect, dict.fromkeys(keys))

    def _plan(self, dialect: Dialect, params: Params) -> _Plan | None:
        key = (dialect.name, tuple(params))
        try:
            return self._plans[key]
        except KeyError:
            plan = self._plans[key] = _compile(self.statement(dialect.name), dialect, params)
            return plan


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
    returns_rows = bool(columns)
    return _Plan(
        sql=compiled.string,
        names=names,
        processors=processors,
        fixed=fixed,
        writes=not compiled.isplaintext and not getattr(statement, "is_select", False),
        returns_rows=returns_rows,
        row=namedtuple("Row", keys) if returns_rows else None,
        results=results if any(p is not None for p in results) else None,
    )


async def _link(session: AsyncSession) -> _Link | None:
    """The session's asyncpg connection, in its transaction (beginning it if needed)."""
    transaction = session.sync_session.get_transaction()
    link: _Link | None = session.info.get(_LINK)
    if link is None or transaction is None or link.transaction is not transaction:
        connection = await session.connection()
        transaction = session.sync_session.get_transaction()
        assert transaction is not None
        pooled = connection.sync_connection.connection  # type: ignore[union-attr]
        link = _Link(
            transaction,
            connection,
            connection.sync_connection,  # type: ignore[arg-type]
            pooled.dbapi_connection,
            pooled.driver_connection,
        )
        session.info[_LINK] = link
    if link.sync.invalidated:
        return None  # SQLAlchemy raises what it must
    return link


async def _execute(link: _Link, plan: _Plan, params: Params, *, rows: bool) -> list[Any] | int:
    args = plan.args(params)
    adapter = link.adapter
    try:
        async with adapter._execute_mutex:
            if not adapter._started:
                await adapter._start_transaction()
            if plan.writes:
                savepoint = lazy_savepoint.unopened(link.sync)
                if savepoint is not None:
                    _announce(link, lazy_savepoint.OPEN, ())
                    await link.driver.execute(lazy_savepoint.OPEN)
                    savepoint.opened = True
            _announce(link, plan.sql, args)
            if plan.returns_rows:
                return plan.rows(await link.driver.fetch(plan.sql, *args))
            status = await link.driver.execute(plan.sql, *args)
    except Exception as error:
        await link.connection.run_sync(_raise_as_sqlalchemy, adapter, error, plan.sql, args)
        raise  # (not reached: SQLAlchemy raised)
    except BaseException as exit_:  # cancelled mid-statement: the connection's state is unknown
        with contextlib.suppress(Exception):  # as SQLAlchemy does: discarded, closed gracefully
            await link.connection.invalidate(exit_)
        raise
    count = status.rpartition(" ")[2]
    return int(count) if count.isdigit() else -1


def _announce(link: _Link, sql: str, args: Sequence[Any]) -> None:
    listeners = link.sync.dispatch.before_cursor_execute
    if listeners:
        for listener in listeners:
            listener(link.sync, None, sql, tuple(args), None, False)


def _raise_as_sqlalchemy(
    connection: Connection, adapter: Any, error: Exception, sql: str, args: Sequence[Any]
) -> None:
    """What SQLAlchemy does when a statement fails: translate the driver's error, and
    invalidate the connection (and the pool) when it was lost."""
    try:
        adapter._handle_exception(error)  # raises the DBAPI-level error (or `error` itself)
    except Exception as raised:
        if isinstance(raised, connection.dialect.loaded_dbapi.Error):
            connection._handle_dbapi_exception(raised, sql, tuple(args), None, None)
        # Not the driver's (a listener's, an OSError): raised as it is, as SQLAlchemy does
        connection._handle_dbapi_exception(raised, None, None, None, None)
    raise error
