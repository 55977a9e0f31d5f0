"""Audits of paid renewals: who is picked, what they owe, when it is overdue.

- `audit select --year Y --percent P [--seed N]` looks at the paid renewals of cycles that
  ended 12/31/Y (one per invoice) and picks ceil(P% of them) at random. The candidates are
  sorted by invoice number first and drawn with `random.Random(seed)`, so the same seed over
  the same renewals picks the same ones (re-running records nothing twice).
- The member has 30 days from the selection (due date inclusive, in ACSM's zone) to send
  proof: at least one certificate (a new file, or one already in their log), then Submit.
- State: `submitted` once submitted; otherwise `overdue` after the due date, else `pending`.
- Verdicts (`audit decide`, later the web console): staff accept or reject a submitted audit
  (a reason is required to reject) and may decide again (the later verdict replaces the
  earlier). `accepted` and `rejected` are states of their own. A rejected audit is open again:
  the member adds or removes files and submits again with /audit until the due date (it
  becomes `submitted`, the verdict cleared).
- Coverage (`coverage`): before Submit the member sees what the attached files prove against
  what they reported. A file proves the CECs of the logged activities it is the certificate
  of, when they were completed inside the audited cycle; a certificate of an activity outside
  the cycle proves nothing and is named; a file that is no logged activity's certificate is
  kept for staff but proves nothing the bot can count. Reported: the two totals typed at
  renewal, or (none typed) the logged activities of the cycle.
- Submit with a shortfall is allowed only once the member confirmed that very shortfall (or
  a larger one): ACSM staff decide in the end, but nobody submits short without being told.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from domain.cecs import format_cecs
from domain.errors import N_, InvalidInputError
from domain.tracker import LoggedActivity, in_window

AUDIT_DAYS = 30


class AuditState(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


# The member can no longer change these (files, Submit).
CLOSED = frozenset({AuditState.SUBMITTED, AuditState.ACCEPTED})


class Verdict(StrEnum):
    ACCEPT = "accepted"
    REJECT = "rejected"


@dataclass
class Audit:
    acsm_id: str
    invoice_number: str
    cycle_thru: date
    selected_on: date
    due_on: date
    submitted_at: datetime | None = None
    proof_ids: list[int] = field(default_factory=list)
    id: int | None = None  # assigned by storage
    verdict: Verdict | None = None  # staff's latest, cleared when submitted again
    decided_at: datetime | None = None
    decision_reason: str | None = None

    @property
    def is_open(self) -> bool:
        """The member may still add or remove files and submit: never submitted, or rejected."""
        return self.submitted_at is None or self.verdict is Verdict.REJECT


def due_date(selected_on: date) -> date:
    return selected_on + timedelta(days=AUDIT_DAYS)


def audit_state(audit: Audit, today: date) -> AuditState:
    if audit.verdict is Verdict.ACCEPT:
        return AuditState.ACCEPTED
    if audit.verdict is Verdict.REJECT:
        return AuditState.REJECTED
    if audit.submitted_at is not None:
        return AuditState.SUBMITTED
    if today > audit.due_on:
        return AuditState.OVERDUE
    return AuditState.PENDING


@dataclass(frozen=True)
class StateCriteria:
    """The audits in one state (audit_state), as what storage can select on: the verdict
    (None: none yet), whether submitted, and the due date's side of `today`."""

    verdict: Verdict | None
    submitted: bool | None = None  # None: either
    overdue: bool | None = None  # None: either; True: due_on < today; False: due_on >= today
    today: date | None = None


def state_criteria(state: AuditState, today: date) -> StateCriteria:
    """What audit_state(audit, today) == state means, column by column."""
    if state is AuditState.ACCEPTED:
        return StateCriteria(Verdict.ACCEPT)
    if state is AuditState.REJECTED:
        return StateCriteria(Verdict.REJECT)
    if state is AuditState.SUBMITTED:
        return StateCriteria(None, submitted=True)
    return StateCriteria(None, False, state is AuditState.OVERDUE, today)


def check_percent(percent: float) -> float:
    if not (0 < percent <= 100):
        raise InvalidInputError("--percent must be more than 0 and at most 100")
    return percent


def how_many(candidates: int, percent: float) -> int:
    """ceil(percent of the candidates): 10% of 25 renewals audits 3."""
    return min(candidates, math.ceil(candidates * check_percent(percent) / 100 - 1e-9))


def pick(candidates: Sequence[str], percent: float, seed: int | None) -> list[str]:
    """Reproducible random pick of invoice numbers (sorted first, then sampled)."""
    ordered = sorted(set(candidates))
    count = how_many(len(ordered), percent)
    chosen = random.Random(seed).sample(ordered, count)
    return sorted(chosen)


def new_audit(acsm_id: str, invoice_number: str, cycle_thru: date, today: date) -> Audit:
    return Audit(
        acsm_id=acsm_id,
        invoice_number=invoice_number,
        cycle_thru=cycle_thru,
        selected_on=today,
        due_on=due_date(today),
    )


@dataclass(frozen=True)
class Proven:
    """What one attached file proves: a logged activity it is the certificate of."""

    proof_id: int
    title: str
    completed_on: date
    cecs: Decimal
    counts: bool  # completed inside the audited cycle


@dataclass(frozen=True)
class Coverage:
    reported: Decimal
    proven: list[Proven]  # per attached file, in order; a file may prove several activities
    unmatched: list[int]  # attached files that are no logged activity's certificate

    @property
    def covered(self) -> Decimal:
        return sum((p.cecs for p in self.proven if p.counts), Decimal(0))

    @property
    def shortfall(self) -> Decimal:
        return max(Decimal(0), self.reported - self.covered)

    @property
    def outside(self) -> list[Proven]:
        """Certificates of activities outside the audited cycle: they do not count."""
        return [p for p in self.proven if not p.counts]


def reported_cecs(
    typed_acsm: Decimal, typed_other: Decimal, logged: Sequence[LoggedActivity]
) -> Decimal:
    """What the member reported: the totals typed at renewal, else what they logged."""
    typed = typed_acsm + typed_other
    return typed if typed > 0 else sum((a.cecs for a in logged), Decimal(0))


def coverage(
    reported: Decimal,
    proof_ids: Sequence[int],
    activities: Sequence[LoggedActivity],
    start: date,
    thru: date,
) -> Coverage:
    """What the attached files (`proof_ids`) prove of `reported`, given every activity the
    member logged (any date): each activity counts once, inside [start, thru] only."""
    proven: list[Proven] = []
    unmatched: list[int] = []
    for proof_id in dict.fromkeys(proof_ids):
        mine = [a for a in activities if a.proof_id == proof_id]
        if not mine:
            unmatched.append(proof_id)
        for activity in sorted(mine, key=lambda a: (a.completed_on, a.id or 0)):
            counts = in_window(activity.completed_on, start, thru)
            proven.append(
                Proven(proof_id, activity.title, activity.completed_on, activity.cecs, counts)
            )
    return Coverage(reported, proven, unmatched)


class ShortfallError(InvalidInputError):
    """Submit with less proof than reported, not (or not so much) confirmed by the member."""

    def __init__(self, found: Coverage) -> None:
        super().__init__(
            N_("Your proof covers {covered} of the {reported} CECs you reported."),
            covered=format_cecs(found.covered),
            reported=format_cecs(found.reported),
        )
        self.coverage = found


def check_submittable(
    audit: Audit,
    today: date,
    found: Coverage | None = None,
    confirmed_shortfall: Decimal | None = None,
) -> None:
    """Submittable: not yet submitted, at least one file, and any shortfall confirmed (a
    confirmation of a smaller shortfall than now, or of none, does not do)."""
    if not audit.is_open:
        raise InvalidInputError("This audit was already submitted.")
    if audit.verdict is Verdict.REJECT and today > audit.due_on:
        raise InvalidInputError(
            "This audit was due {date}: it can no longer be submitted again. Please contact ACSM.",
            date=audit.due_on.strftime("%m/%d/%Y"),
        )
    if not audit.proof_ids:
        raise InvalidInputError(
            "Add at least one certificate first (send a photo or PDF, or pick one from your log)."
        )
    short = found.shortfall if found is not None else Decimal(0)
    if found is not None and short > 0 and (confirmed_shortfall or Decimal(0)) < short:
        raise ShortfallError(found)


MAX_REASON = 1000


def check_verdict(audit: Audit, today: date, verdict: Verdict, reason: str | None) -> str | None:
    """A verdict on a submitted audit (or one decided already: staff may decide again); a
    reason is required to reject. Returns the reason, trimmed (None when not given)."""
    text = " ".join((reason or "").split()) or None
    state = audit_state(audit, today)
    if audit.submitted_at is None:
        raise InvalidInputError(
            "the audit of member {acsm_id} is {state}: nothing submitted to decide",
            acsm_id=audit.acsm_id,
            state=state.value,
        )
    if verdict is Verdict.REJECT and text is None:
        raise InvalidInputError("a reason is required to reject (--reason TEXT)")
    if text is not None and len(text) > MAX_REASON:
        raise InvalidInputError(
            "the reason is too long (at most {limit} characters)", limit=MAX_REASON
        )
    return text


def decide(audit: Audit, verdict: Verdict, reason: str | None, now: datetime) -> None:
    audit.verdict, audit.decided_at, audit.decision_reason = verdict, now, reason


def resubmit(audit: Audit, now: datetime) -> None:
    """Submitted (again): the earlier verdict no longer stands."""
    audit.submitted_at = now
    audit.verdict, audit.decided_at, audit.decision_reason = None, None, None


@dataclass
class VerdictNotice:
    """A verdict to tell the member in the chat: written with the verdict (one transaction),
    sent by the running bot (bot/verdicts.py), then marked sent."""

    audit_id: int
    acsm_id: str
    verdict: Verdict
    reason: str | None
    due_on: date
    created_at: datetime
    sent_at: datetime | None = None
    id: int | None = None  # assigned by storage
