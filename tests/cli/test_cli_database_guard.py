"""Staff commands refuse the wrong database and create nothing by accident (in this process,
tests/cli/run.py; the first test also as a real process, from another folder)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.migrate import head_revision, upgrade
from tests.cli import run
from tests.cli.run import Done
from tests.conftest import POSTGRES_URL, unique_name

ROOT = Path(__file__).resolve().parents[2]
CSV_MEMBERS = (
    "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,"
    "cpr_aed_expires\n1,Ann,Lee,ann@example.com,,CPT,2024-01-01,2026-12-31,\n"
)
CSV_CECS = "acsm_id,completed_on,title,provider,cecs\n1,2025-01-01,X,ACSM,1\n"


def acsm_bot(cwd: Path, env_url: str | None, *args: str) -> Done:
    return run.acsm_bot(*args, env={"DATABASE_URL": env_url}, cwd=cwd)


def real_acsm_bot(cwd: Path, env_url: str | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["PYTHONPATH"] = str(ROOT)
    if env_url is not None:
        env["DATABASE_URL"] = env_url
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=120,
    )


def staff_commands(folder: Path) -> list[list[str]]:
    members = folder / "m.csv"
    members.write_text(CSV_MEMBERS, encoding="utf-8")
    cecs = folder / "c.csv"
    cecs.write_text(CSV_CECS, encoding="utf-8")
    return [
        ["members", "import", str(members)],
        ["members", "import", "--dry-run", str(members)],
        ["cecs", "import", str(cecs)],
        ["invoices", "export", str(folder / "out.csv")],
    ]


def assert_refused(done: Done | subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert words in lines[0], lines[0]


def test_a_missing_sqlite_database_is_refused_and_not_created(tmp_path: Path) -> None:
    """The default DATABASE_URL is acsm.db in the working folder: running a staff command
    from another folder must not leave an empty acsm.db there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for command in staff_commands(tmp_path):
        done = acsm_bot(elsewhere, None, *command)
        assert_refused(done, "no database at")
        assert "acsm.db" in done.stderr
        assert list(elsewhere.iterdir()) == [], command
    real = real_acsm_bot(elsewhere, None, *staff_commands(tmp_path)[0])
    assert_refused(real, "no database at")
    assert "acsm.db" in real.stderr
    assert list(elsewhere.iterdir()) == []
    assert not (tmp_path / "out.csv").exists()
    url = f"sqlite+aiosqlite:///{tmp_path / 'gone.db'}"
    assert_refused(acsm_bot(tmp_path, url, *staff_commands(tmp_path)[0]), "no database at")
    assert not (tmp_path / "gone.db").exists()


def test_an_sqlite_database_at_an_older_revision_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(upgrade(url, "0003"))
    for command in staff_commands(tmp_path):
        done = acsm_bot(tmp_path, url, *command)
        assert_refused(done, f"revision 0003, this program needs {head_revision()}")
    assert not (tmp_path / "out.csv").exists()
    assert acsm_bot(tmp_path, url, "db", "upgrade").returncode == 0
    for command in staff_commands(tmp_path):
        done = acsm_bot(tmp_path, url, *command)
        assert done.returncode == 0, (command, done.stderr)


def test_an_sqlite_file_without_our_schema_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    path.write_bytes(b"")
    url = f"sqlite+aiosqlite:///{path}"
    for command in staff_commands(tmp_path):
        assert_refused(acsm_bot(tmp_path, url, *command), "no ACSM schema")
    assert path.stat().st_size == 0


async def _tables(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def _admin(statement: str) -> None:
    assert POSTGRES_URL
    engine = create_async_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="ACSM_TEST_POSTGRES_URL not set")
def test_a_postgres_database_without_our_schema_is_refused_and_not_created(
    tmp_path: Path,
) -> None:
    assert POSTGRES_URL
    base = make_url(POSTGRES_URL)
    name = unique_name("empty_")
    url = base.set(database=name).render_as_string(hide_password=False)
    missing = base.set(database=f"{name}_missing").render_as_string(hide_password=False)
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        for command in staff_commands(tmp_path):
            assert_refused(acsm_bot(tmp_path, url, *command), "no ACSM schema")
            assert_refused(acsm_bot(tmp_path, missing, *command), "cannot open the database")
        assert asyncio.run(_tables(url)) == set()
        asyncio.run(upgrade(url, "0002"))
        for command in staff_commands(tmp_path):
            assert_refused(acsm_bot(tmp_path, url, *command), "revision 0002")
        assert "inbox" not in asyncio.run(_tables(url))
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
