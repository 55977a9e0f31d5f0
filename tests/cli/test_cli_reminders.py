"""`acsm-bot reminders send [--dry-run]` against the emulator, on today's real date (in this
process, tests/cli/run.py); and run as cron runs it (a real process), killed (SIGKILL) mid-run,
then run again."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.catalog import Catalog
from domain.model import Certification, Member, TelegramLink
from domain.reminders import due_step
from storage.database import Database
from storage.reminder_rows import ReminderSentRow
from telegram_emulator import TelegramEmulator
from tests.cli.run import acsm_bot_async


async def acsm_bot(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    done = await asyncio.wait_for(acsm_bot_async(*args, env=env), timeout=60)
    return done.returncode, done.stdout, done.stderr


def today() -> date:
    return datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()


def due_thru() -> date:
    """A cycle end for which a reminder is due today (the real date, as cron runs it)."""
    now = today()
    thru = date(now.year, 12, 31)
    if due_step(thru, Catalog.default().reminders, now) is None:  # Jan 1: the grace period
        thru = date(now.year - 1, 12, 31)
    return thru


async def test_reminders_send_lists_sends_and_counts(database: Database, database_url: str) -> None:
    thru = due_thru()
    async with TelegramEmulator() as emulator:
        user = emulator.new_user(first_name="Ann")
        user.chat.started = True
        now = datetime.now(UTC)
        async with database.unit_of_work() as uow:
            await uow.members.upsert_many(
                [
                    Member("123456", "Ann", "Lee", "ann@example.com"),
                    Member("654321", "Cy", "Never", "cy@example.com"),  # never logged in
                    Member("777777", "Di", "Later", "di@example.com"),  # nothing due yet
                ],
                [
                    Certification("123456", "CPT", date(thru.year - 2, 1, 1), thru),
                    Certification("654321", "CPT", date(thru.year - 2, 1, 1), thru),
                    Certification(
                        "777777", "CPT", date(thru.year, 1, 1), date(thru.year + 3, 12, 31)
                    ),
                ],
            )
            await uow.sessions.save(TelegramLink(user.id, "123456", 0, now, now))
        env = {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
        }
        code, out, _ = await acsm_bot(env, "reminders", "send", "--dry-run")
        assert code == 0
        assert f"due: member 123456, cycle thru {thru:%m/%d/%Y}" in out
        assert out.strip().endswith("would send 1; sent 0, skipped 0, failed 0")
        *_, unreached, count, _ = out.strip().splitlines()
        step = due_step(thru, Catalog.default().reminders, today()).key  # type: ignore[union-attr]
        assert unreached == (
            f"not reachable: member 654321, cycle thru {thru:%m/%d/%Y}, {step}:"
            " never logged in from a chat (or logged out since)"
        )
        assert count == (
            "1 member with a reminder due is not reachable, never logged in from a chat"
            " (or logged out since): 654321"
        )
        assert "777777" not in out
        assert user.messages == []  # nothing sent, nothing recorded
        code, out, err = await acsm_bot(env, "reminders", "send")
        assert code == 0, err
        assert out.strip().splitlines() == [
            "1 member with a reminder due is not reachable, never logged in from a chat"
            " (or logged out since) (--dry-run lists them)",
            "sent 1, skipped 0, failed 0",  # the contract's line, last and intact
        ]
        assert "Recertification reminder" in user.messages[0].text
        code, out, _ = await acsm_bot(env, "reminders", "send")
        assert (code, out.strip().splitlines()[-1]) == (0, "sent 0, skipped 0, failed 0")
        assert len(user.messages) == 1
        code, _, err = await acsm_bot({**env, "TELEGRAM_BOT_TOKEN": ""}, "reminders", "send")
        assert code == 1 and "TELEGRAM_BOT_TOKEN" in err


async def test_a_sigkill_mid_run_then_a_rerun_reminds_nobody_twice(
    database: Database, database_url: str
) -> None:
    """Killed while Telegram holds one member's reminder: that one is lost (claimed
    "sending" before it went out, so never sent again), the rest go out on the next run,
    and nobody gets two."""
    thru = due_thru()
    async with TelegramEmulator() as emulator:
        users = [emulator.new_user(first_name=f"M{i}") for i in range(6)]
        now = datetime.now(UTC)
        async with database.unit_of_work() as uow:
            await uow.members.upsert_many(
                [Member(f"20000{i}", f"M{i}", "Lee", f"m{i}@example.com") for i in range(6)],
                [
                    Certification(f"20000{i}", "CPT", date(thru.year - 2, 1, 1), thru)
                    for i in range(6)
                ],
            )
            for i, user in enumerate(users):
                user.chat.started = True
                await uow.sessions.save(TelegramLink(user.id, f"20000{i}", 0, now, now))
        env = {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
        }
        held = users[2]
        hold = emulator.hold_next(
            match=lambda m, p: m == "sendMessage" and str(p.get("chat_id")) == str(held.id)
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "reminders", "send", env={**os.environ, **env}
        )
        try:
            await asyncio.wait_for(hold.arrived.wait(), 30)
        finally:
            process.send_signal(signal.SIGKILL)
            await process.wait()
        hold.release()  # the held reminder never arrives
        code, out, err = await acsm_bot(env, "reminders", "send")
        assert code == 0, err
        await emulator.settle(timeout=10, quiet=0.3)
        async with database.connect() as connection:
            status = dict(
                (await connection.execute(select(ReminderSentRow.chat_id, ReminderSentRow.status)))
                .tuples()
                .all()
            )
    got = {user.id: len(user.messages) for user in users}
    assert got[held.id] == 0 and status[held.id] == "sending"
    for user in users:  # each reminded once, or lost in flight when the kill came: never twice
        assert (got[user.id], status[user.id]) in ((1, "sent"), (1, "sending"), (0, "sending"))
    assert sum(got.values()) >= 3, (got, out)  # the run after the kill sent the rest
