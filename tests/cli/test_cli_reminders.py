"""`acsm-bot reminders send [--dry-run]`, run as cron runs it (a subprocess), against the
emulator, on today's real date."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from domain.catalog import Catalog
from domain.model import Certification, Member, TelegramLink
from domain.reminders import due_step
from storage.database import Database
from telegram_emulator import TelegramEmulator


async def acsm_bot(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_reminders_send_lists_sends_and_counts(database: Database, database_url: str) -> None:
    today = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).date()
    thru = date(today.year, 12, 31)
    if due_step(thru, Catalog.default().reminders, today) is None:  # Jan 1: the grace period
        thru = date(today.year - 1, 12, 31)
    async with TelegramEmulator() as emulator:
        user = emulator.new_user(first_name="Ann")
        user.chat.started = True
        now = datetime.now(UTC)
        uow = database.uow_factory()
        async with uow:
            await uow.members.upsert_many(
                [Member("123456", "Ann", "Lee", "ann@example.com")],
                [Certification("123456", "CPT", date(thru.year - 2, 1, 1), thru)],
            )
            await uow.sessions.save(TelegramLink(user.id, "123456", 0, now, now))
            await uow.commit()
        env = {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
        }
        code, out, _ = await acsm_bot(env, "reminders", "send", "--dry-run")
        assert code == 0
        assert f"due: member 123456, cycle thru {thru:%m/%d/%Y}" in out
        assert out.strip().endswith("would send 1; sent 0, skipped 0, failed 0")
        assert user.messages == []  # nothing sent, nothing recorded
        code, out, err = await acsm_bot(env, "reminders", "send")
        assert (code, out.strip()) == (0, "sent 1, skipped 0, failed 0"), err
        assert "Recertification reminder" in user.messages[0].text
        code, out, _ = await acsm_bot(env, "reminders", "send")
        assert (code, out.strip()) == (0, "sent 0, skipped 0, failed 0")
        assert len(user.messages) == 1
        code, _, err = await acsm_bot({**env, "TELEGRAM_BOT_TOKEN": ""}, "reminders", "send")
        assert code == 1 and "TELEGRAM_BOT_TOKEN" in err
