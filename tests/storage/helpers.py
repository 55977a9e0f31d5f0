"""Builders for storage tests: members, certifications, invoices, payments."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from domain.model import Certification, Invoice, InvoiceLine, Member, Payment
from domain.ports import UnitOfWorkFactory

THRU = date(2026, 12, 31)
NEW_THRU = date(2029, 12, 31)


def member(acsm_id: str = "123456", **fields: object) -> Member:
    values: dict[str, object] = {
        "first_name": "Ann",
        "last_name": "Abbott",
        "email": f"m{acsm_id}@example.com",
        "phone": "+1 317 555 0100",
        "cpr_aed_expires": date(2027, 5, 1),
    }
    values.update(fields)
    return Member(acsm_id, **values)  # type: ignore[arg-type]


async def seed_member(
    uow_factory: UnitOfWorkFactory, acsm_id: str = "123456", codes: tuple[str, ...] = ("CPT",)
) -> list[Certification]:
    """A member with certifications (ids assigned by storage)."""
    certs = [Certification(acsm_id, code, date(2024, 1, 1), THRU) for code in codes]
    async with uow_factory() as uow:
        await uow.members.save(member(acsm_id))
        for cert in certs:
            await uow.certifications.save(cert)
    return certs


def invoice(number: str, certs: list[Certification], acsm_id: str = "123456") -> Invoice:
    return Invoice(
        number=number,
        acsm_id=acsm_id,
        issued_on=date(2026, 11, 28),
        description=f"Recertification thru {NEW_THRU:%m/%d/%Y}",
        amount_cents=5_000,
        balance_cents=5_000,
        lines=[InvoiceLine(c.id or 0, c.code, c.thru_date, NEW_THRU) for c in certs],
        late_fee_cents=0,
        acsm_cecs=Decimal("40.5"),
        other_cecs=Decimal("4.5"),
    )


def payment(charge_id: str, numbers: list[str], acsm_id: str = "123456") -> Payment:
    return Payment(
        charge_id=charge_id,
        provider_charge_id=f"prov-{charge_id}",
        acsm_id=acsm_id,
        total_cents=5_000,
        currency="USD",
        paid_at=datetime(2026, 11, 28, 15, 30, 5, 123456, tzinfo=UTC),
        invoice_numbers=numbers,
    )
