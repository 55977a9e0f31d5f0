"""SQLite's statements run on the event loop's thread when they cannot wait, and on
aiosqlite's thread when they must (storage/sqlite_inline.py): a writer lock held elsewhere
(a staff command in another process) is waited for without stopping the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from storage.database import Database
from storage.update_records import UpdateRecords

AT = datetime(2026, 11, 28, tzinfo=UTC)


def sqlite_database(tmp_path: Path, sqlite_template: Path) -> tuple[Database, Path]:
    path = tmp_path / "inline.db"
    path.write_bytes(sqlite_template.read_bytes())
    return Database(f"sqlite+aiosqlite:///{path}"), path


async def claim(database: Database, update_id: int) -> bool:
    async with database.session_factory() as session, session.begin():
        return await UpdateRecords(session).claim(update_id, AT)


class CountingQueue:
    """aiosqlite's queue of work for its thread, counted."""

    def __init__(self, queue: Any) -> None:
        self.queue, self.trips = queue, 0

    def put_nowait(self, item: object) -> None:
        self.trips += 1
        self.queue.put_nowait(item)

    def get(self) -> object:
        return self.queue.get()


async def test_a_writer_lock_held_elsewhere_is_waited_for_with_the_loop_running(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database, path = sqlite_database(tmp_path, sqlite_template)
    try:
        assert await claim(database, 1)  # the pool's connection exists, uncontended
        other = sqlite3.connect(path, isolation_level=None)  # e.g. `acsm-bot members import`
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO processed_updates (update_id, seen_at) VALUES (2, '2026')")
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beating = asyncio.create_task(heartbeat())
        waiting = asyncio.create_task(claim(database, 2))
        await asyncio.sleep(0.5)
        assert not waiting.done()  # it waits for the lock: it neither fails nor goes ahead
        assert ticks >= 20  # and the event loop keeps running meanwhile
        other.commit()
        other.close()
        assert await asyncio.wait_for(waiting, 10) is False  # the other writer's row is seen
        assert await claim(database, 3)
        beating.cancel()
        async with database.engine.connect() as connection:  # the busy timeout is back
            timeout = await connection.scalar(text("PRAGMA busy_timeout"))
        assert timeout == 30_000
    finally:
        await database.dispose()


async def test_an_uncontended_transaction_makes_no_trip_to_aiosqlites_thread(
    tmp_path: Path, sqlite_template: Path
) -> None:
    database, _ = sqlite_database(tmp_path, sqlite_template)
    try:
        assert await claim(database, 1)  # connected (connecting is the thread's work)
        async with database.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver = raw.driver_connection
        queue = CountingQueue(driver._tx)
        driver._tx = queue
        assert await claim(database, 2)  # BEGIN IMMEDIATE, INSERT, COMMIT
        assert not await claim(database, 2)
        assert queue.trips == 0
    finally:
        await database.dispose()
