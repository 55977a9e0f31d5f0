"""When a member is reminded about a certification cycle (pure rules, no I/O).

The schedule is a list of month-days in the cycle's final year and in its grace period (the
year after the thru date); it ships in `catalog.toml` (`[reminders]`) and staff change it
there. On a given day the *latest* scheduled step that is due is the one to send (never a
backlog of missed ones); a step is identified by its key (`final:12-01`, `grace:01-15`), and
storage keeps each (member, cycle, step) at most once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.cycles import grace_ends_on

FINAL, GRACE = "final", "grace"
DEFAULT_FINAL_YEAR = ("01-02", "07-01", "10-01", "12-01", "12-15", "12-28")
DEFAULT_GRACE_PERIOD = ("01-15", "03-01", "06-01")


def _month_day(text: str) -> tuple[int, int]:
    """'12-01' -> (12, 1); refuses what is not a day of every year (so no 02-29)."""
    month_text, _, day_text = str(text).strip().partition("-")
    try:
        if not (month_text + day_text).isascii():  # int() would read other digits
            raise ValueError(text)
        month, day = int(month_text), int(day_text)
        date(2023, month, day)  # a common year: Feb 29 is refused
    except ValueError as exc:
        raise ValueError(f"catalog: reminders: {text!r} is not a MM-DD day") from exc
    return month, day


@dataclass(frozen=True)
class ReminderSchedule:
    final_year: tuple[tuple[int, int], ...]  # (month, day) in the thru date's year
    grace_period: tuple[tuple[int, int], ...]  # (month, day) in the year after, up to 06-30

    @classmethod
    def from_texts(cls, final_year: Iterable[str], grace_period: Iterable[str]) -> ReminderSchedule:
        final = tuple(sorted({_month_day(t) for t in final_year}))
        grace = tuple(sorted({_month_day(t) for t in grace_period}))
        if any(day > (6, 30) for day in grace):
            raise ValueError("catalog: reminders: grace_period days must be on or before 06-30")
        return cls(final, grace)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> ReminderSchedule:
        """The `[reminders]` table of the catalog; missing keys keep the defaults."""
        data = data or {}
        final = data.get("final_year", DEFAULT_FINAL_YEAR)
        grace = data.get("grace_period", DEFAULT_GRACE_PERIOD)
        if not isinstance(final, list | tuple) or not isinstance(grace, list | tuple):
            raise ValueError("catalog: reminders: final_year and grace_period are lists")
        return cls.from_texts(final, grace)

    @classmethod
    def default(cls) -> ReminderSchedule:
        return cls.from_texts(DEFAULT_FINAL_YEAR, DEFAULT_GRACE_PERIOD)


@dataclass(frozen=True)
class ReminderStep:
    key: str  # "final:12-01", "grace:01-15": unique per cycle
    on: date
    grace: bool


def steps_for(thru: date, schedule: ReminderSchedule) -> list[ReminderStep]:
    """Every scheduled step of the cycle ending on `thru`, in date order."""
    steps = [
        ReminderStep(f"{FINAL}:{m:02d}-{d:02d}", date(thru.year, m, d), False)
        for m, d in schedule.final_year
    ]
    steps += [
        ReminderStep(f"{GRACE}:{m:02d}-{d:02d}", date(thru.year + 1, m, d), True)
        for m, d in schedule.grace_period
    ]
    return sorted(steps, key=lambda s: s.on)


def due_step(thru: date, schedule: ReminderSchedule, today: date) -> ReminderStep | None:
    """The latest step on or before `today`, while the cycle can still be renewed by CECs
    (until June 30 after the thru date); None before the first step or once it has lapsed."""
    if today > grace_ends_on(thru):
        return None
    due = [s for s in steps_for(thru, schedule) if s.on <= today]
    return due[-1] if due else None


class Skip:
    """Why a due reminder is not sent (reported in the `reminders send` counts)."""

    OFF = "reminders turned off"
    BLOCKED = "the member blocked the bot"
    TAKEN = "already sent or being sent by another sender"


def reason_to_skip(*, enabled: bool, blocked: bool) -> str | None:
    if not enabled:
        return Skip.OFF
    if blocked:
        return Skip.BLOCKED
    return None


def unpaid(
    certification_ids: Sequence[int], thru: date, paid_cycles: set[tuple[int, date]]
) -> list[int]:
    """The certifications of a cycle whose renewal has not been paid (a paid cycle is never
    reminded, even when an import has not moved its thru date yet)."""
    return [cid for cid in certification_ids if (cid, thru) not in paid_cycles]
