"""The error handler: a handler's failure fails its update (rolled back and tried again, see
bot/turns.py), stops the later handler groups, and is logged. It never answers the
member itself: the runner does, at most once per update."""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, OperationalError
from telegram import Update
from telegram.ext import ApplicationHandlerStop

from domain.slow_work import WorkNeeded
from handlers.context import ChatContext

log = logging.getLogger("bot.errors")

DATABASE_DOWN = (
    "Our records are unavailable right now. I have kept your message and will answer it as "
    "soon as they are back."
)
PARKED = (
    "Sorry, something went wrong on our side with that message and our staff have been "
    "alerted. Please try again later."
)


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
