"""What each input accepts: one validator per field, shared by the staff CSV imports and the
chat. Every validator returns the value to store or raises InvalidInputError with a reason
readable by a member (imports prefix it with the column and report `line N: reason`).

The limits here are the database column lengths too (storage/orm.py, migration 0004); see the
table "what each input accepts" in docs/security.md.
"""

from __future__ import annotations

import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from domain.errors import N_, InvalidInputError

MAX_NAME = 100  # first_name, last_name
MAX_EMAIL = 254  # RFC 5321 path limit, as email-validator enforces
MAX_PHONE_TYPED = 40  # what may be typed; stored as E.164: at most 16 characters
MAX_TITLE = 300  # CEC activity title
MAX_PROVIDER = 200  # CEC activity provider
PHONE_REGION = "US"

ACSM_ID = re.compile(r"[0-9]{1,16}")
PHONE_CHARS = re.compile(r"[0-9+()\-. ]+")  # ASCII digits only: no look-alike digit tricks
NAME_PUNCTUATION = frozenset(" '’-.,")
# Format characters that change how text is displayed (bidi overrides and isolates): refused.
# Zero-width (non-)joiners are kept: some scripts need them in names.
ALLOWED_FORMAT = frozenset("\u200c\u200d")


def control_character(text: str) -> str | None:
    """The first invisible or control character `text` holds, or None.
    NUL, C0/C1 controls (tabs and line breaks included), U+2028/U+2029, surrogates, private-use and
    unassigned code points, and format characters such as U+202E RIGHT-TO-LEFT OVERRIDE."""
    for ch in text:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp") or (
            category == "Cf" and ch not in ALLOWED_FORMAT
        ):
            return ch
    return None


def check_text(text: str, what: str, most: int) -> str:
    """Plain one-line text: stripped, NFC, 1..`most` characters, no control characters."""
    if len(text) > most * 4:  # do not normalise megabytes
        raise InvalidInputError("{what} is longer than {most} characters.", what=what, most=most)
    value = unicodedata.normalize("NFC", text.strip())
    if not value:
        raise InvalidInputError("{what} is empty.", what=what)
    if len(value) > most:
        raise InvalidInputError("{what} is longer than {most} characters.", what=what, most=most)
    problem = control_character(value)
    if problem is not None:
        raise InvalidInputError(
            "{what} contains a control character or line break (U+{code}).",
            what=what,
            code=format(ord(problem), "04X"),
        )
    return value


def check_name(text: str, what: str = "name") -> str:
    """A person's name: letters of any script with their marks, ASCII digits, spaces, and
    ' ’ - . , (at least one letter), at most 100 characters."""
    value = check_text(text, what, MAX_NAME)
    if not any(unicodedata.category(ch).startswith("L") for ch in value):
        raise InvalidInputError("{what} has no letters.", what=what)
    for ch in value:
        if ch in NAME_PUNCTUATION or "0" <= ch <= "9" or unicodedata.category(ch)[0] in "LM":
            continue
        if ch in ALLOWED_FORMAT:
            continue
        raise InvalidInputError(
            "{what} contains {character}, which is not used in names.",
            what=what,
            character=repr(ch),
        )
    return value


def email_problem(exc: EmailNotValidError) -> str:
    """What is wrong with an address, in our words (marked: the member reads it in their
    language), from email-validator's English reason."""
    said = str(exc)
    if "must have an @-sign" in said:
        return N_("it has no @")
    if said.startswith(("The part after the @-sign", "After the @-sign", "A bracketed")) or (
        "hyphen" in said
    ):
        return N_("the part after the @ is not a domain such as example.com")
    if "period" in said:
        return N_("a period is out of place")
    if "invalid characters" in said:
        return N_("it has characters an email address cannot have")
    return N_("it is not written as an email address")


def check_email(text: str) -> str:
    """An email address as email-validator understands it (RFC 5322/6531 syntax,
    internationalised addresses allowed, no DNS lookups); returned normalised (the domain
    lower-cased, Unicode NFC)."""
    value = text.strip()
    if not value:
        raise InvalidInputError("That email address is empty.")
    if len(value) > MAX_EMAIL or control_character(value) is not None:
        raise InvalidInputError("That does not look like an email address.")
    try:
        checked = validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidInputError(
            "That does not look like an email address ({reason}).", reason=email_problem(exc)
        ) from exc
    normalized: str = checked.normalized
    if len(normalized) > MAX_EMAIL:
        raise InvalidInputError("That email address is too long.")
    return normalized


def check_phone(text: str) -> str | None:
    """A phone number (US when no +country code), stored in E.164 ('+13175550100').
    Only ASCII digits, spaces and + ( ) - . are accepted: phonenumbers would also read
    Arabic-Indic or full-width digits, which display differently from what is stored.
    Empty or '-' means no phone."""
    value = " ".join(text.split()) if len(text) <= MAX_PHONE_TYPED * 4 else text
    if value in ("", "-"):
        return None
    if len(value) > MAX_PHONE_TYPED or not PHONE_CHARS.fullmatch(value):
        raise InvalidInputError(
            "That does not look like a phone number (digits 0-9, spaces, + ( ) - . only)."
        )
    try:
        number = phonenumbers.parse(value, PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInputError("That does not look like a phone number.") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInputError("That is not a valid phone number (add +country code abroad).")
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


def readable_phone(stored: str | None) -> str | None:
    """A stored phone as members read it, whichever way it was stored: E.164 from the chat or
    an import ('+13175550199') or already spaced ('+1 317 555 0100') -> '+1 317 555 0199'
    (the international format, groups separated by spaces). Unreadable: shown as stored."""
    if not stored:
        return stored
    try:
        number = phonenumbers.parse(stored, PHONE_REGION)
    except phonenumbers.NumberParseException:
        return stored
    international: str = phonenumbers.format_number(
        number, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return international.replace("-", " ")


TELEGRAM_MESSAGE_LIMIT = 4096  # Bot API sendMessage: 1-4096 characters after entity parsing


def fit_telegram(text: str, limit: int = TELEGRAM_MESSAGE_LIMIT, ellipsis: str = "…") -> str:
    """Shorten plain text so it fits one Telegram message. Telegram counts UTF-16 code units,
    so an emoji or a rare CJK character counts twice. Apply it to the text BEFORE HTML
    escaping only when the markup added later is accounted for in `limit`."""
    if len(text.encode("utf-16-le")) // 2 <= limit:
        return text
    room = limit - len(ellipsis.encode("utf-16-le")) // 2
    units = 0
    for index, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > room:
            return text[:index] + ellipsis
    return text  # not reached
