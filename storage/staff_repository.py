"""The staff web console's accounts, sessions, member references and activity log
(domain.ports.StaffRepository), in Core on the unit of work's connection."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Member
from domain.ports import DuplicateStaffError
from domain.staff import Action, ActivityEntry, StaffAccount, StaffSession
from storage.member_repositories import MEMBERS, member_of
from storage.orm import (
    StaffAccountRow,
    StaffActivityRow,
    StaffMemberRefRow,
    StaffSessionRow,
    table,
)

ACCOUNTS = table(StaffAccountRow)
SESSIONS = table(StaffSessionRow)
REFS = table(StaffMemberRefRow)
ACTIVITY = table(StaffActivityRow)

_BY_ID = select(*ACCOUNTS.c).where(ACCOUNTS.c.id == bindparam("id"))
_BY_EMAIL = select(*ACCOUNTS.c).where(ACCOUNTS.c.email == bindparam("email"))
_BY_TOKEN = select(*ACCOUNTS.c).where(ACCOUNTS.c.enrol_token_hash == bindparam("token_hash"))
_ACCOUNT_FIELDS = (
    "email",
    "is_admin",
    "password_hash",
    "totp_secret",
    "totp_last_step",
    "enrol_token_hash",
    "enrol_expires_at",
    "created_at",
    "enrolled_at",
)
_SAVE = update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("account_id"))
_SESSION = select(*SESSIONS.c).where(SESSIONS.c.token_hash == bindparam("token_hash"))
_TOUCH = (
    update(SESSIONS)
    .where(SESSIONS.c.token_hash == bindparam("hashed"))
    .values(last_seen_at=bindparam("at"))
)
_END = delete(SESSIONS).where(SESSIONS.c.token_hash == bindparam("token_hash"))
_END_REFS = delete(REFS).where(REFS.c.session_hash == bindparam("token_hash"))
_END_ALL = delete(SESSIONS).where(SESSIONS.c.account_id == bindparam("account_id"))
_REF = select(REFS.c.ref).where(
    REFS.c.session_hash == bindparam("session_hash"), REFS.c.acsm_id == bindparam("acsm_id")
)
_REF_MEMBER = select(REFS.c.acsm_id).where(
    REFS.c.session_hash == bindparam("session_hash"), REFS.c.ref == bindparam("ref")
)
_ACTIVITY = (
    select(*ACTIVITY.c).order_by(ACTIVITY.c.at.desc(), ACTIVITY.c.id.desc()).limit(bindparam("n"))
)


def _account(row: Any) -> StaffAccount:
    return StaffAccount(
        id=row.id,
        email=row.email,
        is_admin=row.is_admin,
        password_hash=row.password_hash,
        totp_secret=row.totp_secret,
        totp_last_step=row.totp_last_step,
        enrol_token_hash=row.enrol_token_hash,
        enrol_expires_at=row.enrol_expires_at,
        created_at=row.created_at,
        enrolled_at=row.enrolled_at,
    )


def _values(account: StaffAccount) -> dict[str, Any]:
    return {name: getattr(account, name) for name in _ACCOUNT_FIELDS}


# What member searches compare (migration 0017 indexes each): see search_members.
_LAST_NAME = func.lower(MEMBERS.c.last_name)
_FIRST_NAME = func.lower(MEMBERS.c.first_name)
_EMAIL = func.lower(MEMBERS.c.email)
_LAST_CHAR = chr(0x10FFFF)  # sorts after any character a name or an email holds


class SqlStaffRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def _one(self, statement: Any, params: dict[str, Any]) -> StaffAccount | None:
        row = (await self.connection.execute(statement, params)).first()
        return _account(row) if row is not None else None

    async def get(self, account_id: int) -> StaffAccount | None:
        return await self._one(_BY_ID, {"id": account_id})

    async def by_email(self, email: str) -> StaffAccount | None:
        return await self._one(_BY_EMAIL, {"email": email})

    async def by_enrol_token(self, token_hash: str) -> StaffAccount | None:
        return await self._one(_BY_TOKEN, {"token_hash": token_hash})

    async def add(self, account: StaffAccount) -> None:
        try:
            async with self.connection.begin_nested():
                result = await self.connection.execute(
                    ACCOUNTS.insert().returning(ACCOUNTS.c.id), _values(account)
                )
        except IntegrityError as exc:
            raise DuplicateStaffError(account.email) from exc
        account.id = result.scalar_one()

    async def save(self, account: StaffAccount) -> None:
        assert account.id is not None
        await self.connection.execute(
            _SAVE.values({name: bindparam(name) for name in _ACCOUNT_FIELDS}),
            {"account_id": account.id, **_values(account)},
        )

    async def claim_totp_step(self, account_id: int, step: int) -> bool:
        result = await self.connection.execute(
            update(ACCOUNTS)
            .where(
                ACCOUNTS.c.id == account_id,
                or_(ACCOUNTS.c.totp_last_step.is_(None), ACCOUNTS.c.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        return bool(result.rowcount)

    async def count(self) -> int:
        return int(await self.connection.scalar(select(func.count()).select_from(ACCOUNTS)) or 0)

    async def session(self, token_hash: str) -> StaffSession | None:
        row = (await self.connection.execute(_SESSION, {"token_hash": token_hash})).first()
        if row is None:
            return None
        return StaffSession(
            token_hash=row.token_hash,
            account_id=row.account_id,
            csrf_token=row.csrf_token,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
        )

    async def add_session(self, session: StaffSession) -> None:
        await self.connection.execute(
            SESSIONS.insert(),
            {
                "token_hash": session.token_hash,
                "account_id": session.account_id,
                "csrf_token": session.csrf_token,
                "created_at": session.created_at,
                "last_seen_at": session.last_seen_at,
            },
        )

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        await self.connection.execute(_TOUCH, {"hashed": token_hash, "at": at})

    async def end_session(self, token_hash: str) -> bool:
        await self.connection.execute(_END_REFS, {"token_hash": token_hash})
        result = await self.connection.execute(_END, {"token_hash": token_hash})
        return bool(result.rowcount)

    async def end_sessions_of(self, account_id: int) -> None:
        hashes = select(SESSIONS.c.token_hash).where(SESSIONS.c.account_id == account_id)
        await self.connection.execute(delete(REFS).where(REFS.c.session_hash.in_(hashes)))
        await self.connection.execute(_END_ALL, {"account_id": account_id})

    async def log(self, entry: ActivityEntry) -> None:
        await self.connection.execute(
            ACTIVITY.insert(),
            {
                "at": entry.at,
                "account_id": entry.account_id,
                "email": entry.email,
                "action": str(entry.action),
                "detail": entry.detail,
            },
        )

    async def activity(self, limit: int) -> list[ActivityEntry]:
        rows = (await self.connection.execute(_ACTIVITY, {"n": limit})).all()
        return [
            ActivityEntry(
                at=row.at,
                email=row.email,
                action=Action(row.action),
                detail=row.detail,
                account_id=row.account_id,
                id=row.id,
            )
            for row in rows
        ]

    async def search_members(self, query: str, limit: int) -> list[Member]:
        """Each kind of match is its own query on its own index (one OR across them would
        scan the table): the ACSM ID (primary key), then case-insensitive prefixes of the
        last name, of "first last" and of the email (the expression indexes of migration
        0017); merged by last name."""
        typed = " ".join(query.split())
        if not typed:
            return []
        statements = [select(*MEMBERS.c).where(MEMBERS.c.acsm_id == typed)]
        statements.append(self._prefix(_LAST_NAME, typed))
        first, _, last = typed.partition(" ")
        if last:
            statements.append(
                self._prefix(_LAST_NAME, last).where(self._starts(_FIRST_NAME, first))
            )
        statements.append(self._prefix(_EMAIL, typed))
        found: dict[str, Member] = {}
        for statement in statements:
            for row in (await self.connection.execute(statement.limit(limit))).all():
                found.setdefault(row.acsm_id, member_of(row))
        ordered = sorted(
            found.values(), key=lambda m: (m.last_name.lower(), m.first_name.lower(), m.acsm_id)
        )
        return ordered[:limit]

    def _starts(self, column: Any, prefix: str) -> Any:
        """`lower(column)` starts with `lower(prefix)`, as a range the index serves. Code point
        order on both engines: SQLite compares bytes (BINARY); PostgreSQL compares bytes with
        the text_pattern_ops operators (~>=~, ~<~), whatever the database's collation."""
        low = func.lower(prefix)
        high = func.lower(prefix + _LAST_CHAR)
        if self.connection.dialect.name == "postgresql":
            return and_(
                column.op("~>=~", is_comparison=True)(low),
                column.op("~<~", is_comparison=True)(high),
            )
        return and_(column >= low, column < high)

    def _prefix(self, column: Any, prefix: str) -> Any:
        return select(*MEMBERS.c).where(self._starts(column, prefix)).order_by(column)

    async def member_ref(self, session_hash: str, acsm_id: str) -> str:
        params = {"session_hash": session_hash, "acsm_id": acsm_id}
        found = await self.connection.scalar(_REF, params)
        if found is not None:
            return str(found)
        ref = secrets.token_urlsafe(18)
        await self.connection.execute(REFS.insert(), {**params, "ref": ref})
        return ref

    async def member_refs(self, session_hash: str, acsm_ids: list[str]) -> dict[str, str]:
        if not acsm_ids:
            return {}
        known = select(REFS.c.acsm_id, REFS.c.ref).where(
            REFS.c.session_hash == session_hash, REFS.c.acsm_id.in_(acsm_ids)
        )
        found = {row.acsm_id: row.ref for row in (await self.connection.execute(known)).all()}
        new = [
            {"session_hash": session_hash, "acsm_id": acsm_id, "ref": secrets.token_urlsafe(18)}
            for acsm_id in dict.fromkeys(acsm_ids)
            if acsm_id not in found
        ]
        if new:
            await self.connection.execute(REFS.insert(), new)
            found.update((row["acsm_id"], row["ref"]) for row in new)
        return found

    async def member_of_ref(self, session_hash: str, ref: str) -> str | None:
        found = await self.connection.scalar(
            _REF_MEMBER, {"session_hash": session_hash, "ref": ref}
        )
        return str(found) if found is not None else None
