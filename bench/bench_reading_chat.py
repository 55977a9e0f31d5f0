"""Other members' replies while five certificates are read at once, measured in the chat.

Issue 23's target: while five certificates are read at once, other members' replies p99
≤ 200 ms. The real Application (bench/cost_bot.py, `acsm-limited`: its own process, paced
as in production, the default settings: one reading worker, 8 s a reading) against
telegram_emulator over HTTP, SQLite, 1,000 members. The set-up is bench/bench_cost.py's
(members logged in, the bot process, others chatting at random at ~20 messages/s in all
with Telegram's limits on, reply time = the member's message sent to the emulator → the
answer arriving there). Two phases of `--seconds` each:

1. `OTHERS` logged-in members ask "how many CECs do I still need?": their reply times.
2. The same, while `READERS` other members each send a 12-megapixel photo of a certificate
   (tests/certificates/make_corpus.py) at the same moment: others' reply times, and each
   reader's time from the photo sent to the review message (Save / Edit / Cancel) or to the
   answer that nothing could be read.

Run: `make bench` (or python bench/bench_reading_chat.py [--seconds N]).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_cost import (
    LATENCY_RATE,
    SMALL,
    add_members,
    ask,
    limits_on,
    measure_latency,
    percentile,
    running,
    step,
)

from storage.database import Database
from storage.migrate import upgrade
from telegram_emulator import TelegramEmulator
from tests.certificates.make_corpus import make_corpus, photo_of

READERS = 5
OTHERS = 50
READING_TIMEOUT = 120.0  # seconds a reader waits for the review (five queue for one worker)


def certificates(count: int) -> list[bytes]:
    """12-megapixel photos of certificates completed inside the members' cycle (2024-2026)."""
    samples = [s for s in make_corpus(60) if s.truth.completed_on >= date(2024, 1, 1)]
    return [photo_of(sample, megapixels=12) for sample in samples[:count]]


async def read_at_once(readers: list[Any], photos: list[bytes]) -> list[tuple[float, bool]]:
    """Each reader sends a photo at the same moment: (seconds to the answer, reviewed)."""

    async def one(user: Any, photo: bytes) -> tuple[float, bool]:
        started = time.perf_counter()
        await user.send_photo(photo, mime_type="image/jpeg")
        shown = await user.next_message(timeout=READING_TIMEOUT)
        took = time.perf_counter() - started
        reviewed = shown.buttons[:3] == ["Save", "Edit", "Cancel"]
        if reviewed:
            await user.next_message(timeout=READING_TIMEOUT)  # "Or is it the certificate of…"
        return took, reviewed

    return await asyncio.gather(*(one(u, p) for u, p in zip(readers, photos, strict=True)))


async def chat_while(users: list[Any], busy: asyncio.Task[Any]) -> tuple[list[float], int]:
    """bench_cost.measure_latency's members (same rate, same question), for as long as the
    readings last rather than a fixed time: only replies asked while they are read count."""
    rng = random.Random(23)
    mean_gap = len(users) / LATENCY_RATE
    samples: list[float] = []
    lost = 0

    async def member(user: Any) -> None:
        nonlocal lost
        await asyncio.sleep(rng.uniform(0, mean_gap))
        while not busy.done():
            try:
                samples.append(await ask(user) * 1000)
            except TimeoutError:
                lost += 1
            gap = max(1.1, rng.expovariate(1 / mean_gap))
            await asyncio.wait({busy}, timeout=gap)

    await asyncio.gather(*(member(u) for u in users))
    return samples, lost


async def cancel(user: Any) -> None:
    """The review left unsaved, ready for the next round."""
    await user.send("/cancel")
    await user.next_message(timeout=READING_TIMEOUT)


def line(label: str, samples: list[float], lost: int) -> str:
    return (
        f"  {label:<44} {len(samples):5d} replies   p50 {statistics.median(samples):6.1f} ms"
        f"   p99 {percentile(samples, 99):6.1f} ms   max {max(samples):7.1f} ms   lost {lost}"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="the quiet phase")
    parser.add_argument("--rounds", type=int, default=2, help="five photos at once, N times")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    photos = certificates(READERS * args.rounds)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        await upgrade(url)
        database = Database(url)
        await add_members(database, 0, SMALL)
        try:
            async with TelegramEmulator(spec=None) as emulator:
                users = [emulator.new_user(f"M{i}") for i in range(OTHERS + READERS)]
                others, readers = users[:OTHERS], users[OTHERS:]
                async with running("acsm-limited", emulator, tmp, url):
                    with limits_on(emulator):
                        await measure_latency(others, 3)  # warm up
                        quiet, quiet_lost = await measure_latency(others, args.seconds)
                        busy: list[float] = []
                        busy_lost = 0
                        readings: list[tuple[float, bool]] = []
                        for round_ in range(args.rounds):
                            step(f"{READERS} members send a 12 MP photo at once")
                            batch = photos[round_ * READERS : (round_ + 1) * READERS]
                            reading = asyncio.create_task(read_at_once(readers, batch))
                            samples, lost = await chat_while(others, reading)
                            busy += samples
                            busy_lost += lost
                            readings += await reading
                            await asyncio.gather(*(cancel(user) for user in readers))
        finally:
            await database.dispose()
    times = [took for took, _ in readings]
    print(
        f"\nothers' replies ({OTHERS} logged-in members asking at ~20 messages/s in all, "
        "Telegram's limits on), SQLite:"
    )
    print(line("without readings", quiet, quiet_lost))
    print(line(f"while {READERS} 12 MP photos are read at once", busy, busy_lost))
    print(
        f"  the readings ({args.rounds} × {READERS} at once), photo sent → review shown: "
        f"p50 {statistics.median(times):.1f} s, max {max(times):.1f} s "
        f"({sum(r for _, r in readings)}/{len(readings)} reviewed, the rest asked the questions)"
    )


if __name__ == "__main__":
    asyncio.run(main())
