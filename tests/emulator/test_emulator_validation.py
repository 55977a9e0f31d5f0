"""Calls are checked against the official Bot API spec and refused like Telegram does."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from telegram_emulator import TelegramEmulator
from telegram_emulator.errors import NOT_MODIFIED


@pytest.fixture
async def ann(emulator: TelegramEmulator) -> Any:
    user = emulator.new_user(first_name="Ann")
    await user.send("/start")
    return user


async def refused(emulator: TelegramEmulator, api: Any, method: str, **params: Any) -> str:
    status, body = await api(method, **params)
    assert status == body["error_code"]
    assert body["ok"] is False
    assert emulator.violations[-1].method == method
    assert emulator.violations[-1].description == body["description"]
    return str(body["description"])


async def test_unknown_method_is_404(emulator: TelegramEmulator, api: Any) -> None:
    status, body = await api("sendTelepathy", chat_id=1)
    assert (status, body) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})
    assert emulator.violations[-1].method == "sendTelepathy"


async def test_unknown_parameter(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    text = await refused(emulator, api, "sendMessage", chat_id=ann.id, text="x", colour="red")
    assert text == 'Bad Request: unknown parameter "colour" for method sendMessage'


async def test_missing_required_parameter(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    text = await refused(emulator, api, "sendMessage", chat_id=ann.id)
    assert text == 'Bad Request: parameter "text" is required for method sendMessage'


async def test_wrong_basic_type(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    text = await refused(emulator, api, "deleteMessage", chat_id=ann.id, message_id="first")
    assert text == 'Bad Request: field "message_id" must be an Integer'


async def test_text_limits(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    assert await refused(emulator, api, "sendMessage", chat_id=ann.id, text="x" * 4097) == (
        "Bad Request: message is too long"
    )
    assert await refused(emulator, api, "sendMessage", chat_id=ann.id, text="  ") == (
        "Bad Request: message text is empty"
    )
    status, _ = await api("sendMessage", chat_id=ann.id, text="x" * 4096)
    assert status == 200


async def test_callback_data_over_64_bytes(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    def markup(data: str) -> dict[str, Any]:
        return {"inline_keyboard": [[{"text": "Go", "callback_data": data}]]}

    text = await refused(
        emulator, api, "sendMessage", chat_id=ann.id, text="t", reply_markup=markup("é" * 33)
    )
    assert text == "Bad Request: BUTTON_DATA_INVALID"
    status, _ = await api("sendMessage", chat_id=ann.id, text="t", reply_markup=markup("é" * 32))
    assert status == 200


async def test_edits(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    _, sent = await api("sendMessage", chat_id=ann.id, text="same")
    message_id = sent["result"]["message_id"]
    text = await refused(
        emulator, api, "editMessageText", chat_id=ann.id, message_id=message_id, text="same"
    )
    assert text == f"Bad Request: {NOT_MODIFIED}"
    text = await refused(
        emulator, api, "editMessageText", chat_id=ann.id, message_id=999, text="new"
    )
    assert text == "Bad Request: message to edit not found"
    status, _ = await api("editMessageText", chat_id=ann.id, message_id=message_id, text="new")
    assert status == 200
    assert ann.messages[-1].text == "new" and ann.messages[-1].edits == 1


async def test_chat_not_found_and_answers(emulator: TelegramEmulator, api: Any) -> None:
    assert await refused(emulator, api, "sendMessage", chat_id=424242, text="hi") == (
        "Bad Request: chat not found"
    )
    text = await refused(emulator, api, "answerCallbackQuery", callback_query_id="nope")
    assert text.startswith("Bad Request: query is too old")


async def test_callback_query_can_be_answered_once(
    emulator: TelegramEmulator, api: Any, ann: Any
) -> None:
    press = await ann.press_data(1, "forged")
    status, _ = await api("answerCallbackQuery", callback_query_id=press.id, text="ok")
    assert status == 200
    assert await ann.callback_answer() == "ok"
    await refused(emulator, api, "answerCallbackQuery", callback_query_id=press.id)


async def test_invoice_limits(emulator: TelegramEmulator, api: Any, ann: Any) -> None:
    good = {
        "chat_id": ann.id,
        "title": "Recertification",
        "description": "CPT",
        "payload": "R000001",
        "provider_token": "TEST",
        "currency": "USD",
        "prices": [{"label": "CPT", "amount": 4500}],
    }
    assert await refused(emulator, api, "sendInvoice", **{**good, "title": "x" * 33})
    assert await refused(emulator, api, "sendInvoice", **{**good, "payload": "p" * 129})
    assert await refused(emulator, api, "sendInvoice", **{**good, "currency": "DOLLARS"})
    assert await refused(emulator, api, "sendInvoice", **{**good, "prices": []})
    text = await refused(
        emulator, api, "sendInvoice", **{**good, "prices": [{"label": "x", "amount": 0}]}
    )
    assert text == "Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID"
    status, body = await api("sendInvoice", **good)
    assert status == 200 and body["result"]["invoice"]["total_amount"] == 4500


async def test_pre_checkout_refusal_needs_a_reason(
    emulator: TelegramEmulator, api: Any, ann: Any
) -> None:
    await api(
        "sendInvoice",
        chat_id=ann.id,
        title="T",
        description="D",
        payload="P",
        provider_token="TEST",
        currency="USD",
        prices=[{"label": "x", "amount": 100}],
    )
    paying = asyncio.create_task(ann.pay(ann.messages[-1], timeout=2))
    _, updates = await api("getUpdates", timeout=1)
    query_id = updates["result"][-1]["pre_checkout_query"]["id"]
    text = await refused(
        emulator, api, "answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=False
    )
    assert text == "Bad Request: error_message is required when ok is False"
    await api(
        "answerPreCheckoutQuery", pre_checkout_query_id=query_id, ok=False, error_message="No"
    )
    result = await paying
    assert (result.approved, result.error_message) == (False, "No")


async def test_html_is_parsed_and_bad_html_refused(
    emulator: TelegramEmulator, api: Any, ann: Any
) -> None:
    status, body = await api(
        "sendMessage", chat_id=ann.id, text="<b>Ann</b> &amp; co", parse_mode="HTML"
    )
    assert status == 200
    assert body["result"]["text"] == "Ann & co"
    assert body["result"]["entities"] == [{"type": "bold", "offset": 0, "length": 3}]
    text = await refused(
        emulator, api, "sendMessage", chat_id=ann.id, text="1 < 2", parse_mode="HTML"
    )
    assert text.startswith("Bad Request: can't parse entities")


async def test_injected_fault_is_recorded_but_not_a_violation(
    emulator: TelegramEmulator, api: Any, ann: Any
) -> None:
    emulator.fail_next("sendMessage", status=502)
    status, _ = await api("sendMessage", chat_id=ann.id, text="hi")
    assert status == 502
    status, _ = await api("sendMessage", chat_id=ann.id, text="hi")
    assert status == 200
    assert [c.ok for c in emulator.calls_to("sendMessage")] == [False, True]
    assert emulator.violations == []
