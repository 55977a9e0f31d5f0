"""Telegram may deliver an update twice: remember which update ids were handled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.orm import ProcessedUpdateRow
from storage.repositories import insert_for

KEEP = timedelta(days=2)  # Telegram keeps undelivered updates for 24 hours
PRUNE_EVERY = 1_000  # mark_processed prunes once per this many calls


class ProcessedUpdates:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory
        self._marked = 0

    async def is_processed(self, update_id: int) -> bool:
        async with self._factory() as session:
            found = await session.scalar(
                select(exists().where(ProcessedUpdateRow.update_id == update_id))
            )
            return bool(found)

    async def mark_processed(self, update_id: int) -> bool:
        """True the first time this update id is seen (a unique key, insert-or-ignore)."""
        now = datetime.now(UTC)
        async with self._factory() as session, session.begin():
            stmt = insert_for(session, ProcessedUpdateRow).values(update_id=update_id, seen_at=now)
            result = await session.execute(stmt.on_conflict_do_nothing())
            new = bool(result.rowcount == 1)  # type: ignore[attr-defined]
        self._marked += 1
        if self._marked % PRUNE_EVERY == 0:
            await self.prune(now - KEEP)
        return new

    async def prune(self, before: datetime | None = None) -> int:
        """Forget update ids seen before `before` (default: KEEP ago); how many were dropped."""
        cutoff = before or datetime.now(UTC) - KEEP
        async with self._factory() as session, session.begin():
            result = await session.execute(
                delete(ProcessedUpdateRow).where(ProcessedUpdateRow.seen_at < cutoff)
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
