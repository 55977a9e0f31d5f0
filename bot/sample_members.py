"""Sample members for `acsm-bot demo`, dated relative to today so each shows a state."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from domain.credentials import default_password, default_username
from domain.model import CecActivity, Certification, Member
from domain.ports import UnitOfWork


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
    ]
    certifications = [
        cert("100001", "CPT", year),  # renewal open now
        cert("100002", "CEP", year),  # two at once: CEP + RCEP
        cert("100002", "RCEP", year),
        cert("100003", "EP", year - 1),  # in grace until June 30, then lapsed
        cert("100004", "GEI", year + 2),  # renewal not open yet
        cert("100005", "CET", year),  # CPR/AED expired
    ]
    activities = [
        *cecs("100001", "12", "10.5", "7.5"),
        *cecs("100002", "20", "25"),
        *cecs("100003", "30"),
        *cecs("100004", "5"),
        *cecs("100005", "15"),
    ]
    return members, certifications, activities


async def seed(uow: UnitOfWork, year: int) -> list[tuple[str, str, str]]:
    """Insert the samples; return (name, username, password) for each."""
    members, certifications, activities = sample_data(year)
    async with uow:
        await uow.members.upsert_many(members, certifications)
        await uow.cecs.add_many(activities)
        await uow.commit()
    return [(m.full_name, default_username(m), default_password(m)) for m in members]
