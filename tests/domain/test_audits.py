"""Audit rules: a reproducible pick, 30 days to answer, pending/submitted/overdue."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.audits import (
    AuditState,
    audit_state,
    check_submittable,
    how_many,
    new_audit,
    pick,
)
from domain.errors import InvalidInputError

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
