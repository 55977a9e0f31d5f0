"""Login: username, then password, in two messages; the password message is deleted.

/login ─► "Your username?" ─► USERNAME ─► "Your password?" ─► PASSWORD ─► logged in
The username typed is kept in user_data (persisted) so a restart between the two
messages loses nothing.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.error import BadRequest
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
from handlers.menu import main_menu
from handlers.render import us_date
from handlers.replies import answer_button, say, typed_text

log = logging.getLogger(__name__)

USERNAME, PASSWORD = "login:username", "login:password"
PENDING_USERNAME = "login_username"
ASK_USERNAME = (
    "Your ACSM username, please: the first three letters of your last name followed by "
    "your ACSM ID (e.g. ABC123456), or the username you chose."
)


def telegram_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


async def start_login(update: Update, context: ChatContext) -> str | int:
    await answer_button(update)
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is not None:
        await say(
            update,
            f"You are logged in as {escape(member.full_name)} (ACSM ID {member.acsm_id}). "
            "Use /logout to switch accounts.",
        )
        return ConversationHandler.END
    await say(update, ASK_USERNAME + "\n\n/cancel to stop.")
    return USERNAME


async def got_username(update: Update, context: ChatContext) -> str:
    assert context.user_data is not None
    context.user_data[PENDING_USERNAME] = typed_text(update).strip()[:64]
    await say(update, "Now your password. I will delete that message from the chat.")
    return PASSWORD


async def got_password(update: Update, context: ChatContext) -> str | int:
    message = update.effective_message
    assert message is not None and context.user_data is not None
    password = message.text or ""
    await delete_quietly(update)
    username = context.user_data.pop(PENDING_USERNAME, "")
    result = await auth.login(context.uow(), context.rules, telegram_id(update), username, password)
    if result.ok:
        text = f"Welcome, {escape(result.member_name or '')}! You are logged in (ACSM ID {result.acsm_id})."
        if result.uses_default_password:
            text += "\n\nYou still use the default password. Please choose your own with /password."
        await say(update, text, main_menu())
        return ConversationHandler.END
    if result.locked_until is not None:
        local = result.locked_until.astimezone(context.rules.timezone)
        await say(
            update,
            "Too many failed attempts. For your security this account is locked until "
            f"{local:%I:%M %p} on {us_date(local.date())} ({context.rules.timezone.key}).",
        )
        return ConversationHandler.END
    await say(update, (result.reason or "Wrong username or password.") + "\n\n" + ASK_USERNAME)
    return USERNAME


async def delete_quietly(update: Update) -> None:
    """Delete the member's message (it carried a password)."""
    message = update.effective_message
    if message is None:
        return
    try:
        await message.delete()
    except BadRequest as exc:
        log.warning("could not delete a password message: %s", exc.message)


async def not_text(update: Update, context: ChatContext) -> None:
    await say(update, "Please type it as a text message, or /cancel.")


async def cancel(update: Update, context: ChatContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(PENDING_USERNAME, None)
    await say(update, "Login cancelled.")
    return ConversationHandler.END


async def logout(update: Update, context: ChatContext) -> None:
    was_in = await auth.logout(context.uow(), context.rules, telegram_id(update))
    await say(update, "You are logged out." if was_in else "You were not logged in.")


def conversation() -> ConversationHandler[ChatContext]:
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
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
        name="login",
        persistent=True,
        allow_reentry=True,
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [conversation(), CommandHandler("logout", logout)]
