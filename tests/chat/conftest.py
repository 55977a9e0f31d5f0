"""Chat tests: the real Application, long-polling the emulator over HTTP, on a real database.

Every test fails if the bot made a call the Bot API specification rejects.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import Processing, build_application, make_rules
from bot.local import PollingBot
from bot.sample_members import seed
from bot.settings import Settings
from domain.clock import Clock, FixedClock
from domain.rules import Rules
from storage.database import Database
from telegram_emulator import TelegramEmulator, load_spec
from telegram_emulator.chats import ChatMessage
from tests.hashing import CHEAP_HASHER
from tests.smtp import Inbox, smtp_server

# 2026-11-28, noon in New York: renewals for the cycle ending 12/31/2026 are open.
TODAY = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
ANN = ("LEE100001", "LEE100001")  # renewal open, CPT, 30 CECs recorded
BOB = ("DIA100002", "DIA100002")  # CEP + RCEP
CARA = ("NGU100003", "NGU100003")  # EP thru 12/31/2025: lapsed on 2026-07-01
DAN = ("FOX100004", "FOX100004")  # GEI thru 12/31/2028: not open yet
EVE = ("MOS100005", "MOS100005")  # CPR/AED expired
REPLY_TIMEOUT = 15  # seconds; generous for a loaded 2-core CI machine


def cheap_rules(clock: Clock | None = None, settings: Settings | None = None) -> Rules:
    """The production rules (bot/app.py's make_rules) with a cheap argon2 (tests/hashing.py)."""
    production = make_rules(settings or Settings(_env_file=None), clock)  # type: ignore[call-arg]
    return dataclasses.replace(production, hasher=CHEAP_HASHER)


class ChatBot:
    """The bot under test; `restart()` stops it and starts a new Application on the same DB."""

    def __init__(self, emulator: TelegramEmulator, database: Database, rules: Rules) -> None:
        self.emulator, self.database, self.rules = emulator, database, rules
        self.settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            telegram_api_base_url=emulator.base_url,
            telegram_api_base_file_url=emulator.base_file_url,
            payment_provider_token=SecretStr("TEST:provider"),
        )
        self._polling: PollingBot | None = None
        self._busy: Callable[[], bool] = lambda: False

    async def start(self) -> None:
        application = build_application(
            self.settings, self.database, self.rules, token=self.emulator.token
        )
        self._polling = PollingBot(application)
        # Updates are confirmed once stored, before they are handled: the emulator's settle()
        # must also wait for the updates in hand.
        dispatcher = self._polling.processing.dispatcher
        self._busy = lambda: dispatcher.in_hand > 0
        self.emulator.add_busy_check(self._busy)
        await self._polling.__aenter__()

    @property
    def processing(self) -> Processing:
        assert self._polling is not None
        return self._polling.processing

    async def stop(self) -> None:
        if self._polling is not None:
            await self._polling.__aexit__(None, None, None)
            self._polling = None
            self.emulator.remove_busy_check(self._busy)

    async def restart(self) -> None:
        await self.stop()
        await self.start()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(spec=load_spec(required=True)) as emu:
        yield emu
    assert not emu.violations, f"calls the Bot API spec rejects: {emu.violations}"


@pytest.fixture
async def bot(
    emulator: TelegramEmulator, database: Database, clock: FixedClock
) -> AsyncIterator[ChatBot]:
    rules = cheap_rules(clock)
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    chat_bot = ChatBot(emulator, database, rules)
    await chat_bot.start()
    yield chat_bot
    await chat_bot.stop()


@pytest.fixture
async def mail(bot: ChatBot) -> AsyncIterator[Inbox]:
    """The bot restarted with SMTP_URL pointing at a real SMTP server on this machine."""
    with smtp_server() as (host, port, inbox):
        bot.settings = bot.settings.model_copy(
            update={
                "smtp_url": SecretStr(f"smtp://{host}:{port}"),
                "mail_from": "ACSM Bot <bot@acsm.example>",
            }
        )
        await bot.restart()
        yield inbox


async def ask(user: Any, text: str) -> ChatMessage:
    """Send a message and return the bot's next new message in that chat."""
    await user.send(text)
    reply: ChatMessage = await user.next_message(timeout=REPLY_TIMEOUT)
    return reply


async def press(user: Any, label: str) -> ChatMessage:
    await user.press(label)
    reply: ChatMessage = await user.next_message(timeout=REPLY_TIMEOUT)
    return reply


async def shows(user: Any, predicate: Any) -> ChatMessage:
    """Wait until the chat shows a bot message (new or edited) matching the predicate."""
    found: ChatMessage = await user.wait_for(predicate, timeout=REPLY_TIMEOUT)
    return found


async def quiet(emulator: TelegramEmulator) -> None:
    """Wait until the bot has handled everything sent so far and been silent for 0.5 s."""
    await emulator.settle(timeout=REPLY_TIMEOUT, quiet=0.5)


async def log_in(user: Any, credentials: tuple[str, str]) -> ChatMessage:
    await ask(user, "/login")
    await ask(user, credentials[0])
    return await ask(user, credentials[1])


SAMPLE_PHONE = "+1 317 555 0100"  # every sample member's phone on file (bot/sample_members.py)


async def prove_identity(user: Any, phone: str = SAMPLE_PHONE) -> ChatMessage:
    """After a login with the default credentials: prove who the member is by sharing their
    own phone number (handlers/proof.py), as needed before /password or a contact change."""
    await user.share_contact(phone)
    while True:  # past the offer's messages not read yet
        reply: ChatMessage = await user.next_message(timeout=REPLY_TIMEOUT)
        if "you have proven who you are" in reply.text:
            return reply
