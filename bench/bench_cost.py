"""The cost of one update, beside a bare python-telegram-bot echo bot, through the emulator.

One run drives, over real HTTP through telegram_emulator, (a) a bare echo bot and (b) our
bot on SQLite and, when ACSM_TEST_POSTGRES_URL (or --postgres URL) is given, on PostgreSQL
(in a database of its own, dropped at the end). Each bot runs in its own process
(bench/cost_bot.py): its CPU time (all its threads, read from /proc) is its own, not the
emulator's nor the simulated members'. Members ask "how many CECs do I still need?".

- CPU ms per update: the bot process's CPU time over a closed-loop run (100 logged-in
  members, each asking again as soon as answered), with Telegram's limits off; and the
  ratio to the bare echo bot's. CPU time, not wall time: the machine is shared.
- updates/s with Telegram's limits off and on (the emulator's flood control: ~30 messages/s
  overall, 1/s per chat), same closed loop.
- p50/p99 latency, message sent to answer received, with 200 members chatting below the
  limits (about 20 messages/s in all, limits on).
- CPU ms per update with 1,000 and with 50,000 members in the database.

Wall-clock figures (updates/s, latency) are indicative: the emulator and the members share
the machine with the bot. PostgreSQL's own server CPU is not counted (another process).

Run: `make bench` (or `python bench/bench_cost.py [--quick] [--postgres URL] [--profile]`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pstats
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from domain.model import CecActivity, Certification, Member, TelegramLink  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from telegram_emulator import TelegramEmulator  # noqa: E402
from telegram_emulator.flood import FloodControl  # noqa: E402

QUESTION = "how many CECs do I still need?"
COST_MEMBERS = 100  # logged-in members asking in the closed loop
LATENCY_MEMBERS = 200  # members chatting below the limits
LATENCY_RATE = 20.0  # messages/s in all, below Telegram's ~30/s
SMALL, LARGE = 1_000, 50_000  # members in the database
FIRST_USER_ID = 5_550_001  # the emulator's first user id
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
REPLY_TIMEOUT = 30.0
BURST_EACH = 10  # questions per member in the burst (COST_MEMBERS members: 1,000 in all)
BURST_TIMEOUT = 180.0  # paced at ~30 replies/s, a burst of 1,000 takes over 30 s
DOWNLOAD_SECONDS = 8.0
CERTIFICATE = b"%PDF-1.7\n%certificate of completion\n" + bytes(range(256)) * 8


@dataclass
class Sizes:
    rounds: int  # closed-loop rounds per member (CPU, limits off)
    limited_seconds: float
    latency_seconds: float


FULL = Sizes(rounds=10, limited_seconds=12, latency_seconds=25)
QUICK = Sizes(rounds=3, limited_seconds=5, latency_seconds=10)


@dataclass
class Result:
    name: str
    cpu_ms: float | None = None  # per update, limits off, SMALL members
    cpu_ms_large: float | None = None  # per update, limits off, LARGE members
    burst_ms: float | None = None  # CPU per update, a burst at once, limits on
    download_p99: float | None = None  # others' p99 ms while a download takes 8 s
    rate_off: float | None = None  # updates/s
    rate_on: float | None = None
    p50: float | None = None
    p99: float | None = None
    lost: int = 0  # questions never answered
    notes: list[str] = field(default_factory=list)


# -- the database -------------------------------------------------------------------


def member_id(i: int) -> str:
    return f"{200000 + i}"


async def add_members(database: Database, start: int, stop: int) -> None:
    """Members start..stop-1 (a CPT each, thru 12/31/2026); the first LATENCY_MEMBERS are
    logged in as the emulator's users (in creation order) and have ACSM CECs recorded."""
    batch = 10_000
    for first in range(start, stop, batch):
        ids = range(first, min(stop, first + batch))
        members = [Member(member_id(i), "Test", f"Member{i}", f"m{i}@example.com") for i in ids]
        certs = [
            Certification(m.acsm_id, "CPT", date(2024, 1, 1), date(2026, 12, 31)) for m in members
        ]
        async with database.unit_of_work() as uow:
            await uow.members.upsert_many(members, certs)
    if start > 0:
        return
    at = datetime(2026, 11, 28, 17, tzinfo=UTC)
    async with database.unit_of_work() as uow:
        activities = [
            CecActivity(member_id(i), date(2025, 3 + k, 10), f"Workshop {k}", "ACSM", Decimal(5))
            for i in range(LATENCY_MEMBERS)
            for k in range(3)
        ]
        await uow.cecs.add_many(activities)
        for i in range(LATENCY_MEMBERS):
            await uow.sessions.save(TelegramLink(FIRST_USER_ID + i, member_id(i), 0, at, at))


async def admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@contextlib.asynccontextmanager
async def bench_database(
    kind: str, tmp: Path, postgres: str | None, file_name: str = "bench.db"
) -> Any:
    """A database for one benchmark: an SQLite file in `tmp`, or a PostgreSQL database of its
    own on the `postgres` server, dropped at the end."""
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp / file_name}"
        return
    assert postgres is not None
    base = make_url(postgres)
    name = f"acsm_bench_{uuid.uuid4().hex[:10]}"
    url = base.set(database=name).render_as_string(hide_password=False)
    await admin(postgres, f'CREATE DATABASE "{name}"')
    try:
        yield url
    finally:
        await admin(postgres, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- the bot process ----------------------------------------------------------------


class BotProcess:
    def __init__(self, kind: str, emulator: TelegramEmulator, tmp: Path, url: str = "") -> None:
        self.kind = kind
        self.log = tmp / f"{kind}.log"
        self.profile = tmp / f"{kind}.prof"
        args = [kind, emulator.base_url, emulator.base_file_url, emulator.token]
        env = {**os.environ, "ACSM_BENCH_PROFILE": str(self.profile)}
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(  # noqa: S603
                [
                    sys.executable,
                    str(ROOT / "bench" / "cost_bot.py"),
                    *args,
                    *([url] if url else []),
                ],
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                cwd=ROOT,
            )

    async def ready(self) -> None:
        assert self.process.stdout is not None
        line = await asyncio.to_thread(self.process.stdout.readline)
        if line.strip() != b"ready":
            raise RuntimeError(f"{self.kind} did not start:\n{self.log.read_text()[-3000:]}")

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process, all threads (Linux /proc)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    async def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)


# -- the members --------------------------------------------------------------------


async def ask(user: Any) -> float:
    started = time.perf_counter()
    await user.send(QUESTION)
    await user.next_message(timeout=REPLY_TIMEOUT)
    return time.perf_counter() - started


async def closed_loop(users: list[Any], rounds: int | None, seconds: float | None) -> int:
    """Each member asks again as soon as answered; returns how many answers arrived."""
    deadline = time.perf_counter() + (seconds or 1e9)
    answered = 0

    async def member(user: Any) -> None:
        nonlocal answered
        done = 0
        while (rounds is None or done < rounds) and time.perf_counter() < deadline:
            await ask(user)
            done += 1
            answered += 1

    await asyncio.gather(*(member(u) for u in users))
    return answered


async def measure_cost(bot: BotProcess, users: list[Any], rounds: int) -> tuple[float, float]:
    """(CPU ms per update, updates/s) over a closed loop, limits off."""
    step(f"{bot.kind}: {len(users) * rounds} updates, limits off")
    await closed_loop(users, 1, None)  # warm up: every member once
    cpu, wall = bot.cpu_seconds(), time.perf_counter()
    answered = await closed_loop(users, rounds, None)
    cpu, wall = bot.cpu_seconds() - cpu, time.perf_counter() - wall
    return cpu / answered * 1000, answered / wall


@contextlib.contextmanager
def limits_on(emulator: TelegramEmulator) -> Any:
    """Telegram's limits on in the emulator (the bot paces itself: a `-limited` kind)."""
    emulator.flood = FloodControl()
    emulator.rate_limit = True
    try:
        yield
    finally:
        emulator.rate_limit = False


@contextlib.asynccontextmanager
async def running(kind: str, emulator: TelegramEmulator, tmp: Path, url: str = "") -> Any:
    bot = BotProcess(kind, emulator, tmp, url)
    try:
        await bot.ready()
        yield bot
    except BaseException:
        print(f"{kind} log:\n{bot.log.read_text()[-3000:]}", file=sys.stderr)
        raise
    finally:
        await bot.stop()


async def measure_burst(bot: BotProcess, users: list[Any], each: int) -> float:
    """CPU ms per update when every member sends `each` questions at once, Telegram's limits
    on: the updates wait their turn (paced replies), as in a real rush."""
    step(f"{bot.kind}: a burst of {len(users) * each} questions at once, limits on")
    await closed_loop(users, 1, None)  # warm up: every member once
    cpu = bot.cpu_seconds()
    await asyncio.gather(*(user.send(QUESTION) for _ in range(each) for user in users))

    async def answered(user: Any) -> None:
        for _ in range(each):
            await user.next_message(timeout=BURST_TIMEOUT)

    await asyncio.gather(*(answered(user) for user in users))
    return (bot.cpu_seconds() - cpu) / (len(users) * each) * 1000


async def to_proof_step(user: Any) -> None:
    """The member is at /addcec's last step: send the certificate."""
    for answer in ("/addcec", "Squat clinic", "NSCA", "03/15/2026", "2.5"):
        await user.send(answer)
        await user.next_message(timeout=REPLY_TIMEOUT)
    await user.press("Other organization")
    await user.next_message(timeout=REPLY_TIMEOUT)


async def measure_during_download(
    emulator: TelegramEmulator, downloader: Any, users: list[Any]
) -> tuple[list[float], int]:
    """Others' reply times while one member's certificate takes DOWNLOAD_SECONDS to fetch."""
    await to_proof_step(downloader)
    emulator.slow_next_download(DOWNLOAD_SECONDS)
    await downloader.send_document("certificate.pdf", CERTIFICATE, "application/pdf")
    step(f"a certificate download taking {DOWNLOAD_SECONDS:.0f} s; {len(users)} others chatting")
    samples, lost = await measure_latency(users, DOWNLOAD_SECONDS)
    reply = await downloader.next_message(timeout=REPLY_TIMEOUT)
    assert "Logged with its certificate" in reply.text, reply.text
    return samples, lost


async def measure_limited(users: list[Any], seconds: float) -> float:
    step(f"{seconds:.0f} s with Telegram's limits on")
    started = time.perf_counter()
    answered = await closed_loop(users, None, seconds)
    return answered / (time.perf_counter() - started)


async def measure_latency(users: list[Any], seconds: float) -> tuple[list[float], int]:
    """Members chatting at random below the limits (LATENCY_RATE messages/s in all)."""
    step(f"{seconds:.0f} s of {len(users)} members chatting below the limits")
    rng = random.Random(12)
    mean_gap = len(users) / LATENCY_RATE
    deadline = time.perf_counter() + seconds
    samples: list[float] = []
    lost = 0

    async def member(user: Any) -> None:
        nonlocal lost
        await asyncio.sleep(rng.uniform(0, mean_gap))
        while time.perf_counter() < deadline:
            try:
                samples.append(await ask(user) * 1000)
            except TimeoutError:
                lost += 1
            gap = max(1.1, rng.expovariate(1 / mean_gap))
            await asyncio.sleep(min(gap, max(0.0, deadline - time.perf_counter())))

    await asyncio.gather(*(member(u) for u in users))
    return samples, lost


STARTED = time.perf_counter()


def step(what: str) -> None:
    print(f"[{time.perf_counter() - STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


# -- the runs -----------------------------------------------------------------------


async def run_echo(sizes: Sizes, tmp: Path, full: bool) -> list[Result]:
    bare, limited = Result("echo"), Result("echo-limited")
    async with TelegramEmulator(spec=None) as emulator:
        users = [emulator.new_user(f"M{i}") for i in range(LATENCY_MEMBERS)]
        async with running("echo", emulator, tmp) as bot:
            bare.cpu_ms, bare.rate_off = await measure_cost(bot, users[:COST_MEMBERS], sizes.rounds)
        if full:
            async with running("echo-limited", emulator, tmp) as bot:
                with limits_on(emulator):
                    limited.burst_ms = await measure_burst(bot, users[:COST_MEMBERS], BURST_EACH)
                    limited.rate_on = await measure_limited(
                        users[:COST_MEMBERS], sizes.limited_seconds
                    )
                    samples, limited.lost = await measure_latency(users, sizes.latency_seconds)
                limited.p50, limited.p99 = statistics.median(samples), percentile(samples, 99)
    return [bare, limited] if full else [bare]


async def run_ours(db: str, url: str, sizes: Sizes, tmp: Path, profile: bool) -> Result:
    result = Result(f"ours, {db}")
    await upgrade(url)
    database = Database(url)
    await add_members(database, 0, SMALL)
    try:
        async with TelegramEmulator(spec=None) as emulator:
            users = [emulator.new_user(f"M{i}") for i in range(LATENCY_MEMBERS)]
            async with running("acsm", emulator, tmp, url) as bot:
                result.cpu_ms, result.rate_off = await measure_cost(
                    bot, users[:COST_MEMBERS], sizes.rounds
                )
                samples, lost = await measure_during_download(
                    emulator, users[-1], users[COST_MEMBERS : LATENCY_MEMBERS - 1]
                )
                result.download_p99, result.lost = percentile(samples, 99), lost
            async with running("acsm-limited", emulator, tmp, url) as bot:
                with limits_on(emulator):
                    result.burst_ms = await measure_burst(bot, users[:COST_MEMBERS], BURST_EACH)
                    result.rate_on = await measure_limited(
                        users[:COST_MEMBERS], sizes.limited_seconds
                    )
                    samples, lost = await measure_latency(users, sizes.latency_seconds)
                result.p50, result.p99 = statistics.median(samples), percentile(samples, 99)
                result.lost += lost
            step(f"{LARGE:,} members in the database")
            await add_members(database, SMALL, LARGE)
            async with running("acsm", emulator, tmp, url) as bot:
                result.cpu_ms_large, _ = await measure_cost(bot, users[:COST_MEMBERS], sizes.rounds)
                if profile:
                    bot.signal(signal.SIGUSR1)
                    await closed_loop(users[:COST_MEMBERS], sizes.rounds, None)
                    bot.signal(signal.SIGUSR2)
                    await asyncio.sleep(1)
                    kept = Path(tempfile.gettempdir()) / f"acsm-bench-{db}.prof"
                    bot.profile.replace(kept)
                    print_profile(result.name, kept)
    finally:
        await database.dispose()
    return result


async def run_paired(
    db: str, url: str, tmp: Path, repeats: int, rounds: int, *, burst: bool = False
) -> None:
    """The closed loop (limits off) for the echo bot and ours, both processes running, each
    with its own emulator, in alternating order `repeats` times: the ratio of each pair is
    taken under the same load, and the median of the ratios printed. On a shared machine
    single figures swing by ±30 %; the paired ratio is the figure to trust.
    `burst`: the same for the burst (Telegram's limits on, echo-limited beside
    acsm-limited; about 35 s per burst)."""
    await upgrade(url)
    database = Database(url)
    await add_members(database, 0, SMALL)
    try:
        async with (
            TelegramEmulator(spec=None) as echo_emulator,
            TelegramEmulator(spec=None) as our_emulator,
        ):
            echo_users = [echo_emulator.new_user(f"M{i}") for i in range(COST_MEMBERS)]
            our_users = [our_emulator.new_user(f"M{i}") for i in range(COST_MEMBERS)]
            suffix = "-limited" if burst else ""
            async with (
                running(f"echo{suffix}", echo_emulator, tmp) as echo,
                running(f"acsm{suffix}", our_emulator, tmp, url) as ours,
                contextlib.AsyncExitStack() as limits,
            ):
                if burst:
                    limits.enter_context(limits_on(echo_emulator))
                    limits.enter_context(limits_on(our_emulator))
                await closed_loop(echo_users, 1, None)  # warm up
                await closed_loop(our_users, 1, None)
                pairs: list[tuple[float, float]] = []
                for repeat in range(repeats):
                    step(f"paired run {repeat + 1} of {repeats}")
                    order = [(echo, echo_users), (ours, our_users)]
                    spent = {}
                    for bot, users in order if repeat % 2 == 0 else order[::-1]:
                        if burst:
                            spent[bot.kind] = await measure_burst(bot, users, BURST_EACH)
                            continue
                        cpu = bot.cpu_seconds()
                        answered = await closed_loop(users, rounds, None)
                        spent[bot.kind] = (bot.cpu_seconds() - cpu) / answered * 1000
                    pairs.append((spent[echo.kind], spent[ours.kind]))
    finally:
        await database.dispose()
    ratios = sorted(mine / echo for echo, mine in pairs)
    what = (
        f"a burst of {COST_MEMBERS * BURST_EACH} each, limits on (echo-limited)"
        if burst
        else f"{COST_MEMBERS * rounds} updates each, limits off"
    )
    print(
        f"\npaired, {db}: {repeats} × {what}: "
        f"echo {statistics.median(e for e, _ in pairs):.2f} ms, ours "
        f"{statistics.median(m for _, m in pairs):.2f} ms, ours / echo median "
        f"{statistics.median(ratios):.2f}x (range {ratios[0]:.2f}–{ratios[-1]:.2f}x)"
    )


def print_profile(name: str, path: Path) -> None:
    print(f"\nprofile of {name} (wall time; kept in {path}), cumulative, top 25:")
    stats = pstats.Stats(str(path))
    stats.sort_stats("cumulative").print_stats(25)
    print(f"profile of {name} (own time, top 25):")
    stats.sort_stats("tottime").print_stats(25)


def fmt(value: float | None, pattern: str = "{:.2f}") -> str:
    return "—" if value is None else pattern.format(value)


def report(results: list[Result], sizes: Sizes) -> None:
    echo = next((r for r in results if r.name == "echo"), Result("echo"))
    limited = next((r for r in results if r.name == "echo-limited"), Result("echo-limited"))
    print()
    print(
        f"cost per update: {COST_MEMBERS} logged-in members asking {QUESTION!r}, "
        f"{COST_MEMBERS * sizes.rounds} updates per figure; CPU = the bot process only"
    )
    head = (
        f"{'bot':<18}{'CPU ms/upd':>11}{'x echo':>8}{'upd/s off':>10}{'upd/s on':>10}"
        f"{'p50 ms':>8}{'p99 ms':>8}{'CPU@1k':>8}{'CPU@50k':>8}"
        f"{'burst ms':>9}{'x lim.':>8}{'dl p99':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        ratio = r.cpu_ms / echo.cpu_ms if r.cpu_ms and echo.cpu_ms else None
        burst = r.burst_ms / limited.burst_ms if r.burst_ms and limited.burst_ms else None
        print(
            f"{r.name:<18}{fmt(r.cpu_ms):>11}{fmt(ratio, '{:.2f}x'):>8}"
            f"{fmt(r.rate_off, '{:.0f}'):>10}{fmt(r.rate_on, '{:.1f}'):>10}"
            f"{fmt(r.p50, '{:.1f}'):>8}{fmt(r.p99, '{:.1f}'):>8}"
            f"{fmt(r.cpu_ms if r.cpu_ms_large else None):>8}{fmt(r.cpu_ms_large):>8}"
            f"{fmt(r.burst_ms):>9}{fmt(burst, '{:.2f}x'):>8}{fmt(r.download_p99, '{:.1f}'):>8}"
        )
        if r.lost:
            print(f"  ({r.lost} questions unanswered within {REPLY_TIMEOUT:.0f} s)")
    print(
        f"(upd/s on: Telegram's limits on, ~30 messages/s; p50/p99: {LATENCY_MEMBERS} members, "
        f"~{LATENCY_RATE:.0f} messages/s, limits on; CPU@1k/50k: members in the database. "
        f"burst: CPU ms per update when {COST_MEMBERS} members send {BURST_EACH} questions "
        "each at once, limits on, beside echo-limited (AIORateLimiter); dl p99: others' "
        f"replies while one certificate takes {DOWNLOAD_SECONDS:.0f} s to download. "
        "Wall-clock figures are indicative on a shared machine.)"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer updates (about a minute)")
    parser.add_argument("--postgres", default=os.environ.get("ACSM_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--profile", action="store_true", help="cProfile our bot's updates")
    parser.add_argument("--no-echo", action="store_true", help="our bot only (no ratio)")
    parser.add_argument(
        "--paired",
        type=int,
        metavar="N",
        help="only the closed loop, echo and ours alternated N times",
    )
    parser.add_argument(
        "--paired-burst",
        type=int,
        metavar="N",
        help="only the burst, echo-limited and ours alternated N times",
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    logging.basicConfig(level=logging.ERROR)
    results = []
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        if args.paired or args.paired_burst:
            for db in ([] if args.no_sqlite else ["sqlite"]) + (
                ["postgres"] if args.postgres else []
            ):
                async with bench_database(db, tmp, args.postgres) as url:
                    if args.paired:
                        await run_paired(db, url, tmp, args.paired, sizes.rounds)
                    if args.paired_burst:
                        await run_paired(db, url, tmp, args.paired_burst, 0, burst=True)
            return
        if not args.no_echo:
            results.extend(await run_echo(sizes, tmp, full=True))
        databases = ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if args.postgres else [])
        for db in databases:
            async with bench_database(db, tmp, args.postgres) as url:
                results.append(await run_ours(db, url, sizes, tmp, args.profile))
    report(results, sizes)


if __name__ == "__main__":
    asyncio.run(main())
