"""Reading a certificate's text: title, provider, completion date, CECs and ACSM-or-other.

Pure: the text comes from a PDF's text layer (certificates/) or, later, from optical character
recognition of a photo. Every field is optional and nothing is invented: a field is read only
when the text says it plainly (a label such as "Provider:", a wording such as "has
successfully completed", one date, one amount); when unsure (two different dates and no label,
two different amounts in the same unit, a value that breaks the tracker's rules) the field is
None and the chat asks it as `/addcec` does.

Wordings read (case and spacing free, so OCR's glued "Dateofcompletion:03/14/2025" and
"ContactHours:2.0" are read too):
- title: "has (successfully) completed X", "has attended X", "for completing/attending X",
  "Course (Title):", "Title:", "Program:", "Event:", "Webinar:", "Workshop:"; when the words
  end the line, X is the next line. "Certificate of Completion/Attendance/Achievement" is the
  certificate's kind, never the title.
- provider: "Presented by", "Provider:", "Offered by", "Provided by", "Sponsored by",
  "Issued by", "Hosted by", "Organization:"; else a line that is only "American College of
  Sports Medicine" (ACSM's own certificates).
- date: 03/14/2025 or 3/14/25 (month first, as US certificates print it; day first only when the first
  number cannot be a month), 2025-03-14, March 14, 2025, Mar. 14, 2025, 14 March 2025. A date
  labelled "Date of completion", "Completed (on)", "Completion date", "Date completed",
  "Date:" wins; else the one date the text holds (dates labelled as expiry, birth or print
  dates are left out).
- CECs: "2 CECs", "2.0 contact hours", "2 credits", "2 CE credits", "2 hours", "0.2 CEUs", and
  the label first ("Contact Hours: 2.0", "CEUs awarded: 0.2"). 1 contact hour = 1 CEC and
  1 CEU = 10 contact hours (IACET), as the tracker converts typed amounts
  (`domain.tracker.CEU_TO_CECS`). CECs or contact hours printed win over CEUs.
- ACSM or other, in the bot's sense (the tracker's "Was it an ACSM activity, or from another
  organization?"): ACSM only when ACSM itself presents the activity (the provider is "ACSM" or
  "American College of Sports Medicine"): those are the CECs counted against ACSM's own
  record. An "ACSM Approved Provider #…" (or a course "approved by ACSM") is another
  organization whose course ACSM approved: OTHER. No provider read and no approved-provider mention: None.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from domain.cecs import MAX_ACTIVITY_CECS, STEP, format_cecs
from domain.tracker import CEU_TO_CECS, Organization

MAX_TEXT = 20_000  # characters read: a certificate is short; the rest is not looked at
MAX_VALUE = 120  # a title or provider longer than this is not one


@dataclass(frozen=True)
class CertificateReading:
    """What a certificate's text says; None where it could not be read for sure."""

    title: str | None = None
    provider: str | None = None
    completed_on: date | None = None
    cecs: Decimal | None = None
    printed_amount: str | None = None  # "0.2 CEUs" when converted to `cecs`, else None
    organization: Organization | None = None

    @property
    def empty(self) -> bool:
        return (
            self.title is None
            and self.provider is None
            and self.completed_on is None
            and self.cecs is None
            and self.organization is None
        )


def _words(*words: str) -> str:
    """A label's words with any spacing between them, none included (OCR glues words)."""
    return r"\s*".join(re.escape(word) for word in words)


MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# a month glued to the word before it ("onOctober16,2023", "onOct.9,2023"): only full names
# or abbreviations with their dot, so that "Seminar 2, 2025" is not March 2
GLUED_MONTH = (
    r"(?:january|february|march|april|june|july|august|september|october|november|december"
    r"|(?:jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)(?=\.))"
)
ORDINAL = r"(?:st|nd|rd|th)?"
DATE = re.compile(
    r"(?<![0-9])(?:"
    rf"(?P<y1>[0-9]{{4}})\s*-\s*(?P<m1>[0-9]{{1,2}})\s*-\s*(?P<d1>[0-9]{{1,2}})"
    rf"|(?P<a2>[0-9]{{1,2}})\s*[/.-]\s*(?P<b2>[0-9]{{1,2}})\s*[/.-]\s*"
    rf"(?P<y2>[0-9]{{4}}|(?<=/)[0-9]{{2}})"
    rf"|(?:(?<![a-z])(?P<m3>{MONTH})|(?<=[a-z])(?P<m3g>{GLUED_MONTH}))"
    rf"\.?\s*(?P<d3>[0-9]{{1,2}}){ORDINAL}\s*,?\s*(?P<y3>[0-9]{{4}})"
    rf"|(?P<d4>[0-9]{{1,2}}){ORDINAL}\s*(?:of\s*)?(?P<m4>{MONTH})\.?\s*,?\s*(?P<y4>[0-9]{{4}})"
    r")(?![0-9])",
    re.IGNORECASE,
)
COMPLETION_LABEL = re.compile(
    "(?:"
    + "|".join(
        (
            _words("date", "of", "completion"),
            _words("completion", "date"),
            _words("date", "completed"),
            _words("completed", "on"),
            _words("completed"),
            _words("date", "of", "course"),
            _words("course", "date"),
            _words("event", "date"),
            _words("date", "of", "attendance"),
            _words("date", "attended"),
            _words("awarded", "on"),
            _words("date"),
            _words("on"),
        )
    )
    + r")\s*[:\-]?\s*$",
    re.IGNORECASE,
)
OTHER_DATE_LABEL = re.compile(
    r"(?:expir\w*|valid\s*(?:until|through|thru)|birth\w*|d\.?o\.?b\.?|printed\w*"
    r"|renew\w*|due|through|thru)\s*(?:date|on)?\s*[:\-]?\s*$",
    re.IGNORECASE,
)

NUMBER = r"(?P<number>[0-9]{1,3}(?:[.,][0-9]{1,2})?)"
# units a word cannot end or begin with: read even glued to the next word ("19.0CECsawarded")
DISTINCT_UNIT = (
    r"ce\s*credits?|ce\s*hours?|credit\s*hours?|contact\s*hours?|contact\s*hrs?"
    r"|c\s*e\s*u\s*s?|c\s*e\s*c\s*s?"
)
PLAIN_UNIT = r"credits?|hours?|hrs?"
AMOUNT_AFTER = re.compile(
    rf"(?<![0-9.,]){NUMBER}\s*(?:\(\s*[0-9.,]+\s*\)\s*)?"
    rf"(?P<unit>{DISTINCT_UNIT}|(?:{PLAIN_UNIT})(?![a-z]))",
    re.IGNORECASE,
)
AMOUNT_BEFORE = re.compile(
    rf"(?P<unit>{DISTINCT_UNIT}|(?<![a-z])(?:{PLAIN_UNIT}))"
    rf"\s*(?:awarded|earned|granted|approved)?\s*[:\-]\s*{NUMBER}(?![0-9])",
    re.IGNORECASE,
)
UNIT_PRIORITY = {"cecs": 0, "hours": 1, "credits": 2, "ceus": 3}

TITLE_LEAD = re.compile(
    r"(?:"
    + "|".join(
        (
            _words("has", "successfully", "completed"),
            _words("successfully", "completed"),
            _words("has", "completed"),
            _words("has", "attended"),
            _words("has", "participated", "in"),
            _words("for", "successfully", "completing"),
            _words("for", "completing"),
            _words("for", "completion", "of"),
            _words("for", "attending"),
            _words("for", "participating", "in"),
            _words("completed", "the"),
            _words("attended"),
        )
    )
    + r")(?:\s*the)?(?:\s*(?:online|live|in-person|continuing\s*education))?"
    + r"(?:\s*(?:course|program|programme|workshop|webinar|seminar|training|module))?"
    + r"\s*[:\-]?\s*",
    re.IGNORECASE,
)
TITLE_LABEL = re.compile(
    r"^\s*(?:"
    + "|".join(
        (
            _words("course", "title"),
            _words("course", "name"),
            _words("program", "title"),
            _words("program", "name"),
            _words("activity", "title"),
            _words("activity"),
            _words("event", "title"),
            _words("title"),
            _words("course"),
            _words("program"),
            _words("event"),
            _words("webinar"),
            _words("workshop"),
        )
    )
    + r")\s*:\s*",
    re.IGNORECASE,
)
PROVIDER_LEAD = re.compile(
    r"(?:"
    + "|".join(
        (
            _words("presented", "by"),
            _words("offered", "by"),
            _words("provided", "by"),
            _words("sponsored", "by"),
            _words("issued", "by"),
            _words("hosted", "by"),
            _words("education", "provider") + r"\s*:",
            _words("course", "provider") + r"\s*:",
            _words("provider", "name") + r"\s*:",
            _words("provider") + r"\s*:",
            _words("organization") + r"\s*:",
            _words("organizer") + r"\s*:",
        )
    )
    + r")\s*:?\s*",
    re.IGNORECASE,
)
APPROVED_PROVIDER = re.compile(
    r"acsm\s*(?:cec\s*)?approved\s*provider"
    r"|approved\s*provider\s*(?:of|for)\s*(?:the\s*)?(?:acsm|american\s*college)"
    r"|approved\s*(?:for\s*[0-9.,]+\s*\w+\s*)?by\s*(?:the\s*)?(?:acsm|american\s*college)",
    re.IGNORECASE,
)
ACSM_NAME = re.compile(
    r"^(?:the\s*)?(?:acsm|american\s*college\s*of\s*sports\s*medicine)(?:\s*\(acsm\))?$", re.I
)
# Where a title or provider written on one line with other facts stops.
VALUE_END = re.compile(
    r"\s+(?:for\s+a\s+total|earning|and\s+(?:is|has\s+been)\s+awarded|awarded|worth)\s"
    r"|\s*(?:presented|offered|provided|sponsored|issued|hosted)\s*by\b"
    r"|\s*(?:acsm\s*)?approved\s*provider"
    r"|\s*(?:provider|date|location|instructor|cecs?|ceus?|contact\s*hours|credits?)\s*:"
    r"|\s*[,;|]\s*(?=[0-9])"
    r"|\s+-\s+|\s*#",
    re.IGNORECASE,
)
OTHER_LINE = re.compile(
    r"^(?:certificate|this\s*(?:is\s*to\s*)?certif|awarded|presented\s*to|signature|instructor"
    r"|director|date|provider|approved|acsm\s*approved|completed|awarded)",
    re.IGNORECASE,
)
SIGNATURE_LABELS = re.compile(
    r"date\s*(?:provider|presenter)|(?:provider|presenter)\s*date", re.IGNORECASE
)
NOT_A_TITLE = re.compile(
    r"^(?:certificate|this\s*(?:is\s*to\s*)?certif|awarded\s*to|presented\s*to|date|signature)",
    re.IGNORECASE,
)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT])
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        text = text.replace(dash, "-")
    for quote in "\u201c\u201d\u201e\u00ab\u00bb":
        text = text.replace(quote, '"')
    text = text.replace("\u2018", "'").replace("\u2019", "'").replace("\u00a0", " ")
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def _unglue(value: str) -> str:
    """OCR's "AdvancedKettlebellTraining" (or "AdvancedKettlebell Training") as "Advanced
    Kettlebell Training": long words split where a capital follows a small letter; "&"
    between spaces ("Health& Fitness")."""
    value = re.sub(r"(?<=\w)\s*&\s*(?=\w)", " & ", value)
    words = value.split(" ")
    if len(words) == 1 and len(value) >= 12:
        return re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=[0-9])", " ", value)
    return " ".join(
        re.sub(r"(?<=[a-z]{3})(?=[A-Z][a-z]{2})", " ", word) if len(word) >= 12 else word
        for word in words
    )


def _is_fact(line: str) -> bool:
    """A line that states something known (a label, a wording, a date, an amount)."""
    return any(
        pattern.search(line)
        for pattern in (TITLE_LABEL, TITLE_LEAD, PROVIDER_LEAD, DATE, AMOUNT_AFTER, AMOUNT_BEFORE)
    ) or bool(OTHER_LINE.search(line))


def _value(rest: str, lines: list[str], index: int, *, wraps: bool = False) -> str | None:
    """The value that follows a label on line `index`: the rest of the line up to the next
    fact, or the next line when the label ends the line. With `wraps` (a title on lines of
    its own), a line after it that states nothing known and is followed by a line that does
    is the title's continuation (a long title wrapped)."""
    candidate = rest
    if not candidate.strip(" :.-\"'"):
        candidate = lines[index + 1] if index + 1 < len(lines) else ""
        after = index + 2
        if (
            wraps
            and after + 1 < len(lines)
            and not _is_fact(lines[after])
            and _is_fact(lines[after + 1])
            and not _is_fact(candidate)
        ):
            candidate = f"{candidate} {lines[after]}"
    found_date = DATE.search(candidate)
    if found_date is not None:
        candidate = candidate[: found_date.start()]
        # "… on March 3, 2025"; glued by OCR (no space anywhere), "…Instituteon03/02/2025"
        glued = " " not in candidate.strip()
        ending = r"(?<=[a-z])(?:on|dated)$" if glued else r"\s+(?:held\s+)?(?:on|dated)\s*$"
        candidate = re.sub(ending, "", candidate.strip(), flags=re.IGNORECASE)
    cut = VALUE_END.search(candidate)
    if cut is not None:
        candidate = candidate[: cut.start()]
    candidate = candidate.strip(" :;,.-\"'")
    candidate = _unglue(candidate)
    if not candidate or len(candidate) > MAX_VALUE or not re.search(r"[A-Za-z]", candidate):
        return None
    return candidate


def _date_of(found: re.Match[str]) -> date | None:
    groups = found.groupdict()
    try:
        if groups["y1"]:
            return date(int(groups["y1"]), int(groups["m1"]), int(groups["d1"]))
        if groups["y2"]:
            first, second = int(groups["a2"]), int(groups["b2"])
            if first > 12 >= second:  # 14/03/2025: day first, the only way it is a date
                first, second = second, first
            year = int(groups["y2"])
            return date(year + 2000 if year < 100 else year, first, second)
        if groups["y3"]:
            month = MONTHS[(groups["m3"] or groups["m3g"])[:3].casefold()]
            return date(int(groups["y3"]), month, int(groups["d3"]))
        month = MONTHS[groups["m4"][:3].casefold()]
        return date(int(groups["y4"]), month, int(groups["d4"]))
    except ValueError:
        return None


def read_date(text: str) -> date | None:
    """The completion date: a labelled one, else the only date the text holds."""
    labelled: set[date] = set()
    unlabelled: set[date] = set()
    for line in _clean(text).splitlines():
        for found in DATE.finditer(line):
            when = _date_of(found)
            if when is None or not 1900 < when.year < 2200:
                continue
            before = line[max(0, found.start() - 40) : found.start()]
            if OTHER_DATE_LABEL.search(before):
                continue
            (labelled if COMPLETION_LABEL.search(before) else unlabelled).add(when)
    if len(labelled) == 1:
        return labelled.pop()
    if not labelled and len(unlabelled) == 1:
        return unlabelled.pop()
    return None


def _unit(raw: str) -> str:
    unit = re.sub(r"\s+", "", raw.casefold())
    if unit.startswith("cec"):
        return "cecs"
    if unit.startswith("ceu"):
        return "ceus"
    if "credit" in unit and "hour" not in unit:
        return "credits"
    return "hours"


def read_amount(text: str) -> tuple[Decimal, str | None] | None:
    """(CECs, the amount as printed when converted) or None: the unit the certificate states
    most plainly wins (CECs, then contact hours, then credits, then CEUs); two different
    numbers in that unit, or a result outside the tracker's rules, read as nothing."""
    found: dict[str, set[Decimal]] = {}
    for line in _clean(text).splitlines():
        for pattern in (AMOUNT_AFTER, AMOUNT_BEFORE):
            for match in pattern.finditer(line):
                try:
                    number = Decimal(match.group("number").replace(",", "."))
                except InvalidOperation:
                    continue
                unit = _unit(match.group("unit"))
                if unit == "hours" and not re.search(
                    r"contact|ce|credit", match.group("unit"), re.I
                ):
                    # a bare "2 hours" only counts when nothing plainer is printed
                    unit = "bare hours"
                found.setdefault(unit, set()).add(number)
    for unit in ("cecs", "hours", "credits", "ceus", "bare hours"):
        numbers = found.get(unit)
        if not numbers:
            continue
        if len(numbers) != 1:
            return None
        number = numbers.pop()
        cecs = number * CEU_TO_CECS if unit == "ceus" else number
        if not (0 < cecs <= MAX_ACTIVITY_CECS) or (cecs / STEP) % 1 != 0:
            return None
        printed = (
            f"{format_cecs(number)} {'CEU' if number == 1 else 'CEUs'}" if unit == "ceus" else None
        )
        return Decimal(format_cecs(cecs)), printed
    return None


def read_title(text: str) -> str | None:
    lines = _clean(text).splitlines()
    for index, line in enumerate(lines):
        label = TITLE_LABEL.match(line)
        if label is not None:
            value = _value(line[label.end() :], lines, index)
            if value is not None and not NOT_A_TITLE.match(value):
                return value
    for index, line in enumerate(lines):
        lead = TITLE_LEAD.search(line)
        if lead is not None:
            value = _value(line[lead.end() :], lines, index, wraps=True)
            if value is not None and not NOT_A_TITLE.match(value):
                return value
    return None


def read_provider(text: str) -> str | None:
    lines = _clean(text).splitlines()
    for index, line in enumerate(lines):
        lead = PROVIDER_LEAD.search(line)
        if lead is not None:
            value = _value(line[lead.end() :], lines, index)
            if value is not None:
                return value
    for index, line in enumerate(lines[1:], 1):
        if SIGNATURE_LABELS.fullmatch(line):
            # a signature line: "03/14/2025    FitEd Academy" over "Date    Provider"
            above = lines[index - 1]
            found = DATE.search(above)
            if found is not None:
                value = _value(above[: found.start()] + " " + above[found.end() :], [], 0)
                if value is not None:
                    return value
    if APPROVED_PROVIDER.search(" ".join(lines)):
        return None  # ACSM's name on an approved provider's certificate: not the provider
    for line in lines:
        if ACSM_NAME.match(line.strip(" .")):
            return "American College of Sports Medicine"
    return None


def read_organization(text: str, provider: str | None) -> Organization | None:
    if APPROVED_PROVIDER.search(" ".join(_clean(text).split())):
        return Organization.OTHER  # ACSM approved it; another organization gave it
    if provider is not None and ACSM_NAME.match(provider.strip(" .")):
        return Organization.ACSM
    if provider is not None:
        return Organization.OTHER
    return None


def read_certificate(text: str) -> CertificateReading:
    """Everything the text says for sure; None for the rest."""
    provider = read_provider(text)
    amount = read_amount(text)
    return CertificateReading(
        title=read_title(text),
        provider=provider,
        completed_on=read_date(text),
        cecs=amount[0] if amount else None,
        printed_amount=amount[1] if amount else None,
        organization=read_organization(text, provider),
    )
