"""The member's language (domain/languages.py): Telegram's language_code until chosen."""

from __future__ import annotations

import pytest

from domain.languages import KeptLanguage, Language, in_use, of_telegram, parse


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("es", Language.ES),
        ("es-MX", Language.ES),
        ("ES", Language.ES),
        ("en", Language.EN),
        ("en-US", Language.EN),
        ("pt-BR", Language.EN),
        ("", Language.EN),
        (None, Language.EN),
    ],
)
def test_telegram_language_code(code: str | None, language: Language) -> None:
    assert of_telegram(code) is language


def test_a_choice_wins_and_is_never_rewritten() -> None:
    chosen = KeptLanguage(Language.EN, chosen=True)
    assert in_use(chosen, "es") == (Language.EN, False)


def test_telegram_language_is_kept_when_new_or_changed_only() -> None:
    assert in_use(None, "es") == (Language.ES, True)
    assert in_use(KeptLanguage(Language.ES, chosen=False), "es-AR") == (Language.ES, False)
    assert in_use(KeptLanguage(Language.ES, chosen=False), "en") == (Language.EN, True)


def test_only_our_languages_parse() -> None:
    assert parse("es") is Language.ES and parse("fr") is None and parse(None) is None
