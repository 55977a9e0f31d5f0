"""Recertification invoices: numbers, descriptions, amounts (pure rules, no storage)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from domain.errors import N_
from domain.model import Invoice, InvoiceLine, InvoiceStatus

INVOICE_NUMBER = re.compile(r"R[1-9][0-9]{5}")
LOWEST = 100_000
HIGHEST = 999_999
MAX_NUMBER_TRIES = 50


class InvoiceNumberExhaustedError(RuntimeError):
    """No free invoice number found after many tries (the source is broken)."""


def random_invoice_number() -> str:
    """'R' + six digits, R100000..R999999, from a cryptographic source."""
    return f"R{LOWEST + secrets.randbelow(HIGHEST - LOWEST + 1)}"


def is_invoice_number(text: str) -> bool:
    return INVOICE_NUMBER.fullmatch(text) is not None


async def unique_invoice_number(
    new_number: Callable[[], str],
    number_exists: Callable[[str], Awaitable[bool]],
    tries: int = MAX_NUMBER_TRIES,
) -> str:
    """Draw numbers until one is free (the database unique key stays the backstop)."""
    for _ in range(tries):
        number = new_number()
        if not is_invoice_number(number):
            raise ValueError(f"invoice number source gave {number!r}")
        if not await number_exists(number):
            return number
    raise InvoiceNumberExhaustedError(f"no free invoice number after {tries} tries")


DESCRIPTION = N_("Recertification thru {date}")
DESCRIBED = re.compile(r"Recertification thru (\d\d/\d\d/\d{4})")


def invoice_description(new_thru: date) -> str:
    """What the invoice is for, as stored (English): shown translated (`description_parts`)."""
    return DESCRIPTION.format(date=f"{new_thru:%m/%d/%Y}")


def description_parts(description: str) -> tuple[str, dict[str, object]] | None:
    """A stored description as its template and values (None: not one this module wrote)."""
    found = DESCRIBED.fullmatch(description)
    return (DESCRIPTION, {"date": found.group(1)}) if found else None


def new_invoice(
    *,
    number: str,
    acsm_id: str,
    issued_on: date,
    lines: Sequence[InvoiceLine],
    fee_cents: int,
    late_fee_cents: int,
    acsm_cecs: Decimal,
    other_cecs: Decimal,
) -> Invoice:
    """An open invoice: amount = fee + late fee, balance = amount."""
    if not lines:
        raise ValueError("an invoice renews at least one certification")
    amount = fee_cents + late_fee_cents
    return Invoice(
        number=number,
        acsm_id=acsm_id,
        issued_on=issued_on,
        description=invoice_description(max(line.new_thru for line in lines)),
        amount_cents=amount,
        balance_cents=amount,
        lines=list(lines),
        status=InvoiceStatus.OPEN,
        late_fee_cents=late_fee_cents,
        acsm_cecs=acsm_cecs,
        other_cecs=other_cecs,
    )


# ---- an invoice whose cycle moved ---------------------------------------------------------
#
# An invoice renews certification cycles: each line names the thru date of the cycle it
# renews. When a certification's thru date is no longer that date (staff imported a renewal
# ACSM recorded otherwise, by mail, or corrected the date), the line's cycle is gone: paying
# the invoice would renew nothing. Such an invoice is made VOID (nothing is due on it, it
# cannot be paid) and a payment that reaches it anyway is flagged for staff.

MAX_VOID_REASON = 300


@dataclass(frozen=True)
class MovedCycle:
    """An invoice line whose cycle is no longer its certification's."""

    code: str
    cycle_thru: date  # the cycle the line renews
    thru_now: date | None  # the certification's thru date now; None: no longer on file


def moved_cycles(invoice: Invoice, thru_now: Mapping[int, date]) -> list[MovedCycle]:
    """The lines of `invoice` whose cycle is gone. `thru_now`: each certification's thru date
    now, by id (a certification missing from it is no longer on file)."""
    moved = []
    for line in invoice.lines:
        now = thru_now.get(line.certification_id)
        if now != line.cycle_thru:
            moved.append(MovedCycle(line.code, line.cycle_thru, now))
    return moved


MOVED_NOW = N_("{code} is now thru {date}")
MOVED_GONE = N_("{code} is no longer on file")
CYCLE_MOVED = N_("its cycle moved")
MOVED_PART = re.compile(
    r"(?P<code>[A-Za-z0-9]+) is (?:now thru (?P<date>\d\d/\d\d/\d{4})|no longer on file)"
)


def moved_reason(moved: Sequence[MovedCycle]) -> str:
    """Why, in a few words a member reads: 'CPT is now thru 12/31/2029' (English, stored
    with the void invoice; `reason_parts` reads it back to say it in another language)."""
    parts = [
        MOVED_NOW.format(code=m.code, date=f"{m.thru_now:%m/%d/%Y}")
        if m.thru_now is not None
        else MOVED_GONE.format(code=m.code)
        for m in moved
    ]
    if len(parts) > 1:
        parts = [", ".join(parts[:-1]) + " and " + parts[-1]]
    return (parts[0] if parts else CYCLE_MOVED)[:MAX_VOID_REASON]


def reason_parts(reason: str) -> list[tuple[str, dict[str, object]]] | None:
    """A reason `moved_reason` wrote, as its parts' templates and values, in order (None: any
    other text, e.g. one staff typed, or one cut short)."""
    if reason == CYCLE_MOVED:
        return [(CYCLE_MOVED, {})]
    pieces = re.split(r", | and ", reason)
    parts: list[tuple[str, dict[str, object]]] = []
    for piece in pieces:
        found = MOVED_PART.fullmatch(piece)
        if found is None:
            return None
        if found.group("date"):
            parts.append((MOVED_NOW, {"code": found.group("code"), "date": found.group("date")}))
        else:
            parts.append((MOVED_GONE, {"code": found.group("code")}))
    return parts


def void_invoice(invoice: Invoice, at: datetime, reason: str) -> None:
    """Make an open invoice VOID: nothing is due on it (balance 0; the amount stays, as
    issued), it can never be paid, and `reason` says why."""
    if invoice.status is not InvoiceStatus.OPEN:
        raise ValueError(f"invoice {invoice.number} is {invoice.status.value}, not open")
    invoice.status = InvoiceStatus.VOID
    invoice.balance_cents = 0
    invoice.voided_at = at
    invoice.void_reason = reason[:MAX_VOID_REASON]
