"""Faults beyond tests/security/test_faults.py: the database down in the MIDDLE of a renewal
(the member is told once; the answer typed is kept and taken at the same step once it is
back), Telegram's real flood control (429 with retry_after on a burst of replies), and
5xx on a button answer and on sendInvoice: retried, nothing duplicated.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.errors import DATABASE_DOWN
from tests.chat.conftest import ANN, ask, log_in, press, quiet, shows
from tests.hardening.consistency import broken_rows, counts


async def test_database_down_mid_renewal_then_the_renewal_resumes(
    bot, emulator, database, database_url
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("made unavailable by moving the SQLite file's folder")
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/renew")
    await press(ann, "Yes, correct")
    assert "ACSM CECs" in (await press(ann, "Yes, it is current")).text
    folder = Path(database_url.removeprefix("sqlite+aiosqlite:///")).parent
    away = folder.with_name(folder.name + "-away")
    await database.engine.dispose()  # pooled connections would keep the open file usable
    folder.rename(away)
    try:
        assert (await ask(ann, "30")).text == DATABASE_DOWN
    finally:
        away.rename(folder)
    # Back: the kept answer is taken as the same step (nothing was half-saved or lost).
    assert "Step 4 of 5" in (await ann.next_message(timeout=30)).text
    assert "Step 5 of 5" in (await ask(ann, "15")).text
    assert "Invoice R" in (await press(ann, "☐ I acknowledge")).text
    assert (await counts(database)).invoices == 1
    assert await broken_rows(database) == {}


async def test_flood_control_429_on_a_burst_delivers_every_reply_once(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    emulator.rate_limit = True  # Telegram's limits: ~1 message a second per chat
    asks = ["/cecs", "/certifications", "/help", "/invoices", "/cecs", "/help"]
    before = len(ann.messages)
    for text in asks:
        await ann.send(text)
    await emulator.wait_until(lambda: len(ann.messages) - before >= len(asks), timeout=60)
    await quiet(emulator)
    emulator.rate_limit = False
    refused = [c for c in emulator.calls if c.status == 429]
    print(f"\n429 answers during the burst: {len(refused)}")
    assert len(ann.messages) - before == len(asks), "a reply was lost or duplicated"
    assert sum("/renew" in m.text and "/login" in m.text for m in ann.messages) == 2


async def test_5xx_on_button_answer_and_send_invoice_is_retried_once_each(
    bot, emulator, database
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/renew")
    await press(ann, "Yes, correct")
    await press(ann, "Yes, it is current")
    await ask(ann, "30")
    await ask(ann, "15")
    emulator.fail_next("answerCallbackQuery", status=502, times=2)
    assert "Invoice R" in (await press(ann, "☐ I acknowledge")).text
    await ann.callback_answer(timeout=15)  # answered in the end (retried after the 502s)
    listing = await ask(ann, "/invoices")
    await ann.press(listing.buttons[0])
    await shows(ann, lambda m: "Selected total: $45.00" in m.text)
    emulator.fail_next("sendInvoice", status=500, times=1)
    invoice = await press(ann, "Add to cart")
    assert invoice.invoice is not None
    await quiet(emulator)
    assert sum(m.invoice is not None for m in ann.messages) == 1
    assert [c.status for c in emulator.calls_to("sendInvoice")] == [500, 200]
    assert (await ann.pay(invoice)).approved
    await shows(ann, lambda m: "Payment received" in m.text)
    total = await counts(database)
    assert (total.invoices, total.paid_invoices, total.payments) == (1, 1, 1)
