"""`acsm-bot demo`: the real bot against the built-in Telegram emulator, in a terminal chat.

No token and no network: a fresh SQLite database (`demo.db`) with sample members,
the emulator on 127.0.0.1, the Application polling it, and you as the member. `/send PATH`
sends the bot a photo or a file; what the bot sends as a file (a receipt) is saved into
`demo-files/` next to the database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from pathlib import Path
from typing import TextIO

from pydantic import SecretStr

from bot.app import build_application, make_rules
from bot.local import PollingBot
from bot.reminders import add_remind_now, schedule_reminders
from bot.sample_members import seed
from bot.settings import Settings
from domain.clock import SystemClock
from domain.cycles import local_today
from mail.terminal import PrintingMailer
from storage.database import Database
from storage.migrate import upgrade
from telegram_emulator.server import TelegramEmulator
from telegram_emulator.terminal_chat import run_terminal_chat

log = logging.getLogger(__name__)

DEMO_DB = Path("demo.db")
DEMO_FILES = "demo-files"  # next to the database


async def run_demo(
    settings: Settings,
    *,
    database_path: Path = DEMO_DB,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    files_dir: Path | None = None,
    language_code: str = "en",
) -> None:
    """`language_code`: the terminal member's Telegram language ("es": a Spanish member)."""
    out = stdout or sys.stdout
    remove_database(database_path)
    url = f"sqlite+aiosqlite:///{database_path}"
    await upgrade(url)
    database = Database(url)
    clock = SystemClock()
    rules = make_rules(settings, clock)
    try:
        today = local_today(rules.timezone, clock.now())
        async with database.unit_of_work() as uow:
            accounts = await seed(uow, today.year, today)
        print_accounts(accounts, out)
        async with TelegramEmulator(
            bot_username="acsm_recert_bot", bot_first_name="ACSM Recertification"
        ) as emulator:
            local = settings.model_copy(
                update={
                    "telegram_api_base_url": emulator.base_url,
                    "telegram_api_base_file_url": emulator.base_file_url,
                    "payment_provider_token": SecretStr("demo-provider-token"),
                    "database_url": url,
                }
            )
            application = build_application(
                local, database, rules, token=emulator.token, mailer=PrintingMailer(out)
            )
            job = schedule_reminders(
                application, database.unit_of_work, rules, local.reminder_clock_time
            )
            add_remind_now(application, group=0)
            polling = PollingBot(application)
            # Updates are confirmed once stored, before they are handled: the chat waits for
            # the ones in hand too (argon2 at its production cost takes a while on a busy
            # machine), so each reply shows before the next line is sent.
            dispatcher = polling.processing.dispatcher
            emulator.add_busy_check(lambda: dispatcher.in_hand > 0)
            async with polling:
                assert application.job_queue is not None
                if application.job_queue.get_jobs_by_name("reminders-catch-up"):
                    # Past today's reminder time the bot sends the day's reminders 1 s after it
                    # starts: let that run pass before the newcomer's chat opens, or whether
                    # their first reminder comes by itself or with /remindnow depends on how
                    # fast they log in.
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(job.finished.wait(), 10)
                # The sample members' phone on file: "Share my phone number" proves it.
                member = emulator.new_user(
                    first_name="You", phone_number="13175550100", language_code=language_code
                )
                await run_terminal_chat(
                    emulator,
                    member,
                    stdin=stdin,
                    stdout=out,
                    files_dir=files_dir or database_path.parent / DEMO_FILES,
                )
    finally:
        await database.dispose()


def remove_database(path: Path) -> None:
    """The demo starts from a fresh database every time."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def print_accounts(accounts: list[tuple[str, str, str]], out: TextIO) -> None:
    out.write("Sample members (username / password):\n")
    for name, username, password in accounts:
        out.write(f"  {name:<14} {username:<12} {password}\n")
    out.write(
        "Ann: renewal open · Bob: two certifications · Cara: grace or lapsed · "
        "Dan: not open yet · Eve: CPR/AED expired\n"
        "Eve can renew with a newer card: “I have a newer card”, its date, then /send a photo "
        "or PDF of it.\n"
        "Log in, then /remindnow sends the reminders due today at once (demo only).\n\n"
    )
