"""Sample members for `acsm-bot demo`, dated relative to today so each shows a state."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

from domain.audits import new_audit
from domain.credentials import default_password, default_username
from domain.model import (
    CecActivity,
    Certification,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Member,
    Payment,
)
from domain.ports import UnitOfWork
from domain.tracker import LoggedActivity, Organization, new_proof

# A one-page PDF certificate for the sample member's log (kept byte for byte like any proof).
SAMPLE_CERTIFICATE = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
FAY = "100006"  # Fay Park: renewed last cycle (selected for audit), logs her CECs in the chat


def dec31(year: int) -> date:
    return date(year, 12, 31)


def sample_data(year: int) -> tuple[list[Member], list[Certification], list[CecActivity]]:
    """`year` is the current year in ACSM's zone."""

    def member(acsm_id: str, first: str, last: str, cpr: date | None) -> Member:
        email = f"{first.lower()}.{last.lower()}@example.com"
        return Member(acsm_id, first, last, email, "+1 317 555 0100", cpr)

    def cert(acsm_id: str, code: str, thru_year: int) -> Certification:
        return Certification(acsm_id, code, date(thru_year - 2, 1, 1), dec31(thru_year))

    def cecs(acsm_id: str, *amounts: str) -> list[CecActivity]:
        return [
            CecActivity(acsm_id, date(year - 1, 3 + i, 10), f"Workshop {i + 1}", "ACSM", Decimal(a))
            for i, a in enumerate(amounts)
        ]

    cpr_ok = date(year + 1, 6, 30)
    members = [
        member("100001", "Ann", "Lee", cpr_ok),
        member("100002", "Bob", "Diaz", cpr_ok),
        member("100003", "Cara", "Nguyen", cpr_ok),
        member("100004", "Dan", "Fox", cpr_ok),
        member("100005", "Eve", "Moss", date(year - 1, 1, 31)),
        member(FAY, "Fay", "Park", cpr_ok),
    ]
    certifications = [
        cert("100001", "CPT", year),  # renewal open now
        cert("100002", "CEP", year),  # two at once: CEP + RCEP
        cert("100002", "RCEP", year),
        cert("100003", "EP", year - 1),  # in grace until June 30, then lapsed
        cert("100004", "GEI", year + 2),  # renewal not open yet
        cert("100005", "CET", year),  # CPR/AED expired
        cert(FAY, "CPT", year + 2),  # renewed (paid) last cycle: see seed_tracker
    ]
    activities = [
        *cecs("100001", "12", "10.5", "7.5"),
        *cecs("100002", "20", "25"),
        *cecs("100003", "30"),
        *cecs("100004", "5"),
        *cecs("100005", "15"),
    ]
    return members, certifications, activities


async def seed(uow: UnitOfWork, year: int, today: date | None = None) -> list[tuple[str, str, str]]:
    """Insert the samples in the caller's unit of work (`async with database.unit_of_work() as
    uow:` commits them); return (name, username, password) for each."""
    members, certifications, activities = sample_data(year)
    await uow.members.upsert_many(members, certifications)
    await uow.cecs.add_many(activities)
    await seed_tracker(uow, year, today or date(year, 1, 2))
    return [(m.full_name, default_username(m), default_password(m)) for m in members]


async def seed_tracker(uow: UnitOfWork, year: int, today: date) -> None:
    """Fay: her last cycle (thru 12/31 of last year) was renewed and paid, and is selected
    for audit (selected `today`); she logged activities with a certificate in both cycles."""
    (cpt,) = await uow.certifications.for_member(FAY)
    assert cpt.id is not None
    old_thru = dec31(year - 1)
    paid_at = datetime.combine(date(year - 1, 11, 20), time(15), UTC)
    invoice = Invoice(
        number="R100006",
        acsm_id=FAY,
        issued_on=paid_at.date(),
        description=f"Recertification thru {cpt.thru_date:%m/%d/%Y}",
        amount_cents=4500,
        balance_cents=0,
        lines=[InvoiceLine(cpt.id, cpt.code, old_thru, cpt.thru_date)],
        status=InvoiceStatus.PAID,
        acsm_cecs=Decimal(30),
        other_cecs=Decimal(15),
        payment_charge_id="sample-charge-100006",
        paid_at=paid_at,
    )
    await uow.invoices.add(invoice)
    await uow.payments.add_once(
        Payment(
            charge_id="sample-charge-100006",
            provider_charge_id="sample-provider-charge-100006",
            acsm_id=FAY,
            total_cents=4500,
            currency="USD",
            paid_at=paid_at,
            invoice_numbers=[invoice.number],
        )
    )
    proof = await uow.proofs.add(new_proof(FAY, SAMPLE_CERTIFICATE, paid_at), SAMPLE_CERTIFICATE)
    logged = [
        ("Functional training summit", "NSCA", date(year - 1, 5, 3), "15", Organization.OTHER),
        ("Winter webinar series", "ACSM", date(year, 1, 1), "3", Organization.ACSM),
        ("Mobility course", "ACE", date(year, 1, 1), "4.5", Organization.OTHER),
    ]
    for i, (title, provider, day, cecs, org) in enumerate(logged):
        await uow.logged_cecs.add(
            LoggedActivity(
                FAY, title, provider, day, Decimal(cecs), org, paid_at, proof.id if i == 0 else None
            )
        )
    await uow.audits.add(new_audit(FAY, invoice.number, old_thru, today))
