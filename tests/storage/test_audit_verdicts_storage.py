"""Audit verdicts in the database: the verdict columns round-trip, a notice row per verdict
(oldest first), marked sent once, and a rejected audit is open (lock_open) again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.audits import Verdict, VerdictNotice, new_audit
from domain.model import InvoiceStatus
from domain.ports import UnitOfWorkFactory
from tests.storage.helpers import THRU, invoice, seed_member

NOW = datetime(2027, 2, 3, 14, 30, tzinfo=UTC)


async def test_verdicts_and_their_notices(uow_factory: UnitOfWorkFactory) -> None:
    certs = await seed_member(uow_factory, "1")
    paid = invoice("R000001", certs, "1")
    paid.status = InvoiceStatus.PAID
    async with uow_factory() as uow:
        await uow.invoices.add(paid)
        audit = new_audit("1", "R000001", THRU, date(2027, 2, 1))
        assert await uow.audits.add(audit)
        audit_id = audit.id or 0
        audit.submitted_at = NOW
        await uow.audits.save(audit)
        assert not await uow.audits.lock_open(audit_id)  # submitted: closed
        audit.verdict, audit.decided_at, audit.decision_reason = Verdict.REJECT, NOW, "Blurry"
        await uow.audits.save(audit)
        for verdict, reason, minutes in ((Verdict.REJECT, "Blurry", 0), (Verdict.ACCEPT, None, 5)):
            notice = VerdictNotice(
                audit_id, "1", verdict, reason, audit.due_on, NOW + timedelta(minutes=minutes)
            )
            await uow.audits.add_notice(notice)
            assert notice.id is not None
    async with uow_factory() as uow:
        stored = await uow.audits.get(audit_id)
        assert stored is not None
        assert (stored.verdict, stored.decided_at, stored.decision_reason) == (
            Verdict.REJECT,
            NOW,
            "Blurry",
        )
        assert stored.is_open and await uow.audits.lock_open(audit_id)  # rejected: open again
        assert await uow.audits.lock(audit_id)
        first, second = await uow.audits.unsent_notices(10)
        assert (first.verdict, first.reason, first.due_on) == (
            Verdict.REJECT,
            "Blurry",
            date(2027, 3, 3),
        )
        assert first.created_at == NOW and first.sent_at is None
        assert (second.verdict, second.reason) == (Verdict.ACCEPT, None)
        assert [n.id for n in await uow.audits.unsent_notices(1)] == [first.id]
        assert await uow.audits.notice_sent(first.id or 0, NOW)
        assert not await uow.audits.notice_sent(first.id or 0, NOW)  # once
    async with uow_factory() as uow:
        assert [n.id for n in await uow.audits.unsent_notices(10)] == [second.id]
