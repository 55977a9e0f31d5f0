"""Storage for python-telegram-bot's persistence: conversation states and user_data (JSON)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.orm import ConversationRow
from storage.repositories import insert_for


class ConversationStore:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    async def load_all(self, name: str) -> dict[str, Any]:
        async with self._factory() as session:
            rows = await session.execute(
                select(ConversationRow.key, ConversationRow.state).where(
                    ConversationRow.name == name
                )
            )
            return {key: state for key, state in rows}

    async def save(self, name: str, key: str, state: Any | None) -> None:
        """Upsert the state; None deletes it (the conversation ended)."""
        async with self._factory() as session, session.begin():
            if state is None:
                await session.execute(
                    delete(ConversationRow).where(
                        ConversationRow.name == name, ConversationRow.key == key
                    )
                )
                return
            stmt = insert_for(session, ConversationRow).values(name=name, key=key, state=state)
            await session.execute(
                stmt.on_conflict_do_update(
                    index_elements=["name", "key"], set_={"state": stmt.excluded.state}
                )
            )
