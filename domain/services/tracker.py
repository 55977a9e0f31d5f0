"""The member's CEC log: log an activity (with a certificate or not), list the cycle's
activities (ACSM-recorded and logged), delete a logged one until the cycle is paid.

Rules in domain/tracker.py. Every use case resolves the Telegram user's session and checks
that the member owns what is named (a foreign id is NotFoundError, like a missing one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from domain import cycles
from domain.cycles import CertState
from domain.errors import N_, InvalidInputError, NotFoundError
from domain.model import CecActivity, Certification, InvoiceStatus
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.rules import Rules
from domain.services.cec_status import group_by_thru
from domain.services.certifications import state_of
from domain.services.session import require_member
from domain.tracker import (
    UNATTACHED_PROOF_KEPT,
    LoggedActivity,
    Organization,
    ProofFile,
    check_completed_on,
    check_declared_size,
    check_proof_quota,
    group_window_start,
    logged_twice,
    new_proof,
    no_cycle_error,
    parse_activity_cecs,
    parse_completed_on,
    quota_since,
    same_activity,
)
from domain.validation import MAX_PROVIDER, MAX_TITLE, check_text

ZERO = Decimal(0)
PAID_CYCLE = N_(
    "This activity counts for a cycle whose renewal is paid: it stays in your log as reported."
)


@dataclass(frozen=True)
class ActivityView:
    source: str  # "acsm" (recorded by ACSM) or "logged" (by the member)
    title: str
    provider: str
    completed_on: date
    cecs: Decimal
    organization: Organization
    id: int | None = None  # logged ones
    proof_id: int | None = None
    deletable: bool = False
    logged_id: int | None = None  # an ACSM-recorded one the member logged too (same activity)


@dataclass(frozen=True)
class CycleLog:
    codes: list[str]
    thru_date: date
    window_start: date
    recorded: list[ActivityView]
    logged: list[ActivityView]

    @property
    def recorded_total(self) -> Decimal:
        return sum((a.cecs for a in self.recorded), ZERO)

    @property
    def logged_acsm(self) -> Decimal:
        return sum((a.cecs for a in self.logged if a.organization is Organization.ACSM), ZERO)

    @property
    def logged_other(self) -> Decimal:
        return sum((a.cecs for a in self.logged if a.organization is Organization.OTHER), ZERO)


@dataclass(frozen=True)
class NewActivity:
    title: str
    provider: str
    completed_on: date
    cecs: Decimal
    organization: Organization


# ---- helpers (inside an open unit of work) -------------------------------------------------


def today(rules: Rules) -> date:
    return cycles.local_today(rules.timezone, rules.clock.now())


def current_groups(rules: Rules, certs: list[Certification]) -> list[list[Certification]]:
    live = [c for c in certs if state_of(rules, c) is not CertState.LAPSED]
    return list(group_by_thru(live).values())


async def windows(uow: UnitOfWork, rules: Rules, acsm_id: str) -> list[tuple[date, date]]:
    certs = await uow.certifications.for_member(acsm_id)
    return [(group_window_start(g), g[0].thru_date) for g in current_groups(rules, certs)]


async def closed_windows(uow: UnitOfWork, acsm_id: str) -> list[tuple[date, date]]:
    """The windows of cycles whose renewal is paid (closed: their CECs were reported), latest
    first."""
    thru_dates = {
        line.cycle_thru
        for invoice in await uow.invoices.for_member(acsm_id)
        if invoice.status is InvoiceStatus.PAID
        for line in invoice.lines
    }
    return [(cycles.cycle_start(thru), thru) for thru in sorted(thru_dates, reverse=True)]


async def check_can_log(uow: UnitOfWork, rules: Rules, acsm_id: str) -> None:
    """NoCurrentCycleError (the reason: lapsed, or no certification) when nothing can be
    logged."""
    certs = await uow.certifications.for_member(acsm_id)
    if not current_groups(rules, certs):
        raise no_cycle_error([c.thru_date for c in certs])


async def paid_until(uow: UnitOfWork, acsm_id: str) -> date | None:
    """The latest thru date of a cycle whose renewal is paid: activities completed on or
    before it were reported with that renewal and stay."""
    paid = [
        line.cycle_thru
        for invoice in await uow.invoices.for_member(acsm_id)
        if invoice.status is InvoiceStatus.PAID
        for line in invoice.lines
    ]
    return max(paid) if paid else None


def logged_view(activity: LoggedActivity, locked_until: date | None) -> ActivityView:
    return ActivityView(
        source="logged",
        title=activity.title,
        provider=activity.provider,
        completed_on=activity.completed_on,
        cecs=activity.cecs,
        organization=activity.organization,
        id=activity.id,
        proof_id=activity.proof_id,
        deletable=locked_until is None or activity.completed_on > locked_until,
    )


async def own_proof(uow: UnitOfWork, acsm_id: str, proof_id: int) -> ProofFile:
    proof = await uow.proofs.get(proof_id)
    if proof is None or proof.acsm_id != acsm_id:
        raise NotFoundError()
    return proof


async def store_proof(uow: UnitOfWork, rules: Rules, acsm_id: str, data: bytes) -> ProofFile:
    """Check (type by content, size) and keep a downloaded file; the same bytes once.

    A new file must fit the member's quota for the cycle (ProofQuotaError): the member's
    own files left unattached for more than a day are removed first (the daily run removes
    everyone's: `remove_unattached_proofs`), so they never count against it, and the same
    file sent again after such a day is kept afresh (a new day), not handed back stale."""
    now = rules.clock.now()
    proof = new_proof(acsm_id, data, now)
    await uow.proofs.delete_unattached(now - UNATTACHED_PROOF_KEPT, acsm_id)
    kept = await uow.proofs.find(acsm_id, proof.sha256)
    if kept is not None:
        return kept
    since = quota_since(await windows(uow, rules, acsm_id), today(rules))
    start = datetime.combine(since, time(), rules.timezone)
    check_proof_quota(await uow.proofs.usage(acsm_id, start), proof.size)
    return await uow.proofs.add(proof, data)


async def remove_unattached_proofs(units: UnitOfWorkFactory, rules: Rules) -> int:
    """Every member's proof files received more than a day ago that no logged activity and
    no audit uses (a photo sent and never logged, an /addcec left half-way): removed, in a
    transaction of its own. Run daily with the reminders (bot/reminders.py); how many."""
    async with units() as uow:
        return await uow.proofs.delete_unattached(rules.clock.now() - UNATTACHED_PROOF_KEPT)


# ---- what the member types, one step at a time ---------------------------------------------


def activity_title(text: str) -> str:
    return check_text(text, N_("The title"), MAX_TITLE)


def activity_provider(text: str) -> str:
    return check_text(text, N_("The provider"), MAX_PROVIDER)


def activity_cecs(text: str) -> Decimal:
    return parse_activity_cecs(text)


def check_file_size(size: int | None) -> None:
    """Before downloading: refuse what Telegram says is over 10 MB."""
    check_declared_size(size)


async def activity_date(uow: UnitOfWork, rules: Rules, telegram_user_id: int, text: str) -> date:
    """A typed completion date, checked against today and the member's current cycles."""
    await require_member(uow, rules, telegram_user_id)
    day = parse_completed_on(text, today(rules))
    return await check_activity_date(uow, rules, telegram_user_id, day)


async def check_activity_date(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, day: date
) -> date:
    """A completion date read from a certificate (or typed), checked as a typed one is: not
    in the future, inside a current cycle (InvalidInputError with the reason)."""
    member = await require_member(uow, rules, telegram_user_id)
    check_completed_on(
        day,
        today(rules),
        await windows(uow, rules, member.acsm_id),
        await closed_windows(uow, member.acsm_id),
    )
    return day


async def can_log(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> None:
    """Before /addcec asks anything: NoCurrentCycleError with the reason when the member has
    no current cycle (lapsed past the grace period)."""
    member = await require_member(uow, rules, telegram_user_id)
    await check_can_log(uow, rules, member.acsm_id)


async def recorded_matches(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, title: str, completed_on: date
) -> list[CecActivity]:
    """ACSM-recorded activities that look like the one being logged (same date, similar
    title): the member is asked whether it is one of them."""
    member = await require_member(uow, rules, telegram_user_id)
    recorded = await uow.cecs.for_member(member.acsm_id, completed_on, completed_on)
    return [a for a in recorded if same_activity(title, completed_on, a.title, a.completed_on)]


async def logged_twins(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, new: tuple[str, date, Decimal]
) -> list[LoggedActivity]:
    """The member's own logged activities that look like this one (same date, similar
    title, same CECs): the member is asked before it counts twice."""
    member = await require_member(uow, rules, telegram_user_id)
    day = new[1]
    logged = await uow.logged_cecs.for_member(member.acsm_id, day, day)
    return [a for a in logged if logged_twice(new, a)]


# ---- use cases -----------------------------------------------------------------------------


async def receive_proof(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, data: bytes
) -> ProofFile:
    """Keep a certificate the member sent (ProofRejectedError: wrong type, empty, too big)."""
    member = await require_member(uow, rules, telegram_user_id)
    return await store_proof(uow, rules, member.acsm_id, data)


async def discard_proof(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, proof_id: int
) -> bool:
    """Forget a certificate sent for an activity that was not logged, unless an activity or
    an audit uses it; True when it was deleted."""
    member = await require_member(uow, rules, telegram_user_id)
    await own_proof(uow, member.acsm_id, proof_id)
    return await uow.proofs.delete_if_unused(proof_id)


async def log_activity(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    new: NewActivity,
    *,
    proof_id: int | None = None,
    proof_data: bytes | None = None,
    same_as: int | None = None,
) -> ActivityView:
    """Log an activity; the date is checked again (a day may have passed since it was typed).
    The certificate: a proof already received (`proof_id`, the member's own) or the bytes
    just downloaded (`proof_data`), stored in the same transaction as the activity.

    Everything is checked before anything is written: a refusal (InvalidInputError, also
    ProofRejectedError) leaves no stored certificate behind, though the turn commits.

    `same_as`: the ACSM-recorded activity (the member's own, same date) the member said
    this is: it is kept linked to it and counted once, with ACSM's CECs."""
    member = await require_member(uow, rules, telegram_user_id)
    check_completed_on(
        new.completed_on,
        today(rules),
        await windows(uow, rules, member.acsm_id),
        await closed_windows(uow, member.acsm_id),
    )
    title = activity_title(new.title)
    provider = activity_provider(new.provider)
    cecs, organization = parse_activity_cecs(str(new.cecs)), new.organization
    if same_as is not None:  # counted once, as ACSM recorded it
        recorded = await uow.cecs.get(same_as)
        if (
            recorded is None
            or recorded.acsm_id != member.acsm_id
            or recorded.completed_on != new.completed_on
        ):
            raise NotFoundError()
        cecs, organization = recorded.cecs, Organization.ACSM
    if proof_id is not None:
        await own_proof(uow, member.acsm_id, proof_id)
    elif proof_data is not None:
        proof_id = (await store_proof(uow, rules, member.acsm_id, proof_data)).id
    activity = await uow.logged_cecs.add(
        LoggedActivity(
            acsm_id=member.acsm_id,
            title=title,
            provider=provider,
            completed_on=new.completed_on,
            cecs=cecs,
            organization=organization,
            logged_at=rules.clock.now(),
            proof_id=proof_id,
            same_as=same_as,
        )
    )
    return logged_view(activity, await paid_until(uow, member.acsm_id))


async def my_cecs(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> list[CycleLog]:
    """Each current cycle: ACSM-recorded and logged activities in its window."""
    member = await require_member(uow, rules, telegram_user_id)
    certs = await uow.certifications.for_member(member.acsm_id)
    locked = await paid_until(uow, member.acsm_id)
    logs = []
    for group in current_groups(rules, certs):
        start, thru = group_window_start(group), group[0].thru_date
        logs.append(
            await cycle_log(uow, member.acsm_id, [c.code for c in group], (start, thru), locked)
        )
    return logs


async def cycle_log(
    uow: UnitOfWork,
    acsm_id: str,
    codes: list[str],
    window: tuple[date, date],
    locked: date | None,
) -> CycleLog:
    """A window's activities; one the member logged as the same as an ACSM-recorded one is
    listed once, as ACSM's, with the member's certificate."""
    start, thru = window
    recorded = await uow.cecs.for_member(acsm_id, start, thru)
    logged = await uow.logged_cecs.for_member(acsm_id, start, thru)
    recorded_ids = {a.id for a in recorded}
    linked: dict[int, LoggedActivity] = {}
    for activity in logged:
        if activity.same_as in recorded_ids and activity.same_as is not None:
            kept = linked.get(activity.same_as)
            if kept is None or (kept.proof_id is None and activity.proof_id is not None):
                linked[activity.same_as] = activity
    return CycleLog(
        codes=codes,
        thru_date=thru,
        window_start=start,
        recorded=[recorded_view(a, linked.get(a.id or 0)) for a in recorded],
        logged=[logged_view(a, locked) for a in logged if a.same_as not in recorded_ids],
    )


def recorded_view(activity: CecActivity, logged: LoggedActivity | None) -> ActivityView:
    return ActivityView(
        "acsm",
        activity.title,
        activity.provider,
        activity.completed_on,
        activity.cecs,
        Organization.ACSM,
        proof_id=logged.proof_id if logged else None,
        logged_id=logged.id if logged else None,
    )


async def delete_logged(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, activity_id: int
) -> ActivityView:
    """Delete one of the member's own logged activities, unless its cycle is paid. Another
    member's id, an ACSM-recorded one or a deleted one: NotFoundError."""
    member = await require_member(uow, rules, telegram_user_id)
    activity = await uow.logged_cecs.get(activity_id)
    if activity is None or activity.acsm_id != member.acsm_id:
        raise NotFoundError()
    view = logged_view(activity, await paid_until(uow, member.acsm_id))
    if not view.deletable:
        raise InvalidInputError(PAID_CYCLE)
    await uow.logged_cecs.delete(activity_id)
    if activity.proof_id is not None:
        await uow.proofs.delete_if_unused(activity.proof_id)
    return view


async def my_proof(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, proof_id: int
) -> ProofFile:
    """One of the member's own certificates (NotFoundError for anyone else's)."""
    member = await require_member(uow, rules, telegram_user_id)
    return await own_proof(uow, member.acsm_id, proof_id)


async def recorded_activity(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, activity_id: int
) -> CecActivity:
    """One of the member's ACSM-recorded activities (NotFoundError for anyone else's)."""
    member = await require_member(uow, rules, telegram_user_id)
    activity = await uow.cecs.get(activity_id)
    if activity is None or activity.acsm_id != member.acsm_id:
        raise NotFoundError()
    return activity


async def add_certificate(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    activity_id: int,
    *,
    proof_id: int | None = None,
    proof_data: bytes | None = None,
) -> LoggedActivity:
    """Keep a certificate with one of the member's logged activities that has none (a
    proof already received, the member's own, or the bytes just downloaded). Another
    member's activity: NotFoundError; one with a certificate already: InvalidInputError."""
    member = await require_member(uow, rules, telegram_user_id)
    activity = await uow.logged_cecs.get(activity_id)
    if activity is None or activity.acsm_id != member.acsm_id:
        raise NotFoundError()
    if activity.proof_id is not None:
        raise InvalidInputError("That activity has its certificate already.")
    if proof_id is not None:
        await own_proof(uow, member.acsm_id, proof_id)
    elif proof_data is not None:
        proof_id = (await store_proof(uow, rules, member.acsm_id, proof_data)).id
    if proof_id is None:
        raise InvalidInputError("Send the certificate as a photo or PDF.")
    await uow.logged_cecs.attach_proof(activity_id, proof_id)
    activity.proof_id = proof_id
    return activity


async def previous_cycle(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> CycleLog | None:
    """The latest cycle whose renewal is paid and which is no longer current (renewed, the
    next cycle begun or paid early): its activities, read-only (nothing deletable), or None."""
    member = await require_member(uow, rules, telegram_user_id)
    current = {thru for _, thru in await windows(uow, rules, member.acsm_id)}
    lines = [
        line
        for invoice in await uow.invoices.for_member(member.acsm_id)
        if invoice.status is InvoiceStatus.PAID
        for line in invoice.lines
        if line.cycle_thru not in current
    ]
    if not lines:
        return None
    thru = max(line.cycle_thru for line in lines)
    certs: list[Certification] = []
    for line in lines:
        cert = await uow.certifications.get(line.certification_id)
        if line.cycle_thru == thru and cert is not None:
            certs.append(Certification(cert.acsm_id, cert.code, cert.effective_date, thru))
    start = group_window_start(certs) if certs else cycles.cycle_start(thru)
    codes = sorted({line.code for line in lines if line.cycle_thru == thru})
    return await cycle_log(uow, member.acsm_id, codes, (start, thru), thru)


async def my_logged(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    activity_id: int,
    *,
    to_delete: bool = True,
) -> ActivityView:
    """One of the member's own logged activities, as /mycecs shows it (NotFoundError for
    anyone else's or a deleted one). `to_delete` (what 🗑 asks to confirm): InvalidInputError
    when its cycle is paid."""
    member = await require_member(uow, rules, telegram_user_id)
    activity = await uow.logged_cecs.get(activity_id)
    if activity is None or activity.acsm_id != member.acsm_id:
        raise NotFoundError()
    view = logged_view(activity, await paid_until(uow, member.acsm_id))
    if to_delete and not view.deletable:
        raise InvalidInputError(PAID_CYCLE)
    return view


async def certificate_of(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, activity_id: int
) -> tuple[ActivityView, ProofFile]:
    """The certificate kept with one of the member's own logged activities (NotFoundError
    for anyone else's, a deleted one, or one without a certificate)."""
    view = await my_logged(uow, rules, telegram_user_id, activity_id, to_delete=False)
    if view.proof_id is None:
        raise NotFoundError()
    proof = await uow.proofs.get(view.proof_id)
    if proof is None:
        raise NotFoundError()
    return view, proof


MAX_ATTACH_CHOICES = 8


async def without_certificate(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int
) -> list[ActivityView]:
    """The member's logged activities in their current cycles that have no certificate,
    latest first (at most 8): a file sent on its own may be added to one of them."""
    member = await require_member(uow, rules, telegram_user_id)
    found: list[LoggedActivity] = []
    for start, thru in await windows(uow, rules, member.acsm_id):
        found += await uow.logged_cecs.for_member(member.acsm_id, start, thru)
    unique = {a.id: a for a in found if a.proof_id is None}.values()
    latest = sorted(unique, key=lambda a: (a.completed_on, a.id or 0), reverse=True)
    locked = await paid_until(uow, member.acsm_id)
    return [logged_view(a, locked) for a in latest[:MAX_ATTACH_CHOICES]]
