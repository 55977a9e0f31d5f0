"""Proving who you are (pure rules): one-time codes sent by email, masked contact details,
and Telegram's shared phone number.

A code is 6 digits, valid 15 minutes, 5 tries, single use. Only its argon2 hash is kept
(`IdentityCode.code_hash`); a new request replaces the member's previous code of the same
purpose. Requests are limited per member and per Telegram user (`REQUESTS_PER_WINDOW` in
`REQUEST_WINDOW`), so nobody can flood a mailbox.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

CODE_DIGITS = 6
CODE_VALID = timedelta(minutes=15)
CODE_TRIES = 5
# After a correct reset code the member has this long to type the new password twice.
RESET_WINDOW = timedelta(minutes=15)
REQUEST_WINDOW = timedelta(minutes=15)
REQUESTS_PER_WINDOW = 3
TYPED_CODE = re.compile(r"[0-9]{6}")


class CodePurpose(StrEnum):
    RESET = "reset"  # a forgotten password
    PROVE = "prove"  # a member logged in with the default credentials proves who they are


@dataclass
class IdentityCode:
    """The member's current code for one purpose (at most one: a new one replaces it)."""

    acsm_id: str
    purpose: CodePurpose
    code_hash: str  # argon2 of the 6 digits; the digits themselves are never kept
    telegram_user_id: int  # who asked for it: only they can use it
    created_at: datetime
    expires_at: datetime
    failures: int = 0
    verified_at: datetime | None = None  # the right code was typed (it cannot be used again)


def new_code() -> str:
    """Six random digits (from the operating system's CSPRNG)."""
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def typed_code(text: str) -> str | None:
    """The 6 digits typed (spaces and dashes allowed: '123 456'), or None."""
    digits = re.sub(r"[\s\-]", "", text)
    return digits if TYPED_CODE.fullmatch(digits) and digits.isascii() else None


class CodeState(StrEnum):
    USABLE = "usable"
    EXPIRED = "expired"
    USED_UP = "used_up"  # 5 wrong tries
    USED = "used"  # already verified


def code_state(code: IdentityCode, now: datetime) -> CodeState:
    if code.verified_at is not None:
        return CodeState.USED
    if code.failures >= CODE_TRIES:
        return CodeState.USED_UP
    if now >= code.expires_at:
        return CodeState.EXPIRED
    return CodeState.USABLE


def requests_left(recent_requests: list[datetime], now: datetime) -> int:
    within = [at for at in recent_requests if now - REQUEST_WINDOW < at <= now]
    return max(0, REQUESTS_PER_WINDOW - len(within))


def next_request_at(recent_requests: list[datetime], now: datetime) -> datetime:
    """When a member who used up their requests may ask again."""
    within = sorted(at for at in recent_requests if now - REQUEST_WINDOW < at <= now)
    return within[-REQUESTS_PER_WINDOW] + REQUEST_WINDOW if within else now


def mask_email(email: str) -> str:
    """'jane.doe@example.com' -> 'j***@e***.com'."""
    local, at, domain = email.partition("@")
    if not at:
        return "***"
    host, dot, tld = domain.rpartition(".")
    if not dot:
        host, tld = domain, ""
    masked_host = f"{host[:1]}***" if host else "***"
    return f"{local[:1]}***@{masked_host}{'.' + tld if tld else ''}"


def mask_phone(phone: str | None) -> str | None:
    """'+13175550100' -> '***-***-0100' (only the last four digits shown)."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    return f"***-***-{digits[-4:]}" if len(digits) >= 4 else "***"


def same_phone(on_file: str | None, shared: str) -> bool:
    """Telegram shares a number as digits, with or without '+' ('13175550100'); the phone on
    file is E.164 ('+13175550100'). Compared by digits only; a North American number with and
    without its country code 1 ('13175550100', '3175550100') is the same number."""
    if not on_file:
        return False
    a, b = re.sub(r"\D", "", on_file), re.sub(r"\D", "", shared)
    if not a or not b:
        return False
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return len(short) == 10 and long == "1" + short
