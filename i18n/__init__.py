"""What the bot says, in the member's language (the contract's "Languages").

The sentences are written in English in the code, marked for translation (`gettext`,
`ngettext`, and `N_` for constants translated where they are used); the Spanish catalog is
`i18n/locale/es/LC_MESSAGES/messages.po`, kept up to date with `make translations` (pybabel
extract + update) and checked by tests/i18n. The `.po` file is compiled in memory when first
needed (Babel's public API): no compiled file in the repository, none that can go stale.

Placeholders are named and filled with `str.format` after translation:
`speaker.gettext("Due on {date}.", date=…)`; a translation keeps every placeholder.
"""

from __future__ import annotations

import gettext as stdlib_gettext
import io
import logging
from datetime import datetime, time
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from babel.dates import format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from domain.errors import DomainError
from domain.languages import Language

log = logging.getLogger(__name__)

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def N_(message: str) -> str:
    """Mark a constant for translation; it is translated where it is shown."""
    return message


def catalog_path(language: Language) -> Path:
    return LOCALE_DIR / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(language: Language) -> stdlib_gettext.NullTranslations:
    """The language's compiled catalog (English: the messages as written)."""
    if language is Language.EN:
        return stdlib_gettext.NullTranslations()
    path = catalog_path(language)
    with path.open("rb") as source:
        catalog = read_po(source, locale=language.value)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries left out, as msgfmt does
    compiled.seek(0)
    return stdlib_gettext.GNUTranslations(compiled)


class Says(Protocol):
    """Anything that says sentences in a member's language: a Speaker, or a handler's turn."""

    def gettext(self, message: str, /, **values: Any) -> str: ...

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str: ...


class Speaker:
    """Sentences in one language: `gettext` and `ngettext` translate, then fill in the
    named placeholders."""

    def __init__(self, language: Language) -> None:
        self.language = language
        self._catalog = translations(language)

    def gettext(self, message: str, /, **values: Any) -> str:
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        text = self._catalog.ngettext(singular, plural, count)
        return text.format(count=count, **values)

    def clock(self, moment: time | datetime) -> str:
        """A time of day as this language writes it (CLDR's short form): "3:45 PM" in
        English, "15:45" in Spanish. Dates stay MM/DD/YYYY in both (the contract)."""
        # CLDR puts a narrow no-break space before AM/PM: a plain space reads the same.
        return format_time(moment, "short", locale=self.language.value).replace("\u202f", " ")

    def explain(self, error: DomainError) -> str:
        """A use case's error (domain/errors.py) in this language, not escaped. String values
        are translated too when the catalog has them (values marked with N_ in the domain:
        e.g. "The title" in "{what} is empty."); others (names, numbers) stay as they are."""
        if not error.template:
            return str(error)
        values = {
            name: self._catalog.gettext(value) if isinstance(value, str) else value
            for name, value in error.values.items()
        }
        return self.gettext(error.template, **values)


@cache
def speaker(language: Language) -> Speaker:
    return Speaker(language)
