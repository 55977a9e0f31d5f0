"""What the bot says outside a turn (bot/errors.py: the database is down, an update given up
on): in the Telegram user's language as Telegram gives it, since the kept choice lives in
the database that may be down."""

from __future__ import annotations

from telegram import Update

from bot.errors import DATABASE_DOWN, PARKED, in_language_of
from domain.languages import Language
from i18n import speaker


def update_from(language_code: str | None) -> Update:
    user = {"id": 7, "is_bot": False, "first_name": "Ana"}
    if language_code is not None:
        user["language_code"] = language_code
    return Update.de_json(
        {
            "update_id": 1,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 7, "type": "private"},
                "from": user,
                "text": "/cecs",
            },
        },
        None,
    )


def test_said_in_the_telegram_users_language() -> None:
    spanish = speaker(Language.ES)
    for text in (DATABASE_DOWN, PARKED):
        assert in_language_of(text, update_from("es-MX")) == spanish.gettext(text) != text
        assert in_language_of(text, update_from("en")) == text
        assert in_language_of(text, update_from(None)) == text
        assert in_language_of(text, None) == text
