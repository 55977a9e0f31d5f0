"""The unit of work on its own (its connection, its transaction) and joined to an update's
transaction (a SAVEPOINT): what commits, what rolls back, and what survives a failure."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, insert, select
from sqlalchemy.exc import IntegrityError

from domain.ports import DuplicateInvoiceError, UnitOfWorkFactory
from storage.database import Database
from storage.orm import InvoiceLineRow, InvoiceRow
from storage.reminder_rows import BlockedChatRow
from storage.unit_of_work import SqlAlchemyUnitOfWork
from tests.storage.helpers import NEW_THRU, invoice, member, seed_member

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


async def blocked(database: Database) -> list[int]:
    async with database.connect() as connection:
        rows = await connection.execute(select(BlockedChatRow.chat_id).order_by("chat_id"))
        return list(rows.scalars())


async def test_alone_it_commits_or_rolls_back_its_own_transaction(
    uow_factory: UnitOfWorkFactory, database: Database
) -> None:
    async with uow_factory() as uow:
        await uow.reminders.mark_blocked(1, AT)
    assert await blocked(database) == []  # left without commit
    async with uow_factory() as uow:
        await uow.reminders.mark_blocked(1, AT)
        await uow.commit()
        await uow.reminders.mark_blocked(2, AT)  # after a commit: a new transaction
        await uow.commit()
        await uow.reminders.mark_blocked(3, AT)  # never committed
    assert await blocked(database) == [1, 2]


async def test_joined_it_is_a_savepoint_of_the_updates_transaction(database: Database) -> None:
    with savepoints(database) as seen:
        async with database.begin() as connection:
            async with SqlAlchemyUnitOfWork(connection=connection) as uow:  # writes, commits
                await uow.reminders.mark_blocked(1, AT)
                await uow.commit()
            assert seen == ["SAVEPOINT", "RELEASE"]
            with pytest.raises(RuntimeError):
                async with SqlAlchemyUnitOfWork(connection=connection) as uow:  # writes, fails
                    await uow.reminders.mark_blocked(2, AT)
                    await uow.reminders.clear_blocked(1)
                    raise RuntimeError("the use case refuses after writing")
            assert seen == ["SAVEPOINT", "RELEASE", "SAVEPOINT", "ROLLBACK"]
            async with SqlAlchemyUnitOfWork(connection=connection) as uow:  # the update goes on
                assert await uow.reminders.is_blocked(1)
                await uow.reminders.mark_blocked(3, AT)
                await uow.commit()
    assert await blocked(database) == [1, 3]


async def test_a_use_case_failing_on_a_unique_key_leaves_the_update_usable(
    database: Database,
) -> None:
    """On PostgreSQL a failed statement aborts the transaction: rolling back to the use
    case's savepoint is what lets the update's transaction commit its other work."""
    async with database.uow_factory() as uow:
        await uow.members.save(member("1", username="same"))
        await uow.commit()
    async with database.begin() as connection:
        async with SqlAlchemyUnitOfWork(connection=connection) as uow:
            await uow.reminders.mark_blocked(7, AT)
            await uow.commit()
        with pytest.raises(IntegrityError):
            async with SqlAlchemyUnitOfWork(connection=connection) as uow:
                await uow.members.save(member("2", username="same"))
                await uow.commit()
        async with SqlAlchemyUnitOfWork(connection=connection) as uow:
            assert await uow.members.get("2") is None
            await uow.reminders.mark_blocked(8, AT)
            await uow.commit()
    assert await blocked(database) == [7, 8]


async def test_a_duplicate_invoice_in_a_joined_unit_of_work_keeps_its_savepoint(
    database: Database,
) -> None:
    (cpt,) = await seed_member(database.uow_factory)
    async with (
        database.begin() as connection,
        SqlAlchemyUnitOfWork(connection=connection) as uow,
    ):
        await uow.invoices.add(invoice("R000001", [cpt]))
        with pytest.raises(DuplicateInvoiceError):
            await uow.invoices.add(invoice("R000002", [cpt]))
        await uow.reminders.mark_blocked(1, AT)
        await uow.commit()
    async with database.uow_factory() as uow:
        assert [i.number for i in await uow.invoices.for_member("123456")] == ["R000001"]
    assert await blocked(database) == [1]


async def test_a_cycle_invoice_added_by_another_transaction_is_found_after_the_duplicate(
    database: Database,
) -> None:
    """The certifications' read tells the invoice repository that the cycle had no invoice;
    when another transaction's invoice then wins the cycle (DuplicateInvoiceError), the
    cycle is read again: the winner's invoice is found (as renewal.issue_invoice expects)."""
    (cpt,) = await seed_member(database.uow_factory)
    assert cpt.id is not None
    async with database.uow_factory() as uow:
        (cert,) = await uow.certifications.for_member("123456")
        assert await uow.invoices.for_cycle(cpt.id, cpt.thru_date) is None  # known: none
        # another transaction's invoice, as if committed meanwhile (behind the repositories)
        won = invoice("R000009", [cpt])
        await uow.connection.execute(
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
        await uow.connection.execute(
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
    cpt, cet = await seed_member(database.uow_factory, codes=("CPT", "CET"))
    assert cpt.id is not None and cet.id is not None
    async with database.uow_factory() as uow:
        await uow.certifications.for_member("123456")
        await uow.invoices.add(invoice("R000001", [cpt, cet]))
        for cert in (cpt, cet):
            found = await uow.invoices.for_cycle(cert.id or 0, cert.thru_date)
            assert found is not None and found.number == "R000001"
            assert [line.code for line in found.lines] == ["CPT", "CET"]
