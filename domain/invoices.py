"""Recertification invoices: numbers, descriptions, amounts (pure rules, no storage)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import Decimal

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


def invoice_description(new_thru: date) -> str:
    """'Recertification thru 12/31/2029' (the NEW thru date)."""
    return f"Recertification thru {new_thru:%m/%d/%Y}"


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
