"""Selecting, checking and recording payments — on the real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.clock import FixedClock
from domain.errors import NotFoundError
from domain.model import InvoiceStatus
from domain.rules import Rules
from domain.services import invoices
from domain.services.certifications import my_certifications
from tests.services.service_helpers import ANN, BEN, UowFactory, invoice_for, log_in


async def test_select_pre_checkout_and_pay_once(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    selection = await invoices.select_invoices(seeded(), rules, tg, [inv.number, inv.number])
    assert [i.number for i in selection.invoices] == [inv.number]
    assert selection.total_cents == 4500

    check = invoices.pre_checkout
    assert await check(seeded(), rules, tg, [inv.number], 4500, "USD") is None
    assert "$45.00" in (await check(seeded(), rules, tg, [inv.number], 4499, "USD") or "")
    assert await check(seeded(), rules, tg, [inv.number], 4500, "EUR") is not None
    assert await check(seeded(), rules, tg, [], 0, "USD") is not None

    clock.advance(timedelta(minutes=3))
    args = ([inv.number], "tg-charge-1", "prov-1", 4500, "USD")
    outcome = await invoices.record_payment(seeded(), rules, tg, *args)
    assert outcome.new and outcome.new_thru_dates == [("CPT", date(2029, 12, 31))]
    (paid,) = outcome.invoices
    assert paid.status is InvoiceStatus.PAID and paid.balance_cents == 0
    assert paid.charge_id == "tg-charge-1" and paid.paid_at == clock.now()

    (view,) = await my_certifications(seeded(), rules, tg)
    assert view.thru_date == date(2029, 12, 31) and view.effective_date == date(2027, 1, 1)

    repeated = await invoices.record_payment(seeded(), rules, tg, *args)
    assert not repeated.new and repeated.new_thru_dates == []
    (view,) = await my_certifications(seeded(), rules, tg)
    assert view.thru_date == date(2029, 12, 31)  # not 2032

    assert await check(seeded(), rules, tg, [inv.number], 4500, "USD") is not None
    with pytest.raises(NotFoundError):
        await invoices.select_invoices(seeded(), rules, tg, [inv.number])
    receipt = await invoices.receipt(seeded(), rules, tg, [inv.number])
    assert receipt.charge_id == "tg-charge-1" and receipt.acsm_id == ANN
    assert receipt.member_name == "Pat Abbott" and receipt.paid_at == clock.now()


async def test_a_second_payment_of_a_paid_invoice_changes_nothing(
    seeded: UowFactory, rules: Rules
) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    await invoices.record_payment(seeded(), rules, tg, [inv.number], "c1", "p1", 4500, "USD")
    other = await invoices.record_payment(
        seeded(), rules, tg, [inv.number], "c2", "p2", 4500, "USD"
    )
    assert other.new_thru_dates == []
    (view,) = await my_certifications(seeded(), rules, tg)
    assert view.thru_date == date(2029, 12, 31)
    (mine,) = await invoices.my_invoices(seeded(), rules, tg)
    assert mine.charge_id == "c1"


async def test_two_certifications_both_extended(seeded: UowFactory, rules: Rules) -> None:
    inv = await invoice_for(seeded, rules, BEN)
    tg = await log_in(seeded, rules, BEN)
    outcome = await invoices.record_payment(
        seeded(), rules, tg, [inv.number], "c9", "p9", 6000, "usd"
    )
    assert sorted(outcome.new_thru_dates) == [
        ("CEP", date(2029, 12, 31)),
        ("RCEP", date(2029, 12, 31)),
    ]


async def test_a_member_cannot_touch_another_members_invoice(
    seeded: UowFactory, rules: Rules
) -> None:
    bens = await invoice_for(seeded, rules, BEN)
    tg = await log_in(seeded, rules, ANN)
    with pytest.raises(NotFoundError):
        await invoices.select_invoices(seeded(), rules, tg, [bens.number])
    with pytest.raises(NotFoundError):
        await invoices.select_invoices(seeded(), rules, tg, ["R000001"])
    reason = await invoices.pre_checkout(seeded(), rules, tg, [bens.number], 6000, "USD")
    assert reason is not None and "not found" in reason
    with pytest.raises(NotFoundError):
        await invoices.receipt(seeded(), rules, tg, [bens.number])
    assert await invoices.my_invoices(seeded(), rules, tg) == []


async def test_receipt_needs_paid_invoices(seeded: UowFactory, rules: Rules) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    with pytest.raises(NotFoundError):
        await invoices.receipt(seeded(), rules, tg, [inv.number])
