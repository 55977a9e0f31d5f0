"""CPR/AED cards members gave in the renewal (domain.ports CprAedCardRepository), in Core on
the unit of work's connection. The card's file is a row of `proof_files`
(storage/tracker_repositories.py), which counts it as attached."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.cpr_cards import CprAedCard
from storage.orm import CprAedCardRow, UtcDateTime, table
from storage.statements import in_list, rows_for

CARDS = table(CprAedCardRow)

_ADD_CARD = CARDS.insert().returning(*CARDS.c)
_MEMBERS_CARDS = (
    select(*CARDS.c).where(CARDS.c.acsm_id == bindparam("acsm_id")).order_by(CARDS.c.id)
)
_GIVEN_SINCE = (
    select(*CARDS.c)
    .where(in_list(CARDS.c.acsm_id), CARDS.c.uploaded_at >= bindparam("since", type_=UtcDateTime()))
    .order_by(CARDS.c.id)
)


def card_of(row: Any) -> CprAedCard:
    return CprAedCard(
        acsm_id=row.acsm_id,
        expires=row.expires,
        proof_id=row.proof_id,
        uploaded_at=row.uploaded_at,
        id=row.id,
    )


class SqlCprAedCardRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, card: CprAedCard) -> CprAedCard:
        row = (
            await self.connection.execute(
                _ADD_CARD,
                {
                    "acsm_id": card.acsm_id,
                    "expires": card.expires,
                    "proof_id": card.proof_id,
                    "uploaded_at": card.uploaded_at,
                },
            )
        ).one()
        return card_of(row)

    async def for_member(self, acsm_id: str) -> list[CprAedCard]:
        result = await self.connection.execute(_MEMBERS_CARDS, {"acsm_id": acsm_id})
        return [card_of(r) for r in result]

    async def given_since(self, acsm_ids: Sequence[str], since: datetime) -> dict[str, CprAedCard]:
        rows = await rows_for(self.connection, _GIVEN_SINCE, acsm_ids, {"since": since})
        latest: dict[str, CprAedCard] = {}
        for row in sorted(rows, key=lambda r: r.id):
            latest[row.acsm_id] = card_of(row)
        return latest
