"""Logging CEC activities with a certificate, on the real database, run as the bot's turns
run them: a refusal is answered and the turn commits, so what a use case wrote before
refusing would stay."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain import tracker as domain_tracker
from domain.audits import Audit
from domain.clock import FixedClock
from domain.errors import InvalidInputError, NotFoundError
from domain.model import Invoice, InvoiceLine, InvoiceStatus
from domain.rules import Rules
from domain.services import tracker
from domain.services.tracker import NewActivity
from domain.tracker import (
    MAX_PROOF_FILES_PER_CYCLE,
    UNATTACHED_PROOF_KEPT,
    LoggedActivity,
    Organization,
    ProofQuotaError,
    ProofRejectedError,
    new_proof,
)
from tests.services.service_helpers import ANN, BEN, UowFactory, cert_ids, log_in, turn

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


# ---- the proof quota and unattached files (issue 22) ------------------------------------------


def pdf(n: int, size: int = 0) -> bytes:
    """A distinct small PDF (or one of about `size` bytes)."""
    return b"%PDF-1.7\n" + f"file {n}\n".encode() + bytes(max(0, size - 20))


async def proofs_of(seeded: UowFactory, acsm_id: str = ANN) -> list[int]:
    async with seeded() as uow:
        return [p.id or 0 for p in await uow.proofs.for_member(acsm_id)]


async def test_a_member_keeps_at_most_100_files_a_cycle(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    """A thousand files and no activity: the 101st file of the cycle is refused with a clear
    reason; the same file again is no new file; files a previous cycle received do not count;
    files left unattached for a day are removed at the next store and count no more."""
    tg = await log_in(seeded, rules, ANN)
    async with seeded() as uow:  # a certificate of the previous cycle, used by an activity
        old = await uow.proofs.add(
            new_proof(ANN, pdf(999), datetime(2023, 6, 1, tzinfo=UTC)), pdf(999)
        )
        await uow.logged_cecs.add(
            LoggedActivity(
                ANN, "Old course", "ACE", date(2023, 5, 1), Decimal(2), Organization.OTHER,
                datetime(2023, 6, 1, tzinfo=UTC), old.id,
            )
        )  # fmt: skip
    logged = await turn(seeded, tracker.log_activity, rules, tg, COURSE, proof_data=pdf(0))
    for n in range(1, MAX_PROOF_FILES_PER_CYCLE):
        await turn(seeded, tracker.receive_proof, rules, tg, pdf(n))
    with pytest.raises(ProofQuotaError, match="100 certificate files in this cycle") as refused:
        await turn(seeded, tracker.receive_proof, rules, tg, pdf(100))
    assert "not stored" in str(refused.value) and "removed a day after" in str(refused.value)
    with pytest.raises(ProofQuotaError):  # also as an activity's certificate: nothing logged
        await turn(seeded, tracker.log_activity, rules, tg, COURSE, proof_data=pdf(100))
    assert await stored(seeded) == (101, 2)
    again = await turn(seeded, tracker.receive_proof, rules, tg, pdf(5))  # already kept
    assert again.id in await proofs_of(seeded)
    # A day later the 99 never used are removed when the next file comes: room again.
    clock.set(clock.now() + UNATTACHED_PROOF_KEPT + timedelta(seconds=1))
    await turn(seeded, tracker.receive_proof, rules, tg, pdf(100))
    assert sorted(await proofs_of(seeded))[:2] == sorted([old.id or 0, logged.proof_id or 0])
    assert len(await proofs_of(seeded)) == 3


async def test_a_member_keeps_at_most_200_mb_a_cycle(
    seeded: UowFactory, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rule in bytes (here with a 40 KB quota, so the test stores kilobytes)."""
    monkeypatch.setattr(domain_tracker, "MAX_PROOF_BYTES_PER_CYCLE", 40 * 1024)
    tg = await log_in(seeded, rules, ANN)
    for n in range(3):
        await turn(seeded, tracker.receive_proof, rules, tg, pdf(n, 12 * 1024))
    with pytest.raises(ProofQuotaError, match="so it was not stored"):
        await turn(seeded, tracker.receive_proof, rules, tg, pdf(3, 12 * 1024))
    await turn(seeded, tracker.receive_proof, rules, tg, pdf(4, 3 * 1024))  # still fits
    assert len(await proofs_of(seeded)) == 4


async def test_files_unattached_for_a_day_are_removed_for_everyone(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    """The daily run (bot/reminders.py) removes every member's files that no activity and no
    audit used within a day; used ones and recent ones stay."""
    ann, ben = await log_in(seeded, rules, ANN), await log_in(seeded, rules, BEN)
    used = await turn(seeded, tracker.log_activity, rules, ann, COURSE, proof_data=pdf(1))
    spare = await turn(seeded, tracker.receive_proof, rules, ann, pdf(2))
    bens = await turn(seeded, tracker.receive_proof, rules, ben, pdf(3))
    ids = await cert_ids(seeded, BEN)
    async with seeded() as uow:  # one used by an audit only
        audited = await uow.proofs.add(new_proof(BEN, pdf(4), clock.now()), pdf(4))
        await uow.invoices.add(
            Invoice(
                number="R123456", acsm_id=BEN, issued_on=date(2026, 11, 1),
                description="Recertification thru 12/31/2029", amount_cents=6000,
                balance_cents=0, status=InvoiceStatus.PAID,
                lines=[InvoiceLine(i, c, date(2026, 12, 31), date(2029, 12, 31)) for c, i in ids.items()],
            )
        )  # fmt: skip
        await uow.audits.add(
            Audit(BEN, "R123456", date(2026, 12, 31), date(2026, 11, 1), date(2026, 12, 1))
        )
        (audit,) = await uow.audits.for_member(BEN)
        assert await uow.audits.attach(audit.id or 0, audited.id or 0)
    assert await tracker.remove_unattached_proofs(seeded, rules) == 0  # all less than a day old
    clock.set(clock.now() + timedelta(hours=23))
    late = await turn(seeded, tracker.receive_proof, rules, ben, pdf(5))
    clock.set(clock.now() + timedelta(hours=1, seconds=1))
    assert await tracker.remove_unattached_proofs(seeded, rules) == 2  # spare, bens
    assert await proofs_of(seeded, ANN) == [used.proof_id]
    assert sorted(await proofs_of(seeded, BEN)) == sorted([audited.id, late.id])
    assert spare.id not in await proofs_of(seeded) and bens.id not in await proofs_of(seeded, BEN)


async def test_the_same_file_sent_again_after_a_day_unused_is_kept_afresh(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    """A photo sent, never used, and sent again two days later (the daily run has not passed
    yet): it is kept again with a new day of grace, not handed back already due for removal."""
    tg = await log_in(seeded, rules, ANN)
    first = await turn(seeded, tracker.receive_proof, rules, tg, pdf(1))
    clock.set(clock.now() + 2 * UNATTACHED_PROOF_KEPT)
    again = await turn(seeded, tracker.receive_proof, rules, tg, pdf(1))
    assert again.received_at == clock.now() and again.received_at != first.received_at
    clock.set(clock.now() + timedelta(hours=12))
    assert await tracker.remove_unattached_proofs(seeded, rules) == 0
    assert await proofs_of(seeded) == [again.id]
