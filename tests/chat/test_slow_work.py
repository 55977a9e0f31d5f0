"""Slow work runs outside the write transaction: while one member's certificate is still
being fetched from Telegram, other members are answered (on SQLite, whose one writer would
otherwise be held by the waiting update)."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from bot.app import make_rules
from bot.sample_members import seed
from bot.settings import Settings
from domain.argon2_hasher import Argon2Hasher
from tests.chat.conftest import ANN, BOB, ChatBot, ask, log_in, prove_identity
from tests.chat.test_tracker import PDF, add_until_proof


async def test_a_certificate_being_fetched_delays_nobody_else(bot, emulator) -> None:
    ann, bob = emulator.new_user("Ann", "Lee"), emulator.new_user("Bob", "Diaz")
    await log_in(ann, ANN)
    await log_in(bob, BOB)
    await add_until_proof(ann)
    held = emulator.hold_next(match=lambda method, params: method == "getFile")
    await ann.send_document("certificate.pdf", PDF, "application/pdf")
    await asyncio.wait_for(held.arrived.wait(), 15)
    # Ann's certificate is still on its way; Bob asks twice and is answered both times.
    assert "You still need" in (await ask(bob, "how many CECs do I still need?")).text
    assert "/renew" in (await ask(bob, "/help")).text
    assert not any("Logged" in m.text for m in ann.messages)  # still waiting for the file
    held.release(execute=True)
    done = await ann.next_message(timeout=15)
    assert "Logged with its certificate: Squat clinic" in done.text


class WatchingHasher:
    """The real argon2 hasher, noting whether the database's one writer was held while it
    ran (it must not be: argon2 runs between attempts of a turn, not inside one)."""

    def __init__(self, writer: asyncio.Lock) -> None:
        self.inner, self.writer = Argon2Hasher(), writer
        self.held: list[bool] = []

    def hash(self, password: str) -> str:
        self.held.append(self.writer.locked())
        return self.inner.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        self.held.append(self.writer.locked())
        return self.inner.verify(password_hash, password)

    def needs_rehash(self, password_hash: str) -> bool:
        return self.inner.needs_rehash(password_hash)


async def test_argon2_runs_with_no_write_transaction_open(emulator, database, clock) -> None:
    if database.writer is None:
        pytest.skip("SQLite's one writer is the lock to watch")
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    hasher = WatchingHasher(database.writer)
    rules = replace(make_rules(Settings(_env_file=None), clock), hasher=hasher)  # type: ignore[call-arg]
    chat_bot = ChatBot(emulator, database, rules)
    await chat_bot.start()
    try:
        ann = emulator.new_user("Ann", "Lee")
        await ask(ann, "/login")
        await ask(ann, ANN[0])
        assert "wrong" in (await ask(ann, "not my password")).text.lower()
        assert "Welcome, Ann Lee" in (await log_in(ann, ANN)).text
        await prove_identity(ann)
        await ask(ann, "/password")
        await ask(ann, ANN[1])
        await ask(ann, "a new sentence for a password")
        changed = await ask(ann, "a new sentence for a password")
        assert "Your password is changed" in changed.text
    finally:
        await chat_bot.stop()
    # Checks of the wrong and the right password, the current one, the new one's hash.
    assert len(hasher.held) >= 4 and not any(hasher.held), hasher.held
