"""Files holding personal data are created owner-only (0600), folders 0700, whatever the
umask says.

SQLite creates its -wal and -shm files with the permissions of the database file, so creating
that file 0600 before the first connection covers all three.

Exports (`invoices export`, `audit export`) never follow a symbolic link planted where they
write: a folder is opened with O_NOFOLLOW (a symlink is refused, `UnsafePathError`) and every
file is written under a fresh temporary name (O_CREAT | O_EXCL | O_NOFOLLOW, 0600) in that
open folder, then renamed over the final name: a rename replaces a symlink, never writes
through it.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

OWNER_ONLY = 0o600
OWNER_ONLY_FOLDER = 0o700
_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_NEW_FILE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC


class UnsafePathError(OSError):
    """Where an export writes is a symbolic link: refused, not followed."""


@contextmanager
def private_folder(
    path: Path | str, *, in_folder: int | None = None, shown: Path | None = None
) -> Iterator[int]:
    """Open a folder to write in (its descriptor): created 0700 when missing, made 0700 when
    it exists, refused when it is a symbolic link. `path` is a name inside the open folder
    `in_folder`, or (None) a path whose missing parents are created as `mkdir -p` does.
    `shown`: the path named in the error (default `path`)."""
    if in_folder is None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    with suppress(FileExistsError):
        os.mkdir(path, OWNER_ONLY_FOLDER, dir_fd=in_folder)
    try:
        fd = os.open(path, _FOLDER_FLAGS | os.O_NOFOLLOW, dir_fd=in_folder)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and stat.S_ISLNK(
            os.lstat(path, dir_fd=in_folder).st_mode
        ):
            raise UnsafePathError(
                exc.errno, f"{shown or path} is a symbolic link: not followed"
            ) from exc
        raise
    try:
        os.fchmod(fd, OWNER_ONLY_FOLDER)
        yield fd
    finally:
        os.close(fd)


@contextmanager
def folder_of(path: Path) -> Iterator[int]:
    """The folder a file named by staff goes in, opened as it is (its mode untouched)."""
    fd = os.open(path.parent, _FOLDER_FLAGS)
    try:
        yield fd
    finally:
        os.close(fd)


@contextmanager
def replaced_file(folder: int, name: str) -> Iterator[IO[bytes]]:
    """Write `name` in the open `folder`, owner-only: into a new temporary file (never an
    existing one, never through a symlink), renamed over `name` once complete (a symlink at
    `name` is replaced, not followed); on failure the temporary file is removed."""
    temporary = f".{name}.{secrets.token_hex(8)}.part"
    fd = os.open(temporary, _NEW_FILE_FLAGS, OWNER_ONLY, dir_fd=folder)
    try:
        os.fchmod(fd, OWNER_ONLY)
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(temporary, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(temporary, dir_fd=folder)
        raise


def write_private_bytes(folder: int, name: str, data: bytes) -> None:
    with replaced_file(folder, name) as handle:
        handle.write(data)


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
