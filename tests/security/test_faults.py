"""Faults: Telegram answering 5xx or 429, and the database briefly unavailable."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot.errors import DATABASE_DOWN
from tests.chat.conftest import ANN, ask, log_in, quiet


async def test_telegram_5xx_is_retried_and_nothing_is_duplicated(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    emulator.fail_next("sendMessage", status=502, times=2)
    reply = await ask(ann, "/cecs")
    assert "still need" in reply.text
    await quiet(emulator)
    assert sum("still need" in m.text for m in ann.messages) == 1
    failed = [c for c in emulator.calls_to("sendMessage") if c.status == 502]
    assert len(failed) == 2


async def test_telegram_429_waits_retry_after_and_sends_once(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    emulator.fail_next("sendMessage", status=429, retry_after=1)
    reply = await ask(ann, "/certifications")
    assert "CPT" in reply.text
    await quiet(emulator)
    assert sum("My certifications" in m.text for m in ann.messages) == 1


def store_failures(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "bot.polling" and "storing" in r.getMessage()]


async def test_database_briefly_unavailable(
    bot, emulator, database, database_url, caplog: pytest.LogCaptureFixture
) -> None:
    """The member is told once; nothing typed meanwhile is lost: once the database is back,
    every message is answered, in the order it was sent."""
    if not database_url.startswith("sqlite"):
        pytest.skip("made unavailable by moving the SQLite file's folder")
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    folder = Path(database_url.removeprefix("sqlite+aiosqlite:///")).parent
    away = folder.with_name(folder.name + "-away")
    await database.engine.dispose()  # open connections would hold the file
    folder.rename(away)
    try:
        assert (await ask(ann, "/cecs")).text == DATABASE_DOWN
        await ann.send("how many CECs do I still need?")
        # Storing is retried meanwhile (bot/polling.py): each failed attempt is logged, then
        # the waiting members are told (once). Two more failures: one more telling is over.
        failures = len(store_failures(caplog))
        await emulator.wait_until(lambda: len(store_failures(caplog)) >= failures + 2, 30)
        assert ann.messages[-1].text == DATABASE_DOWN  # nothing more said while it is down
    finally:
        away.rename(folder)
    first = await ann.next_message(timeout=30)
    second = await ann.next_message(timeout=30)
    assert "still need" in first.text and "still need" in second.text
    await quiet(emulator)
    assert sum(m.text == DATABASE_DOWN for m in ann.messages) == 1
