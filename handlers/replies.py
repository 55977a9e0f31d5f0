"""Small helpers every conversation uses: keyboards, what was typed or pressed, domain errors.
(Replies are recorded on the turn: `context.turn.say(...)`, handlers/turn.py.)"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.ext import ConversationHandler

from domain.errors import (
    DomainError,
    NotFoundError,
    NotLoggedInError,
    ProofNeededError,
    RefusedError,
)
from handlers.context import ChatContext
from i18n import N_

log = logging.getLogger(__name__)

EXPIRED = N_("This button has expired.")
PLEASE_LOG_IN = N_("Please log in first: /login")

# Proving who you are (handlers/proof.py): offered wherever a change needs it.
EMAIL_ME_A_CODE = (N_("Email me a code"), "proof:email")
SHARE_PHONE = N_("Share my phone number")

Button = tuple[str, str]  # (label, callback data)
Handler = Callable[[Update, ChatContext], Coroutine[Any, Any, Any]]


def keyboard(*rows: Sequence[Button]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row] for row in rows]
    )


def pressed_data(update: Update) -> str:
    query = update.callback_query
    return query.data if query is not None and isinstance(query.data, str) else ""


def data_suffix(update: Update) -> str:
    """'renew:42' -> '42'."""
    return pressed_data(update).partition(":")[2]


def typed_text(update: Update) -> str:
    message = update.effective_message
    return message.text if message is not None and message.text else ""


def share_phone_keyboard(context: ChatContext) -> ReplyKeyboardMarkup:
    """The reply keyboard whose one button shares the member's own Telegram phone number."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(context.turn.gettext(SHARE_PHONE), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def offer_proof(context: ChatContext, why: DomainError) -> None:
    """ProofNeededError: say why, and offer the ways to prove who you are: a code to the
    email on file (only when email is configured) and Telegram's "share my phone number"."""
    turn = context.turn
    email_me, share = turn.gettext(EMAIL_ME_A_CODE[0]), turn.gettext(SHARE_PHONE)
    if context.deps.mailer is not None:
        turn.say(
            turn.explain(why)
            + "\n\n"
            + turn.gettext(
                "Press “{email_me}” and type the 6-digit code I send to the email address "
                "ACSM has on file.",
                email_me=email_me,
            ),
            keyboard([(email_me, EMAIL_ME_A_CODE[1])]),
        )
        how = turn.gettext(
            "Or press “{share}” below, if ACSM has your phone number (the one of this "
            "Telegram account) on file. /cancel to stop.",
            share=share,
        )
    else:
        turn.say(turn.explain(why))
        how = turn.gettext(
            "Press “{share}” below, if ACSM has your phone number (the one of this Telegram "
            "account) on file. /cancel to stop.",
            share=share,
        )
    turn.say(how, share_phone_keyboard(context))


def domain_errors(
    end: object = ConversationHandler.END,
) -> Callable[[Handler], Handler]:
    """Render a domain error to the member; in a conversation, end it (or stay, if `end` is None).

    - not logged in: ask to log in;
    - not found (also: someone else's): a stale button, nothing revealed;
    - proof of identity needed: the ways to prove it (`offer_proof`);
    - refused or invalid: the readable reason.
    """

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def wrapper(update: Update, context: ChatContext) -> Any:
            try:
                result = await handler(update, context)
            except NotLoggedInError:
                context.turn.answer_button()
                context.turn.say(context.turn.gettext(PLEASE_LOG_IN))
                return ConversationHandler.END
            except NotFoundError:
                if update.callback_query is not None:
                    context.turn.answer_button(context.turn.gettext(EXPIRED))
                else:
                    context.turn.say(context.turn.gettext("I could not find that."))
                return end
            except ProofNeededError as exc:
                context.turn.answer_button()
                offer_proof(context, exc)
                return end
            except (RefusedError, DomainError) as exc:
                context.turn.answer_button()
                context.turn.say(context.turn.explain(exc))
                return end
            context.turn.answer_button()  # answered late, so a refusal can still say why
            return result

        return wrapper

    return decorate


async def expired_button(update: Update, context: ChatContext) -> None:
    """Any button no conversation is waiting for."""
    context.turn.answer_button(context.turn.gettext(EXPIRED))
