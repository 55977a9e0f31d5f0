"""`acsm-bot audit select|status|export` on a real database (in this process,
tests/cli/run.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from domain.model import Invoice, InvoiceLine, InvoiceStatus
from storage.database import Database
from tests.cli import run
from tests.cli.run import Done
from tests.storage.helpers import seed_member

PDF = b"%PDF-1.4\n" + bytes(range(256))


def acsm_bot(database_url: str, *args: str) -> Done:
    return run.acsm_bot(*args, env={"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": None})


async def test_select_status_export(database: Database, database_url: str, tmp_path: Path) -> None:
    for acsm_id in ("111", "222", "333"):
        certs = await seed_member(database.unit_of_work, acsm_id)
        async with database.unit_of_work() as uow:
            await uow.invoices.add(
                Invoice(
                    f"R000{acsm_id}", acsm_id, date(2026, 11, 1), "Recertification thru 12/31/2029",
                    4500, 0, [InvoiceLine(certs[0].id or 0, "CPT", certs[0].thru_date,
                                          date(2029, 12, 31))],
                    status=InvoiceStatus.PAID, acsm_cecs=Decimal(45),
                )
            )  # fmt: skip
    refused = acsm_bot(database_url, "audit", "select", "--year", "2026", "--percent", "0")
    assert refused.returncode != 0 and "--percent" in refused.stderr
    for option, other_digits in (("--year", "２０２６"), ("--percent", "٥٠"), ("--seed", "３")):
        numbers = {"--year": "2026", "--percent": "50", "--seed": "3", option: other_digits}
        refused = acsm_bot(
            database_url, "audit", "select", *(x for kv in numbers.items() for x in kv)
        )
        assert refused.returncode != 0 and "ASCII digits only" in refused.stderr, refused.stderr
    first = acsm_bot(
        database_url, "audit", "select", "--year", "2026", "--percent", "50", "--seed", "3"
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "selected 2 of 3 paid renewals of cycles ending 12/31/2026 (2 new)"
    )
    again = acsm_bot(
        database_url, "audit", "select", "--year", "2026", "--percent", "50", "--seed", "3"
    )
    assert "(0 new)" in again.stdout  # the same seed picks the same renewals
    status = acsm_bot(database_url, "audit", "status")
    lines = status.stdout.splitlines()
    assert status.returncode == 0 and len(lines) == 2
    assert all(line.endswith("pending") and "Ann Abbott" in line for line in lines)
    out = tmp_path / "new" / "dir"
    exported = acsm_bot(database_url, "audit", "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "wrote 2 audits and 0 files" in exported.stdout
    header = (out / "audits.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == "acsm_id,name,selected_on,due_on,state,files"
