"""/password: set your own password (old one first) or choose your own username.

Every message that carries a password is deleted from the chat. The new password is typed
twice (the second must match the first).
"""

from __future__ import annotations

from html import escape

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.errors import InvalidInputError, ProofNeededError, RefusedError
from domain.services import auth
from handlers.context import ChatContext
from handlers.conversation import Conversation
from handlers.login import button, telegram_id
from handlers.new_password import forget_new, keep_first_typing, refuse_new, second_typing
from handlers.replies import (
    PLEASE_LOG_IN,
    domain_errors,
    keyboard,
    offer_proof,
    typed_text,
)
from i18n import N_

NAME = "password"
# Said when another conversation takes over from this one.
LEAVING = N_("Password change stopped: your password is unchanged.")
OLD, NEW, USERNAME = "password:old", "password:new", "password:username"
NEW_AGAIN = "password:new_again"
# The verified current password is held in memory only (bot_data is never persisted),
# so no password ever reaches the database or the logs; after a restart it is asked again.
PENDING_OLD = "password_checks"
TYPE_OLD_AGAIN = N_("Please type your current password again (I was restarted).")
NOTHING_CHANGED = N_("Nothing was changed.")


def pending_old(context: ChatContext) -> dict[int, str]:
    pending: dict[int, str] = context.bot_data.setdefault(PENDING_OLD, {})
    return pending


@domain_errors()
async def start(update: Update, context: ChatContext) -> str | int:
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is None:
        context.turn.say(context.turn.gettext(PLEASE_LOG_IN))
        return ConversationHandler.END
    if not member.identity_proven:  # the use cases refuse it too (ProofNeededError)
        offer_proof(context, ProofNeededError())
        return ConversationHandler.END
    turn = context.turn
    turn.say(
        turn.gettext("What would you like to change?"),
        keyboard(
            [
                button(turn, (N_("My password"), "pw:password")),
                button(turn, (N_("My username"), "pw:username")),
            ]
        ),
    )
    return OLD


async def ask_old(update: Update, context: ChatContext) -> str:
    context.turn.answer_button()
    context.turn.say(context.turn.gettext("Type your current password. I will delete the message."))
    return OLD


@domain_errors()
async def got_old(update: Update, context: ChatContext) -> str | int:
    password = typed_text(update)
    context.turn.delete_message()
    ok = await auth.verify_current_password(
        context.uow(), context.rules, telegram_id(update), password
    )
    if not ok:
        context.turn.say(
            context.turn.gettext("That is not your current password. Password unchanged.")
        )
        return ConversationHandler.END
    pending_old(context)[telegram_id(update)] = password
    context.turn.say(
        context.turn.gettext(
            "Now type your new password: at least 10 characters, not your username. "
            "A short sentence works well. I will delete the message."
        )
    )
    return NEW


@domain_errors()
async def got_new(update: Update, context: ChatContext) -> str | int:
    new = typed_text(update)
    context.turn.delete_message()
    if pending_old(context).get(telegram_id(update)) is None:
        context.turn.say(context.turn.gettext(TYPE_OLD_AGAIN))
        return OLD
    problem = await auth.new_password_problem(
        context.uow(), context.rules, telegram_id(update), new
    )
    if problem is not None:
        refuse_new(update, context, problem)
        return NEW
    keep_first_typing(update, context, new)
    return NEW_AGAIN


@domain_errors()
async def got_new_again(update: Update, context: ChatContext) -> str | int:
    old = pending_old(context).get(telegram_id(update))
    if old is None:
        context.turn.delete_message()
        context.turn.say(context.turn.gettext(TYPE_OLD_AGAIN))
        return OLD
    new = second_typing(update, context)
    if new is None:
        return NEW
    try:
        await auth.change_password(context.uow(), context.rules, telegram_id(update), old, new)
    except ProofNeededError:
        raise  # offered by domain_errors
    except InvalidInputError as exc:
        refuse_new(update, context, exc)
        return NEW
    except RefusedError as exc:
        pending_old(context).pop(telegram_id(update), None)
        forget_new(update, context)
        context.turn.say(context.turn.explain(exc))
        return ConversationHandler.END
    pending_old(context).pop(telegram_id(update), None)
    forget_new(update, context)
    context.turn.say(
        context.turn.gettext("Your password is changed. Other sessions have been logged out.")
    )
    return ConversationHandler.END


async def ask_username(update: Update, context: ChatContext) -> str:
    context.turn.answer_button()
    context.turn.say(
        context.turn.gettext("Type the username you would like (letters, digits, . _ -; 4 to 32).")
    )
    return USERNAME


@domain_errors()
async def got_username(update: Update, context: ChatContext) -> str | int:
    try:
        name = await auth.change_username(
            context.uow(), context.rules, telegram_id(update), typed_text(update)
        )
    except ProofNeededError:
        raise  # offered by domain_errors
    except InvalidInputError as exc:
        another = context.turn.gettext("Type another one, or /cancel.")
        context.turn.say(f"{context.turn.explain(exc)}\n{another}")
        return USERNAME
    context.turn.say(
        context.turn.gettext("Done: you can now log in as <b>{name}</b>.", name=escape(name))
    )
    return ConversationHandler.END


async def cancel(update: Update, context: ChatContext) -> int:
    pending_old(context).pop(telegram_id(update), None)
    forget_new(update, context)
    context.turn.say(context.turn.gettext(NOTHING_CHANGED))
    return ConversationHandler.END


def conversation() -> Conversation:
    text = filters.TEXT & ~filters.COMMAND
    return Conversation(
        NAME,
        leaving=LEAVING,
        secret=True,
        entry_points=[CommandHandler("password", start)],
        states={
            OLD: [
                CallbackQueryHandler(ask_old, pattern=r"^pw:password$"),
                CallbackQueryHandler(ask_username, pattern=r"^pw:username$"),
                MessageHandler(text, got_old),
            ],
            NEW: [MessageHandler(text, got_new)],
            NEW_AGAIN: [MessageHandler(text, got_new_again)],
            USERNAME: [MessageHandler(text, got_username)],
        },
        fallbacks=[CommandHandler("cancel", cancel)],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return []
