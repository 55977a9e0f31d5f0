"""What one update costs the database: a question changes nothing but its own bookkeeping.

The statements are counted on the real engine (SQLAlchemy's cursor event) while a logged-in
member asks how many CECs they still need, a minute after their last question."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from domain.clock import FixedClock
from storage.database import Database
from telegram_emulator import TelegramEmulator
from tests.chat.conftest import ANN, ask, log_in, quiet

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextmanager
def statements(database: Database) -> Iterator[list[str]]:
    """Every statement the engine sends meanwhile (SQLAlchemy's `before_cursor_execute`)."""
    seen: list[str] = []

    def record(_connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def settled(bot: Any, emulator: TelegramEmulator) -> None:
    """Quiet, and the replies sent are cleared (bot/reply_clearing.py)."""
    await quiet(emulator)
    clearer = bot.processing.runner.clearer
    await emulator.wait_until(lambda: clearer.settled, timeout=15)


async def test_a_question_writes_nothing_but_its_claim_and_reply(
    bot: Any, emulator: TelegramEmulator, database: Database, clock: FixedClock
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/cecs")
    await settled(bot, emulator)
    clock.advance(timedelta(seconds=50))  # the session was used 50 s ago: not written again
    with statements(database) as seen:
        reply = await ask(ann, "how many CECs do I still need?")
        await settled(bot, emulator)
    assert "You still need 15 CECs" in reply.text
    writes = [s for s in seen if s.upper().startswith(WRITES)]
    # Stored in the inbox, done with its reply kept until sent, then cleared once sent:
    # nothing else (the chat's "blocked the bot" mark is only read: there is none to lift).
    assert [w.split()[:3] for w in writes] == [
        ["INSERT", "INTO", "inbox"],
        ["UPDATE", "inbox", "SET"],
        ["UPDATE", "inbox", "SET"],
    ], writes
    # (The clearing is a transaction of its own only because no other update follows within
    # bot/reply_clearing.py's CLEAR_AFTER: otherwise the next turn's transaction clears it,
    # tests/chat/test_delivery.py::test_sent_replies_are_cleared_by_the_next_turns_transaction.)
    reads = [s for s in seen if s.upper().startswith("SELECT")]
    # The claim with the member's conversation and the chat's "blocked" mark (one query),
    # then the answer's own: session, member, certifications with their cycle's invoice if
    # any (none here, so it is not asked again) and draft (one query); recorded and logged
    # CECs of the cycle's window (one query).
    assert len(reads) == len(set(reads)) == 3, reads
    # Both use cases run in the update's one transaction: no savepoint.
    assert not [s for s in seen if "SAVEPOINT" in s.upper()], seen


async def test_after_a_minute_the_session_is_touched_once(
    bot: Any, emulator: TelegramEmulator, database: Database, clock: FixedClock
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    clock.advance(timedelta(minutes=2))
    with statements(database) as seen:
        await ask(ann, "/cecs")
        await quiet(emulator)
    # One statement: an upsert of the session (INSERT … ON CONFLICT DO UPDATE).
    touched = [s for s in seen if s.upper().startswith("INSERT INTO TELEGRAM_SESSIONS")]
    assert len(touched) == 1, seen
