"""Certifications, CEC status and renewal end to end — on the real database."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.catalog import Catalog
from domain.clock import FixedClock
from domain.cycles import CertState
from domain.errors import InvalidInputError, NotFoundError, RefusedError
from domain.renewal_rules import RefusalCode
from domain.rules import Rules
from domain.services import renewal
from domain.services.cec_status import cec_status
from domain.services.certifications import my_certifications
from domain.services.invoices import my_invoices
from domain.services.renewal import RenewalStep
from tests.services.service_helpers import (
    ANN,
    BEN,
    CAL,
    DEE,
    EVE,
    FAST_HASHER,
    NY,
    UowFactory,
    cert_ids,
    fill_in,
    invoice_for,
    load_member,
    log_in,
    prove,
    turn,
)


async def test_certifications_show_their_state(seeded: UowFactory, rules: Rules) -> None:
    states = {}
    for acsm_id in (ANN, CAL, DEE):
        tg = await log_in(seeded, rules, acsm_id)
        (view,) = await turn(seeded, my_certifications, rules, tg)
        states[acsm_id] = (view.state, view.can_renew, view.renewal_opens_on)
    assert states[ANN] == (CertState.RENEWAL_OPEN, True, date(2026, 1, 1))
    assert states[CAL] == (CertState.LAPSED, False, date(2025, 1, 1))
    assert states[DEE] == (CertState.ACTIVE, False, date(2027, 1, 1))


async def test_cec_status_counts_the_cycle_and_the_member_numbers(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)
    (group,) = (await turn(seeded, cec_status, rules, tg)).groups
    assert group.cycle_start == date(2024, 1, 1) and group.thru_date == date(2026, 12, 31)
    assert group.deadline.astimezone(UTC) == datetime(2027, 1, 1, 4, 59, tzinfo=UTC)
    assert (group.required, group.acsm_recorded, group.total) == (45, Decimal(20), 20)
    assert group.still_needed == 25 and group.renewal_open
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await turn(seeded, renewal.confirm_contact, rules, tg)
    await turn(seeded, renewal.confirm_cpr, rules, tg)
    await turn(seeded, renewal.enter_acsm_cecs, rules, tg, "30")
    (group,) = (await turn(seeded, cec_status, rules, tg)).groups
    assert (group.acsm_recorded, group.member_entered, group.total) == (20, 10, 30)
    assert group.still_needed == 15


async def test_cec_status_leaves_lapsed_out(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, CAL)
    assert (await turn(seeded, cec_status, rules, tg)).groups == []


async def test_renewal_end_to_end_creates_exactly_one_invoice(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)
    progress = await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert progress.step is RenewalStep.CONTACT
    assert [c.code for c in progress.certifications] == ["CPT"]
    assert progress.contact.email == "a***@e***.org" and progress.contact.masked  # not proven
    await prove(seeded, rules, tg)
    shown = await turn(seeded, renewal.renewal_progress, rules, tg)
    assert shown is not None and shown.contact.email == "abbott@example.org"
    progress = await fill_in(seeded, rules, tg, "30", "15")
    assert progress.step is RenewalStep.ACKNOWLEDGE
    assert (progress.fee_cents, progress.late_fee_cents) == (4500, 0)
    assert progress.new_thru == date(2029, 12, 31) and progress.required_cecs == 45

    done = await turn(seeded, renewal.acknowledge, rules, tg)
    assert done.step is RenewalStep.DONE and done.invoice is not None
    invoice = done.invoice
    assert re.fullmatch(r"R\d{6}", invoice.number)
    assert invoice.description == "Recertification thru 12/31/2029"
    assert invoice.amount_cents == invoice.balance_cents == 4500
    assert invoice.issued_on == date(2026, 11, 28)

    again = await turn(seeded, renewal.acknowledge, rules, tg)
    assert again.invoice == invoice
    restart = await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert restart.step is RenewalStep.DONE and restart.invoice == invoice
    by_id = await turn(
        seeded, renewal.start_renewal, rules, tg, list((await cert_ids(seeded, ANN)).values())
    )
    assert by_id.invoice == invoice
    assert [i.number for i in await turn(seeded, my_invoices, rules, tg)] == [invoice.number]
    (view,) = await turn(seeded, my_certifications, rules, tg)
    assert view.invoice_number == invoice.number and not view.can_renew


async def test_short_cecs_create_nothing(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    progress = await fill_in(seeded, rules, tg, "30", "14.5")
    assert progress.step is RenewalStep.ACSM_CECS and progress.short_by == Decimal("0.5")
    assert (progress.acsm_cecs, progress.other_cecs) == (30, Decimal("14.5"))
    not_yet = await turn(seeded, renewal.acknowledge, rules, tg)
    assert not_yet.step is RenewalStep.ACSM_CECS and not_yet.invoice is None
    assert await turn(seeded, my_invoices, rules, tg) == []
    resumed = await turn(seeded, renewal.renewal_progress, rules, tg)
    assert resumed is not None and resumed.step is RenewalStep.ACSM_CECS


async def test_exactly_45_is_enough(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    progress = await fill_in(seeded, rules, tg, "44.5", "0.5")
    assert progress.step is RenewalStep.ACKNOWLEDGE and not progress.short_by


async def test_lapsed_is_refused_with_the_way_back(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, CAL)
    with pytest.raises(RefusedError) as refused:
        await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert refused.value.reason.code is RefusalCode.LAPSED
    assert "exam" in str(refused.value)
    (gei,) = (await cert_ids(seeded, CAL)).values()
    with pytest.raises(RefusedError):
        await turn(seeded, renewal.start_renewal, rules, tg, [gei])
    assert await turn(seeded, my_invoices, rules, tg) == []


async def test_not_open_yet_says_when(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, DEE)
    with pytest.raises(RefusedError) as refused:
        await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert refused.value.reason.code is RefusalCode.NOT_YET_OPEN
    assert refused.value.reason.opens_on == date(2027, 1, 1)


async def test_grace_adds_the_late_fee(seeded: UowFactory, rules: Rules, clock: FixedClock) -> None:
    clock.set(datetime(2027, 6, 30, 20, tzinfo=UTC))  # 4 PM June 30 in New York
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await fill_in(seeded, rules, tg, "45", "0")
    done = await turn(seeded, renewal.acknowledge, rules, tg)
    assert done.invoice is not None and done.invoice.amount_cents == 4500 + 8000
    assert done.late_fee_cents == 8000
    assert done.invoice.description == "Recertification thru 12/31/2029"


async def test_lapsing_between_steps_refuses_the_acknowledgement(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    clock.set(datetime(2027, 6, 30, 20, tzinfo=UTC))
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await fill_in(seeded, rules, tg, "45", "0")
    clock.set(datetime(2027, 7, 1, 4, 0, tzinfo=UTC))  # midnight July 1 in New York
    with pytest.raises(RefusedError) as refused:
        await turn(seeded, renewal.acknowledge, rules, tg)
    assert refused.value.reason.code is RefusalCode.LAPSED
    assert await turn(seeded, my_invoices, rules, tg) == []


async def test_two_certifications_together(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, BEN)
    progress = await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert progress.step is RenewalStep.CHOOSE
    assert sorted(c.code for c in progress.choices) == ["CEP", "RCEP"]
    ids = list((await cert_ids(seeded, BEN)).values())
    progress = await turn(seeded, renewal.choose_certifications, rules, tg, ids)
    assert progress.step is RenewalStep.CONTACT
    assert (progress.required_cecs, progress.fee_cents) == (60, 5500 + 500)
    await fill_in(seeded, rules, tg, "40", "20")
    done = await turn(seeded, renewal.acknowledge, rules, tg)
    assert done.invoice is not None and done.invoice.amount_cents == 6000
    for one in ids:  # either certification's cycle now shows that same invoice
        again = await turn(seeded, renewal.start_renewal, rules, tg, [one])
        assert again.invoice == done.invoice


async def test_expired_cpr_is_refused(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, EVE)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await turn(seeded, renewal.confirm_contact, rules, tg)
    with pytest.raises(RefusedError) as refused:
        await turn(seeded, renewal.confirm_cpr, rules, tg)
    assert refused.value.reason.code is RefusalCode.CPR_NOT_CURRENT
    assert refused.value.reason.expired_on == date(2026, 1, 15)


async def test_contact_details_are_validated_and_saved(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, ANN)
    await prove(seeded, rules, tg)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    with pytest.raises(InvalidInputError):
        await turn(seeded, renewal.update_contact, rules, tg, email="not-an-email")
    with pytest.raises(InvalidInputError):
        await turn(seeded, renewal.update_contact, rules, tg, phone="call me")
    progress = await turn(
        seeded, renewal.update_contact, rules, tg, email=" pat@new.example ", phone="-"
    )
    assert progress.contact.email == "pat@new.example" and progress.contact.phone is None
    stored = await load_member(seeded, ANN)
    assert (stored.email, stored.phone) == ("pat@new.example", None)
    assert progress.step is RenewalStep.CONTACT


async def test_cancel_forgets_the_draft(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await turn(seeded, renewal.confirm_contact, rules, tg)
    assert await turn(seeded, renewal.renewal_progress, rules, tg) is not None
    await turn(seeded, renewal.cancel_renewal, rules, tg)
    assert await turn(seeded, renewal.renewal_progress, rules, tg) is None
    with pytest.raises(NotFoundError):
        await turn(seeded, renewal.confirm_cpr, rules, tg)


async def test_a_refused_contact_change_writes_nothing(seeded: UowFactory, rules: Rules) -> None:
    """The turn commits after a refusal (the handler answers it): both fields are checked
    before the member is saved, so a good email with a bad phone changes neither."""
    tg = await log_in(seeded, rules, ANN)
    await prove(seeded, rules, tg)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    before = await load_member(seeded, ANN)
    with pytest.raises(InvalidInputError):
        await turn(
            seeded, renewal.update_contact, rules, tg, email="pat@new.example", phone="call me"
        )
    after = await load_member(seeded, ANN)
    assert (after.email, after.phone) == (before.email, before.phone)
    assert after.contact_changed_at is None


async def test_a_member_cannot_renew_another_members_certification(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)
    bens = list((await cert_ids(seeded, BEN)).values())
    with pytest.raises(NotFoundError):
        await turn(seeded, renewal.start_renewal, rules, tg, bens[:1])
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    with pytest.raises(NotFoundError):
        await turn(seeded, renewal.choose_certifications, rules, tg, bens)


async def test_a_draft_left_until_the_certification_lapsed_is_dropped(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await turn(seeded, renewal.confirm_contact, rules, tg)
    clock.set(datetime(2027, 7, 1, 4, 0, tzinfo=UTC))
    tg = await log_in(seeded, rules, ANN)
    assert await turn(seeded, renewal.renewal_progress, rules, tg) is None
    with pytest.raises(RefusedError) as refused:
        await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert refused.value.reason.code is RefusalCode.LAPSED


async def test_concurrent_acknowledgements_issue_one_invoice(
    seeded: UowFactory, rules: Rules, queued_on_sqlite: Any
) -> None:
    tg = await log_in(seeded, rules, ANN)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    await fill_in(seeded, rules, tg, "45", "0")
    results = await asyncio.gather(
        *(queued_on_sqlite(turn(seeded, renewal.acknowledge, rules, tg)) for _ in range(4))
    )
    numbers = {r.invoice.number for r in results if r.invoice is not None}
    assert len(numbers) == 1 and all(r.step is RenewalStep.DONE for r in results)
    assert [i.number for i in await turn(seeded, my_invoices, rules, tg)] == list(numbers)


async def test_invoice_numbers_retry_past_taken_ones(seeded: UowFactory, clock: FixedClock) -> None:
    taken = iter(["R100001", "R100001", "R100002"])  # the second draw repeats the first
    rules = Rules(
        clock=clock,
        catalog=Catalog.default(),
        timezone=NY,
        hasher=FAST_HASHER,
        new_invoice_number=lambda: next(taken),
    )
    first = await invoice_for(seeded, rules, ANN)
    second = await invoice_for(seeded, rules, BEN)
    assert (first.number, second.number) == ("R100001", "R100002")


async def test_a_contact_change_in_the_chat_is_dated_and_checked_by_the_domain(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    tg = await log_in(seeded, rules, ANN)
    await prove(seeded, rules, tg)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    assert (await load_member(seeded, ANN)).contact_changed_at is None
    for email in ("<b>x</b>@evil.com", "pat\x00@example.org", "x" * 10_000):
        with pytest.raises(InvalidInputError):
            await turn(seeded, renewal.update_contact, rules, tg, email=email)
    for phone in ("٣١٧٥٥٥٠١٠٠", "３１７５５５０１００", "555 0100"):
        with pytest.raises(InvalidInputError):
            await turn(seeded, renewal.update_contact, rules, tg, phone=phone)
    assert (await load_member(seeded, ANN)).contact_changed_at is None  # nothing changed
    progress = await turn(seeded, renewal.update_contact, rules, tg, phone="(317) 555-0199")
    assert progress.contact.phone == "+1 317 555 0199"  # shown as imported phones are
    stored = await load_member(seeded, ANN)
    assert stored.phone == "+13175550199" and stored.contact_changed_at == clock.now()
