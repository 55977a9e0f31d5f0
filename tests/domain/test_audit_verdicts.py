"""Audit verdicts: states, who may be decided, a reason to reject, a rejected audit open again
until its due date, a resubmission clearing the verdict."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.audits import (
    AuditState,
    Verdict,
    audit_state,
    check_submittable,
    check_verdict,
    decide,
    new_audit,
    resubmit,
)
from domain.errors import InvalidInputError

SELECTED = date(2027, 2, 1)  # due 03/03/2027
NOW = datetime(2027, 2, 10, 15, 0, tzinfo=UTC)


def submitted():
    audit = new_audit("1", "R1", date(2026, 12, 31), SELECTED)
    audit.proof_ids = [7]
    audit.submitted_at = NOW
    return audit


def test_states_follow_the_verdict() -> None:
    audit = submitted()
    assert audit_state(audit, date(2027, 2, 10)) is AuditState.SUBMITTED
    decide(audit, Verdict.REJECT, "Blurry", NOW)
    assert audit_state(audit, date(2027, 5, 1)) is AuditState.REJECTED and audit.is_open
    decide(audit, Verdict.ACCEPT, None, NOW)  # decided again: replaces
    assert audit_state(audit, date(2027, 2, 10)) is AuditState.ACCEPTED and not audit.is_open
    assert audit.decision_reason is None


def test_only_a_submitted_audit_is_decided_and_rejecting_needs_a_reason() -> None:
    pending = new_audit("1", "R1", date(2026, 12, 31), SELECTED)
    with pytest.raises(InvalidInputError, match="pending: nothing submitted"):
        check_verdict(pending, date(2027, 2, 10), Verdict.ACCEPT, None)
    with pytest.raises(InvalidInputError, match="overdue: nothing submitted"):
        check_verdict(pending, date(2027, 4, 1), Verdict.ACCEPT, None)
    for reason in (None, "", "  \n "):
        with pytest.raises(InvalidInputError, match="reason is required"):
            check_verdict(submitted(), date(2027, 2, 10), Verdict.REJECT, reason)
    assert check_verdict(submitted(), date(2027, 2, 10), Verdict.REJECT, " Blurry\nscan ") == (
        "Blurry scan"
    )


def test_a_rejected_audit_is_submitted_again_until_its_due_date() -> None:
    audit = submitted()
    decide(audit, Verdict.REJECT, "Blurry", NOW)
    check_submittable(audit, date(2027, 3, 3))  # the due date itself
    with pytest.raises(InvalidInputError, match="due 03/03/2027"):
        check_submittable(audit, date(2027, 3, 4))
    later = datetime(2027, 3, 1, tzinfo=UTC)
    resubmit(audit, later)
    assert audit.submitted_at == later and audit.verdict is None
    assert audit_state(audit, date(2027, 3, 1)) is AuditState.SUBMITTED
    with pytest.raises(InvalidInputError, match="already submitted"):
        check_submittable(audit, date(2027, 3, 1))
