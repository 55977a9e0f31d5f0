"""The unit of work is the repositories on a connection whose transaction is open; whoever
opened it (Database.transaction / unit_of_work: a Telegram turn, a command-line step) commits
it on a clean exit and rolls it back on an exception. The one partial rollback is a business
rule: a duplicate invoice (InvoiceRepository.add's own SAVEPOINT) leaves the transaction usable."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, OperationalError

from bot.errors import is_database_outage
from domain.ports import DuplicateInvoiceError, UnitOfWorkFactory
from storage.database import Database
from storage.orm import InvoiceLineRow, InvoiceRow
from storage.reminder_rows import BlockedChatRow
from tests.storage.helpers import NEW_THRU, invoice, member, seed_member

AT = datetime(2026, 11, 28, tzinfo=UTC)


@contextmanager
def savepoints(database: Database) -> Iterator[list[str]]:
    """The first word of every SAVEPOINT statement sent (SAVEPOINT, RELEASE, ROLLBACK)."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "SAVEPOINT" in statement.upper():
            seen.append(statement.split()[0].upper())

    event.listen(database.engine.sync_engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", record)


async def blocked(database: Database) -> list[int]:
    async with database.connect() as connection:
        rows = await connection.execute(select(BlockedChatRow.chat_id).order_by("chat_id"))
        return list(rows.scalars())


async def test_a_transaction_commits_on_a_clean_exit_and_rolls_back_on_an_exception(
    database: Database,
) -> None:
    async with database.transaction() as (connection, uow):
        assert connection.in_transaction()
        await uow.reminders.mark_blocked(1, AT)
        await uow.reminders.mark_blocked(2, AT)
    assert await blocked(database) == [1, 2]
    with pytest.raises(RuntimeError):
        async with database.transaction() as (_, uow):
            await uow.reminders.mark_blocked(3, AT)
            await uow.reminders.clear_blocked(1)
            raise RuntimeError("the turn fails after writing")
    assert await blocked(database) == [1, 2]  # neither the insert nor the delete stayed


async def test_the_unit_of_work_factory_is_one_transaction_per_block(
    uow_factory: UnitOfWorkFactory, database: Database
) -> None:
    async with uow_factory() as uow:
        await uow.reminders.mark_blocked(1, AT)
        assert await uow.reminders.is_blocked(1)  # its own writes, before the commit
    assert await blocked(database) == [1]
    with pytest.raises(LookupError):
        async with uow_factory() as uow:
            await uow.reminders.mark_blocked(2, AT)
            await uow.proofs.read(404)  # LookupError: no such proof
    assert await blocked(database) == [1]


async def test_ordinary_writes_cost_no_savepoint(database: Database) -> None:
    with savepoints(database) as seen:
        async with database.unit_of_work() as uow:
            await uow.members.save(member("1"))
            await uow.reminders.mark_blocked(1, AT)
            await uow.reminders.clear_blocked(1)
    assert seen == []


async def test_a_unique_key_broken_elsewhere_fails_the_whole_transaction(
    database: Database,
) -> None:
    """Only a duplicate invoice is a business rule worth a savepoint. Any other unique-key
    failure (two members taking one username at once) fails the turn: everything it wrote is
    rolled back and the update is tried again, when the use case sees the name taken."""
    async with database.unit_of_work() as uow:
        await uow.members.save(member("1", username="same"))
    with pytest.raises(IntegrityError):
        async with database.unit_of_work() as uow:
            await uow.reminders.mark_blocked(7, AT)
            await uow.members.save(member("2", username="same"))
    async with database.unit_of_work() as uow:
        assert await uow.members.get("2") is None
    assert await blocked(database) == []


async def test_a_duplicate_invoice_rolls_back_to_its_savepoint_and_the_transaction_goes_on(
    database: Database,
) -> None:
    """On PostgreSQL a failed statement aborts the whole transaction: rolling back to the
    insert's own savepoint is what lets the turn commit its other work."""
    cpt, cet = await seed_member(database.unit_of_work, codes=("CPT", "CET"))
    with savepoints(database) as seen:
        async with database.transaction() as (_, uow):
            await uow.invoices.add(invoice("R000001", [cpt]))
            with pytest.raises(DuplicateInvoiceError):
                await uow.invoices.add(invoice("R000002", [cet, cpt]))  # CPT's cycle is taken
            with pytest.raises(DuplicateInvoiceError):
                await uow.invoices.add(invoice("R000001", [cet]))  # the number is taken
            await uow.invoices.add(invoice("R000003", [cet]))
            await uow.reminders.mark_blocked(1, AT)
    assert seen == ["SAVEPOINT", "RELEASE"] + ["SAVEPOINT", "ROLLBACK"] * 2 + [
        "SAVEPOINT",
        "RELEASE",
    ]
    async with database.unit_of_work() as uow:
        numbers = [i.number for i in await uow.invoices.for_member("123456")]
    assert numbers == ["R000001", "R000003"]
    assert await blocked(database) == [1]


async def test_a_cycle_invoice_added_by_another_transaction_is_found_after_the_duplicate(
    database: Database,
) -> None:
    """The certifications' read tells the invoice repository that the cycle had no invoice;
    when another transaction's invoice then wins the cycle (DuplicateInvoiceError), the
    cycle is read again: the winner's invoice is found (as renewal.issue_invoice expects)."""
    (cpt,) = await seed_member(database.unit_of_work)
    assert cpt.id is not None
    async with database.transaction() as (connection, uow):
        (cert,) = await uow.certifications.for_member("123456")
        assert await uow.invoices.for_cycle(cpt.id, cpt.thru_date) is None  # known: none
        # another transaction's invoice, as if committed meanwhile (behind the repositories)
        won = invoice("R000009", [cpt])
        await connection.execute(
            insert(InvoiceRow),
            {
                "number": won.number,
                "acsm_id": won.acsm_id,
                "issued_on": won.issued_on,
                "description": won.description,
                "amount_cents": won.amount_cents,
                "balance_cents": won.balance_cents,
                "status": won.status.value,
            },
        )
        await connection.execute(
            insert(InvoiceLineRow),
            {
                "invoice_number": won.number,
                "certification_id": cpt.id,
                "code": cpt.code,
                "cycle_thru": cpt.thru_date,
                "new_thru": NEW_THRU,
            },
        )
        with pytest.raises(DuplicateInvoiceError):
            await uow.invoices.add(invoice("R000001", [cert]))
        found = await uow.invoices.for_cycle(cpt.id, cpt.thru_date)
        assert found is not None and found.number == "R000009"


async def test_an_invoice_added_is_known_for_its_cycle(database: Database) -> None:
    cpt, cet = await seed_member(database.unit_of_work, codes=("CPT", "CET"))
    assert cpt.id is not None and cet.id is not None
    async with database.unit_of_work() as uow:
        await uow.certifications.for_member("123456")
        await uow.invoices.add(invoice("R000001", [cpt, cet]))
        for cert in (cpt, cet):
            found = await uow.invoices.for_cycle(cert.id or 0, cert.thru_date)
            assert found is not None and found.number == "R000001"
            assert [line.code for line in found.lines] == ["CPT", "CET"]


async def test_on_sqlite_transactions_of_one_process_queue_on_its_writer_lock(
    database: Database,
) -> None:
    """SQLite has one writer: this process's transactions wait for each other in-process
    (not in SQLite's busy handler). PostgreSQL: no queue, they run side by side."""
    order: list[str] = []
    inside, began = asyncio.Event(), asyncio.Event()

    async def first() -> None:
        async with database.unit_of_work() as uow:
            await uow.reminders.mark_blocked(1, AT)
            inside.set()
            if database.writer is None:  # PostgreSQL: the second begins meanwhile
                await asyncio.wait_for(began.wait(), 30)
            else:  # SQLite: the second is queued behind this one (given time to jump in)
                await asyncio.sleep(0.05)
            order.append("first ends")

    async def second() -> None:
        await inside.wait()
        async with database.unit_of_work() as uow:
            order.append("second begins")
            began.set()
            await uow.reminders.mark_blocked(2, AT)

    await asyncio.gather(first(), second())
    if database.writer is None:
        assert order == ["second begins", "first ends"]
    else:
        assert order == ["first ends", "second begins"]
    assert await blocked(database) == [1, 2]


async def test_a_connection_returned_with_a_transaction_open_is_rolled_back(
    database: Database,
) -> None:
    """On SQLite the pool rolls back only a connection whose driver is still in a
    transaction (storage/database.py: after a commit there is nothing to undo, and the
    rollback was one more hand-off to aiosqlite's thread); one still in one is rolled back
    before it is used again."""
    if database.writer is None:
        pytest.skip("SQLite's own reset (PostgreSQL keeps SQLAlchemy's)")
    async with database.connect() as connection:
        raw = await connection.get_raw_connection()
        assert raw.dbapi_connection is not None
        await connection.run_sync(
            lambda _: raw.dbapi_connection.run_async(  # type: ignore[union-attr]
                lambda driver: driver.execute("BEGIN")
            )
        )
        await connection.run_sync(
            lambda _: raw.dbapi_connection.run_async(  # type: ignore[union-attr]
                lambda driver: driver.execute(
                    "INSERT INTO reminder_blocked_chats (chat_id, blocked_at) VALUES (7, '2026-11-28')"
                )
            )
        )
    async with database.unit_of_work() as uow:  # the same pooled connection: usable
        await uow.reminders.mark_blocked(8, AT)
    assert await blocked(database) == [8]


async def test_on_sqlite_a_writer_outside_the_process_holding_the_lock_is_an_outage(
    database_url: str, database: Database
) -> None:
    """BEGIN IMMEDIATE waits SQLite's busy timeout, then fails as SQLAlchemy's
    OperationalError: the dispatcher waits it out as a database outage."""
    if database.writer is None:
        pytest.skip("SQLite's writer lock")
    async with database.connect() as connection:  # the pooled connection gives up quickly
        await connection.exec_driver_sql("PRAGMA busy_timeout=50")
    holder = sqlite3.connect(make_url(database_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError) as raised:
            async with database.unit_of_work() as uow:
                await uow.reminders.mark_blocked(9, AT)
        assert is_database_outage(raised.value)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    async with database.unit_of_work() as uow:
        await uow.reminders.mark_blocked(9, AT)
    assert await blocked(database) == [9]
