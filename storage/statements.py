"""What every repository builds its Core statements with: the dialect's INSERT … ON CONFLICT,
upserts built once per dialect, IN lists and bulk writes in batches, CECs in half units.

Statements are built once, at module level, with `bindparam`s, and executed with
`await connection.execute(statement, params)`: SQLAlchemy compiles each once per dialect and
keeps it in its compiled cache (building a statement per call costs more CPU than SQLite's
own work for the bot's small, indexed queries; docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import Row, Select, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

T = TypeVar("T")

WRITE_BATCH = 5_000  # rows per executemany in bulk writes (imports)
IN_BATCH = 500  # values per `IN (…)` list in bulk reads

PerDialect = Mapping[str, Any]  # dialect name -> statement


def halves(value: Decimal) -> int:
    return int(value * 2)


def from_halves(value: int) -> Decimal:
    return Decimal(value) / 2


def batches(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """`items` in consecutive slices of at most `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def for_dialect(build: Callable[[Any], Any]) -> dict[str, Any]:
    """A statement with ON CONFLICT, built once per dialect from that dialect's `insert`."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}


def upsert(table: Table, keys: Sequence[str]) -> dict[str, Any]:
    """INSERT, or on a conflict of `keys` replace every other column: per dialect, built once."""

    def build(insert: Any) -> Any:
        stmt = insert(table)
        return stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={c.name: stmt.excluded[c.name] for c in table.c if c.name not in keys},
        )

    return for_dialect(build)


def insert_or_ignore(table: Table, keys: Sequence[str]) -> dict[str, Any]:
    """INSERT, doing nothing on a conflict of `keys`: per dialect, built once."""
    return for_dialect(lambda insert: insert(table).on_conflict_do_nothing(index_elements=keys))


def of_dialect(connection: AsyncConnection, statements: PerDialect) -> Any:
    """The connection's dialect's statement."""
    return statements[connection.dialect.name]


def in_list(column: Any) -> Any:
    """`column IN (:values)`, the list given per call (values in batches of IN_BATCH)."""
    return column.in_(bindparam("values", expanding=True))


async def rows_for(
    connection: AsyncConnection,
    statement: Any,
    values: Sequence[Any],
    params: Mapping[str, Any] | None = None,
) -> list[Row[Any]]:
    """The rows of `statement` (its `IN` list an `in_list`) for each distinct value of
    `values`, asked IN_BATCH at a time."""
    wanted = sorted(set(values))
    found: list[Row[Any]] = []
    for batch in batches(wanted, IN_BATCH):
        result = await connection.execute(statement, {**(params or {}), "values": list(batch)})
        found.extend(result.all())
    return found


async def execute_many(
    connection: AsyncConnection, statement: Any, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Execute a write once per row (executemany), WRITE_BATCH rows at a time."""
    for batch in batches(rows, WRITE_BATCH):
        await connection.execute(statement, list(batch))


def member_window(table: Table) -> Select[Any]:
    """A member's rows completed in [since, until] (bound parameters), oldest first."""
    return (
        select(*table.c)
        .where(
            table.c.acsm_id == bindparam("acsm_id"),
            table.c.completed_on >= bindparam("since"),
            table.c.completed_on <= bindparam("until"),
        )
        .order_by(table.c.completed_on, table.c.id)
    )
