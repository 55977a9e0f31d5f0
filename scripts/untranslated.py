"""The sentences marked in the given files (or the whole code) that the Spanish catalog lacks,
leaves untranslated or fuzzy, or translates with other placeholders.

    .venv/bin/python scripts/untranslated.py handlers/renewal.py domain/renewal_rules.py

Run `make translations` first (it adds new sentences to the catalog, untranslated)."""

from __future__ import annotations

import sys
from pathlib import Path
from string import Formatter

from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

from domain.languages import Language
from i18n import catalog_path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("domain", "handlers", "bot", "mail")
KEYWORDS = {
    k.strip().partition(":")[0]: None
    for line in (ROOT / "Makefile").read_text().splitlines()
    if line.startswith("PYBABEL_KEYWORDS")
    for k in line.split("-k")[1:]
}
KEYWORDS["ngettext"] = (1, 2)  # type: ignore[assignment]


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def main(paths: list[str]) -> int:
    files = [Path(p) for p in paths] or [
        f for package in PACKAGES for f in sorted((ROOT / package).rglob("*.py"))
    ]
    with catalog_path(Language.ES).open("rb") as source:
        catalog = read_po(source, locale="es")
    problems = 0
    for path in files:
        for line, message, _comments, _context in extract_from_file(
            "python", str(path), keywords=KEYWORDS
        ):
            msgid = message if isinstance(message, str) else message[0]
            entry = catalog.get(msgid)
            strings = (
                []
                if entry is None
                else ([entry.string] if isinstance(entry.string, str) else list(entry.string))
            )
            if entry is None or entry.fuzzy or not all(strings):
                why = "missing" if entry is None else "fuzzy" if entry.fuzzy else "untranslated"
            elif any(
                placeholders(s) - {"count"} != placeholders(msgid) - {"count"} for s in strings
            ):
                why = "placeholders differ"
            else:
                continue
            problems += 1
            print(f"{path}:{line}: {why}: {msgid!r}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
