"""SIGKILL at every step of a renewal and of a payment: nothing typed is lost, nothing is
doubled. The real `acsm-bot run` runs as a child process against the emulator; after each
step it is killed (sometimes after the answer, sometimes before it) and started again."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.emulator import TelegramEmulator, load_spec
from bot.sample_members import seed
from storage.database import Database
from tests.chat.conftest import ANN

REPLY = 60  # seconds: a restart imports the whole stack


class BotProcess:
    def __init__(self, emulator: TelegramEmulator, database_url: str, log: Path) -> None:
        self.env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
            "TELEGRAM_API_BASE_FILE_URL": emulator.base_file_url,
            "DATABASE_URL": database_url,
            "PAYMENT_PROVIDER_TOKEN": "TEST:provider",
        }
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], env=self.env, stdout=out, stderr=out
            )

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)
        self.kills += 1

    def restart_killed(self) -> None:
        self.kill()
        self.start()


@pytest.fixture
async def emulator() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(spec=load_spec(required=True)) as emu:
        yield emu
    # An update a kill interrupted is handled again after the restart, so Telegram may refuse
    # what was already done (answer a press, delete or edit a message): the bot shrugs it off.
    # Nothing else may be refused.
    benign = (
        "query is too old",
        "QUERY_ID_INVALID",
        "message to delete not found",
        "message is not modified",
    )
    refused = [c for c in emu.violations if not any(b in (c.description or "") for b in benign)]
    assert not refused, refused


async def state(database: Database) -> tuple[int, int, list[str]]:
    uow = database.uow_factory()
    async with uow:
        invoices = await uow.invoices.for_member("100001")
        paid = sum(i.payment_charge_id is not None for i in invoices)
        certs = [
            f"{c.code} {c.thru_date:%m/%d/%Y}"
            for c in await uow.certifications.for_member("100001")
        ]
    return len(invoices), paid, certs


async def test_kill_at_every_step_loses_and_doubles_nothing(
    emulator: TelegramEmulator, database: Database, database_url: str, tmp_path: Path
) -> None:
    year = datetime.now(UTC).astimezone(ZoneInfo("America/New_York")).year
    await seed(database.uow_factory(), year)
    bot = BotProcess(emulator, database_url, tmp_path / "bot.log")
    bot.start()
    ann = emulator.new_user("Ann", "Lee")

    async def step(action: str, value: str, expect: str, kill_before_answer: bool) -> str:
        if action == "send":
            await ann.send(value)
        else:
            await ann.press(value)
        if kill_before_answer:
            bot.restart_killed()
        reply = await ann.wait_for(lambda m: expect in m.text and m.message_id > seen[0], REPLY)
        seen[0] = reply.message_id
        if not kill_before_answer:
            bot.restart_killed()
        return reply.text

    seen = [0]
    try:
        steps = [
            ("send", "/login", "username"),
            ("send", ANN[0], "password"),
            ("send", ANN[1], "Welcome"),
            ("send", "/renew", "Contact details"),
            ("press", "Yes, correct", "Is yours current?"),
            ("press", "Yes, it is current", "ACSM CECs"),
            ("send", "30", "other organizations"),
            ("send", "15", "Acknowledgement"),
            ("press", "☐ I acknowledge", "Invoice R"),
        ]
        for index, (action, value, expect) in enumerate(steps):
            text = await step(action, value, expect, kill_before_answer=index % 2 == 1)
        number = re.search(r"Invoice (R\d{6})", text)
        assert number, text
        assert (await state(database))[:2] == (1, 0)
        await step("send", "/invoices", "Selected total: $0.00", kill_before_answer=False)
        # Killed after answering but before recording the update, the bot handles it again
        # after the restart and may repeat the listing: use the newest one.
        await emulator.settle(timeout=REPLY, quiet=1.5)
        await ann.press(f"☐ {number.group(1)} · $45.00")
        await ann.wait_for(lambda m: "Selected total: $45.00" in m.text, REPLY)
        await ann.press("Add to cart")
        invoice = await ann.wait_for(lambda m: m.invoice is not None, REPLY)
        bot.restart_killed()
        paid = await ann.pay(invoice, timeout=REPLY)  # the payment arrives as the bot restarts
        assert paid.approved, paid.error_message
        bot.restart_killed()
        await ann.wait_for(lambda m: "Payment received" in m.text, REPLY)
        await ann.wait_for(lambda m: m.file_id is not None, REPLY)
        # The same payment delivered again after one more kill is not recorded twice.
        bot.restart_killed()
        emulator.redeliver(max(emulator.updates.history))
        await ann.send("/certifications")
        await ann.wait_for(lambda m: "My certifications" in m.text, REPLY)
    finally:
        bot.kill()
    invoices, paid_count, certs = await state(database)
    assert (invoices, paid_count) == (1, 1)
    assert certs == [f"CPT 12/31/{year + 3}"]
    assert sum("Payment received" in m.text for m in ann.messages) == 1
    assert bot.kills >= 12
