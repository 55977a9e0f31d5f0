"""Proof files in the database (byte for byte, once per member), logged activities, audits."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import text

from domain.audits import new_audit
from domain.model import CecActivity, InvoiceStatus
from domain.ports import UnitOfWorkFactory
from domain.tracker import LoggedActivity, Organization, new_proof
from storage.database import Database
from tests.storage.helpers import THRU, invoice, seed_member

NOW = datetime(2026, 11, 28, 17, tzinfo=UTC)
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4


async def test_proof_bytes_round_trip_and_dedupe_per_member(uow_factory: UnitOfWorkFactory) -> None:
    await seed_member(uow_factory, "1")
    await seed_member(uow_factory, "2")
    async with uow_factory() as uow:
        first = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
        again = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
        other = await uow.proofs.add(new_proof("2", PDF, NOW), PDF)
    assert first.id == again.id and other.id != first.id
    async with uow_factory() as uow:
        assert await uow.proofs.read(first.id or 0) == PDF
        assert [p.id for p in await uow.proofs.for_member("1")] == [first.id]


async def test_logged_activity_keeps_its_proof_and_unused_proofs_can_go(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed_member(uow_factory, "1")
    async with uow_factory() as uow:
        used = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
        spare = await uow.proofs.add(new_proof("1", PDF + b"x", NOW), PDF + b"x")
        activity = await uow.logged_cecs.add(
            LoggedActivity(
                "1",
                "Squat clinic",
                "NSCA",
                date(2025, 3, 1),
                Decimal("2.5"),
                Organization.OTHER,
                NOW,
                used.id,
            )
        )
        assert not await uow.proofs.delete_if_unused(used.id or 0)
        assert await uow.proofs.delete_if_unused(spare.id or 0)
    async with uow_factory() as uow:
        found = await uow.logged_cecs.for_member("1", date(2024, 1, 1), THRU)
        assert [(a.id, a.cecs, a.organization, a.proof_id) for a in found] == [
            (activity.id, Decimal("2.5"), Organization.OTHER, used.id)
        ]
        await uow.logged_cecs.delete(activity.id or 0)
    async with uow_factory() as uow:
        assert await uow.logged_cecs.get(activity.id or 0) is None


async def test_audit_once_per_invoice_with_ordered_proofs(uow_factory: UnitOfWorkFactory) -> None:
    certs = await seed_member(uow_factory, "1")
    paid = invoice("R000001", certs, "1")
    paid.status = InvoiceStatus.PAID
    async with uow_factory() as uow:
        await uow.invoices.add(paid)
        proof = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
    async with uow_factory() as uow:
        assert [c.invoice_number for c in await uow.audits.candidates(THRU)] == ["R000001"]
        audit = new_audit("1", "R000001", THRU, date(2027, 2, 1))
        assert await uow.audits.add(audit)
        assert not await uow.audits.add(new_audit("1", "R000001", THRU, date(2027, 2, 2)))
        assert await uow.audits.attach(audit.id or 0, proof.id or 0)
        assert not await uow.audits.attach(audit.id or 0, proof.id or 0)  # once
        audit.submitted_at = NOW
        await uow.audits.save(audit)
    async with uow_factory() as uow:
        (stored,) = await uow.audits.all()
        assert stored.proof_ids == [proof.id] and stored.submitted_at == NOW
        assert not await uow.proofs.delete_if_unused(proof.id or 0)


async def test_two_chats_attaching_at_once_both_keep_their_file(database: Database) -> None:
    """Issue 22: attaching rewrote the whole list, so two transactions attaching at once
    (two chats of one member) lost a file. Each attachment is now one inserted row.
    PostgreSQL: both transactions read the audit before either commits. SQLite: they queue on
    the process's writer lock (Database.writer), and both files stay too."""
    certs = await seed_member(database.unit_of_work, "1")
    paid = invoice("R000001", certs, "1")
    paid.status = InvoiceStatus.PAID
    async with database.unit_of_work() as uow:
        await uow.invoices.add(paid)
        audit = new_audit("1", "R000001", THRU, date(2027, 2, 1))
        assert await uow.audits.add(audit)
        first = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
        proofs = [await uow.proofs.add(new_proof("1", PDF + bytes([i]), NOW), PDF) for i in (1, 2)]
        assert await uow.audits.attach(audit.id or 0, first.id or 0)
    audit_id = audit.id or 0
    read = [asyncio.Event(), asyncio.Event()]
    concurrent = database.writer is None

    async def chat(me: int) -> None:
        async with database.unit_of_work() as uow:
            seen = await uow.audits.get(audit_id)
            assert seen is not None and first.id in seen.proof_ids
            read[me].set()
            if concurrent:  # both have read [first] before either writes or commits
                await asyncio.wait_for(read[1 - me].wait(), 30)
                assert seen.proof_ids == [first.id]
            assert await uow.audits.attach(audit_id, proofs[me].id or 0)

    await asyncio.gather(chat(0), chat(1))
    async with database.unit_of_work() as uow:
        stored = await uow.audits.get(audit_id)
    assert stored is not None and len(stored.proof_ids) == 3
    assert stored.proof_ids[0] == first.id  # in the order attached
    assert set(stored.proof_ids[1:]) == {proofs[0].id, proofs[1].id}


async def test_a_submission_holds_the_audit_so_a_removal_waits_and_is_refused(
    database: Database,
) -> None:
    """A file removed in one chat while another chat submits: the removal waits for the
    submission's commit, then finds the audit submitted (lock_open False) and removes
    nothing. PostgreSQL: the removal is seen waiting on the row lock before the submission
    commits. SQLite: one writer, the removal's transaction begins after the commit."""
    certs = await seed_member(database.unit_of_work, "1")
    paid = invoice("R000001", certs, "1")
    paid.status = InvoiceStatus.PAID
    async with database.unit_of_work() as uow:
        await uow.invoices.add(paid)
        audit = new_audit("1", "R000001", THRU, date(2027, 2, 1))
        assert await uow.audits.add(audit)
        proof = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
        assert await uow.audits.attach(audit.id or 0, proof.id or 0)
    audit_id = audit.id or 0
    order: list[str] = []
    held = asyncio.Event()

    async def waiting_on_a_lock() -> None:
        while True:  # a positive event: PostgreSQL shows the removal blocked on a lock
            async with database.connect() as connection:
                waiting = await connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                        " AND datname = current_database() AND query LIKE 'UPDATE audits%'"
                    )
                )
            if waiting:
                return
            await asyncio.sleep(0.02)

    async def submit() -> None:
        async with database.unit_of_work() as uow:
            assert await uow.audits.lock_open(audit_id)
            held.set()
            if database.writer is None:
                await asyncio.wait_for(waiting_on_a_lock(), 30)
            stored = await uow.audits.get(audit_id)
            assert stored is not None and stored.proof_ids == [proof.id]
            stored.submitted_at = NOW
            await uow.audits.save(stored)
            order.append("submitted")

    async def remove() -> None:
        await held.wait()
        async with database.unit_of_work() as uow:
            is_open = await uow.audits.lock_open(audit_id)
            order.append(f"removal holds the audit: {is_open}")
            if is_open:
                await uow.audits.detach(audit_id, proof.id or 0)

    await asyncio.gather(submit(), remove())
    assert order == ["submitted", "removal holds the audit: False"]
    async with database.unit_of_work() as uow:
        stored = await uow.audits.get(audit_id)
    assert stored is not None and stored.proof_ids == [proof.id] and stored.submitted_at == NOW


async def test_a_logged_activity_linked_to_acsms_record_and_a_certificate_added_later(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed_member(uow_factory, "1")
    day = date(2026, 6, 4)
    async with uow_factory() as uow:
        await uow.cecs.add_many([CecActivity("1", day, "Summit", "ACSM", Decimal(10))])
        (recorded,) = await uow.cecs.for_member("1", day, day)
        assert recorded.id is not None
        assert await uow.cecs.get(recorded.id) == recorded
        assert await uow.cecs.get(recorded.id + 1000) is None
        linked = await uow.logged_cecs.add(
            LoggedActivity(
                "1", "summit", "ACSM", day, Decimal(10), Organization.ACSM, NOW, same_as=recorded.id
            )
        )
        proof = await uow.proofs.add(new_proof("1", PDF, NOW), PDF)
        await uow.logged_cecs.attach_proof(linked.id or 0, proof.id or 0)
    async with uow_factory() as uow:
        again = await uow.logged_cecs.get(linked.id or 0)
        assert again is not None
        assert (again.same_as, again.proof_id) == (recorded.id, proof.id)
        await uow.cecs.add_many([CecActivity("1", day, "Summit", "ACSM", Decimal(12))])  # fixed
        (corrected,) = await uow.cecs.for_member("1", day, day)
        assert corrected.id == recorded.id and corrected.cecs == 12  # the link holds


async def test_a_windows_recorded_and_logged_activities_are_read_together(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """`with_logged` is `cecs.for_member` and `logged_cecs.for_member` of the same window."""
    await seed_member(uow_factory, "1")
    await seed_member(uow_factory, "2")
    start, thru = date(2024, 1, 1), date(2026, 12, 31)
    async with uow_factory() as uow:
        await uow.cecs.add_many(
            [
                CecActivity("1", date(2025, 5, 1), "Summit", "ACSM", Decimal("10.5")),
                CecActivity("1", date(2023, 12, 31), "Too early", "ACSM", Decimal(3)),
                CecActivity("1", date(2024, 2, 1), "Clinic", "ACSM", Decimal(2)),
                CecActivity("2", date(2025, 5, 1), "Someone else's", "ACSM", Decimal(7)),
            ]
        )
        (summit,) = await uow.cecs.for_member("1", date(2025, 5, 1), date(2025, 5, 1))
        for day, title, organization, same_as in (
            (date(2025, 5, 1), "summit", Organization.ACSM, summit.id),
            (date(2024, 3, 1), "Squat clinic", Organization.OTHER, None),
            (date(2027, 1, 1), "Too late", Organization.OTHER, None),
        ):
            await uow.logged_cecs.add(
                LoggedActivity(
                    "1", title, "NSCA", day, Decimal(2), organization, NOW, same_as=same_as
                )
            )
    async with uow_factory() as uow:
        recorded, logged = await uow.cecs.with_logged("1", start, thru)
        assert recorded == await uow.cecs.for_member("1", start, thru)
        assert logged == await uow.logged_cecs.for_member("1", start, thru)
        assert [a.title for a in recorded] == ["Clinic", "Summit"]
        assert [(a.title, a.same_as) for a in logged] == [
            ("Squat clinic", None),
            ("summit", summit.id),
        ]
        assert await uow.cecs.with_logged("3", start, thru) == ([], [])
