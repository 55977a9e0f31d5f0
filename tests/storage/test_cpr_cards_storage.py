"""CPR/AED cards given in the chat (cpr_aed_cards): stored with their proof file, which is
attached (never removed as unattached nor as unused), latest per member since a moment."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from domain.cpr_cards import CprAedCard
from domain.ports import UnitOfWorkFactory
from domain.tracker import new_proof
from tests.storage.helpers import seed_member

NOW = datetime(2026, 11, 28, 17, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4


async def test_cards_round_trip_and_keep_their_files(uow_factory: UnitOfWorkFactory) -> None:
    await seed_member(uow_factory, "1")
    await seed_member(uow_factory, "2")
    async with uow_factory() as uow:
        card_file = await uow.proofs.add(new_proof("1", JPEG, NOW), JPEG)
        loose = await uow.proofs.add(new_proof("1", JPEG + b"x", NOW), JPEG + b"x")
        assert card_file.id is not None and loose.id is not None
        first = await uow.cpr_cards.add(CprAedCard("1", date(2027, 6, 30), card_file.id, NOW))
        later = NOW + timedelta(hours=2)
        second = await uow.cpr_cards.add(CprAedCard("1", date(2028, 6, 30), card_file.id, later))
    assert first.id is not None and second.id is not None and first.id < second.id
    assert first == CprAedCard("1", date(2027, 6, 30), card_file.id, NOW, first.id)
    async with uow_factory() as uow:
        assert await uow.cpr_cards.for_member("1") == [first, second]
        assert await uow.cpr_cards.for_member("2") == []
        assert await uow.cpr_cards.given_since(["1", "2"], NOW) == {"1": second}
        assert await uow.cpr_cards.given_since(["1"], later + timedelta(seconds=1)) == {}
        # A day later the loose file goes; the card's stays, and cannot be deleted as unused.
        assert await uow.proofs.delete_unattached(NOW + timedelta(days=2)) == 1
        assert not await uow.proofs.delete_if_unused(card_file.id)
        assert [p.id for p in await uow.proofs.for_member("1")] == [card_file.id]
