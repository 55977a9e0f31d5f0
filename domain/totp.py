"""Authentication codes (TOTP, RFC 6238: 6 digits, 30-second steps, SHA-1), as authenticator
apps make them. A code of the step before or after the current one is accepted too (clocks
drift); a step already used is refused (no replay)."""

from __future__ import annotations

from datetime import datetime

import pyotp

STEP_SECONDS = 30
ISSUER = "ACSM staff console"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """otpauth://totp/… for the QR code an authenticator app scans."""
    return str(pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER))


def step_of(at: datetime) -> int:
    return int(at.timestamp()) // STEP_SECONDS


def code_at(secret: str, at: datetime) -> str:
    return str(pyotp.TOTP(secret).at(at))


def matching_step(secret: str, code: str, now: datetime, after: int | None) -> int | None:
    """The time step (now's, or one either side) whose code this is, and later than `after`
    (the last step used); None when it matches none."""
    typed = "".join(code.split())
    if len(typed) != 6 or not typed.isascii() or not typed.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = step_of(now)
    for step in (current, current - 1, current + 1):
        if after is not None and step <= after:
            continue
        if pyotp.utils.strings_equal(str(totp.at(step * STEP_SECONDS)), typed):
            return step
    return None
