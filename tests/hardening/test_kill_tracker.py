"""The bot killed with SIGKILL while it fetches a certificate the member sent, then restarted.

The certificate is downloaded and stored inside the update's one transaction; the update is
confirmed to Telegram only after that commits. A kill between the member's file and the
save therefore leaves nothing half stored, and the redelivered update fetches the file again:
one activity, one proof, byte for byte."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.sample_members import seed
from bot.settings import Settings
from storage.database import Database
from storage.orm import LoggedCecRow, ProofFileRow
from telegram_emulator import TelegramEmulator
from tests.chat.conftest import ANN, log_in
from tests.chat.test_tracker import PDF, add_until_proof
from tests.hardening.test_kill import REPLY_TIMEOUT, BotProcess, emulator  # noqa: F401

ANN_ID = "100001"


async def anns(database: Database, table: type[LoggedCecRow] | type[ProofFileRow]) -> int:
    async with database.connect() as connection:
        query = select(func.count()).select_from(table).where(table.acsm_id == ANN_ID)
        return int(await connection.scalar(query) or 0)


async def start_up_reminders_done(emu: TelegramEmulator, bot: BotProcess) -> None:
    """Past today's reminder time the process sends the day's reminders 1 s after it starts
    (bot/reminders.py). Wait for that run (it logs 'reminders: …') before Ann links her chat,
    or her reminder may come in the middle of the conversation, whenever a loaded machine
    gets to it."""
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    if datetime.now(settings.timezone).time() >= settings.reminder_clock_time:
        await emu.wait_until(lambda: "reminders: " in bot.log_tail(), REPLY_TIMEOUT)


async def test_a_kill_while_the_certificate_is_fetched_stores_it_once_after_restart(
    emulator: TelegramEmulator,  # noqa: F811
    database: Database,
    database_url: str,
    tmp_path: Path,
) -> None:
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    bot = BotProcess(emulator, database_url, tmp_path)
    await bot.start()
    try:
        await start_up_reminders_done(emulator, bot)
        ann = emulator.new_user("Ann", "Lee")
        await log_in(ann, ANN)
        await add_until_proof(ann)
        hold = emulator.hold_next(exclude=(), match=lambda method, _: method == "getFile")
        await ann.send_document("certificate.pdf", PDF, "application/pdf")
        await asyncio.wait_for(hold.arrived.wait(), REPLY_TIMEOUT)
        bot.kill()  # the file is being fetched: nothing of it is stored yet
        hold.release()
        assert (await anns(database, LoggedCecRow), await anns(database, ProofFileRow)) == (0, 0)
        await bot.start()  # Telegram delivers the unconfirmed update again
        await ann.wait_for(lambda m: "Logged with its certificate" in m.text, REPLY_TIMEOUT)
        await emulator.settle(timeout=REPLY_TIMEOUT, quiet=0.3)
    finally:
        bot.stop()
    assert (await anns(database, LoggedCecRow), await anns(database, ProofFileRow)) == (1, 1)
    async with database.unit_of_work() as uow:
        (proof,) = await uow.proofs.for_member(ANN_ID)
        assert await uow.proofs.read(proof.id or 0) == PDF
    logged = [m for m in ann.messages if "Logged with its certificate" in m.text]
    assert len(logged) == 1, [m.text for m in ann.messages[-5:]]
