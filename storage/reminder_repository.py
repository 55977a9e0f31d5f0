"""ReminderRepository (domain.ports) on SQLAlchemy: the claim is an insert-or-ignore on the
unique key (member, cycle, step), so two senders at once cannot both win it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from domain.model import InvoiceStatus
from domain.ports import ReminderRecipient
from storage.orm import InvoiceLineRow, InvoiceRow, MemberRow, SessionRow, table
from storage.prepared import Prepared
from storage.reminder_rows import BlockedChatRow, ReminderSentRow, ReminderSettingRow
from storage.repositories import insert_for

BATCH = 500


_BLOCKED = Prepared(
    select(table(BlockedChatRow).c.chat_id).where(
        table(BlockedChatRow).c.chat_id == bindparam("chat_id")
    )
)  # read on every member's message: built once


class SqlReminderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _sessions(self, acsm_id: str | None = None) -> dict[str, int]:
        """acsm_id -> the chat of the member's most recently seen valid session."""
        query = (
            select(SessionRow.acsm_id, SessionRow.telegram_user_id, SessionRow.last_seen_at)
            .join(MemberRow, MemberRow.acsm_id == SessionRow.acsm_id)
            .where(SessionRow.credentials_version == MemberRow.credentials_version)
            .order_by(SessionRow.last_seen_at)
        )
        if acsm_id is not None:
            query = query.where(SessionRow.acsm_id == acsm_id)
        chats: dict[str, int] = {}
        for member_id, chat_id, _seen in await self.session.execute(query):
            chats[member_id] = chat_id  # ordered by last seen: the latest wins
        return chats

    async def _recipients(self, chats: dict[str, int]) -> list[ReminderRecipient]:
        off = set(
            await self.session.scalars(
                select(ReminderSettingRow.acsm_id).where(ReminderSettingRow.enabled.is_(False))
            )
        )
        blocked = set(await self.session.scalars(select(BlockedChatRow.chat_id)))
        return [
            ReminderRecipient(acsm_id, chat_id, acsm_id not in off, chat_id in blocked)
            for acsm_id, chat_id in sorted(chats.items())
        ]

    async def recipients(self) -> list[ReminderRecipient]:
        return await self._recipients(await self._sessions())

    async def recipient(self, acsm_id: str) -> ReminderRecipient | None:
        found = await self._recipients(await self._sessions(acsm_id))
        return found[0] if found else None

    async def enabled(self, acsm_id: str) -> bool:
        row = await self.session.get(ReminderSettingRow, acsm_id, populate_existing=True)
        return row is None or row.enabled

    async def set_enabled(self, acsm_id: str, enabled: bool, at: datetime) -> None:
        stmt = insert_for(self.session, ReminderSettingRow).values(
            acsm_id=acsm_id, enabled=enabled, changed_at=at
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=["acsm_id"], set_={"enabled": enabled, "changed_at": at}
        )
        await self.session.execute(stmt)

    async def sent_keys(self) -> set[tuple[str, date, str]]:
        rows = await self.session.execute(
            select(ReminderSentRow.acsm_id, ReminderSentRow.cycle_thru, ReminderSentRow.step)
        )
        return {(a, t, s) for a, t, s in rows}

    async def paid_cycles(self, certification_ids: Sequence[int]) -> set[tuple[int, date]]:
        wanted = sorted(set(certification_ids))
        found: set[tuple[int, date]] = set()
        for start in range(0, len(wanted), BATCH):
            rows = await self.session.execute(
                select(InvoiceLineRow.certification_id, InvoiceLineRow.cycle_thru)
                .join(InvoiceRow, InvoiceRow.number == InvoiceLineRow.invoice_number)
                .where(
                    InvoiceRow.status == InvoiceStatus.PAID.value,
                    InvoiceLineRow.certification_id.in_(wanted[start : start + BATCH]),
                )
            )
            found.update((cid, thru) for cid, thru in rows)
        return found

    async def claim(self, acsm_id: str, thru: date, step: str, chat_id: int, at: datetime) -> bool:
        stmt = (
            insert_for(self.session, ReminderSentRow)
            .values(
                acsm_id=acsm_id,
                cycle_thru=thru,
                step=step,
                chat_id=chat_id,
                status="sending",
                claimed_at=at,
            )
            .on_conflict_do_nothing(index_elements=["acsm_id", "cycle_thru", "step"])
        )
        result = await self.session.execute(stmt)
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def _key(self, acsm_id: str, thru: date, step: str) -> list[object]:
        return [
            ReminderSentRow.acsm_id == acsm_id,
            ReminderSentRow.cycle_thru == thru,
            ReminderSentRow.step == step,
        ]

    async def finish(self, acsm_id: str, thru: date, step: str, status: str, at: datetime) -> None:
        await self.session.execute(
            update(ReminderSentRow)
            .where(*self._key(acsm_id, thru, step))  # type: ignore[arg-type]
            .values(status=status, finished_at=at)
        )

    async def release(self, acsm_id: str, thru: date, step: str) -> None:
        await self.session.execute(
            delete(ReminderSentRow).where(*self._key(acsm_id, thru, step))  # type: ignore[arg-type]
        )

    async def mark_blocked(self, chat_id: int, at: datetime) -> None:
        stmt = insert_for(self.session, BlockedChatRow).values(chat_id=chat_id, blocked_at=at)
        await self.session.execute(stmt.on_conflict_do_nothing(index_elements=["chat_id"]))

    async def is_blocked(self, chat_id: int) -> bool:
        return await _BLOCKED.first(self.session, {"chat_id": chat_id}) is not None

    async def clear_blocked(self, chat_id: int) -> None:
        await self.session.execute(delete(BlockedChatRow).where(BlockedChatRow.chat_id == chat_id))
