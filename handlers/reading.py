"""Reading a certificate the member sent (issue 23): the file read by the `CertificateReader`
(certificates/, a process pool) with no transaction open, as slow work (domain/slow_work.py):
the turn asks for the reading, rolls back, the file is read while a chat action ("typing" for
a photo, "upload_document" for a document) shows the member the bot is at it, and the turn
runs again with the reading. What was read is shown with Save, Edit and Cancel
(handlers/tracker.py), its lines (`reading_lines`) in the member's language; the values read
stay as printed."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import AsyncIterator
from html import escape
from typing import Any

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ExtBot

from domain.cecs import format_cecs
from domain.certificate_text import CertificateReading
from domain.languages import Language
from handlers.context import ChatContext
from handlers.render import us_date
from i18n import N_, Says, speaker

ACTION_EVERY = 4.5  # seconds: Telegram shows a chat action for 5
ORG_NAMES = {"acsm": "ACSM", "other": N_("other organization")}  # translated where shown
LABELS = (
    ("title", N_("Title")),
    ("provider", N_("Provider")),
    ("completed_on", N_("Date completed")),
    ("cecs", N_("CECs")),
    ("organization", N_("ACSM or other")),
)


@contextlib.asynccontextmanager
async def showing(bot: ExtBot[Any], chat_id: int | None, action: str) -> AsyncIterator[None]:
    """The chat action, repeated while the block runs (best effort: a failure changes
    nothing)."""

    async def repeat() -> None:
        while chat_id is not None:
            with contextlib.suppress(TelegramError):
                await bot.send_chat_action(chat_id, action)
            await asyncio.sleep(ACTION_EVERY)

    task = asyncio.ensure_future(repeat())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def media_type(update: Update) -> str:
    message = update.effective_message
    if message is not None and message.document is not None:
        return message.document.mime_type or "application/octet-stream"
    return "image/jpeg"


async def read_certificate(
    update: Update, context: ChatContext, data: bytes
) -> CertificateReading | None:
    """What the file says (None: nothing could be read). Never inside the transaction: the
    first time, the turn is retried once the reading is done (WorkNeeded)."""
    reader = context.deps.reader
    if reader is None:
        return None
    kind = media_type(update)
    message = update.effective_message
    document = message is not None and message.document is not None
    action = ChatAction.UPLOAD_DOCUMENT if document else ChatAction.TYPING
    bot, chat_id = context.bot, context.turn.chat_id

    async def work() -> CertificateReading | None:
        async with showing(bot, chat_id, action):
            return await reader.read(data, kind)

    key = ("certificate", hashlib.sha256(data).hexdigest())
    return await context.rules.slow.wait(key, work)


def reading_lines(
    values: dict[str, str | None],
    typed: dict[str, str | None],
    printed: str | None,
    says: Says | None = None,
) -> list[str]:
    """The review's lines in the member's language (`says`: the turn; English without it):
    each value as read, "not read" where none, what was typed when it differs. Only the
    organization's name (`ORG_NAMES`) is translated among the values."""
    says = says or speaker(Language.EN)

    def said(key: str, value: str) -> str:
        return says.gettext(value) if key == "organization" else value

    lines = []
    for key, label in LABELS:
        value = values.get(key)
        not_read = says.gettext("<i>not read</i>")
        shown = f"<b>{escape(said(key, value))}</b>" if value else not_read
        if key == "cecs" and value and printed:
            shown += " " + says.gettext("({printed} as printed)", printed=escape(printed))
        before = typed.get(key)
        if before and value and before != value:
            shown += " " + says.gettext("(you typed: {typed})", typed=escape(said(key, before)))
        lines.append(says.gettext("{label}: {value}", label=says.gettext(label), value=shown))
    return lines


def shown_values(
    title: str | None,
    provider: str | None,
    completed_on: Any,
    cecs: Any,
    organization: Any,
) -> dict[str, str | None]:
    return {
        "title": title,
        "provider": provider,
        "completed_on": us_date(completed_on) if completed_on else None,
        "cecs": format_cecs(cecs) if cecs is not None else None,
        "organization": ORG_NAMES[organization.value] if organization else None,
    }
