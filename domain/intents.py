"""What a member's free text asks for: the phrase rules of the chat (pure, no Telegram).

`recognise(text)` names the one intent a message carries, or None. The rules, first match
wins (a specific question beats a greeting: "hi, when is my deadline?" is a deadline):

1. CANCEL — the whole message is "cancel", "stop" or "quit" (any case, surrounding spaces
   and punctuation ignored). Nothing else: "stop the reminders" or "cancel my invoice" are
   sentences, not the word. `is_cancel_word` is this rule alone: it is the one piece of free
   text that also ends a conversation (handlers/conversation.py).
2. CECS — a CEC/credit word with a "need" word ("how many CECs do I still need?"), or a very
   short message with a CEC word ("cecs?").
3. DEADLINE — in at most twelve words, a deadline word ("deadline", "due", "expire",
   "expiry", "thru date", "valid until", "lapse") or "when" with a renewal/certification
   word ("when can I renew?").
4. CECS — the message is close to one of the CEC questions (typos: "how many cecs do i stil
   ned").
5. CERTIFICATIONS — at most four words with "certifications" and no renewal word ("my
   certifications", "mis certificaciones"; "renew my certifications" is RENEW).
6. RENEW — a renewal word ("renew", "renewal", "recertify", "recertification") in at most
   eight words that are either three or fewer ("renew CPT") or say the member wants it ("I
   want to renew", "how do I renew?"), with no negation ("I don't want to renew" is nothing).
7. HELP — "help" in a message of at most four words, or "what can you do" and the like.
8. MENU — "menu" in a message of at most four words, or "options", "start", "home" alone.
9. GREETING — the message opens with a greeting ("hi", "hello", "hey", "good morning", …)
   and is short (at most six words: "hello there", "hi, how are you?").

Spanish is read as English is, by the same rules, with its own words ("¿cuántos CECs me
faltan?", "cuantos creditos necesito", "renovar", "¿cuándo vence?", "ayuda", "hola"); accents
are optional (they are dropped before matching: "cuántos" and "cuantos" are one word).

Keywords of six letters or more tolerate a small typo ("deadlin", "renewl"); shorter ones
must be exact ("lapse" is not "class", "due" is not "dye"). Only the first 300 characters are read.
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from itertools import pairwise

from rapidfuzz import fuzz, process


class Intent(StrEnum):
    CANCEL = "cancel"
    CECS = "cecs"
    DEADLINE = "deadline"
    RENEW = "renew"
    HELP = "help"
    MENU = "menu"
    GREETING = "greeting"
    CERTIFICATIONS = "certifications"


CANCEL_WORDS = frozenset({"cancel", "stop", "quit", "cancelar", "salir"})

CEC_WORDS = ("cec", "cecs", "ceu", "ceus", "credits", "credit", "hours", "creditos", "credito")
NEED_WORDS = (
    "need",
    "needed",
    "left",
    "remaining",
    "still",
    "missing",
    "renew",
    "require",
    "faltan",
    "falta",
    "necesito",
    "necesita",
    "quedan",
    "requiero",
    "pendientes",
    "renovar",
)
CEC_PHRASES = (
    "how many cecs do i still need",
    "cecs left",
    "what do i need to renew",
    "how many credits do i need",
    "how many cecs remaining",
    "cuantos cecs me faltan",
    "cuantos creditos necesito",
    "cuantos cecs necesito",
)
DEADLINE_WORDS = (
    "deadline",
    "deadlines",
    "due",
    "expire",
    "expires",
    "expired",
    "expiring",
    "expiry",
    "expiration",
    "lapse",
    "lapsed",
    "vence",
    "vencen",
    "vencimiento",
    "caduca",
    "caducidad",
    "plazo",
)
DEADLINE_PAIRS = (
    ("valid", "until"),
    ("good", "until"),
    ("end", "date"),
    ("renewal", "date"),
    ("thru", "date"),
    ("through", "date"),
    ("fecha", "limite"),
)
WHEN_TOPICS = (
    "renew",
    "renewal",
    "recertify",
    "recertification",
    "certification",
    "certifications",
    "certified",
    "cert",
    "certs",
    "cycle",
    "end",
    "ends",
    "open",
    "opens",
    "renovar",
    "renovacion",
    "certificacion",
    "certificaciones",
)
RENEW_WORDS = (
    "renew",
    "renewal",
    "renewing",
    "recertify",
    "recertification",
    "recert",
    "renovar",
    "renovacion",
    "recertificar",
    "recertificacion",
)
WANT_WORDS = frozenset(
    {"want", "wanna", "like", "start", "begin", "how", "can", "ready", "lets", "let", "please"}
    | {"quiero", "quisiera", "como", "puedo", "deseo", "empezar", "comenzar", "favor"}
)
NEGATIONS = frozenset(
    {"not", "dont", "don't", "never", "no", "cannot", "cant", "can't", "won't", "nunca"}
)
WHEN_WORDS = frozenset({"when", "cuando"})
HELP_WORDS = frozenset({"help", "ayuda"})
MENU_WORDS = frozenset({"menu"})
CERTIFICATION_WORDS = frozenset({"certifications", "certificaciones"})
MAX_CERTIFICATION_WORDS = 4
HELP_PHRASES = frozenset(
    {
        "what can you do",
        "what can i do",
        "what do you do",
        "how does this work",
        "how do you work",
        "commands",
        "instructions",
        "que puedes hacer",
        "que puede hacer",
        "como funciona",
    }
)
MENU_ALONE = frozenset({"menu", "options", "start", "home", "main menu", "opciones", "inicio"})
GREETINGS = frozenset(
    {"hi", "hello", "hey", "hiya", "howdy", "greetings", "helo", "hallo", "hola", "buenas"}
)
GREETING_PAIRS = frozenset(
    {
        ("good", "morning"),
        ("good", "afternoon"),
        ("good", "evening"),
        ("buenos", "dias"),
        ("buenas", "tardes"),
        ("buenas", "noches"),
    }
)

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
EDGES = " \t\r\n.,;:!?¡¿'\"()[]{}-–—…"
MAX_CHARS = 300
FUZZY_FROM = 6  # letters: shorter keywords must be typed exactly ("lapse" is not "class")
MAX_DEADLINE_WORDS = 12
MAX_RENEW_WORDS = 8


def folded(text: str) -> str:
    """Lower case without accents ("Cuántos" → "cuantos", "menú" → "menu")."""
    decomposed = unicodedata.normalize("NFKD", text[:MAX_CHARS].casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalize(text: str) -> str:
    """Lower case without accents, single spaces, no punctuation at either end."""
    return " ".join(folded(text).split()).strip(EDGES)


def words_of(text: str) -> list[str]:
    return WORD.findall(folded(text))


def is_cancel_word(text: str) -> bool:
    """True when the whole message is "cancel", "stop" or "quit" (rule 1)."""
    return normalize(text) in CANCEL_WORDS


def _near(word: str, choices: tuple[str, ...], cutoff: float) -> bool:
    return process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=cutoff) is not None


def _has(words: list[str], choices: tuple[str, ...]) -> bool:
    """A word of `choices`: exact for short words, a small typo allowed from six letters."""
    exact = set(choices)
    long = tuple(c for c in choices if len(c) >= FUZZY_FROM)
    return any(w in exact or (len(w) >= FUZZY_FROM and _near(w, long, 85)) for w in words)


def _cec_question(words: list[str]) -> bool:
    has_cec = any(_near(w, CEC_WORDS, 80) for w in words if len(w) >= 3)
    has_need = any(_near(w, NEED_WORDS, 80) for w in words if len(w) >= 4)
    return has_cec and (has_need or len(words) <= 3)


def _close_to_cec_phrase(text: str) -> bool:
    lowered = normalize(text)
    best = process.extractOne(lowered, CEC_PHRASES, scorer=fuzz.ratio, score_cutoff=80)
    return best is not None


def _asks_for_deadline(words: list[str]) -> bool:
    if len(words) > MAX_DEADLINE_WORDS:
        return False
    if _has(words, DEADLINE_WORDS):
        return True
    pairs = set(pairwise(words))
    if any(pair in pairs for pair in DEADLINE_PAIRS):
        return True
    return any(w in WHEN_WORDS for w in words) and _has(words, WHEN_TOPICS)


def _wants_renewal(words: list[str]) -> bool:
    if len(words) > MAX_RENEW_WORDS or not _has(words, RENEW_WORDS):
        return False
    if any(w in NEGATIONS for w in words):
        return False
    return len(words) <= 3 or any(w in WANT_WORDS for w in words)


def _asks_for_certifications(words: list[str]) -> bool:
    """ "my certifications" — not "renew my certifications" (a renewal word, exactly)."""
    return (
        len(words) <= MAX_CERTIFICATION_WORDS
        and any(w in CERTIFICATION_WORDS for w in words)
        and not any(w in RENEW_WORDS for w in words)
    )


def _asks_for_help(words: list[str], text: str) -> bool:
    return (any(w in HELP_WORDS for w in words) and len(words) <= 4) or text in HELP_PHRASES


def _asks_for_menu(words: list[str], text: str) -> bool:
    return (any(w in MENU_WORDS for w in words) and len(words) <= 4) or text in MENU_ALONE


def _greets(words: list[str]) -> bool:
    if not words or len(words) > 6:
        return False
    return words[0] in GREETINGS or tuple(words[:2]) in GREETING_PAIRS


def asks_for_cec_status(text: str) -> bool:
    """True for questions about the CECs still needed, in any case and with small typos."""
    words = words_of(text)
    return bool(words) and (_cec_question(words) or _close_to_cec_phrase(text))


def recognise(text: str) -> Intent | None:
    """The intent of a free-text message, or None (see the module's rules, in order)."""
    words = words_of(text)
    if not words:
        return None
    plain = normalize(text)
    if plain in CANCEL_WORDS:
        return Intent.CANCEL
    if _cec_question(words):
        return Intent.CECS
    if _asks_for_deadline(words):
        return Intent.DEADLINE
    if _close_to_cec_phrase(text):
        return Intent.CECS
    if _asks_for_certifications(words):
        return Intent.CERTIFICATIONS
    if _wants_renewal(words):
        return Intent.RENEW
    if _asks_for_help(words, plain):
        return Intent.HELP
    if _asks_for_menu(words, plain):
        return Intent.MENU
    if _greets(words):
        return Intent.GREETING
    return None
