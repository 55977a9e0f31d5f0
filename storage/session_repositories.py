"""Who is logged in from which Telegram user, failed logins and one-time codes (domain.ports
SessionRepository, LoginAttemptRepository, IdentityCodeRepository), in Core on the unit of
work's connection."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.identity import CodePurpose, IdentityCode
from domain.model import Member, TelegramLink
from storage.member_repositories import MEMBERS, member_of
from storage.orm import IdentityCodeRow, LoginFailureRow, SessionRow, table
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
_SAVE_SESSION = upsert(SESSIONS, ["telegram_user_id"])
_END_SESSION = delete(SESSIONS).where(SESSIONS.c.telegram_user_id == bindparam("telegram_user_id"))
_END_MEMBERS_SESSIONS = delete(SESSIONS).where(SESSIONS.c.acsm_id == bindparam("acsm_id"))


class SqlSessionRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

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
        link = TelegramLink(
            telegram_user_id=telegram_user_id,
            acsm_id=row.acsm_id,
            credentials_version=row.link_credentials_version,
            linked_at=row.linked_at,
            last_seen_at=row.last_seen_at,
            identity_proven=row.identity_proven,
        )
        return link, member_of(row)

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
