"""Certification cycles: three years ending Dec 31, 11:59 PM in the ACSM time zone.

For a thru date Dec 31 of year Y, in zone Z:
- the cycle started Jan 1 of Y-2 (`cycle_start`), and CECs completed since then count;
- the published deadline is Dec 31, 11:59 PM in Z (`deadline`); the cycle stays current
  through that whole minute and is over at Jan 1 Y+1 00:00 in Z (`cycle_ends_at`);
- renewal opens Jan 1 of Y, 00:00 in Z (`renewal_opens_on`);
- grace (inactive, renewable by CECs with a late fee) until June 30 of Y+1 end of day in Z;
- lapsed from July 1 of Y+1, 00:00 in Z;
- the new thru date is always thru + 3 years, whenever in the window the member renews.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

CYCLE_YEARS = 3


class CertState(StrEnum):
    ACTIVE = "active"  # current, renewal not yet open
    RENEWAL_OPEN = "renewal_open"  # current, in its final year
    GRACE = "grace"  # past the thru date, renewable with a late fee until June 30
    LAPSED = "lapsed"  # past June 30 after the thru date: reinstatement or the exam


def _start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("an aware datetime is needed")


def cycle_start(thru: date) -> date:
    """First day of the cycle: thru - 3 years + 1 day (Jan 1 of Y-2 for Dec 31 of Y)."""
    return date(thru.year - CYCLE_YEARS, thru.month, thru.day) + timedelta(days=1)


def new_thru_date(thru: date) -> date:
    """12/31/2026 -> 12/31/2029."""
    return date(thru.year + CYCLE_YEARS, thru.month, thru.day)


def renewal_opens_on(thru: date) -> date:
    """Jan 1 of the cycle's final year."""
    return date(thru.year, 1, 1)


def grace_ends_on(thru: date) -> date:
    """June 30 after the thru date (last day the late renewal is accepted)."""
    return date(thru.year + 1, 6, 30)


def deadline(thru: date, zone: ZoneInfo) -> datetime:
    """The published deadline: Dec 31 (the thru date), 11:59 PM in the zone."""
    return datetime.combine(thru, time(23, 59), tzinfo=zone)


def cycle_ends_at(thru: date, zone: ZoneInfo) -> datetime:
    """The first instant the cycle is over: Jan 1 00:00 after the thru date, in the zone."""
    return _start_of_day(thru + timedelta(days=1), zone)


def renewal_opens_at(thru: date, zone: ZoneInfo) -> datetime:
    return _start_of_day(renewal_opens_on(thru), zone)


def lapses_at(thru: date, zone: ZoneInfo) -> datetime:
    """The instant the grace period is over (July 1 00:00 in the zone)."""
    return _start_of_day(grace_ends_on(thru) + timedelta(days=1), zone)


def cert_state(thru: date, zone: ZoneInfo, now: datetime) -> CertState:
    _require_aware(now)
    if now < renewal_opens_at(thru, zone):
        return CertState.ACTIVE
    if now < cycle_ends_at(thru, zone):
        return CertState.RENEWAL_OPEN
    if now < lapses_at(thru, zone):
        return CertState.GRACE
    return CertState.LAPSED


def is_renewable(state: CertState) -> bool:
    return state in (CertState.RENEWAL_OPEN, CertState.GRACE)


def local_today(zone: ZoneInfo, now: datetime) -> date:
    _require_aware(now)
    return now.astimezone(zone).date()
