"""Prepared statements (storage/prepared.py): on PostgreSQL they run on asyncpg's connection
of the session's transaction; what SQLAlchemy guarantees for a statement still holds."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, event, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

import storage.database
from bot.errors import is_database_outage
from domain.model import RenewalDraft
from storage.database import Database
from storage.orm import ProcessedUpdateRow, RenewalDraftRow, table
from storage.prepared import Prepared
from storage.repositories import _DRAFT, _LINK_AND_MEMBER
from storage.unit_of_work import SqlAlchemyUnitOfWork
from storage.update_records import _CLAIM, _CLEAR_REPLIES, UpdateRecords, _states
from tests.storage.helpers import seed_member

AT = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
_UPDATES = table(ProcessedUpdateRow)
_INSERT_UPDATE = Prepared(_UPDATES.insert())
_SLEEP = Prepared(select(func.pg_sleep(bindparam("seconds"))))


def postgres_only(database: Database) -> None:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("a PostgreSQL server's connection")


async def claimed(database: Database) -> list[int]:
    async with database.session_factory() as session:
        return sorted(await session.scalars(select(ProcessedUpdateRow.update_id)))


async def test_a_first_statement_begins_the_sessions_transaction(database: Database) -> None:
    """Rolled back with the session, committed with it: one transaction, not autocommit."""
    async with database.session_factory() as session:
        records = UpdateRecords(session)
        assert await records.claim(1, AT)
        assert not await records.claim(1, AT)  # seen by the same transaction
        await session.rollback()
    assert await claimed(database) == []
    async with database.session_factory() as session, session.begin():
        assert await UpdateRecords(session).claim(2, AT)
        assert await UpdateRecords(session).claim(3, AT)
    assert await claimed(database) == [2, 3]


async def test_the_hot_statements_all_take_the_drivers_path(
    database: Database,
) -> None:
    """Every hot statement takes the driver's path (none falls back)."""
    dialect = database.engine.dialect
    for prepared, keys in [
        (_CLAIM, ["update_id", "seen_at"]),
        (_CLEAR_REPLIES, ["id"]),
        (_states(2), ["n0", "n1", "key"]),
        (_DRAFT, ["acsm_id"]),
        (_LINK_AND_MEMBER, ["telegram_user_id"]),
    ]:
        assert prepared.plan(dialect, keys) is not None, prepared.statement("postgresql")


async def test_rows_are_what_sqlalchemy_would_return(database: Database) -> None:
    """Same fields, same values, same types (JSON decoded, UTC datetimes aware)."""
    await seed_member(database.uow_factory, "123456")
    draft = RenewalDraft("123456", [7, 9], True, False, Decimal("12.5"), None, False, AT)
    async with database.uow_factory() as uow:
        await uow.drafts.save(draft)
        await uow.commit()
    async with database.session_factory() as session:
        fast = await _DRAFT.first(session, {"acsm_id": "123456"})
        plain = (
            await session.execute(
                _DRAFT.statement(database.engine.dialect.name), {"acsm_id": "123456"}
            )
        ).one()
        assert fast is not None
        assert fast._fields == plain._fields
        assert tuple(fast) == tuple(plain)
        assert fast.updated_at == AT and fast.updated_at.tzinfo is not None
        assert fast.certification_ids == [7, 9]
        assert await _DRAFT.first(session, {"acsm_id": "nobody"}) is None
    async with database.uow_factory() as uow:
        assert await uow.drafts.get("123456") == draft


async def test_in_lists_work_on_both_engines(database: Database) -> None:
    async with database.session_factory() as session, session.begin():
        records = UpdateRecords(session)
        for update_id in (1, 2, 3):
            await records.claim(update_id, AT)
            await records.keep_replies(update_id, [{"method": "sendMessage", "text": "hi"}])
        await records.save_conversations("k", {"a": {"s": 1}, "b": {"s": 2}})
        await records.clear_replies([1, 3])
        assert await records.unsent_replies(1) == []
        assert await records.unsent_replies(2) == [{"method": "sendMessage", "text": "hi"}]
        assert await records.conversations("k", ["a", "c"]) == {"a": {"s": 1}}


async def test_a_write_in_a_use_case_opens_its_savepoint(database: Database) -> None:
    """A use case that saved a draft and then failed leaves nothing; the update commits."""
    await seed_member(database.uow_factory, "123456")
    draft = RenewalDraft("123456", [1], True, True, None, None, False, AT)
    async with database.session_factory() as session, session.begin():
        assert await UpdateRecords(session).claim(5, AT)
        with pytest.raises(RuntimeError):
            async with SqlAlchemyUnitOfWork(session=session) as uow:
                await uow.drafts.save(draft)
                raise RuntimeError("the use case refuses after writing")
        async with SqlAlchemyUnitOfWork(session=session) as uow:
            assert await uow.drafts.get("123456") is None
    assert await claimed(database) == [5]
    async with database.session_factory() as session:
        assert await session.get(RenewalDraftRow, "123456") is None


async def test_a_constraint_violation_is_sqlalchemys_error(database: Database) -> None:
    async with database.session_factory() as session:
        await _INSERT_UPDATE.rowcount(session, {"update_id": 9, "seen_at": AT})
        with pytest.raises(IntegrityError):
            await _INSERT_UPDATE.rowcount(session, {"update_id": 9, "seen_at": AT})
        await session.rollback()
        assert await _INSERT_UPDATE.rowcount(session, {"update_id": 9, "seen_at": AT}) == 1
        await session.commit()
    assert await claimed(database) == [9]


async def test_a_lost_connection_is_an_outage_and_the_next_session_reconnects(
    database: Database,
) -> None:
    postgres_only(database)
    async with database.session_factory() as session:
        await _CLAIM.rowcount(session, {"update_id": 1, "seen_at": AT})
        backend = await session.scalar(text("SELECT pg_backend_pid()"))
        async with database.engine.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
        await asyncio.sleep(0.3)  # the client reads the server's goodbye (as in an outage)
        with pytest.raises(DBAPIError) as lost:
            await _CLAIM.rowcount(session, {"update_id": 2, "seen_at": AT})
        assert lost.value.connection_invalidated
        assert is_database_outage(lost.value)
    async with database.session_factory() as session, session.begin():
        assert await UpdateRecords(session).claim(3, AT)
    assert await claimed(database) == [3]


async def test_a_cancelled_statement_discards_its_connection(database: Database) -> None:
    """A shutdown cancels an update mid-statement: the connection, in an unknown state, is
    discarded (as SQLAlchemy does), and the pool's next sessions work."""
    postgres_only(database)
    invalidated: list[object] = []
    pool = database.engine.sync_engine.pool
    listener = lambda *args: invalidated.append(args[2])  # noqa: E731
    event.listen(pool, "invalidate", listener)
    try:

        async def sleeping() -> None:
            async with database.session_factory() as session:
                await _SLEEP.all(session, {"seconds": 30})

        task = asyncio.create_task(sleeping())
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert len(invalidated) == 1 and isinstance(invalidated[0], asyncio.CancelledError)
        for _ in range(3):
            async with database.session_factory() as session, session.begin():
                assert await _SLEEP.all(session, {"seconds": 0}) == [(None,)]
    finally:
        event.remove(pool, "invalidate", listener)


async def test_statements_are_seen_by_cursor_listeners(database: Database) -> None:
    """The statement counts of tests/chat/test_cost.py see the driver's path too."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen.append(statement.split()[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        async with database.session_factory() as session, session.begin():
            await UpdateRecords(session).claim(1, AT)
            await UpdateRecords(session).unsent_replies(1)
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)
    assert [s for s in seen if s in ("INSERT", "SELECT")] == ["INSERT", "SELECT"]


async def test_a_statement_it_cannot_run_goes_through_the_session(database: Database) -> None:
    """An IN list expanded per call is left to SQLAlchemy, and still answers."""
    expanding = Prepared(
        select(_UPDATES.c.update_id)
        .where(_UPDATES.c.update_id.in_(bindparam("ids", expanding=True)))
        .order_by(_UPDATES.c.update_id)
    )
    assert expanding.plan(database.engine.dialect, ["ids"]) is None
    async with database.session_factory() as session, session.begin():
        for update_id in (1, 2, 3):
            await UpdateRecords(session).claim(update_id, AT)
        assert [r.update_id for r in await expanding.all(session, {"ids": [1, 3]})] == [1, 3]


async def _backend_of_next_connection(database: Database) -> int:
    await database.engine.dispose()
    async with database.session_factory() as session:
        backend = await session.scalar(text("SELECT pg_backend_pid()"))
    other = Database(database.url)  # another pool's connection kills the pooled one
    try:
        async with other.engine.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    finally:
        await other.dispose()
    await asyncio.sleep(0.3)
    return int(backend)


async def test_a_connection_that_died_while_idle_is_replaced_unseen(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Idle longer than PING_AFTER_IDLE: pinged when taken from the pool, and replaced."""
    postgres_only(database)
    monkeypatch.setattr(storage.database, "PING_AFTER_IDLE", 0.0)
    await _backend_of_next_connection(database)
    async with database.session_factory() as session, session.begin():
        assert await UpdateRecords(session).claim(1, AT)
    assert await claimed(database) == [1]


async def test_a_connection_used_a_moment_ago_is_not_pinged(database: Database) -> None:
    """The price of pinging only idle connections: one that died a moment after use fails
    its next statement as a lost connection (the update is tried again); the pool is then
    invalidated as a whole, and the next session works."""
    postgres_only(database)
    await _backend_of_next_connection(database)
    with pytest.raises(DBAPIError) as lost:
        async with database.session_factory() as session, session.begin():
            await UpdateRecords(session).claim(1, AT)
    assert is_database_outage(lost.value)
    async with database.session_factory() as session, session.begin():
        assert await UpdateRecords(session).claim(2, AT)
    assert await claimed(database) == [2]
