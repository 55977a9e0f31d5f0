"""Staff of the web console (`acsm-bot staff web`): accounts, sessions, the activity log.

- An account is made by `acsm-bot staff add EMAIL [--admin]` (or by an admin in the console):
  it prints a one-time enrolment link, valid ENROL_VALID, where the person sets a password
  (typed twice, PASSWORD_MIN to PASSWORD_MAX characters) and an authenticator app (TOTP,
  RFC 6238: the secret is shown as a QR code and as text, and confirmed with a code). Only
  the sha256 of the link's random token is stored; the password only as argon2id.
- Sign-in: email, password and the authenticator's 6-digit code. Five failures in
  FAILURE_WINDOW lock the account for the rest of the window (credentials.locked_until):
  even the right password and code are refused until then. A code is accepted once (a code
  seen at sign-in cannot be replayed).
- A session is a random token in an HttpOnly cookie, stored as its sha256; it ends after
  SESSION_IDLE without a request, and with "Sign out" (deleted).
- Every staff action (sign-in, verdict, import, staff added, enrolment) is kept in the
  activity log with who and when.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

ENROL_VALID = timedelta(hours=24)
SESSION_IDLE = timedelta(minutes=30)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
PASSWORD_MIN, PASSWORD_MAX = 12, 128
EMAIL_MAX = 254


class Action(StrEnum):
    SIGN_IN = "sign-in"
    SIGN_IN_REFUSED = "sign-in refused"  # a wrong password or code for this account, or locked
    SIGN_OUT = "sign-out"
    ENROLLED = "enrolled"
    STAFF_ADDED = "staff added"
    VERDICT = "verdict"
    IMPORT = "import"


@dataclass
class StaffAccount:
    email: str  # lower case
    is_admin: bool
    created_at: datetime
    password_hash: str | None = None  # argon2id; None until enrolled
    totp_secret: str | None = None  # base32; set at `staff add`, confirmed at enrolment
    totp_last_step: int | None = None  # the last code's time step accepted (no replay)
    enrol_token_hash: str | None = None  # sha256 of the link's token, until used
    enrol_expires_at: datetime | None = None
    enrolled_at: datetime | None = None
    id: int | None = None  # assigned by storage

    @property
    def enrolled(self) -> bool:
        return self.enrolled_at is not None and self.password_hash is not None


@dataclass
class StaffSession:
    token_hash: str  # sha256 of the cookie's token
    account_id: int
    csrf_token: str  # the anti-forgery token every form of this session carries
    created_at: datetime
    last_seen_at: datetime

    def expired(self, now: datetime) -> bool:
        return now - self.last_seen_at >= SESSION_IDLE


@dataclass(frozen=True)
class ActivityEntry:
    at: datetime
    email: str  # who (kept as written then, so the log outlives the account)
    action: Action
    detail: str
    account_id: int | None = None
    id: int | None = None


def new_token() -> str:
    """A random token for a link or a cookie (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """How a random token is kept at rest: sha256 is enough for 256 random bits."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def failure_key(account_id: int) -> str:
    """The login throttle's key (LoginAttemptRepository) of a staff account."""
    return f"staff:{account_id}"


def email_failure_key(email: str) -> str:
    """The throttle's key of a typed email, known or not (an unknown one locks too)."""
    return "staff-email:" + hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def normal_email(text: str) -> str:
    return text.strip().lower()


def check_email(text: str) -> str:
    """A plausible email address (lower case), else ValueError with the reason."""
    email = normal_email(text)
    local, at, domain = email.partition("@")
    if (
        not at
        or not local
        or "." not in domain
        or len(email) > EMAIL_MAX
        or any(c.isspace() for c in email)
        or "@" in domain
    ):
        raise ValueError(f"{text.strip()[:60]!r} is not an email address")
    return email


def check_new_password(password: str, again: str, email: str) -> None:
    """ValueError with the reason when the new password is not acceptable."""
    if password != again:
        raise ValueError("The two passwords differ.")
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise ValueError(f"The password must be {PASSWORD_MIN} to {PASSWORD_MAX} characters long.")
    if len(set(password)) == 1:
        raise ValueError("The password repeats one character.")
    if password.strip().lower() == email:
        raise ValueError("The password may not be your email address.")
