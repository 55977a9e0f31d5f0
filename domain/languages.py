"""The member's language (the contract's "Languages"): English or Spanish.

A Telegram user's language is their Telegram `language_code` (`es…` → Spanish, anything
else → English) until they choose one with /language; the choice is kept for that Telegram
user, across logins and restarts. The language last seen is kept too, so that what the bot
sends on its own (reminders, audit notices) is in the member's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Language(StrEnum):
    EN = "en"
    ES = "es"


DEFAULT = Language.EN


def of_telegram(language_code: str | None) -> Language:
    """Telegram's `language_code` (an IETF tag such as "es", "es-MX", "en-US") → ours."""
    if language_code and language_code.strip().lower()[:2] == "es":
        return Language.ES
    return DEFAULT


def parse(value: str | None) -> Language | None:
    """A stored or chosen language, None when it is not one of ours."""
    try:
        return Language(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class KeptLanguage:
    """What is kept for a Telegram user: the language in use, and whether they chose it."""

    language: Language
    chosen: bool


def in_use(kept: KeptLanguage | None, language_code: str | None) -> tuple[Language, bool]:
    """The language of this update and whether what is kept must be written: a choice wins;
    otherwise Telegram's language, written when it differs from the one kept."""
    if kept is not None and kept.chosen:
        return kept.language, False
    language = of_telegram(language_code)
    return language, kept is None or kept.language is not language
