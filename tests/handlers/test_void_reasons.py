"""A void invoice's reason is stored in English (domain/invoices.py moved_reason) and said in
the member's language when shown (handlers/payments.py void_reason)."""

from __future__ import annotations

from datetime import date

import pytest

from domain.invoices import MovedCycle, moved_reason, reason_parts
from domain.languages import Language
from handlers.payments import void_reason
from i18n import speaker

CYCLE = date(2026, 12, 31)
CASES = [
    ([MovedCycle("CPT", CYCLE, date(2029, 12, 31))], "CPT ahora es hasta el 12/31/2029"),
    (
        [
            MovedCycle("CEP", CYCLE, None),
            MovedCycle("RCEP", CYCLE, date(2029, 1, 1)),
            MovedCycle("EP", CYCLE, None),
        ],
        "CEP ya no figura en los registros, RCEP ahora es hasta el 01/01/2029 y EP ya no "
        "figura en los registros",
    ),
    ([], "su ciclo cambió"),
]


@pytest.mark.parametrize(("moved", "spanish"), CASES)
def test_a_stored_reason_is_said_in_spanish_and_unchanged_in_english(moved, spanish) -> None:
    stored = moved_reason(moved)
    assert void_reason(stored, speaker(Language.ES)) == spanish
    assert void_reason(stored, speaker(Language.EN)) == stored


def test_a_reason_written_otherwise_stays_as_written() -> None:
    assert reason_parts("refunded by staff") is None
    assert void_reason("refunded by staff", speaker(Language.ES)) == "refunded by staff"
    assert void_reason("CPT is now thru 12/3", speaker(Language.ES)) == "CPT is now thru 12/3"
