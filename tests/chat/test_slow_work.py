"""Slow work runs outside the write transaction: while one member's certificate is still
being fetched from Telegram, other members are answered (on SQLite, whose one writer would
otherwise be held by the waiting update)."""

from __future__ import annotations

import asyncio

from tests.chat.conftest import ANN, BOB, ask, log_in
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
