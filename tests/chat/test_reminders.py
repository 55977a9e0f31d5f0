"""Reminders before Dec 31, driven through the real Application and the emulator, with an
injected clock: the whole final year and grace period, payment, the off switch, a restart
on reminder day, a kill mid-run, a blocked member, two senders at once, Telegram errors."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.app import build_application
from bot.local import PollingBot
from bot.reminders import ReminderSender, schedule_reminders
from domain.clock import FixedClock
from domain.model import Invoice, InvoiceLine, InvoiceStatus, Member, TelegramLink
from domain.reminders import steps_for
from storage.database import Database
from storage.reminder_rows import ReminderSentRow
from telegram_emulator import TelegramEmulator
from tests.chat.conftest import ANN, ChatBot, ask, log_in, quiet, shows

NY = ZoneInfo("America/New_York")
REMINDER = "Recertification reminder"


def at(day: date, hour: int = 10, minute: int = 30) -> datetime:
    return datetime.combine(day, time(hour, minute), NY).astimezone(UTC)


def reminders_in(user: Any) -> list[Any]:
    return [m for m in user.messages if REMINDER in m.text]


def sender_of(bot: ChatBot, **options: Any) -> ReminderSender:
    assert bot._polling is not None
    application = bot._polling.application
    return ReminderSender(application.bot, bot.database.unit_of_work, bot.rules, **options)


async def ann_logged_in(bot: ChatBot) -> Any:
    ann = bot.emulator.new_user(first_name="Ann")
    assert "Welcome" in (await log_in(ann, ANN)).text
    return ann


async def members_with_chats(emulator: TelegramEmulator, database: Database, n: int) -> list[Any]:
    """n members (CPT thru 12/31/2026) each logged in from a started chat (sessions written
    directly: logging in 2 x n members by chat would only test the login again)."""
    from domain.model import Certification

    now = datetime(2026, 11, 1, tzinfo=UTC)
    users = []
    members, certs, links = [], [], []
    for i in range(n):
        user = emulator.new_user(first_name=f"M{i}")
        user.chat.started = True
        acsm_id = str(200_000 + i)
        members.append(Member(acsm_id, f"M{i}", "Test", f"m{i}@example.com"))
        certs.append(Certification(acsm_id, "CPT", date(2024, 1, 1), date(2026, 12, 31)))
        links.append(TelegramLink(user.id, acsm_id, 0, now, now))
        users.append(user)
    async with database.unit_of_work() as uow:
        await uow.members.upsert_many(members, certs)
        for link in links:
            await uow.sessions.save(link)
    return users


async def test_one_member_through_a_whole_final_year_and_grace_period(
    bot: ChatBot, clock: FixedClock
) -> None:
    clock.set(at(date(2025, 12, 20)))
    ann = await ann_logged_in(bot)
    sender = sender_of(bot)
    steps = steps_for(date(2026, 12, 31), bot.rules.catalog.reminders)
    days = [date(2026, 1, 1)] + [d for s in steps for d in (s.on, s.on + timedelta(days=1))]
    days += [date(2027, 7, 1)]  # lapsed: nothing more
    sent_on = []
    for day in days:
        clock.set(at(day))
        counts = await sender.run()
        sent_on += [day] * counts.sent
        assert counts.failed == 0
    assert sent_on == [s.on for s in steps]  # each step once, on its day, nothing else
    await quiet(bot.emulator)
    texts = [m.text for m in reminders_in(ann)]
    assert len(texts) == 9
    first, grace = texts[0], texts[-1]
    assert "12/31/2026, 11:59 PM Eastern" in first
    assert "You still need 15 CECs out of 45." in first  # the same count /cecs gives
    assert "Fee: $45.00." in first
    assert "expired on 12/31/2026" in grace and "until 06/30/2027" in grace
    assert "Fee: $125.00, including the $80.00 late fee." in grace
    message = reminders_in(ann)[0]
    assert message.button("Log an activity")["callback_data"] == "cec:add"
    clock.set(at(date(2026, 12, 2)))
    await log_in(ann, ANN)  # the session had been idle for months
    await ann.press("Log an activity")  # the tracker's /addcec
    await shows(ann, lambda m: "title" in m.text)
    await ann.send("/cancel")
    await ann.press("Renew now")  # starts the existing renewal conversation
    await shows(ann, lambda m: "Step 1 of 5" in m.text)


async def test_none_after_the_cycle_is_paid_and_none_when_turned_off(
    bot: ChatBot, clock: FixedClock
) -> None:
    ann = await ann_logged_in(bot)
    sender = sender_of(bot)
    reply = await ask(ann, "/reminders")
    assert "Reminders are <b>on</b>" in reply.text or "Reminders are on" in reply.text
    await ann.press("Turn reminders off")
    await ann.wait_for(lambda m: "Reminders are off" in m.text or "<b>off</b>" in m.text)
    clock.set(at(date(2026, 12, 1)))
    assert (await sender.run()).line() == "sent 0, skipped 1, failed 0"
    await ann.press("Turn reminders on")
    await ann.wait_for(lambda m: "are on" in m.text or "<b>on</b>" in m.text)
    assert (await sender.run()).line() == "sent 1, skipped 0, failed 0"
    # Paid: no reminder for that cycle, even before an import moves its thru date.
    async with bot.database.unit_of_work() as uow:
        cert = (await uow.certifications.for_member("100001"))[0]
        assert cert.id is not None
        await uow.invoices.add(
            Invoice(
                number="R000001",
                acsm_id="100001",
                issued_on=date(2026, 12, 2),
                description="Recertification thru 12/31/2029",
                amount_cents=4500,
                balance_cents=0,
                lines=[InvoiceLine(cert.id, "CPT", cert.thru_date, date(2029, 12, 31))],
                status=InvoiceStatus.PAID,
            )
        )
    for day in (date(2026, 12, 15), date(2026, 12, 28), date(2027, 1, 15)):
        clock.set(at(day))
        assert (await sender.run()).line() == "sent 0, skipped 0, failed 0"
    await quiet(bot.emulator)
    assert len(reminders_in(ann)) == 1


async def test_the_switch_is_the_pressing_members_own(bot: ChatBot) -> None:
    ann = await ann_logged_in(bot)
    await ask(ann, "/reminders")
    stranger = bot.emulator.new_user(first_name="Mallory")
    await stranger.send("/start")
    await quiet(bot.emulator)
    message = ann.messages[-1]
    await stranger.press_data(message.message_id, "rem:off")  # a forged press, foreign chat
    await quiet(bot.emulator)
    assert any("log in" in m.text for m in stranger.messages)
    async with bot.database.unit_of_work() as uow:
        assert await uow.reminders.enabled("100001")


async def test_a_restart_on_reminder_day_sends_once(
    emulator: TelegramEmulator, database: Database, bot: ChatBot, clock: FixedClock
) -> None:
    ann = await ann_logged_in(bot)
    await bot.stop()
    clock.set(at(date(2026, 12, 1), hour=11))  # after REMINDER_TIME: the bot was down at 10:00
    for _ in range(2):  # start, then restart the same day
        application = build_application(bot.settings, database, bot.rules, token=emulator.token)
        job = schedule_reminders(application, database.unit_of_work, bot.rules, time(10, 0))
        async with PollingBot(application):
            await asyncio.wait_for(job.finished.wait(), 10)  # the catch-up, 1 s after start
    assert len(reminders_in(ann)) == 1


async def test_a_kill_mid_run_resumes_with_nobody_reminded_twice(
    emulator: TelegramEmulator, database: Database, bot: ChatBot, clock: FixedClock
) -> None:
    users = await members_with_chats(emulator, database, 6)
    clock.set(at(date(2026, 12, 1)))
    third = users[2]
    hold = emulator.hold_next(
        match=lambda m, p: m == "sendMessage" and str(p.get("chat_id")) == str(third.id)
    )
    run = asyncio.create_task(sender_of(bot, workers=1).run())
    await hold.arrived.wait()
    run.cancel()  # killed while Telegram holds the third reminder
    await asyncio.gather(run, return_exceptions=True)
    hold.release()  # it never arrives
    counts = await sender_of(bot).run()
    assert counts.line() == "sent 3, skipped 0, failed 0"  # the rest; none twice
    await quiet(emulator)
    got = [len(reminders_in(u)) for u in users]
    assert got == [1, 1, 0, 1, 1, 1]  # the one in flight is lost, not doubled
    async with database.connect() as connection:
        statuses = dict(
            (
                await connection.execute(select(ReminderSentRow.chat_id, ReminderSentRow.status))
            ).all()
        )
    assert statuses[third.id] == "sending"


async def test_a_member_who_blocked_the_bot_is_skipped_until_they_write_again(
    bot: ChatBot, clock: FixedClock
) -> None:
    ann = await ann_logged_in(bot)
    ann.block()
    clock.set(at(date(2026, 12, 1)))
    sender = sender_of(bot)
    assert (await sender.run()).line() == "sent 0, skipped 0, failed 1"  # 403
    tries = len(bot.emulator.calls_to("sendMessage"))
    assert (await sender.run()).line() == "sent 0, skipped 1, failed 0"
    assert len(bot.emulator.calls_to("sendMessage")) == tries  # not even tried
    ann.unblock()
    await ask(ann, "/start")
    assert (await sender.run()).line() == "sent 1, skipped 0, failed 0"
    await quiet(bot.emulator)
    assert len(reminders_in(ann)) == 1


async def test_two_senders_at_once_never_duplicate(
    emulator: TelegramEmulator, database: Database, bot: ChatBot, clock: FixedClock
) -> None:
    users = await members_with_chats(emulator, database, 12)
    clock.set(at(date(2026, 12, 1)))
    first, second = await asyncio.gather(sender_of(bot).run(), sender_of(bot).run())
    assert first.sent + second.sent == 12
    assert first.failed == second.failed == 0
    await quiet(emulator)
    assert [len(reminders_in(u)) for u in users] == [1] * 12


async def test_telegram_429_and_5xx_are_retried_without_sending_twice(
    emulator: TelegramEmulator, database: Database, bot: ChatBot, clock: FixedClock
) -> None:
    users = await members_with_chats(emulator, database, 2)
    clock.set(at(date(2026, 12, 1)))
    emulator.fail_next("sendMessage", 502, times=2)
    assert (await sender_of(bot, workers=1).run()).line() == "sent 2, skipped 0, failed 0"
    clock.set(at(date(2026, 12, 15)))
    emulator.fail_next("sendMessage", 429, retry_after=1)
    assert (await sender_of(bot, workers=1).run()).line() == "sent 2, skipped 0, failed 0"
    await quiet(emulator)
    assert [len(reminders_in(u)) for u in users] == [2, 2]


async def test_the_demo_shows_a_newcomer_a_reminder(tmp_path: Any) -> None:
    import io

    import pytest

    from bot.demo import run_demo
    from bot.settings import Settings
    from domain.catalog import Catalog
    from domain.reminders import due_step

    today = datetime.now(UTC).astimezone(NY).date()
    if due_step(date(today.year, 12, 31), Catalog.default().reminders, today) is None:
        pytest.skip("Jan 1: the demo's renewal-open member has no reminder due yet")
    lines = ["/login", "LEE100001", "LEE100001", "/remindnow", "/help", "/remindnow", "/help"]
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    await asyncio.wait_for(
        run_demo(settings, database_path=tmp_path / "demo.db", stdin=stdin, stdout=stdout), 60
    )
    output = stdout.getvalue()
    assert "/remindnow sends the reminders due today" in output
    assert "Reminders: sent 1, skipped 0, failed 0" in output  # Ann's cycle ends this Dec 31
    assert REMINDER in output
    assert "Reminders: sent 0, skipped 0, failed 0" in output  # each step once
    # /remindnow, registered by the demo after the bot's own handlers, is a known command.
    assert "do not know the command" not in output


async def test_remindnow_says_sending_then_the_reminders_then_the_counts(
    emulator: TelegramEmulator, database: Database, bot: ChatBot, clock: FixedClock
) -> None:
    from bot.reminders import REMIND_NOW, add_remind_now

    await bot.stop()
    clock.set(at(date(2026, 12, 1)))  # Ann's Dec 1 reminder is due; the daily run is at 23:00
    application = build_application(bot.settings, database, bot.rules, token=emulator.token)
    job = schedule_reminders(application, database.unit_of_work, bot.rules, time(23, 0))
    add_remind_now(application, group=0)
    async with PollingBot(application):
        ann = await ann_logged_in(bot)
        # "Sending…" is held on its way: whatever sends it must send nothing else meanwhile
        # (the run, given up to 2 s to finish, must not overtake it).
        hold = emulator.hold_next(
            match=lambda method, params: (
                method == "sendMessage"
                and str(params.get("text", "")).startswith("Sending the reminders")
            )
        )
        await ann.send("/remindnow")
        await asyncio.wait_for(hold.arrived.wait(), 15)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(job.finished.wait(), 2)
        hold.release(execute=True)
        await shows(ann, lambda m: m.text.startswith("Reminders: "))
        assert job.finished.is_set()
    texts = [m.text for m in ann.messages]
    start = texts.index(REMIND_NOW)
    after = texts[start:]
    assert len(after) == 3, after
    assert REMINDER in after[1]
    assert after[2] == "Reminders: sent 1, skipped 0, failed 0"
