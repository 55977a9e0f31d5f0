"""/certifications and /cecs (also asked in free text)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from domain.services.cec_status import cec_status
from domain.services.certifications import my_certifications
from handlers.context import ChatContext
from handlers.intents import asks_for_cec_status
from handlers.render import cec_status_text, certifications_text
from handlers.replies import domain_errors, keyboard, typed_text


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


@domain_errors(end=None)
async def show_certifications(update: Update, context: ChatContext) -> None:
    views = await my_certifications(context.uow(), context.rules, telegram_id(update))
    buttons = [[(f"Renew {v.code}", f"renew:{v.id}")] for v in views if v.can_renew]
    context.turn.say(certifications_text(views), keyboard(*buttons) if buttons else None)


@domain_errors(end=None)
async def show_cecs(update: Update, context: ChatContext) -> None:
    status = await cec_status(context.uow(), context.rules, telegram_id(update))
    context.turn.say(cec_status_text(status))


async def free_text(update: Update, context: ChatContext) -> None:
    if asks_for_cec_status(typed_text(update)):
        await show_cecs(update, context)
        return
    context.turn.say(
        "I did not understand that. Ask me “how many CECs do I still need?”, or see /help.",
    )


async def not_text(update: Update, context: ChatContext) -> None:
    context.turn.say("I can only read text messages here. See /help for what I can do.")


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [
        CommandHandler("certifications", show_certifications),
        CallbackQueryHandler(show_certifications, pattern=r"^menu:certifications$"),
        CommandHandler("cecs", show_cecs),
        CallbackQueryHandler(show_cecs, pattern=r"^menu:cecs$"),
    ]


def fallback_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """Last in the group: free text, then anything else a member might send."""
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, free_text),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, not_text),
    ]
