"""Members and certifications: round trips, bulk upsert, lookups."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from domain.model import Certification
from domain.ports import UnitOfWorkFactory
from tests.storage.helpers import member, seed_member


async def test_member_round_trip_and_update(uow_factory: UnitOfWorkFactory) -> None:
    ann = member("123456", phone=None, cpr_aed_expires=None)
    async with uow_factory() as uow:
        await uow.members.save(ann)
    async with uow_factory() as uow:
        assert await uow.members.get("123456") == ann
        assert await uow.members.get("999") is None
        ann.username, ann.password_hash, ann.credentials_version = "ann.a", "$argon2id$x", 3
        await uow.members.save(ann)
    async with uow_factory() as uow:
        assert await uow.members.get("123456") == ann
        assert await uow.members.get_by_username("ANN.A") == ann
        assert await uow.members.get_by_username("bob") is None
        assert await uow.members.count() == 1


async def test_usernames_are_unique_in_lower_case(uow_factory: UnitOfWorkFactory) -> None:
    async with uow_factory() as uow:
        await uow.members.save(member("1", username="Same"))
    async with uow_factory() as uow:
        found = await uow.members.get("1")
    assert found is not None and found.username == "same"
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            await uow.members.save(member("2", username="SAME"))


async def test_upsert_many_updates_fields_and_keeps_credentials(
    uow_factory: UnitOfWorkFactory,
) -> None:
    old = await seed_member(uow_factory, "123456", ("CPT",))
    async with uow_factory() as uow:
        ann = await uow.members.get("123456")
        assert ann is not None
        ann.username, ann.password_hash, ann.credentials_version = "ann", "$argon2id$h", 2
        await uow.members.save(ann)

    renamed = member("123456", last_name="Abbott-Smith", email="new@example.org", phone=None)
    certs = [
        Certification("123456", "CPT", date(2027, 1, 1), date(2029, 12, 31)),
        Certification("123456", "CET", date(2025, 1, 1), date(2027, 12, 31)),
        Certification("777", "EP", date(2025, 1, 1), date(2027, 12, 31)),
    ]
    async with uow_factory() as uow:
        await uow.members.upsert_many([renamed, member("777")], certs)

    async with uow_factory() as uow:
        ann = await uow.members.get("123456")
        found = {c.code: c for c in await uow.certifications.for_member("123456")}
        assert await uow.members.count() == 2
    assert ann is not None
    assert (ann.last_name, ann.email, ann.phone) == ("Abbott-Smith", "new@example.org", None)
    assert (ann.username, ann.password_hash, ann.credentials_version) == ("ann", "$argon2id$h", 2)
    assert set(found) == {"CPT", "CET"}
    assert found["CPT"].id == old[0].id  # updated in place: invoices keep pointing at it
    assert found["CPT"].thru_date == date(2029, 12, 31)


async def test_upsert_many_in_several_chunks(uow_factory: UnitOfWorkFactory) -> None:
    ids = [str(100_000 + i) for i in range(12_345)]  # more than two CHUNKs
    certs = [Certification(i, "CPT", date(2024, 1, 1), date(2026, 12, 31)) for i in ids]
    async with uow_factory() as uow:
        await uow.members.upsert_many([member(i) for i in ids], certs)
    async with uow_factory() as uow:
        assert await uow.members.count() == len(ids)
        assert await uow.members.existing_ids([*ids[::7], "1", "2"]) == set(ids[::7])
        last = await uow.certifications.for_member(ids[-1])
    assert [c.code for c in last] == ["CPT"]


async def test_certification_save_assigns_id_and_updates(uow_factory: UnitOfWorkFactory) -> None:
    cpt, cet = await seed_member(uow_factory, "123456", ("CPT", "CET"))
    assert cpt.id is not None and cet.id is not None and cpt.id != cet.id
    cpt.thru_date = date(2029, 12, 31)
    async with uow_factory() as uow:
        await uow.certifications.save(cpt)
    async with uow_factory() as uow:
        assert await uow.certifications.get(cpt.id) == cpt
        assert await uow.certifications.for_member("123456") == [cpt, cet]
        assert await uow.certifications.for_member("999") == []
        assert await uow.certifications.get(10_000) is None


async def test_one_certification_per_code(uow_factory: UnitOfWorkFactory) -> None:
    await seed_member(uow_factory, "123456", ("CPT",))
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            await uow.certifications.save(
                Certification("123456", "CPT", date(2025, 1, 1), date(2027, 12, 31))
            )


async def test_foreign_keys_are_enforced(uow_factory: UnitOfWorkFactory) -> None:
    with pytest.raises(IntegrityError):
        async with uow_factory() as uow:
            await uow.certifications.save(
                Certification("404", "CPT", date(2025, 1, 1), date(2027, 12, 31))
            )
