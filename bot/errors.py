"""The error handler: a handler's failure fails its update (rolled back and tried again, see
bot/turns.py), stops the later handler groups, and is logged. It never answers the
member itself: the runner does, at most once per update."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from domain.languages import of_telegram
from domain.slow_work import WorkNeeded
from handlers.context import ChatContext
from i18n import N_, speaker

log = logging.getLogger("bot.errors")

DATABASE_DOWN = N_(
    "Our records are unavailable right now. I have kept your message and will answer it as "
    "soon as they are back."
)
PARKED = N_(
    "Sorry, something went wrong on our side with that message and our staff have been "
    "alerted. Please try again later."
)


def in_language_of(text: str, update: Update | None) -> str:
    """DATABASE_DOWN or PARKED, said outside a turn: in the language of the update's Telegram
    user as Telegram gives it (`language_code`); a choice made with /language is kept in the
    database, which may be the thing that is down, so it is not read here."""
    user = update.effective_user if update is not None else None
    return speaker(of_telegram(user.language_code if user is not None else None)).gettext(text)


def is_database_outage(error: BaseException | None) -> bool:
    if isinstance(error, OperationalError | ConnectionError | TimeoutError | OSError):
        return True
    return isinstance(error, DBAPIError) and error.connection_invalidated


async def on_error(update: object, context: ChatContext) -> None:
    error = context.error
    update_id = update.update_id if isinstance(update, Update) else None
    turn = context.deps.turns.of(update)
    if isinstance(error, WorkNeeded) and turn is not None:
        turn.failure = error  # not a failure: the runner does the work and runs it again
        raise ApplicationHandlerStop
    # Only the type and the update id: the update itself may carry personal data.
    log.warning("update %s: handler failed: %s", update_id, type(error).__name__, exc_info=error)
    if turn is not None and error is not None:
        turn.failure = error  # the turn is rolled back and the update tried again
        raise ApplicationHandlerStop  # no later handler group sees a failed update
