"""/certifications and /cecs (also asked in free text: handlers/free_text.py)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.services.cec_status import cec_status
from domain.services.certifications import my_certifications
from handlers.context import ChatContext
from handlers.render import cec_status_text, certifications_text
from handlers.replies import domain_errors, keyboard


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


@domain_errors(end=None)
async def show_certifications(update: Update, context: ChatContext) -> None:
    views = await my_certifications(context.uow(), context.rules, telegram_id(update))
    turn = context.turn
    buttons = [
        [(turn.gettext("Renew {code}", code=v.code), f"renew:{v.id}")] for v in views if v.can_renew
    ]
    turn.say(certifications_text(views, turn), keyboard(*buttons) if buttons else None)


@domain_errors(end=None)
async def show_cecs(update: Update, context: ChatContext) -> None:
    status = await cec_status(context.uow(), context.rules, telegram_id(update))
    context.turn.say(cec_status_text(status, context.turn))


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [
        CommandHandler("certifications", show_certifications),
        CallbackQueryHandler(show_certifications, pattern=r"^menu:certifications$"),
        CommandHandler("cecs", show_cecs),
        CallbackQueryHandler(show_cecs, pattern=r"^menu:cecs$"),
    ]
