"""Reminders at scale: 5,000 due members against the emulator with Telegram's limits on
(~30 messages/s overall, 1/s per chat), while 20 members chat with the bot.

Reports the reminders' send rate (target: at least 90% of their share, REMINDER_SHARE),
members reminded 0 times (lost) or more than once (duplicated), and the p50/p99 latency of
the chatting members' replies (target p99 < 1 s). SQLite, the real Application over HTTP
long polling. Run: `make bench` (or python bench/bench_reminders.py [--members N]).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.app import build_application, make_rules
from bot.local import PollingBot
from bot.reminders import REMINDER_SHARE, ReminderSender
from bot.settings import Settings
from domain.clock import FixedClock
from domain.model import Certification, Member, TelegramLink
from storage.database import Database
from storage.migrate import upgrade
from telegram_emulator import TelegramEmulator

CHATTERS = 20
THINK = (2.0, 4.0)  # seconds a chatting member waits before the next message
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


async def fill(database: Database, users: list[Any], chatters: int) -> None:
    """Everyone logged in from a chat; the due members' cycles end 12/31/2026 (their final
    year), the chatters' 12/31/2028 (nothing due: what they wait for is only the answer)."""
    members, certs, links = [], [], []
    for i, user in enumerate(users):
        thru = date(2028 if i >= len(users) - chatters else 2026, 12, 31)
        acsm_id = str(300_000 + i)
        members.append(Member(acsm_id, "Test", f"Member{i}", f"m{i}@example.com"))
        certs.append(Certification(acsm_id, "CPT", date(thru.year - 2, 1, 1), thru))
        links.append(TelegramLink(user.id, acsm_id, 0, NOW, NOW))
    async with database.unit_of_work() as uow:
        await uow.members.upsert_many(members, certs)
        for link in links:
            await uow.sessions.save(link)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))]


def answer_after(message_id: int) -> Any:
    return lambda m: m.message_id > message_id and "CECs" in m.text


async def chat(user: Any, samples: list[float], done: asyncio.Event) -> None:
    rng = random.Random(user.id)
    mark = user.messages[-1].message_id
    await asyncio.sleep(rng.uniform(*THINK))
    while not done.is_set():
        started = time.perf_counter()
        await user.send("/cecs")
        reply = await user.wait_for(answer_after(mark), 30)
        samples.append(time.perf_counter() - started)

        mark = reply.message_id
        await asyncio.sleep(rng.uniform(*THINK))


async def main(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        await upgrade(url)
        database = Database(url)
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        rules = make_rules(settings, FixedClock(NOW))
        async with TelegramEmulator() as emulator:
            emulator.rate_limit = True  # Telegram's flood control: 429 beyond its limits
            users = [emulator.new_user(first_name=f"M{i}") for i in range(count + CHATTERS)]
            for user in users:
                user.chat.started = True
            await fill(database, users, CHATTERS)
            due, chatters = users[:count], users[count:]
            local = settings.model_copy(
                update={
                    "telegram_api_base_url": emulator.base_url,
                    "telegram_api_base_file_url": emulator.base_file_url,
                }
            )
            application = build_application(local, database, rules, token=emulator.token)
            async with PollingBot(application):
                sender = ReminderSender(
                    application.bot,
                    database.unit_of_work,
                    rules,
                )
                for user in chatters:  # a bot that has been running a while: warm paths
                    await user.send("/cecs")
                    await user.wait_for(lambda m: "CECs" in m.text, 30)
                samples: list[float] = []
                done = asyncio.Event()
                chatting = [asyncio.create_task(chat(u, samples, done)) for u in chatters]
                started = time.perf_counter()
                counts = await sender.run()
                elapsed = time.perf_counter() - started
                done.set()
                await asyncio.gather(*chatting)
                await emulator.settle(timeout=30, quiet=0.5)
        await database.dispose()
    reminded = [sum("Recertification reminder" in m.text for m in u.messages) for u in due]
    lost = sum(1 for n in reminded if n == 0)
    doubled = sum(1 for n in reminded if n > 1)
    rate = counts.sent / elapsed
    refused = sum(1 for c in emulator.calls if c.status == 429)
    print(f"reminders, SQLite, {count:,} due members + {CHATTERS} chatting, Telegram limits on")
    print(f"  {counts.line()} in {elapsed:.1f} s")
    print(
        f"  send rate {rate:.1f}/s of a {REMINDER_SHARE:.0f}/s share"
        f" ({rate / REMINDER_SHARE:.0%}; target >= 90%)"
    )
    print(f"  lost {lost}, duplicated {doubled}; 429 answers from the emulator: {refused}")
    print(
        f"  interactive replies: {len(samples)}, p50 {statistics.median(samples) * 1000:.0f} ms,"
        f" p99 {percentile(samples, 0.99) * 1000:.0f} ms,"
        f" max {max(samples) * 1000:.0f} ms (target p99 < 1000 ms)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=5_000)
    asyncio.run(main(parser.parse_args().members))
