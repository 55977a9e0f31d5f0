"""A unit of work joined to an update's transaction: a savepoint only once it writes, and a
use case failing after it wrote leaves nothing, while the update's transaction commits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from storage.database import Database
from storage.reminder_rows import BlockedChatRow
from storage.unit_of_work import SqlAlchemyUnitOfWork

AT = datetime(2026, 11, 28, tzinfo=UTC)


@contextmanager
def savepoints(database: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "SAVEPOINT" in statement.upper():
            seen.append(statement.split()[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def test_reads_cost_no_savepoint_and_a_failed_write_is_undone(database: Database) -> None:
    with savepoints(database) as seen:
        async with database.session_factory() as session, session.begin():
            async with SqlAlchemyUnitOfWork(session=session) as uow:  # reads only
                await uow.members.count()
                await uow.commit()
            assert seen == []
            async with SqlAlchemyUnitOfWork(session=session) as uow:  # writes, commits
                await uow.reminders.mark_blocked(1, AT)
                await uow.commit()
            assert seen == ["SAVEPOINT", "RELEASE"]
            with pytest.raises(RuntimeError):
                async with SqlAlchemyUnitOfWork(session=session) as uow:  # writes, fails
                    await uow.reminders.mark_blocked(2, AT)
                    await uow.reminders.clear_blocked(1)
                    raise RuntimeError("the use case refuses after writing")
            assert seen == ["SAVEPOINT", "RELEASE", "SAVEPOINT", "ROLLBACK", "RELEASE"]
    async with database.session_factory() as session:
        assert list(await session.scalars(select(BlockedChatRow.chat_id))) == [1]
