"""Files holding personal data are created owner-only (0600), whatever the umask says.

SQLite creates its -wal and -shm files with the permissions of the database file, so creating
that file 0600 before the first connection covers all three. Exports use `private_file`.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

OWNER_ONLY = 0o600


def private_file(path: Path) -> None:
    """Create `path` empty and 0600 when it does not exist; make an existing one 0600."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, OWNER_ONLY)
    try:
        os.fchmod(fd, OWNER_ONLY)
    finally:
        os.close(fd)


def prepare_sqlite_file(url: str) -> None:
    """Before connecting to an SQLite file database: create it 0600 (existing files of ours
    are tightened too; -wal/-shm follow the main file's mode). Other URLs: nothing."""
    parsed = make_url(url)
    database = parsed.database
    if not parsed.drivername.startswith("sqlite") or database in (None, "", ":memory:"):
        return
    if parsed.query.get("mode") in ("memory", "ro") or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir():
        private_file(path)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if extra.exists():
                os.chmod(extra, OWNER_ONLY)
