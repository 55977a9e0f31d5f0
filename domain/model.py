"""Entities of the recertification domain.

Plain dataclasses: storage/ maps them to tables, handlers/ only reads them
through the use cases in domain/services/.  Money is integer cents, CECs are
Decimal in steps of 0.5, dates are `datetime.date`, instants aware UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


@dataclass
class Member:
    acsm_id: str  # digits only
    first_name: str
    last_name: str
    email: str
    phone: str | None = None
    cpr_aed_expires: date | None = None
    username: str | None = None  # the member's own username (lower case); None = default
    password_hash: str | None = None  # argon2id of the member's own password; None = default
    credentials_version: int = 0  # bumped on every password change: ends sessions
    contact_changed_at: datetime | None = None  # the member changed email/phone in the chat

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


@dataclass
class Certification:
    acsm_id: str
    code: str  # catalog code, e.g. "CPT"
    effective_date: date
    thru_date: date  # always a Dec 31
    id: int | None = None  # assigned by storage


@dataclass(frozen=True)
class CecActivity:
    """A continuing-education activity recorded by ACSM (imported by staff)."""

    acsm_id: str
    completed_on: date
    title: str
    provider: str
    cecs: Decimal
    id: int | None = field(default=None, compare=False)  # assigned by storage


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PAID = "paid"
    VOID = "void"  # its cycle moved (a staff import): nothing is due, it cannot be paid


@dataclass(frozen=True)
class InvoiceLine:
    """One certification renewed by an invoice, for one cycle."""

    certification_id: int
    code: str
    cycle_thru: date  # the thru date of the cycle being renewed (the cycle key)
    new_thru: date  # cycle_thru + 3 years


@dataclass
class Invoice:
    number: str  # "R" + six digits
    acsm_id: str
    issued_on: date
    description: str  # "Recertification thru 12/31/YYYY"
    amount_cents: int
    balance_cents: int
    lines: list[InvoiceLine]
    status: InvoiceStatus = InvoiceStatus.OPEN
    late_fee_cents: int = 0
    acsm_cecs: Decimal = Decimal(0)
    other_cecs: Decimal = Decimal(0)
    payment_charge_id: str | None = None  # telegram_payment_charge_id once paid
    paid_at: datetime | None = None
    voided_at: datetime | None = None  # when it became VOID
    void_reason: str | None = None  # why, readable by the member: "CPT is now thru 12/31/2029"


@dataclass
class Payment:
    """A successful payment; `charge_id` (Telegram's) is unique.

    `status` "applied": it paid `invoice_numbers`. "flagged": money was received but extended
    nothing (unknown, already paid or void invoice, a cycle renewed otherwise meanwhile, wrong
    amount, currency or payer); `note` says why, and staff refund or apply it (ERROR log
    line, `invoices export`)."""

    charge_id: str
    provider_charge_id: str
    acsm_id: str | None
    total_cents: int
    currency: str
    paid_at: datetime
    invoice_numbers: list[str] = field(default_factory=list)
    status: str = "applied"
    note: str | None = None
    payer_telegram_id: int | None = None

    APPLIED = "applied"
    FLAGGED = "flagged"


@dataclass
class RenewalDraft:
    """A renewal in progress, saved at every step so nothing typed is lost."""

    acsm_id: str
    certification_ids: list[int] = field(default_factory=list)
    contact_confirmed: bool = False
    cpr_confirmed: bool = False
    acsm_cecs: Decimal | None = None
    other_cecs: Decimal | None = None
    acknowledged: bool = False
    updated_at: datetime | None = None
    # The expiry typed for a newer CPR/AED card, waiting for the photo or PDF of the card.
    cpr_new_expires: date | None = None


@dataclass
class TelegramLink:
    """A Telegram user logged in as a member."""

    telegram_user_id: int
    acsm_id: str
    credentials_version: int
    linked_at: datetime
    last_seen_at: datetime
    # False after a login with the default credentials until the member proves who they are
    # (an emailed code or their own phone number): domain/identity.py.
    identity_proven: bool = True
