"""Credentials, sessions and authorization through the chat (beyond tests/security).

tests/security/test_credentials.py covers the basic lockout, /password and idle expiry; here:
the lock names the exact minute it ends, the window slides (a failure 16 minutes ago does not
count), throttling per Telegram user is independent of the account, buttons replayed after
/logout or by another member reveal nothing, and concurrency: one member renewing from two
updates at once gets one invoice; two payments of the same invoice record one.
"""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

from sqlalchemy import text

from tests.chat.conftest import ANN, BOB, TODAY, ask, log_in, press, quiet, shows
from tests.hardening.consistency import broken_rows, counts

WRONG = "not-the-password"


async def fail(user, username: str, times: int) -> str:
    await ask(user, "/login")
    reply = ""
    for _ in range(times):
        await ask(user, username)
        reply = (await ask(user, WRONG)).text
    await ask(user, "/cancel")
    return reply


async def test_the_lock_says_the_minute_it_ends_and_ends_then(bot, emulator, clock) -> None:
    mallory = emulator.new_user("Mallory")
    locked = await fail(mallory, ANN[0], 5)
    # 12:00 PM in New York + 15 minutes (TODAY is 17:00 UTC = noon EST).
    assert "locked until 12:15 PM on 11/28/2026 (America/New_York)" in locked, locked
    ann = emulator.new_user("Ann", "Lee")
    clock.advance(timedelta(minutes=14, seconds=59))
    assert "Too many failed attempts" in (await log_in(ann, ANN)).text
    clock.advance(timedelta(seconds=2))
    assert "Welcome" in (await log_in(ann, ANN)).text


async def test_the_window_slides_old_failures_do_not_count(bot, emulator, clock) -> None:
    mallory = emulator.new_user("Mallory")
    await fail(mallory, ANN[0], 4)
    clock.advance(timedelta(minutes=16))
    await fail(emulator.new_user("Mallory2"), ANN[0], 4)  # 4 in this window, 8 in total
    assert "Welcome" in (await log_in(emulator.new_user("Ann", "Lee"), ANN)).text


async def test_per_user_throttle_does_not_lock_the_accounts_tried(bot, emulator) -> None:
    mallory = emulator.new_user("Mallory")
    await ask(mallory, "/login")
    for guess in ("AAA000001", "BBB000002", "CCC000003", "DDD000004", "EEE000005"):
        await ask(mallory, guess)
        await ask(mallory, WRONG)
    await ask(mallory, "/cancel")
    assert "Too many failed attempts" in (await log_in(mallory, BOB)).text
    # Bob himself, from his own Telegram account, is not locked out by Mallory's guesses.
    assert "Welcome" in (await log_in(emulator.new_user("Bob", "Diaz"), BOB)).text


async def renew_ann(user) -> str:
    await ask(user, "/renew")
    await press(user, "Yes, correct")
    await press(user, "Yes, it is current")
    await ask(user, "30")
    await ask(user, "15")
    invoice = await press(user, "☐ I acknowledge")
    found = re.search(r"Invoice (R\d{6})", invoice.text)
    assert found, invoice.text
    return found.group(1)


async def test_buttons_replayed_after_logout_or_by_another_member_change_nothing(
    bot, emulator, database
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew_ann(ann)
    listing = await ask(ann, "/invoices")
    toggle = listing.keyboard[0][0]["callback_data"]
    assert toggle == f"it:{number}"
    await ask(ann, "/logout")
    # Ann's own buttons, pressed again after /logout: nothing shown, nothing changed.
    for data in (toggle, "cart", "menu:invoices", "rn:ack"):
        await ann.press_data(listing.message_id, data)
        await quiet(emulator)
    # Bob, logged in, presses Ann's invoice buttons (data copied from her chat).
    bob = emulator.new_user("Bob", "Diaz")
    welcome = await log_in(bob, BOB)
    for data in (toggle, f"rcpt:{number}", "cart"):
        await bob.press_data(welcome.message_id, data)
        await quiet(emulator)
    await ask(bob, "/invoices")
    seen = " ".join(m.text + " ".join(m.buttons) for m in bob.messages)
    assert number not in seen and "Ann" not in seen
    shown_to_ann = [m for m in ann.messages if m.message_id > listing.message_id]
    assert all(number not in m.text for m in shown_to_ann), shown_to_ann
    assert not [m for m in bob.messages if m.invoice is not None]
    async with database.connect() as connection:
        status = (
            await connection.execute(
                text("SELECT status, balance_cents FROM invoices WHERE number = :n"), {"n": number}
            )
        ).one()
    assert tuple(status) == ("open", 4500)


async def test_one_member_renewing_from_two_updates_at_once_gets_one_invoice(
    bot, emulator, database
) -> None:
    phone = emulator.new_user("Ann", "Lee")
    laptop = emulator.new_user("Ann", "Lee")
    for user in (phone, laptop):
        await log_in(user, ANN)
    await ask(phone, "/renew")
    await press(phone, "Yes, correct")
    await press(phone, "Yes, it is current")
    await ask(phone, "30")
    await ask(phone, "15")
    # The draft is the member's, not the device's: the laptop resumes at the last step.
    assert "Step 5 of 5" in (await ask(laptop, "/renew")).text
    # Both acknowledge in the same getUpdates batch.
    for user in (phone, laptop):
        message, button = user.find_button("☐ I acknowledge")
        await user.press_data(message.message_id, button["callback_data"])
    await quiet(emulator)
    shown = {
        n
        for user in (phone, laptop)
        for m in user.messages
        for n in re.findall(r"Invoice (R\d{6})", m.text)
    }
    assert len(shown) == 1, shown
    assert (await counts(database)).invoices == 1
    assert await broken_rows(database) == {}


async def test_two_payments_of_one_invoice_record_one(bot, emulator, database) -> None:
    phone = emulator.new_user("Ann", "Lee")
    laptop = emulator.new_user("Ann", "Lee")
    for user in (phone, laptop):
        await log_in(user, ANN)
    number = await renew_ann(phone)
    invoices = []
    for user in (phone, laptop):
        await ask(user, "/invoices")
        await shows(user, lambda m: f"☑ {number} · $45.00" in m.buttons)
        invoices.append(await press(user, "Add to cart"))
    # Two different Telegram charges for the same invoice, paid at the same moment.
    results = await asyncio.gather(phone.pay(invoices[0]), laptop.pay(invoices[1]))
    await quiet(emulator)
    total = await counts(database)
    assert total.paid_invoices == 1
    approved = [r for r in results if r.approved]
    # Either the second checkout is refused before money is taken, or it is recorded once
    # and the invoice stays paid once (a refund case for staff, never a second extension).
    assert total.payments == len(approved) and 1 <= total.payments <= 2
    await phone.send("/certifications")
    certs = await shows(phone, lambda m: "My certifications" in m.text)
    assert "thru 12/31/2029" in certs.text and "2032" not in certs.text
    confirmed = [m for u in (phone, laptop) for m in u.messages if "Payment received" in m.text]
    assert len(confirmed) == 1, "a second charge was confirmed as if it paid the invoice"
    assert await broken_rows(database) == {}
    assert TODAY.year == 2026
