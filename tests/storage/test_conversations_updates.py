"""What the update runner keeps in an update's transaction: claims, replies, states, parked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

from storage.database import Database
from storage.orm import ProcessedUpdateRow
from storage.update_records import UpdateRecords, parked_updates, prune_processed

NOW = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)


async def in_transaction(database: Database, work) -> object:  # type: ignore[no-untyped-def]
    async with database.begin() as connection:
        return await work(UpdateRecords(connection))


async def test_conversation_states_round_trip(database: Database) -> None:
    names = ["renewal", "login"]

    async def save(records: UpdateRecords) -> None:
        await records.save_conversations("[1, 1]", {"renewal": "CONTACT", "login": None})
        await records.save_conversations("[2, 2]", {"renewal": {"state": "x", "data": {"é": 1}}})
        await records.save_conversations("[1, 1]", {"renewal": "CPR", "login": "login:password"})

    await in_transaction(database, save)
    assert await in_transaction(database, lambda r: r.conversations("[1, 1]", names)) == {
        "renewal": "CPR",
        "login": "login:password",
    }
    await in_transaction(database, lambda r: r.save_conversations("[1, 1]", {"renewal": None}))
    assert await in_transaction(database, lambda r: r.conversations("[1, 1]", names)) == {
        "login": "login:password"
    }
    assert await in_transaction(database, lambda r: r.conversations("[2, 2]", ["renewal"])) == {
        "renewal": {"state": "x", "data": {"é": 1}}
    }


async def test_an_update_is_claimed_once_even_concurrently(
    database: Database, queued_on_sqlite: Any
) -> None:
    assert await in_transaction(database, lambda r: r.claim(2**40, NOW))
    assert not await in_transaction(database, lambda r: r.claim(2**40, NOW))
    outcomes = await asyncio.gather(
        *(queued_on_sqlite(in_transaction(database, lambda r: r.claim(7, NOW))) for _ in range(4))
    )
    assert sorted(outcomes) == [False, False, False, True]  # type: ignore[type-var]


async def test_a_claim_rolled_back_leaves_nothing(database: Database) -> None:
    class Crash(Exception):
        pass

    async def claim_then_crash(records: UpdateRecords) -> None:
        await records.claim(5, NOW)
        await records.save_conversations("[1, 1]", {"renewal": "CPR"})
        raise Crash

    with pytest.raises(Crash):
        await in_transaction(database, claim_then_crash)
    assert await in_transaction(database, lambda r: r.claim(5, NOW))
    assert await in_transaction(database, lambda r: r.conversations("[1, 1]", ["renewal"])) == {}


async def test_replies_are_kept_until_cleared(database: Database) -> None:
    reply = {"method": "sendMessage", "chat_id": 1, "text": "hi", "markup": None}

    async def claim_with_replies(records: UpdateRecords) -> None:
        await records.claim(9, NOW)
        await records.keep_replies(9, [reply, reply])

    await in_transaction(database, claim_with_replies)
    assert await in_transaction(database, lambda r: r.unsent_replies(9)) == [reply, reply]
    await in_transaction(database, lambda r: r.keep_replies(9, [reply]))
    assert await in_transaction(database, lambda r: r.unsent_replies(9)) == [reply]
    await in_transaction(database, lambda r: r.keep_replies(9, []))
    assert await in_transaction(database, lambda r: r.unsent_replies(9)) == []


async def test_a_parked_update_is_kept_and_claimed(database: Database) -> None:
    await in_transaction(
        database, lambda r: r.park(11, 42, 5, "ValueError: x" * 100, {"update_id": 11}, NOW)
    )
    assert await parked_updates(database.engine) == [11]
    assert not await in_transaction(database, lambda r: r.claim(11, NOW))


async def test_old_update_ids_are_pruned(database: Database) -> None:
    now = datetime.now(UTC)
    async with database.begin() as connection:
        await connection.execute(
            insert(ProcessedUpdateRow),
            [
                {"update_id": 1, "seen_at": now - timedelta(days=3)},
                {"update_id": 2, "seen_at": now - timedelta(hours=1)},
                {"update_id": 3, "seen_at": now - timedelta(days=3), "replies": [{}]},
            ],
        )
    assert await prune_processed(database.engine) == 2
    async with database.connect() as connection:
        left = await connection.scalars(
            select(ProcessedUpdateRow.update_id).order_by(ProcessedUpdateRow.update_id)
        )
        assert list(left) == [2]
