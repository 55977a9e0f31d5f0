"""Staff CSV imports, validated whole before anything is written.

Members CSV: acsm_id,first_name,last_name,email,phone,certification,effective_date,
thru_date,cpr_aed_expires — one row per certification held, columns in any order.
CECs CSV: acsm_id,completed_on,title,provider,cecs.
Every bad row is reported as "line N: reason" (N is the line in the file; the header is 1).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from domain import cycles, validation
from domain.catalog import Catalog, UnknownCertificationError
from domain.cecs import MAX_ACTIVITY_CECS, InvalidCecAmountError, format_cecs, parse_cecs
from domain.errors import InvalidInputError
from domain.model import CecActivity, Certification, Member

MEMBER_COLUMNS = (
    "acsm_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "certification",
    "effective_date",
    "thru_date",
    "cpr_aed_expires",
)
CEC_COLUMNS = ("acsm_id", "completed_on", "title", "provider", "cecs")
# A field longer than this is refused with its line (csv's own limit is 131072 characters,
# and its error names no line). The longest column (title) is 300 characters.
MAX_FIELD = 10_000
# Dates outside these years are typing errors (0002 for 2002, 2205 for 2025), in every date
# column of every import. The cycle rules (domain/cycles.py) hold on a wider range.
FIRST_YEAR, LAST_YEAR = 1950, 2100
PLAUSIBLE = f"years {FIRST_YEAR}–{LAST_YEAR}"
# A first cycle may start up to four years before its thru date (docs/operations.md); a
# larger gap is a typing error.
MAX_CYCLE_YEARS = 4
NO_ROWS = "line 2: no rows to import"
T = TypeVar("T")
# A member's fields repeat on each of their rows: validate each distinct value once.
_check_email = lru_cache(maxsize=65536)(validation.check_email)
_check_phone = lru_cache(maxsize=65536)(validation.check_phone)
_check_text = lru_cache(maxsize=65536)(validation.check_text)  # CEC titles repeat


class RowError(ValueError):
    """A readable reason why one row is refused."""


@dataclass
class MembersImport:
    members: list[Member] = field(default_factory=list)
    certifications: list[Certification] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: int = 0
    member_lines: dict[str, int] = field(default_factory=dict)  # acsm_id -> first line
    cert_lines: dict[tuple[str, str], int] = field(default_factory=dict)  # (acsm_id, code)
    # Filled by the import use case (domain/services/imports.py) against the database:
    kept: list[str] = field(default_factory=list)  # "line N: kept …" (the chat's side won)
    changes: list[str] = field(default_factory=list)  # "line N: …" what the file changes
    voided: list[str] = field(default_factory=list)  # "line N: voided invoice …" (cycle moved)
    kept_contacts: int = 0
    kept_thru_dates: int = 0
    new_members: int = 0
    changed_members: int = 0
    new_certifications: int = 0
    changed_certifications: int = 0


@dataclass
class CecsImport:
    activities: list[CecActivity] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    rows: int = 0
    lines: list[int] = field(default_factory=list)  # the line of each activity
    updated: list[str] = field(default_factory=list)  # "line N: …" corrected CECs
    new_activities: int = 0
    unchanged: int = 0


def decode(data: bytes) -> str:
    """UTF-8 (a byte-order mark is fine); RowError otherwise."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RowError(f"the file is not UTF-8 (byte {exc.start})") from exc


def parse_date(text: str, column: str) -> date:
    value = text.strip()
    parsed = _date_or_none(value)
    if parsed is None:
        raise RowError(f"{column} {value[:20]!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise RowError(f"{column} {value[:20]!r} is not a plausible date ({PLAUSIBLE})")
    return parsed


@lru_cache(maxsize=4096)  # imports repeat the same few dates on thousands of rows
def _date_or_none(value: str) -> date | None:
    if not value.isascii():  # strptime would read '١٢/٣١/٢٠٢٥': ASCII digits only
        return None
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def required(row: dict[str, str], column: str) -> str:
    value = (row.get(column) or "").strip()
    if not value:
        raise RowError(f"{column} is empty")
    return value


def acsm_id_of(row: dict[str, str]) -> str:
    value = required(row, "acsm_id")
    if not validation.ACSM_ID.fullmatch(value):
        raise RowError(f"acsm_id {value[:20]!r} is not digits")
    return value


def checked(column: str, check: Callable[[str], str | None], value: str) -> str | None:
    """Run a domain validator on one field; its reason becomes the row's."""
    try:
        return check(value)
    except InvalidInputError as exc:
        raise RowError(f"{column}: {str(exc).rstrip('.')}") from exc


def rows_with_lines(
    text: str, columns: tuple[str, ...], errors: list[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) of a file in memory; bad rows go to `errors`."""
    for line, row in records(io.StringIO(text, newline=""), columns):  # CR/LF end lines
        if isinstance(row, str):
            errors.append(f"line {line}: {row}")
        else:
            yield line, row


def records(
    lines: Iterable[str], columns: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line number, row) of each row, or (line number, the reason it is refused), in the
    order of the file; a problem with the header (line 1) stops the file. `lines`: the file's
    text line by line, line ends kept (a file opened with newline=""), read as it goes."""
    reader = csv.reader(_without_bom(lines))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield 1, csv_reason(exc)
        return
    if header is None:
        yield 1, "the file is empty (a header row is needed)"
        return
    names = [h.strip().lower() for h in header]
    unknown = [n for n in names if n not in columns]
    missing = [c for c in columns if c not in names]
    if unknown or missing or len(set(names)) != len(names):
        problems = []
        if missing:
            problems.append("missing column(s) " + ", ".join(missing))
        if unknown:
            problems.append("unknown column(s) " + ", ".join(unknown))
        if len(set(names)) != len(names):
            problems.append("a column is repeated")
        yield 1, "; ".join(problems)
        return
    line = reader.line_num
    while True:
        start = line + 1
        try:
            values = next(reader, None)
        except csv.Error as exc:  # the reader cannot go on after this: stop the file here
            yield start, csv_reason(exc)
            return
        if values is None:
            return
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(names):
            yield start, f"expected {len(names)} fields, found {len(values)}"
            continue
        long = [n for n, v in zip(names, values, strict=True) if len(v) > MAX_FIELD]
        if long:
            yield start, f"{long[0]} is longer than {MAX_FIELD} characters"
            continue
        yield start, dict(zip(names, values, strict=True))


def _without_bom(lines: Iterable[str]) -> Iterator[str]:
    first = True
    for text in lines:
        yield text.removeprefix("\ufeff") if first else text
        first = False


def csv_reason(exc: csv.Error) -> str:
    if "field larger than field limit" in str(exc):
        return (
            f"a field is longer than {csv.field_size_limit()} characters (nothing after it "
            "was read)"
        )
    return f"not readable as CSV ({exc})"


def parse_members_csv(text: str, catalog: Catalog) -> MembersImport:
    result = MembersImport()
    seen_members: dict[str, tuple[int, Member]] = {}
    seen_certs: dict[tuple[str, str], int] = {}
    for line, row in rows_with_lines(text, MEMBER_COLUMNS, result.errors):
        result.rows += 1
        try:
            member, cert = member_row(row, catalog)
            known = seen_members.get(member.acsm_id)
            if known is not None and known[1] != member:
                differ = differences(known[1], member)
                verb = "differs" if len(differ) == 1 else "differ"
                raise RowError(
                    f"member {member.acsm_id}: {', '.join(differ)} {verb} from line {known[0]}"
                )
            earlier = seen_certs.get((cert.acsm_id, cert.code))
            if earlier is not None:
                raise RowError(
                    f"{cert.code} for member {cert.acsm_id} appears twice (also line {earlier})"
                )
        except RowError as exc:
            result.errors.append(f"line {line}: {exc}")
            continue
        if known is None:
            seen_members[member.acsm_id] = (line, member)
            result.members.append(member)
            result.member_lines[member.acsm_id] = line
        seen_certs[(cert.acsm_id, cert.code)] = line
        result.cert_lines[(cert.acsm_id, cert.code)] = line
        result.certifications.append(cert)
    if result.rows == 0 and not result.errors:
        result.errors.append(NO_ROWS)
    return result


def differences(first: Member, second: Member) -> list[str]:
    return [f.name for f in fields(Member) if getattr(first, f.name) != getattr(second, f.name)]


class Problems:
    """Every reason a row is refused, each field checked even after another failed."""

    def __init__(self) -> None:
        self.reasons: list[str] = []

    def check(self, function: Callable[..., T], *args: Any) -> T | None:
        try:
            return function(*args)
        except RowError as exc:
            self.reasons.append(str(exc))
            return None

    def add(self, reason: str) -> None:
        self.reasons.append(reason)

    def raise_any(self) -> None:
        if self.reasons:
            raise RowError("; ".join(self.reasons))


def email_of(row: dict[str, str]) -> str:
    email = required(row, "email")
    try:
        return _check_email(email)
    except InvalidInputError as exc:
        raise RowError(f"email {email[:40]!r} is not an email address") from exc


def optional_date(row: dict[str, str], column: str) -> date | None:
    text = (row.get(column) or "").strip()
    return parse_date(text, column) if text else None


def date_of(row: dict[str, str], column: str) -> date:
    return parse_date(required(row, column), column)


def code_of(row: dict[str, str], catalog: Catalog) -> str:
    try:
        return catalog.lookup(required(row, "certification")).code
    except UnknownCertificationError as exc:
        raise RowError(f"unknown certification {str(exc)[:60]!r}") from exc


def member_row(row: dict[str, str], catalog: Catalog) -> tuple[Member, Certification]:
    """The row's member and certification; RowError naming every problem of the row."""
    problems = Problems()
    acsm_id = problems.check(acsm_id_of, row)
    email = problems.check(email_of, row)
    phone = problems.check(checked, "phone", _check_phone, row.get("phone") or "")
    cpr = problems.check(optional_date, row, "cpr_aed_expires")
    first_name = problems.check(name_of, row, "first_name")
    last_name = problems.check(name_of, row, "last_name")
    code = problems.check(code_of, row, catalog)
    effective = problems.check(date_of, row, "effective_date")
    thru = problems.check(date_of, row, "thru_date")
    if thru is not None:
        if (thru.month, thru.day) != (12, 31):
            problems.add(f"thru_date {thru:%m/%d/%Y} is not a December 31")
        assert cycles.is_supported_thru(thru)  # the plausible years are inside the supported
    if effective is not None and thru is not None:
        if effective > thru:
            problems.add("effective_date is after thru_date")
        elif thru > cycles.add_years(effective, MAX_CYCLE_YEARS):
            problems.add(
                f"thru_date {thru:%m/%d/%Y} is more than four years after effective_date"
                f" {effective:%m/%d/%Y}"
            )
    problems.raise_any()
    assert acsm_id and email and first_name and last_name and code and effective and thru
    member = Member(acsm_id, first_name, last_name, email, phone, cpr_aed_expires=cpr)
    return member, Certification(acsm_id, code, effective, thru)


def name_of(row: dict[str, str], column: str) -> str:
    value = required(row, column)
    try:
        return validation.check_name(value, column)
    except InvalidInputError as exc:
        raise RowError(str(exc).rstrip(".")) from exc


def text_of(row: dict[str, str], column: str, most: int) -> str:
    value = required(row, column)
    try:
        return _check_text(value, column, most)
    except InvalidInputError as exc:
        raise RowError(str(exc).rstrip(".")) from exc


CecKey = tuple[str, date, str, str]  # an activity's member, date, title and provider
CHUNK_ROWS = 5_000  # rows of a CECs file checked (and written) at a time


def cec_key(activity: CecActivity) -> CecKey:
    return (activity.acsm_id, activity.completed_on, activity.title, activity.provider)


@dataclass(frozen=True)
class CecChecks:
    """What CEC rows are checked against beyond their own fields: `is_member` (when given)
    refuses rows of unknown members; `today` refuses completion dates after it;
    `first_day(acsm_id)` (the first day of the member's earliest cycle, None when they hold no
    certification; RowError for a reason of its own) refuses activities before it."""

    is_member: Callable[[str], bool] | None = None
    today: date | None = None
    first_day: Callable[[str], date | None] | None = None


def cec_chunks(
    lines: Iterable[str], size: int = CHUNK_ROWS
) -> Iterator[list[tuple[int, CecActivity | str]]]:
    """The rows of a CECs file, `size` at a time, each its activity (fields checked) or the
    reason it is refused, in the order of the file: a file of any size is read a chunk at a
    time."""
    chunk: list[tuple[int, CecActivity | str]] = []
    for line, row in records(lines, CEC_COLUMNS):
        if isinstance(row, str):
            chunk.append((line, row))
        else:
            try:
                chunk.append((line, cec_row(row)))
            except RowError as exc:
                chunk.append((line, str(exc)))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def check_cecs(
    chunk: Sequence[tuple[int, CecActivity | str]],
    checks: CecChecks,
    seen: dict[CecKey, tuple[int, Decimal]],
) -> Iterator[tuple[int, CecActivity | str]]:
    """The chunk's activities that pass `checks`, and the reasons of the rows refused, in the
    order of the file. `seen` holds (line, CECs) of the activities accepted before, from this
    chunk or earlier ones (the caller fills it with those of the chunk's keys): the same
    activity again is counted once (dropped), or refused naming both lines when the CECs
    differ; each accepted activity is added to it."""
    for line, item in chunk:
        if isinstance(item, str):
            yield line, item
            continue
        try:
            _check_cec(item, checks)
            key = cec_key(item)
            earlier = seen.get(key)
            if earlier is not None:
                if earlier[1] == item.cecs:
                    continue  # the same row twice: counted once
                raise RowError(
                    f"the same activity as line {earlier[0]} with other CECs "
                    f"({format_cecs(earlier[1])} on line {earlier[0]}, "
                    f"{format_cecs(item.cecs)} on line {line}): keep one"
                )
        except RowError as exc:
            yield line, str(exc)
            continue
        seen[key] = (line, item.cecs)
        yield line, item


def _check_cec(activity: CecActivity, checks: CecChecks) -> None:
    problems = Problems()
    unknown = checks.is_member is not None and not checks.is_member(activity.acsm_id)
    if unknown:
        problems.add(f"unknown member {activity.acsm_id}")
    if checks.today is not None and activity.completed_on > checks.today:
        problems.add(f"completed_on {activity.completed_on:%Y-%m-%d} is in the future")
    if checks.first_day is not None and not unknown:
        first = problems.check(checks.first_day, activity.acsm_id)
        if first is None and not problems.reasons:
            problems.add(f"member {activity.acsm_id} holds no certification")
        elif first is not None and activity.completed_on < first:
            problems.add(
                f"completed_on {activity.completed_on:%Y-%m-%d} is before member "
                f"{activity.acsm_id}'s first cycle (from {first:%Y-%m-%d})"
            )
    problems.raise_any()


def parse_cecs_csv(
    text: str,
    is_member: Callable[[str], bool] | None = None,
    *,
    today: date | None = None,
    first_day: Callable[[str], date | None] | None = None,
) -> CecsImport:
    """A CECs file in memory, checked whole (CecChecks says what the arguments refuse). The
    same activity twice in the file is counted once, or refused naming both lines when the
    CECs differ. `cecs import` streams instead (domain/services/imports.py)."""
    result = CecsImport()
    checks = CecChecks(is_member, today, first_day)
    seen: dict[CecKey, tuple[int, Decimal]] = {}
    for chunk in cec_chunks(io.StringIO(text, newline="")):
        result.rows += sum(1 for line, _ in chunk if line > 1)
        for line, item in check_cecs(chunk, checks, seen):
            if isinstance(item, str):
                result.errors.append(f"line {line}: {item}")
            else:
                result.activities.append(item)
                result.lines.append(line)
    if result.rows == 0 and not result.errors:
        result.errors.append(NO_ROWS)
    return result


def cecs_of(row: dict[str, str]) -> Decimal:
    text = required(row, "cecs")
    if "," in text:  # 1,5 is 1.5 in Europe and 15 with a thousands comma: refused
        raise RowError(f"cecs: {text[:20]!r} has a comma: write the decimal with a point (1.5)")
    try:
        cecs: Decimal = parse_cecs(text)
    except InvalidCecAmountError as exc:
        raise RowError(f"cecs: {exc}") from exc
    if cecs == 0:
        raise RowError("cecs: an activity is worth at least 0.5 CEC")
    if cecs > MAX_ACTIVITY_CECS:
        raise RowError(
            f"cecs: {format_cecs(cecs)} for one activity is more than "
            f"{format_cecs(MAX_ACTIVITY_CECS)}: a typing error?"
        )
    return cecs


def cec_row(row: dict[str, str]) -> CecActivity:
    """The row's activity; RowError naming every problem of the row."""
    problems = Problems()
    cecs = problems.check(cecs_of, row)
    acsm_id = problems.check(acsm_id_of, row)
    completed_on = problems.check(date_of, row, "completed_on")
    title = problems.check(text_of, row, "title", validation.MAX_TITLE)
    provider = problems.check(text_of, row, "provider", validation.MAX_PROVIDER)
    problems.raise_any()
    assert cecs is not None and acsm_id and completed_on and title and provider
    return CecActivity(acsm_id, completed_on, title, provider, cecs)
