"""Certification cycles: three years ending Dec 31, 11:59 PM in the ACSM time zone.

For a thru date Dec 31 of year Y, in zone Z:
- the cycle started Jan 1 of Y-2 (`cycle_start`), and CECs completed since then count;
- the published deadline is Dec 31, 11:59 PM in Z (`deadline`); the cycle stays current
  through that whole minute and is over at Jan 1 Y+1 00:00 in Z (`cycle_ends_at`);
- renewal opens Jan 1 of Y, 00:00 in Z (`renewal_opens_on`);
- grace (inactive, renewable by CECs with a late fee) until June 30 of Y+1 end of day in Z;
- lapsed from July 1 of Y+1, 00:00 in Z;
- the new thru date is always thru + 3 years, whenever in the window the member renews.

Other thru dates (an import may carry one) follow the same rules with their own month and
day: the cycle starts the day after thru - 3 years, ends with the thru date, renewal opens
Jan 1 of its year, grace runs until June 30 of the year after.

Feb 29: the last day of February is a month end, and stays one. A thru date of Feb 29 means
"the end of February": three years before or after, February ends on the 28th, so its
previous thru date is Feb 28 (the cycle starts Mar 1) and its new thru date is Feb 28; the
other way round, a Feb 28 that ends February (a common year) becomes Feb 29 in a leap year
(`add_years`). Cycles ending at a month end thus follow each other without a gap or an
overlap. (Only Feb 28 of a leap year, which is not a month end, leaves the Feb 29 after it
to no cycle.)

Instants: a day "begins" at the first instant the zone's calendar shows it (`day_starts_at`):
midnight, or the jump itself when the clocks skip over midnight (a DST change at 00:00, or
Dec 30, 2011 in Samoa); when clocks fall back across midnight the first midnight counts,
so a state never goes back. States compare instants in UTC, however `now` is expressed.

Supported thru dates: `EARLIEST_THRU` to `LATEST_THRU` (every function here is total on
them); imports refuse others (a 12/31/9999 "never expires" would have no grace end).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

CYCLE_YEARS = 3
EARLIEST_THRU = date(1900, 1, 1)
LATEST_THRU = date(2999, 12, 31)


class CertState(StrEnum):
    ACTIVE = "active"  # current, renewal not yet open
    RENEWAL_OPEN = "renewal_open"  # current, in its final year
    GRACE = "grace"  # past the thru date, renewable with a late fee until June 30
    LAPSED = "lapsed"  # past June 30 after the thru date: reinstatement or the exam


def is_supported_thru(thru: date) -> bool:
    return EARLIEST_THRU <= thru <= LATEST_THRU


def _is_end_of_february(day: date) -> bool:
    return day.month == 2 and (day + timedelta(days=1)).month == 3


def add_years(day: date, years: int) -> date:
    """The same day `years` later (earlier when negative); the last day of February stays
    the last day of February (2028-02-29 - 3 y = 2025-02-28; 2025-02-28 + 3 y = 2028-02-29)."""
    year = day.year + years
    if _is_end_of_february(day):
        return date(year, 3, 1) - timedelta(days=1)
    return date(year, day.month, day.day)


def _wall(instant: datetime, zone: ZoneInfo) -> datetime:
    return instant.astimezone(zone).replace(tzinfo=None)


def day_starts_at(day: date, zone: ZoneInfo) -> datetime:
    """The first instant the zone's calendar shows `day` (aware, in the zone).

    Midnight, as a rule. When the clocks jump over midnight, the jump itself; when they fall
    back across midnight (so midnight happens twice), the first midnight."""
    midnight = datetime.combine(day, time(0, 0))
    readings = [midnight.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
    ticks = [instant for instant in readings if _wall(instant, zone) == midnight]
    if ticks:
        return min(ticks).astimezone(zone)
    # Midnight is skipped: fold=1 reads it with the offset after the jump (an instant before
    # it), fold=0 with the offset before (an instant after). Find the jump to the second
    # (zone transitions fall on whole seconds).
    before, after = int(readings[1].timestamp()), int(readings[0].timestamp()) + 1
    while after - before > 1:
        middle = (before + after) // 2
        if _wall(datetime.fromtimestamp(middle, UTC), zone) >= midnight:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC).astimezone(zone)


def _require_aware(now: datetime) -> None:
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("an aware datetime is needed")


def cycle_start(thru: date) -> date:
    """First day of the cycle: the day after the previous thru date, thru - 3 years (Jan 1
    of Y-2 for Dec 31 of Y; Mar 1, 2025 for Feb 29, 2028: see `add_years`)."""
    return add_years(thru, -CYCLE_YEARS) + timedelta(days=1)


def new_thru_date(thru: date) -> date:
    """12/31/2026 -> 12/31/2029; 02/29/2028 -> 02/28/2031 (see `add_years`)."""
    return add_years(thru, CYCLE_YEARS)


def renewal_opens_on(thru: date) -> date:
    """Jan 1 of the cycle's final year."""
    return date(thru.year, 1, 1)


def grace_ends_on(thru: date) -> date:
    """June 30 after the thru date (last day the late renewal is accepted): June 30 of the
    year after the thru date's year, whatever its month."""
    return date(thru.year + 1, 6, 30)


def deadline(thru: date, zone: ZoneInfo) -> datetime:
    """The published deadline: Dec 31 (the thru date), 11:59 PM in the zone — the last
    minute before the cycle ends (`cycle_ends_at`), also when the clocks change that night."""
    return (cycle_ends_at(thru, zone).astimezone(UTC) - timedelta(minutes=1)).astimezone(zone)


def cycle_ends_at(thru: date, zone: ZoneInfo) -> datetime:
    """The first instant the cycle is over: Jan 1 00:00 after the thru date, in the zone."""
    return day_starts_at(thru + timedelta(days=1), zone)


def renewal_opens_at(thru: date, zone: ZoneInfo) -> datetime:
    return day_starts_at(renewal_opens_on(thru), zone)


def lapses_at(thru: date, zone: ZoneInfo) -> datetime:
    """The instant the grace period is over (July 1 00:00 in the zone)."""
    return day_starts_at(grace_ends_on(thru) + timedelta(days=1), zone)


def cert_state(thru: date, zone: ZoneInfo, now: datetime) -> CertState:
    """Compared in UTC: two aware datetimes of the same zone compare by their wall clocks,
    which is wrong for the second pass through a repeated hour."""
    _require_aware(now)
    instant = now.astimezone(UTC)
    if instant < renewal_opens_at(thru, zone).astimezone(UTC):
        return CertState.ACTIVE
    if instant < cycle_ends_at(thru, zone).astimezone(UTC):
        return CertState.RENEWAL_OPEN
    if instant < lapses_at(thru, zone).astimezone(UTC):
        return CertState.GRACE
    return CertState.LAPSED


def is_renewable(state: CertState) -> bool:
    return state in (CertState.RENEWAL_OPEN, CertState.GRACE)


def local_today(zone: ZoneInfo, now: datetime) -> date:
    _require_aware(now)
    return now.astimezone(zone).date()
