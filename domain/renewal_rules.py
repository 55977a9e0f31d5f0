"""What a renewal requires and costs, and whether it is allowed (with the reason when not).

Several certifications renewed together: the CECs required are the highest requirement among
them (not the sum); the fee is the highest fee plus the additional-certification fee for each
further one; the late fee is added once when any of them is in its grace period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from domain.catalog import Catalog, CertificationType
from domain.cecs import format_cecs
from domain.cycles import CertState
from domain.errors import N_


def _us(day: date) -> str:
    return day.strftime("%m/%d/%Y")


class RefusalCode(StrEnum):
    NOT_YET_OPEN = "not_yet_open"
    LAPSED = "lapsed"
    CPR_NOT_CURRENT = "cpr_not_current"
    CECS_SHORT = "cecs_short"
    NOTHING_TO_RENEW = "nothing_to_renew"
    WRONG_PASSWORD = "wrong_password"  # noqa: S105 (a code, not a password)


DEFAULT_CONTACT = "certification@acsm.org"  # Rules.acsm_contact, the ACSM_CONTACT setting


LAPSED = N_(
    "This certification has lapsed: the grace period ended on June 30 after its thru date, "
    "so it can no longer be renewed with CECs. Two ways back: (1) reinstatement, which "
    "ACSM staff arrange on request (contact ACSM certification services: {contact}), or "
    "(2) retaking and passing the certification exam. No invoice was created."
)


def lapsed_message(contact: str) -> str:
    """Why a lapsed certification cannot be renewed by CECs, and how to reach ACSM
    (English; `Refusal.lapsed` carries the template)."""
    return LAPSED.format(contact=contact)


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    message: str  # a template: RefusedError(refusal) fills in `values`
    opens_on: date | None = None
    expired_on: date | None = None
    short_by: Decimal | None = None
    values: dict[str, object] = field(default_factory=dict, compare=False, hash=False)

    @property
    def text(self) -> str:
        """The English sentence (the template filled in)."""
        return self.message.format(**self.values) if self.values else self.message

    @classmethod
    def not_yet_open(cls, opens_on: date) -> Refusal:
        return cls(
            RefusalCode.NOT_YET_OPEN,
            N_("Renewal opens on {date} (Jan 1 of your cycle's final year)."),
            opens_on=opens_on,
            values={"date": _us(opens_on)},
        )

    @classmethod
    def lapsed(cls, contact: str = DEFAULT_CONTACT) -> Refusal:
        return cls(RefusalCode.LAPSED, LAPSED, values={"contact": contact})

    @classmethod
    def cpr_not_current(cls, expired_on: date) -> Refusal:
        return cls(
            RefusalCode.CPR_NOT_CURRENT,
            N_(
                "Your CPR/AED certification on file expired on {date}. A current "
                "CPR/AED certification is required to renew by CECs. If you have a newer card, "
                "give its expiry date and a photo or PDF of it; otherwise renew it first, then "
                "come back."
            ),
            expired_on=expired_on,
            values={"date": _us(expired_on)},
        )

    @classmethod
    def cecs_short(cls, short_by: Decimal, required: Decimal) -> Refusal:
        return cls(
            RefusalCode.CECS_SHORT,
            N_(
                "You are {short} CECs short of the {required} required. Nothing was created; "
                "complete the missing CECs and try again."
            ),
            short_by=short_by,
            values={"short": format_cecs(short_by), "required": format_cecs(required)},
        )

    @classmethod
    def nothing_to_renew(cls) -> Refusal:
        return cls(RefusalCode.NOTHING_TO_RENEW, N_("You have no certification to renew."))

    @classmethod
    def wrong_password(cls) -> Refusal:
        return cls(RefusalCode.WRONG_PASSWORD, N_("Your current password is not right."))


def required_cecs(types: Sequence[CertificationType]) -> Decimal:
    """The highest requirement among the certifications renewed together (not the sum)."""
    if not types:
        return Decimal(0)
    return max(t.cecs_required for t in types)


def renewal_fee_cents(types: Sequence[CertificationType], catalog: Catalog) -> int:
    """Highest fee + the additional-certification fee for each further certification."""
    if not types:
        return 0
    extra = catalog.additional_certification_fee_cents * (len(types) - 1)
    return max(t.fee_cents for t in types) + extra


def late_fee_cents(states: Sequence[CertState], catalog: Catalog) -> int:
    """The late fee, once, when any of the certifications is in its grace period."""
    return catalog.late_fee_cents if CertState.GRACE in states else 0


def window_refusal(
    states: Sequence[tuple[CertState, date]], contact: str = DEFAULT_CONTACT
) -> Refusal | None:
    """(state, renewal opens on) per certification -> why they cannot be renewed now, if so
    (`contact`: how a member with a lapsed one reaches ACSM)."""
    if not states:
        return Refusal.nothing_to_renew()
    if any(state is CertState.LAPSED for state, _ in states):
        return Refusal.lapsed(contact)
    not_open = [opens for state, opens in states if state is CertState.ACTIVE]
    if not_open:
        return Refusal.not_yet_open(max(not_open))
    return None


def cpr_refusal(cpr_aed_expires: date | None, today: date) -> Refusal | None:
    """A known expiry before today refuses; an unknown one is left to the member's word."""
    if cpr_aed_expires is not None and cpr_aed_expires < today:
        return Refusal.cpr_not_current(cpr_aed_expires)
    return None


def cecs_short_by(acsm_cecs: Decimal, other_cecs: Decimal, required: Decimal) -> Decimal:
    """How many CECs are missing (0 when ACSM + other CECs reach the requirement)."""
    return max(Decimal(0), required - (acsm_cecs + other_cecs))


def cecs_refusal(acsm_cecs: Decimal, other_cecs: Decimal, required: Decimal) -> Refusal | None:
    short = cecs_short_by(acsm_cecs, other_cecs, required)
    return Refusal.cecs_short(short, required) if short > 0 else None
