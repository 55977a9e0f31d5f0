"""Renewals in progress (domain.ports RenewalDraftRepository), in Core on the unit of work's
connection: saved after every step, so a restart loses nothing."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import RenewalDraft
from storage.orm import RenewalDraftRow, table
from storage.statements import from_halves, halves, of_dialect, upsert

DRAFTS = table(RenewalDraftRow)

_DRAFT = select(*DRAFTS.c).where(DRAFTS.c.acsm_id == bindparam("acsm_id"))
_SAVE_DRAFT = upsert(DRAFTS, ["acsm_id"])
_DELETE_DRAFT = delete(DRAFTS).where(DRAFTS.c.acsm_id == bindparam("acsm_id"))


class SqlDraftRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, acsm_id: str) -> RenewalDraft | None:
        row = (await self.connection.execute(_DRAFT, {"acsm_id": acsm_id})).first()
        if row is None:
            return None
        return RenewalDraft(
            acsm_id=row.acsm_id,
            certification_ids=[int(i) for i in row.certification_ids],
            contact_confirmed=row.contact_confirmed,
            cpr_confirmed=row.cpr_confirmed,
            acsm_cecs=None if row.acsm_half_cecs is None else from_halves(row.acsm_half_cecs),
            other_cecs=None if row.other_half_cecs is None else from_halves(row.other_half_cecs),
            acknowledged=row.acknowledged,
            updated_at=row.updated_at,
            cpr_new_expires=row.cpr_new_expires,
        )

    async def save(self, draft: RenewalDraft) -> None:
        """Insert or replace (one statement, no read first)."""
        await self.connection.execute(
            of_dialect(self.connection, _SAVE_DRAFT),
            {
                "acsm_id": draft.acsm_id,
                "certification_ids": list(draft.certification_ids),
                "contact_confirmed": draft.contact_confirmed,
                "cpr_confirmed": draft.cpr_confirmed,
                "acsm_half_cecs": None if draft.acsm_cecs is None else halves(draft.acsm_cecs),
                "other_half_cecs": None if draft.other_cecs is None else halves(draft.other_cecs),
                "acknowledged": draft.acknowledged,
                "updated_at": draft.updated_at,
                "cpr_new_expires": draft.cpr_new_expires,
            },
        )

    async def delete(self, acsm_id: str) -> None:
        await self.connection.execute(_DELETE_DRAFT, {"acsm_id": acsm_id})
