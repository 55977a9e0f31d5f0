"""Usernames, passwords and the login throttle (pure rules).

Default username: the first three letters of the last name (letters only, accents removed,
upper case; fewer when the name has fewer) followed by the ACSM ID, e.g. "ABC123456".  It is
compared case-insensitively and keeps working after the member sets an own username (it is
printed on their ACSM records, so taking it away would only lock people out).

Default password: that same string, also accepted in any case, until the member sets their
own; from then on only the argon2id hash of the own password is kept (Member.password_hash)
and the default password no longer logs in.

Own username: stored lower case, 3-32 characters a-z 0-9 . _ -, starting with a letter, and not
shaped like a default username (letters then digits only) so it can never shadow another
member's default username.

Own password (NIST SP 800-63B): 10-128 characters, no composition rules, but not the default
password, not the username, not one character repeated, not a well-known weak password.

Throttle: after `max_failures` failed logins within `window` for a key ("account:<acsm_id>",
"telegram:<id>", or "name:<hash of the typed username>", recorded for unknown names too) even the right password is refused until enough failures are older than the
window; `locked_until` says when.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Sequence
from datetime import datetime, timedelta

from domain.errors import InvalidInputError
from domain.intents import is_cancel_word
from domain.model import Member
from domain.ports import PasswordHasher

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 128
DEFAULT_USERNAME = re.compile(r"([a-z]{0,3})([0-9]+)", re.IGNORECASE)
OWN_USERNAME = re.compile(r"[a-z][a-z0-9._-]{2,31}")
COMMON_PASSWORDS = frozenset(
    {
        "password123",
        "password1234",
        "passw0rd123",
        "qwertyuiop",
        "1234567890",
        "0123456789",
        "9876543210",
        "abcdefghij",
        "iloveyou123",
        "letmein123",
        "welcome123",
        "acsm123456",
        "changeme123",
        "administrator",
    }
)


def account_key(acsm_id: str) -> str:
    return f"account:{acsm_id}"


def telegram_key(telegram_user_id: int) -> str:
    return f"telegram:{telegram_user_id}"


def name_key(typed_username: str) -> str:
    """The throttle key of a typed username, known or not: NFKC, stripped, case-folded, then
    hashed (fixed length, and no typed names kept in the database). Failures are recorded under
    it for every login attempt, so an unknown username locks exactly like an existing one."""
    normalized = unicodedata.normalize("NFKC", typed_username).strip().casefold()
    digest = hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()
    return f"name:{digest[:40]}"


def _ascii_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalpha())


def default_username(member: Member) -> str:
    """'Abbott', 123456 -> 'ABB123456'; "O'Neil" -> 'ONE…'; 'Li' -> 'LI…'."""
    return _ascii_letters(member.last_name)[:3].upper() + member.acsm_id


def default_password(member: Member) -> str:
    return default_username(member)


def acsm_id_in_default_username(typed: str) -> str | None:
    """'abc123456' -> '123456' when the text is shaped like a default username."""
    match = DEFAULT_USERNAME.fullmatch(typed.strip())
    return match.group(2) if match else None


def _same_casefolded(a: str, b: str) -> bool:
    return hmac.compare_digest(a.casefold().encode(), b.casefold().encode())


def matches_username(member: Member, typed: str) -> bool:
    """The default username (any case) or the member's own username (any case)."""
    typed = typed.strip()
    if _same_casefolded(typed, default_username(member)):
        return True
    return member.username is not None and _same_casefolded(typed, member.username)


_DUMMY_HASHES: dict[int, tuple[PasswordHasher, str]] = {}


def dummy_hash(hasher: PasswordHasher) -> str:
    """A hash to verify against when there is no account, so that case costs the same.
    Made once per hasher (kept alive with it, so its id cannot be reused)."""
    cached = _DUMMY_HASHES.get(id(hasher))
    if cached is None:
        cached = (hasher, hasher.hash("no member has this password"))
        _DUMMY_HASHES[id(hasher)] = cached
    return cached[1]


def check_password(member: Member | None, password: str, hasher: PasswordHasher) -> bool:
    """True when the password is right. Always runs one argon2 verification (the member's
    hash, or a dummy one) so the time taken does not reveal whether the account exists."""
    if member is None:
        hasher.verify(dummy_hash(hasher), password)
        return False
    if member.password_hash is not None:
        return hasher.verify(member.password_hash, password)
    hasher.verify(dummy_hash(hasher), password)
    return _same_casefolded(password, default_password(member))


def uses_default_password(member: Member) -> bool:
    return member.password_hash is None


def password_problem(member: Member, password: str) -> InvalidInputError | None:
    """Why an own password is refused (the error to raise or explain), or None when it is
    acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return InvalidInputError(
            "Use at least {count} characters (a short phrase works well).",
            count=MIN_PASSWORD_LENGTH,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return InvalidInputError("Use at most {count} characters.", count=MAX_PASSWORD_LENGTH)
    folded = password.casefold()
    names = {default_password(member).casefold(), member.acsm_id}
    if member.username:
        names.add(member.username.casefold())
    if folded in names:
        return InvalidInputError(
            "Choose something other than your username or the default password."
        )
    if len(set(folded)) == 1:
        return InvalidInputError("Do not repeat one character: choose something harder to guess.")
    if folded in COMMON_PASSWORDS:
        return InvalidInputError("That password is too common: choose something harder to guess.")
    return None


def normalize_own_username(typed: str) -> str:
    """Lower-cased own username; raises InvalidInputError with a readable reason."""
    name = typed.strip().lower()
    if not OWN_USERNAME.fullmatch(name):
        raise InvalidInputError(
            "Use 3-32 characters: letters, digits, '.', '_' or '-', starting with a letter."
        )
    if DEFAULT_USERNAME.fullmatch(name):
        raise InvalidInputError(
            "That looks like an ACSM default username (letters then digits): add something."
        )
    if is_cancel_word(name):  # typed alone, it ends the login instead (domain/intents.py)
        raise InvalidInputError(
            "“{name}” stops a conversation, so it cannot be a username.", name=name
        )
    return name


def locked_until(
    failures: Sequence[datetime], now: datetime, max_failures: int, window: timedelta
) -> datetime | None:
    """When the key unlocks, or None when it is not locked now.

    Locked while `max_failures` or more failures fall within (now - window, now]; it unlocks
    once fewer than `max_failures` remain in the window.
    """
    recent = sorted(f for f in failures if now - window < f <= now)
    if len(recent) < max_failures:
        return None
    return recent[-max_failures] + window
