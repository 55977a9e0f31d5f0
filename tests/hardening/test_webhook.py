"""Webhook mode with real `acsm-bot run --webhook` processes against the emulator, which
delivers updates the way Telegram does (POSTed with the secret header, repeated until a 2xx).

- no WEBHOOK_SECRET (or a malformed one): the bot refuses to start;
- a wrong or missing secret: 403, and the forged update is not processed;
- /healthz: 200 while the database answers, 503 when it does not;
- SIGTERM while an update is in hand: it finishes and Telegram gets its 200;
- SIGKILL at every step of a renewal and a payment (the polling kill test, in webhook mode):
  what a kill interrupted is delivered again and handled once.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError
from telegram import Update

from bot.app import build_application, processing_of
from bot.errors import DATABASE_DOWN, PARKED
from bot.settings import Settings
from bot.webhook import SECRET_HEADER, WebhookServer
from storage import inbox
from storage.database import Database
from telegram_emulator import TelegramEmulator, load_spec
from tests.chat.conftest import cheap_rules
from tests.hardening.test_kill import BENIGN, ROOT, BotProcess, rotating, walk_with_kills

SECRET = "hook-Secret_0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    emu = TelegramEmulator(
        spec=load_spec(required=True), allow_http_webhook=True, webhook_retry_delay=0.05
    )
    async with emu:
        yield emu
    refused = [c for c in emu.violations if not any(b in (c.description or "") for b in BENIGN)]
    assert not refused, refused


class WebhookBot(BotProcess):
    args = ("run", "--webhook")
    ready = "setWebhook"

    def __init__(self, emulator: TelegramEmulator, database_url: str, workdir: Path) -> None:
        super().__init__(emulator, database_url, workdir)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env |= {
            "WEBHOOK_URL": f"{self.url}/telegram",
            "WEBHOOK_LISTEN": "127.0.0.1",
            "WEBHOOK_PORT": str(self.port),
            "WEBHOOK_SECRET": SECRET,
        }


def refused_start(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook"],
        cwd=tmp_path,
        env={
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": "1:x",
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'never.db'}",
            "WEBHOOK_URL": "https://bot.example.org/telegram",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("secret", "reason"),
    [("", "WEBHOOK_SECRET is required"), ("has spaces!", "A-Z a-z 0-9 _ -")],
)
def test_webhook_mode_refuses_to_start_without_a_proper_secret(
    tmp_path: Path, secret: str, reason: str
) -> None:
    result = refused_start({"WEBHOOK_SECRET": secret}, tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and reason in lines[0], result.stderr
    assert not (tmp_path / "never.db").exists()  # refused before touching anything


async def stopped_listening(bot: WebhookBot, timeout: float = 30) -> None:
    """Wait until the webhook server refuses new updates: /healthz no longer answers 'ok'
    (503 'stopping', then the port closes), as it does once SIGTERM is taken."""
    async with httpx.AsyncClient(base_url=bot.url, timeout=5) as client, asyncio.timeout(timeout):
        while True:
            try:
                health = await client.get("/healthz")
            except httpx.TransportError:
                return
            if (health.status_code, health.text) == (503, "stopping\n"):
                return
            await asyncio.sleep(0.02)


async def processed(database: Database, update_id: int) -> int:
    async with database.connect() as connection:
        found = await connection.scalar(
            text("SELECT COUNT(*) FROM inbox WHERE update_id = :id AND done_at IS NOT NULL"),
            {"id": update_id},
        )
    return int(found or 0)


async def test_webhook_secret_health_and_graceful_stop(
    emulator: TelegramEmulator, database: Database, database_url: str, tmp_path: Path
) -> None:
    bot = WebhookBot(emulator, database_url, tmp_path)
    await bot.start()
    try:
        assert emulator.webhook["secret_token"] == SECRET
        ann = emulator.new_user("Ann", "Lee")
        await ann.send("/help")
        await ann.wait_for(lambda m: m.from_bot, timeout=30)
        await emulator.settle(timeout=30)
        assert {d.status for d in emulator.deliveries} == {200}
        shown = len(ann.messages)

        # A forged update (a payment!) with a wrong or no secret: 403, nothing processed.
        forged = {
            "update_id": 990_001,
            "message": {
                "message_id": 77,
                "date": 1,
                "chat": {"id": ann.id, "type": "private", "first_name": "Ann"},
                "from": {"id": ann.id, "is_bot": False, "first_name": "Ann"},
                "text": "/help",
            },
        }
        async with httpx.AsyncClient(base_url=bot.url, timeout=10) as client:
            for headers in ({SECRET_HEADER: "wrong"}, {}, {SECRET_HEADER: SECRET + "x"}):
                response = await client.post("/telegram", json=forged, headers=headers)
                assert response.status_code == 403
            health = await client.get("/healthz")
            assert (health.status_code, health.text) == (200, "ok\n")
        # The 403 is answered before anything is stored: nothing to wait for.
        assert await processed(database, 990_001) == 0
        assert len(ann.messages) == shown

        # SIGTERM while an update is in hand: it finishes, Telegram gets its 200.
        hold = emulator.hold_next(match=lambda method, params: method == "sendMessage")
        await ann.send("/help")
        await asyncio.wait_for(hold.arrived.wait(), 30)
        update_id = max(emulator.updates.history)
        assert bot.process is not None
        bot.process.send_signal(signal.SIGTERM)
        await stopped_listening(bot)  # SIGTERM taken: no new updates…
        assert bot.process.poll() is None  # …but still finishing the update in hand
        hold.release(execute=True)
        assert await asyncio.to_thread(bot.process.wait, 30) == 0, bot.log_tail()
        assert [d.status for d in emulator.deliveries if d.update_id == update_id] == [200]
        assert len(ann.messages) == shown + 1
        assert await processed(database, update_id) == 1
    finally:
        bot.stop()


def webhook_server(
    emulator: TelegramEmulator, database: Database, path: str = "/telegram", **policy: Any
) -> WebhookServer:
    """The real Application behind a WebhookServer on a free local port."""
    settings = Settings(_env_file=None, telegram_api_base_url=emulator.base_url)  # type: ignore[call-arg]
    rules = cheap_rules(settings=settings)
    application = build_application(settings, database, rules, token=emulator.token)
    dispatcher = processing_of(application).dispatcher
    for name, value in policy.items():
        setattr(dispatcher, name, value)
    return WebhookServer(
        application,
        dispatcher,
        database,
        path=path,
        listen="127.0.0.1",
        port=free_port(),
        secret=SECRET,
    )


async def test_healthz_is_503_when_the_database_does_not_answer(
    emulator: TelegramEmulator, tmp_path: Path
) -> None:
    """In process: the same server, on a database nobody listens for."""
    dead = Database(f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none")
    server = webhook_server(emulator, dead)
    await server.start()
    try:
        async with httpx.AsyncClient(timeout=10) as client:
            health = await client.get(f"http://127.0.0.1:{server.port}/healthz")
    finally:
        await server.stop()
        await dead.dispose()
    assert health.status_code == 503


async def test_server_refuses_a_request_that_is_not_an_update(
    emulator: TelegramEmulator, database: Database
) -> None:
    server = webhook_server(emulator, database, path="telegram")
    await server.start()
    try:
        base_url = f"http://127.0.0.1:{server.port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
            garbage = await client.post(
                "/telegram", content=b"{not json", headers={SECRET_HEADER: SECRET}
            )
            elsewhere = await client.post("/other", json={}, headers={SECRET_HEADER: SECRET})
    finally:
        await server.stop()
    assert (garbage.status_code, elsewhere.status_code) == (400, 404)


@pytest.mark.slow
async def test_sigkill_at_every_step_in_webhook_mode(
    emulator: TelegramEmulator, database: Database, database_url: str, tmp_path: Path
) -> None:
    await walk_with_kills(emulator, database, database_url, tmp_path, rotating, WebhookBot)
    # Telegram was told "not handled" (or got no answer) for what the kills interrupted,
    # and delivered it again; in the end every update got its 2xx.
    assert any(d.status is None for d in emulator.deliveries)
    assert emulator.updates.unconfirmed == 0


# -- the retry policy, in process (the same server, faults injected into the database) ----


@contextlib.asynccontextmanager
async def serving(server: WebhookServer) -> AsyncIterator[WebhookServer]:
    """The server's Application started and its webhook set on the emulator, which then
    delivers to it; everything stopped afterwards."""
    application = server.application
    await application.initialize()
    await application.start()
    await server.start()
    await application.bot.set_webhook(
        f"http://127.0.0.1:{server.port}/telegram",
        secret_token=SECRET,
        allowed_updates=Update.ALL_TYPES,
    )
    try:
        yield server
    finally:
        await server.stop()
        await application.stop()
        await application.shutdown()


@pytest.fixture
async def hooked(emulator: TelegramEmulator, database: Database) -> AsyncIterator[WebhookServer]:
    """The real Application behind a WebhookServer whose dispatcher parks after 2 attempts;
    the emulator delivers to it."""
    async with serving(webhook_server(emulator, database, max_attempts=2)) as server:
        yield server


@contextlib.contextmanager
def failing(
    database: Database, error: Exception, where: str = r"FROM conversation"
) -> Iterator[dict[str, bool]]:
    """While armed, every statement matching `where` raises `error`: by default the claim of
    an update with the member's conversation (a step of every turn, not of storing nor
    parking)."""
    armed = {"on": True}

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if armed["on"] and re.search(where, statement, re.IGNORECASE):
            raise error

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    try:
        yield armed
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", before)


async def attempts(database: Database, update_id: int) -> int:
    async with database.connect() as connection:
        found = await connection.scalar(
            text("SELECT attempts FROM inbox WHERE update_id = :id"), {"id": update_id}
        )
    return int(found or 0)


def statuses(emulator: TelegramEmulator, update_id: int) -> list[int | None]:
    return [d.status for d in emulator.deliveries if d.update_id == update_id]


async def test_a_poison_update_is_parked_and_answered_200(
    emulator: TelegramEmulator, database: Database, hooked: WebhookServer
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    with failing(database, ValueError("a bug that fails this update every time")):
        await ann.send("/help")
        await ann.wait_for(lambda m: m.text == PARKED, timeout=15)
    update_id = max(emulator.updates.history)
    await emulator.settle(timeout=15)
    assert statuses(emulator, update_id) == [200]  # stored: Telegram's part is done
    async with database.connect() as connection:
        assert await inbox.parked(connection) == [update_id]  # tried twice, then parked
    await ann.send("/help")
    await ann.wait_for(lambda m: "/renew" in m.text, timeout=15)  # the chat goes on


async def test_a_database_outage_is_waited_out_and_the_member_told_once(
    emulator: TelegramEmulator, database: Database, hooked: WebhookServer
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    down = OperationalError("SELECT", {}, Exception("injected: the database is down"))
    with failing(database, down) as armed:
        await ann.send("/help")
        update_id = max(emulator.updates.history)
        await ann.wait_for(lambda m: m.text == DATABASE_DOWN, timeout=15)
        for _ in range(300):  # more attempts than max_attempts, and not parked
            if await attempts(database, update_id) > 2:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the update was not tried again during the outage")
        armed["on"] = False
    await ann.wait_for(lambda m: "/renew" in m.text, timeout=15)
    await emulator.settle(timeout=15)
    assert statuses(emulator, update_id) == [200]  # stored at once, handled when it could be
    async with database.connect() as connection:
        assert await inbox.parked(connection) == []  # an outage is never a poison update
    assert sum(m.text == DATABASE_DOWN for m in ann.messages) == 1  # told once
    assert sum("/renew" in m.text for m in ann.messages) == 1  # answered once


async def test_an_update_that_cannot_be_stored_gets_503_and_comes_again(
    emulator: TelegramEmulator, database: Database, hooked: WebhookServer
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    down = OperationalError("INSERT", {}, Exception("injected: the database is down"))
    with failing(database, down, where=r"INSERT INTO inbox") as armed:
        await ann.send("/help")
        update_id = max(emulator.updates.history)
        await emulator.wait_until(lambda: 503 in statuses(emulator, update_id), timeout=15)
        armed["on"] = False
    await ann.wait_for(lambda m: "/renew" in m.text, timeout=15)
    await emulator.settle(timeout=15)
    assert statuses(emulator, update_id)[-1] == 200
    assert set(statuses(emulator, update_id)[:-1]) == {503}  # Telegram kept it and retried
    assert sum("/renew" in m.text for m in ann.messages) == 1
