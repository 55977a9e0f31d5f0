"""/invoices: toggles, total, Add to cart → Telegram invoice → pay → receipt, exactly once."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.chat.conftest import ANN, BOB, ask, log_in, press, quiet, shows


async def renew(user, acsm: str = "30", other: str = "15") -> str:
    await ask(user, "/renew")
    await press(user, "Yes, correct")
    await press(user, "Yes, it is current")
    await ask(user, acsm)
    await ask(user, other)
    invoice = await press(user, "☐ I acknowledge")
    found = re.search(r"Invoice (R\d{6})", invoice.text)
    assert found, invoice.text
    return found.group(1)


async def test_select_invoices_and_pay_inside_telegram(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    listing = await ask(ann, "/invoices")
    assert "Selected total: $0.00" in listing.text
    await ann.press(f"☐ {number} · $45.00")
    selected = await shows(ann, lambda m: "Selected total: $45.00" in m.text)
    assert f"☑ {number} · $45.00" in selected.buttons
    invoice_message = await press(ann, "Add to cart")
    assert invoice_message.invoice["currency"] == "USD"
    assert invoice_message.invoice["total_amount"] == 4500
    assert invoice_message.invoice["description"] == f"Invoices {number}"
    result = await ann.pay(invoice_message)
    assert result.approved, result.error_message
    confirmation = await ann.next_message()
    assert "Payment received" in confirmation.text
    assert "CPT: now valid thru 12/31/2029" in confirmation.text
    receipt = await ann.next_message()
    pdf = PdfReader(io.BytesIO(emulator.file_bytes(receipt.file_id)))
    text = pdf.pages[0].extract_text()
    for expected in ("Ann Lee", "100001", number, "Recertification thru 12/31/2029", "$45.00"):
        assert expected in text
    assert result.successful_payment["telegram_payment_charge_id"] in text
    certs = await ask(ann, "/certifications")
    assert "thru 12/31/2029" in certs.text and "State: active" in certs.text
    paid = await ask(ann, "/invoices")
    assert "No open invoices" in paid.text and f"Receipt {number}" in paid.buttons
    await ann.press(f"Receipt {number}")
    again = await ann.next_message()
    assert again.file_id is not None


async def test_the_same_payment_delivered_twice_is_recorded_once(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    await ask(ann, "/invoices")
    await ann.press(f"☐ {number} · $45.00")
    await shows(ann, lambda m: "Selected total: $45.00" in m.text)
    invoice_message = await press(ann, "Add to cart")
    result = await ann.pay(invoice_message, deliveries=2, simultaneous=True)
    assert result.approved
    await shows(ann, lambda m: m.file_id is not None)  # the receipt
    await quiet(emulator)
    confirmations = [m for m in ann.messages if "Payment received" in m.text]
    assert len(confirmations) == 1
    certs = await ask(ann, "/certifications")
    assert "thru 12/31/2029" in certs.text  # extended once, not to 2032


async def test_pre_checkout_refuses_a_wrong_total_and_a_paid_invoice(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    await ask(ann, "/invoices")
    await ann.press(f"☐ {number} · $45.00")
    await shows(ann, lambda m: "Selected total: $45.00" in m.text)
    invoice_message = await press(ann, "Add to cart")
    tampered = await ann.pay(invoice_message, total_amount=100)
    assert not tampered.approved and tampered.answered
    assert "amount" in tampered.error_message.lower()
    assert (await ann.pay(invoice_message)).approved
    await shows(ann, lambda m: "Payment received" in m.text)
    twice = await ann.pay(invoice_message)
    assert not twice.approved and "paid" in twice.error_message.lower()


async def test_a_member_cannot_select_or_pay_another_members_invoice(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    listing = await ask(bob, "/invoices")
    await bob.press_data(listing.message_id, f"it:{number}")
    assert await bob.callback_answer() == "This button has expired."
    await bob.press_data(listing.message_id, f"rcpt:{number}")
    assert await bob.callback_answer() == "This button has expired."
    await quiet(emulator)
    assert not any(number in m.text for m in bob.messages)


async def test_without_a_provider_token_the_cart_is_a_link(bot, emulator) -> None:
    bot.settings = bot.settings.model_copy(
        update={"payment_provider_token": None, "checkout_url": "https://shop.example/cart"}
    )
    await bot.restart()
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    await ask(ann, "/invoices")
    await ann.press(f"☐ {number} · $45.00")
    await shows(ann, lambda m: "Selected total: $45.00" in m.text)
    link = await press(ann, "Add to cart")
    assert "ACSM website" in link.text
    entities = link.raw.get("entities", [])
    assert any(e.get("url") == f"https://shop.example/cart?invoices={number}" for e in entities)
