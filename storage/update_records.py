"""What the update runner keeps in the update's own transaction: the update id (claimed
once), the replies waiting to be sent, the member's conversation states, parked updates."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.orm import ConversationRow, ParkedUpdateRow, ProcessedUpdateRow, table
from storage.statements import for_dialect, of_dialect, upsert

KEEP = timedelta(days=2)  # Telegram keeps undelivered updates for 24 hours

# Built once: every update runs these (building and caching a statement costs more CPU
# than SQLite's own work; docs/performance.md).
_UPDATES = table(ProcessedUpdateRow)
_CONVERSATIONS = table(ConversationRow)
_PARKED = table(ParkedUpdateRow)
_CLAIM = for_dialect(lambda insert: insert(_UPDATES).on_conflict_do_nothing())
_KEEP_REPLIES = (
    update(_UPDATES)
    .where(_UPDATES.c.update_id == bindparam("id"))
    .values(replies=bindparam("kept"))
)
_CLEAR_REPLIES = (
    update(_UPDATES).where(_UPDATES.c.update_id == bindparam("id")).values(replies=None)
)
_UNSENT = select(_UPDATES.c.replies).where(_UPDATES.c.update_id == bindparam("id"))
_PARK = for_dialect(lambda insert: insert(_PARKED).on_conflict_do_nothing())
_PRUNE = delete(_UPDATES).where(_UPDATES.c.seen_at < bindparam("cutoff"))
_PARKED_IDS = select(_PARKED.c.update_id)


@functools.cache
def _states(count: int) -> Select[Any]:
    """A member's states in `count` conversations: `name IN (:n0, :n1, …)`, a parameter
    per name (the primary key is (name, key); no list expanded per call)."""
    names = [bindparam(f"n{i}", type_=_CONVERSATIONS.c.name.type) for i in range(count)]
    return select(_CONVERSATIONS.c.name, _CONVERSATIONS.c.state).where(
        _CONVERSATIONS.c.key == bindparam("key"), _CONVERSATIONS.c.name.in_(names)
    )


_SAVE_STATE = upsert(_CONVERSATIONS, ["name", "key"])
_END_STATE = delete(_CONVERSATIONS).where(
    _CONVERSATIONS.c.name == bindparam("name"), _CONVERSATIONS.c.key == bindparam("key")
)


def conversation_key(chat_id: int, user_id: int) -> str:
    return json.dumps([chat_id, user_id])


class UpdateRecords:
    """Bound to the connection of one update's transaction."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def claim(self, update_id: int, now: datetime) -> bool:
        """True the first time: this transaction owns the update. False: handled before
        (a unique key: two processes cannot both claim it; the second waits for the first)."""
        result = await self.connection.execute(
            of_dialect(self.connection, _CLAIM), {"update_id": update_id, "seen_at": now}
        )
        return result.rowcount == 1

    async def unsent_replies(self, update_id: int) -> list[dict[str, Any]]:
        replies = await self.connection.scalar(_UNSENT, {"id": update_id})
        return list(replies or [])

    async def keep_replies(self, update_id: int, replies: list[dict[str, Any]] | None) -> None:
        await self.connection.execute(_KEEP_REPLIES, {"id": update_id, "kept": replies or None})

    async def clear_replies(self, update_ids: list[int]) -> None:
        """The replies of these updates went out: forget them (one batch)."""
        if update_ids:
            await self.connection.execute(_CLEAR_REPLIES, [{"id": i} for i in update_ids])

    async def conversations(self, key: str, names: Iterable[str]) -> dict[str, Any]:
        params: dict[str, Any] = {f"n{i}": name for i, name in enumerate(names)}
        if not params:
            return {}
        states = _states(len(params))
        params["key"] = key
        return {name: state for name, state in await self.connection.execute(states, params)}

    async def save_conversations(self, key: str, states: Mapping[str, Any | None]) -> None:
        """Upsert each state; None deletes it (the conversation ended)."""
        for name, state in states.items():
            if state is None:
                await self.connection.execute(_END_STATE, {"name": name, "key": key})
            else:
                await self.connection.execute(
                    of_dialect(self.connection, _SAVE_STATE),
                    {"name": name, "key": key, "state": state},
                )

    async def park(
        self,
        update_id: int,
        telegram_user_id: int | None,
        attempts: int,
        error: str,
        payload: dict[str, Any],
        now: datetime,
    ) -> None:
        """Keep a failing update for staff and mark it handled, so it is confirmed."""
        await self.connection.execute(
            of_dialect(self.connection, _PARK),
            {
                "update_id": update_id,
                "telegram_user_id": telegram_user_id,
                "attempts": attempts,
                "error": error[:500],
                "payload": payload,
                "parked_at": now,
            },
        )
        await self.claim(update_id, now)


async def prune_processed(engine: AsyncEngine, before: datetime | None = None) -> int:
    """Forget update ids seen before `before` (default: KEEP ago): Telegram redelivers
    nothing that old, so their ids and any replies left uncleared no longer matter."""
    cutoff = before or datetime.now(UTC) - KEEP
    async with engine.begin() as connection:
        result = await connection.execute(_PRUNE, {"cutoff": cutoff})
        return int(result.rowcount)


async def parked_updates(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as connection:
        return list((await connection.execute(_PARKED_IDS)).scalars())
