"""SQLite through aiosqlite, without a thread round trip for what cannot wait.

aiosqlite runs every call on its connection's thread: creating a cursor, executing, fetching
the rows, closing the cursor — four round trips between the event loop and that thread per
statement, each costing more CPU than SQLite's own work for the bot's small, indexed queries
(docs/performance.md). Here only what can wait on another process or on the disk goes to the
thread: executing a statement (BEGIN IMMEDIATE waits for the writer lock; a write may grow the
file), COMMIT, ROLLBACK, connecting. Creating and closing a cursor and fetching rows already
computed by the statement happen inline: they take no lock (WAL readers never wait).

The connection is used by one task at a time (SQLAlchemy's pool checks it out), so the thread
and the event loop never use it at once; `check_same_thread=False` allows the handover.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite

INLINE = frozenset({"cursor", "close", "fetchall", "fetchone", "fetchmany"})
EXECUTE = frozenset({"execute", "executemany"})
ENDS = ("COMMIT", "ROLLBACK", "END")  # may checkpoint the WAL: on the thread


class InlineConnection(aiosqlite.Connection):
    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        owner = getattr(fn, "__self__", None)
        if (
            isinstance(owner, sqlite3.Cursor)
            and fn.__name__ in EXECUTE
            and _holds_writer(owner, args)
        ):
            if not self._running or not self._connection:
                raise ValueError("Connection closed")
            return fn(*args, **kwargs)
        if isinstance(owner, sqlite3.Cursor | sqlite3.Connection) and fn.__name__ in INLINE:
            if isinstance(owner, sqlite3.Connection) and fn.__name__ != "cursor":
                return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]
            if not self._running or not self._connection:
                raise ValueError("Connection closed")
            return fn(*args, **kwargs)
        return await super()._execute(fn, *args, **kwargs)  # type: ignore[no-untyped-call]


def _holds_writer(cursor: sqlite3.Cursor, args: tuple[Any, ...]) -> bool:
    """Inside a transaction begun IMMEDIATE (every transaction here is, storage/database.py)
    the connection holds the writer lock: its statements wait on no other connection."""
    if not cursor.connection.in_transaction:
        return False
    sql = args[0] if args and isinstance(args[0], str) else ""
    return not sql.lstrip()[:8].upper().startswith(ENDS)


def connect(database: str, **kwargs: Any) -> InlineConnection:
    """What SQLAlchemy's aiosqlite dialect calls instead of `aiosqlite.connect`."""
    kwargs["check_same_thread"] = False

    def connector() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, **kwargs)
        return connection

    connection = InlineConnection(connector, iter_chunk_size=64)
    connection.daemon = True  # as SQLAlchemy does: never keep the process alive
    return connection
