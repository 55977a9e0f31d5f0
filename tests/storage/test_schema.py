"""The Alembic migrations build exactly the schema the ORM models describe."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from domain.model import InvoiceStatus
from storage.database import Database, create_engine
from storage.migrate import MigrationError, upgrade
from storage.orm import Base

ROOT = Path(__file__).resolve().parents[2]


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_migrated_schema_equals_the_models(database: Database) -> None:
    async with database.engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_upgrade_twice_is_a_no_op(database: Database, database_url: str) -> None:
    await upgrade(database_url)
    async with database.engine.connect() as connection:
        version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    assert version is not None
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


async def test_explicit_indexes_exist(database: Database) -> None:
    def indexes(connection: Connection) -> dict[str, list[tuple[tuple[str, ...], bool]]]:
        inspector = inspect(connection)
        found: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for table in (
            "certifications",
            "cec_activities",
            "invoice_lines",
            "login_failures",
            "telegram_sessions",
            "members",
            "payments",
        ):
            found[table] = [
                (tuple(ix["column_names"]), bool(ix["unique"]))
                for ix in inspector.get_indexes(table)
            ] + [
                (tuple(uq["column_names"]), True) for uq in inspector.get_unique_constraints(table)
            ]
        return found

    async with database.engine.connect() as connection:
        found = await connection.run_sync(indexes)
    assert (("acsm_id", "code"), True) in found["certifications"]
    assert (("acsm_id", "completed_on", "title", "provider"), True) in found["cec_activities"]
    assert (("certification_id", "cycle_thru"), True) in found["invoice_lines"]
    assert (("key", "at"), False) in found["login_failures"]
    assert (("acsm_id",), False) in found["telegram_sessions"]
    assert (("username",), True) in found["members"]


def test_migrations_run_from_any_directory(tmp_path: Path) -> None:
    """No alembic.ini in the working directory: the package finds its own migrations."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'elsewhere.db'}"
    code = "import asyncio, sys; from storage.migrate import upgrade; asyncio.run(upgrade(sys.argv[1]))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code, url], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "elsewhere.db").stat().st_size > 0


async def test_the_comparison_sees_a_missing_schema(tmp_path: Path) -> None:
    """The check above can fail: an empty database differs from the models."""
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        async with empty.engine.connect() as connection:
            diff = await connection.run_sync(_diff)
    finally:
        await empty.dispose()
    assert {d[1].name for d in diff if d[0] == "add_table"} == set(Base.metadata.tables)


async def test_0002_moves_payment_invoice_lists_into_rows(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0001")
    old = Database(url)
    try:
        async with old.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO members (acsm_id, first_name, last_name, email,"
                    " credentials_version) VALUES ('1', 'A', 'B', 'a@b.co', 0)"
                )
            )
            for number in ("R000001", "R000002"):
                await connection.execute(
                    text(
                        "INSERT INTO invoices (number, acsm_id, issued_on, description,"
                        " amount_cents, balance_cents, late_fee_cents, status, acsm_half_cecs,"
                        f" other_half_cecs) VALUES ('{number}', '1', '2026-11-28', 'x',"
                        " 100, 0, 0, 'paid', 0, 0)"
                    )
                )
            await connection.execute(
                text(
                    "INSERT INTO payments (charge_id, provider_charge_id, acsm_id, total_cents,"
                    " currency, paid_at, invoice_numbers) VALUES ('tg-1', 'p', '1', 200, 'USD',"
                    " '2026-11-28 10:00:00', '[\"R000002\", \"R000001\"]')"
                )
            )
        await upgrade(url)
        async with old.unit_of_work() as uow:
            paid = await uow.payments.get("tg-1")
    finally:
        await old.dispose()
    assert paid is not None and paid.invoice_numbers == ["R000002", "R000001"]


async def test_a_sqlite_migration_that_breaks_foreign_keys_commits_nothing(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'broken.db'}"
    await upgrade(url, "0001")
    loose = create_engine(url, foreign_keys=False)
    try:
        async with loose.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO certifications (acsm_id, code, effective_date, thru_date)"
                    " VALUES ('404', 'CPT', '2025-01-01', '2027-12-31')"
                )
            )
        with pytest.raises(MigrationError):
            await upgrade(url)
        async with loose.connect() as connection:
            version = await connection.scalar(text("SELECT version_num FROM alembic_version"))
    finally:
        await loose.dispose()
    assert version == "0001"


async def test_0004_converts_phones_to_e164(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    await upgrade(url, "0003")
    old = Database(url)
    try:
        async with old.engine.begin() as connection:
            for acsm_id, phone in (("1", "(317) 555-0100"), ("2", "call me maybe"), ("3", None)):
                await connection.execute(
                    text(
                        "INSERT INTO members (acsm_id, first_name, last_name, email, phone,"
                        " credentials_version) VALUES (:id, 'A', 'B', 'a@b.co', :phone, 0)"
                    ),
                    {"id": acsm_id, "phone": phone},
                )
        await upgrade(url)
        async with old.unit_of_work() as uow:
            phones = [(await uow.members.get(i)).phone for i in ("1", "2", "3")]  # type: ignore[union-attr]
    finally:
        await old.dispose()
    assert phones == ["+13175550100", None, None]


POSTGRES_URL = os.environ.get("ACSM_TEST_POSTGRES_URL")


async def on_server(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema yet: an SQLite file, or a PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("ACSM_TEST_POSTGRES_URL not set")
    base = make_url(POSTGRES_URL)
    name = f"{base.database}_{uuid.uuid4().hex[:10]}"
    asyncio.run(on_server(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def test_0008_voids_open_invoices_whose_cycle_moved_before(empty_url: str) -> None:
    """Before 0008 an import that moved a thru date left the chat's open invoice for the old
    cycle payable (issue 22): the migration voids it, forgets the finished draft that showed
    it, and keeps every other invoice as it was."""
    url = empty_url
    await upgrade(url, "0007")
    old = Database(url)
    statements = [
        "INSERT INTO members (acsm_id, first_name, last_name, email, credentials_version)"
        " VALUES ('1', 'A', 'B', 'a@b.co', 0), ('2', 'C', 'D', 'c@d.co', 0)",
        # 1: CEP moved to 2029 by an import, RCEP did not; 2: CPT untouched
        "INSERT INTO certifications (id, acsm_id, code, effective_date, thru_date) VALUES"
        " (1, '1', 'CEP', '2027-01-01', '2029-12-31'), (2, '1', 'RCEP', '2024-01-01',"
        " '2026-12-31'), (3, '2', 'CPT', '2024-01-01', '2026-12-31')",
        "INSERT INTO invoices (number, acsm_id, issued_on, description, amount_cents,"
        " balance_cents, late_fee_cents, status, acsm_half_cecs, other_half_cecs) VALUES"
        " ('R000001', '1', '2026-11-28', 'x', 6000, 6000, 0, 'open', 0, 0),"
        " ('R000002', '2', '2026-11-28', 'x', 4500, 4500, 0, 'open', 0, 0)",
        "INSERT INTO invoice_lines (invoice_number, certification_id, code, cycle_thru,"
        " new_thru) VALUES ('R000001', 1, 'CEP', '2026-12-31', '2029-12-31'),"
        " ('R000001', 2, 'RCEP', '2026-12-31', '2029-12-31'),"
        " ('R000002', 3, 'CPT', '2026-12-31', '2029-12-31')",
        "INSERT INTO renewal_drafts (acsm_id, certification_ids, contact_confirmed,"
        " cpr_confirmed, acknowledged) VALUES ('1', '[1, 2]', true, true, true), ('2', '[3]', true, true, true)",
    ]
    try:
        async with old.engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
        await upgrade(url)
        async with old.unit_of_work() as uow:
            moved = await uow.invoices.get("R000001")
            kept = await uow.invoices.get("R000002")
            drafts = [await uow.drafts.get(i) for i in ("1", "2")]
            untold = await uow.invoices.voided_untold("1")
            free = await uow.invoices.for_cycle(2, date(2026, 12, 31))
    finally:
        await old.dispose()
    assert moved is not None and moved.status is InvoiceStatus.VOID
    assert moved.balance_cents == 0 and moved.amount_cents == 6000
    assert moved.void_reason == "CEP is now thru 12/31/2029" and moved.voided_at is not None
    assert [line.code for line in moved.lines] == ["CEP", "RCEP"]  # the record stays whole
    assert [i.number for i in untold] == ["R000001"]  # told at the member's next visit
    assert free is None  # RCEP's cycle can be invoiced again
    assert kept is not None and kept.status is InvoiceStatus.OPEN and kept.balance_cents == 4500
    assert drafts[0] is None and drafts[1] is not None


async def test_0012_moves_audit_attachments_in_their_order(empty_url: str) -> None:
    """Attachments stored with `position` before 0012 keep their order as one row each."""
    url = empty_url
    await upgrade(url, "0008")
    old = Database(url)
    statements = [
        "INSERT INTO members (acsm_id, first_name, last_name, email, credentials_version)"
        " VALUES ('1', 'A', 'B', 'a@b.co', 0)",
        "INSERT INTO invoices (number, acsm_id, issued_on, description, amount_cents,"
        " balance_cents, late_fee_cents, status, acsm_half_cecs, other_half_cecs) VALUES"
        " ('R000001', '1', '2026-11-28', 'x', 4500, 0, 0, 'paid', 0, 0)",
        "INSERT INTO audits (id, acsm_id, invoice_number, cycle_thru, selected_on, due_on)"
        " VALUES (7, '1', 'R000001', '2026-12-31', '2027-01-05', '2027-02-04')",
        "INSERT INTO proof_files (id, acsm_id, sha256, content_type, size, received_at, data)"
        " VALUES (1, '1', 'a', 'application/pdf', 1, '2027-01-05 10:00:00', 'x'),"
        " (2, '1', 'b', 'application/pdf', 1, '2027-01-05 10:00:00', 'y'),"
        " (3, '1', 'c', 'application/pdf', 1, '2027-01-05 10:00:00', 'z')",
        "INSERT INTO audit_proofs (audit_id, proof_id, position) VALUES (7, 1, 2), (7, 3, 0),"
        " (7, 2, 1)",
    ]
    try:
        async with old.engine.begin() as connection:
            for statement in statements:
                if "proof_files" in statement and not url.startswith("sqlite"):
                    statement = statement.replace("'x'", "'\\x78'").replace("'y'", "'\\x79'")
                    statement = statement.replace("'z'", "'\\x7a'")
                await connection.execute(text(statement))
        await upgrade(url)
        async with old.unit_of_work() as uow:
            moved = await uow.audits.get(7)
            assert moved is not None and moved.proof_ids == [3, 2, 1]
            assert await uow.audits.attach(7, 1) is False  # attached already
            assert await uow.audits.detach(7, 2) and await uow.audits.attach(7, 2)
            again = await uow.audits.get(7)
    finally:
        await old.dispose()
    assert again is not None and again.proof_ids == [3, 1, 2]
