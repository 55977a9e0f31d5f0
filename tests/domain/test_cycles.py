"""Cycle boundaries: Dec 31 23:59 vs Jan 1 00:00 in the zone, June 30 vs July 1."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import cycles
from domain.cycles import CertState, cert_state

NY = ZoneInfo("America/New_York")
THRU = date(2026, 12, 31)


def ny(*args: int) -> datetime:
    return datetime(*args, tzinfo=NY)


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (ny(2025, 12, 31, 23, 59, 59), CertState.ACTIVE),
        (ny(2026, 1, 1, 0, 0), CertState.RENEWAL_OPEN),
        (ny(2026, 12, 31, 23, 59), CertState.RENEWAL_OPEN),
        (ny(2026, 12, 31, 23, 59, 59), CertState.RENEWAL_OPEN),
        (ny(2027, 1, 1, 0, 0), CertState.GRACE),
        (ny(2027, 6, 30, 23, 59, 59), CertState.GRACE),
        (ny(2027, 7, 1, 0, 0), CertState.LAPSED),
        (ny(2030, 1, 1), CertState.LAPSED),
    ],
)
def test_state_at_the_boundaries_in_new_york(now: datetime, state: CertState) -> None:
    assert cert_state(THRU, NY, now) is state


def test_a_utc_instant_on_jan_1_before_5am_is_still_dec_31_in_new_york() -> None:
    assert cert_state(THRU, NY, datetime(2027, 1, 1, 4, 59, 59, tzinfo=UTC)) is (
        CertState.RENEWAL_OPEN
    )
    assert cert_state(THRU, NY, datetime(2027, 1, 1, 5, 0, tzinfo=UTC)) is CertState.GRACE


def test_the_zone_decides_when_the_year_ends() -> None:
    instant = datetime(2027, 1, 1, 2, 0, tzinfo=UTC)  # Jan 1 in London, Dec 31 in Los Angeles
    assert cert_state(THRU, ZoneInfo("Europe/London"), instant) is CertState.GRACE
    assert cert_state(THRU, ZoneInfo("America/Los_Angeles"), instant) is CertState.RENEWAL_OPEN


def test_july_1_in_utc_is_still_june_30_in_new_york() -> None:
    assert cert_state(THRU, NY, datetime(2027, 7, 1, 3, 59, tzinfo=UTC)) is CertState.GRACE
    assert cert_state(THRU, NY, datetime(2027, 7, 1, 4, 0, tzinfo=UTC)) is CertState.LAPSED


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        cert_state(THRU, NY, datetime(2026, 6, 1))


def test_dates_of_a_cycle() -> None:
    assert cycles.new_thru_date(THRU) == date(2029, 12, 31)
    assert cycles.cycle_start(THRU) == date(2024, 1, 1)
    assert cycles.renewal_opens_on(THRU) == date(2026, 1, 1)
    assert cycles.grace_ends_on(THRU) == date(2027, 6, 30)


def test_deadline_is_dec_31_at_11_59_pm_local_and_aware() -> None:
    deadline = cycles.deadline(THRU, NY)
    assert deadline.utcoffset() is not None
    assert deadline.astimezone(UTC) == datetime(2027, 1, 1, 4, 59, tzinfo=UTC)
    assert cycles.cycle_ends_at(THRU, NY).astimezone(UTC) == datetime(2027, 1, 1, 5, tzinfo=UTC)


@given(
    year=st.integers(min_value=2000, max_value=2090),
    offset=st.timedeltas(min_value=timedelta(days=-800), max_value=timedelta(days=800)),
)
def test_state_moves_forward_only_and_new_thru_is_three_years(year: int, offset: timedelta) -> None:
    thru = date(year, 12, 31)
    order = list(CertState)
    base = cycles.cycle_ends_at(thru, NY)
    earlier, later = base + offset, base + offset + timedelta(hours=1)
    assert order.index(cert_state(thru, NY, earlier)) <= order.index(cert_state(thru, NY, later))
    assert cycles.new_thru_date(thru) == date(year + 3, 12, 31)
    assert cycles.cycle_start(cycles.new_thru_date(thru)) == thru + timedelta(days=1)


def test_renewable_states() -> None:
    assert [s for s in CertState if cycles.is_renewable(s)] == [
        CertState.RENEWAL_OPEN,
        CertState.GRACE,
    ]
