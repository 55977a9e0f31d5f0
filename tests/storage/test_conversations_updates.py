"""The bot's persistence store and the processed-update register."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from storage.conversations import ConversationStore
from storage.database import Database
from storage.orm import ProcessedUpdateRow
from storage.updates import ProcessedUpdates


async def test_conversation_states_round_trip(database: Database) -> None:
    store = ConversationStore(database.session_factory)
    assert await store.load_all("renewal") == {}
    await store.save("renewal", "[1, 1]", "CONTACT")
    await store.save("renewal", "[2, 2]", {"step": 3, "picked": [1, 2], "note": "é"})
    await store.save("login", "[1, 1]", 1)
    await store.save("renewal", "[1, 1]", "CPR")  # overwrite
    assert await store.load_all("renewal") == {
        "[1, 1]": "CPR",
        "[2, 2]": {"step": 3, "picked": [1, 2], "note": "é"},
    }
    await store.save("renewal", "[1, 1]", None)  # the conversation ended
    await store.save("renewal", "[9, 9]", None)  # nothing to delete: fine
    assert await store.load_all("renewal") == {"[2, 2]": {"step": 3, "picked": [1, 2], "note": "é"}}
    assert await store.load_all("login") == {"[1, 1]": 1}


async def test_an_update_is_processed_once(database: Database) -> None:
    updates = ProcessedUpdates(database.session_factory)
    assert await updates.mark_processed(2**40)
    assert not await updates.mark_processed(2**40)
    outcomes = await asyncio.gather(*(updates.mark_processed(7) for _ in range(4)))
    assert sorted(outcomes) == [False, False, False, True]


async def test_old_update_ids_are_pruned(database: Database) -> None:
    updates = ProcessedUpdates(database.session_factory)
    now = datetime.now(UTC)
    async with database.session_factory() as session, session.begin():
        session.add_all(
            [
                ProcessedUpdateRow(update_id=1, seen_at=now - timedelta(days=3)),
                ProcessedUpdateRow(update_id=2, seen_at=now - timedelta(hours=1)),
            ]
        )
    assert await updates.prune() == 1
    async with database.session_factory() as session:
        left = await session.scalars(select(ProcessedUpdateRow.update_id))
        assert list(left) == [2]
        assert await session.scalar(select(func.count()).select_from(ProcessedUpdateRow)) == 1
