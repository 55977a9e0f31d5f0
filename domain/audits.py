"""Audits of paid renewals: who is picked, what they owe, when it is overdue.

- `audit select --year Y --percent P [--seed N]` looks at the paid renewals of cycles that
  ended 12/31/Y (one per invoice) and picks ceil(P% of them) at random. The candidates are
  sorted by invoice number first and drawn with `random.Random(seed)`, so the same seed over
  the same renewals picks the same ones (re-running records nothing twice).
- The member has 30 days from the selection (due date inclusive, in ACSM's zone) to send
  proof: at least one certificate (a new file, or one already in their log), then Submit.
- State: `submitted` once submitted; otherwise `overdue` after the due date, else `pending`.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from domain.errors import InvalidInputError

AUDIT_DAYS = 30


class AuditState(StrEnum):
    PENDING = "pending"
    SUBMITTED = "submitted"
    OVERDUE = "overdue"


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


def due_date(selected_on: date) -> date:
    return selected_on + timedelta(days=AUDIT_DAYS)


def audit_state(audit: Audit, today: date) -> AuditState:
    if audit.submitted_at is not None:
        return AuditState.SUBMITTED
    if today > audit.due_on:
        return AuditState.OVERDUE
    return AuditState.PENDING


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


def check_submittable(audit: Audit, today: date) -> None:
    if audit.submitted_at is not None:
        raise InvalidInputError("This audit was already submitted.")
    if not audit.proof_ids:
        raise InvalidInputError(
            "Add at least one certificate first (send a photo or PDF, or pick one from your log)."
        )
