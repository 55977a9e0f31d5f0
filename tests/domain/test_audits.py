"""Audit rules: a reproducible pick, 30 days to answer, pending/submitted/overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.audits import (
    AuditState,
    ShortfallError,
    audit_state,
    check_submittable,
    coverage,
    how_many,
    new_audit,
    pick,
    reported_cecs,
)
from domain.errors import InvalidInputError
from domain.tracker import LoggedActivity, Organization

NUMBERS = [f"R{n:06d}" for n in range(100, 125)]


def test_pick_is_reproducible_with_a_seed_and_independent_of_order() -> None:
    first = pick(NUMBERS, 20, seed=7)
    assert first == pick(list(reversed(NUMBERS)), 20, seed=7)
    assert len(first) == 5 and set(first) <= set(NUMBERS)
    assert any(pick(NUMBERS, 20, seed=s) != first for s in range(8, 20))


def test_how_many_rounds_up() -> None:
    assert how_many(25, 10) == 3
    assert how_many(10, 10) == 1
    assert how_many(3, 100) == 3
    assert how_many(0, 50) == 0


@pytest.mark.parametrize("percent", [0, -5, 100.5])
def test_percent_out_of_range_is_refused(percent: float) -> None:
    with pytest.raises(InvalidInputError):
        how_many(10, percent)


def test_due_in_thirty_days_then_overdue_unless_submitted() -> None:
    audit = new_audit("1", "R000100", date(2026, 12, 31), date(2027, 2, 1))
    assert audit.due_on == date(2027, 3, 3)
    assert audit_state(audit, date(2027, 3, 3)) is AuditState.PENDING
    assert audit_state(audit, date(2027, 3, 4)) is AuditState.OVERDUE
    audit.submitted_at = datetime(2027, 3, 10, tzinfo=UTC)
    assert audit_state(audit, date(2027, 3, 11)) is AuditState.SUBMITTED


def test_submission_needs_a_proof_and_happens_once() -> None:
    audit = new_audit("1", "R000100", date(2026, 12, 31), date(2027, 2, 1))
    with pytest.raises(InvalidInputError, match="at least one"):
        check_submittable(audit, date(2027, 2, 2))
    audit.proof_ids.append(3)
    check_submittable(audit, date(2027, 2, 2))
    audit.submitted_at = datetime(2027, 2, 2, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match="already"):
        check_submittable(audit, date(2027, 2, 2))


START, THRU = date(2024, 1, 1), date(2026, 12, 31)
AT = datetime(2026, 11, 1, tzinfo=UTC)


def logged(title: str, on: date, cecs: str, proof_id: int | None) -> LoggedActivity:
    return LoggedActivity("1", title, "NSCA", on, Decimal(cecs), Organization.OTHER, AT, proof_id)


LOG = [
    logged("Summit", date(2025, 5, 3), "15", 1),
    logged("Webinar", date(2027, 1, 10), "3", 2),  # after the audited cycle
    logged("Course", date(2026, 6, 1), "4.5", 3),
    logged("Clinic", date(2026, 6, 2), "2", 3),  # one certificate for two activities
    logged("No certificate", date(2026, 7, 1), "10", None),
]


def test_proof_covers_certified_activities_inside_the_cycle_only() -> None:
    """Fay reported 45 and attached one certificate for 15: 30 short. A certificate of an
    activity after the cycle proves nothing and is named; a file that is no activity's
    certificate proves nothing countable; a file attached twice counts once."""
    fay = coverage(Decimal(45), [1], LOG, START, THRU)
    assert (fay.covered, fay.shortfall, fay.outside, fay.unmatched) == (15, 30, [], [])
    more = coverage(Decimal(45), [1, 2, 9, 3, 1], LOG, START, THRU)
    assert more.covered == Decimal("21.5") and more.shortfall == Decimal("23.5")
    assert [(p.title, p.counts) for p in more.proven] == [
        ("Summit", True),
        ("Webinar", False),
        ("Course", True),
        ("Clinic", True),
    ]
    assert [p.title for p in more.outside] == ["Webinar"] and more.unmatched == [9]
    assert coverage(Decimal(10), [1], LOG, START, THRU).shortfall == 0  # more than reported


def test_reported_is_the_typed_totals_else_the_logged_activities() -> None:
    assert reported_cecs(Decimal(30), Decimal(15), LOG) == 45
    assert reported_cecs(Decimal(0), Decimal(0), LOG[:3]) == Decimal("22.5")


def test_submitting_short_needs_that_shortfall_confirmed() -> None:
    audit = new_audit("1", "R000100", THRU, date(2027, 2, 1))
    audit.proof_ids.append(1)
    today = date(2027, 2, 2)
    short = coverage(Decimal(45), [1], LOG, START, THRU)
    with pytest.raises(ShortfallError, match="covers 15 of the 45 CECs you reported"):
        check_submittable(audit, today, short)
    with pytest.raises(ShortfallError):  # confirmed a smaller shortfall than there is now
        check_submittable(audit, today, short, confirmed_shortfall=Decimal("29.5"))
    check_submittable(audit, today, short, confirmed_shortfall=Decimal(30))
    check_submittable(audit, today, coverage(Decimal(15), [1], LOG, START, THRU))  # none short
