"""Staff imports: the whole file is validated first; nothing is written if any row is bad."""

from __future__ import annotations

from domain.catalog import Catalog
from domain.imports import CecsImport, MembersImport, parse_cecs_csv, parse_members_csv
from domain.ports import UnitOfWork


async def import_members(uow: UnitOfWork, catalog: Catalog, text: str) -> MembersImport:
    """Upsert members and their certifications; on any bad row, write nothing."""
    parsed = parse_members_csv(text, catalog)
    if parsed.errors:
        return parsed
    async with uow:
        await uow.members.upsert_many(parsed.members, parsed.certifications)
        await uow.commit()
    return parsed


async def import_cecs(uow: UnitOfWork, text: str) -> CecsImport:
    """Add ACSM-recorded activities of known members (re-importing one is a no-op)."""
    async with uow:
        first_pass = parse_cecs_csv(text)
        known = await uow.members.existing_ids([a.acsm_id for a in first_pass.activities])
        parsed = parse_cecs_csv(text, known.__contains__)
        if parsed.errors:
            return parsed
        await uow.cecs.add_many(parsed.activities)
        await uow.commit()
    return parsed
