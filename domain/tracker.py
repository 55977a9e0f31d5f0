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

import difflib
import hashlib
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum

import filetype

from domain import cycles
from domain.cecs import (
    MAX_ACTIVITY_CECS,
    PLAIN_DECIMAL,
    STEP,
    InvalidCecAmountError,
    format_cecs,
    parse_cecs,
)
from domain.errors import N_, InvalidInputError
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
    # The ACSM-recorded activity (its id) the member said this is: counted once, as ACSM's.
    same_as: int | None = None


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


def us_day(day: date) -> str:
    """MM/DD/YYYY, as dates are said in every language."""
    return day.strftime("%m/%d/%Y")


def in_window(day: date, start: date, thru: date) -> bool:
    return start <= day <= thru


# ---- what the member types ----------------------------------------------------------------


DATE_FORMATS = N_("MM/DD/YYYY (e.g. 03/15/2026), YYYY-MM-DD, or today")


TODAY_WORDS = frozenset({"today", "hoy"})  # English, Spanish


def parse_completed_on(text: str, today: date) -> date:
    """`MM/DD/YYYY`, `YYYY-MM-DD` or "today" ("hoy" in Spanish)."""
    if text.strip().casefold() in TODAY_WORDS:
        return today
    return parse_typed_date(text, DATE_FORMATS)


def parse_typed_date(text: str, formats: str) -> date:
    """A date typed as `MM/DD/YYYY` or `YYYY-MM-DD` (ASCII digits only); InvalidInputError
    naming `formats` when it is no date, or saying why it is no day of the calendar."""
    cleaned = text.strip()[:40]
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
            "That is not a date I can read: type it as {formats}.", formats=formats
        )
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError as exc:
        raise not_a_day(cleaned, parts, us_order=found is not None) from exc


def not_a_day(typed: str, parts: tuple[str, str, str], *, us_order: bool) -> InvalidInputError:
    """Why a typed date is no day, with the order it is read in and, when the month and the
    day read the other way round make a date (13/05/2026 → 05/13/2026), that one."""
    year, month, day = (int(p) for p in parts)
    order = N_("month/day/year (MM/DD/YYYY)") if us_order else N_("year-month-day (YYYY-MM-DD)")
    try:
        swapped = date(year, day, month)
    except ValueError:
        return InvalidInputError(
            "{typed} is not a day of the calendar: I read dates as {order}.",
            typed=typed,
            order=order,
        )
    return InvalidInputError(
        "{typed} is not a day of the calendar: I read dates as {order}. Did you mean {swapped}?",
        typed=typed,
        order=order,
        swapped=us_day(swapped),
    )


class NoCurrentCycleError(InvalidInputError):
    """The member has no current cycle to log CECs for; the message says why."""


def no_cycle_error(thru_dates: Sequence[date]) -> NoCurrentCycleError:
    """Why nothing can be logged: every certification lapsed (its latest cycle's grace period
    is over), or the member has none."""
    if not thru_dates:
        return NoCurrentCycleError(
            "You have no certification in a current cycle, so there is nothing to log CECs for."
        )
    latest = max(thru_dates)
    return NoCurrentCycleError(
        "Your certification has lapsed: its cycle ended {ended} and the grace period to renew "
        "it ended {grace_ended}. CECs can only be logged for a current cycle, so I cannot log "
        "activities for you now.",
        ended=us_day(latest),
        grace_ended=us_day(cycles.grace_ends_on(latest)),
    )


def no_cycle_reason(thru_dates: Sequence[date]) -> str:
    """`no_cycle_error`'s sentence, in English."""
    return str(no_cycle_error(thru_dates))


def check_completed_on(
    day: date,
    today: date,
    windows: Sequence[tuple[date, date]],
    closed: Sequence[tuple[date, date]] = (),
) -> date:
    """Refuse a future date, or one outside every current cycle window [start, thru].

    `closed`: windows of cycles already renewed (paid). A day in one of them, after an early
    renewal (renewed on 12/05/2026, the new cycle starts 01/01/2027), counts for neither
    cycle: that cycle's CECs were reported with its renewal, and ACSM counts CECs only in the
    cycle they are earned in, so the activity cannot move to the next one. The answer says so
    and from when activities can be logged again."""
    if day > today:
        raise InvalidInputError(
            "{day} is in the future: log an activity once you have completed it.",
            day=us_day(day),
        )
    if not windows:
        raise no_cycle_error(())
    if any(in_window(day, start, thru) for start, thru in windows):
        return day
    spans = ", ".join(f"{start:%m/%d/%Y}–{thru:%m/%d/%Y}" for start, thru in windows)
    for start, thru in closed:
        if in_window(day, start, thru):
            upcoming = [s for s, _ in windows if s > day]
            closed_cycle = {
                "day": us_day(day),
                "start": us_day(start),
                "thru": us_day(thru),
                "spans": spans,
            }
            if upcoming:
                raise InvalidInputError(
                    "{day} is in your cycle {start}–{thru}, which closed when you renewed it: "
                    "its CECs were reported with that renewal. It cannot count toward your "
                    "current cycle ({spans}) either, since ACSM counts CECs only in the cycle "
                    "they are earned in. Activities you complete from {next} count toward it: "
                    "log them then.",
                    next=us_day(min(upcoming)),
                    **closed_cycle,
                )
            raise InvalidInputError(
                "{day} is in your cycle {start}–{thru}, which closed when you renewed it: its "
                "CECs were reported with that renewal. It cannot count toward your current "
                "cycle ({spans}) either, since ACSM counts CECs only in the cycle they are "
                "earned in.",
                **closed_cycle,
            )
    raise InvalidInputError(
        "{day} is outside your current cycle ({spans}): only activities completed in it count.",
        day=us_day(day),
        spans=spans,
    )


def parse_activity_cecs(text: str) -> Decimal:
    """Steps of 0.5, more than 0, at most 100 for one activity."""
    try:
        value = parse_cecs(text)
    except InvalidCecAmountError as exc:  # its template and values, said translated
        raise InvalidInputError(exc.template, **exc.values) from exc
    if value <= 0:
        raise InvalidInputError("An activity earns at least 0.5 CECs.")
    if value > MAX_ACTIVITY_CECS:
        raise InvalidInputError(
            "More than {most} CECs for one activity looks like a typing error.",
            most=format_cecs(MAX_ACTIVITY_CECS),
        )
    return value


# ---- amounts in other units -------------------------------------------------------------------

CEU_TO_CECS = Decimal(10)  # 1 CEU (ACE, IACET) = 10 contact hours; 1 contact hour = 1 CEC
UNIT_WORDS = {
    "cec": "cecs",
    "cecs": "cecs",
    "hour": "hours",
    "hours": "hours",
    "hr": "hours",
    "hrs": "hours",
    "h": "hours",
    "contact hour": "hours",
    "contact hours": "hours",
    "contact hr": "hours",
    "contact hrs": "hours",
    "ceu": "ceus",
    "ceus": "ceus",
    # Spanish: "2 horas", "2 horas de contacto" (CEU and CEC are written as in English)
    "hora": "hours",
    "horas": "hours",
    "hora de contacto": "hours",
    "horas de contacto": "hours",
}
AMOUNT = re.compile(r"(?P<number>[0-9.,]{1,12})\s*(?P<unit>[a-z. ]{0,20})")
UNITS_HELP = N_(
    "Type the CECs as a number (e.g. 2 or 1.5), or as printed on the certificate: hours "
    '("2 hours" or "2 contact hours": 1 contact hour = 1 CEC) or CEUs ("0.2 CEUs": '
    "1 CEU = 10 CECs)."
)


@dataclass(frozen=True)
class CecAmount:
    """What the member typed, read as CECs: `typed` ("0.2 CEUs") when another unit was
    converted (the member confirms the conversion), None for plain CECs."""

    cecs: Decimal
    typed: str | None = None
    unit: str | None = None  # "hours" or "ceus" when converted
    number: Decimal | None = None  # how many of `unit`

    @property
    def conversion(self) -> str | None:
        """ "0.2 CEUs = 2 CECs", or None for plain CECs (English; `conversion_template` to
        say it in the member's language)."""
        if self.typed is None:
            return None
        return f"{self.typed} = {cecs_text(self.cecs)}"

    @property
    def conversion_template(self) -> tuple[str, dict[str, str]] | None:
        """The conversion as a marked template and its values, or None for plain CECs:
        `says.gettext(template, **values)` (handlers)."""
        if self.unit is None or self.number is None:
            return None
        return conversion_template(self.unit, self.number, self.cecs)


def conversion_template(unit: str, number: Decimal, cecs: Decimal) -> tuple[str, dict[str, str]]:
    """ "2 contact hours = 2 CECs", "0.2 CEUs = 2 CECs": a template (marked, whole) and its
    values; the singular forms of English are templates of their own."""
    shown = {"number": format_cecs(number), "cecs": format_cecs(cecs)}
    if unit == "hours":
        if number == 1:
            return N_("1 contact hour = 1 CEC"), {}
        return N_("{number} contact hours = {cecs} CECs"), shown
    if number == 1:
        return N_("1 CEU = 10 CECs"), {}
    if cecs == 1:
        return N_("{number} CEUs = 1 CEC"), {"number": shown["number"]}
    return N_("{number} CEUs = {cecs} CECs"), shown


def cecs_text(cecs: Decimal) -> str:
    return f"{format_cecs(cecs)} {'CEC' if cecs == 1 else 'CECs'}"


def parse_activity_amount(text: str) -> CecAmount:
    """An activity's CECs as typed: a number of CECs ("2", "1.5", "2 CECs"), contact hours
    ("2 hours", "2 contact hours", "2 hrs": 1 hour = 1 CEC) or CEUs ("0.2 CEUs", "0.2 CEU":
    ×10). The result obeys `parse_activity_cecs` (steps of 0.5, 0.5 to 100)."""
    cleaned = " ".join(text.strip()[:40].casefold().split())
    found = AMOUNT.fullmatch(cleaned)
    unit_text = found.group("unit").strip(" .") if found else ""
    if found is None or not unit_text:
        try:
            return CecAmount(parse_activity_cecs(cleaned))
        except InvalidInputError as exc:
            if re.search(r"[^0-9.,\s-]", cleaned):  # words: an unknown unit
                raise unreadable_amount(text) from exc
            raise
    unit = UNIT_WORDS.get(unit_text)
    if unit is None or not PLAIN_DECIMAL.fullmatch(found.group("number")):
        raise unreadable_amount(text)
    number = Decimal(found.group("number").replace(",", "."))
    if unit == "cecs":
        return CecAmount(parse_activity_cecs(found.group("number")))
    shown = format_cecs(number)
    if unit == "hours":
        typed = f"{shown} {'contact hour' if number == 1 else 'contact hours'}"
        cecs = number
    else:
        typed = f"{shown} {'CEU' if number == 1 else 'CEUs'}"
        cecs = number * CEU_TO_CECS
    if (cecs / STEP) != (cecs / STEP).to_integral_value():
        # never a singular: 1 contact hour, 1 CEU and 0.1 CEU are whole CECs
        amounts = {"number": shown, "cecs": format_cecs(cecs)}
        if unit == "hours":
            raise InvalidInputError(
                "{number} contact hours = {cecs} CECs, but CECs are counted in steps of 0.5: "
                "type the CECs as a number, e.g. 2 or 2.5.",
                **amounts,
            )
        raise InvalidInputError(
            "{number} CEUs = {cecs} CECs, but CECs are counted in steps of 0.5: type the CECs "
            "as a number, e.g. 2 or 2.5.",
            **amounts,
        )
    return CecAmount(parse_activity_cecs(format_cecs(cecs)), typed, unit, number)


def unreadable_amount(text: str) -> InvalidInputError:
    return InvalidInputError(
        "I cannot read {typed} as CECs. {help}", typed=repr(text.strip()[:40]), help=UNITS_HELP
    )


# ---- the same activity twice -----------------------------------------------------------------

TITLE_STOP_WORDS = frozenset({"a", "an", "the", "of", "and", "in", "on", "for", "to", "with"})
SIMILAR_WORDS = 0.6  # Jaccard index of the titles' word sets
SIMILAR_TEXT = 0.85  # difflib ratio of the normalised titles (a typing error or two)


def title_words(title: str, *, small: bool = False) -> list[str]:
    """A title's words, normalised: accents dropped, case folded, "&" read as "and",
    punctuation removed, small words ("the", "of", "and", …) left out unless `small`."""
    plain = unicodedata.normalize("NFKD", title.replace("&", " and "))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[\W_]+", " ", plain).split()
    return [w for w in words if small or w not in TITLE_STOP_WORDS]


def similar_titles(first: str, second: str) -> bool:
    """Two titles that very likely name the same activity: the same words whatever the
    case, punctuation and order; one's words all in the other's (at least two of them);
    word sets sharing at least 60%; or the normalised texts at most a typo or two apart."""
    a, b = title_words(first), title_words(second)
    if not a or not b:  # small words only ("The A"): those, in any order
        return set(title_words(first, small=True)) == set(title_words(second, small=True))
    set_a, set_b = set(a), set(b)
    numbers_a, numbers_b = {w for w in set_a if w.isdigit()}, {w for w in set_b if w.isdigit()}
    if numbers_a and numbers_b and numbers_a != numbers_b:
        return False  # "Workshop 1" and "Workshop 2": two sessions
    if set_a == set_b:
        return True
    if min(len(set_a), len(set_b)) >= 2 and (set_a <= set_b or set_b <= set_a):
        return True
    if len(set_a & set_b) / len(set_a | set_b) >= SIMILAR_WORDS:
        return True
    return difflib.SequenceMatcher(None, " ".join(a), " ".join(b)).ratio() >= SIMILAR_TEXT


def same_activity(
    title: str, completed_on: date, other_title: str, other_completed_on: date
) -> bool:
    """The same date and a similar title (ACSM's record of what the member logs)."""
    return completed_on == other_completed_on and similar_titles(title, other_title)


def logged_twice(new: tuple[str, date, Decimal], logged: LoggedActivity) -> bool:
    """The member logs again what they logged: same date, similar title, same CECs."""
    title, completed_on, cecs = new
    return cecs == logged.cecs and same_activity(
        title, completed_on, logged.title, logged.completed_on
    )


def counts_for(completed_on: date, start: date, thru: date) -> bool:
    """An activity counts for a cycle when the cycle's window holds its completion date."""
    return in_window(completed_on, start, thru)


# ---- proof files --------------------------------------------------------------------------


class ProofRejectedError(InvalidInputError):
    """A file that cannot be kept as proof; the message says why."""


def check_declared_size(size: int | None) -> None:
    """Refuse early, before downloading, what Telegram already says is too big."""
    if size is not None and size > MAX_PROOF_BYTES:
        raise too_big(size)


def too_big(size: int) -> ProofRejectedError:
    return ProofRejectedError(
        "That file is {size} MB: certificates can be at most 10 MB. Send a smaller scan or photo.",
        size=format(size / (1024 * 1024), ".1f"),
    )


def proof_type(data: bytes) -> str:
    """The content type of an acceptable proof file, judged by its content."""
    if not data:
        raise ProofRejectedError("That file is empty.")
    if len(data) > MAX_PROOF_BYTES:
        raise too_big(len(data))
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


QUOTA_ADVICE = N_(
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
            N_(
                "You have sent {files} certificate files in this cycle, the most I keep "
                "({most_files} files or {most_size} per cycle), so this one was not stored. "
                "{advice}"
            ),
            files=usage.files,
            most_files=MAX_PROOF_FILES_PER_CYCLE,
            most_size=mb(MAX_PROOF_BYTES_PER_CYCLE),
            advice=QUOTA_ADVICE,
        )
    if usage.size + size > MAX_PROOF_BYTES_PER_CYCLE:
        raise ProofQuotaError(
            N_(
                "Your certificate files in this cycle take {used}; with this one ({size}) they "
                "would pass the {most_size} I keep per cycle, so it was not stored. {advice}"
            ),
            used=mb(usage.size),
            size=mb(size),
            most_size=mb(MAX_PROOF_BYTES_PER_CYCLE),
            advice=QUOTA_ADVICE,
        )


def mb(size: int) -> str:
    """12.3 MB; whole numbers without decimals (200 MB)."""
    megabytes = size / (1024 * 1024)
    return f"{megabytes:.0f} MB" if megabytes == int(megabytes) else f"{megabytes:.1f} MB"
