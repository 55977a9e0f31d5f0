"""Properties of cycles, states and CEC windows, checked against walks of the calendar
(tests/domain/calendar_walks.py), in zones with DST, skipped days and clocks that fall back
across midnight, at transition instants and on leap days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from domain import cycles
from domain.catalog import Catalog
from domain.cycles import CertState, cert_state
from domain.model import Certification
from domain.reminders import due_step, steps_for
from domain.renewal_rules import late_fee_cents
from domain.tracker import window_start
from tests.domain.calendar_walks import (
    EARLIEST_THRU,
    LATEST_THRU,
    ONE_DAY,
    ZONES,
    contract_state,
    four_years_before,
    next_thru,
    previous_thru,
    transitions,
)

CATALOG = Catalog.default()
ORDER = list(CertState)

zone_names = st.sampled_from(ZONES)
# Years in which a zone's clocks did something odd around midnight (found by scanning tzdata).
ODD_YEARS = [
    ("America/Phoenix", 1944),  # Jan 1 00:01 -> Dec 31 23:01
    ("America/St_Johns", 1992),  # Oct 25 00:01 -> Oct 24 23:01
    ("America/St_Johns", 2008),
    ("America/Toronto", 1919),  # Mar 30 23:30 -> Mar 31 00:30
    ("Pacific/Kiritimati", 1994),  # Dec 31 skipped
    ("Pacific/Apia", 2011),  # Dec 30 skipped
    ("America/Sao_Paulo", 2018),  # Nov 4 00:00 -> 01:00
    ("America/Havana", 2024),
    ("Asia/Beirut", 2023),
]
years = st.integers(EARLIEST_THRU.year, LATEST_THRU.year)


def leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


@st.composite
def february_ends(draw: st.DrawFn) -> date:
    """Feb 28, Feb 29 (leap years) and Mar 1 — where three years' arithmetic trips."""
    year = draw(years)
    days = [date(year, 2, 28), date(year, 3, 1)] + ([date(year, 2, 29)] if leap(year) else [])
    return draw(st.sampled_from(days))


thru_dates = st.one_of(
    years.map(lambda y: date(y, 12, 31)),  # the normal case
    february_ends(),
    st.dates(EARLIEST_THRU, LATEST_THRU),  # what an import may carry
)


@st.composite
def near_a_boundary(draw: st.DrawFn) -> tuple[str, date, datetime]:
    """(zone, thru, now): now within 30 hours of a boundary's local midnight."""
    name, thru = draw(zone_names), draw(thru_dates)
    day = draw(st.sampled_from([date(thru.year, 1, 1), thru + ONE_DAY, date(thru.year + 1, 7, 1)]))
    midnight = datetime.combine(day, time(0), tzinfo=UTC)
    seconds = draw(st.integers(-30 * 3600, 30 * 3600))
    return name, thru, midnight + timedelta(seconds=seconds)


@st.composite
def near_a_transition(draw: st.DrawFn) -> tuple[str, date, datetime]:
    """(zone, thru, now): now within 3 hours of a change of the zone's UTC offset, with the
    thru date such that a boundary of the cycle falls on that night."""
    name, year = draw(
        st.one_of(
            st.tuples(zone_names.filter(lambda n: n != "UTC"), st.integers(1900, 2045)),
            st.sampled_from(ODD_YEARS),
        )
    )
    found = transitions(name, year)
    assume(found)
    jump = draw(st.sampled_from(found))
    zone = ZoneInfo(name)
    before, after = (jump - timedelta(seconds=1)).astimezone(zone), jump.astimezone(zone)
    days = {before.date() - ONE_DAY, before.date(), after.date() - ONE_DAY, after.date()}
    thru = draw(st.sampled_from(sorted(days)))
    seconds = draw(
        st.one_of(st.sampled_from([-60, -1, 0, 1, 60]), st.integers(-3 * 3600, 3 * 3600))
    )
    return name, thru, jump + timedelta(seconds=seconds)


def as_written(now: datetime, zone: ZoneInfo) -> list[datetime]:
    """The same instant as the chat, a test or a job may hold it."""
    return [
        now,
        now.astimezone(zone),  # the zone itself: compared by wall clock if compared naively
        now.astimezone(ZoneInfo("Asia/Tokyo")),
        now.astimezone(timezone(timedelta(hours=-5))),
    ]


# ---- states -------------------------------------------------------------------------------


@settings(max_examples=300)
@given(st.one_of(near_a_boundary(), near_a_transition()))
@example(("America/Phoenix", date(1943, 12, 31), datetime(1944, 1, 1, 6, 30, tzinfo=UTC)))
@example(("America/St_Johns", date(1992, 10, 24), datetime(1992, 10, 25, 2, 45, tzinfo=UTC)))
@example(("America/Toronto", date(1919, 3, 30), datetime(1919, 3, 31, 4, 45, tzinfo=UTC)))
@example(("Pacific/Kiritimati", date(1994, 12, 31), datetime(1994, 12, 31, 10, tzinfo=UTC)))
@example(("Pacific/Auckland", date(2028, 2, 29), datetime(2028, 2, 29, 11, tzinfo=UTC)))
def test_state_follows_the_zone_calendar(case: tuple[str, date, datetime]) -> None:
    name, thru, now = case
    zone = ZoneInfo(name)
    expected = contract_state(thru, zone, now)
    for written in as_written(now, zone):
        assert cert_state(thru, zone, written) is expected, written


@settings(max_examples=200)
@given(st.one_of(near_a_boundary(), near_a_transition()), st.integers(1, 48 * 3600))
def test_a_state_never_goes_back(case: tuple[str, date, datetime], seconds: int) -> None:
    name, thru, now = case
    zone = ZoneInfo(name)
    later = now + timedelta(seconds=seconds)
    assert ORDER.index(cert_state(thru, zone, now)) <= ORDER.index(
        cert_state(thru, zone, later.astimezone(zone))
    )


@settings(max_examples=200)
@given(st.one_of(near_a_boundary(), near_a_transition()))
def test_late_fee_if_and_only_if_in_grace(case: tuple[str, date, datetime]) -> None:
    name, thru, now = case
    zone = ZoneInfo(name)
    in_grace = contract_state(thru, zone, now) is CertState.GRACE
    fee = late_fee_cents([cert_state(thru, zone, now)], CATALOG)
    assert fee == (8000 if in_grace else 0)


@settings(max_examples=200)
@given(zone_names, thru_dates)
def test_the_deadline_is_the_last_minute_before_the_cycle_ends(name: str, thru: date) -> None:
    zone = ZoneInfo(name)
    deadline = cycles.deadline(thru, zone)
    ends = cycles.cycle_ends_at(thru, zone)
    assert deadline.utcoffset() is not None
    assert deadline.astimezone(UTC) + timedelta(minutes=1) == ends.astimezone(UTC)
    assert cert_state(thru, zone, deadline) is CertState.RENEWAL_OPEN
    assert cert_state(thru, zone, deadline.astimezone(UTC) + timedelta(seconds=59)) is (
        CertState.RENEWAL_OPEN
    )
    assert cert_state(thru, zone, ends) is CertState.GRACE
    eleven_59 = datetime.combine(thru, time(23, 59))
    if (
        datetime.combine(thru + ONE_DAY, time(0)).replace(tzinfo=zone).astimezone(UTC)
        - eleven_59.replace(tzinfo=zone).astimezone(UTC)
    ) == timedelta(minutes=1):  # an ordinary night: what the members are told
        assert deadline.replace(tzinfo=None) == eleven_59


def test_deadline_in_new_york_is_dec_31_at_11_59_pm() -> None:
    ny = ZoneInfo("America/New_York")
    deadline = cycles.deadline(date(2026, 12, 31), ny)
    assert deadline.replace(tzinfo=None) == datetime(2026, 12, 31, 23, 59)
    assert deadline.astimezone(UTC) == datetime(2027, 1, 1, 4, 59, tzinfo=UTC)


# ---- dates of a cycle ----------------------------------------------------------------------


@settings(max_examples=300)
@given(thru_dates)
@example(date(2028, 2, 29))
@example(date(2104, 2, 29))  # four years before: 2100 is not a leap year
@example(EARLIEST_THRU)
@example(LATEST_THRU)
@example(date(2999, 6, 30))
def test_every_supported_thru_date_has_its_cycle(thru: date) -> None:
    """No exception, and each date as the walks find it."""
    assert cycles.cycle_start(thru) == previous_thru(thru) + ONE_DAY
    assert cycles.new_thru_date(thru) == next_thru(thru)
    assert cycles.renewal_opens_on(thru) == date(thru.year, 1, 1)
    assert cycles.grace_ends_on(thru) == date(thru.year + 1, 6, 30)
    for name in ("America/New_York", "Pacific/Kiritimati", "Pacific/Apia"):
        zone = ZoneInfo(name)
        opens, ends = cycles.renewal_opens_at(thru, zone), cycles.cycle_ends_at(thru, zone)
        lapses = cycles.lapses_at(thru, zone)
        assert opens < ends < lapses
        assert cycles.deadline(thru, zone) < ends
        for at in (opens, ends, lapses):
            cert_state(thru, zone, at)
    for step in steps_for(thru, CATALOG.reminders):
        assert due_step(thru, CATALOG.reminders, step.on) == step


@given(thru_dates)
def test_consecutive_cycles_follow_each_other(thru: date) -> None:
    """The next cycle starts the day after the thru date: no day in two cycles, none in
    neither — except after a Feb 28 of a leap year (not a month end: see cycles.py)."""
    assume(not (thru.month == 2 and thru.day == 28 and leap(thru.year)))
    assert cycles.cycle_start(cycles.new_thru_date(thru)) == thru + ONE_DAY


@given(years)
def test_a_dec_31_cycle_is_three_calendar_years(year: int) -> None:
    """The contract's example, for every year: thru 12/31/Y -> starts 01/01/Y-2, renewal opens
    01/01/Y, new thru 12/31/Y+3, grace until 06/30/Y+1."""
    assume(year >= EARLIEST_THRU.year + 3)
    thru = date(year, 12, 31)
    assert cycles.cycle_start(thru) == date(year - 2, 1, 1)
    assert cycles.new_thru_date(thru) == date(year + 3, 12, 31)
    assert cycles.renewal_opens_on(thru) == date(year, 1, 1)
    assert cycles.grace_ends_on(thru) == date(year + 1, 6, 30)


def test_feb_29_means_the_end_of_february() -> None:
    assert cycles.cycle_start(date(2028, 2, 29)) == date(2025, 3, 1)
    assert cycles.new_thru_date(date(2028, 2, 29)) == date(2031, 2, 28)
    assert cycles.new_thru_date(date(2025, 2, 28)) == date(2028, 2, 29)
    assert cycles.cycle_start(date(2031, 2, 28)) == date(2028, 3, 1)
    assert cycles.cycle_start(date(2028, 2, 28)) == date(2025, 3, 1)  # not a month end
    assert cycles.cycle_start(date(2026, 12, 31)) == date(2024, 1, 1)


# ---- CEC windows ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "thru", "start"),
    [
        (date(2017, 5, 1), date(2026, 12, 31), date(2024, 1, 1)),
        (date(2023, 6, 15), date(2026, 12, 31), date(2023, 6, 15)),  # a first cycle
        (date(2022, 12, 31), date(2026, 12, 31), date(2024, 1, 1)),  # four years before
        (date(2023, 1, 1), date(2026, 12, 31), date(2023, 1, 1)),
        (date(2024, 3, 1), date(2026, 12, 31), date(2024, 1, 1)),
        (date(2024, 3, 1), date(2028, 2, 29), date(2024, 3, 1)),  # a first cycle
        (date(2024, 2, 29), date(2028, 2, 29), date(2025, 3, 1)),  # exactly four years
        (date(2024, 2, 28), date(2028, 2, 29), date(2025, 3, 1)),
        (date(2100, 3, 1), date(2104, 2, 29), date(2100, 3, 1)),  # 2100: no Feb 29
    ],
)
def test_cec_window_table(effective: date, thru: date, start: date) -> None:
    assert window_start(Certification("1", "CPT", effective, thru)) == start


@settings(max_examples=300)
@given(thru_dates, st.data())
def test_the_cec_window_starts_after_the_previous_thru_or_on_a_first_effective_date(
    thru: date, data: st.DataObject
) -> None:
    effective = data.draw(
        st.one_of(
            st.dates(thru - timedelta(days=6 * 366), thru),
            st.sampled_from(
                [
                    four_years_before(thru),
                    four_years_before(thru) + ONE_DAY,
                    previous_thru(thru),
                    previous_thru(thru) + ONE_DAY,
                ]
            ),
        )
    )
    start = window_start(Certification("1", "CPT", effective, thru))
    previous = previous_thru(thru)
    first_cycle = four_years_before(thru) < effective <= previous
    assert start == (effective if first_cycle else previous + ONE_DAY)


@settings(max_examples=200)
@given(st.one_of(near_a_boundary(), near_a_transition()))
def test_while_renewal_is_open_today_is_inside_the_cec_window(
    case: tuple[str, date, datetime],
) -> None:
    """In every zone, on every night: while a cycle is current, the zone's today is a day of
    its window, so an activity completed today counts for it."""
    name, thru, now = case
    zone = ZoneInfo(name)
    if cert_state(thru, zone, now) is CertState.RENEWAL_OPEN:
        today = cycles.local_today(zone, now)
        assert cycles.cycle_start(thru) <= today <= thru
