"""The CEC tracker's and the audits' repositories (domain.ports ProofStore,
LoggedCecRepository, AuditRepository) on the unit of work's session.

Proof files are rows with their bytes (`proof_files.data`): written in the same transaction
as the activity or audit naming them, so a file is never half-written nor orphaned by a
failure, and every process that reaches the database (and every backup of it) has them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Row, delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.audits import Audit
from domain.model import InvoiceStatus
from domain.ports import AuditCandidate
from domain.tracker import LoggedActivity, Organization, ProofFile
from storage.orm import (
    AuditProofRow,
    AuditRow,
    InvoiceLineRow,
    InvoiceRow,
    LoggedCecRow,
    ProofFileRow,
    SessionRow,
    table,
)
from storage.prepared import Prepared
from storage.repositories import from_halves, halves, insert_for, member_window


def proof_of(row: ProofFileRow) -> ProofFile:
    return ProofFile(
        acsm_id=row.acsm_id,
        sha256=row.sha256,
        content_type=row.content_type,
        size=row.size,
        received_at=row.received_at,
        id=row.id,
    )


class SqlProofStore:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, proof: ProofFile, data: bytes) -> ProofFile:
        stmt = (
            insert_for(self.session, ProofFileRow)
            .values(
                acsm_id=proof.acsm_id,
                sha256=proof.sha256,
                content_type=proof.content_type,
                size=proof.size,
                received_at=proof.received_at,
                data=data,
            )
            .on_conflict_do_nothing(index_elements=["acsm_id", "sha256"])
        )
        await self.session.execute(stmt)
        row = await self.session.scalar(
            select(ProofFileRow).where(
                ProofFileRow.acsm_id == proof.acsm_id, ProofFileRow.sha256 == proof.sha256
            )
        )
        assert row is not None
        return proof_of(row)

    async def get(self, proof_id: int) -> ProofFile | None:
        row = await self.session.get(ProofFileRow, proof_id)
        return proof_of(row) if row else None

    async def read(self, proof_id: int) -> bytes:
        data = await self.session.scalar(
            select(ProofFileRow.data).where(ProofFileRow.id == proof_id)
        )
        if data is None:
            raise LookupError(proof_id)
        return bytes(data)

    async def for_member(self, acsm_id: str) -> list[ProofFile]:
        rows = await self.session.scalars(
            select(ProofFileRow).where(ProofFileRow.acsm_id == acsm_id).order_by(ProofFileRow.id)
        )
        return [proof_of(r) for r in rows]

    async def delete_if_unused(self, proof_id: int) -> bool:
        used_by_activity = exists().where(LoggedCecRow.proof_id == proof_id)
        used_by_audit = exists().where(AuditProofRow.proof_id == proof_id)
        result = await self.session.execute(
            delete(ProofFileRow).where(
                ProofFileRow.id == proof_id, ~used_by_activity, ~used_by_audit
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def logged_of(row: LoggedCecRow | Row[Any]) -> LoggedActivity:
    return LoggedActivity(
        acsm_id=row.acsm_id,
        title=row.title,
        provider=row.provider,
        completed_on=row.completed_on,
        cecs=from_halves(row.half_cecs),
        organization=Organization(row.organization),
        logged_at=row.logged_at,
        proof_id=row.proof_id,
        id=row.id,
    )


_LOGGED = table(LoggedCecRow)
_MEMBERS_LOGGED = Prepared(member_window(_LOGGED))


class SqlLoggedCecRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, activity: LoggedActivity) -> LoggedActivity:
        row = LoggedCecRow(
            acsm_id=activity.acsm_id,
            title=activity.title,
            provider=activity.provider,
            completed_on=activity.completed_on,
            half_cecs=halves(activity.cecs),
            organization=activity.organization.value,
            logged_at=activity.logged_at,
            proof_id=activity.proof_id,
        )
        self.session.add(row)
        await self.session.flush()
        return logged_of(row)

    async def get(self, activity_id: int) -> LoggedActivity | None:
        row = await self.session.get(LoggedCecRow, activity_id, populate_existing=True)
        return logged_of(row) if row else None

    async def for_member(self, acsm_id: str, since: date, until: date) -> list[LoggedActivity]:
        rows = await _MEMBERS_LOGGED.all(
            self.session, {"acsm_id": acsm_id, "since": since, "until": until}
        )
        return [logged_of(r) for r in rows]

    async def delete(self, activity_id: int) -> None:
        await self.session.execute(delete(LoggedCecRow).where(LoggedCecRow.id == activity_id))


class SqlAuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def candidates(self, cycle_thru: date) -> list[AuditCandidate]:
        rows = await self.session.execute(
            select(InvoiceRow.number, InvoiceRow.acsm_id)
            .join(InvoiceLineRow, InvoiceLineRow.invoice_number == InvoiceRow.number)
            .where(
                InvoiceRow.status == InvoiceStatus.PAID.value,
                InvoiceLineRow.cycle_thru == cycle_thru,
            )
            .distinct()
            .order_by(InvoiceRow.number)
        )
        return [AuditCandidate(number, acsm_id) for number, acsm_id in rows]

    async def add(self, audit: Audit) -> bool:
        stmt = (
            insert_for(self.session, AuditRow)
            .values(
                acsm_id=audit.acsm_id,
                invoice_number=audit.invoice_number,
                cycle_thru=audit.cycle_thru,
                selected_on=audit.selected_on,
                due_on=audit.due_on,
                submitted_at=audit.submitted_at,
            )
            .on_conflict_do_nothing(index_elements=["invoice_number"])
        )
        result = await self.session.execute(stmt)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        audit.id = await self.session.scalar(
            select(AuditRow.id).where(AuditRow.invoice_number == audit.invoice_number)
        )
        return True

    async def _of(self, row: AuditRow) -> Audit:
        proofs = await self.session.scalars(
            select(AuditProofRow.proof_id)
            .where(AuditProofRow.audit_id == row.id)
            .order_by(AuditProofRow.position)
        )
        return Audit(
            acsm_id=row.acsm_id,
            invoice_number=row.invoice_number,
            cycle_thru=row.cycle_thru,
            selected_on=row.selected_on,
            due_on=row.due_on,
            submitted_at=row.submitted_at,
            proof_ids=list(proofs),
            id=row.id,
        )

    async def get(self, audit_id: int) -> Audit | None:
        row = await self.session.get(AuditRow, audit_id, populate_existing=True)
        return await self._of(row) if row else None

    async def for_member(self, acsm_id: str) -> list[Audit]:
        rows = await self.session.scalars(
            select(AuditRow)
            .where(AuditRow.acsm_id == acsm_id)
            .order_by(AuditRow.selected_on.desc(), AuditRow.id.desc())
            .execution_options(populate_existing=True)
        )
        return [await self._of(r) for r in rows]

    async def all(self) -> list[Audit]:
        rows = await self.session.scalars(select(AuditRow).order_by(AuditRow.acsm_id, AuditRow.id))
        return [await self._of(r) for r in rows]

    async def save(self, audit: Audit) -> None:
        row = await self.session.get(AuditRow, audit.id)
        if row is None:
            raise LookupError(audit.id)
        row.submitted_at = audit.submitted_at
        await self.session.execute(delete(AuditProofRow).where(AuditProofRow.audit_id == row.id))
        self.session.add_all(
            AuditProofRow(audit_id=row.id, proof_id=proof_id, position=i)
            for i, proof_id in enumerate(dict.fromkeys(audit.proof_ids))
        )
        await self.session.flush()

    async def telegram_ids(self, acsm_id: str) -> list[int]:
        rows = await self.session.scalars(
            select(SessionRow.telegram_user_id)
            .where(SessionRow.acsm_id == acsm_id)
            .order_by(SessionRow.telegram_user_id)
        )
        return list(rows)
