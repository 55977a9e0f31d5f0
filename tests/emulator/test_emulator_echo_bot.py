"""A python-telegram-bot echo bot runs unchanged against the emulator over HTTP."""

from __future__ import annotations

from typing import Any

from telegram_emulator import TelegramEmulator


async def test_user_sends_text_and_gets_it_back(emulator: TelegramEmulator, echo_bot: Any) -> None:
    ann = emulator.new_user(first_name="Ann", last_name="Lee")
    sent = await ann.send("hello, bot")
    reply = await ann.next_message()
    assert reply.text == "hello, bot"
    assert reply.buttons == ["Again"]
    assert reply.message_id == sent.message_id + 1
    assert emulator.violations == []


async def test_pressing_a_button_gets_the_callback_answer(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("ping")
    reply = await ann.next_message()
    await ann.press("Again")
    assert await ann.callback_answer() == "pressed again"
    edited = await ann.wait_for(lambda m: m.edits == 1)
    assert edited.message_id == reply.message_id
    assert edited.text == "ping (again)"
    assert emulator.violations == []


async def test_payment_is_approved_and_confirmed(
    emulator: TelegramEmulator, echo_bot: Any, echo_price_cents: int
) -> None:
    bob = emulator.new_user(first_name="Bob")
    await bob.send("/invoice")
    invoice = await bob.next_message()
    assert invoice.invoice is not None
    assert invoice.invoice["total_amount"] == echo_price_cents
    result = await bob.pay(invoice)
    assert result.approved
    confirmation = await bob.next_message()
    assert confirmation.text == f"paid {echo_price_cents} USD"


async def test_tampered_total_is_refused_by_the_bot(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    bob = emulator.new_user(first_name="Bob")
    await bob.send("/invoice")
    invoice = await bob.next_message()
    result = await bob.pay(invoice, total_amount=1)
    assert not result.approved
    assert result.error_message == "The amount does not match the invoice."
    await emulator.settle()
    assert [m.text for m in bob.messages] == [invoice.text]


async def test_duplicate_payment_reaches_the_bot_twice(
    emulator: TelegramEmulator, echo_bot: Any, echo_price_cents: int
) -> None:
    bob = emulator.new_user(first_name="Bob")
    await bob.send("/invoice")
    invoice = await bob.next_message()
    result = await bob.pay(invoice, deliveries=2, simultaneous=True)
    assert len(result.payment_messages) == 2
    await emulator.settle()
    assert [m.text for m in bob.messages[1:]] == [f"paid {echo_price_cents} USD"] * 2
