"""Use cases of the member's language (/language, and keeping Telegram's language)."""

from __future__ import annotations

from domain.languages import KeptLanguage, Language
from domain.ports import UnitOfWork
from domain.rules import Rules


async def choose_language(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, language: Language
) -> Language:
    """/language: the Telegram user's choice, kept until they choose again."""
    await uow.languages.keep(
        telegram_user_id, KeptLanguage(language, chosen=True), rules.clock.now()
    )
    return language


async def keep_telegram_language(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, language: Language
) -> None:
    """The language Telegram gave, kept when no choice was made (reminders use it)."""
    await uow.languages.keep(
        telegram_user_id, KeptLanguage(language, chosen=False), rules.clock.now()
    )


async def language_of_user(uow: UnitOfWork, telegram_user_id: int) -> Language | None:
    """The language kept for a Telegram user (None: never seen)."""
    kept = await uow.languages.get(telegram_user_id)
    return kept.language if kept is not None else None
