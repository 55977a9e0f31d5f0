"""`acsm-bot audit select|status|export`: the staff side of audits (rules in domain/audits.py,
use cases in domain/services/audits.py)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import Forbidden, TelegramError

from bot.exports import csv_export
from bot.settings import Settings
from domain import languages
from domain.cecs import format_cecs
from domain.ports import UnitOfWorkFactory
from domain.rules import Rules
from domain.services.audits import AuditLine, AuditNotice, Selection, audit_lines, proof_bytes
from domain.services.audits import select_audits as select_use_case
from i18n import N_, Says, speaker
from storage.files import private_folder, write_private_bytes

log = logging.getLogger(__name__)

STATUS_COLUMNS = ["acsm_id", "name", "selected_on", "due_on", "state"]


OPEN_MY_AUDIT = N_("Open my audit")


def notice_text(notice: AuditNotice, says: Says) -> str:
    return says.gettext(
        "Your ACSM renewal for the cycle ending {thru} was selected for "
        "a random audit. Please send proof of the CECs you reported (certificates as photos "
        "or PDF files) by <b>{date}</b>: open /audit, add them, then press "
        "Submit.",
        thru=notice.cycle_thru.strftime("%m/%d/%Y"),
        date=notice.due_on.strftime("%m/%d/%Y"),
    )


def notice_markup(says: Says) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(says.gettext(OPEN_MY_AUDIT), callback_data="ad:open")]]
    )


NOT_LOGGED_IN = "never logged in from a chat (or logged out since)"
BLOCKED = "blocked the bot"
NO_BOT = "TELEGRAM_BOT_TOKEN is not set"


@dataclass(frozen=True)
class Unreached:
    """A selected member told in no chat, and why (for staff, printed by `audit select`)."""

    acsm_id: str
    name: str
    reason: str


@dataclass
class Delivery:
    told: int = 0  # chats
    failed: int = 0  # chats
    unreached: list[Unreached] = field(default_factory=list)  # members told in no chat


async def deliver(settings: Settings, notices: list[AuditNotice]) -> Delivery:
    """Send each selected member the notice in every chat logged in as them; the members
    told in no chat are listed with the reason (not logged in, blocked the bot, ...)."""
    token = settings.telegram_bot_token
    delivery = Delivery()
    if token is None or not token.get_secret_value():
        for notice in notices:
            delivery.failed += len(notice.telegram_ids)
            reason = NO_BOT if notice.telegram_ids else NOT_LOGGED_IN
            delivery.unreached.append(Unreached(notice.acsm_id, notice.name, reason))
        return delivery
    async with Bot(
        token.get_secret_value(),
        base_url=settings.telegram_api_base_url,
        base_file_url=settings.telegram_api_base_file_url,
    ) as bot:
        for notice in notices:
            told, reasons = 0, ([] if notice.telegram_ids else [NOT_LOGGED_IN])
            for chat_id in notice.telegram_ids:
                says = speaker(notice.languages.get(chat_id, languages.DEFAULT))
                try:
                    await bot.send_message(
                        chat_id,
                        notice_text(notice, says),
                        parse_mode="HTML",
                        reply_markup=notice_markup(says),
                    )
                    told += 1
                except Forbidden:
                    reasons.append(BLOCKED)
                except TelegramError as exc:
                    log.warning("audit notice not delivered: %s", type(exc).__name__)
                    reasons.append(f"not delivered ({type(exc).__name__})")
            delivery.told += told
            delivery.failed += len(notice.telegram_ids) - told
            if not told:
                why = ", ".join(dict.fromkeys(reasons))
                delivery.unreached.append(Unreached(notice.acsm_id, notice.name, why))
    return delivery


async def tell_members(settings: Settings, notices: list[AuditNotice]) -> tuple[int, int]:
    """(chats told, chats failed): `deliver` without the members it could not reach."""
    delivery = await deliver(settings, notices)
    return delivery.told, delivery.failed


async def select_and_tell(
    settings: Settings,
    units: UnitOfWorkFactory,
    rules: Rules,
    year: int,
    percent: float,
    seed: int | None,
) -> tuple[Selection, Delivery]:
    selection = await select_use_case(units, rules, year, percent, seed)  # committed
    return selection, await deliver(settings, selection.new)


async def select(
    settings: Settings,
    units: UnitOfWorkFactory,
    rules: Rules,
    year: int,
    percent: float,
    seed: int | None,
) -> tuple[Selection, int, int]:
    selection, delivery = await select_and_tell(settings, units, rules, year, percent, seed)
    return selection, delivery.told, delivery.failed


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


# After the status columns and `files` (kept first, in their order): what was reported and
# which file proves which activity. A cell listing several items has one per line.
PROOF_COLUMNS = [
    "reported_acsm_cecs",  # typed at renewal
    "reported_other_cecs",
    "reported_cecs",  # the total the proof is measured against
    "covered_cecs",  # proven by the files (activities inside the audited cycle)
    "short_cecs",
    "activities",  # logged in the audited cycle, each with its certificate's file
    "proofs",  # each file: the activity it proves, or why it proves nothing
]


def activity_cell(line: AuditLine) -> str:
    names = {p.id: f"{line.acsm_id}/{p.file_name}" for p in line.files}
    return "\n".join(
        f"{a.completed_on:%m/%d/%Y} {a.title} ({a.provider}), {format_cecs(a.cecs)} CECs"
        f" {a.organization.value}: "
        + (
            names.get(a.proof_id, "certificate in the log, not attached")
            if a.proof_id is not None
            else "no certificate"
        )
        for a in line.activities
    )


def proofs_cell(line: AuditLine) -> str:
    found = line.coverage
    said = []
    for proof in line.files:
        name = f"{line.acsm_id}/{proof.file_name}"
        proven = [p for p in found.proven if p.proof_id == proof.id] if found else []
        if not proven:
            said.append(f"{name}: not the certificate of a logged activity")
        for p in proven:
            where = "" if p.counts else " OUTSIDE the audited cycle: not counted"
            said.append(
                f"{name}: {p.title} ({p.completed_on:%m/%d/%Y}, {format_cecs(p.cecs)} CECs){where}"
            )
    return "\n".join(said)


def proof_row(line: AuditLine) -> list[str]:
    found = line.coverage
    return [
        format_cecs(line.typed_acsm),
        format_cecs(line.typed_other),
        format_cecs(found.reported) if found else "",
        format_cecs(found.covered) if found else "",
        format_cecs(found.shortfall) if found else "",
        activity_cell(line),
        proofs_cell(line),
    ]


def write_table(root: int, lines: list[AuditLine]) -> None:
    with csv_export("audits.csv", root) as writer:
        writer.writerow([*STATUS_COLUMNS, "files", *PROOF_COLUMNS])
        for line in lines:
            names = ";".join(f"{line.acsm_id}/{p.file_name}" for p in line.files)
            writer.writerow([*status_row(line), names, *proof_row(line)])
