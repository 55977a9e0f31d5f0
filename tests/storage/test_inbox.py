"""The durable inbox (storage/inbox.py) on a real database: received once, claimed once,
done with the conversation in the same transaction, failures and parking as columns."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

from domain.invoices import void_invoice
from domain.model import TelegramLink
from storage import inbox
from storage.database import Database
from storage.inbox import Received, conversation_key
from tests.storage.helpers import invoice, seed_member

T = TypeVar("T")
NOW = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
KEY = conversation_key(1, 1)


def update(update_id: int, chat_id: int = 1, text: str = "hi") -> Received:
    payload = {"update_id": update_id, "message": {"chat": {"id": chat_id}, "text": text}}
    return Received(update_id, chat_id, chat_id, payload)


async def run(database: Database, work: Callable[[Any], Awaitable[T]]) -> T:
    async with database.transaction() as (connection, _):
        return await work(connection)


async def test_an_update_is_stored_once_however_often_it_arrives(database: Database) -> None:
    first = await run(database, lambda c: inbox.receive(c, [update(1), update(2)], NOW))
    again = await run(database, lambda c: inbox.receive(c, [update(2), update(3)], NOW))
    assert (first, again) == ({1, 2}, {3})
    pending = await run(database, inbox.pending)
    assert [p.received.update_id for p in pending] == [1, 2, 3]
    assert pending[0].received.payload["message"]["text"] == "hi"
    assert (pending[0].attempts, pending[0].told, pending[0].retry_at) == (0, False, None)


async def test_a_claim_brings_the_conversation_and_finish_writes_it(database: Database) -> None:
    await run(database, lambda c: inbox.receive(c, [update(1), update(2), update(3)], NOW))
    claim = await run(database, lambda c: inbox.claim(c, 1, KEY))
    assert claim is not None and claim.conversation is None
    state = {"name": "renewal", "state": "CPR", "data": {"é": 1}}
    await run(database, lambda c: inbox.finish(c, 1, NOW, [], (KEY, state)))
    claim = await run(database, lambda c: inbox.claim(c, 2, KEY))
    assert claim is not None and claim.conversation == state
    await run(database, lambda c: inbox.finish(c, 2, NOW, [], (KEY, None)))  # ended
    claim = await run(database, lambda c: inbox.claim(c, 3, KEY))
    assert claim is not None and claim.conversation is None
    assert await run(database, lambda c: inbox.claim(c, 1, KEY)) is None  # done: never again
    assert [p.received.update_id for p in await run(database, inbox.pending)] == [3]


async def test_a_finished_update_forgets_what_the_member_typed(database: Database) -> None:
    await run(database, lambda c: inbox.receive(c, [update(1, text="MySecret")], NOW))
    await run(database, lambda c: inbox.finish(c, 1, NOW, None))
    async with database.connect() as connection:
        rows = (await connection.execute(inbox.INBOX.select())).all()
    assert "MySecret" not in str(rows)


async def test_a_rolled_back_turn_leaves_the_update_pending(database: Database) -> None:
    class Crash(Exception):
        pass

    await run(database, lambda c: inbox.receive(c, [update(5)], NOW))

    async def finish_then_crash(connection: Any) -> None:
        assert await inbox.claim(connection, 5, KEY) is not None
        await inbox.finish(connection, 5, NOW, [], (KEY, {"name": "x", "state": "y"}))
        raise Crash

    with pytest.raises(Crash):
        await run(database, finish_then_crash)
    claim = await run(database, lambda c: inbox.claim(c, 5, KEY))
    assert claim is not None and claim.conversation is None


async def test_concurrent_claims_on_postgres_skip_a_locked_update(database: Database) -> None:
    if database.url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: claims queue on Database.writer")
    await run(database, lambda c: inbox.receive(c, [update(7)], NOW))
    async with database.transaction() as (first, _):
        assert await inbox.claim(first, 7, KEY) is not None
        async with database.transaction() as (second, _):  # another process, meanwhile
            assert await inbox.claim(second, 7, KEY) is None  # skipped, not waited for
        await inbox.finish(first, 7, NOW, [])


async def test_replies_are_kept_until_cleared(database: Database) -> None:
    reply = {"method": "sendMessage", "chat_id": 1, "text": "hi"}
    await run(database, lambda c: inbox.receive(c, [update(9), update(10)], NOW))
    await run(database, lambda c: inbox.finish(c, 9, NOW, [reply, reply]))
    await run(database, lambda c: inbox.finish(c, 10, NOW, [reply]))
    assert await run(database, inbox.unsent) == [(9, [reply, reply]), (10, [reply])]
    await run(database, lambda c: inbox.keep_replies(c, 9, [reply]))
    await run(database, lambda c: inbox.clear_replies(c, [10]))
    assert await run(database, inbox.unsent) == [(9, [reply])]
    # A turn's finish clears the replies sent since (here 9's) with its own, kept
    await run(database, lambda c: inbox.receive(c, [update(11), update(12)], NOW))
    await run(database, lambda c: inbox.finish(c, 11, NOW, [reply], cleared=[9]))
    await run(database, lambda c: inbox.finish(c, 12, NOW, None, cleared=[11]))
    assert await run(database, inbox.unsent) == []
    await run(database, lambda c: inbox.receive(c, [update(13)], NOW))
    await run(database, lambda c: inbox.finish(c, 13, NOW, [reply], cleared=[]))
    assert await run(database, inbox.unsent) == [(13, [reply])]
    assert await run(database, inbox.pending) == []
    # Only replies are cleared for the others: a pending one stays pending, payload and all
    await run(database, lambda c: inbox.receive(c, [update(14), update(15)], NOW))
    await run(database, lambda c: inbox.finish(c, 15, NOW, None, cleared=[14]))
    (still,) = await run(database, inbox.pending)
    assert (still.received.update_id, still.received.payload) == (14, update(14).payload)


async def test_failures_count_across_restarts_and_parking_ends_it(database: Database) -> None:
    await run(database, lambda c: inbox.receive(c, [update(11, text="typed")], NOW))
    retry = NOW + timedelta(seconds=2)
    first = await run(database, lambda c: inbox.failed(c, 11, "ValueError: x" * 100, retry))
    await run(database, lambda c: inbox.told(c, 11))
    second = await run(database, lambda c: inbox.failed(c, 11, "ValueError: y", retry))
    assert (first.attempts, first.told, second.attempts, second.told) == (1, False, 2, True)
    (pending,) = await run(database, inbox.pending)
    assert (pending.attempts, pending.told, pending.retry_at) == (2, True, retry)
    await run(database, lambda c: inbox.park(c, 11, {"update_id": 11, "redacted": True}, NOW))
    assert await run(database, inbox.parked) == [11]
    assert await run(database, inbox.pending) == []
    assert await run(database, lambda c: inbox.claim(c, 11, KEY)) is None


async def test_old_done_updates_are_pruned_but_parked_ones_kept(database: Database) -> None:
    old, recent = NOW - timedelta(days=3), NOW - timedelta(hours=1)
    await run(database, lambda c: inbox.receive(c, [update(1), update(2), update(3)], NOW))
    await run(database, lambda c: inbox.finish(c, 1, old, None))
    await run(database, lambda c: inbox.finish(c, 2, recent, None))
    await run(database, lambda c: inbox.park(c, 3, {}, old))
    assert await run(database, lambda c: inbox.prune(c, NOW - inbox.KEEP)) == 1
    assert await run(database, lambda c: inbox.receive(c, [update(1)], NOW)) == {1}  # forgotten
    assert await run(database, lambda c: inbox.receive(c, [update(2)], NOW)) == set()
    assert await run(database, inbox.parked) == [3]


async def test_writers_queue_on_sqlite(database: Database) -> None:
    """Several turns at once on SQLite wait for each other in-process (Database.writer),
    never in SQLite's busy handler; on PostgreSQL they run side by side."""
    ids = list(range(100, 110))
    await run(database, lambda c: inbox.receive(c, [update(i, chat_id=i) for i in ids], NOW))

    async def turn(update_id: int) -> None:
        async with database.transaction() as (connection, _):
            assert await inbox.claim(connection, update_id, None) is not None
            await asyncio.sleep(0)
            await inbox.finish(connection, update_id, NOW, None)

    await asyncio.gather(*(turn(i) for i in ids))
    assert await run(database, inbox.pending) == []


async def test_a_claim_says_whether_the_chat_is_marked_blocked(database: Database) -> None:
    await run(database, lambda c: inbox.receive(c, [update(21, chat_id=5), update(22)], NOW))
    async with database.unit_of_work() as uow:
        await uow.reminders.mark_blocked(5, NOW)
    marked = await run(database, lambda c: inbox.claim(c, 21, KEY, 5))
    other = await run(database, lambda c: inbox.claim(c, 22, KEY, 1))
    assert marked is not None and marked.chat_blocked
    assert other is not None and not other.chat_blocked


async def test_a_claim_says_whether_the_users_member_has_void_invoices_untold(
    database: Database,
) -> None:
    (cpt,) = await seed_member(database.unit_of_work)
    async with database.unit_of_work() as uow:
        await uow.sessions.save(TelegramLink(42, "123456", 0, NOW, NOW))
        await uow.invoices.add(invoice("R000001", [cpt]))
    ids = iter(range(31, 40))

    async def claimed(user_id: int) -> bool:
        update_id = next(ids)
        await run(database, lambda c: inbox.receive(c, [update(update_id, chat_id=user_id)], NOW))
        found = await run(database, lambda c: inbox.claim(c, update_id, KEY, user_id, user_id))
        assert found is not None
        return found.voided_invoices

    assert not await claimed(42)  # an open invoice: nothing to tell
    async with database.unit_of_work() as uow:
        voided = await uow.invoices.get("R000001")
        assert voided is not None
        void_invoice(voided, NOW, "CPT is now thru 12/31/2029")
        await uow.invoices.save(voided)
    assert await claimed(42)
    assert not await claimed(43)  # another Telegram user, not logged in as that member
    async with database.unit_of_work() as uow:
        await uow.invoices.void_told(["R000001"], NOW)
    assert not await claimed(42)  # told once
