"""Import speed and memory, and member lookup cost at 1,000 vs 1,000,000 members.

Targets (issue: foundation): 100,000 CSV rows (50,000 members x 2 certifications) into
SQLite in < 15 s with peak RSS < 400 MB (the parse alone < 10 s); re-import (all upserts) < 20 s; a member lookup
costs the same at 1,000 and 1,000,000 members. Issue 22: a 1,000,000-row CECs file
(`cecs import`, --dry-run and real) with peak RSS < 300 MB, whatever the file's size.
Each import runs in a fresh process (the real CLI), so peak RSS is that import's own.
Run: `make bench` (or `python bench/bench_import.py --cecs-only [--rows N] [--database-url
URL]`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from domain.catalog import Catalog  # noqa: E402
from domain.imports import parse_members_csv  # noqa: E402
from domain.model import Certification, Member  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402

HEADER = "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,cpr_aed_expires\n"


def members_csv(path: Path, members: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(members):
            acsm_id = 300000 + i
            base = f"{acsm_id},First{i},Last{i},m{i}@example.com,+1 317 555 {i % 10000:04d}"
            out.write(f"{base},CPT,2024-01-01,2026-12-31,2027-06-30\n")
            out.write(
                f"{base},ACSM/ACS Certified Cancer Exercise Trainer,01/01/2025,12/31/2027,2027-06-30\n"
            )


def cecs_csv(path: Path, members: int, rows: int) -> None:
    """`rows` CEC activities spread over the members of `members_csv` (every one valid:
    completed in 2024-2026, inside the members' CPT cycle, before today)."""
    with path.open("w", encoding="utf-8") as out:
        out.write("acsm_id,completed_on,title,provider,cecs\n")
        for n in range(rows):
            acsm_id = 300000 + n % members
            day = date(2024, 1, 1).toordinal() + (n // members) * 7 % 1000
            out.write(
                f"{acsm_id},{date.fromordinal(day):%Y-%m-%d},Course number {n // members} on"
                f" strength and conditioning,Provider {n % 37},{(n % 8 + 1) / 2}\n"
            )


def timed_parse(csv_path: Path) -> float:
    """Seconds to parse the file (in memory, this process): the pure part of an import
    (the suite checks the same parse on 1,000 rows: tests/cli/test_csv_parsing.py)."""
    text = csv_path.read_text(encoding="utf-8")
    started = time.perf_counter()
    parsed = parse_members_csv(text, Catalog.default())
    seconds = time.perf_counter() - started
    assert len(parsed.members) == 50_000 and len(parsed.certifications) == 100_000
    assert parsed.errors == [], parsed.errors[:3]
    return seconds


def timed_import(url: str, csv_path: Path, *command: str) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of `acsm-bot members import` (or `command`) in its own
    process."""
    args = [*(command or ("members", "import")), str(csv_path)]
    code = (
        "import resource, sys\n"
        "from bot.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "finally:\n"
        "    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "    print(f'RSS {rss}', file=sys.stderr)\n"
    )
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "DATABASE_URL": url},
        cwd=ROOT,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[:2])} failed: {done.stderr.strip()[-2000:]}")
    seconds = time.perf_counter() - started
    rss_kb = int(done.stderr.strip().splitlines()[-1].split()[1])
    return seconds, rss_kb / 1024


async def fill(url: str, count: int) -> Database:
    await upgrade(url)
    database = Database(url)
    batch = 50_000
    for start in range(0, count, batch):
        members = [
            Member(str(1_000_000 + i), "F", f"L{i}", f"x{i}@example.com")
            for i in range(start, min(count, start + batch))
        ]
        certs = [
            Certification(m.acsm_id, "CPT", date(2024, 1, 1), date(2026, 12, 31)) for m in members
        ]
        async with database.unit_of_work() as uow:
            await uow.members.upsert_many(members, certs)
    return database


async def lookup_cost(database: Database, count: int, samples: int = 2_000) -> float:
    """Mean microseconds to load a random member and their certifications."""
    rng = random.Random(7)
    ids = [str(1_000_000 + rng.randrange(count)) for _ in range(samples)]
    started = time.perf_counter()
    for acsm_id in ids:
        async with database.unit_of_work() as uow:
            member = await uow.members.get(acsm_id)
            certs = await uow.certifications.for_member(acsm_id)
            assert member is not None and len(certs) == 1
    return (time.perf_counter() - started) / samples * 1e6


async def lookups(tmp: Path) -> list[tuple[int, float]]:
    results = []
    for count in (1_000, 1_000_000):
        database = await fill(f"sqlite+aiosqlite:///{tmp / f'lookup{count}.db'}", count)
        await lookup_cost(database, count, 200)  # warm up
        results.append((count, await lookup_cost(database, count)))
        await database.dispose()
    return results


def cecs_imports(tmp: Path, url: str, rows: int) -> None:
    """`cecs import --dry-run`, then the real import, of a `rows`-row file (the members of
    `members_csv` imported first)."""
    csv_path = tmp / "cecs.csv"
    cecs_csv(csv_path, 50_000, rows)
    size = csv_path.stat().st_size / 1e6
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"cecs import, {engine}, {rows:,} rows ({size:.0f} MB) for 50,000 members")
    dry = timed_import(url, csv_path, "cecs", "import", "--dry-run")
    print(f"  --dry-run    : {dry[0]:6.1f} s  peak RSS {dry[1]:6.0f} MB  (target < 300 MB)")
    real = timed_import(url, csv_path, "cecs", "import")
    print(f"  import       : {real[0]:6.1f} s  peak RSS {real[1]:6.0f} MB  (target < 300 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cecs-only", action="store_true", help="only the CECs imports")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the CECs file")
    parser.add_argument(
        "--database-url",
        help="with --cecs-only: an EMPTY database to use (say PostgreSQL) instead of SQLite",
    )
    options = parser.parse_args()
    if options.cecs_only:
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            members_csv(tmp / "members.csv", 50_000)
            url = options.database_url or f"sqlite+aiosqlite:///{tmp / 'import.db'}"
            asyncio.run(upgrade(url))
            timed_import(url, tmp / "members.csv")
            cecs_imports(tmp, url, options.rows)
        return
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        csv_path = tmp / "members.csv"
        members_csv(csv_path, 50_000)
        url = f"sqlite+aiosqlite:///{tmp / 'import.db'}"
        asyncio.run(upgrade(url))  # staff commands need a migrated database (acsm-bot db upgrade)
        first = timed_import(url, csv_path)
        again = timed_import(url, csv_path)
        print("members CSV, 100,000 rows (50,000 members x 2 certifications)")
        print(f"  parse        : {timed_parse(csv_path):6.1f} s  (target < 10 s)")
        print("members import, SQLite, 100,000 rows (50,000 members x 2 certifications)")
        print(
            f"  first import : {first[0]:6.1f} s  peak RSS {first[1]:6.0f} MB  (target < 15 s, < 400 MB)"
        )
        print(f"  re-import    : {again[0]:6.1f} s  peak RSS {again[1]:6.0f} MB  (target < 20 s)")
        cecs_imports(tmp, url, options.rows)
        print(
            "member + certifications lookup (mean of 2,000 random lookups, each its own unit of work)"
        )
        for count, micros in asyncio.run(lookups(tmp)):
            print(f"  {count:>9,} members: {micros:7.0f} µs")
    print(
        f"(this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
