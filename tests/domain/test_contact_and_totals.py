"""Contact details typed during renewal, and how a CEC total is made up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInputError
from domain.services.cec_status import cec_total
from domain.validation import check_email, check_phone

halves = st.integers(min_value=0, max_value=1998).map(lambda n: Decimal(n) / 2)


@pytest.mark.parametrize("text", ["pat@example.org", " a.b+c@sub.example.co.uk "])
def test_good_emails(text: str) -> None:
    assert check_email(text) == text.strip()


@pytest.mark.parametrize("text", ["", "pat", "pat@", "@example.org", "pat@example", "a b@x.org"])
def test_bad_emails(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_email(text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("+1 317 555 0100", "+13175550100"),
        ("(317) 555-0100", "+13175550100"),
        ("-", None),
        ("", None),
    ],
)
def test_phones(text: str, stored: str | None) -> None:
    assert check_phone(text) == stored


@pytest.mark.parametrize("text", ["call me", "12345", "+1 317 555 0100 0100 0100", "555-CALL-NOW"])
def test_bad_phones(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_phone(text)


def test_total_without_member_numbers_is_what_acsm_recorded() -> None:
    assert cec_total(Decimal(20), None, None) == 20


@given(halves, halves, halves)
def test_total_takes_the_higher_acsm_number_and_adds_other_cecs(
    recorded: Decimal, typed: Decimal, other: Decimal
) -> None:
    total = cec_total(recorded, typed, other)
    assert total == max(recorded, typed) + other
    assert total >= recorded and total >= typed + other
