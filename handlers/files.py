"""The photo or document a member sent, fetched through the Bot API (getFile, then the file
endpoint) before the update's transaction begins (bot/turns.py), so a slow download never
holds the database. A file Telegram already says is too big is refused before downloading;
a failed or cut download is kept as a refusal (DownloadFailedError: the member is asked to
send it again; nothing was stored)."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import TelegramError
from telegram.ext import ExtBot

from domain.errors import N_, DomainError, InvalidInputError
from domain.services.tracker import check_file_size
from handlers.context import ChatContext
from handlers.turn import FetchedFile

log = logging.getLogger(__name__)

FAILED = N_(
    "I could not download that file from Telegram, so nothing was stored. Please send it again."
)


class DownloadFailedError(DomainError):
    """The file could not be fetched from Telegram (FAILED: said to the member)."""


async def prefetch(update: Update, bot: ExtBot[Any]) -> FetchedFile | None:
    """The bytes of the photo (largest size) or document of a new private message, or why
    there are none; None when it carries no file."""
    message = update.message
    if message is None or message.chat.type != message.chat.PRIVATE:
        return None
    sent = message.photo[-1] if message.photo else message.document
    if sent is None:
        return None
    try:
        check_file_size(sent.file_size)  # refused before any download
        telegram_file = await bot.get_file(sent.file_id)
        check_file_size(telegram_file.file_size)
        data = bytes(await telegram_file.download_as_bytearray())
    except InvalidInputError as exc:
        return FetchedFile(refusal=exc)
    except TelegramError as exc:
        log.warning("file download failed: %s", type(exc).__name__)
        return FetchedFile(refusal=DownloadFailedError(FAILED))
    if telegram_file.file_size is not None and len(data) != telegram_file.file_size:
        log.warning("file download cut short: %d of %d bytes", len(data), telegram_file.file_size)
        return FetchedFile(refusal=DownloadFailedError(FAILED))
    return FetchedFile(data=data)


async def download(update: Update, context: ChatContext) -> bytes:
    """The file of the update's message: as fetched before the transaction (raising what
    refused it), or fetched now if it was not (a file in an edited message, say)."""
    fetched = context.turn.file or await prefetch(update, context.bot)
    if fetched is None:
        raise DownloadFailedError(FAILED)
    if fetched.refusal is not None:
        raise fetched.refusal
    assert fetched.data is not None
    return fetched.data
