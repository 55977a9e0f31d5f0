"""Audits: staff select paid renewals (`audit select`), follow them (`audit status`, `audit
export`); a selected member sends proof in the chat (/audit) and submits. Rules in
domain/audits.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from domain import cycles
from domain.audits import (
    Audit,
    AuditState,
    Coverage,
    Verdict,
    VerdictNotice,
    audit_state,
    check_submittable,
    check_verdict,
    coverage,
    decide,
    new_audit,
    pick,
    reported_cecs,
    resubmit,
)
from domain.errors import InvalidInputError, NotFoundError
from domain.languages import Language
from domain.model import Certification, Invoice
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.rules import Rules
from domain.services.session import require_member
from domain.services.tracker import ActivityView, logged_view, own_proof, store_proof
from domain.tracker import LoggedActivity, ProofFile, group_window_start


@dataclass(frozen=True)
class AuditNotice:
    """Tell this member (in these chats) that their renewal was selected."""

    acsm_id: str
    telegram_ids: list[int]  # none: not logged in from any chat (cannot be told)
    cycle_thru: date
    due_on: date
    name: str = ""  # for staff: whom `audit select` could not tell
    languages: dict[int, Language] = field(default_factory=dict)  # kept per chat; else English


@dataclass(frozen=True)
class Selection:
    candidates: int
    picked: list[str]  # invoice numbers, this run's pick (new or already selected)
    new: list[AuditNotice]


@dataclass(frozen=True)
class AuditLine:
    acsm_id: str
    name: str
    invoice_number: str
    selected_on: date
    due_on: date
    state: AuditState
    files: list[ProofFile]
    # for the export: what was reported and which file proves which activity
    coverage: Coverage | None = None
    activities: list[LoggedActivity] = field(default_factory=list)  # logged in the cycle
    typed_acsm: Decimal = Decimal(0)  # the totals typed at renewal
    typed_other: Decimal = Decimal(0)


@dataclass(frozen=True)
class AuditView:
    id: int
    cycle_thru: date
    due_on: date
    state: AuditState
    reported: list[ActivityView]  # logged activities of the audited cycle
    typed_acsm: Decimal  # the totals typed at renewal (on the invoice)
    typed_other: Decimal
    attached: list[ProofFile]
    loggable: list[tuple[ProofFile, str]]  # certificates in the log, not attached: (proof, title)
    coverage: Coverage  # what the attached files prove of what was reported
    window_start: date  # the audited cycle's first day (it ends on cycle_thru)
    decision_reason: str | None = None  # staff's reason, when rejected


def today(rules: Rules) -> date:
    return cycles.local_today(rules.timezone, rules.clock.now())


# ---- staff -----------------------------------------------------------------------------------


async def select_audits(
    units: UnitOfWorkFactory, rules: Rules, year: int, percent: float, seed: int | None
) -> Selection:
    """Pick paid renewals of cycles that ended 12/31/`year` and record the new ones, in one
    transaction committed when this returns: the members named in `new` may be told."""
    async with units() as uow:
        return await _select(uow, rules, year, percent, seed)


async def _select(
    uow: UnitOfWork, rules: Rules, year: int, percent: float, seed: int | None
) -> Selection:
    cycle_thru = date(year, 12, 31)
    candidates = await uow.audits.candidates(cycle_thru)
    owners = {c.invoice_number: c.acsm_id for c in candidates}
    picked = pick(list(owners), percent, seed)
    notices = []
    for number in picked:
        audit = new_audit(owners[number], number, cycle_thru, today(rules))
        if await uow.audits.add(audit):
            member = await uow.members.get(audit.acsm_id)
            chats = dict(await uow.audits.telegram_chats(audit.acsm_id))
            notices.append(
                AuditNotice(
                    audit.acsm_id,
                    list(chats),
                    cycle_thru,
                    audit.due_on,
                    name=member.full_name if member else "",
                    languages=chats,
                )
            )
    return Selection(len(candidates), picked, notices)


async def audit_lines(uow: UnitOfWork, rules: Rules) -> list[AuditLine]:
    lines = []
    for audit in await uow.audits.all():
        member = await uow.members.get(audit.acsm_id)
        files = [p for p in [await uow.proofs.get(i) for i in audit.proof_ids] if p]
        found, logged, invoice, _ = await audit_coverage(uow, audit)
        lines.append(
            AuditLine(
                acsm_id=audit.acsm_id,
                name=member.full_name if member else "",
                invoice_number=audit.invoice_number,
                selected_on=audit.selected_on,
                due_on=audit.due_on,
                state=audit_state(audit, today(rules)),
                files=files,
                coverage=found,
                activities=logged,
                typed_acsm=invoice.acsm_cecs if invoice else Decimal(0),
                typed_other=invoice.other_cecs if invoice else Decimal(0),
            )
        )
    return lines


async def decide_audit(
    uow: UnitOfWork, rules: Rules, acsm_id: str, verdict: Verdict, reason: str | None
) -> Audit:
    """Staff's verdict on the member's latest submitted audit (`audit decide`, the web
    console): the verdict and a notice for the chat (VerdictNotice, sent by the running bot)
    are written in this one transaction. Refused (InvalidInputError) for an audit not
    submitted, or a rejection without a reason; NotFoundError for no audit at all. Deciding
    again replaces the earlier verdict (and tells the member again)."""
    if await uow.members.get(acsm_id) is None:
        raise NotFoundError("no member with ACSM ID {acsm_id}", acsm_id=acsm_id)
    audits = await uow.audits.for_member(acsm_id)  # latest first
    if not audits:
        raise NotFoundError("member {acsm_id} has no audit", acsm_id=acsm_id)
    decided = [a for a in audits if a.submitted_at is not None]
    chosen = (decided or audits)[0]
    assert chosen.id is not None
    await uow.audits.lock(chosen.id)  # a resubmission in the chat waits (or went first)
    audit = await uow.audits.get(chosen.id)
    assert audit is not None and audit.id is not None
    text = check_verdict(audit, today(rules), verdict, reason)
    now = rules.clock.now()
    decide(audit, verdict, text, now)
    await uow.audits.save(audit)
    await uow.audits.add_notice(
        VerdictNotice(audit.id, audit.acsm_id, verdict, text, audit.due_on, created_at=now)
    )
    return audit


async def decide_audit_now(
    units: UnitOfWorkFactory, rules: Rules, acsm_id: str, verdict: Verdict, reason: str | None
) -> Audit:
    """`decide_audit` in a transaction of its own, committed when this returns."""
    async with units() as uow:
        return await decide_audit(uow, rules, acsm_id, verdict, reason)


@dataclass(frozen=True)
class NoticeToSend:
    notice: VerdictNotice
    chat_ids: list[int]  # the chats logged in as the member that did not block the bot
    blocked: list[int]  # logged in, but marked blocked (skipped, as reminders do)
    languages: dict[int, Language] = field(default_factory=dict)  # kept per chat; else English


async def unsent_verdict_notices(units: UnitOfWorkFactory, limit: int = 50) -> list[NoticeToSend]:
    """The verdicts still to tell, with the chats to tell them in (read in one transaction)."""
    async with units() as uow:
        found = []
        for notice in await uow.audits.unsent_notices(limit):
            kept = dict(await uow.audits.telegram_chats(notice.acsm_id))
            blocked = [c for c in kept if await uow.reminders.is_blocked(c)]
            chats = [c for c in kept if c not in blocked]
            found.append(NoticeToSend(notice, chats, blocked, languages=kept))
        return found


async def verdict_notice_sent(
    units: UnitOfWorkFactory, rules: Rules, notice_id: int, blocked: list[int]
) -> None:
    """Mark a notice sent (after sending it: a kill in between sends it again, never loses
    it), and the chats that answered 403 blocked (as reminders do), in one transaction."""
    async with units() as uow:
        now = rules.clock.now()
        for chat_id in blocked:
            await uow.reminders.mark_blocked(chat_id, now)
        await uow.audits.notice_sent(notice_id, now)


async def proof_bytes(uow: UnitOfWork, proof_id: int) -> bytes:
    return await uow.proofs.read(proof_id)


# ---- the member ------------------------------------------------------------------------------


async def audited_window(uow: UnitOfWork, audit: Audit) -> tuple[date, date]:
    invoice = await uow.invoices.get(audit.invoice_number)
    certs: list[Certification] = []
    for line in invoice.lines if invoice else []:
        cert = await uow.certifications.get(line.certification_id)
        if cert is not None:
            certs.append(
                Certification(cert.acsm_id, cert.code, cert.effective_date, line.cycle_thru)
            )
    start = group_window_start(certs) if certs else cycles.cycle_start(audit.cycle_thru)
    return start, audit.cycle_thru


EVER = (date(1900, 1, 1), date(9999, 12, 31))


async def audit_coverage(
    uow: UnitOfWork, audit: Audit
) -> tuple[Coverage, list[LoggedActivity], Invoice | None, date]:
    """What the audit's files prove against what was reported; the activities logged in the
    audited cycle; the renewal's invoice; the cycle's first day."""
    start, thru = await audited_window(uow, audit)
    everything = await uow.logged_cecs.for_member(audit.acsm_id, *EVER)
    logged = [a for a in everything if start <= a.completed_on <= thru]
    invoice = await uow.invoices.get(audit.invoice_number)
    reported = reported_cecs(
        invoice.acsm_cecs if invoice else Decimal(0),
        invoice.other_cecs if invoice else Decimal(0),
        logged,
    )
    return coverage(reported, audit.proof_ids, everything, start, thru), logged, invoice, start


async def view_of(uow: UnitOfWork, rules: Rules, audit: Audit) -> AuditView:
    assert audit.id is not None
    found, logged, invoice, start = await audit_coverage(uow, audit)
    thru = audit.cycle_thru
    attached = [p for p in [await uow.proofs.get(i) for i in audit.proof_ids] if p]
    loggable = [
        (proof, activity.title)
        for activity in logged
        if activity.proof_id is not None and activity.proof_id not in audit.proof_ids
        for proof in [await uow.proofs.get(activity.proof_id)]
        if proof is not None
    ]
    return AuditView(
        id=audit.id,
        cycle_thru=audit.cycle_thru,
        due_on=audit.due_on,
        state=audit_state(audit, today(rules)),
        reported=[logged_view(a, thru) for a in logged],
        typed_acsm=invoice.acsm_cecs if invoice else Decimal(0),
        typed_other=invoice.other_cecs if invoice else Decimal(0),
        attached=attached,
        loggable=list(dict((p.id, (p, t)) for p, t in loggable).values()),
        coverage=found,
        window_start=start,
        decision_reason=audit.decision_reason,
    )


async def own_audit(uow: UnitOfWork, acsm_id: str, audit_id: int) -> Audit:
    audit = await uow.audits.get(audit_id)
    if audit is None or audit.acsm_id != acsm_id:
        raise NotFoundError()
    return audit


async def locked_audit(uow: UnitOfWork, acsm_id: str, audit_id: int) -> Audit:
    """The member's own audit, read again once this transaction holds it (when not yet
    submitted): attaching, removing and submitting one audit take turns, so a file removed in
    one chat while another submits never leaves a submitted audit without the file it
    was checked with, and nothing is attached after Submit."""
    await own_audit(uow, acsm_id, audit_id)  # someone else's: NotFoundError, nothing held
    await uow.audits.lock_open(audit_id)
    return await own_audit(uow, acsm_id, audit_id)


async def my_audit(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> AuditView | None:
    """The member's audit still to answer (else the latest one), or None."""
    member = await require_member(uow, rules, telegram_user_id)
    audits = await uow.audits.for_member(member.acsm_id)
    open_ones = [a for a in audits if a.is_open]
    chosen = (open_ones or audits)[:1]
    return await view_of(uow, rules, chosen[0]) if chosen else None


async def attach_proof(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    audit_id: int,
    *,
    data: bytes | None = None,
    proof_id: int | None = None,
) -> AuditView:
    """Attach a new file (`data`, checked and stored) or a certificate already in the
    member's log (`proof_id`) to their own, unsubmitted audit."""
    member = await require_member(uow, rules, telegram_user_id)
    audit = await locked_audit(uow, member.acsm_id, audit_id)
    if not audit.is_open:
        raise InvalidInputError("This audit was already submitted.")
    if proof_id is not None:
        proof = await own_proof(uow, member.acsm_id, proof_id)
    else:
        assert data is not None
        proof = await store_proof(uow, rules, member.acsm_id, data)
    assert proof.id is not None and audit.id is not None
    if await uow.audits.attach(audit.id, proof.id):
        audit.proof_ids.append(proof.id)
    return await view_of(uow, rules, await own_audit(uow, member.acsm_id, audit.id))


async def detach_proof(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, audit_id: int, proof_id: int
) -> AuditView:
    """Remove one attached file from the member's own audit, until Submit. A file no longer
    attached (a stale button) or an audit not theirs: NotFoundError. The file itself stays
    (in their log, or removed later with the other unattached ones)."""
    member = await require_member(uow, rules, telegram_user_id)
    audit = await locked_audit(uow, member.acsm_id, audit_id)
    if not audit.is_open:
        raise InvalidInputError("This audit was already submitted: its files stay as sent.")
    if not await uow.audits.detach(audit_id, proof_id):
        raise NotFoundError()
    return await view_of(uow, rules, await own_audit(uow, member.acsm_id, audit_id))


async def submit_audit(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    audit_id: int,
    confirmed_shortfall: Decimal | None = None,
) -> AuditView:
    """Submit; with less proof than reported only once the member confirmed that shortfall
    (`confirmed_shortfall`, as shown to them): else ShortfallError says it."""
    member = await require_member(uow, rules, telegram_user_id)
    audit = await locked_audit(uow, member.acsm_id, audit_id)
    found, *_ = await audit_coverage(uow, audit)
    check_submittable(audit, today(rules), found, confirmed_shortfall)
    resubmit(audit, rules.clock.now())  # a rejected audit: submitted again, verdict cleared
    await uow.audits.save(audit)
    return await view_of(uow, rules, audit)
