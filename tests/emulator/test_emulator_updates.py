"""getUpdates: long polling, offsets, limits, allowed_updates, redelivery, injection."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telegram_emulator import TelegramEmulator


async def test_long_poll_returns_as_soon_as_an_update_arrives(
    emulator: TelegramEmulator, api: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    started = time.monotonic()
    poll = asyncio.create_task(api("getUpdates", timeout=5))
    await emulator.wait_until(lambda: emulator.updates.polls_waiting == 1)
    assert not poll.done()
    await ann.send("hi")
    status, body = await poll
    elapsed = time.monotonic() - started
    assert status == 200
    assert [u["message"]["text"] for u in body["result"]] == ["hi"]
    assert elapsed < 1.0


async def test_long_poll_returns_empty_after_the_timeout(
    emulator: TelegramEmulator, api: Any
) -> None:
    started = time.monotonic()
    status, body = await api("getUpdates", timeout=1)
    elapsed = time.monotonic() - started
    assert (status, body["result"]) == (200, [])
    assert 0.9 <= elapsed < 1.5


async def test_offset_confirms_updates_and_unconfirmed_are_redelivered(
    emulator: TelegramEmulator, api: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    for text in ("one", "two", "three"):
        await ann.send(text)
    _, first = await api("getUpdates")
    _, again = await api("getUpdates")
    ids = [u["update_id"] for u in first["result"]]
    assert [u["update_id"] for u in again["result"]] == ids  # nothing confirmed yet
    _, rest = await api("getUpdates", offset=ids[1] + 1)
    assert [u["message"]["text"] for u in rest["result"]] == ["three"]
    _, none_left = await api("getUpdates", offset=ids[2] + 1)
    assert none_left["result"] == []
    _, still_none = await api("getUpdates", offset=ids[0])  # confirmed ones are forgotten
    assert still_none["result"] == []


async def test_limit_and_allowed_updates(emulator: TelegramEmulator, api: Any) -> None:
    ann = emulator.new_user(first_name="Ann")
    for text in ("a", "b", "c"):
        await ann.send(text)
    _, limited = await api("getUpdates", limit=2)
    assert [u["message"]["text"] for u in limited["result"]] == ["a", "b"]
    await ann.press_data(1, "stale")
    _, only_callbacks = await api("getUpdates", allowed_updates=["callback_query"])
    assert [list(u)[1] for u in only_callbacks["result"]] == ["callback_query"]


async def test_message_ids_count_per_chat(emulator: TelegramEmulator, api: Any) -> None:
    ann, bob = emulator.new_user(first_name="Ann"), emulator.new_user(first_name="Bob")
    assert ann.id != bob.id
    first = await ann.send("/start")
    await bob.send("/start")
    _, reply = await api("sendMessage", chat_id=ann.id, text="hello Ann")
    _, reply_bob = await api("sendMessage", chat_id=bob.id, text="hello Bob")
    assert first.message_id == 1
    assert reply["result"]["message_id"] == 2
    assert reply_bob["result"]["message_id"] == 2
    assert reply["result"]["chat"] == {"id": ann.id, "type": "private", "first_name": "Ann"}
    assert first.raw["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_redeliver_and_inject(emulator: TelegramEmulator, api: Any) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("once")
    _, got = await api("getUpdates")
    update_id = got["result"][0]["update_id"]
    _, confirmed = await api("getUpdates", offset=update_id + 1)
    assert confirmed["result"] == []
    emulator.redeliver(update_id)
    group = {"message_id": 7, "date": 0, "chat": {"id": -100123, "type": "group", "title": "G"}}
    injected_id = emulator.inject({"message": {**group, "text": "hello group"}})
    _, twice = await api("getUpdates", offset=update_id + 1)
    assert [u["update_id"] for u in twice["result"]] == [update_id, injected_id]
    status, _ = await api("sendMessage", chat_id=-100123, text="reply to the group")
    assert status == 200


async def test_a_redelivery_handed_out_is_kept_until_a_later_offset_confirms_it(
    emulator: TelegramEmulator, api: Any
) -> None:
    """A bot killed mid-poll never sees the response: the next poll must get it again."""
    ann = emulator.new_user(first_name="Ann")
    await ann.send("pay")
    _, got = await api("getUpdates")
    update_id = got["result"][0]["update_id"]
    await api("getUpdates", offset=update_id + 1, timeout=0)
    emulator.redeliver(update_id)
    _, lost = await api("getUpdates", offset=update_id + 1)  # the response a killed bot lost
    _, again = await api("getUpdates")  # the restarted bot polls without an offset
    assert [u["update_id"] for u in lost["result"]] == [update_id]
    assert [u["update_id"] for u in again["result"]] == [update_id]
    _, confirmed = await api("getUpdates", offset=update_id + 1, timeout=0)
    assert confirmed["result"] == []
    assert emulator.updates.unconfirmed == 0


async def test_an_orphaned_long_poll_does_not_swallow_a_redelivery(
    emulator: TelegramEmulator, api: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("pay")
    _, got = await api("getUpdates")
    update_id = got["result"][0]["update_id"]
    await api("getUpdates", offset=update_id + 1, timeout=0)
    orphan = asyncio.create_task(api("getUpdates", offset=update_id + 1, timeout=5))
    await emulator.wait_until(lambda: emulator.updates.polls_waiting == 1)
    emulator.redeliver(update_id)
    await orphan  # answered to a bot that is gone
    _, again = await api("getUpdates", timeout=1)
    assert [u["update_id"] for u in again["result"]] == [update_id]
