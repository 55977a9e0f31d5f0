"""Every thru date a members import accepts has a whole cycle (a 12/31/9999 "never expires"
used to be accepted, then broke every screen showing the certification)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import example, given
from hypothesis import strategies as st

from domain import cycles
from domain.catalog import Catalog
from domain.imports import FIRST_YEAR, LAST_YEAR, parse_members_csv
from tests.domain.calendar_walks import EARLIEST_THRU, LATEST_THRU

CATALOG = Catalog.default()
HEADER = "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,cpr_aed_expires"


def imported(thru: date) -> list[date]:
    row = f"1,Ann,Abbott,ann@example.com,,CPT,{thru.year:04d}-01-01,12/31/{thru.year:04d},\n"
    return [c.thru_date for c in parse_members_csv(f"{HEADER}\n{row}", CATALOG).certifications]


@given(st.integers(1, 9999).map(lambda year: date(year, 12, 31)))
@example(date(9999, 12, 31))
@example(date(1, 12, 31))
@example(EARLIEST_THRU.replace(month=12, day=31))
@example(LATEST_THRU)
@example(date(FIRST_YEAR - 1, 12, 31))
@example(date(FIRST_YEAR, 12, 31))
@example(date(LAST_YEAR, 12, 31))
@example(date(LAST_YEAR + 1, 12, 31))
def test_an_accepted_thru_date_has_its_whole_cycle(thru: date) -> None:
    accepted = imported(thru)
    zone = ZoneInfo("America/New_York")
    for day in accepted:
        cycles.cycle_start(day), cycles.new_thru_date(day), cycles.grace_ends_on(day)
        for now in (cycles.lapses_at(day, zone), datetime(2026, 11, 28, tzinfo=UTC)):
            cycles.cert_state(day, zone, now)
    assert accepted == ([thru] if FIRST_YEAR <= thru.year <= LAST_YEAR else [])
    assert EARLIEST_THRU.year <= FIRST_YEAR and LATEST_THRU.year >= LAST_YEAR
