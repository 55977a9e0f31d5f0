"""How many CECs the member has and still needs, per certification cycle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain import cycles
from domain.catalog import UnknownCertificationError
from domain.cycles import CertState
from domain.model import Certification, RenewalDraft
from domain.ports import UnitOfWork
from domain.renewal_rules import required_cecs
from domain.rules import Rules
from domain.services.certifications import certification_name, sorted_certifications, state_of
from domain.services.session import require_records
from domain.tracker import Organization, group_window_start

ZERO = Decimal(0)


@dataclass(frozen=True)
class CecGroup:
    """One cycle: the certifications sharing a thru date.

    - `acsm_recorded`: CECs of ACSM-recorded activities completed in [cycle_start, thru_date]
      (`cycle_start`: the window's start, domain/tracker.py).
    - `logged_acsm`/`logged_other`: what the member logged in the chat in the same window.
    - the member's own numbers come from the renewal draft for these certifications (or, once
      invoiced, from the invoice): `acsm_cecs` typed for ACSM and `other_cecs` from other
      organizations.
    - `total` = max(acsm_recorded + logged_acsm, typed ACSM CECs) + max(logged_other, typed
      other CECs): a typed number replaces the log's only when higher (the member may know of
      activities not yet recorded or logged).
    - `member_entered` = total - acsm_recorded (what the member's numbers add).
    - `still_needed` = max(0, required - total); `required` = highest among the group.
    """

    certifications: list[tuple[str, str]]  # (code, name)
    thru_date: date
    deadline: datetime  # Dec 31, 11:59 PM in the zone (aware)
    cycle_start: date
    required: Decimal
    acsm_recorded: Decimal
    member_entered: Decimal
    total: Decimal
    still_needed: Decimal
    renewal_open: bool
    renewal_opens_on: date
    logged_acsm: Decimal = ZERO  # logged by the member in the chat (/addcec), ACSM activities
    logged_other: Decimal = ZERO  # logged by the member, other organizations

    @property
    def logged(self) -> Decimal:
        return self.logged_acsm + self.logged_other


@dataclass(frozen=True)
class CecStatus:
    groups: list[CecGroup]


def cec_total(acsm_recorded: Decimal, acsm_typed: Decimal | None, other: Decimal | None) -> Decimal:
    """max(recorded, typed ACSM CECs) + other organizations' CECs."""
    return max(acsm_recorded, acsm_typed or ZERO) + (other or ZERO)


def tracked_total(
    recorded: Decimal,
    logged_acsm: Decimal,
    logged_other: Decimal,
    acsm_typed: Decimal | None,
    other_typed: Decimal | None,
) -> Decimal:
    """With the log: max(recorded + logged ACSM, typed ACSM) + max(logged other, typed other).
    A number typed at renewal replaces the log's only when higher (it may include activities
    not logged), never adds to it (they are the same activities)."""
    acsm = max(recorded + logged_acsm, acsm_typed or ZERO)
    return acsm + max(logged_other, other_typed or ZERO)


def group_by_thru(certs: Sequence[Certification]) -> dict[date, list[Certification]]:
    groups: dict[date, list[Certification]] = {}
    for cert in sorted_certifications(list(certs)):
        groups.setdefault(cert.thru_date, []).append(cert)
    return groups


async def member_numbers(
    uow: UnitOfWork, draft: RenewalDraft | None, certs: Sequence[Certification]
) -> tuple[Decimal | None, Decimal | None]:
    """(typed ACSM CECs, other CECs) for this cycle: from its invoice, else the draft."""
    for cert in certs:
        assert cert.id is not None
        invoice = await uow.invoices.for_cycle(cert.id, cert.thru_date)
        if invoice is not None:
            return invoice.acsm_cecs, invoice.other_cecs
    ids = {c.id for c in certs}
    if draft is not None and ids & set(draft.certification_ids):
        return draft.acsm_cecs, draft.other_cecs
    return None, None


def requirement(rules: Rules, certs: Sequence[Certification]) -> Decimal:
    types = []
    for cert in certs:
        try:
            types.append(rules.catalog.get(cert.code))
        except UnknownCertificationError:
            continue
    return required_cecs(types)


@dataclass(frozen=True)
class CycleCecs:
    """The CECs of a cycle's window: ACSM-recorded, and logged by the member (ACSM, other)."""

    recorded: Decimal
    logged_acsm: Decimal
    logged_other: Decimal


async def cycle_cecs(uow: UnitOfWork, acsm_id: str, certs: Sequence[Certification]) -> CycleCecs:
    """Each source read once, in the cycle's window (see domain/tracker.py); an activity the
    member logged and said is one ACSM recorded is counted once, as ACSM's."""
    if not certs:
        return CycleCecs(ZERO, ZERO, ZERO)
    thru = certs[0].thru_date
    start = group_window_start(certs)
    recorded, logged = await uow.cecs.with_logged(acsm_id, start, thru)
    recorded_ids = {a.id for a in recorded}
    logged = [a for a in logged if a.same_as not in recorded_ids]
    return CycleCecs(
        recorded=sum((a.cecs for a in recorded), ZERO),
        logged_acsm=sum((a.cecs for a in logged if a.organization is Organization.ACSM), ZERO),
        logged_other=sum((a.cecs for a in logged if a.organization is Organization.OTHER), ZERO),
    )


async def cec_group(
    uow: UnitOfWork,
    rules: Rules,
    acsm_id: str,
    certs: list[Certification],
    draft: RenewalDraft | None,
) -> CecGroup:
    thru = certs[0].thru_date
    required = requirement(rules, certs)
    cecs = await cycle_cecs(uow, acsm_id, certs)
    recorded, logged_acsm, logged_other = cecs.recorded, cecs.logged_acsm, cecs.logged_other
    typed, other = await member_numbers(uow, draft, certs)
    total = tracked_total(recorded, logged_acsm, logged_other, typed, other)
    return CecGroup(
        certifications=[(c.code, certification_name(rules, c.code)) for c in certs],
        thru_date=thru,
        deadline=cycles.deadline(thru, rules.timezone),
        cycle_start=group_window_start(certs),
        required=required,
        acsm_recorded=recorded,
        member_entered=total - recorded,
        total=total,
        still_needed=max(ZERO, required - total),
        renewal_open=cycles.is_renewable(state_of(rules, certs[0])),
        renewal_opens_on=cycles.renewal_opens_on(thru),
        logged_acsm=logged_acsm,
        logged_other=logged_other,
    )


async def cec_status(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> CecStatus:
    """One group per cycle (certifications sharing a thru date), lapsed ones left out."""
    records = await require_records(uow, rules, telegram_user_id)
    member, draft = records.member, records.draft
    live = [c for c in records.certifications if state_of(rules, c) is not CertState.LAPSED]
    groups = [
        await cec_group(uow, rules, member.acsm_id, group, draft)
        for group in group_by_thru(live).values()
    ]
    return CecStatus(groups=groups)
