"""Small helpers every conversation uses: answering, keyboards, domain errors."""

from __future__ import annotations

import functools
import logging
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Sequence
from html import escape
from typing import Any, TypeVar

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import ConversationHandler

from domain.errors import DomainError, NotFoundError, NotLoggedInError, RefusedError
from handlers.context import ChatContext

log = logging.getLogger(__name__)

EXPIRED = "This button has expired."
PLEASE_LOG_IN = "Please log in first: /login"

Button = tuple[str, str]  # (label, callback data)
State = TypeVar("State")
Handler = Callable[[Update, ChatContext], Coroutine[Any, Any, Any]]


def keyboard(*rows: Sequence[Button]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


async def say(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> Message | None:
    """Send a new message into the chat the update came from."""
    chat = update.effective_chat
    if chat is None:
        return None
    return await chat.send_message(text, reply_markup=markup, parse_mode=ParseMode.HTML)


_answered: OrderedDict[str, None] = OrderedDict()  # recent query ids: answer each once


async def answer_button(update: Update, text: str | None = None) -> None:
    """Acknowledge a button press (Telegram shows a spinner until this), once per press."""
    query = update.callback_query
    if query is None or query.id in _answered:
        return
    _answered[query.id] = None
    if len(_answered) > 10_000:
        _answered.popitem(last=False)
    try:
        await query.answer(text)
    except BadRequest as exc:  # query too old after a restart: nothing to answer
        log.info("callback answer refused: %s", exc.message)


async def edit_or_say(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message whose button was pressed, else send a new one."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            log.info("edit refused, sending instead: %s", exc.message)
    await say(update, text, markup)


def pressed_data(update: Update) -> str:
    query = update.callback_query
    return query.data if query is not None and isinstance(query.data, str) else ""


def data_suffix(update: Update) -> str:
    """'renew:42' -> '42'."""
    return pressed_data(update).partition(":")[2]


def typed_text(update: Update) -> str:
    message = update.effective_message
    return message.text if message is not None and message.text else ""


def domain_errors(
    end: object = ConversationHandler.END,
) -> Callable[[Handler], Handler]:
    """Render a domain error to the member; in a conversation, end it (or stay, if `end` is None).

    - not logged in: ask to log in;
    - not found (also: someone else's): a stale button, nothing revealed;
    - refused or invalid: the readable reason.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: ChatContext) -> Any:
            try:
                result = await handler(update, context)
            except NotLoggedInError:
                await answer_button(update)
                await say(update, PLEASE_LOG_IN)
                return ConversationHandler.END
            except NotFoundError:
                if update.callback_query is not None:
                    await answer_button(update, EXPIRED)
                else:
                    await say(update, "I could not find that.")
                return end
            except (RefusedError, DomainError) as exc:
                await answer_button(update)
                await say(update, escape(str(exc)))
                return end
            await answer_button(update)  # answered late, so a refusal can still say why
            return result

        return wrapper

    return decorate


async def expired_button(update: Update, context: ChatContext) -> None:
    """Any button no conversation is waiting for."""
    await answer_button(update, EXPIRED)
