"""The webhook server against slow and greedy clients (bot/webhook.py): a connection that
sends half a header is closed once its header time is up, while Telegram's updates go on;
beyond the connection limit a connection gets 503 and Telegram delivers again later."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from bot.webhook import WebhookServer
from storage.database import Database
from telegram_emulator import TelegramEmulator
from tests.hardening.test_webhook import emulator, serving, statuses, webhook_server

__all__ = ["emulator"]  # the fixture, imported for this module's tests

HEADER_TIMEOUT = 1.0  # seconds (10 in production)
LIMIT = 3


@pytest.fixture
async def guarded(
    emulator: TelegramEmulator, database: Database, request: pytest.FixtureRequest
) -> AsyncIterator[WebhookServer]:
    """The real Application behind a WebhookServer with a short header time (HEADER_TIMEOUT,
    or the test's indirect parameter) and a small connection limit; the emulator delivers to
    it."""
    server = webhook_server(emulator, database)
    server.header_timeout = getattr(request, "param", HEADER_TIMEOUT)
    server.max_connections = LIMIT
    async with serving(server):
        yield server


async def connect(server: WebhookServer) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def until(condition: Callable[[], bool], timeout: float = 15) -> None:
    for _ in range(int(timeout * 100)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition not met within {timeout} s")


async def test_half_a_header_is_closed_unanswered_while_updates_go_on(
    emulator: TelegramEmulator, guarded: WebhookServer
) -> None:
    reader, writer = await connect(guarded)
    writer.write(b"POST /telegram HTTP/1.1\r\nHost: bot\r\nContent-Le")  # and nothing more
    await writer.drain()
    ann = emulator.new_user("Ann", "Lee")
    await ann.send("/help")  # a normal POST meanwhile
    await ann.wait_for(lambda m: "/renew" in m.text, timeout=15)
    started = asyncio.get_running_loop().time()
    async with asyncio.timeout(15):  # generous: the header time is 1 s
        answer = await reader.read()  # b"" once the server closes it
    assert answer == b""
    assert asyncio.get_running_loop().time() - started < 15
    writer.close()


@pytest.mark.parametrize("guarded", [5.0], indirect=True)  # the idle ones stay 5 s
async def test_beyond_the_limit_a_connection_gets_503_and_telegram_delivers_again(
    emulator: TelegramEmulator, guarded: WebhookServer
) -> None:
    idle = [await connect(guarded) for _ in range(LIMIT)]
    await until(lambda: guarded.open_connections == LIMIT)
    ann = emulator.new_user("Ann", "Lee")
    await ann.send("/help")  # refused while the idle connections are open
    update_id = max(emulator.updates.history)
    await emulator.wait_until(lambda: 503 in statuses(emulator, update_id), timeout=15)
    reader, writer = await connect(guarded)  # a raw one too
    async with asyncio.timeout(15):
        refused = await reader.read()  # the 503, then closed
    assert refused.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
    writer.close()
    # The idle connections are closed when their header time is up; the update comes again.
    await ann.wait_for(lambda m: "/renew" in m.text, timeout=15)
    await emulator.settle(timeout=15)
    assert statuses(emulator, update_id)[-1] == 200
    assert set(statuses(emulator, update_id)[:-1]) == {503}, statuses(emulator, update_id)
    for idle_reader, idle_writer in idle:
        assert await idle_reader.read() == b""
        idle_writer.close()
