"""The Alembic migrations build exactly the schema the ORM models describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from storage.database import Database
from storage.migrate import upgrade
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
    done = subprocess.run(  # noqa: S603
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
