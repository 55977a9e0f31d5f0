"""The reminder schedule: which step is due on a day (pure, no clock but the day given)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.catalog import Catalog
from domain.reminders import ReminderSchedule, due_step, steps_for

THRU = date(2026, 12, 31)
DEFAULT = Catalog.default().reminders


def test_the_shipped_catalog_has_the_contract_schedule() -> None:
    assert [s.on for s in steps_for(THRU, DEFAULT)] == [
        date(2026, 1, 2),
        date(2026, 7, 1),
        date(2026, 10, 1),
        date(2026, 12, 1),
        date(2026, 12, 15),
        date(2026, 12, 28),
        date(2027, 1, 15),
        date(2027, 3, 1),
        date(2027, 6, 1),
    ]
    assert [s.grace for s in steps_for(THRU, DEFAULT)] == [False] * 6 + [True] * 3


def test_every_day_of_the_cycle_has_the_latest_step_due_and_never_a_backlog() -> None:
    day, seen = date(2025, 12, 1), []
    while day <= date(2027, 8, 1):
        step = due_step(THRU, DEFAULT, day)
        if step is not None:
            assert step.on <= day
            later = [s for s in steps_for(THRU, DEFAULT) if step.on < s.on <= day]
            assert later == []  # the latest one, nothing older offered instead
            if not seen or seen[-1] != step.key:
                seen.append(step.key)
        day += timedelta(days=1)
    assert seen == [s.key for s in steps_for(THRU, DEFAULT)]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 1), None),  # renewal open, first step tomorrow
        (date(2026, 1, 2), "final:01-02"),
        (date(2026, 11, 15), "final:10-01"),  # logs in late: only the latest due step
        (date(2026, 12, 31), "final:12-28"),
        (date(2027, 1, 1), "final:12-28"),
        (date(2027, 6, 30), "grace:06-01"),
        (date(2027, 7, 1), None),  # lapsed
    ],
)
def test_due_step_on_a_day(day: date, expected: str | None) -> None:
    step = due_step(THRU, DEFAULT, day)
    assert (step.key if step else None) == expected


def test_staff_change_the_schedule_in_the_catalog_file() -> None:
    catalog = Catalog.from_toml(
        '[certifications.CPT]\nname = "CPT"\ncecs = "45"\nfee = "45.00"\n'
        '[reminders]\nfinal_year = ["11-30", "06-01"]\ngrace_period = ["02-01"]\n'
    )
    assert [s.key for s in steps_for(THRU, catalog.reminders)] == [
        "final:06-01",
        "final:11-30",
        "grace:02-01",
    ]
    assert (
        Catalog.from_toml('[certifications.CPT]\nname = "CPT"\ncecs = "45"\nfee = "45"\n').reminders
        == ReminderSchedule.default()
    )


@pytest.mark.parametrize(
    "table",
    [
        'final_year = ["13-01"]',
        'final_year = ["02-29"]',
        'grace_period = ["07-01"]',
        'final_year = "12-01"',
        'final_year = ["\u0661\u0662-\u0660\u0661"]',  # Arabic-Indic digits: ASCII only
    ],
)
def test_a_bad_schedule_is_refused(table: str) -> None:
    with pytest.raises(ValueError, match="reminders"):
        Catalog.from_toml(
            f'[certifications.CPT]\nname = "CPT"\ncecs = "45"\nfee = "45"\n[reminders]\n{table}\n'
        )
