"""`acsm-bot audit select|status|export`: the staff side of audits (rules in domain/audits.py,
use cases in domain/services/audits.py)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import TelegramError

from bot.exports import csv_export
from bot.settings import Settings
from domain.ports import UnitOfWorkFactory
from domain.rules import Rules
from domain.services.audits import AuditLine, AuditNotice, Selection, audit_lines, proof_bytes
from domain.services.audits import select_audits as select_use_case
from storage.files import private_folder, write_private_bytes

log = logging.getLogger(__name__)

STATUS_COLUMNS = ["acsm_id", "name", "selected_on", "due_on", "state"]


def notice_text(notice: AuditNotice) -> str:
    return (
        f"Your ACSM renewal for the cycle ending {notice.cycle_thru:%m/%d/%Y} was selected for "
        "a random audit. Please send proof of the CECs you reported (certificates as photos "
        f"or PDF files) by <b>{notice.due_on:%m/%d/%Y}</b>: open /audit, add them, then press "
        "Submit."
    )


async def tell_members(settings: Settings, notices: list[AuditNotice]) -> tuple[int, int]:
    """Send each selected member the notice in every chat logged in as them: (told, failed)."""
    token = settings.telegram_bot_token
    if token is None:
        return 0, sum(1 for n in notices if n.telegram_ids)
    told = failed = 0
    markup = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Open my audit", callback_data="ad:open")]]
    )
    async with Bot(
        token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_base_file_url,
    ) as bot:
        for notice in notices:
            for chat_id in notice.telegram_ids:
                try:
                    await bot.send_message(
                        chat_id, notice_text(notice), parse_mode="HTML", reply_markup=markup
                    )
                    told += 1
                except TelegramError as exc:
                    log.warning("audit notice not delivered: %s", type(exc).__name__)
                    failed += 1
    return told, failed


async def select(
    settings: Settings,
    units: UnitOfWorkFactory,
    rules: Rules,
    year: int,
    percent: float,
    seed: int | None,
) -> tuple[Selection, int, int]:
    selection = await select_use_case(units, rules, year, percent, seed)  # committed
    told, failed = await tell_members(settings, selection.new)
    return selection, told, failed


def status_row(line: AuditLine) -> list[str]:
    return [
        line.acsm_id,
        line.name,
        f"{line.selected_on:%m/%d/%Y}",
        f"{line.due_on:%m/%d/%Y}",
        line.state.value,
    ]


async def status(units: UnitOfWorkFactory, rules: Rules) -> list[list[str]]:
    async with units() as uow:
        lines = await audit_lines(uow, rules)
    return [status_row(line) for line in lines]


async def export(units: UnitOfWorkFactory, rules: Rules, directory: Path) -> tuple[int, int]:
    """DIR/audits.csv and DIR/<acsm_id>/<file> byte for byte; (audits, files) written.
    One short transaction per file read (up to 10 MB each), none while writing to disk.
    Folders are 0700, files 0600; a symlink planted in DIR is never followed
    (storage/files.py)."""
    async with units() as uow:
        lines = await audit_lines(uow, rules)
    files = 0
    with private_folder(directory) as root:
        for line in lines:
            if not line.files:
                continue
            # acsm_id: digits only (validated on import); the name is ours, not the member's
            shown = directory / line.acsm_id
            with private_folder(line.acsm_id, in_folder=root, shown=shown) as folder:
                for proof in line.files:
                    assert proof.id is not None
                    async with units() as uow:
                        data = await proof_bytes(uow, proof.id)
                    await asyncio.to_thread(write_private_bytes, folder, proof.file_name, data)
                    files += 1
        await asyncio.to_thread(write_table, root, lines)
    return len(lines), files


def write_table(root: int, lines: list[AuditLine]) -> None:
    with csv_export("audits.csv", root) as writer:
        writer.writerow([*STATUS_COLUMNS, "files"])
        for line in lines:
            names = ";".join(f"{line.acsm_id}/{p.file_name}" for p in line.files)
            writer.writerow([*status_row(line), names])
