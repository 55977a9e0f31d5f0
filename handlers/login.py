"""Login: username, then password, in two messages; the password message is deleted.

/login ─► "Your username?" ─► USERNAME ─► "Your password?" ─► PASSWORD ─► logged in
The username typed is kept with the conversation's state (in the update's transaction), so
a restart between the two messages loses nothing, and it is gone when the login ends,
whichever way it ends. Usernames have no spaces: a message with one at the username step is
likely the username and the password together; it is deleted, nothing of it is kept, and the
member is asked for them one at a time. So is `/login USERNAME PASSWORD`.
"""

from __future__ import annotations

import logging
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

from domain.services import auth
from handlers.context import ChatContext
from handlers.conversation import Conversation
from handlers.menu import main_menu
from handlers.render import us_date
from handlers.replies import typed_text

log = logging.getLogger(__name__)

NAME = "login"
# Said when another conversation takes over from this one.
LEAVING = "Login stopped."
USERNAME, PASSWORD = "login:username", "login:password"
PENDING_USERNAME = "username"
ASK_USERNAME = (
    "Your ACSM username, please: the first three letters of your last name followed by "
    "your ACSM ID (e.g. ABC123456), or the username you chose."
)

ONE_AT_A_TIME = (
    "Usernames have no spaces, so that message may hold your password too: I deleted it and "
    "kept nothing of it. Send your username alone; I will ask for your password next."
)


def telegram_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


async def start_login(update: Update, context: ChatContext) -> str | int:
    context.turn.answer_button()
    if len(typed_text(update).split()) > 1:
        # `/login USERNAME PASSWORD`: the command carries what may be a password. Deleted,
        # nothing of it read or kept; the two are asked for one at a time as usual.
        context.turn.delete_message()
        context.turn.say(
            "I deleted that message: it may hold your password, and I take the username and "
            "the password one at a time."
        )
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is not None:
        context.turn.say(
            f"You are logged in as {escape(member.full_name)} (ACSM ID {member.acsm_id}). "
            "Use /logout to switch accounts.",
        )
        return ConversationHandler.END
    context.turn.say(ASK_USERNAME + "\n\n/cancel to stop.")
    return USERNAME


async def got_username(update: Update, context: ChatContext) -> str:
    typed = typed_text(update).strip()
    if any(ch.isspace() for ch in typed):
        # Usernames have no spaces: this is likely the username and the password together.
        # Delete it, keep nothing of it, and ask for the two separately.
        context.turn.delete_message()
        context.turn.say(ONE_AT_A_TIME)
        return USERNAME
    context.turn.remember(NAME, **{PENDING_USERNAME: typed[:64]})
    context.turn.say("Now your password. I will delete that message from the chat.")
    return PASSWORD


async def got_password(update: Update, context: ChatContext) -> str | int:
    message = update.effective_message
    assert message is not None
    password = message.text or ""
    context.turn.delete_message()
    username = context.turn.forget(NAME, PENDING_USERNAME) or ""
    result = await auth.login(context.uow(), context.rules, telegram_id(update), username, password)
    if result.ok:
        text = f"Welcome, {escape(result.member_name or '')}! You are logged in (ACSM ID {result.acsm_id})."
        if result.uses_default_password:
            text += "\n\nYou still use the default password. Please choose your own with /password."
        context.turn.say(text, main_menu())
        return ConversationHandler.END
    if result.locked_until is not None:
        local = result.locked_until.astimezone(context.rules.timezone)
        context.turn.say(
            "Too many failed attempts. For your security this account is locked until "
            f"{local:%I:%M %p} on {us_date(local.date())} ({context.rules.timezone.key}).",
        )
        return ConversationHandler.END
    context.turn.say((result.reason or "Wrong username or password.") + "\n\n" + ASK_USERNAME)
    return USERNAME


async def not_text(update: Update, context: ChatContext) -> None:
    context.turn.say("Please type it as a text message, or /cancel.")


async def cancel(update: Update, context: ChatContext) -> int:
    context.turn.say("Login cancelled.")
    return ConversationHandler.END


async def logout(update: Update, context: ChatContext) -> None:
    was_in = await auth.logout(context.uow(), context.rules, telegram_id(update))
    context.turn.say("You are logged out." if was_in else "You were not logged in.")


def conversation() -> Conversation:
    text = filters.TEXT & ~filters.COMMAND
    return Conversation(
        NAME,
        leaving=LEAVING,
        secret=True,
        entry_points=[
            CommandHandler("login", start_login),
            CallbackQueryHandler(start_login, pattern=r"^login$"),
        ],
        states={
            USERNAME: [MessageHandler(text, got_username)],
            PASSWORD: [MessageHandler(text, got_password)],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(~filters.COMMAND, not_text),
        ],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return []


def exit_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """/logout: run by the conversation router whatever the member is doing (the
    conversation in front of them ends first, with its leaving line)."""
    return [CommandHandler("logout", logout)]
