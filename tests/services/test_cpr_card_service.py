"""A newer CPR/AED card in the renewal (domain/services/renewal.py) — on the real database:
Eve's CPR/AED on file expired 01/15/2026; today is 11/28/2026."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.clock import FixedClock
from domain.errors import InvalidInputError, NotFoundError, RefusedError
from domain.rules import Rules
from domain.services import renewal
from domain.services.renewal import RenewalStep
from domain.services.tracker import remove_unattached_proofs
from domain.tracker import ProofRejectedError
from tests.services.service_helpers import ANN, EVE, UowFactory, load_member, log_in, turn

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4
GIF = b"GIF89a" + bytes(40)


async def eve_at_cpr(seeded: UowFactory, rules: Rules) -> int:
    tg = await log_in(seeded, rules, EVE)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    progress = await turn(seeded, renewal.confirm_contact, rules, tg)
    assert progress.step is RenewalStep.CPR and progress.newer_card_offered
    return tg


async def test_a_newer_card_replaces_the_expired_date_and_the_renewal_goes_on(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    tg = await eve_at_cpr(seeded, rules)
    with pytest.raises(RefusedError):
        await turn(seeded, renewal.confirm_cpr, rules, tg)
    await turn(seeded, renewal.offer_newer_card, rules, tg)
    with pytest.raises(InvalidInputError, match="is past"):
        await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "11/27/2026")
    progress = await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "2028-02-29")
    assert progress.step is RenewalStep.CPR_CARD
    assert progress.cpr_new_expires == date(2028, 2, 29)
    with pytest.raises(ProofRejectedError):
        await turn(seeded, renewal.add_cpr_card, rules, tg, GIF)
    async with seeded() as uow:
        assert await uow.cpr_cards.for_member(EVE) == []
        assert await uow.proofs.for_member(EVE) == []
    progress = await turn(seeded, renewal.add_cpr_card, rules, tg, JPEG)
    assert progress.step is RenewalStep.ACSM_CECS and progress.cpr_current
    assert progress.cpr_aed_expires == date(2028, 2, 29)
    assert (await load_member(seeded, EVE)).cpr_aed_expires == date(2028, 2, 29)
    async with seeded() as uow:
        (card,) = await uow.cpr_cards.for_member(EVE)
        (proof,) = await uow.proofs.for_member(EVE)
        assert (await uow.drafts.get(EVE)).cpr_new_expires is None  # type: ignore[union-attr]
    assert (card.expires, card.proof_id, card.uploaded_at) == (
        date(2028, 2, 29),
        proof.id,
        clock.now(),
    )
    # The card's file is never removed as unattached, nor by a discard.
    clock.set(clock.now() + timedelta(days=3))
    assert await remove_unattached_proofs(seeded, rules) == 0
    async with seeded() as uow:
        assert not await uow.proofs.delete_if_unused(proof.id or 0)
        assert await uow.proofs.read(proof.id or 0) == JPEG
    # The rest of the renewal: the invoice is issued (the CPR/AED rule now holds).
    await turn(seeded, renewal.enter_acsm_cecs, rules, tg, "45")
    await turn(seeded, renewal.enter_other_cecs, rules, tg, "0")
    done = await turn(seeded, renewal.acknowledge, rules, tg)
    assert done.step is RenewalStep.DONE and done.invoice is not None


async def test_the_newer_card_step_is_only_for_a_renewal_at_its_cpr_step(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)  # CPR/AED current on file
    with pytest.raises(NotFoundError):  # no renewal at all
        await turn(seeded, renewal.offer_newer_card, rules, tg)
    await turn(seeded, renewal.start_renewal, rules, tg, None)
    with pytest.raises(NotFoundError):  # still at the contact step
        await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "06/30/2027")
    await turn(seeded, renewal.confirm_contact, rules, tg)
    progress = await turn(seeded, renewal.confirm_cpr, rules, tg)
    assert progress.step is RenewalStep.ACSM_CECS and not progress.newer_card_offered
    with pytest.raises(NotFoundError):  # past the CPR/AED step with a current card
        await turn(seeded, renewal.offer_newer_card, rules, tg)
    # A file with no date waiting stores nothing and shows where the renewal is.
    progress = await turn(seeded, renewal.add_cpr_card, rules, tg, JPEG)
    assert progress.step is RenewalStep.ACSM_CECS
    async with seeded() as uow:
        assert await uow.proofs.for_member(ANN) == []


async def test_a_date_that_passed_before_the_file_is_asked_again(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    tg = await eve_at_cpr(seeded, rules)
    await turn(seeded, renewal.offer_newer_card, rules, tg)
    await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "11/28/2026")  # expires today
    clock.set(clock.now() + timedelta(days=1))
    with pytest.raises(InvalidInputError, match="is past"):
        await turn(seeded, renewal.add_cpr_card, rules, tg, JPEG)
    progress = await turn(seeded, renewal.renewal_progress, rules, tg)
    assert progress is not None and progress.step is RenewalStep.CPR
    async with seeded() as uow:
        assert await uow.cpr_cards.for_member(EVE) == []
        assert await uow.proofs.for_member(EVE) == []


async def test_an_expiry_passing_before_the_acknowledgement_can_be_replaced(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    tg = await eve_at_cpr(seeded, rules)
    await turn(seeded, renewal.offer_newer_card, rules, tg)
    await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "11/30/2026")
    await turn(seeded, renewal.add_cpr_card, rules, tg, JPEG)
    await turn(seeded, renewal.enter_acsm_cecs, rules, tg, "45")
    await turn(seeded, renewal.enter_other_cecs, rules, tg, "0")
    clock.set(clock.now() + timedelta(days=3))  # the card expired meanwhile
    with pytest.raises(RefusedError):
        await turn(seeded, renewal.acknowledge, rules, tg)
    progress = await turn(seeded, renewal.offer_newer_card, rules, tg)
    assert progress.step is RenewalStep.CPR and progress.acsm_cecs == 45  # CECs kept
    await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "12/31/2028")
    progress = await turn(seeded, renewal.add_cpr_card, rules, tg, JPEG + b"2")
    assert progress.step is RenewalStep.ACKNOWLEDGE
    done = await turn(seeded, renewal.acknowledge, rules, tg)
    assert done.invoice is not None
    async with seeded() as uow:
        cards = await uow.cpr_cards.for_member(EVE)
    assert [c.expires for c in cards] == [date(2026, 11, 30), date(2028, 12, 31)]


# ---- a staff import after the card ----------------------------------------------------------

EVE_ROW = (
    "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,"
    "cpr_aed_expires\n"
    f"{EVE},Pat,Ellis,ellis@example.org,+1 317 555 0100,CPT,2024-01-01,2026-12-31,2026-01-15\n"
)


async def eve_gave_a_card(seeded: UowFactory, rules: Rules) -> None:
    tg = await eve_at_cpr(seeded, rules)
    await turn(seeded, renewal.offer_newer_card, rules, tg)
    await turn(seeded, renewal.enter_cpr_expiry, rules, tg, "06/30/2028")
    await turn(seeded, renewal.add_cpr_card, rules, tg, JPEG)


async def test_an_import_older_than_the_card_keeps_its_expiry(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    from domain.catalog import Catalog
    from domain.services.imports import import_members

    await eve_gave_a_card(seeded, rules)
    as_of = clock.now() - timedelta(hours=1)  # the file was taken before the card was given
    result = await import_members(seeded, Catalog.default(), EVE_ROW, now=clock.now(), as_of=as_of)
    assert not result.errors
    assert not any("cpr_aed_expires" in change for change in result.changes), result.changes
    (kept,) = result.kept
    assert kept.startswith(f"line 2: kept the CPR/AED expiry 06/30/2028 of member {EVE}")
    assert (await load_member(seeded, EVE)).cpr_aed_expires == date(2028, 6, 30)
    # A file taken after the card is newer news: it wins.
    later = clock.now() + timedelta(minutes=1)
    result = await import_members(seeded, Catalog.default(), EVE_ROW, now=later, as_of=later)
    assert not result.kept
    assert result.changes == [f"line 2: member {EVE}: cpr_aed_expires"], result.changes
    assert (await load_member(seeded, EVE)).cpr_aed_expires == date(2026, 1, 15)


async def test_the_import_statement_itself_keeps_a_card_given_meanwhile(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    """A card committed while the import runs (after it compared): the statement keeps it."""
    await eve_gave_a_card(seeded, rules)
    stale = await load_member(seeded, EVE)
    stale.cpr_aed_expires = date(2026, 1, 15)
    async with seeded() as uow:
        await uow.members.upsert_many(
            [stale], [], keep_contact_changed_since=clock.now() - timedelta(minutes=5)
        )
    assert (await load_member(seeded, EVE)).cpr_aed_expires == date(2028, 6, 30)
    async with seeded() as uow:
        await uow.members.upsert_many(
            [stale], [], keep_contact_changed_since=clock.now() + timedelta(minutes=5)
        )
    assert (await load_member(seeded, EVE)).cpr_aed_expires == date(2026, 1, 15)
