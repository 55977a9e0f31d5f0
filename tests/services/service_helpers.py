"""Helpers for the use-case tests: who is who, seeding through the real storage, running a
use case as a Telegram turn does, logging in and walking through the renewal steps."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Concatenate, ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from domain.cecs import InvalidCecAmountError
from domain.errors import DomainError
from domain.model import CecActivity, Certification, Member
from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.rules import Rules
from domain.services import auth, identity, renewal
from domain.services.invoices import InvoiceView
from domain.services.renewal import RenewalProgress, RenewalStep
from tests.hashing import CHEAP_HASHER

NY = ZoneInfo("America/New_York")
TODAY_NOON = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)  # noon in New York
FAST_HASHER = CHEAP_HASHER

UowFactory = UnitOfWorkFactory

P = ParamSpec("P")
T = TypeVar("T")

# What handlers catch and answer: the turn commits anyway (bot/turns.py).
REFUSALS = (DomainError, InvalidCecAmountError)


async def turn(
    units: UowFactory,
    use_case: Callable[Concatenate[UnitOfWork, P], Awaitable[T]],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run one use case as a Telegram update's turn does: in its own transaction, given the
    unit of work open. A refusal the handler answers (a DomainError) is raised *after* the
    transaction committed, as in the bot, so whatever the use case wrote before refusing
    would stay; any other exception rolls the transaction back."""
    refused: Exception | None = None
    async with units() as uow:
        try:
            return await use_case(uow, *args, **kwargs)
        except REFUSALS as error:
            refused = error
    assert refused is not None
    raise refused


def member(acsm_id: str, last_name: str, cpr: date | None = date(2028, 6, 1)) -> Member:
    return Member(
        acsm_id=acsm_id,
        first_name="Pat",
        last_name=last_name,
        email=f"{last_name.lower()}@example.org",
        phone="+1 317 555 0100",
        cpr_aed_expires=cpr,
    )


def cert(acsm_id: str, code: str, thru: date) -> Certification:
    return Certification(
        acsm_id=acsm_id,
        code=code,
        effective_date=date(thru.year - 2, 1, 1),
        thru_date=thru,
    )


def activity(acsm_id: str, on: date, cecs: str) -> CecActivity:
    return CecActivity(acsm_id, on, f"Course of {on}", "ACSM", Decimal(cecs))


# Who is who (today is 2026-11-28 in New York):
ANN = "100001"  # Abbott: CPT thru 12/31/2026 (renewal open), 20 CECs recorded in the cycle
BEN = "100002"  # Baker: CEP + RCEP thru 12/31/2026
CAL = "100003"  # Cole: GEI thru 12/31/2025 (lapsed since July 1, 2026)
DEE = "100004"  # Diaz: CPT thru 12/31/2027 (renewal opens 01/01/2027)
EVE = "100005"  # Ellis: CPT thru 12/31/2026, CPR/AED expired 01/15/2026


async def seed(uow_factory: UowFactory) -> None:
    members = [
        member(ANN, "Abbott"),
        member(BEN, "Baker"),
        member(CAL, "Cole"),
        member(DEE, "Diaz"),
        member(EVE, "Ellis", cpr=date(2026, 1, 15)),
    ]
    certs = [
        cert(ANN, "CPT", date(2026, 12, 31)),
        cert(BEN, "CEP", date(2026, 12, 31)),
        cert(BEN, "RCEP", date(2026, 12, 31)),
        cert(CAL, "GEI", date(2025, 12, 31)),
        cert(DEE, "CPT", date(2027, 12, 31)),
        cert(EVE, "CPT", date(2026, 12, 31)),
    ]
    cecs = [
        activity(ANN, date(2023, 12, 31), "10"),  # before the cycle: not counted
        activity(ANN, date(2024, 1, 1), "12.5"),
        activity(ANN, date(2026, 3, 3), "7.5"),
        activity(BEN, date(2025, 5, 5), "5"),
    ]
    async with uow_factory() as uow:
        await uow.members.upsert_many(members, certs)
        await uow.cecs.add_many(cecs)


async def cert_ids(uow_factory: UowFactory, acsm_id: str) -> dict[str, int]:
    async with uow_factory() as uow:
        certs = await uow.certifications.for_member(acsm_id)
    return {c.code: c.id for c in certs if c.id is not None}


async def load_member(uow_factory: UowFactory, acsm_id: str) -> Member:
    async with uow_factory() as uow:
        found = await uow.members.get(acsm_id)
    assert found is not None
    return found


TG = {ANN: 1, BEN: 2, CAL: 3, DEE: 4, EVE: 5}
DEFAULTS = {ANN: "ABB", BEN: "BAK", CAL: "COL", DEE: "DIA", EVE: "ELL"}


async def log_in(uow_factory: UowFactory, rules: Rules, acsm_id: str) -> int:
    """Log the member in with the default credentials; their Telegram user id."""
    default = DEFAULTS[acsm_id] + acsm_id
    assert (await turn(uow_factory, auth.login, rules, TG[acsm_id], default, default)).ok
    return TG[acsm_id]


async def prove(uow_factory: UowFactory, rules: Rules, tg: int) -> None:
    """Prove who the member logged in on `tg` is (needed after a login with the default
    credentials before a change of password, username or contact): their own Telegram
    contact with the phone on file (every member here has +1 317 555 0100)."""
    assert await turn(uow_factory, identity.prove_by_phone, rules, tg, tg, "13175550100")


async def fill_in(
    uow_factory: UowFactory, rules: Rules, tg: int, acsm: str, other: str
) -> RenewalProgress:
    """Contact, CPR, ACSM CECs, other CECs: the steps between choosing and acknowledging."""
    progress = await turn(uow_factory, renewal.confirm_contact, rules, tg)
    assert progress.step is RenewalStep.CPR
    progress = await turn(uow_factory, renewal.confirm_cpr, rules, tg)
    assert progress.step is RenewalStep.ACSM_CECS
    progress = await turn(uow_factory, renewal.enter_acsm_cecs, rules, tg, acsm)
    assert progress.step is RenewalStep.OTHER_CECS
    return await turn(uow_factory, renewal.enter_other_cecs, rules, tg, other)


async def invoice_for(uow_factory: UowFactory, rules: Rules, acsm_id: str) -> InvoiceView:
    """Renew every open certification of the member: the invoice issued."""
    tg = await log_in(uow_factory, rules, acsm_id)
    progress = await turn(uow_factory, renewal.start_renewal, rules, tg, None)
    if progress.step is RenewalStep.CHOOSE:
        ids = list((await cert_ids(uow_factory, acsm_id)).values())
        await turn(uow_factory, renewal.choose_certifications, rules, tg, ids)
    await fill_in(uow_factory, rules, tg, "45", "15")
    done = await turn(uow_factory, renewal.acknowledge, rules, tg)
    assert done.invoice is not None
    return done.invoice
