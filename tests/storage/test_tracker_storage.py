"""Proof files in the database (byte for byte, once per member), logged activities, audits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.audits import new_audit
from domain.model import CecActivity, InvoiceStatus
from domain.ports import UnitOfWorkFactory
from domain.tracker import LoggedActivity, Organization, new_proof
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
        audit.proof_ids = [proof.id or 0]
        audit.submitted_at = NOW
        await uow.audits.save(audit)
    async with uow_factory() as uow:
        (stored,) = await uow.audits.all()
        assert stored.proof_ids == [proof.id] and stored.submitted_at == NOW
        assert not await uow.proofs.delete_if_unused(proof.id or 0)


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
