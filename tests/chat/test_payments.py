"""/invoices: toggles, total, Add to cart → Telegram invoice → pay → receipt, exactly once."""

from __future__ import annotations

import csv
import io
import re

from pypdf import PdfReader

from bot.exports import export_invoices
from domain.model import InvoiceStatus
from domain.services.imports import import_members
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
    bot.settings = bot.settings.model_copy(update={"acsm_contact": "recert@acsm.example"})
    await bot.restart()
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    listing = await ask(ann, "/invoices")
    # The only open invoice comes ticked: "Add to cart" pays it at once.
    assert "Selected total: $45.00" in listing.text
    assert f"☑ {number} · $45.00" in listing.buttons
    await ann.press(f"☑ {number} · $45.00")  # unticked: nothing to pay
    await shows(ann, lambda m: "Selected total: $0.00" in m.text)
    await ann.press("Add to cart")
    assert await ann.callback_answer() == "Select at least one invoice first."
    await ann.press(f"☐ {number} · $45.00")
    selected = await shows(ann, lambda m: f"☑ {number} · $45.00" in m.buttons)
    assert "Selected total: $45.00" in selected.text
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
    # Who issued it, what it renewed until when, when in ACSM's zone, and how it was paid.
    for expected in (
        "Issued by: American College of Sports Medicine",
        "Contact: recert@acsm.example",  # ACSM_CONTACT
        "CPT - ACSM Certified Personal Trainer: valid thru 12/31/2029",
        "Payment date: 11/28/2026 12:00 PM EST",  # 17:00 UTC
        "Payment method: Telegram payment, charged by the payment provider",
        "Provider charge ID: " + result.successful_payment["provider_payment_charge_id"],
    ):
        assert expected in " ".join(text.split()), text
    assert "UTC" not in text
    certs = await ask(ann, "/certifications")
    assert "thru 12/31/2029" in certs.text and "State: active" in certs.text
    paid = await ask(ann, "/invoices")
    assert "No open invoices" in paid.text and f"Receipt {number}" in paid.buttons
    assert "Add to cart" not in paid.buttons  # nothing to add
    await ann.press(f"Receipt {number}")
    again = await ann.next_message()
    assert again.file_id is not None


async def test_with_two_open_invoices_none_is_ticked_before_the_member_chooses(
    bot, emulator, database
) -> None:
    from datetime import date

    from domain.model import Invoice, InvoiceLine

    async with database.unit_of_work() as uow:  # Bob: one open invoice per certification
        certs = await uow.certifications.for_member("100002")
        for number, cert in zip(("R900001", "R900002"), certs, strict=True):
            thru = cert.thru_date
            await uow.invoices.add(
                Invoice(
                    number=number,
                    acsm_id="100002",
                    issued_on=date(2026, 11, 1),
                    description=f"Recertification thru 12/31/{thru.year + 3}",
                    amount_cents=3000,
                    balance_cents=3000,
                    lines=[InvoiceLine(cert.id, cert.code, thru, thru.replace(year=thru.year + 3))],
                )
            )
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    listing = await ask(bob, "/invoices")
    assert "Selected total: $0.00" in listing.text
    assert {"☐ R900001 · $30.00", "☐ R900002 · $30.00"} <= set(listing.buttons)
    await bob.press("☐ R900002 · $30.00")
    selected = await shows(bob, lambda m: "Selected total: $30.00" in m.text)
    assert "☑ R900002 · $30.00" in selected.buttons
    assert "☐ R900001 · $30.00" in selected.buttons


async def test_the_same_payment_delivered_twice_is_recorded_once(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    await ask(ann, "/invoices")
    await shows(ann, lambda m: f"☑ {number} · $45.00" in m.buttons)
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
    await shows(ann, lambda m: f"☑ {number} · $45.00" in m.buttons)
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
    await shows(ann, lambda m: f"☑ {number} · $45.00" in m.buttons)
    link = await press(ann, "Add to cart")
    assert "ACSM website" in link.text
    entities = link.raw.get("entities", [])
    assert any(e.get("url") == f"https://shop.example/cart?invoices={number}" for e in entities)


# ---- issue 22: a chat invoice left open by a staff import -------------------------------

MAIL_RENEWAL = (
    "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,"
    "cpr_aed_expires\n"
    "100001,Ann,Lee,ann.lee@example.com,+1 317 555 0100,CPT,2027-01-01,2029-12-31,2027-06-30\n"
)


def successful_payment(user, invoice_message, charge_id: str) -> dict:
    """The update Telegram sends once money was taken for `invoice_message`: here with no
    pre-checkout before it, as when the member approved just before staff voided the
    invoice."""
    invoice = invoice_message.invoice
    return {
        "message": {
            "message_id": user.chat.take_message_id(),
            "from": user.raw,
            "chat": user.chat.raw,
            "date": 1_796_000_000,
            "successful_payment": {
                "currency": invoice["currency"],
                "total_amount": invoice["total_amount"],
                "invoice_payload": invoice_message.meta["invoice_payload"],
                "telegram_payment_charge_id": charge_id,
                "provider_payment_charge_id": f"provider-{charge_id}",
            },
        }
    }


async def test_an_invoice_a_staff_import_made_void_is_told_once_refused_and_never_renews(
    bot, emulator, database, clock, tmp_path
) -> None:
    """Ann renews in the chat (invoice for the cycle ending 12/31/2026); staff then import her
    mail renewal (thru 12/31/2029). Before: /invoices still offered the invoice, paying it
    was an ordinary paid renewal that renewed nothing, with a receipt."""
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    number = await renew(ann)
    await ask(ann, "/invoices")
    await shows(ann, lambda m: f"☑ {number} · $45.00" in m.buttons)
    stale = await press(ann, "Add to cart")  # the Telegram invoice, sent before the import

    # Staff run `acsm-bot members import` (its use case, on the bot's database and clock).
    result = await import_members(
        database.unit_of_work, bot.rules.catalog, MAIL_RENEWAL, now=clock.now()
    )
    assert [line.split(" (")[0] for line in result.voided] == [
        f"line 2: voided invoice {number} of member 100001"
    ]

    # Her next visit: a few words, before the answer; /invoices no longer offers it.
    await ann.send("/invoices")
    notice = await ann.next_message()
    assert notice.text == (
        f"Invoice {number} was cancelled: CPT is now thru 12/31/2029 in ACSM's records."
        " Nothing is due on it."
    )
    listing = await ann.next_message()
    assert "No open invoices" in listing.text and listing.buttons == []
    assert f"Cancelled (nothing due):\n{number} · CPT is now thru 12/31/2029" in listing.text
    certs = await ask(ann, "/certifications")
    assert "thru 12/31/2029" in certs.text
    await quiet(emulator)
    assert sum("was cancelled" in m.text for m in ann.messages) == 1  # told once

    # The Telegram invoice still in the chat is refused before any money is taken.
    refused = await ann.pay(stale)
    assert not refused.approved and refused.answered
    assert f"Invoice {number} was cancelled (CPT is now thru 12/31/2029)" in refused.error_message

    # Money that arrives anyway is recorded for staff, renews nothing, and Ann is told.
    emulator.inject(successful_payment(ann, stale, "tg-late-1"))
    answer = await ann.next_message()
    assert answer.text == (
        f"We received your payment, but invoice {number} was cancelled (CPT is now thru"
        " 12/31/2029 in ACSM's records), so it renewed nothing. Our staff have been alerted"
        " and will refund it or apply it to another fee of yours; you do not need to do"
        " anything. Reference: tg-late-1"
    )
    await quiet(emulator)
    assert not [m for m in ann.messages if m.file_id is not None]  # no receipt
    assert not [m for m in ann.messages if "Payment received" in m.text]
    certs = await ask(ann, "/certifications")
    assert "thru 12/31/2029" in certs.text and "2032" not in certs.text
    async with database.unit_of_work() as uow:
        (flagged,) = await uow.payments.flagged()
        void = await uow.invoices.get(number)
    assert (flagged.charge_id, flagged.acsm_id, flagged.status) == (
        "tg-late-1",
        "100001",
        "flagged",
    )
    assert flagged.note == (
        f"paid a void invoice or one whose cycle moved (invoice {number}: CPT is now thru"
        " 12/31/2029): refund or apply it"
    )
    assert void is not None and void.status is InvoiceStatus.VOID and void.payment_charge_id is None

    # The finance export: the invoice void, the money flagged with the reason.
    out = tmp_path / "invoices.csv"
    async with database.unit_of_work() as uow:
        await export_invoices(uow, out)
    rows = {
        r["status"]: r
        for r in csv.DictReader(out.open(encoding="utf-8", newline=""))
        if r["acsm_id"] == "100001"
    }
    assert set(rows) == {"void", "payment_flagged"}  # not "paid"
    assert (rows["void"]["number"], rows["void"]["balance"]) == (number, "0.00")
    flagged_row = rows["payment_flagged"]
    assert (flagged_row["acsm_id"], flagged_row["amount"]) == ("100001", "45.00")
    assert flagged_row["description"] == flagged.note
    assert flagged_row["telegram_payment_charge_id"] == "tg-late-1"
