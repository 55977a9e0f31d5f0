"""The CEC tracker's rules: cycle windows, member-logged activities, proof files.

- A cycle's CEC window runs from its start to its thru date. The start is the day after the
  previous thru date (`cycles.cycle_start`), except in a first cycle: when the
  certification's effective date is earlier than that and less than four years before the
  thru date, the window starts on the effective date.
- An activity (ACSM-recorded or logged by the member) counts for every current cycle whose
  window holds its completion date. Logging one needs a date that is not in the future and
  falls inside a current (not lapsed) cycle's window.
- Proof files: JPEG, PNG or PDF judged by their content (the `filetype` library reads the
  magic bytes; the name and the type Telegram reports are ignored), 1 byte to 10 MB,
  identified by their SHA-256 (the same file sent twice by a member is stored once).
- Proof quota: a member keeps at most 100 files and 200 MB received in their current cycle
  (from the earliest start of their current cycles' windows); a file not attached to a logged
  activity or an audit within a day of its arrival is removed (`UNATTACHED_PROOF_KEPT`).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import filetype

from domain import cycles
from domain.cecs import MAX_ACTIVITY_CECS, InvalidCecAmountError, parse_cecs
from domain.errors import InvalidInputError
from domain.model import Certification

FIRST_CYCLE_LIMIT_YEARS = 4
MAX_PROOF_BYTES = 10 * 1024 * 1024
MAX_PROOF_FILES_PER_CYCLE = 100
MAX_PROOF_BYTES_PER_CYCLE = 200 * 1024 * 1024
UNATTACHED_PROOF_KEPT = timedelta(days=1)  # then removed, unless an activity or audit uses it
PROOF_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
# ASCII digits only ([0-9], not \d): '١٢/٣١/٢٠٢٥' or full-width digits are not dates here,
# as they are not CECs (domain/cecs.py) nor phone numbers (domain/validation.py).
US_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class Organization(StrEnum):
    ACSM = "acsm"
    OTHER = "other"


@dataclass
class LoggedActivity:
    """A CEC activity the member logged themselves (with or without a certificate)."""

    acsm_id: str
    title: str
    provider: str
    completed_on: date
    cecs: Decimal
    organization: Organization
    logged_at: datetime
    proof_id: int | None = None
    id: int | None = None  # assigned by storage


@dataclass(frozen=True)
class ProofUsage:
    """A member's proof files received since a moment: how many, and their bytes."""

    files: int
    size: int


@dataclass(frozen=True)
class ProofFile:
    """A certificate as received: `data` byte for byte; `sha256` hex; `content_type` one of
    PROOF_TYPES (judged by content)."""

    acsm_id: str
    sha256: str
    content_type: str
    size: int
    received_at: datetime
    id: int | None = None

    @property
    def extension(self) -> str:
        return PROOF_TYPES[self.content_type]

    @property
    def file_name(self) -> str:
        """A safe file name: never the member's, always the content's type."""
        return f"proof-{self.id}-{self.sha256[:12]}.{self.extension}"


# ---- windows -----------------------------------------------------------------------------


def window_start(certification: Certification) -> date:
    """First day CECs count for this certification's current cycle ("four years before"
    a thru date of Feb 29 is the end of February then: `cycles.add_years`)."""
    start = cycles.cycle_start(certification.thru_date)
    effective, thru = certification.effective_date, certification.thru_date
    limit = cycles.add_years(thru, -FIRST_CYCLE_LIMIT_YEARS)
    if effective < start and effective > limit:
        return effective
    return start


def group_window_start(certifications: Sequence[Certification]) -> date:
    """Certifications sharing a thru date: the earliest start among them."""
    return min(window_start(c) for c in certifications)


def in_window(day: date, start: date, thru: date) -> bool:
    return start <= day <= thru


# ---- what the member types ----------------------------------------------------------------


def parse_completed_on(text: str, today: date) -> date:
    """`MM/DD/YYYY`, `YYYY-MM-DD` or "today"."""
    cleaned = text.strip()[:40]
    if cleaned.casefold() == "today":
        return today
    found = US_DATE.fullmatch(cleaned)
    parts: tuple[str, str, str] | None = None
    if found:
        parts = (found.group(3), found.group(1), found.group(2))
    else:
        iso = ISO_DATE.fullmatch(cleaned)
        if iso:
            parts = (iso.group(1), iso.group(2), iso.group(3))
    if parts is None:
        raise InvalidInputError(
            "That is not a date I can read: type it as MM/DD/YYYY (e.g. 03/15/2026), "
            "YYYY-MM-DD, or today."
        )
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as exc:
        raise InvalidInputError(f"{cleaned} is not a day of the calendar.") from exc


def check_completed_on(day: date, today: date, windows: Sequence[tuple[date, date]]) -> date:
    """Refuse a future date, or one outside every current cycle window [start, thru]."""
    if day > today:
        raise InvalidInputError(
            f"{day:%m/%d/%Y} is in the future: log an activity once you have completed it."
        )
    if not windows:
        raise InvalidInputError("You have no certification in a current cycle to log CECs for.")
    if any(in_window(day, start, thru) for start, thru in windows):
        return day
    spans = ", ".join(f"{start:%m/%d/%Y}–{thru:%m/%d/%Y}" for start, thru in windows)
    raise InvalidInputError(
        f"{day:%m/%d/%Y} is outside your current cycle ({spans}): only activities completed "
        "in it count."
    )


def parse_activity_cecs(text: str) -> Decimal:
    """Steps of 0.5, more than 0, at most 100 for one activity."""
    try:
        value = parse_cecs(text)
    except InvalidCecAmountError as exc:
        raise InvalidInputError(str(exc)) from exc
    if value <= 0:
        raise InvalidInputError("An activity earns at least 0.5 CECs.")
    if value > MAX_ACTIVITY_CECS:
        raise InvalidInputError(
            f"More than {MAX_ACTIVITY_CECS} CECs for one activity looks like a typing error."
        )
    return value


def counts_for(completed_on: date, start: date, thru: date) -> bool:
    """An activity counts for a cycle when the cycle's window holds its completion date."""
    return in_window(completed_on, start, thru)


# ---- proof files --------------------------------------------------------------------------


class ProofRejectedError(InvalidInputError):
    """A file that cannot be kept as proof; the message says why."""


def check_declared_size(size: int | None) -> None:
    """Refuse early, before downloading, what Telegram already says is too big."""
    if size is not None and size > MAX_PROOF_BYTES:
        raise ProofRejectedError(too_big(size))


def too_big(size: int) -> str:
    return (
        f"That file is {size / (1024 * 1024):.1f} MB: certificates can be at most 10 MB. "
        "Send a smaller scan or photo."
    )


def proof_type(data: bytes) -> str:
    """The content type of an acceptable proof file, judged by its content."""
    if not data:
        raise ProofRejectedError("That file is empty.")
    if len(data) > MAX_PROOF_BYTES:
        raise ProofRejectedError(too_big(len(data)))
    kind = filetype.guess(data[:8192])
    mime = getattr(kind, "mime", None)
    if mime not in PROOF_TYPES:
        raise ProofRejectedError(
            "I can only keep certificates as a photo (JPEG or PNG) or a PDF, and this file is "
            "none of those. Nothing was stored."
        )
    return str(mime)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def new_proof(acsm_id: str, data: bytes, received_at: datetime) -> ProofFile:
    """Check a downloaded file and describe it (raises ProofRejectedError)."""
    return ProofFile(
        acsm_id=acsm_id,
        sha256=sha256_hex(data),
        content_type=proof_type(data),
        size=len(data),
        received_at=received_at,
    )


# ---- proof quota ---------------------------------------------------------------------------


class ProofQuotaError(ProofRejectedError):
    """The member's files in this cycle are at the quota: the new one is not stored."""


QUOTA_ADVICE = (
    "Files not used for an activity or an audit are removed a day after they arrive, and "
    "deleting an activity in /mycecs removes its certificate."
)


def quota_since(windows: Sequence[tuple[date, date]], today: date) -> date:
    """The first day of the member's current cycle, for the quota: the earliest start of
    their current cycles' windows, or three years back when none is current."""
    if windows:
        return min(start for start, _ in windows)
    return cycles.add_years(today, -3)


def check_proof_quota(usage: ProofUsage, size: int) -> None:
    """Refuse a new file of `size` bytes when the cycle's files are at the quota."""
    if usage.files >= MAX_PROOF_FILES_PER_CYCLE:
        raise ProofQuotaError(
            f"You have sent {usage.files} certificate files in this cycle, the most I keep "
            f"({MAX_PROOF_FILES_PER_CYCLE} files or {mb(MAX_PROOF_BYTES_PER_CYCLE)} per cycle), "
            f"so this one was not stored. {QUOTA_ADVICE}"
        )
    if usage.size + size > MAX_PROOF_BYTES_PER_CYCLE:
        raise ProofQuotaError(
            f"Your certificate files in this cycle take {mb(usage.size)}; with this one "
            f"({mb(size)}) they would pass the {mb(MAX_PROOF_BYTES_PER_CYCLE)} I keep per "
            f"cycle, so it was not stored. {QUOTA_ADVICE}"
        )


def mb(size: int) -> str:
    """12.3 MB; whole numbers without decimals (200 MB)."""
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
