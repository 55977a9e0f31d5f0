"""ReminderRepository (domain.ports) in Core on the unit of work's connection: the claim is
an insert-or-ignore on the unique key (member, cycle, step), so two senders at once cannot
both win it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain import languages
from domain.languages import Language
from domain.model import InvoiceStatus
from domain.ports import ReminderRecipient
from storage.language_repository import LANGUAGES
from storage.orm import (
    CertificationRow,
    InvoiceLineRow,
    InvoiceRow,
    MemberRow,
    SessionRow,
    table,
)
from storage.reminder_rows import BlockedChatRow, ReminderSentRow, ReminderSettingRow
from storage.statements import in_list, insert_or_ignore, of_dialect, rows_for, upsert

SETTINGS = table(ReminderSettingRow)
BLOCKED = table(BlockedChatRow)
SENT = table(ReminderSentRow)
_SESSIONS, _MEMBERS = table(SessionRow), table(MemberRow)
_INVOICES, _LINES = table(InvoiceRow), table(InvoiceLineRow)

# Each member's valid sessions, least recently seen first (the latest one wins), with the
# language kept for that Telegram user (the reminder is written in it; none kept: English).
_VALID_SESSIONS = (
    select(_SESSIONS.c.acsm_id, _SESSIONS.c.telegram_user_id, LANGUAGES.c.language)
    .join(_MEMBERS, _MEMBERS.c.acsm_id == _SESSIONS.c.acsm_id)
    .outerjoin(LANGUAGES, LANGUAGES.c.telegram_user_id == _SESSIONS.c.telegram_user_id)
    .where(_SESSIONS.c.credentials_version == _MEMBERS.c.credentials_version)
    .order_by(_SESSIONS.c.last_seen_at)
)
_MEMBERS_VALID_SESSIONS = _VALID_SESSIONS.where(_SESSIONS.c.acsm_id == bindparam("acsm_id"))
_CERTS = table(CertificationRow)
# Members with a cycle ending in a range and no valid session: no chat to remind.
_WITHOUT_CHAT = (
    select(_CERTS.c.acsm_id)
    .join(_MEMBERS, _MEMBERS.c.acsm_id == _CERTS.c.acsm_id)
    .where(
        _CERTS.c.thru_date.between(bindparam("thru_from"), bindparam("thru_to")),
        ~exists().where(
            _SESSIONS.c.acsm_id == _MEMBERS.c.acsm_id,
            _SESSIONS.c.credentials_version == _MEMBERS.c.credentials_version,
        ),
    )
    .distinct()
    .order_by(_CERTS.c.acsm_id)
)
_TURNED_OFF = select(SETTINGS.c.acsm_id).where(SETTINGS.c.enabled.is_(False))
_ALL_BLOCKED = select(BLOCKED.c.chat_id)
_ENABLED = select(SETTINGS.c.enabled).where(SETTINGS.c.acsm_id == bindparam("acsm_id"))
_SET_ENABLED = upsert(SETTINGS, ["acsm_id"])
_SENT_KEYS = select(SENT.c.acsm_id, SENT.c.cycle_thru, SENT.c.step)
_PAID_CYCLES = (
    select(_LINES.c.certification_id, _LINES.c.cycle_thru)
    .join(_INVOICES, _INVOICES.c.number == _LINES.c.invoice_number)
    .where(_INVOICES.c.status == InvoiceStatus.PAID.value, in_list(_LINES.c.certification_id))
)
_CLAIM = insert_or_ignore(SENT, ["acsm_id", "cycle_thru", "step"])
# (named apart from the columns: an UPDATE sets the columns its parameters name)
_SENT_KEY = (
    SENT.c.acsm_id == bindparam("key_member"),
    SENT.c.cycle_thru == bindparam("key_thru"),
    SENT.c.step == bindparam("key_step"),
)
_FINISH = update(SENT).where(*_SENT_KEY)  # SET: status, finished_at
_RELEASE = delete(SENT).where(*_SENT_KEY)
_MARK_BLOCKED = insert_or_ignore(BLOCKED, ["chat_id"])
_BLOCKED = select(BLOCKED.c.chat_id).where(BLOCKED.c.chat_id == bindparam("chat_id"))
_CLEAR_BLOCKED = delete(BLOCKED).where(BLOCKED.c.chat_id == bindparam("chat_id"))


def _key(acsm_id: str, thru: date, step: str) -> dict[str, object]:
    return {"key_member": acsm_id, "key_thru": thru, "key_step": step}


class SqlReminderRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def _sessions(self, acsm_id: str | None = None) -> dict[str, tuple[int, Language]]:
        """acsm_id -> the chat of the member's most recently seen valid session, and the
        language kept for it."""
        if acsm_id is None:
            result = await self.connection.execute(_VALID_SESSIONS)
        else:
            result = await self.connection.execute(_MEMBERS_VALID_SESSIONS, {"acsm_id": acsm_id})
        chats: dict[str, tuple[int, Language]] = {}
        for member_id, chat_id, language in result:
            # ordered by last seen: the latest wins
            chats[member_id] = (chat_id, languages.parse(language) or languages.DEFAULT)
        return chats

    async def _recipients(self, chats: dict[str, tuple[int, Language]]) -> list[ReminderRecipient]:
        off = set((await self.connection.execute(_TURNED_OFF)).scalars())
        blocked = set((await self.connection.execute(_ALL_BLOCKED)).scalars())
        return [
            ReminderRecipient(
                acsm_id, chat_id, acsm_id not in off, chat_id in blocked, language=language
            )
            for acsm_id, (chat_id, language) in sorted(chats.items())
        ]

    async def recipients(self) -> list[ReminderRecipient]:
        return await self._recipients(await self._sessions())

    async def without_chat(self, thru_from: date, thru_to: date) -> list[str]:
        params = {"thru_from": thru_from, "thru_to": thru_to}
        return list((await self.connection.execute(_WITHOUT_CHAT, params)).scalars())

    async def recipient(self, acsm_id: str) -> ReminderRecipient | None:
        found = await self._recipients(await self._sessions(acsm_id))
        return found[0] if found else None

    async def enabled(self, acsm_id: str) -> bool:
        enabled = await self.connection.scalar(_ENABLED, {"acsm_id": acsm_id})
        return enabled is None or bool(enabled)

    async def set_enabled(self, acsm_id: str, enabled: bool, at: datetime) -> None:
        await self.connection.execute(
            of_dialect(self.connection, _SET_ENABLED),
            {"acsm_id": acsm_id, "enabled": enabled, "changed_at": at},
        )

    async def sent_keys(self) -> set[tuple[str, date, str]]:
        return {(a, t, s) for a, t, s in await self.connection.execute(_SENT_KEYS)}

    async def paid_cycles(self, certification_ids: Sequence[int]) -> set[tuple[int, date]]:
        rows = await rows_for(self.connection, _PAID_CYCLES, certification_ids)
        return {(cid, thru) for cid, thru in rows}

    async def claim(self, acsm_id: str, thru: date, step: str, chat_id: int, at: datetime) -> bool:
        result = await self.connection.execute(
            of_dialect(self.connection, _CLAIM),
            {
                "acsm_id": acsm_id,
                "cycle_thru": thru,
                "step": step,
                "chat_id": chat_id,
                "status": "sending",
                "claimed_at": at,
            },
        )
        return result.rowcount == 1

    async def finish(self, acsm_id: str, thru: date, step: str, status: str, at: datetime) -> None:
        await self.connection.execute(
            _FINISH,
            {**_key(acsm_id, thru, step), "status": status, "finished_at": at},
        )

    async def release(self, acsm_id: str, thru: date, step: str) -> None:
        await self.connection.execute(_RELEASE, _key(acsm_id, thru, step))

    async def mark_blocked(self, chat_id: int, at: datetime) -> None:
        await self.connection.execute(
            of_dialect(self.connection, _MARK_BLOCKED), {"chat_id": chat_id, "blocked_at": at}
        )

    async def is_blocked(self, chat_id: int) -> bool:
        return (await self.connection.execute(_BLOCKED, {"chat_id": chat_id})).first() is not None

    async def clear_blocked(self, chat_id: int) -> None:
        await self.connection.execute(_CLEAR_BLOCKED, {"chat_id": chat_id})
