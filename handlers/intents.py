"""Recognise free-text questions ("how many CECs do I still need?") despite case and typos."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

CEC_WORDS = ("cec", "cecs", "ceu", "ceus", "credits", "credit", "hours")
NEED_WORDS = ("need", "needed", "left", "remaining", "still", "missing", "renew", "require")
PHRASES = (
    "how many cecs do i still need",
    "cecs left",
    "what do i need to renew",
    "how many credits do i need",
    "how many cecs remaining",
)
WORD = re.compile(r"[a-z]+")


def _near(word: str, choices: tuple[str, ...], cutoff: float) -> bool:
    return process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff) is not None


def asks_for_cec_status(text: str) -> bool:
    """True for questions about the CECs still needed, in any case and with small typos."""
    lowered = text.casefold()[:300]
    words = WORD.findall(lowered)
    if not words:
        return False
    has_cec = any(_near(w, CEC_WORDS, 80) for w in words if len(w) >= 3)
    has_need = any(_near(w, NEED_WORDS, 80) for w in words if len(w) >= 4)
    if has_cec and (has_need or len(words) <= 3):
        return True
    best = process.extractOne(lowered, PHRASES, scorer=fuzz.ratio, score_cutoff=80)
    return best is not None
