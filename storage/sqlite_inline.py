"""SQLite through aiosqlite, on aiosqlite's thread only when a statement must wait.

aiosqlite runs every call on its connection's thread: creating a cursor, executing, fetching
the rows, closing the cursor, BEGIN, COMMIT — each a round trip between the event loop and
that thread (a wake-up of each, and the GIL handed over twice), which costs more CPU than
SQLite's own work for the bot's small, indexed queries (docs/performance.md). Here the calls
run inline, on the event loop's thread, whenever they cannot wait on another connection:

- Every transaction here begins IMMEDIATE (storage/database.py): `BEGIN IMMEDIATE` takes
  the writer lock, the only lock a WAL database makes anyone wait for. It is tried inline
  with no busy timeout; if another connection (a staff command in another process, or
  another connection of this one) holds the lock, it is waited for on the thread, with the
  connection's busy timeout, as before.
- Inside such a transaction the connection holds the writer lock: its statements, COMMIT
  and ROLLBACK wait on no one (a WAL commit takes no other lock; the automatic checkpoint
  after it is PASSIVE, which never waits for readers). Outside a transaction, commit() and
  rollback() (the pool's reset on return) do nothing.
- Cursors, and fetching rows a statement already computed, take no lock at all.

What is left for the thread: connecting, statements outside a transaction, and a BEGIN
that has to wait. The connection is used by one task at a time (SQLAlchemy's pool checks it
out), so the thread and the event loop never use it at once; `check_same_thread=False`
allows the handover.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite

CURSOR_CALLS = frozenset({"close", "fetchall", "fetchone", "fetchmany"})
EXECUTE = frozenset({"execute", "executemany"})
ENDS = frozenset({"commit", "rollback"})


class InlineConnection(aiosqlite.Connection):
    def __init__(self, connector: Callable[[], sqlite3.Connection], busy_ms: int) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self.busy_ms = busy_ms

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        owner = getattr(fn, "__self__", None)
        name = getattr(fn, "__name__", "")
        if isinstance(owner, sqlite3.Cursor):
            if name in CURSOR_CALLS:
                return self._inline(fn, *args, **kwargs)
            if name in EXECUTE:
                if owner.connection.in_transaction:  # holds the writer lock: waits on no one
                    return self._inline(fn, *args, **kwargs)
                if _is_begin(args) and self._begin_at_once(owner, args[0]):
                    return owner
        elif isinstance(owner, sqlite3.Connection) and (name == "cursor" or name in ENDS):
            return self._inline(fn, *args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]

    def _inline(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._ensure_open()
        return fn(*args, **kwargs)

    def _ensure_open(self) -> None:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")  # as aiosqlite says it

    def _begin_at_once(self, cursor: sqlite3.Cursor, sql: str) -> bool:
        """BEGIN without waiting: True if it began; False if the lock is taken (then it is
        waited for on the thread, with the busy timeout back in place)."""
        self._ensure_open()
        connection = cursor.connection
        connection.execute("PRAGMA busy_timeout=0")
        try:
            cursor.execute(sql)
            return True
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:  # (extended codes too)
                raise
            return False
        finally:
            connection.execute(f"PRAGMA busy_timeout={self.busy_ms}")


def _is_begin(args: tuple[Any, ...]) -> bool:
    sql = args[0] if args and isinstance(args[0], str) else ""
    return sql[:5].upper() == "BEGIN"


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls instead of `aiosqlite.connect`."""
    kwargs["check_same_thread"] = False
    busy_ms = int(float(kwargs.get("timeout", 5.0)) * 1000)

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return connection

    connection = InlineConnection(connector, busy_ms)
    connection.daemon = True  # as SQLAlchemy does: never keep the process alive
    return connection
