"""What was read on a certificate, line by line, in the member's language: the labels and
the remarks translated, the values as printed (only the organization's name is a word of
the bot's), escaped for HTML."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.languages import Language
from domain.tracker import Organization
from handlers.reading import reading_lines, shown_values
from i18n import speaker

READ = shown_values("Squat <clinic>", None, date(2026, 3, 15), Decimal(2), Organization.OTHER)
TYPED = shown_values("Squat clinic", None, None, None, Organization.ACSM)


def test_the_lines_read_are_in_english_by_default() -> None:
    assert reading_lines(READ, TYPED, "0.2 CEUs") == [
        "Title: <b>Squat &lt;clinic&gt;</b> (you typed: Squat clinic)",
        "Provider: <i>not read</i>",
        "Date completed: <b>03/15/2026</b>",
        "CECs: <b>2</b> (0.2 CEUs as printed)",
        "ACSM or other: <b>other organization</b> (you typed: ACSM)",
    ]
    assert reading_lines(READ, TYPED, "0.2 CEUs", speaker(Language.EN)) == reading_lines(
        READ, TYPED, "0.2 CEUs"
    )


def test_the_lines_read_are_in_spanish_with_the_values_as_printed() -> None:
    assert reading_lines(READ, TYPED, "0.2 CEUs", speaker(Language.ES)) == [
        "Título: <b>Squat &lt;clinic&gt;</b> (usted escribió: Squat clinic)",
        "Proveedor: <i>no leído</i>",
        "Fecha de finalización: <b>03/15/2026</b>",
        "CEC: <b>2</b> (0.2 CEUs según el certificado)",
        "ACSM u otra organización: <b>otra organización</b> (usted escribió: ACSM)",
    ]
