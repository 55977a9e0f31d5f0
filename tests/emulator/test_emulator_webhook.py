"""Webhook delivery: POSTed with the secret header, kept and repeated until a 2xx, one chat's
updates one at a time and in order; setWebhook's parameters are checked as Telegram does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web

from telegram_emulator import TelegramEmulator, load_spec
from telegram_emulator.webhook import SECRET_HEADER


@dataclass
class Receiver:
    """A webhook endpoint: answers with `statuses` in turn (then 200), records what came."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[int, str | None]] = field(default_factory=list)
    delay: float = 0.0
    in_flight: dict[int, int] = field(default_factory=dict)  # chat id -> requests in hand
    overlapped: list[int] = field(default_factory=list)
    most_at_once: int = 0  # requests in hand at the same time, all chats
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        update = json.loads(await request.read())
        chat = update["message"]["chat"]["id"]
        self.in_flight[chat] = self.in_flight.get(chat, 0) + 1
        if self.in_flight[chat] > 1:
            self.overlapped.append(chat)
        self.most_at_once = max(self.most_at_once, sum(self.in_flight.values()))
        try:
            await asyncio.sleep(self.delay)
            self.received.append((update["update_id"], request.headers.get(SECRET_HEADER)))
            status = self.statuses.pop(0) if self.statuses else 200
            return web.Response(status=status)
        finally:
            self.in_flight[chat] -= 1


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(
        spec=load_spec(required=True), allow_http_webhook=True, webhook_retry_delay=0.05
    )
    async with emu:
        yield emu
    assert not emu.sent_violations, emu.sent_violations


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    found = Receiver()
    app = web.Application()
    app.router.add_post("/hook", found.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    found.url = f"http://{host}:{port}/hook"
    yield found
    await runner.cleanup()


async def test_updates_are_posted_with_the_secret_and_repeated_until_a_2xx(
    emulator: TelegramEmulator, api: Any, receiver: Receiver
) -> None:
    ann = emulator.new_user("Ann")
    await ann.send("one")  # queued before the webhook is set: delivered once it is
    receiver.statuses = [500, 403]
    status, body = await api("setWebhook", url=receiver.url, secret_token="s3cr-et_X")
    assert (status, body["result"]) == (200, True)
    await ann.send("two")
    await emulator.wait_until(lambda: len(receiver.received) == 4, timeout=5)
    first, second = (u["update_id"] for u in emulator.updates.history.values())
    assert receiver.received == [
        (first, "s3cr-et_X"),
        (first, "s3cr-et_X"),
        (first, "s3cr-et_X"),  # the third try got the 200
        (second, "s3cr-et_X"),  # only then the chat's next update
    ]
    assert [d.status for d in emulator.deliveries] == [500, 403, 200, 200]
    await emulator.settle(timeout=5)
    assert emulator.updates.unconfirmed == 0
    _, info = await api("getWebhookInfo")
    assert info["result"]["url"] == receiver.url
    assert info["result"]["pending_update_count"] == 0


async def test_a_dead_endpoint_keeps_the_update_queued(
    emulator: TelegramEmulator, api: Any, receiver: Receiver
) -> None:
    await api("setWebhook", url="http://127.0.0.1:9/hook", secret_token="x")  # nobody there
    ann = emulator.new_user("Ann")
    await ann.send("kept")
    await emulator.wait_until(lambda: len(emulator.deliveries) >= 2, timeout=5)
    assert all(d.status is None and d.error for d in emulator.deliveries)
    assert emulator.updates.unconfirmed == 1
    await api("setWebhook", url=receiver.url)  # now somebody listens (no secret: no header)
    await emulator.wait_until(lambda: receiver.received, timeout=5)
    assert receiver.received[0][1] is None
    await emulator.settle(timeout=5)


async def test_one_chat_at_a_time_chats_in_parallel(
    emulator: TelegramEmulator, api: Any, receiver: Receiver
) -> None:
    receiver.delay = 0.1
    users = [emulator.new_user(f"U{i}") for i in range(3)]
    for user in users:
        for text in ("a", "b", "c"):
            await user.send(text)
    await api("setWebhook", url=receiver.url, secret_token="t")
    await emulator.wait_until(lambda: len(receiver.received) == 9, timeout=10)
    assert receiver.overlapped == []
    for user in users:  # each chat's updates in the order they were sent
        ids = [
            uid
            for uid, _ in receiver.received
            if emulator.updates.history[uid]["message"]["chat"]["id"] == user.id
        ]
        assert ids == sorted(ids)
    assert receiver.most_at_once == 3  # the three chats in parallel


async def test_delete_webhook_stops_delivery_and_getupdates_takes_over(
    emulator: TelegramEmulator, api: Any, receiver: Receiver
) -> None:
    await api("setWebhook", url=receiver.url, secret_token="t")
    status, _ = await api("getUpdates")
    assert status == 409
    await api("deleteWebhook")
    await emulator.new_user("Ann").send("by polling")
    _, polled = await api("getUpdates")
    assert [u["message"]["text"] for u in polled["result"]] == ["by polling"]
    assert receiver.received == []  # handed to getUpdates, not posted to the webhook


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"url": "http://example.com/hook"}, "HTTPS URL must be provided"),
        ({"url": "https://example.com/h", "secret_token": "has space"}, "secret token"),
        ({"url": "https://example.com/h", "secret_token": "x" * 257}, "secret token"),
        ({"url": "https://example.com/h", "secret_token": "é"}, "secret token"),
        ({"url": "https://example.com/h", "max_connections": 101}, "max_connections"),
    ],
)
async def test_set_webhook_refuses_what_telegram_refuses(
    params: dict[str, Any], reason: str
) -> None:
    strict = TelegramEmulator(spec=load_spec(required=True))  # HTTPS only, as Telegram
    async with strict, httpx.AsyncClient() as client:
        response = await client.post(f"{strict.base_url}{strict.token}/setWebhook", json=params)
    assert response.status_code == 400
    assert reason in response.json()["description"]
