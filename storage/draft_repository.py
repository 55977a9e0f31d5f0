"""Renewals in progress (domain.ports RenewalDraftRepository), in Core on the unit of work's
connection: saved after every step, so a restart loses nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import RenewalDraft
from storage.orm import RenewalDraftRow, table
from storage.statements import from_halves, halves, of_dialect, upsert

DRAFTS = table(RenewalDraftRow)

_DRAFT = select(*DRAFTS.c).where(DRAFTS.c.acsm_id == bindparam("acsm_id"))
_SAVE_DRAFT = upsert(DRAFTS, ["acsm_id"])
_DELETE_DRAFT = delete(DRAFTS).where(DRAFTS.c.acsm_id == bindparam("acsm_id"))


def draft_of(row: Any, prefix: str = "") -> RenewalDraft:
    """The draft of a row of its columns (named `prefix` + the column's name)."""

    def get(name: str) -> Any:
        return getattr(row, prefix + name)

    acsm_half, other_half = get("acsm_half_cecs"), get("other_half_cecs")
    return RenewalDraft(
        acsm_id=get("acsm_id"),
        certification_ids=[int(i) for i in get("certification_ids")],
        contact_confirmed=get("contact_confirmed"),
        cpr_confirmed=get("cpr_confirmed"),
        acsm_cecs=None if acsm_half is None else from_halves(acsm_half),
        other_cecs=None if other_half is None else from_halves(other_half),
        acknowledged=get("acknowledged"),
        updated_at=get("updated_at"),
        cpr_new_expires=get("cpr_new_expires"),
    )


class SqlDraftRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, acsm_id: str) -> RenewalDraft | None:
        row = (await self.connection.execute(_DRAFT, {"acsm_id": acsm_id})).first()
        return None if row is None else draft_of(row)

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
