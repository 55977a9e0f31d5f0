"""Chat latency: each update answered end to end through the emulator, SQLite, 50,000 members.

Measures, per update, the time from the member's message (or button press) arriving at
the emulator to the bot's answer arriving there, over real HTTP long polling with the real
Application. Target: p99 < 50 ms. Run: `make bench` (or python bench/bench_chat.py).
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydantic import SecretStr

from bot.app import build_application, make_rules
from bot.local import PollingBot
from bot.sample_members import seed
from bot.settings import Settings
from domain.clock import FixedClock
from domain.model import Certification, Member
from storage.database import Database
from storage.migrate import upgrade
from telegram_emulator import TelegramEmulator

MEMBERS = 50_000
ROUNDS = 40  # members who each go through the whole conversation
# Members' messages arrive 60 ms apart: below Telegram's ~30 messages/s, which the bot's
# AIORateLimiter enforces; at that limit the limiter's queueing (not our code) dominates.
PACE = 0.06


async def fill(database: Database) -> None:
    members = [
        Member(f"{200000 + i}", "Test", f"Member{i}", f"m{i}@example.com", None, date(2027, 6, 1))
        for i in range(MEMBERS)
    ]
    certs = [Certification(m.acsm_id, "CPT", date(2024, 1, 1), date(2026, 12, 31)) for m in members]
    async with database.unit_of_work() as uow:
        await uow.members.upsert_many(members, certs)


async def timed(samples: list[float], user, action) -> None:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    await action()
    await user.next_message(timeout=10)
    samples.append((time.perf_counter() - started) * 1000)


async def conversation(samples: dict[str, list[float]], emulator: TelegramEmulator, i: int) -> None:
    user = emulator.new_user(f"M{i}")
    username = f"MEM{200000 + i}"

    async def say(text: str) -> None:
        await user.send(text)

    async def press(label: str) -> None:
        await user.press(label)

    steps = [
        ("/start", lambda: say("/start")),
        ("/login", lambda: say("/login")),
        ("username", lambda: say(username)),
        ("password (default)", lambda: say(username)),
        ("/certifications", lambda: say("/certifications")),
        ("/cecs", lambda: say("/cecs")),
        ("free text", lambda: say("how many CECs do I still need?")),
        ("/renew", lambda: say("/renew")),
        ("contact ok", lambda: press("Yes, correct")),
        ("cpr ok", lambda: press("Yes, it is current")),
        ("acsm cecs", lambda: say("30")),
        ("other cecs", lambda: say("15")),
        ("acknowledge", lambda: press("☐ I acknowledge")),
        ("/invoices", lambda: say("/invoices")),
    ]
    for name, action in steps:
        await asyncio.sleep(PACE)
        await timed(samples.setdefault(name, []), user, action)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        database = Database(url)
        await fill(database)
        async with database.unit_of_work() as uow:
            await seed(uow, 2026)
        clock = FixedClock(datetime(2026, 11, 28, 17, tzinfo=UTC))
        async with TelegramEmulator() as emulator:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                telegram_api_base_url=emulator.base_url,
                telegram_api_base_file_url=emulator.base_file_url,
                payment_provider_token=SecretStr("TEST:provider"),
            )
            app = build_application(
                settings, database, make_rules(settings, clock), token=emulator.token
            )
            samples: dict[str, list[float]] = {}
            async with PollingBot(app):
                for i in range(ROUNDS):
                    await conversation(samples, emulator, i)
        await database.dispose()
    everything = [v for values in samples.values() for v in values]
    without_login = [
        v for name, values in samples.items() if "password" not in name for v in values
    ]
    print(f"chat latency, SQLite, {MEMBERS:,} members, {len(everything)} updates (ms)")
    print(f"{'step':<22}{'p50':>8}{'p99':>8}{'max':>8}")
    for name, values in samples.items():
        print(
            f"{name:<22}{statistics.median(values):8.1f}{percentile(values, 99):8.1f}{max(values):8.1f}"
        )
    print(
        f"{'ALL but argon2 login':<22}{statistics.median(without_login):8.1f}"
        f"{percentile(without_login, 99):8.1f}{max(without_login):8.1f}"
    )
    print(
        f"{'ALL':<22}{statistics.median(everything):8.1f}{percentile(everything, 99):8.1f}{max(everything):8.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
