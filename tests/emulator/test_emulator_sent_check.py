"""What the emulator sends the bot is checked against the Bot API types: a malformed Update or
method result is caught (recorded as a SentViolation), a well-formed one passes."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from telegram_emulator import SentViolation, TelegramEmulator, load_spec
from telegram_emulator.sent_check import SentCheck

USER = {"id": 5550001, "is_bot": False, "first_name": "Ann", "language_code": "en"}
CHAT = {"id": 5550001, "type": "private", "first_name": "Ann"}
MESSAGE = {
    "message_id": 3,
    "from": USER,
    "chat": CHAT,
    "date": 1_790_000_000,
    "text": "/start",
    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
}
UPDATE = {"update_id": 12, "message": MESSAGE}


@pytest.fixture(scope="module")
def check() -> SentCheck:
    spec = load_spec(required=True)
    assert spec is not None
    return SentCheck(spec)


def changed(value: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    """A deep copy of `value` with the field at dotted `path` set to `new` (`...` removes it)."""
    result = copy.deepcopy(value)
    *parents, last = path.split(".")
    target = result
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if new is ...:
        del target[last]
    else:
        target[last] = new
    return result


def test_a_well_formed_update_passes(check: SentCheck) -> None:
    assert check.problem(UPDATE, ["Update"], "update") is None


@pytest.mark.parametrize(
    ("update", "problem"),
    [
        (changed(UPDATE, "message.colour", "red"), 'update.message: Message has no field "colour"'),
        (
            changed(UPDATE, "message.chat", ...),
            'update.message: field "chat" is required in Message',
        ),
        (changed(UPDATE, "update_id", ...), 'update: field "update_id" is required in Update'),
        (
            changed(UPDATE, "message.chat.id", "5550001"),
            "update.message.chat.id: must be an Integer, not a string",
        ),
        (
            changed(UPDATE, "message.text", 42),
            "update.message.text: must be a String, not an integer",
        ),
        (changed(UPDATE, "message.text", None), "update.message.text: must be a String, not null"),
        (
            changed(UPDATE, "message.from.is_bot", "false"),
            "update.message.from.is_bot: must be a Boolean, not a string",
        ),
        (
            changed(UPDATE, "message.date", True),
            "update.message.date: must be an Integer, not a boolean",
        ),
        (
            changed(UPDATE, "message.entities", {"type": "bot_command"}),
            "update.message.entities: must be an Array of MessageEntity, not an object",
        ),
        (
            changed(UPDATE, "message.entities.0.length", ...),
            'update.message.entities[0]: field "length" is required in MessageEntity',
        ),
        (
            changed(UPDATE, "message.location", {"latitude": "40.7", "longitude": -74}),
            "update.message.location.latitude: must be a Float, not a string",
        ),
        (
            changed(
                UPDATE, "message.forward_origin", {"type": "usr", "date": 1, "sender_user": USER}
            ),
            "update.message.forward_origin.type: must be 'user' in MessageOriginUser",
        ),
        (
            changed(UPDATE, "message.from.can_join_groups", False),
            "update.message.from.can_join_groups: User.can_join_groups is returned only in getMe",
        ),
    ],
)
def test_a_malformed_update_is_caught(check: SentCheck, update: Any, problem: str) -> None:
    assert check.problem(update, ["Update"], "update") == problem


def test_nested_arrays_floats_and_abstract_types(check: SentCheck) -> None:
    located = changed(MESSAGE, "location", {"latitude": 40.7, "longitude": -74})  # int is a Float
    assert check.problem(located, ["Message"], "m") is None
    keyboard = {"inline_keyboard": [[{"text": "Renew", "callback_data": "renew"}]]}
    assert check.problem(changed(MESSAGE, "reply_markup", keyboard), ["Message"], "m") is None
    bad_row = {"inline_keyboard": [{"text": "Renew", "callback_data": "renew"}]}
    assert check.problem(changed(MESSAGE, "reply_markup", bad_row), ["Message"], "m") == (
        "m.reply_markup.inline_keyboard[0]: must be an Array of InlineKeyboardButton, not an object"
    )
    # CallbackQuery.message is a MaybeInaccessibleMessage: a Message or an InaccessibleMessage.
    query = {"id": "9", "from": USER, "chat_instance": "1", "data": "renew", "message": MESSAGE}
    assert check.problem({"update_id": 1, "callback_query": query}, ["Update"], "u") is None
    gone = {"chat": CHAT, "message_id": 3, "date": 0}
    assert check.problem(changed(query, "message", gone), ["CallbackQuery"], "q") is None
    broken = changed(MESSAGE, "chat.type", 1)
    assert check.problem(changed(query, "message", broken), ["CallbackQuery"], "q") == (
        "q.message.chat.type: must be a String, not an integer"
    )


def test_method_results_and_unions(check: SentCheck) -> None:
    # editMessageText returns "Message or Boolean".
    assert check.problem(True, ["Message", "Boolean"], "r") is None
    assert check.problem(MESSAGE, ["Message", "Boolean"], "r") is None
    assert check.problem("ok", ["Message", "Boolean"], "r") == (
        "r: must be a Message object, not a string"
    )
    file = {"file_id": "DOC1", "file_unique_id": "U1", "file_size": 3, "file_path": "d/f.pdf"}
    assert check.problem(file, ["File"], "r") is None
    assert check.problem({**file, "file_size": 3.5}, ["File"], "r") == (
        "r.file_size: must be an Integer, not a float"
    )
    me = {"id": 7, "is_bot": True, "first_name": "Bot", "username": "b", "can_join_groups": False}
    assert check.problem(me, ["User"], "r", method="getMe") is None
    assert check.problem([UPDATE, {"update_id": 13}], ["Array of Update"], "r") is None


async def test_the_emulator_records_a_malformed_update_it_delivers(
    emulator: TelegramEmulator, api: Any
) -> None:
    injected = changed(MESSAGE, "text", 42)
    emulator.inject({"message": injected})
    status, body = await api("getUpdates")
    assert status == 200 and body["result"][0]["message"]["text"] == 42  # delivered all the same
    [violation] = emulator.sent_violations
    assert violation.method == "getUpdates"
    assert violation.description.endswith(
        "getUpdates result[0].message.text: must be a String, not an integer"
    )
    emulator.violations.clear()  # deliberate: the fixture fails a test on any left


async def test_the_emulator_records_a_malformed_method_result(emulator: TelegramEmulator) -> None:
    emulator.check_result("getMe", {"id": "7", "is_bot": True, "first_name": "Bot"})
    assert emulator.violations == [
        SentViolation(
            "getMe",
            "the emulator sent what Telegram never would: "
            "getMe result.id: must be an Integer, not a string",
            {"id": "7", "is_bot": True, "first_name": "Bot"},
        )
    ]
    emulator.violations.clear()


@pytest.fixture
async def hook() -> AsyncIterator[str]:
    async def accept(request: web.Request) -> web.Response:
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", accept)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    yield f"http://{host}:{port}/hook"
    await runner.cleanup()


async def test_a_malformed_webhook_body_is_recorded(hook: str) -> None:
    async with TelegramEmulator(spec=load_spec(required=True), allow_http_webhook=True) as emu:
        emu.inject({"message": changed(MESSAGE, "chat.type", ...)})
        status, _ = await emu.call("setWebhook", {"url": hook})
        assert status == 200
        await emu.wait_until(lambda: emu.deliveries)
    [violation] = emu.sent_violations
    assert violation.method == "webhook"
    assert violation.description.endswith(
        'webhook update.message.chat: field "type" is required in Chat'
    )


async def test_the_emulator_own_chat_passes(emulator: TelegramEmulator, api: Any) -> None:
    """A user's messages, a press on a deleted message, the bot's replies: all well-formed."""
    ann = emulator.new_user("Ann", "Lee", username="ann")
    await ann.send("/start")
    await ann.send_photo(caption="a photo")
    await ann.send_document("cv.pdf", b"%PDF-1.4")
    await ann.send_sticker()
    status, sent = await api(
        "sendMessage",
        chat_id=ann.id,
        text="<b>Hi</b> <a href='https://x.org'>x</a>",
        parse_mode="HTML",
    )
    assert status == 200
    message_id = sent["result"]["message_id"]
    await api("sendMessage", chat_id=ann.id, text="re", reply_parameters={"message_id": message_id})
    await api("deleteMessage", chat_id=ann.id, message_id=message_id)
    await ann.press_data(message_id, "stale")
    await ann.edit(1, "/help")
    status, got = await api("getUpdates")
    assert status == 200 and len(got["result"]) == 6
    assert emulator.violations == []
