"""Files with personal data are owner-only (0600): the SQLite database, its -wal and -shm
files, and exports — whatever the umask."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sqlalchemy import text

from storage.database import Database
from storage.migrate import upgrade
from tests.cli.test_cli import acsm_bot


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_the_sqlite_database_and_its_wal_and_shm_files_are_owner_only(
    tmp_path: Path,
) -> None:
    old = os.umask(0o000)  # the most permissive umask: nothing may rely on it
    try:
        path = tmp_path / "acsm.db"
        url = f"sqlite+aiosqlite:///{path}"
        await upgrade(url)
        assert mode(path) == 0o600
        database = Database(url)
        try:
            async with database.engine.connect() as connection:
                await connection.execute(text("CREATE TABLE scratch (x INTEGER)"))
                await connection.commit()
                wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
                assert os.path.exists(wal) and os.path.exists(shm)  # noqa: ASYNC240
                assert (mode(path), mode(wal), mode(shm)) == (0o600, 0o600, 0o600)
        finally:
            await database.dispose()
    finally:
        os.umask(old)


async def test_an_existing_database_file_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / "acsm.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade(url)
    path.chmod(0o644)
    database = Database(url)
    await database.dispose()
    assert mode(path) == 0o600


def test_db_upgrade_and_exports_create_owner_only_files(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    url = f"sqlite+aiosqlite:///{path}"
    assert acsm_bot(url, "db", "upgrade").returncode == 0
    assert mode(path) == 0o600
    out = tmp_path / "invoices.csv"
    out.write_text("old", encoding="utf-8")
    out.chmod(0o644)
    done = acsm_bot(url, "invoices", "export", str(out))
    assert done.returncode == 0, done.stderr
    assert mode(out) == 0o600
    fresh = tmp_path / "fresh.csv"
    assert acsm_bot(url, "invoices", "export", str(fresh)).returncode == 0
    assert mode(fresh) == 0o600
