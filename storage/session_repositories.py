"""Who is logged in from which Telegram user, failed logins and one-time codes (domain.ports
SessionRepository, LoginAttemptRepository, IdentityCodeRepository), in Core on the unit of
work's connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.identity import CodePurpose, IdentityCode
from domain.model import Member, TelegramLink
from domain.ports import MemberRecords
from storage.cycle_invoices import CycleInvoices
from storage.draft_repository import DRAFTS, draft_of
from storage.member_repositories import CERTIFICATIONS, LINES, MEMBERS, certification_of, member_of
from storage.orm import LINE_IS_LIVE, IdentityCodeRow, LoginFailureRow, SessionRow, table
from storage.statements import of_dialect, upsert

SESSIONS = table(SessionRow)
FAILURES = table(LoginFailureRow)
CODES = table(IdentityCodeRow)

_SESSION = select(*SESSIONS.c).where(SESSIONS.c.telegram_user_id == bindparam("telegram_user_id"))
# A session and its member in one statement (every member's question starts with it).
_SESSION_AND_MEMBER = (
    select(
        SESSIONS.c.credentials_version.label("link_credentials_version"),
        SESSIONS.c.linked_at,
        SESSIONS.c.last_seen_at,
        SESSIONS.c.identity_proven,
        *MEMBERS.c,
    )
    .join_from(SESSIONS, MEMBERS, MEMBERS.c.acsm_id == SESSIONS.c.acsm_id)
    .where(SESSIONS.c.telegram_user_id == bindparam("telegram_user_id"))
)
# The same with the member's certifications (each with the invoice renewing its current
# cycle, if any: storage/cycle_invoices.py) and renewal draft: a row per certification.
_SESSION_AND_RECORDS = (
    select(
        SESSIONS.c.credentials_version.label("link_credentials_version"),
        SESSIONS.c.linked_at,
        SESSIONS.c.last_seen_at,
        SESSIONS.c.identity_proven,
        *MEMBERS.c,
        *(c.label(f"cert_{c.name}") for c in CERTIFICATIONS.c),
        LINES.c.invoice_number.label("cycle_invoice"),
        *(c.label(f"draft_{c.name}") for c in DRAFTS.c),
    )
    .select_from(
        SESSIONS.join(MEMBERS, MEMBERS.c.acsm_id == SESSIONS.c.acsm_id)
        .outerjoin(CERTIFICATIONS, CERTIFICATIONS.c.acsm_id == MEMBERS.c.acsm_id)
        .outerjoin(
            LINES,
            and_(
                LINES.c.certification_id == CERTIFICATIONS.c.id,
                LINES.c.cycle_thru == CERTIFICATIONS.c.thru_date,
                LINE_IS_LIVE,
            ),
        )
        .outerjoin(DRAFTS, DRAFTS.c.acsm_id == MEMBERS.c.acsm_id)
    )
    .where(SESSIONS.c.telegram_user_id == bindparam("telegram_user_id"))
    .order_by(CERTIFICATIONS.c.id)
)
_SAVE_SESSION = upsert(SESSIONS, ["telegram_user_id"])
_END_SESSION = delete(SESSIONS).where(SESSIONS.c.telegram_user_id == bindparam("telegram_user_id"))
_END_MEMBERS_SESSIONS = delete(SESSIONS).where(SESSIONS.c.acsm_id == bindparam("acsm_id"))


def link_of(telegram_user_id: int, row: Any) -> TelegramLink:
    """The session of a row joined with its member (the link's own credentials version is
    `link_credentials_version` there)."""
    return TelegramLink(
        telegram_user_id=telegram_user_id,
        acsm_id=row.acsm_id,
        credentials_version=row.link_credentials_version,
        linked_at=row.linked_at,
        last_seen_at=row.last_seen_at,
        identity_proven=row.identity_proven,
    )


class SqlSessionRepository:
    def __init__(
        self, connection: AsyncConnection, cycle_invoices: CycleInvoices | None = None
    ) -> None:
        self.connection = connection
        self.cycle_invoices = cycle_invoices or CycleInvoices()

    async def get(self, telegram_user_id: int) -> TelegramLink | None:
        params = {"telegram_user_id": telegram_user_id}
        row = (await self.connection.execute(_SESSION, params)).first()
        if row is None:
            return None
        return TelegramLink(
            telegram_user_id=row.telegram_user_id,
            acsm_id=row.acsm_id,
            credentials_version=row.credentials_version,
            linked_at=row.linked_at,
            last_seen_at=row.last_seen_at,
            identity_proven=row.identity_proven,
        )

    async def get_with_member(self, telegram_user_id: int) -> tuple[TelegramLink, Member] | None:
        params = {"telegram_user_id": telegram_user_id}
        row = (await self.connection.execute(_SESSION_AND_MEMBER, params)).first()
        if row is None:
            return None
        return link_of(telegram_user_id, row), member_of(row)

    async def get_with_records(self, telegram_user_id: int) -> MemberRecords | None:
        params = {"telegram_user_id": telegram_user_id}
        rows = (await self.connection.execute(_SESSION_AND_RECORDS, params)).all()
        if not rows:
            return None
        row = rows[0]
        link = link_of(telegram_user_id, row)
        certifications = []
        for each in rows:
            if each.cert_id is None:
                continue  # no certification (an outer join's one row)
            self.cycle_invoices.learn((each.cert_id, each.cert_thru_date), each.cycle_invoice)
            certifications.append(certification_of(each, "cert_"))
        draft = draft_of(row, "draft_") if row.draft_acsm_id is not None else None
        return MemberRecords(link, member_of(row), certifications, draft)

    async def save(self, link: TelegramLink) -> None:
        """Insert or replace (one statement: a touch is one write)."""
        await self.connection.execute(
            of_dialect(self.connection, _SAVE_SESSION),
            {
                "telegram_user_id": link.telegram_user_id,
                "acsm_id": link.acsm_id,
                "credentials_version": link.credentials_version,
                "linked_at": link.linked_at,
                "last_seen_at": link.last_seen_at,
                "identity_proven": link.identity_proven,
            },
        )

    async def delete(self, telegram_user_id: int) -> None:
        await self.connection.execute(_END_SESSION, {"telegram_user_id": telegram_user_id})

    async def delete_for_member(self, acsm_id: str) -> None:
        await self.connection.execute(_END_MEMBERS_SESSIONS, {"acsm_id": acsm_id})


_RECORD_FAILURE = FAILURES.insert()
_FAILURES_SINCE = (
    select(FAILURES.c.at)
    .where(FAILURES.c.key == bindparam("key"), FAILURES.c.at >= bindparam("since"))
    .order_by(FAILURES.c.at)
)
_CLEAR_FAILURES = delete(FAILURES).where(FAILURES.c.key == bindparam("key"))
_FAILED_WITH = (
    select(FAILURES.c.key)
    .where(
        FAILURES.c.key != bindparam("key"),
        FAILURES.c.at.in_(_FAILURES_SINCE.with_only_columns(FAILURES.c.at).order_by(None)),
    )
    .distinct()
    .order_by(FAILURES.c.key)
)


class SqlLoginAttemptRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def record_failure(self, key: str, at: datetime) -> None:
        await self.connection.execute(_RECORD_FAILURE, {"key": key, "at": at})

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        result = await self.connection.execute(_FAILURES_SINCE, {"key": key, "since": since})
        return list(result.scalars())

    async def clear(self, key: str) -> None:
        await self.connection.execute(_CLEAR_FAILURES, {"key": key})

    async def keys_failed_with(self, key: str, since: datetime) -> list[str]:
        result = await self.connection.execute(_FAILED_WITH, {"key": key, "since": since})
        return list(result.scalars())


_CODE = select(*CODES.c).where(
    CODES.c.acsm_id == bindparam("acsm_id"), CODES.c.purpose == bindparam("purpose")
)
_SAVE_CODE = upsert(CODES, ["acsm_id", "purpose"])
_DELETE_CODE = delete(CODES).where(
    CODES.c.acsm_id == bindparam("acsm_id"), CODES.c.purpose == bindparam("purpose")
)


class SqlIdentityCodeRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, acsm_id: str, purpose: CodePurpose) -> IdentityCode | None:
        params = {"acsm_id": acsm_id, "purpose": str(purpose)}
        row = (await self.connection.execute(_CODE, params)).first()
        if row is None:
            return None
        return IdentityCode(
            acsm_id=row.acsm_id,
            purpose=CodePurpose(row.purpose),
            code_hash=row.code_hash,
            telegram_user_id=row.telegram_user_id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            failures=row.failures,
            verified_at=row.verified_at,
        )

    async def save(self, code: IdentityCode) -> None:
        await self.connection.execute(
            of_dialect(self.connection, _SAVE_CODE),
            {
                "acsm_id": code.acsm_id,
                "purpose": str(code.purpose),
                "code_hash": code.code_hash,
                "telegram_user_id": code.telegram_user_id,
                "created_at": code.created_at,
                "expires_at": code.expires_at,
                "failures": code.failures,
                "verified_at": code.verified_at,
            },
        )

    async def delete(self, acsm_id: str, purpose: CodePurpose) -> None:
        await self.connection.execute(_DELETE_CODE, {"acsm_id": acsm_id, "purpose": str(purpose)})
