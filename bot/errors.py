"""The error handler: one failing update is logged and answered, and the bot goes on."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.error import TelegramError

from handlers.context import ChatContext

log = logging.getLogger("bot.errors")

SORRY = "Sorry, something went wrong on our side. Please try again."
DATABASE_DOWN = "Our records are unavailable right now. Please try again in a minute."


def is_database_outage(error: BaseException | None) -> bool:
    if isinstance(error, OperationalError | ConnectionError | TimeoutError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


async def on_error(update: object, context: ChatContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    # Only the type and the update id: the update itself may carry personal data.
    log.error("update %s failed: %s", update_id, type(error).__name__, exc_info=error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if isinstance(error, TelegramError):
        return  # answering would likely fail the same way
    text = DATABASE_DOWN if is_database_outage(error) else SORRY
    try:
        await update.effective_chat.send_message(text)
    except TelegramError:
        log.warning("could not tell chat about the failed update %s", update_id)
