"""Selecting, checking and recording payments — on the real database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.catalog import Catalog
from domain.clock import FixedClock
from domain.errors import NotFoundError
from domain.imports import MembersImport
from domain.model import InvoiceStatus, Payment
from domain.rules import Rules
from domain.services import invoices, renewal
from domain.services.certifications import my_certifications
from domain.services.imports import import_members
from domain.services.renewal import RenewalStep
from tests.services.service_helpers import (
    ANN,
    BEN,
    UowFactory,
    fill_in,
    invoice_for,
    log_in,
    turn,
)


async def test_select_pre_checkout_and_pay_once(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    selection = await turn(seeded, invoices.select_invoices, rules, tg, [inv.number, inv.number])
    assert [i.number for i in selection.invoices] == [inv.number]
    assert selection.total_cents == 4500

    check = invoices.pre_checkout
    assert await turn(seeded, check, rules, tg, [inv.number], 4500, "USD") is None
    assert "$45.00" in str(await turn(seeded, check, rules, tg, [inv.number], 4499, "USD"))
    assert await turn(seeded, check, rules, tg, [inv.number], 4500, "EUR") is not None
    assert await turn(seeded, check, rules, tg, [], 0, "USD") is not None

    clock.advance(timedelta(minutes=3))
    args = ([inv.number], "tg-charge-1", "prov-1", 4500, "USD")
    outcome = await turn(seeded, invoices.record_payment, rules, tg, *args)
    assert outcome.new and outcome.new_thru_dates == [("CPT", date(2029, 12, 31))]
    (paid,) = outcome.invoices
    assert paid.status is InvoiceStatus.PAID and paid.balance_cents == 0
    assert paid.charge_id == "tg-charge-1" and paid.paid_at == clock.now()

    (view,) = await turn(seeded, my_certifications, rules, tg)
    assert view.thru_date == date(2029, 12, 31) and view.effective_date == date(2027, 1, 1)

    repeated = await turn(seeded, invoices.record_payment, rules, tg, *args)
    assert not repeated.new and repeated.new_thru_dates == []
    (view,) = await turn(seeded, my_certifications, rules, tg)
    assert view.thru_date == date(2029, 12, 31)  # not 2032

    assert await turn(seeded, check, rules, tg, [inv.number], 4500, "USD") is not None
    with pytest.raises(NotFoundError):
        await turn(seeded, invoices.select_invoices, rules, tg, [inv.number])
    receipt = await turn(seeded, invoices.receipt, rules, tg, [inv.number])
    assert receipt.charge_id == "tg-charge-1" and receipt.acsm_id == ANN
    assert receipt.member_name == "Pat Abbott" and receipt.paid_at == clock.now()


async def test_a_second_payment_of_a_paid_invoice_changes_nothing(
    seeded: UowFactory, rules: Rules
) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, invoices.record_payment, rules, tg, [inv.number], "c1", "p1", 4500, "USD")
    other = await turn(
        seeded, invoices.record_payment, rules, tg, [inv.number], "c2", "p2", 4500, "USD"
    )
    assert other.new_thru_dates == [] and not other.new and not other.repeated
    assert other.flagged == f"already paid: {inv.number}"
    (view,) = await turn(seeded, my_certifications, rules, tg)
    assert view.thru_date == date(2029, 12, 31)
    (mine,) = await turn(seeded, invoices.my_invoices, rules, tg)
    assert mine.charge_id == "c1"


async def test_two_certifications_both_extended(seeded: UowFactory, rules: Rules) -> None:
    inv = await invoice_for(seeded, rules, BEN)
    tg = await log_in(seeded, rules, BEN)
    outcome = await turn(
        seeded, invoices.record_payment, rules, tg, [inv.number], "c9", "p9", 6000, "usd"
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
        await turn(seeded, invoices.select_invoices, rules, tg, [bens.number])
    with pytest.raises(NotFoundError):
        await turn(seeded, invoices.select_invoices, rules, tg, ["R000001"])
    reason = await turn(seeded, invoices.pre_checkout, rules, tg, [bens.number], 6000, "USD")
    assert reason is not None and "not found" in str(reason)
    with pytest.raises(NotFoundError):
        await turn(seeded, invoices.receipt, rules, tg, [bens.number])
    assert await turn(seeded, invoices.my_invoices, rules, tg) == []


async def test_receipt_needs_paid_invoices(seeded: UowFactory, rules: Rules) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    with pytest.raises(NotFoundError):
        await turn(seeded, invoices.receipt, rules, tg, [inv.number])


async def flagged_payments(seeded: UowFactory) -> list[Payment]:
    async with seeded() as uow:
        return await uow.payments.flagged()


async def test_money_that_matches_no_open_invoice_is_recorded_flagged_and_extends_nothing(
    seeded: UowFactory, rules: Rules
) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    bens = await invoice_for(seeded, rules, BEN)
    tg = await log_in(seeded, rules, ANN)
    pay = invoices.record_payment
    cases = {
        "unknown": await turn(seeded, pay, rules, tg, ["R999999"], "u1", "p", 4500, "USD"),
        "none named": await turn(seeded, pay, rules, tg, [], "u2", "p", 4500, "USD"),
        "short": await turn(seeded, pay, rules, tg, [inv.number], "u3", "p", 4499, "USD"),
        "currency": await turn(seeded, pay, rules, tg, [inv.number], "u4", "p", 4500, "EUR"),
        "someone else's": await turn(seeded, pay, rules, tg, [bens.number], "u5", "p", 6000, "USD"),
    }
    assert cases["unknown"].flagged == "unknown invoice(s): R999999"
    assert cases["none named"].flagged == "unknown invoice(s): none named"
    assert "does not match" in (cases["short"].flagged or "")
    assert "does not match" in (cases["currency"].flagged or "")
    assert cases["someone else's"].flagged == "the payer is logged in as another member"
    assert all(not c.new and c.new_thru_dates == [] for c in cases.values())
    flagged = await flagged_payments(seeded)
    assert [p.charge_id for p in flagged] == ["u1", "u2", "u3", "u4", "u5"]
    assert all(p.payer_telegram_id == tg and p.invoice_numbers == [] for p in flagged)
    (view,) = await turn(seeded, my_certifications, rules, tg)
    assert view.thru_date == date(2026, 12, 31)  # nothing extended
    (mine,) = await turn(seeded, invoices.my_invoices, rules, tg)
    assert mine.status is InvoiceStatus.OPEN
    again = await turn(seeded, pay, rules, tg, ["R999999"], "u1", "p", 4500, "USD")
    assert again.repeated and again.flagged is None  # recorded once per charge id


async def test_a_payer_who_logged_out_still_pays_their_invoice(
    seeded: UowFactory, rules: Rules
) -> None:
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    from domain.services import auth

    await turn(seeded, auth.logout, rules, tg)
    outcome = await turn(
        seeded, invoices.record_payment, rules, tg, [inv.number], "c1", "p1", 4500, "USD"
    )
    assert outcome.new and outcome.flagged is None


async def test_pre_checkout_applies_the_rules_of_today(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    inv = await invoice_for(seeded, rules, ANN)  # issued in November, no late fee
    tg = await log_in(seeded, rules, ANN)
    clock.advance(timedelta(days=40))  # 2027-01-07: the cycle is in its grace period
    tg = await log_in(seeded, rules, ANN)
    reason = await turn(seeded, invoices.pre_checkout, rules, tg, [inv.number], 4500, "USD")
    assert reason is not None and "late fee of $80.00" in str(reason)
    assert "$125.00" in str(reason)
    (mine,) = await turn(seeded, invoices.my_invoices, rules, tg)
    assert (mine.amount_cents, mine.balance_cents) == (12500, 12500)
    assert await turn(seeded, invoices.pre_checkout, rules, tg, [inv.number], 12500, "USD") is None
    clock.advance(timedelta(days=200))  # 2027-07-26: lapsed
    tg = await log_in(seeded, rules, ANN)
    reason = await turn(seeded, invoices.pre_checkout, rules, tg, [inv.number], 12500, "USD")
    assert reason is not None and "lapsed" in str(reason).lower()


# ---- issue 22: an invoice whose cycle a staff import moved ----------------------------------

MEMBERS_HEADER = (
    "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,"
    "cpr_aed_expires"
)


async def staff_import(seeded: UowFactory, clock: FixedClock, *rows: str) -> MembersImport:
    """`members import` as the CLI runs it (domain/services/imports.py), rows for seeded
    members: 'acsm_id,last name,code,effective,thru'."""
    lines = [MEMBERS_HEADER]
    for row in rows:
        acsm_id, last, code, effective, thru = row.split(",")
        lines.append(
            f"{acsm_id},Pat,{last},{last.lower()}@example.org,+1 317 555 0100,{code},"
            f"{effective},{thru},2028-06-01"
        )
    result = await import_members(
        seeded, Catalog.default(), "\n".join(lines) + "\n", now=clock.now()
    )
    assert not result.errors, result.errors
    return result


async def test_a_mail_renewal_imported_voids_the_chat_invoice_which_is_told_once_and_never_paid(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    inv = await invoice_for(seeded, rules, ANN)  # CPT, cycle ending 12/31/2026
    tg = await log_in(seeded, rules, ANN)
    clock.advance(timedelta(hours=1))
    result = await staff_import(seeded, clock, f"{ANN},Abbott,CPT,2027-01-01,2029-12-31")
    assert [line.split(" (")[0] for line in result.voided] == [
        f"line 2: voided invoice {inv.number} of member {ANN}"
    ]

    (mine,) = await turn(seeded, invoices.my_invoices, rules, tg)
    assert mine.status is InvoiceStatus.VOID and mine.balance_cents == 0
    assert mine.void_reason == "CPT is now thru 12/31/2029"
    with pytest.raises(NotFoundError, match="cancelled"):
        await turn(seeded, invoices.select_invoices, rules, tg, [inv.number])
    reason = await turn(seeded, invoices.pre_checkout, rules, tg, [inv.number], 4500, "USD")
    assert reason is not None and "cancelled" in str(reason) and "12/31/2029" in str(reason)

    # Someone logged in as another member paying it learns nothing, and tells Ann nothing.
    other = await log_in(seeded, rules, BEN)
    foreign = await turn(
        seeded, invoices.record_payment, rules, other, [inv.number], "c0", "p0", 4500, "USD"
    )
    assert foreign.flagged == "the payer is logged in as another member" and not foreign.cancelled

    told = await turn(seeded, invoices.voided_invoice_notices, rules, tg)
    assert [(i.number, i.void_reason) for i in told] == [(inv.number, mine.void_reason)]
    assert await turn(seeded, invoices.voided_invoice_notices, rules, tg) == []  # once

    # Money that arrives anyway (approved before the import) is kept for staff.
    outcome = await turn(
        seeded, invoices.record_payment, rules, tg, [inv.number], "c1", "p1", 4500, "USD"
    )
    assert not outcome.new and outcome.new_thru_dates == []
    assert outcome.cancelled == [(inv.number, "CPT is now thru 12/31/2029")]
    assert outcome.flagged == (
        f"paid a void invoice or one whose cycle moved (invoice {inv.number}: CPT is now thru"
        " 12/31/2029): refund or apply it"
    )
    flagged = {p.charge_id: p for p in await flagged_payments(seeded)}
    assert set(flagged) == {"c0", "c1"}
    assert (flagged["c1"].acsm_id, flagged["c1"].note) == (ANN, outcome.flagged)
    (view,) = await turn(seeded, my_certifications, rules, tg)
    assert view.thru_date == date(2029, 12, 31)  # the import's, not 2032
    (mine,) = await turn(seeded, invoices.my_invoices, rules, tg)
    assert mine.status is InvoiceStatus.VOID and mine.charge_id is None


async def test_an_open_invoice_whose_cycle_moved_is_refused_and_its_payment_flagged(
    seeded: UowFactory, rules: Rules
) -> None:
    """The check at the moment of paying, whatever moved the cycle (an invoice issued before
    a version that voids them, say): pre-checkout compares each line's cycle with the
    certification's thru date, and so does the payment."""
    inv = await invoice_for(seeded, rules, ANN)
    tg = await log_in(seeded, rules, ANN)
    async with seeded() as uow:
        (cpt,) = await uow.certifications.for_member(ANN)
        cpt.thru_date = date(2029, 12, 31)
        await uow.certifications.save(cpt)
    reason = await turn(seeded, invoices.pre_checkout, rules, tg, [inv.number], 4500, "USD")
    assert str(reason) == (
        f"Invoice {inv.number} can no longer be paid: CPT is now thru 12/31/2029. Nothing was"
        " charged."
    )
    outcome = await turn(
        seeded, invoices.record_payment, rules, tg, [inv.number], "c1", "p1", 4500, "USD"
    )
    assert outcome.cancelled == [(inv.number, "CPT is now thru 12/31/2029")]
    assert outcome.new_thru_dates == [] and outcome.flagged is not None
    (mine,) = await turn(seeded, invoices.my_invoices, rules, tg)
    assert mine.status is InvoiceStatus.OPEN  # not paid: nothing was renewed by it
    # Someone logged in as another member learns nothing about it.
    other = await log_in(seeded, rules, BEN)
    foreign = await turn(
        seeded, invoices.record_payment, rules, other, [inv.number], "c2", "p2", 4500, "USD"
    )
    assert foreign.flagged == "the payer is logged in as another member" and not foreign.cancelled


async def test_after_a_void_the_certification_whose_cycle_did_not_move_can_be_renewed(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    """CEP + RCEP on one invoice; staff import a CEP renewal only: the invoice is void (its
    combined fee is wrong) and RCEP's cycle is free for a new invoice of its own."""
    both = await invoice_for(seeded, rules, BEN)
    tg = await log_in(seeded, rules, BEN)
    await staff_import(
        seeded,
        clock,
        f"{BEN},Baker,CEP,2027-01-01,2029-12-31",
        f"{BEN},Baker,RCEP,2024-01-01,2026-12-31",
    )
    progress = await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert [c.code for c in progress.certifications] == ["RCEP"]
    assert progress.step is RenewalStep.CONTACT and progress.invoice is None
    await fill_in(seeded, rules, tg, "45", "15")
    done = await turn(seeded, renewal.acknowledge, rules, tg)
    assert done.invoice is not None and done.invoice.number != both.number
    assert done.invoice.amount_cents == 5500
    outcome = await turn(
        seeded, invoices.record_payment, rules, tg, [done.invoice.number], "c1", "p1", 5500, "USD"
    )
    assert outcome.new and outcome.new_thru_dates == [("RCEP", date(2029, 12, 31))]
    statuses = {i.number: i.status for i in await turn(seeded, invoices.my_invoices, rules, tg)}
    assert statuses == {both.number: InvoiceStatus.VOID, done.invoice.number: InvoiceStatus.PAID}
