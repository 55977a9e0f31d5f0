"""domain.ports.ImportStaging in a private scratch SQLite database (Python's sqlite3): the rows
of a `cecs import` that passed its checks wait there, on disk, until they are written, so the
import's memory does not grow with the file (docs/performance.md).

SQLite's "" file name is a private temporary database: a file in the temporary directory
(TMPDIR) that only this connection sees, deleted when it closes; its page cache is capped
(SCRATCH_CACHE_KB). Its size is about the file's. Nothing in it needs to survive a crash.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Collection, Iterator, Sequence
from datetime import date
from decimal import Decimal
from types import TracebackType

from domain.model import CecActivity
from storage.statements import IN_BATCH, batches, from_halves, halves

Key = tuple[str, date, str, str]
SCRATCH_CACHE_KB = 8_192
_COLUMNS = "line, acsm_id, completed_on, title, provider, half_cecs"


def _digest(key: Key) -> int:
    """A signed 64-bit hash of the key: a small index; a match is confirmed on the key itself."""
    text = "\x1f".join((key[0], key[1].isoformat(), key[2], key[3])).encode()
    return int.from_bytes(hashlib.blake2b(text, digest_size=8).digest(), "big", signed=True)


class SqliteImportStaging:
    """`with SqliteImportStaging() as staging:` — gone when the block ends."""

    def __init__(self) -> None:
        self.db = sqlite3.connect("")
        for pragma in (
            f"PRAGMA cache_size=-{SCRATCH_CACHE_KB}",
            "PRAGMA temp_store=FILE",
            "PRAGMA journal_mode=OFF",
            "PRAGMA synchronous=OFF",
        ):
            self.db.execute(pragma)
        self.db.execute(
            "CREATE TABLE staged (line INTEGER PRIMARY KEY, digest INTEGER NOT NULL,"
            " acsm_id TEXT NOT NULL, completed_on TEXT NOT NULL, title TEXT NOT NULL,"
            " provider TEXT NOT NULL, half_cecs INTEGER NOT NULL)"
        )
        self.db.execute("CREATE INDEX staged_digest ON staged (digest)")

    def __enter__(self) -> SqliteImportStaging:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def find(self, keys: Collection[Key]) -> dict[Key, tuple[int, Decimal]]:
        wanted = set(keys)
        found: dict[Key, tuple[int, Decimal]] = {}
        for batch in batches(sorted({_digest(k) for k in wanted}), IN_BATCH):
            marks = ",".join("?" * len(batch))  # question marks only: values are bound
            query = f"SELECT {_COLUMNS} FROM staged WHERE digest IN ({marks})"  # noqa: S608
            rows = self.db.execute(query, batch)
            for line, acsm_id, completed_on, title, provider, half_cecs in rows:
                key = (acsm_id, date.fromisoformat(completed_on), title, provider)
                if key in wanted:
                    found[key] = (line, from_halves(half_cecs))
        return found

    def add(self, rows: Sequence[tuple[int, CecActivity]]) -> None:
        with self.db:
            self.db.executemany(
                "INSERT INTO staged VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        line,
                        _digest((a.acsm_id, a.completed_on, a.title, a.provider)),
                        a.acsm_id,
                        a.completed_on.isoformat(),
                        a.title,
                        a.provider,
                        halves(a.cecs),
                    )
                    for line, a in rows
                ),
            )

    def chunks(self, size: int) -> Iterator[list[tuple[int, CecActivity]]]:
        after = 0
        while True:
            rows = self.db.execute(
                f"SELECT {_COLUMNS} FROM staged WHERE line > ? ORDER BY line LIMIT ?",  # noqa: S608
                (after, size),
            ).fetchall()
            if not rows:
                return
            yield [
                (
                    line,
                    CecActivity(
                        acsm_id, date.fromisoformat(day), title, provider, from_halves(half_cecs)
                    ),
                )
                for line, acsm_id, day, title, provider, half_cecs in rows
            ]
            after = rows[-1][0]
