"""The staff console's speed at scale (issue 24): 1,000,000 members and 5,000 audits.

One run builds the database once per engine (SQLite in a temporary file; PostgreSQL when
ACSM_TEST_POSTGRES_URL or --postgres URL is given, in a database of its own, dropped at the
end): the migrations, then members, invoices, audits and their proof rows inserted in
chunks with Core executemany, then ANALYZE (what autovacuum or a maintenance job does).
Then it runs the real console application (staff_web/app.py) on a real listening socket
(aiohttp's TestServer) with a staff member enrolled and signed in through the use cases
(the code from pyotp), and times, from the client's side, N requests of each kind:

- GET /audits (the first page), GET /audits?page=50 and GET /audits?state=submitted,
- GET /audits/<id> (one audit with its files),
- POST /members searches: by ACSM ID, by a last name's first letters, by "first last", by
  email prefix, and a name that matches nothing.

p50/p95/max in milliseconds, client and server on one event loop (the client's own time is
included). Target: p95 under 200 ms.

Run: `make bench` (or `python bench/bench_console.py [--members N] [--requests N]
[--postgres URL] [--no-sqlite]`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pyotp  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from bench.bench_cost import bench_database  # noqa: E402
from domain.argon2_hasher import Argon2Hasher  # noqa: E402
from domain.catalog import Catalog  # noqa: E402
from domain.clock import FixedClock  # noqa: E402
from domain.rules import Rules  # noqa: E402
from domain.services import staff  # noqa: E402
from staff_web.app import make_app  # noqa: E402
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.orm import (  # noqa: E402
    AuditProofRow,
    AuditRow,
    InvoiceRow,
    MemberRow,
    ProofFileRow,
    table,
)

NOW = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"  # noqa: S105 (the bench's own staff account)
CHUNK = 10_000
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
FIRST = ["Ann", "Bob", "Carla", "David", "Elena", "Frank", "Grace", "Hugo", "Iris", "Jamal",
         "Kim", "Luis", "Maria", "Noah", "Olga", "Pedro", "Quinn", "Rosa", "Sam", "Tara"]  # fmt: skip
SYLLABLES = ["ab", "bar", "cor", "del", "ev", "far", "gon", "har", "in", "jo", "kel", "lam",
             "mor", "nel", "or", "pet", "quin", "ros", "sal", "tor"]  # fmt: skip


def last_name(i: int) -> str:
    """8,000 distinct last names (about 125 members each)."""
    a, b, c = i % 20, (i // 20) % 20, (i // 400) % 20
    return (SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c]).capitalize()


def member_row(i: int) -> dict[str, object]:
    first, last = FIRST[(i * 7) % len(FIRST)], last_name(i)
    return {
        "acsm_id": f"{1_000_000 + i}",
        "first_name": first,
        "last_name": last,
        "email": f"{first}.{last}{i}@example.com".lower(),
        "credentials_version": 0,
    }


async def build(url: str, members: int, audits: int) -> int:
    """The migrated schema and the rows; the id of an audit with two files."""
    await upgrade(url)
    engine = create_async_engine(url)
    started = time.perf_counter()
    try:
        async with engine.begin() as connection:
            for start in range(0, members, CHUNK):
                rows = [member_row(i) for i in range(start, min(members, start + CHUNK))]
                await connection.execute(insert(table(MemberRow)), rows)
        random.seed(24)
        chosen = random.sample(range(members), audits)
        async with engine.begin() as connection:
            await connection.execute(
                insert(table(InvoiceRow)),
                [
                    {
                        "number": f"R{k:06d}",
                        "acsm_id": member_row(i)["acsm_id"],
                        "issued_on": date(2026, 11, 1) - timedelta(days=k % 300),
                        "description": "Recertification thru 12/31/2029",
                        "amount_cents": 4500,
                        "balance_cents": 0,
                        "status": "paid",
                        "payment_charge_id": f"tg-{k}",
                        "paid_at": NOW - timedelta(days=k % 300),
                    }
                    for k, i in enumerate(chosen)
                ],
            )
            await connection.execute(
                insert(table(AuditRow)),
                [
                    {
                        "id": k + 1,
                        "acsm_id": member_row(i)["acsm_id"],
                        "invoice_number": f"R{k:06d}",
                        "cycle_thru": date(2026, 12, 31),
                        "selected_on": date(2026, 1, 1) + timedelta(days=k % 365),
                        "due_on": date(2026, 1, 1) + timedelta(days=k % 365 + 60),
                        "submitted_at": NOW - timedelta(days=3) if k % 3 else None,
                        "verdict": "accepted" if k % 5 == 1 else None,
                        "decided_at": NOW - timedelta(days=1) if k % 5 == 1 else None,
                    }
                    for k, i in enumerate(chosen)
                ],
            )
            proofs = [
                {
                    "id": 2 * k + j + 1,
                    "acsm_id": member_row(i)["acsm_id"],
                    "sha256": f"{2 * k + j:064x}",
                    "content_type": "application/pdf",
                    "size": 64,
                    "received_at": NOW - timedelta(days=4),
                    "data": b"%PDF-1.4\n" + bytes(55),
                }
                for k, i in enumerate(chosen)
                for j in range(2)
            ]
            await connection.execute(insert(table(ProofFileRow)), proofs)
            await connection.execute(
                insert(table(AuditProofRow)),
                [{"audit_id": p["id"] // 2 + p["id"] % 2, "proof_id": p["id"]} for p in proofs],
            )
            if engine.dialect.name == "postgresql":
                for name in ("audits", "proof_files", "audit_proofs"):
                    sequence = f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                    await connection.execute(text(f"{sequence} (SELECT max(id) FROM {name}))"))  # noqa: S608
        async with engine.connect() as connection:
            await connection.execute(text("ANALYZE"))
            await connection.commit()
    finally:
        await engine.dispose()
    print(
        f"  built {members:,} members and {audits:,} audits in"
        f" {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return audits // 2


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:300]
    return found.group(1)


async def signed_in_client(database: Database, rules: Rules, clock: FixedClock) -> TestClient:
    """The real console on a listening socket, a staff member enrolled and signed in."""
    async with database.unit_of_work() as uow:
        new = await staff.add_staff(uow, rules, "bench@acsm.org", admin=True)
    secret = new.account.totp_secret
    assert secret is not None
    async with database.unit_of_work() as uow:
        code = pyotp.TOTP(secret).at(clock.now())
        await staff.enrol(uow, rules, new.enrol_token, PASSWORD, PASSWORD, code)
    clock.advance(timedelta(seconds=30))  # the enrolment's code is used up
    client = TestClient(TestServer(make_app(database, rules, "http://127.0.0.1")))
    await client.start_server()
    form = await client.get("/signin")
    done = await client.post(
        "/signin",
        data={
            "csrf": csrf_of(await form.text()),
            "email": "bench@acsm.org",
            "password": PASSWORD,
            "code": pyotp.TOTP(secret).at(clock.now()),
        },
    )
    assert done.status == 200 and done.url.path == "/audits", done.status
    return client


async def measure(
    client: TestClient, method: str, path: str, n: int, data: dict[str, str] | None = None
) -> tuple[list[float], str]:
    times: list[float] = []
    body = ""
    for _ in range(n + 3):  # 3 to warm up
        started = time.perf_counter()
        response = await client.request(method, path, data=data)
        body = await response.text()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status == 200, (path, response.status, body[:300])
    return times[3:], body


def percentile(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


async def run(kind: str, url: str, members: int, audits: int, n: int) -> list[tuple[str, ...]]:
    print(f"{kind}: building…", flush=True)
    audit_id = await build(url, members, audits)
    clock = FixedClock(NOW)
    rules = Rules(
        clock=clock,
        catalog=Catalog.default(),
        timezone=ZoneInfo("America/New_York"),
        hasher=Argon2Hasher(),
    )
    database = Database(url)
    client = await signed_in_client(database, rules, clock)
    try:
        home = await client.get("/members")
        csrf = csrf_of(await home.text())
        probe = member_row(members // 3)
        last = str(probe["last_name"])
        cases: list[tuple[str, str, str, dict[str, str] | None, str]] = [
            ("GET /audits", "GET", "/audits", None, "Page 1 of"),
            ("GET /audits?page=50", "GET", "/audits?page=50", None, "Page 50 of"),
            ("GET /audits?state=submitted", "GET", "/audits?state=submitted", None, "Page 1 of"),
            ("GET /audits/<id>", "GET", f"/audits/{audit_id}", None, "/files/"),
            ("search ACSM ID", "POST", "/members", {"query": str(probe["acsm_id"])}, last),
            ("search last name (4 letters)", "POST", "/members", {"query": last[:4]}, last[:4]),
            ("search last name (full)", "POST", "/members", {"query": last.upper()}, last),
            ("search first last", "POST", "/members",
             {"query": f"{probe['first_name']} {last[:5]}"}, last[:5]),
            ("search email prefix", "POST", "/members", {"query": str(probe["email"])[:-12]},
             str(probe["email"])),
            ("search no match", "POST", "/members", {"query": "Zzyzxqwv"}, "No member matches"),
        ]  # fmt: skip
        table_rows = []
        for label, method, path, form, expect in cases:
            data = {**form, "csrf": csrf} if form is not None else None
            times, body = await measure(client, method, path, n, data)
            assert expect.lower() in body.lower(), (label, body[:500])
            table_rows.append(
                (
                    kind,
                    label,
                    f"{statistics.median(times):.1f}",
                    f"{percentile(times, 0.95):.1f}",
                    f"{max(times):.1f}",
                )
            )
    finally:
        await client.close()
        await database.dispose()
    return table_rows


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("engine", "request", "p50 ms", "p95 ms", "max ms")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in
                        enumerate(zip(row, widths, strict=True))))  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--audits", type=int, default=5_000)
    parser.add_argument("--requests", type=int, default=50, help="timed requests per kind")
    parser.add_argument("--postgres", default=os.environ.get("ACSM_TEST_POSTGRES_URL"))
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    kinds = ([] if args.no_sqlite else ["sqlite"]) + (["postgres"] if args.postgres else [])
    rows: list[tuple[str, ...]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in kinds:
            async with bench_database(kind, Path(tmp), args.postgres, "console.db") as url:
                rows += await run(kind, url, args.members, args.audits, args.requests)
    print()
    print(f"Staff console: {args.members:,} members, {args.audits:,} audits,"
          f" {args.requests} requests each")  # fmt: skip
    print_table(rows)
    slow = [r for r in rows if float(r[3]) >= 200]
    print("p95 under 200 ms: " + ("yes" if not slow else f"NO ({len(slow)} over)"))


if __name__ == "__main__":
    asyncio.run(main())
