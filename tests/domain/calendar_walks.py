"""Independent statements of the calendar rules, for the property tests: walks day by day
(or minute by minute) rather than the date arithmetic domain/cycles.py uses.

- A thru date has a *place* in the year: its month and day, or "the last day of February"
  when it is one (so Feb 29 and a Feb 28 of a common year are the same place).
- The previous thru date is the third earlier day at the same place; the new thru date the
  third later one; "four years before" the fourth earlier one.
- The zone's calendar: what matters at an instant is the latest day the zone's clocks have
  shown so far (clocks may fall back across midnight: a day once reached stays reached).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.cycles import CertState

ONE_DAY = timedelta(days=1)
# Supported thru dates, written out (the importer refuses others).
EARLIEST_THRU = date(1900, 1, 1)
LATEST_THRU = date(2999, 12, 31)

ZONES = (
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "America/Phoenix",  # 1944-01-01 00:01: clocks back to Dec 31 23:01
    "America/Toronto",  # 1919-03-30 23:30 -> 00:30: midnight inside a gap
    "America/St_Johns",  # 1987-2010: DST ended at 00:01, back across midnight
    "America/Sao_Paulo",  # DST changed at midnight until 2019
    "America/Havana",  # DST starts at midnight
    "America/Santiago",
    "Pacific/Auckland",
    "Pacific/Chatham",  # +12:45/+13:45
    "Pacific/Apia",  # Dec 30, 2011 skipped
    "Pacific/Kiritimati",  # Dec 31, 1994 skipped, +14
    "Australia/Lord_Howe",  # half-hour DST
    "Europe/London",
    "Asia/Kolkata",
    "Asia/Tehran",
    "Asia/Beirut",  # DST at midnight
    "Africa/Casablanca",  # DST suspended for Ramadan
)


def is_end_of_february(day: date) -> bool:
    return day.month == 2 and (day + ONE_DAY).month == 3


def same_place(day: date, thru: date) -> bool:
    if is_end_of_february(thru):
        return is_end_of_february(day)
    return (day.month, day.day) == (thru.month, thru.day)


def walk(day: date, step: timedelta) -> Iterator[date]:
    while True:
        day += step
        yield day


def nth_place(thru: date, n: int) -> date:
    """The n-th day at the thru date's place, after it (n > 0) or before it (n < 0)."""
    step = ONE_DAY if n > 0 else -ONE_DAY
    found = 0
    for day in walk(thru, step):
        if same_place(day, thru):
            found += 1
            if found == abs(n):
                return day
    raise AssertionError("unreachable")


def previous_thru(thru: date) -> date:
    return nth_place(thru, -3)


def next_thru(thru: date) -> date:
    return nth_place(thru, 3)


def four_years_before(thru: date) -> date:
    return nth_place(thru, -4)


def latest_day_shown(zone: ZoneInfo, now: datetime) -> date:
    """The latest day the zone's clocks have shown by `now`: every minute of the 26 hours
    before it (no zone falls back by more than a day)."""
    return max((now - timedelta(minutes=k)).astimezone(zone).date() for k in range(26 * 60 + 1))


def contract_state(thru: date, zone: ZoneInfo, now: datetime) -> CertState:
    """The contract in words: renewal opens Jan 1 of the final year; current through the thru
    date; grace until June 30 after it; lapsed from July 1."""
    today = latest_day_shown(zone, now)
    if today < date(thru.year, 1, 1):
        return CertState.ACTIVE
    if today <= thru:
        return CertState.RENEWAL_OPEN
    if today <= date(thru.year + 1, 6, 30):
        return CertState.GRACE
    return CertState.LAPSED


@functools.cache
def transitions(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants (UTC, to the second) the zone's UTC offset changes in a year: sampled
    every 6 hours, then bisected."""
    zone = ZoneInfo(zone_name)
    found = []
    at = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    offset = at.astimezone(zone).utcoffset()
    while at < end:
        later = at + timedelta(hours=6)
        later_offset = later.astimezone(zone).utcoffset()
        if later_offset != offset:
            lo, hi = int(at.timestamp()), int(later.timestamp())
            while hi - lo > 1:
                middle = (lo + hi) // 2
                if datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == offset:
                    lo = middle
                else:
                    hi = middle
            found.append(datetime.fromtimestamp(hi, UTC))
            offset = later_offset
        at = later
    return tuple(found)
