"""Downloading a photo or document the member sent, through the Bot API (getFile, then the
file endpoint), inside the handler. A file Telegram already says is too big is refused before
downloading; a failed download raises DownloadFailedError (the member is asked to send it
again; nothing was stored)."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from domain.services.tracker import check_file_size
from handlers.context import ChatContext

log = logging.getLogger(__name__)

FAILED = (
    "I could not download that file from Telegram, so nothing was stored. Please send it again."
)


class DownloadFailedError(Exception):
    pass


async def download(update: Update, context: ChatContext) -> bytes:
    """The bytes of the photo (largest size) or document in the update's message."""
    message = update.effective_message
    assert message is not None
    sent = message.photo[-1] if message.photo else message.document
    assert sent is not None
    check_file_size(sent.file_size)  # ProofRejectedError before any download
    try:
        telegram_file = await context.bot.get_file(sent.file_id)
        check_file_size(telegram_file.file_size)
        data = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        log.warning("file download failed: %s", type(exc).__name__)
        raise DownloadFailedError(FAILED) from exc
    if telegram_file.file_size is not None and len(data) != telegram_file.file_size:
        log.warning("file download cut short: %d of %d bytes", len(data), telegram_file.file_size)
        raise DownloadFailedError(FAILED)
    return data
