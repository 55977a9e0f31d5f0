"""The user side: settle, deleted messages, button lookup, edits, stickers, the spec file."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from telegram_emulator import SpecNotFoundError, TelegramEmulator, load_spec
from telegram_emulator.spec import SPEC_ENV


async def test_settle_waits_for_the_bot_to_finish(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    for text in ("one", "two", "three"):
        await ann.send(text)
    await emulator.settle()
    assert [m.text for m in ann.messages] == ["one", "two", "three"]
    assert emulator.updates.unconfirmed == 0


async def test_settle_times_out_when_nobody_polls(emulator: TelegramEmulator) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("anyone?")
    started = time.monotonic()
    with pytest.raises(TimeoutError, match="1 unconfirmed updates"):
        await emulator.settle(timeout=0.3)
    assert time.monotonic() - started < 1


async def test_settle_waits_while_a_busy_check_says_busy(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    """A bot that confirms updates before handling them registers what it still holds."""
    held = {"busy": True}

    def busy() -> bool:
        return held["busy"]

    emulator.add_busy_check(busy)
    with pytest.raises(TimeoutError):
        await emulator.settle(timeout=0.3)
    held["busy"] = False
    await emulator.settle(timeout=5)
    emulator.remove_busy_check(busy)
    held["busy"] = True
    await emulator.settle(timeout=5)  # removed: no longer asked


async def test_deleted_user_message_is_flagged(emulator: TelegramEmulator, api: Any) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("/login")
    secret = await ann.send("hunter2")
    status, _ = await api("deleteMessage", chat_id=ann.id, message_id=secret.message_id)
    assert status == 200
    assert [m.deleted for m in ann.sent] == [False, True]
    status, _ = await api("deleteMessage", chat_id=ann.id, message_id=secret.message_id)
    assert status == 400


async def test_press_lists_available_buttons(emulator: TelegramEmulator, api: Any) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("/start")
    markup = {"inline_keyboard": [[{"text": "Renew", "callback_data": "renew:1"}]]}
    await api("sendMessage", chat_id=ann.id, text="Your certifications", reply_markup=markup)
    with pytest.raises(LookupError, match=r"'Cancel'.*\['Renew'\]"):
        await ann.press("Cancel")
    press = await ann.press("Renew")
    assert press.data == "renew:1"
    _, body = await api("getUpdates")
    query = body["result"][-1]["callback_query"]
    assert query["message"]["reply_markup"] == markup
    assert query["from"]["id"] == ann.id


async def test_user_edits_and_stickers_reach_ptb(emulator: TelegramEmulator) -> None:
    seen: list[str] = []

    async def record(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message = update.effective_message
        assert message is not None
        kind = "edited" if update.edited_message else "sticker" if message.sticker else "text"
        seen.append(f"{kind}:{message.text or message.sticker.emoji}")  # type: ignore[union-attr]

    app = (
        Application.builder()
        .token(emulator.token)
        .base_url(emulator.base_url)
        .base_file_url(emulator.base_file_url)
        .build()
    )
    app.add_handler(MessageHandler(filters.ALL, record))
    ann = emulator.new_user(first_name="Ann")
    first = await ann.send("helo")
    await ann.edit(first.message_id, "hello")
    await ann.send_sticker("👍")
    async with app:
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        await app.start()
        await emulator.settle()
        await app.updater.stop()
        await app.stop()
    assert seen == ["text:helo", "edited:hello", "sticker:👍"]


def test_spec_is_required_by_tests_and_found(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = load_spec(required=True)
    assert spec is not None and "sendMessage" in spec.methods
    monkeypatch.setenv(SPEC_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(SpecNotFoundError):
        load_spec(required=True)
    assert load_spec(required=False) is None


async def test_without_the_spec_the_emulator_still_works() -> None:
    async with TelegramEmulator(spec=None) as emu:
        assert not emu.validation_enabled
        ann = emu.new_user(first_name="Ann")
        await ann.send("/start")
        status, _ = await emu.call("sendMessage", {"chat_id": str(ann.id), "text": "hi"})
        assert status == 200
        assert ann.messages[-1].text == "hi"


async def test_a_reply_keyboard_shares_the_users_own_contact(
    emulator: TelegramEmulator, api: Any
) -> None:
    """A request_contact button sends the user's own contact (number, name, user id); the
    keyboard stays shown until a ReplyKeyboardRemove; every update is a valid Update."""
    ann = emulator.new_user(first_name="Ann", last_name="Lee", phone_number="13175550100")
    await ann.send("/start")
    share = {"keyboard": [[{"text": "Share my phone number", "request_contact": True}]]}
    status, _ = await api("sendMessage", chat_id=ann.id, text="Prove it", reply_markup=share)
    assert status == 200
    assert ann.reply_keyboard == share["keyboard"] and ann.messages[-1].buttons == []
    await ann.press_keyboard("Share my phone number")
    status, _ = await api(
        "sendMessage", chat_id=ann.id, text="Thanks", reply_markup={"remove_keyboard": True}
    )
    assert status == 200 and ann.reply_keyboard == []
    with pytest.raises(LookupError, match="no reply keyboard button"):
        await ann.press_keyboard("Share my phone number")
    _, body = await api("getUpdates")
    contact = body["result"][-1]["message"]["contact"]
    assert contact == {
        "phone_number": "13175550100",
        "first_name": "Ann",
        "last_name": "Lee",
        "user_id": ann.id,
    }
    assert not emulator.sent_violations


async def test_a_shared_contact_may_be_someone_elses_and_is_checked_by_the_spec(
    emulator: TelegramEmulator, api: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    with pytest.raises(ValueError, match="no phone number"):
        await ann.share_contact()  # a user without a number: name one
    await ann.share_contact("+44 20 7946 0000", first_name="Bob", user_id=4242)
    await ann.share_contact("+44 20 7946 0001", first_name="Cy", user_id=None)  # not on Telegram
    with pytest.raises(ValueError, match="not a Bot API Contact"):
        await ann.share_contact(13175550100)  # type: ignore[arg-type]  # a number, not a string
    _, body = await api("getUpdates")
    contacts = [u["message"]["contact"] for u in body["result"]]
    assert contacts == [
        {"phone_number": "+44 20 7946 0000", "first_name": "Bob", "user_id": 4242},
        {"phone_number": "+44 20 7946 0001", "first_name": "Cy"},
    ]
    assert not emulator.sent_violations
