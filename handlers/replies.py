"""Small helpers every conversation uses: answering, keyboards, domain errors."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from html import escape
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import ConversationHandler

from domain.errors import DomainError, NotFoundError, NotLoggedInError, RefusedError
from handlers.context import ChatContext
from handlers.outbox import Outbox, Sender
from handlers.scope import current_scope

log = logging.getLogger(__name__)

EXPIRED = "This button has expired."
PLEASE_LOG_IN = "Please log in first: /login"

Button = tuple[str, str]  # (label, callback data)
Handler = Callable[[Update, ChatContext], Coroutine[Any, Any, Any]]


def keyboard(*rows: Sequence[Button]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def _chat_id(update: Update) -> int | None:
    chat = update.effective_chat
    return chat.id if chat is not None else None


async def _emit(update: Update, record: Callable[[Outbox], None]) -> None:
    """Record a reply in the update's outbox (sent after the commit); outside an update
    scope (no runner around the handler), send it at once."""
    scope = current_scope()
    if scope is not None:
        record(scope.outbox)
        return
    outbox = Outbox()
    record(outbox)
    await Sender(update.get_bot()).send(outbox.replies)  # type: ignore[arg-type]


async def say(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """A new message into the chat the update came from."""
    chat_id = _chat_id(update)
    if chat_id is not None:
        await _emit(update, lambda outbox: outbox.send_message(chat_id, text, markup))


async def answer_button(update: Update, text: str | None = None) -> None:
    """Acknowledge a button press (Telegram shows a spinner until this), once per update."""
    query = update.callback_query
    if query is not None:
        await _emit(update, lambda outbox: outbox.answer_button(query.id, text))


async def edit_or_say(
    update: Update, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Edit the message whose button was pressed, else send a new one."""
    query = update.callback_query
    chat_id = _chat_id(update)
    if query is not None and isinstance(query.message, Message) and chat_id is not None:
        message_id = query.message.message_id
        await _emit(update, lambda outbox: outbox.edit_message(chat_id, message_id, text, markup))
        return
    await say(update, text, markup)


async def delete_message(update: Update) -> None:
    """Delete the member's message (e.g. it carried a password)."""
    message = update.effective_message
    if message is not None:
        chat_id, message_id = message.chat_id, message.message_id
        await _emit(update, lambda outbox: outbox.delete_message(chat_id, message_id))


async def answer_pre_checkout(update: Update, error: str | None) -> None:
    query = update.pre_checkout_query
    if query is not None:
        await _emit(update, lambda outbox: outbox.answer_pre_checkout(query.id, error))


async def send_invoice(
    update: Update, *, title: str, description: str, payload: str, prices: list[tuple[str, int]]
) -> None:
    """A Telegram invoice (USD; the provider token is added when it is sent)."""
    chat_id = _chat_id(update)
    if chat_id is not None:
        await _emit(
            update,
            lambda outbox: outbox.send_invoice(chat_id, title, description, payload, prices),
        )


async def send_document(update: Update, data: bytes, filename: str, caption: str) -> None:
    chat_id = _chat_id(update)
    if chat_id is not None:
        await _emit(update, lambda outbox: outbox.send_document(chat_id, data, filename, caption))


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
