"""Fixtures for the emulator's own tests: the emulator, raw HTTP, and a PTB echo bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, LabeledPrice, Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from telegram_emulator import TelegramEmulator, load_spec

ECHO_PRICE_CENTS = 4500


@pytest.fixture
def echo_price_cents() -> int:
    return ECHO_PRICE_CENTS


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    spec = load_spec(required=True)  # the tests need the spec: fail loudly without it
    async with TelegramEmulator(spec=spec) as emu:
        yield emu
    # Tests make refused calls on purpose; but what the emulator sends must always be right.
    assert not emu.sent_violations, emu.sent_violations


@pytest.fixture
async def api(emulator: TelegramEmulator) -> AsyncIterator[Any]:
    """call(method, **params) -> (status, body), JSON-encoded like many Bot API clients."""
    async with httpx.AsyncClient(base_url=emulator.base_url + emulator.token) as client:

        async def call(method: str, **params: Any) -> tuple[int, dict[str, Any]]:
            response = await client.post(f"/{method}", json=params, timeout=10)
            return response.status_code, response.json()

        call.client = client  # type: ignore[attr-defined]
        yield call


async def _echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Again", callback_data="again")]])
    await update.effective_message.reply_text(
        update.effective_message.text or "", reply_markup=keyboard
    )


async def _again(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.message is not None
    await query.answer(f"pressed {query.data}")
    await query.edit_message_text(f"{query.message.text} (again)")  # type: ignore[union-attr]


async def _invoice(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_invoice(
        chat_id=update.effective_chat.id,
        title="Recertification",
        description="CPT recertification thru 12/31/2029",
        payload="R000123",
        provider_token="TEST:provider",
        currency="USD",
        prices=[LabeledPrice("CPT", ECHO_PRICE_CENTS)],
    )


async def _pre_checkout(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.pre_checkout_query
    assert query is not None
    if query.total_amount == ECHO_PRICE_CENTS and query.invoice_payload == "R000123":
        await query.answer(ok=True)
    else:
        await query.answer(ok=False, error_message="The amount does not match the invoice.")


async def _paid(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payment = update.effective_message.successful_payment
    assert payment is not None
    await update.effective_message.reply_text(f"paid {payment.total_amount} {payment.currency}")


def build_echo_app(emulator: TelegramEmulator) -> Application:  # type: ignore[type-arg]
    app = (
        ApplicationBuilder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(CommandHandler("invoice", _invoice))
    app.add_handler(MessageHandler(filters.SUCCESSFUL_PAYMENT, _paid))
    app.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, _echo))
    app.add_handler(CallbackQueryHandler(_again))
    app.add_handler(PreCheckoutQueryHandler(_pre_checkout))
    return app


@pytest.fixture
async def echo_bot(emulator: TelegramEmulator) -> AsyncIterator[Application]:  # type: ignore[type-arg]
    """The echo bot, unchanged python-telegram-bot code, long-polling the emulator."""
    app = build_echo_app(emulator)
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=2)
        await app.start()
        yield app
        await app.updater.stop()
        await app.stop()
