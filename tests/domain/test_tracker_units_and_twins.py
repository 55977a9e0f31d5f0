"""The tracker's rules for other organizations' units (hours, CEUs), for the same activity
logged twice or recorded by ACSM, for lapsed members and for dates after an early renewal."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidInputError
from domain.tracker import (
    LoggedActivity,
    NoCurrentCycleError,
    Organization,
    check_completed_on,
    logged_twice,
    no_cycle_reason,
    parse_activity_amount,
    parse_completed_on,
    similar_titles,
)

TODAY = date(2026, 12, 5)

# ---- units --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "cecs", "conversion"),
    [
        ("2", "2", None),
        ("1.5", "1.5", None),
        ("2 CECs", "2", None),
        ("2 hours", "2", "2 contact hours = 2 CECs"),
        ("2 contact hours", "2", "2 contact hours = 2 CECs"),
        ("1 hour", "1", "1 contact hour = 1 CEC"),
        ("2 hrs", "2", "2 contact hours = 2 CECs"),
        ("1,5 Hours", "1.5", "1.5 contact hours = 1.5 CECs"),
        ("0.2 CEUs", "2", "0.2 CEUs = 2 CECs"),
        ("0.2 CEU", "2", "0.2 CEUs = 2 CECs"),
        ("0.2ceus", "2", "0.2 CEUs = 2 CECs"),
        ("0.25 CEUs", "2.5", "0.25 CEUs = 2.5 CECs"),
        ("1 CEU", "10", "1 CEU = 10 CECs"),
    ],
)
def test_hours_and_ceus_are_read_as_cecs_with_the_conversion(
    typed: str, cecs: str, conversion: str | None
) -> None:
    amount = parse_activity_amount(typed)
    assert amount.cecs == Decimal(cecs)
    assert amount.conversion == conversion


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("2 credits", "cannot read '2 credits' as CECs"),
        ("two hours", "cannot read"),
        ("0.23 CEUs", "0.23 CEUs = 2.3 CECs, but CECs are counted in steps of 0.5"),
        ("1.25 hours", "steps of 0.5"),
        ("0 hours", "at least 0.5"),
        ("20 CEUs", "More than 100 CECs"),
        ("1.25", "steps of 0.5"),
    ],
)
def test_other_amounts_are_explained(typed: str, reason: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_activity_amount(typed)
    assert reason in str(refused.value)


def test_an_unknown_unit_says_what_is_understood() -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_activity_amount("2 credits")
    assert '"2 hours"' in str(refused.value) and '"0.2 CEUs"' in str(refused.value)


@given(st.integers(min_value=1, max_value=200))
def test_any_half_step_of_hours_is_that_many_cecs(halves: int) -> None:
    hours = Decimal(halves) / 2
    assert parse_activity_amount(f"{hours} hours").cecs == hours


@given(st.integers(min_value=1, max_value=200))
def test_ceus_are_ten_times_as_many_cecs(halves: int) -> None:
    ceus = Decimal(halves) / 20  # 0.05 CEU = 0.5 CEC
    amount = parse_activity_amount(f"{ceus} CEUs")
    assert amount.cecs == ceus * 10
    assert amount.conversion is not None and amount.conversion.startswith(f"{ceus.normalize():f}")


@given(st.integers(min_value=1, max_value=999).filter(lambda n: n % 5))
def test_ceus_off_the_half_step_are_refused(hundredths: int) -> None:
    with pytest.raises(InvalidInputError, match=r"steps of 0\.5"):
        parse_activity_amount(f"{Decimal(hundredths) / 100} CEUs")


# ---- the same activity ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("ACSM Health & Fitness Summit", "acsm health and fitness summit!"),
        ("ACSM Health & Fitness Summit", "Health & Fitness Summit"),
        ("ACSM Health & Fitness Summit", "ACSM Health & Fitness Summit 2026"),
        ("ACSM Health & Fitness Summit", "ACSM Helth & Fitnes Summit"),
        ("Fitness Summit, ACSM", "ACSM fitness summit"),
        ("Récupération active", "recuperation active"),
    ],
)
def test_similar_titles(first: str, second: str) -> None:
    assert similar_titles(first, second) and similar_titles(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Squat clinic", "Yoga course"),
        ("Workshop 1", "Workshop 2"),
        ("ACSM Health & Fitness Summit", "ACSM Annual Meeting"),
        ("Nutrition", "Summit"),
    ],
)
def test_different_titles(first: str, second: str) -> None:
    assert not similar_titles(first, second) and not similar_titles(second, first)


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8)


@given(st.lists(WORDS, min_size=1, max_size=6), st.randoms())
def test_case_punctuation_and_order_do_not_matter(words: list[str], random) -> None:
    shuffled = list(words)
    random.shuffle(shuffled)
    assert similar_titles(" ".join(words), ", ".join(w.upper() for w in shuffled) + ".")


def logged(title: str, day: date, cecs: str) -> LoggedActivity:
    return LoggedActivity(
        "1", title, "NSCA", day, Decimal(cecs), Organization.OTHER, datetime(2026, 1, 1, tzinfo=UTC)
    )


def test_logged_twice_needs_the_same_date_title_and_cecs() -> None:
    day = date(2026, 3, 15)
    kept = logged("Squat clinic", day, "2.5")
    assert logged_twice(("squat clinic.", day, Decimal("2.5")), kept)
    assert not logged_twice(("Squat clinic", day, Decimal(2)), kept)
    assert not logged_twice(("Squat clinic", date(2026, 3, 16), Decimal("2.5")), kept)
    assert not logged_twice(("Yoga course", day, Decimal("2.5")), kept)


# ---- lapsed members, early renewals, dates ---------------------------------------------------


def test_a_lapsed_member_is_told_when_the_grace_period_ended() -> None:
    reason = no_cycle_reason([date(2024, 12, 31), date(2025, 12, 31)])
    assert "cycle ended 12/31/2025" in reason and "ended 06/30/2026" in reason
    assert "no certification" in no_cycle_reason([])
    with pytest.raises(NoCurrentCycleError):
        check_completed_on(TODAY, TODAY, [])


def test_a_day_in_a_cycle_closed_by_an_early_renewal_is_explained() -> None:
    current = [(date(2027, 1, 1), date(2029, 12, 31))]
    closed = [(date(2024, 1, 1), date(2026, 12, 31))]
    with pytest.raises(InvalidInputError) as refused:
        check_completed_on(TODAY, TODAY, current, closed)
    message = str(refused.value)
    assert "12/05/2026 is in your cycle 01/01/2024–12/31/2026, which closed" in message
    assert "current cycle (01/01/2027–12/31/2029)" in message
    assert "complete from 01/01/2027 count toward it" in message
    with pytest.raises(InvalidInputError, match="outside your current cycle"):
        check_completed_on(date(2023, 6, 1), TODAY, current, closed)


@pytest.mark.parametrize(
    ("typed", "hint"),
    [
        ("13/05/2026", "month/day/year (MM/DD/YYYY). Did you mean 05/13/2026?"),
        ("2026-13-05", "year-month-day (YYYY-MM-DD). Did you mean 05/13/2026?"),
        ("02/30/2026", "month/day/year (MM/DD/YYYY)."),
    ],
)
def test_a_day_off_the_calendar_says_the_order_and_the_swapped_date(typed: str, hint: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        parse_completed_on(typed, TODAY)
    assert str(refused.value) == f"{typed} is not a day of the calendar: I read dates as {hint}"
