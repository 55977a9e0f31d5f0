"""Logging CEC activities with a certificate, on the real database, run as the bot's turns
run them: a refusal is answered and the turn commits, so what a use case wrote before
refusing would stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from domain.errors import InvalidInputError, NotFoundError
from domain.rules import Rules
from domain.services import tracker
from domain.services.tracker import NewActivity
from domain.tracker import Organization, ProofRejectedError
from tests.services.service_helpers import ANN, BEN, UowFactory, log_in, turn

PDF = b"%PDF-1.7\n" + bytes(range(256)) * 4
COURSE = NewActivity(
    title="Exercise is Medicine webinar",
    provider="ACSM",
    completed_on=date(2026, 3, 3),
    cecs=Decimal("2"),
    organization=Organization.ACSM,
)


async def stored(seeded: UowFactory) -> tuple[int, int]:
    """(certificates, logged activities) of Ann's, read in a transaction of their own."""
    async with seeded() as uow:
        proofs = await uow.proofs.for_member(ANN)
        logged = await uow.logged_cecs.for_member(ANN, date(2000, 1, 1), date(2100, 1, 1))
    return len(proofs), len(logged)


@pytest.mark.parametrize(
    "refused",
    [
        replace(COURSE, title="  "),
        replace(COURSE, provider="x" * 1_000),
        replace(COURSE, cecs=Decimal("0")),
        replace(COURSE, cecs=Decimal("500")),
        replace(COURSE, completed_on=date(2030, 1, 1)),
    ],
    ids=["empty title", "long provider", "no CECs", "too many CECs", "future"],
)
async def test_a_refused_activity_stores_no_certificate(
    seeded: UowFactory, rules: Rules, refused: NewActivity
) -> None:
    """Everything is checked before the downloaded certificate is stored: the turn that
    answers the refusal commits, and no orphan certificate is left behind."""
    tg = await log_in(seeded, rules, ANN)
    with pytest.raises(InvalidInputError):
        await turn(seeded, tracker.log_activity, rules, tg, refused, proof_data=PDF)
    assert await stored(seeded) == (0, 0)

    view = await turn(seeded, tracker.log_activity, rules, tg, COURSE, proof_data=PDF)
    assert view.proof_id is not None and view.title == COURSE.title
    assert await stored(seeded) == (1, 1)


async def test_a_rejected_file_is_refused_before_anything_is_written(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)
    with pytest.raises(ProofRejectedError):
        await turn(seeded, tracker.log_activity, rules, tg, COURSE, proof_data=b"MZ\x90\x00exe")
    with pytest.raises(ProofRejectedError):
        await turn(seeded, tracker.receive_proof, rules, tg, b"")
    assert await stored(seeded) == (0, 0)


async def test_a_refused_deletion_deletes_nothing(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, ANN)
    view = await turn(seeded, tracker.log_activity, rules, tg, COURSE, proof_data=PDF)
    assert view.id is not None
    other = await log_in(seeded, rules, BEN)
    with pytest.raises(NotFoundError):
        await turn(seeded, tracker.delete_logged, rules, other, view.id)
    assert await stored(seeded) == (1, 1)
    await turn(seeded, tracker.delete_logged, rules, tg, view.id)
    assert await stored(seeded) == (0, 0)  # the certificate went with its only activity
