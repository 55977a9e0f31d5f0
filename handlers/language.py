"""/language: the member chooses English or Spanish (buttons); the choice is kept for their
Telegram user, across logins and restarts. No login needed: the language is the Telegram
user's, not the ACSM account's."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.languages import Language
from domain.services import languages
from handlers.context import ChatContext
from handlers.replies import keyboard

CHOOSE = "lang:"
# Each language's name in itself: the buttons read the same whatever the chat's language.
NAMES = {Language.EN: "English", Language.ES: "Español"}


def choices() -> InlineKeyboardMarkup:
    return keyboard([(NAMES[language], CHOOSE + language.value) for language in Language])


async def show(update: Update, context: ChatContext) -> None:
    turn = context.turn
    turn.say(
        turn.gettext(
            "Language: <b>{name}</b>. Choose the language I write in:", name=NAMES[turn.language]
        ),
        choices(),
    )


async def choose(update: Update, context: ChatContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query is not None and query.data is not None and user is not None
    language = Language(query.data.removeprefix(CHOOSE))
    context.turn.language = await languages.choose_language(
        context.uow(), context.rules, user.id, language
    )
    context.turn.edit_or_say(
        context.turn.gettext("From now on I write in English. /language changes it.")
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    pattern = "|".join(language.value for language in Language)
    return [
        CommandHandler("language", show),
        CallbackQueryHandler(choose, pattern=rf"^{CHOOSE}({pattern})$"),
    ]
