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
def statements(database: Database, seen_by: str = "before_cursor_execute") -> Iterator[list[str]]:
    """The statements the engine's `seen_by` event sees meanwhile: `before_cursor_execute`,
    every statement; `before_execute`, those executed by SQLAlchemy's Connection (not on
    the driver's connection directly, as storage/prepared.py runs the hot path's)."""
    seen: list[str] = []
    position = 2 if seen_by == "before_cursor_execute" else 1  # (conn, cursor, statement…)

    def record(*args: Any) -> None:
        seen.append(" ".join(str(args[position]).split()))

    engine = database.engine.sync_engine
    event.listen(engine, seen_by, record)
    try:
        yield seen
    finally:
        event.remove(engine, seen_by, record)


async def test_a_question_writes_nothing_but_its_claim_and_reply(
    bot: Any, emulator: TelegramEmulator, database: Database, clock: FixedClock
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/cecs")
    await quiet(emulator)
    clock.advance(timedelta(seconds=50))  # the session was used 50 s ago: not written again
    with statements(database) as seen, statements(database, seen_by="before_execute") as executed:
        reply = await ask(ann, "how many CECs do I still need?")
        await quiet(emulator)
    assert "You still need 15 CECs" in reply.text
    # Each statement at the driver's cost (storage/prepared.py); SQLite's BEGIN IMMEDIATE
    # is SQLAlchemy's (the update's transaction, then the clearing's).
    assert [s for s in executed if s != "BEGIN IMMEDIATE"] == [], executed
    writes = [s for s in seen if s.upper().startswith(WRITES)]
    # The claim, the reply kept until sent, then cleared once sent: nothing else (the chat's
    # "blocked the bot" mark is only read: there is none to lift).
    assert [w.split()[:3] for w in writes] == [
        ["INSERT", "INTO", "processed_updates"],
        ["UPDATE", "processed_updates", "SET"],
        ["UPDATE", "processed_updates", "SET"],
    ], writes
    reads = [s for s in seen if s.upper().startswith("SELECT")]
    # The conversation states, the chat's "blocked" mark, then the answer's own: session
    # and member (one query), certifications, draft, recorded CECs, the member's logged
    # CECs, invoice for the cycle. No re-select; no savepoint (the use cases only read).
    assert len(reads) == len(set(reads)) == 8, reads
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
    touched = [s for s in seen if s.upper().startswith("UPDATE TELEGRAM_SESSIONS")]
    assert len(touched) == 1, seen
