"""Does a Spanish member read any English? Two checks on the bot's messages:

- English function words ("the", "your", "please", …) as whole words: a sentence nobody
  marked for translation shows up this way (names and titles the member typed rarely carry
  them; pass `allowed` for those that do);
- the literal parts of every English sentence of the catalog whose Spanish differs (the
  placeholders cut out, parts of 15 characters or more): a sentence marked but said in English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from string import Formatter
from typing import Any

from babel.messages.pofile import read_po

from domain.languages import Language
from i18n import catalog_path

# Common English words that are not also Spanish words ("me", "no", "a" are both: left out).
ENGLISH_WORDS = frozenset(
    [
        "the",
        "your",
        "you",
        "please",
        "with",
        "and",
        "is",
        "are",
        "to",
        "of",
        "for",
        "this",
        "that",
        "have",
        "has",
        "will",
        "can",
        "not",
        "be",
        "it",
        "was",
        "were",
        "been",
        "which",
        "what",
        "when",
        "where",
        "who",
        "would",
        "should",
        "could",
        "been",
        "there",
        "their",
        "them",
        "they",
        "we",
        "our",
        "my",
        "here",
    ]
)
WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
TAG = re.compile(r"<[^>]+>")
MIN_PART = 15


@cache
def english_parts() -> tuple[str, ...]:
    with catalog_path(Language.ES).open("rb") as source:
        catalog = read_po(source, locale="es")
    parts: set[str] = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        for msgid in ids:
            if msgid in strings:
                continue  # the same in both languages (a name, a number)
            for literal, *_ in Formatter().parse(TAG.sub("", msgid)):
                for line in literal.split("\n"):
                    if len(line.strip()) >= MIN_PART:
                        parts.add(line.strip())
    return tuple(sorted(parts))


def english_leaks(texts: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """What in `texts` reads as English (empty: nothing); `allowed`: strings to ignore (a
    title the member typed in English, their name)."""
    leaks: list[str] = []
    for text in texts:
        for allowed_text in allowed:
            text = text.replace(allowed_text, "")
        words = {w.casefold() for w in WORD.findall(text)}
        english = sorted(words & ENGLISH_WORDS)
        if english:
            leaks.append(f"English words {english} in: {text[:200]!r}")
        leaks += [
            f"English sentence {part!r} in: {text[:200]!r}"
            for part in english_parts()
            if part in text
        ]
    return leaks


def everything_shown(messages: list[Any]) -> list[str]:
    """Each bot message's text (or caption, or an invoice's title and description) and its
    buttons' labels: what a member reads, for `english_leaks`."""
    return ["\n".join([m.text, *(b["text"] for row in m.keyboard for b in row)]) for m in messages]
