"""The CEC tracker's and the audits' repositories (domain.ports ProofStore,
LoggedCecRepository, AuditRepository), in Core on the unit of work's connection.

Proof files are rows with their bytes (`proof_files.data`): written in the same transaction
as the activity or audit naming them, so a file is never half-written nor orphaned by a
failure, and every process that reaches the database (and every backup of it) has them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import languages
from domain.audits import Audit, StateCriteria, Verdict, VerdictNotice
from domain.languages import Language
from domain.model import InvoiceStatus
from domain.ports import AuditCandidate
from domain.tracker import LoggedActivity, Organization, ProofFile, ProofUsage
from storage.language_repository import LANGUAGES
from storage.orm import (
    AuditNoticeRow,
    AuditProofRow,
    AuditRow,
    CprAedCardRow,
    InvoiceLineRow,
    InvoiceRow,
    LoggedCecRow,
    ProofFileRow,
    SessionRow,
    table,
)
from storage.statements import (
    for_dialect,
    from_halves,
    halves,
    insert_or_ignore,
    member_window,
    of_dialect,
)

PROOFS = table(ProofFileRow)
LOGGED = table(LoggedCecRow)
AUDITS = table(AuditRow)
AUDIT_PROOFS = table(AuditProofRow)
AUDIT_NOTICES = table(AuditNoticeRow)
CPR_CARDS = table(CprAedCardRow)

# ---- proof files ---------------------------------------------------------------------------

_PROOF_COLUMNS = [c for c in PROOFS.c if c.name != "data"]  # the bytes only when exported
_ADD_PROOF = insert_or_ignore(PROOFS, ["acsm_id", "sha256"])
_PROOF_BY_HASH = select(*_PROOF_COLUMNS).where(
    PROOFS.c.acsm_id == bindparam("acsm_id"), PROOFS.c.sha256 == bindparam("sha256")
)
_PROOF = select(*_PROOF_COLUMNS).where(PROOFS.c.id == bindparam("proof_id"))
_PROOF_DATA = select(PROOFS.c.data).where(PROOFS.c.id == bindparam("proof_id"))
_MEMBERS_PROOFS = (
    select(*_PROOF_COLUMNS).where(PROOFS.c.acsm_id == bindparam("acsm_id")).order_by(PROOFS.c.id)
)
_DELETE_UNUSED_PROOF = delete(PROOFS).where(
    PROOFS.c.id == bindparam("proof_id"),
    ~exists().where(LOGGED.c.proof_id == bindparam("proof_id")),
    ~exists().where(AUDIT_PROOFS.c.proof_id == bindparam("proof_id")),
    ~exists().where(CPR_CARDS.c.proof_id == bindparam("proof_id")),
)
_UNATTACHED = (  # a CPR/AED card's file is attached to the card
    PROOFS.c.received_at < bindparam("before"),
    ~exists().where(LOGGED.c.proof_id == PROOFS.c.id),
    ~exists().where(AUDIT_PROOFS.c.proof_id == PROOFS.c.id),
    ~exists().where(CPR_CARDS.c.proof_id == PROOFS.c.id),
)
_DELETE_UNATTACHED = delete(PROOFS).where(*_UNATTACHED)
_DELETE_MEMBERS_UNATTACHED = delete(PROOFS).where(
    PROOFS.c.acsm_id == bindparam("acsm_id"), *_UNATTACHED
)
_USAGE = select(func.count(), func.coalesce(func.sum(PROOFS.c.size), 0)).where(
    PROOFS.c.acsm_id == bindparam("acsm_id"), PROOFS.c.received_at >= bindparam("since")
)


def proof_of(row: Any) -> ProofFile:
    return ProofFile(
        acsm_id=row.acsm_id,
        sha256=row.sha256,
        content_type=row.content_type,
        size=row.size,
        received_at=row.received_at,
        id=row.id,
    )


class SqlProofStore:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, proof: ProofFile, data: bytes) -> ProofFile:
        key = {"acsm_id": proof.acsm_id, "sha256": proof.sha256}
        await self.connection.execute(
            of_dialect(self.connection, _ADD_PROOF),
            {
                **key,
                "content_type": proof.content_type,
                "size": proof.size,
                "received_at": proof.received_at,
                "data": data,
            },
        )
        row = (await self.connection.execute(_PROOF_BY_HASH, key)).one()
        return proof_of(row)

    async def get(self, proof_id: int) -> ProofFile | None:
        row = (await self.connection.execute(_PROOF, {"proof_id": proof_id})).first()
        return proof_of(row) if row else None

    async def find(self, acsm_id: str, sha256: str) -> ProofFile | None:
        key = {"acsm_id": acsm_id, "sha256": sha256}
        row = (await self.connection.execute(_PROOF_BY_HASH, key)).first()
        return proof_of(row) if row else None

    async def read(self, proof_id: int) -> bytes:
        data = await self.connection.scalar(_PROOF_DATA, {"proof_id": proof_id})
        if data is None:
            raise LookupError(proof_id)
        return bytes(data)

    async def for_member(self, acsm_id: str) -> list[ProofFile]:
        result = await self.connection.execute(_MEMBERS_PROOFS, {"acsm_id": acsm_id})
        return [proof_of(r) for r in result]

    async def delete_if_unused(self, proof_id: int) -> bool:
        result = await self.connection.execute(_DELETE_UNUSED_PROOF, {"proof_id": proof_id})
        return bool(result.rowcount)

    async def usage(self, acsm_id: str, since: datetime) -> ProofUsage:
        files, size = (
            await self.connection.execute(_USAGE, {"acsm_id": acsm_id, "since": since})
        ).one()
        return ProofUsage(int(files), int(size))

    async def delete_unattached(self, received_before: datetime, acsm_id: str | None = None) -> int:
        if acsm_id is None:
            result = await self.connection.execute(_DELETE_UNATTACHED, {"before": received_before})
        else:
            result = await self.connection.execute(
                _DELETE_MEMBERS_UNATTACHED, {"before": received_before, "acsm_id": acsm_id}
            )
        return int(result.rowcount)


# ---- logged CEC activities -----------------------------------------------------------------

_ADD_LOGGED = LOGGED.insert().returning(*LOGGED.c)  # as stored, with its id
_LOGGED = select(*LOGGED.c).where(LOGGED.c.id == bindparam("activity_id"))
_MEMBERS_LOGGED = member_window(LOGGED)
_DELETE_LOGGED = delete(LOGGED).where(LOGGED.c.id == bindparam("activity_id"))
_ATTACH_LOGGED_PROOF = (
    update(LOGGED)
    .where(LOGGED.c.id == bindparam("activity_id"))
    .values(proof_id=bindparam("proof_id"))
)


def logged_of(row: Any) -> LoggedActivity:
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
        same_as=row.same_as_id,
    )


class SqlLoggedCecRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add(self, activity: LoggedActivity) -> LoggedActivity:
        result = await self.connection.execute(
            _ADD_LOGGED,
            {
                "acsm_id": activity.acsm_id,
                "title": activity.title,
                "provider": activity.provider,
                "completed_on": activity.completed_on,
                "half_cecs": halves(activity.cecs),
                "organization": activity.organization.value,
                "logged_at": activity.logged_at,
                "proof_id": activity.proof_id,
                "same_as_id": activity.same_as,
            },
        )
        return logged_of(result.one())

    async def get(self, activity_id: int) -> LoggedActivity | None:
        row = (await self.connection.execute(_LOGGED, {"activity_id": activity_id})).first()
        return logged_of(row) if row else None

    async def for_member(self, acsm_id: str, since: date, until: date) -> list[LoggedActivity]:
        result = await self.connection.execute(
            _MEMBERS_LOGGED, {"acsm_id": acsm_id, "since": since, "until": until}
        )
        return [logged_of(r) for r in result]

    async def delete(self, activity_id: int) -> None:
        await self.connection.execute(_DELETE_LOGGED, {"activity_id": activity_id})

    async def attach_proof(self, activity_id: int, proof_id: int) -> None:
        await self.connection.execute(
            _ATTACH_LOGGED_PROOF, {"activity_id": activity_id, "proof_id": proof_id}
        )


# ---- audits --------------------------------------------------------------------------------

_INVOICES, _LINES, _SESSIONS = table(InvoiceRow), table(InvoiceLineRow), table(SessionRow)
_CANDIDATES = (
    select(_INVOICES.c.number, _INVOICES.c.acsm_id)
    .join(_LINES, _LINES.c.invoice_number == _INVOICES.c.number)
    .where(
        _INVOICES.c.status == InvoiceStatus.PAID.value,
        _LINES.c.cycle_thru == bindparam("cycle_thru"),
    )
    .distinct()
    .order_by(_INVOICES.c.number)
)
# Inserted unless the invoice is audited already: its id, or no row.
_ADD_AUDIT = for_dialect(
    lambda insert: (
        insert(AUDITS)
        .on_conflict_do_nothing(index_elements=["invoice_number"])
        .returning(AUDITS.c.id)
    )
)
# An audit's columns and its proofs' ids: one row per proof (in the order attached), or one
# with none.
_WITH_PROOFS = select(*AUDITS.c, AUDIT_PROOFS.c.proof_id).select_from(
    AUDITS.outerjoin(AUDIT_PROOFS, AUDIT_PROOFS.c.audit_id == AUDITS.c.id)
)
_AUDIT = _WITH_PROOFS.where(AUDITS.c.id == bindparam("audit_id")).order_by(AUDIT_PROOFS.c.id)
_MEMBERS_AUDITS = _WITH_PROOFS.where(AUDITS.c.acsm_id == bindparam("acsm_id")).order_by(
    AUDITS.c.selected_on.desc(), AUDITS.c.id.desc(), AUDIT_PROOFS.c.id
)
_AUDITS_BY_IDS = _WITH_PROOFS.where(AUDITS.c.id.in_(bindparam("ids", expanding=True))).order_by(
    AUDITS.c.selected_on.desc(), AUDITS.c.id.desc(), AUDIT_PROOFS.c.id
)
_ALL_AUDITS = _WITH_PROOFS.order_by(AUDITS.c.acsm_id, AUDITS.c.id, AUDIT_PROOFS.c.id)
# Changes nothing, but holds the row (PostgreSQL: until commit; SQLite: one writer anyway).
# Open: never submitted, or rejected (the member may submit again).
_LOCK_OPEN_AUDIT = (
    update(AUDITS)
    .where(
        AUDITS.c.id == bindparam("audit_id"),
        (AUDITS.c.submitted_at.is_(None)) | (AUDITS.c.verdict == Verdict.REJECT.value),
    )
    .values(submitted_at=AUDITS.c.submitted_at)
)
_LOCK_AUDIT = (
    update(AUDITS)
    .where(AUDITS.c.id == bindparam("audit_id"))
    .values(submitted_at=AUDITS.c.submitted_at)
)
# SET: submitted_at, verdict, decided_at, decision_reason
_SAVE_AUDIT = update(AUDITS).where(AUDITS.c.id == bindparam("audit_id"))
_UNSENT_NOTICES = (
    select(AUDIT_NOTICES)
    .where(AUDIT_NOTICES.c.sent_at.is_(None))
    .order_by(AUDIT_NOTICES.c.id)
    .limit(bindparam("limit"))
)
_NOTICE_SENT = (
    update(AUDIT_NOTICES)
    .where(AUDIT_NOTICES.c.id == bindparam("notice_id"), AUDIT_NOTICES.c.sent_at.is_(None))
    .values(sent_at=bindparam("sent_at"))
)
# Attaching inserts one row (nothing when already attached), never rewriting the others.
_ATTACH_PROOF = insert_or_ignore(AUDIT_PROOFS, ["audit_id", "proof_id"])
_DETACH_PROOF = delete(AUDIT_PROOFS).where(
    AUDIT_PROOFS.c.audit_id == bindparam("audit_id"),
    AUDIT_PROOFS.c.proof_id == bindparam("proof_id"),
)
_TELEGRAM_IDS = (
    select(_SESSIONS.c.telegram_user_id)
    .where(_SESSIONS.c.acsm_id == bindparam("acsm_id"))
    .order_by(_SESSIONS.c.telegram_user_id)
)
# The same, with the language kept for each Telegram user (notices are written in it).
_TELEGRAM_CHATS = (
    select(_SESSIONS.c.telegram_user_id, LANGUAGES.c.language)
    .outerjoin(LANGUAGES, LANGUAGES.c.telegram_user_id == _SESSIONS.c.telegram_user_id)
    .where(_SESSIONS.c.acsm_id == bindparam("acsm_id"))
    .order_by(_SESSIONS.c.telegram_user_id)
)


def _criteria(only: StateCriteria | None) -> list[Any]:
    """The WHERE clauses of domain.audits.state_criteria's answer (none: every audit)."""
    if only is None:
        return []
    clauses: list[Any] = [
        AUDITS.c.verdict.is_(None)
        if only.verdict is None
        else AUDITS.c.verdict == only.verdict.value
    ]
    if only.submitted is not None:
        submitted = AUDITS.c.submitted_at
        clauses.append(submitted.is_not(None) if only.submitted else submitted.is_(None))
    if only.overdue is not None:
        assert only.today is not None
        due = AUDITS.c.due_on
        clauses.append(due < only.today if only.overdue else due >= only.today)
    return clauses


def audits_of(rows: Iterable[Any]) -> list[Audit]:
    """Audits from `_WITH_PROOFS` rows ordered by audit, then proof."""
    found: list[Audit] = []
    for row in rows:
        if not found or found[-1].id != row.id:
            found.append(
                Audit(
                    acsm_id=row.acsm_id,
                    invoice_number=row.invoice_number,
                    cycle_thru=row.cycle_thru,
                    selected_on=row.selected_on,
                    due_on=row.due_on,
                    submitted_at=row.submitted_at,
                    proof_ids=[],
                    id=row.id,
                    verdict=Verdict(row.verdict) if row.verdict else None,
                    decided_at=row.decided_at,
                    decision_reason=row.decision_reason,
                )
            )
        if row.proof_id is not None:
            found[-1].proof_ids.append(row.proof_id)
    return found


class SqlAuditRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def candidates(self, cycle_thru: date) -> list[AuditCandidate]:
        result = await self.connection.execute(_CANDIDATES, {"cycle_thru": cycle_thru})
        return [AuditCandidate(number, acsm_id) for number, acsm_id in result]

    async def add(self, audit: Audit) -> bool:
        result = await self.connection.execute(
            of_dialect(self.connection, _ADD_AUDIT),
            {
                "acsm_id": audit.acsm_id,
                "invoice_number": audit.invoice_number,
                "cycle_thru": audit.cycle_thru,
                "selected_on": audit.selected_on,
                "due_on": audit.due_on,
                "submitted_at": audit.submitted_at,
            },
        )
        audit_id = result.scalar()
        if audit_id is None:
            return False
        audit.id = audit_id
        return True

    async def get(self, audit_id: int) -> Audit | None:
        found = audits_of(await self.connection.execute(_AUDIT, {"audit_id": audit_id}))
        return found[0] if found else None

    async def for_member(self, acsm_id: str) -> list[Audit]:
        return audits_of(await self.connection.execute(_MEMBERS_AUDITS, {"acsm_id": acsm_id}))

    async def all(self) -> list[Audit]:
        return audits_of(await self.connection.execute(_ALL_AUDITS))

    async def page(self, offset: int, limit: int, only: StateCriteria | None = None) -> list[Audit]:
        # The page's ids in ix_audits_selected_on's order (migration 0017), then their rows.
        ids_of = (
            select(AUDITS.c.id)
            .where(*_criteria(only))
            .order_by(AUDITS.c.selected_on.desc(), AUDITS.c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        ids = list((await self.connection.scalars(ids_of)).all())
        if not ids:
            return []
        return audits_of(await self.connection.execute(_AUDITS_BY_IDS, {"ids": ids}))

    async def count(self, only: StateCriteria | None = None) -> int:
        counted = select(func.count()).select_from(AUDITS).where(*_criteria(only))
        return int(await self.connection.scalar(counted) or 0)

    async def save(self, audit: Audit) -> None:
        """The audit's own columns (submitted_at and the verdict); attachments change only
        through attach and detach."""
        params = {
            "audit_id": audit.id,
            "submitted_at": audit.submitted_at,
            "verdict": audit.verdict.value if audit.verdict else None,
            "decided_at": audit.decided_at,
            "decision_reason": audit.decision_reason,
        }
        if (await self.connection.execute(_SAVE_AUDIT, params)).rowcount == 0:
            raise LookupError(audit.id)

    async def lock(self, audit_id: int) -> bool:
        return bool((await self.connection.execute(_LOCK_AUDIT, {"audit_id": audit_id})).rowcount)

    async def add_notice(self, notice: VerdictNotice) -> None:
        result = await self.connection.execute(
            AUDIT_NOTICES.insert().returning(AUDIT_NOTICES.c.id),
            {
                "audit_id": notice.audit_id,
                "acsm_id": notice.acsm_id,
                "verdict": notice.verdict.value,
                "reason": notice.reason,
                "due_on": notice.due_on,
                "created_at": notice.created_at,
                "sent_at": notice.sent_at,
            },
        )
        notice.id = result.scalar_one()

    async def unsent_notices(self, limit: int) -> list[VerdictNotice]:
        rows = await self.connection.execute(_UNSENT_NOTICES, {"limit": limit})
        return [
            VerdictNotice(
                audit_id=row.audit_id,
                acsm_id=row.acsm_id,
                verdict=Verdict(row.verdict),
                reason=row.reason,
                due_on=row.due_on,
                created_at=row.created_at,
                sent_at=row.sent_at,
                id=row.id,
            )
            for row in rows
        ]

    async def notice_sent(self, notice_id: int, at: datetime) -> bool:
        params = {"notice_id": notice_id, "sent_at": at}
        return bool((await self.connection.execute(_NOTICE_SENT, params)).rowcount)

    async def attach(self, audit_id: int, proof_id: int) -> bool:
        result = await self.connection.execute(
            of_dialect(self.connection, _ATTACH_PROOF),
            {"audit_id": audit_id, "proof_id": proof_id},
        )
        return bool(result.rowcount)

    async def lock_open(self, audit_id: int) -> bool:
        result = await self.connection.execute(_LOCK_OPEN_AUDIT, {"audit_id": audit_id})
        return bool(result.rowcount)

    async def detach(self, audit_id: int, proof_id: int) -> bool:
        params = {"audit_id": audit_id, "proof_id": proof_id}
        return bool((await self.connection.execute(_DETACH_PROOF, params)).rowcount)

    async def telegram_ids(self, acsm_id: str) -> list[int]:
        result = await self.connection.execute(_TELEGRAM_IDS, {"acsm_id": acsm_id})
        return list(result.scalars())

    async def telegram_chats(self, acsm_id: str) -> list[tuple[int, Language]]:
        result = await self.connection.execute(_TELEGRAM_CHATS, {"acsm_id": acsm_id})
        return [
            (user_id, languages.parse(language) or languages.DEFAULT)
            for user_id, language in result
        ]
