"""Invoice numbers, descriptions and amounts."""

from __future__ import annotations

import random
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.invoices import (
    InvoiceNumberExhaustedError,
    MovedCycle,
    invoice_description,
    is_invoice_number,
    moved_cycles,
    moved_reason,
    new_invoice,
    random_invoice_number,
    unique_invoice_number,
    void_invoice,
)
from domain.model import Invoice, InvoiceLine, InvoiceStatus

SHAPE = re.compile(r"R\d{6}")


def test_random_numbers_have_the_shape_and_the_range() -> None:
    for _ in range(2000):
        number = random_invoice_number()
        assert SHAPE.fullmatch(number)
        assert 100_000 <= int(number[1:]) <= 999_999
        assert is_invoice_number(number)


@pytest.mark.parametrize("text", ["R099999", "R1000000", "r123456", "X123456", "R12345", ""])
def test_not_invoice_numbers(text: str) -> None:
    assert not is_invoice_number(text)


@settings(max_examples=30)
@given(seed=st.integers(), batch=st.integers(min_value=1, max_value=200))
async def test_a_batch_is_unique_after_retries_from_a_colliding_source(
    seed: int, batch: int
) -> None:
    rng = random.Random(seed)  # a poor source on purpose: only 300 possible numbers
    taken: set[str] = set()

    async def exists(number: str) -> bool:
        return number in taken

    def poor_source() -> str:
        return f"R{rng.randint(100_000, 100_299)}"

    for _ in range(batch):
        number = await unique_invoice_number(poor_source, exists, tries=10_000)
        assert SHAPE.fullmatch(number)
        assert number not in taken
        taken.add(number)
    assert len(taken) == batch


async def test_gives_up_when_every_number_is_taken() -> None:
    async def exists(number: str) -> bool:
        return True

    with pytest.raises(InvoiceNumberExhaustedError):
        await unique_invoice_number(lambda: "R123456", exists, tries=3)


async def test_refuses_a_badly_shaped_source() -> None:
    async def exists(number: str) -> bool:
        return False

    with pytest.raises(ValueError, match="source"):
        await unique_invoice_number(lambda: "123456", exists)


def test_a_new_invoice_names_the_new_thru_and_adds_the_late_fee() -> None:
    line = InvoiceLine(7, "CPT", date(2026, 12, 31), date(2029, 12, 31))
    invoice = new_invoice(
        number="R123456",
        acsm_id="555",
        issued_on=date(2027, 2, 1),
        lines=[line],
        fee_cents=4500,
        late_fee_cents=8000,
        acsm_cecs=Decimal(30),
        other_cecs=Decimal(15),
    )
    assert invoice.description == "Recertification thru 12/31/2029"
    assert invoice.amount_cents == 12500 and invoice.balance_cents == 12500
    assert invoice.status is InvoiceStatus.OPEN
    assert invoice_description(date(2032, 12, 31)) == "Recertification thru 12/31/2032"


def test_an_invoice_renews_something() -> None:
    with pytest.raises(ValueError, match="at least one"):
        new_invoice(
            number="R123456",
            acsm_id="1",
            issued_on=date(2026, 1, 2),
            lines=[],
            fee_cents=1,
            late_fee_cents=0,
            acsm_cecs=Decimal(0),
            other_cecs=Decimal(0),
        )


THRU, NEW_THRU = date(2026, 12, 31), date(2029, 12, 31)


def two_line_invoice() -> Invoice:
    return new_invoice(
        number="R123456",
        acsm_id="555",
        issued_on=date(2026, 11, 28),
        lines=[InvoiceLine(1, "CEP", THRU, NEW_THRU), InvoiceLine(2, "RCEP", THRU, NEW_THRU)],
        fee_cents=6000,
        late_fee_cents=0,
        acsm_cecs=Decimal(45),
        other_cecs=Decimal(15),
    )


def test_a_line_whose_certification_has_another_thru_date_renews_a_cycle_that_moved() -> None:
    invoice = two_line_invoice()
    assert moved_cycles(invoice, {1: THRU, 2: THRU}) == []
    moved = moved_cycles(invoice, {1: NEW_THRU, 2: THRU})
    assert moved == [MovedCycle("CEP", THRU, NEW_THRU)]
    assert moved_reason(moved) == "CEP is now thru 12/31/2029"
    # Moved backwards (a correction), or no longer on file: gone as well.
    both = moved_cycles(invoice, {1: date(2025, 12, 31)})
    assert both == [MovedCycle("CEP", THRU, date(2025, 12, 31)), MovedCycle("RCEP", THRU, None)]
    assert moved_reason(both) == "CEP is now thru 12/31/2025 and RCEP is no longer on file"


def test_a_void_invoice_owes_nothing_and_says_why() -> None:
    invoice = two_line_invoice()
    at = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
    void_invoice(invoice, at, "CEP is now thru 12/31/2029")
    assert invoice.status is InvoiceStatus.VOID
    assert (invoice.amount_cents, invoice.balance_cents) == (6000, 0)
    assert invoice.voided_at == at and invoice.void_reason == "CEP is now thru 12/31/2029"
    with pytest.raises(ValueError, match="not open"):
        void_invoice(invoice, at, "again")
