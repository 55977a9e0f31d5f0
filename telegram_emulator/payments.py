"""Answers to user interactions: answerCallbackQuery, sendInvoice, answerPreCheckoutQuery."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram_emulator.errors import CALLBACK_QUERY_INVALID, bad_request
from telegram_emulator.messaging import send

if TYPE_CHECKING:
    from telegram_emulator.params import Params
    from telegram_emulator.server import TelegramEmulator

CURRENCIES = frozenset(
    [
        "USD",
        "EUR",
        "GBP",
        "CAD",
        "AUD",
        "NZD",
        "CHF",
        "JPY",
        "CNY",
        "INR",
        "BRL",
        "MXN",
        "SEK",
        "NOK",
        "DKK",
        "PLN",
        "CZK",
        "HUF",
        "RON",
        "BGN",
        "TRY",
        "UAH",
        "KZT",
        "ILS",
        "AED",
        "SAR",
        "SGD",
        "HKD",
        "KRW",
        "ZAR",
        "XTR",
    ]
)


async def answer_callback_query(emu: TelegramEmulator, p: Params) -> Any:
    press = emu.callback_queries.get(p.string("callback_query_id", "") or "")
    if press is None or press.answered:
        raise bad_request(CALLBACK_QUERY_INVALID)
    text = p.string("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    press.answered, press.text = True, text or None
    press.show_alert, press.url = p.flag("show_alert"), p.string("url")
    emu.notify()
    return True


def _check_invoice_texts(p: Params) -> None:
    for name, low, high, unit in (
        ("title", 1, 32, "characters"),
        ("description", 1, 255, "characters"),
        ("payload", 1, 128, "bytes"),
    ):
        value = p.string(name, "") or ""
        size = len(value.encode("utf-8")) if unit == "bytes" else len(value)
        if not low <= size <= high:
            raise bad_request(f"invoice {name} must be {low}-{high} {unit}, got {size}")


def _invoice_total(p: Params, currency: str) -> int:
    prices = p.decoded("prices")
    if not isinstance(prices, list) or not prices:
        raise bad_request("prices must be a non-empty array of LabeledPrice")
    for price in prices:
        amount = price.get("amount") if isinstance(price, dict) else None
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise bad_request("CURRENCY_TOTAL_AMOUNT_INVALID")
    if currency == "XTR" and len(prices) != 1:
        raise bad_request("invoices in Telegram Stars must have exactly one price")
    return sum(int(price["amount"]) for price in prices)


async def send_invoice(emu: TelegramEmulator, p: Params) -> Any:
    _check_invoice_texts(p)
    currency = p.string("currency", "") or ""
    if currency not in CURRENCIES:
        raise bad_request("CURRENCY_INVALID")
    if currency != "XTR" and not p.string("provider_token"):
        raise bad_request("PAYMENT_PROVIDER_INVALID")
    total = _invoice_total(p, currency)
    invoice = {
        "title": p.string("title"),
        "description": p.string("description"),
        "start_parameter": p.string("start_parameter", "") or "",
        "currency": currency,
        "total_amount": total,
    }
    raw = send(emu, p, {"invoice": invoice})
    chat = emu.resolve_chat(p.get("chat_id"))
    chat.messages[raw["message_id"]].meta["invoice_payload"] = p.string("payload")
    return raw


async def answer_pre_checkout_query(emu: TelegramEmulator, p: Params) -> Any:
    query = emu.pre_checkout_queries.get(p.string("pre_checkout_query_id", "") or "")
    if query is None or query.answered:
        raise bad_request("QUERY_ID_INVALID")
    ok = p.flag("ok")
    if not ok and not p.string("error_message"):
        raise bad_request("error_message is required when ok is False")
    query.answered, query.ok, query.error_message = True, ok, p.string("error_message")
    emu.notify()
    return True
