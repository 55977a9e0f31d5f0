"""The Spanish catalog against the code: every sentence marked in the code is in the
catalog, translated and not fuzzy, with the same placeholders; nothing in the catalog is left
over from sentences the code no longer has (`make translations` refreshes it)."""

from __future__ import annotations

from pathlib import Path
from string import Formatter

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from domain.languages import Language
from i18n import catalog_path, speaker

ROOT = Path(__file__).resolve().parents[2]
# As the Makefile's PYBABEL_KEYWORDS: the marks, and the errors whose first argument is a
# sentence for the member (domain/errors.py).
ERRORS = (
    "InvalidInputError",
    "NotFoundError",
    "NotLoggedInError",
    "ProofRejectedError",
    "NoCurrentCycleError",
    "ShortfallError",
    "InvalidCecAmountError",
    "DownloadFailedError",
)
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)} | dict.fromkeys(ERRORS)
METHODS = [(f"{package}/**.py", "python") for package in ("domain", "handlers", "bot", "mail")]


def test_the_makefile_extracts_with_the_same_keywords() -> None:
    makefile = (ROOT / "Makefile").read_text()
    line = next(x for x in makefile.splitlines() if x.startswith("PYBABEL_KEYWORDS"))
    assert {k.strip().partition(":")[0] for k in line.split("-k")[1:]} == {
        k.strip() for k in KEYWORDS
    }


def marked_in_code() -> set[str | tuple[str, ...]]:
    found: set[str | tuple[str, ...]] = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT, METHODS, keywords=KEYWORDS
    ):
        found.add(message)
    return found


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name is not None}


@pytest.fixture(scope="module")
def spanish():
    with catalog_path(Language.ES).open("rb") as source:
        return read_po(source, locale="es")


def test_every_sentence_of_the_code_is_in_the_spanish_catalog(spanish) -> None:
    in_catalog = {m.id for m in spanish if m.id}
    marked = {m if isinstance(m, str) else m[0] for m in marked_in_code()}
    assert marked, "the extraction found nothing: its keywords or paths are wrong"
    assert not marked - {i if isinstance(i, str) else i[0] for i in in_catalog}, (
        "not in i18n/locale/es/LC_MESSAGES/messages.po: run `make translations`"
    )
    assert not {i if isinstance(i, str) else i[0] for i in in_catalog} - marked, (
        "sentences the code no longer has: run `make translations`"
    )


def test_every_spanish_translation_is_done_and_keeps_its_placeholders(spanish) -> None:
    for message in spanish:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        assert all(strings), f"not translated: {message.id!r}"
        expected = set().union(*(placeholders(i) for i in ids)) - {"count"}
        for string in strings:
            assert placeholders(string) - {"count"} == expected, f"placeholders: {message.id!r}"


def test_a_sentence_is_said_in_spanish_with_its_placeholders_filled() -> None:
    says = speaker(Language.ES)
    assert says.gettext("Welcome back, {name}. What would you like to do?", name="Ana") == (
        "Bienvenido/a de nuevo, Ana. ¿Qué desea hacer?"
    )
    assert speaker(Language.EN).gettext("Log in") == "Log in"


def test_the_leak_check_finds_english_and_passes_spanish() -> None:
    from tests.chat.spanish import english_leaks

    assert english_leaks(["Please log in first."])
    assert english_leaks(["Welcome back, Ana. What would you like to do?"])
    assert not english_leaks(["Bienvenido/a de nuevo, Ana. ¿Qué desea hacer?"])
    assert not english_leaks(["Squat the clinic"], allowed=["Squat the clinic"])


def test_a_time_of_day_is_written_as_each_language_writes_it() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    afternoon = datetime(2026, 12, 6, 15, 5, tzinfo=ZoneInfo("America/New_York"))
    assert speaker(Language.EN).clock(afternoon) == "3:05 PM"
    assert speaker(Language.ES).clock(afternoon) == "15:05"
    assert speaker(Language.EN).clock(afternoon.replace(hour=9)) == "9:05 AM"
