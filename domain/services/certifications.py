"""The member's certifications and where each stands in its cycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from domain import cycles
from domain.catalog import UnknownCertificationError
from domain.cycles import CertState
from domain.model import Certification
from domain.ports import UnitOfWork
from domain.rules import Rules
from domain.services.session import require_member


@dataclass(frozen=True)
class CertificationView:
    id: int
    code: str
    name: str
    effective_date: date
    thru_date: date
    state: CertState
    renewal_opens_on: date
    grace_ends_on: date
    can_renew: bool  # renewable now and no invoice issued for this cycle yet
    invoice_number: str | None  # the invoice (open or paid) issued for this cycle


def certification_name(rules: Rules, code: str) -> str:
    try:
        return rules.catalog.get(code).name
    except UnknownCertificationError:
        return code


def state_of(rules: Rules, cert: Certification) -> CertState:
    return cycles.cert_state(cert.thru_date, rules.timezone, rules.clock.now())


async def certification_view(
    uow: UnitOfWork, rules: Rules, cert: Certification
) -> CertificationView:
    assert cert.id is not None
    state = state_of(rules, cert)
    invoice = await uow.invoices.for_cycle(cert.id, cert.thru_date)
    return CertificationView(
        id=cert.id,
        code=cert.code,
        name=certification_name(rules, cert.code),
        effective_date=cert.effective_date,
        thru_date=cert.thru_date,
        state=state,
        renewal_opens_on=cycles.renewal_opens_on(cert.thru_date),
        grace_ends_on=cycles.grace_ends_on(cert.thru_date),
        can_renew=cycles.is_renewable(state) and invoice is None,
        invoice_number=invoice.number if invoice else None,
    )


async def certification_views(
    uow: UnitOfWork, rules: Rules, certs: list[Certification]
) -> list[CertificationView]:
    return [await certification_view(uow, rules, c) for c in certs]


def sorted_certifications(certs: list[Certification]) -> list[Certification]:
    return sorted(certs, key=lambda c: (c.thru_date, c.code))


async def my_certifications(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int
) -> list[CertificationView]:
    """Every certification the member holds, soonest thru date first."""
    member = await require_member(uow, rules, telegram_user_id)
    certs = sorted_certifications(await uow.certifications.for_member(member.acsm_id))
    return await certification_views(uow, rules, certs)
