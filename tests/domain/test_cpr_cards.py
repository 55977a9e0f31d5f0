"""Reading and checking a newer CPR/AED card's expiry date (domain/cpr_cards.py)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cpr_cards import MAX_YEARS_AHEAD, card_expiry, parse_card_expiry
from domain.cycles import add_years
from domain.errors import InvalidInputError

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("06/30/2027", date(2027, 6, 30)),
        ("6/3/2027", date(2027, 6, 3)),
        (" 2027-06-30 ", date(2027, 6, 30)),
        ("11/28/2026", TODAY),  # expiring today: still current today
    ],
)
def test_current_dates_in_either_format_are_read(typed: str, expected: date) -> None:
    assert card_expiry(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("11/27/2026", "is past"),  # yesterday: the card is not current
        ("01/31/2025", "is past"),
        ("13/05/2027", "Did you mean 05/13/2027?"),
        ("02/30/2027", "not a day of the calendar"),
        ("2027-6-30", "not a date I can read"),
        ("today", "not a date I can read"),
        ("next june", "not a date I can read"),
        ("０６/３０/２０２７", "not a date I can read"),  # full-width digits
        ("٠٦/٣٠/٢٠٢٧", "not a date I can read"),  # Arabic-Indic digits
        ("2208-06-30", "Check the year"),  # a typing error for 2028
        ("0000-06-30", "not a day of the calendar"),
        ("", "not a date I can read"),
    ],
)
def test_other_answers_are_refused_with_the_reason(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        card_expiry(typed, TODAY)
    assert reason in str(refused.value)


def test_the_limit_is_a_few_years_ahead() -> None:
    last = add_years(TODAY, MAX_YEARS_AHEAD)
    assert card_expiry(f"{last:%m/%d/%Y}", TODAY) == last
    with pytest.raises(InvalidInputError):
        card_expiry(f"{date.fromordinal(last.toordinal() + 1):%m/%d/%Y}", TODAY)


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_any_day_reads_back_in_both_formats(day: date) -> None:
    assert parse_card_expiry(f"{day.month:02d}/{day.day:02d}/{day.year:04d}") == day
    assert parse_card_expiry(day.isoformat()) == day
    accepted = TODAY <= day <= add_years(TODAY, MAX_YEARS_AHEAD)
    try:
        card_expiry(day.isoformat(), TODAY)
    except InvalidInputError:
        assert not accepted
    else:
        assert accepted
