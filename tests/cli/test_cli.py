"""The staff CLI: bot/cli.py's entry point in this process (tests/cli/run.py); the last
tests here run it as staff do, `python -m bot ...` in a real process."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from storage.database import Database
from tests.cli import run
from tests.cli.run import Done

MEMBERS_HEADER = "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,cpr_aed_expires"
GOOD_MEMBERS = f"""{MEMBERS_HEADER}
123456,Ann,Abbott,ann@example.com,+1 317 555 0100,ACSM Certified Personal Trainer,2024-01-01,2026-12-31,2027-05-01
123456,Ann,Abbott,ann@example.com,+1 317 555 0100,CET,01/01/2024,12/31/2026,2027-05-01
777,Bo,Li,bo@example.com,,EP,2025-01-01,2027-12-31,
"""


def acsm_bot(database_url: str, *args: str) -> Done:
    return run.acsm_bot(*args, env={"DATABASE_URL": database_url})


def real_acsm_bot(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env, timeout=120
    )


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def counts(database: Database) -> tuple[int, int]:
    async with database.unit_of_work() as uow:
        members = await uow.members.count()
        certs = len(await uow.certifications.for_member("123456"))
    return members, certs


async def test_members_import_upserts(database: Database, database_url: str, tmp_path) -> None:
    done = acsm_bot(database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "imported 2 members (2 new, 0 changed), 3 certifications (3 new, 0 changed); kept 0"
    )
    assert await counts(database) == (2, 2)
    # Re-import with a changed email and thru date: updated, not duplicated.
    changed = GOOD_MEMBERS.replace("ann@example.com", "ann@new.org").replace(
        "2024-01-01,2026-12-31", "2027-01-01,2029-12-31"
    )
    assert (
        acsm_bot(
            database_url, "members", "import", str(write(tmp_path, "m2.csv", changed))
        ).returncode
        == 0
    )
    async with database.unit_of_work() as uow:
        ann = await uow.members.get("123456")
        certs = {c.code: c for c in await uow.certifications.for_member("123456")}
    assert ann is not None and ann.email == "ann@new.org"
    assert certs["CPT"].thru_date == date(2029, 12, 31)
    assert await counts(database) == (2, 2)


async def test_a_bad_file_reports_every_bad_line_and_imports_nothing(
    database: Database, database_url: str, tmp_path
) -> None:
    bad = f"""{MEMBERS_HEADER}
123456,Ann,Abbott,ann@example.com,,CPT,2024-01-01,2026-12-31,
12a456,Ann,Abbott,ann@example.com,,CPT,2024-01-01,2026-12-31,
222,Cy,Do,cy@example.com,,Yoga Teacher,2024-01-01,2026-12-31,
333,Di,Ek,not-an-email,,CPT,2024-01-01,2026-12-31,
444,Ed,Fu,ed@example.com,,CPT,2024-01-01,2026-06-30,
555,Fa,Gu,fa@example.com,,CPT,2024-13-01,2026-12-31,
123456,Ann,Abbott,ann@example.com,,CPT,2024-01-01,2026-12-31,
"""
    done = acsm_bot(database_url, "members", "import", str(write(tmp_path, "bad.csv", bad)))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[:6] == [
        "line 3: acsm_id '12a456' is not digits",
        "line 4: unknown certification 'Yoga Teacher'",
        "line 5: email 'not-an-email' is not an email address",
        "line 6: thru_date 06/30/2026 is not a December 31",
        "line 7: effective_date '2024-13-01' is not a date (YYYY-MM-DD or MM/DD/YYYY)",
        "line 8: CPT for member 123456 appears twice (also line 2)",
    ]
    assert lines[-1] == "acsm-bot: 6 bad rows: nothing was imported"
    assert await counts(database) == (0, 0)


async def test_header_problems_are_reported(database_url: str, tmp_path) -> None:
    done = acsm_bot(
        database_url, "members", "import", str(write(tmp_path, "h.csv", "acsm_id,name\n1,x\n"))
    )
    assert done.returncode != 0
    assert done.stderr.startswith("line 1: missing column(s) first_name, last_name, email")


async def test_cecs_import_adds_once_and_refuses_unknown_members(
    database: Database, database_url: str, tmp_path
) -> None:
    acsm_bot(database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS)))
    cecs = (
        "acsm_id,completed_on,title,provider,cecs\n"
        "123456,2025-03-01,Strength workshop,ACSM,7.5\n"
        "123456,03/02/2025,Webinar,NSCA,2\n"
    )
    path = write(tmp_path, "c.csv", cecs)
    assert acsm_bot(database_url, "cecs", "import", str(path)).returncode == 0
    assert acsm_bot(database_url, "cecs", "import", str(path)).returncode == 0  # no double count
    async with database.unit_of_work() as uow:
        recorded = await uow.cecs.for_member("123456", date(2024, 1, 1), date(2026, 12, 31))
    assert sum(a.cecs for a in recorded) == Decimal("9.5")
    bad = cecs + "999,2025-03-01,Other,X,1\n123456,2025-03-03,Odd,X,1.25\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "bad.csv", bad)))
    assert done.returncode != 0
    assert "line 4: unknown member 999" in done.stderr
    assert "line 5: cecs: CECs are counted in steps of 0.5" in done.stderr


async def test_invoices_export_writes_every_invoice(
    database: Database, database_url: str, tmp_path
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    out = tmp_path / "invoices.csv"
    out.symlink_to(victim)  # planted: replaced, never written through
    done = acsm_bot(database_url, "invoices", "export", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][:3] == ["number", "acsm_id", "issued_on"] and len(rows) == 1
    assert victim.read_text(encoding="utf-8") == "precious" and not out.is_symlink()
    assert out.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


async def test_invoices_export_neutralises_spreadsheet_formulas(
    database: Database, database_url: str, tmp_path
) -> None:
    from domain.model import InvoiceStatus
    from tests.storage.helpers import invoice, seed_member

    certs = await seed_member(database.unit_of_work, "123456", ("CPT", "CET", "EP", "CEP"))
    starts = ['=HYPERLINK("http://evil")', "+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx", "plain"]
    async with database.unit_of_work() as uow:
        for n, (start, cert) in enumerate(zip(starts, certs * 2, strict=False)):
            bill = invoice(f"R00000{n}", [cert])
            bill.lines = [
                bill.lines[0].__class__(
                    cert.id or 0, cert.code, date(2020 + n, 12, 31), date(2023 + n, 12, 31)
                )
            ]
            bill.description = start
            await uow.invoices.add(bill)
            bill.status, bill.payment_charge_id = InvoiceStatus.PAID, start
            await uow.invoices.save(bill)
    out = tmp_path / "invoices.csv"
    done = acsm_bot(database_url, "invoices", "export", str(out))
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(out.open(encoding="utf-8", newline="")))[1:]
    assert [r[3] for r in rows] == ["'" + s for s in starts[:-1]] + ["plain"]
    assert [r[11] for r in rows] == ["'" + s for s in starts[:-1]] + ["plain"]
    for row in rows:
        assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row)


async def test_invoices_export_neutralises_flagged_payment_rows_too(
    database: Database, database_url: str, tmp_path
) -> None:
    """The rows of payments that extended nothing go through the same writer as invoices."""
    from tests.storage.helpers import payment

    flagged = payment('=HYPERLINK("http://evil","x")', [])
    flagged.status, flagged.note = "flagged", "@SUM(A1) unknown invoice(s): -R1"
    flagged.acsm_id = None
    async with database.unit_of_work() as uow:
        assert await uow.payments.add_once(flagged)
    out = tmp_path / "invoices.csv"
    done = acsm_bot(database_url, "invoices", "export", str(out))
    assert done.returncode == 0, done.stderr
    (row,) = list(csv.reader(out.open(encoding="utf-8", newline="")))[1:]
    assert row[8] == "payment_flagged"
    assert row[1] == ""
    assert row[3] == "'@SUM(A1) unknown invoice(s): -R1"
    assert row[11] == '\'=HYPERLINK("http://evil","x")'
    assert row[13] == 'prov-=HYPERLINK("http://evil","x")'
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r")) for value in row)


def test_every_csv_export_goes_through_the_one_writer() -> None:
    """No module writes CSV on its own: bot/exports.py's writer neutralises every cell."""
    root = Path(__file__).resolve().parents[2]
    writers = [
        f"{path.relative_to(root)}"
        for package in ("bot", "domain", "storage", "handlers")
        for path in sorted((root / package).rglob("*.py"))
        if "csv.writer(" in path.read_text(encoding="utf-8")
        or "csv.DictWriter(" in path.read_text(encoding="utf-8")
    ]
    assert writers == ["bot/exports.py"]


# ---- real processes, as staff run them ---------------------------------------------------


def test_commands_fail_with_one_line_reason(tmp_path) -> None:
    """And the in-process runner (tests/cli/run.py) gives what the real process gives."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    missing = str(tmp_path / "missing.csv")
    for database_url, command, failed in [
        (url, ("members", "import", missing), True),
        (url, ("db", "upgrade"), False),
        ("nonsense://", ("db", "upgrade"), True),
    ]:
        done = real_acsm_bot(database_url, *command)
        assert (done.returncode != 0) == failed, done.stderr
        if failed:
            assert len(done.stderr.strip().splitlines()) == 1
        same = acsm_bot(database_url, *command)
        assert (same.returncode, same.stdout, same.stderr) == (
            done.returncode,
            done.stdout,
            done.stderr,
        )


@pytest.mark.parametrize("command", [["--help"], ["members", "--help"]])
def test_help(command, tmp_path) -> None:
    done = real_acsm_bot(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}", *command)
    assert done.returncode == 0 and "Usage:" in done.stdout


async def test_invoices_export_includes_the_providers_charge_id(
    database: Database, database_url: str, tmp_path
) -> None:
    from domain.model import InvoiceStatus
    from tests.storage.helpers import invoice, payment, seed_member

    (cert,) = await seed_member(database.unit_of_work, "123456")
    async with database.unit_of_work() as uow:
        bill = invoice("R000001", [cert])
        await uow.invoices.add(bill)
        assert await uow.payments.add_once(payment("tg-1", ["R000001"]))
        bill.status, bill.payment_charge_id = InvoiceStatus.PAID, "tg-1"
        await uow.invoices.save(bill)
    out = tmp_path / "invoices.csv"
    assert acsm_bot(database_url, "invoices", "export", str(out)).returncode == 0
    header, row = list(csv.reader(out.open(encoding="utf-8", newline="")))
    assert header[11:] == ["telegram_payment_charge_id", "paid_at", "provider_payment_charge_id"]
    assert (row[11], row[13]) == ("tg-1", "prov-tg-1")
