"""The durable inbox: every update stored as it arrives, handled from here (storage side).

Receiving is one INSERT … ON CONFLICT DO NOTHING per batch: a redelivered update finds its
id and is not handed out again. A turn (bot/turns.py) takes its update with `claim`, in
the turn's own transaction: on PostgreSQL the row is locked (`FOR UPDATE SKIP LOCKED`), so
another process skips it rather than handling it twice; `finish` marks it done in that same
transaction, with the member's conversation and the replies to send. Failures, outages
told to the member, and parking are columns, so they survive a restart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, bindparam, case, delete, exists, null, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.languages import KeptLanguage
from domain.model import InvoiceStatus
from storage.language_repository import LANGUAGES, kept_of
from storage.orm import ConversationStateRow, InboxRow, InvoiceRow, SessionRow, table
from storage.reminder_rows import BlockedChatRow
from storage.statements import for_dialect, of_dialect, upsert

KEEP = timedelta(days=2)  # done updates are remembered (Telegram redelivers for 24 hours)

INBOX: Table = table(InboxRow)
STATES: Table = table(ConversationStateRow)
BLOCKED: Table = table(BlockedChatRow)
SESSIONS: Table = table(SessionRow)
INVOICES: Table = table(InvoiceRow)


@dataclass(frozen=True)
class Received:
    """An update as stored: its id, its chat (the order key) and the raw JSON."""

    update_id: int
    chat_id: int | None
    user_id: int | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class Pending:
    """A pending update read back (at start-up, or after another process stored it)."""

    received: Received
    attempts: int
    told: bool
    retry_at: datetime | None


@dataclass(frozen=True)
class Failure:
    attempts: int
    told: bool


_RECEIVE = for_dialect(
    lambda insert: (
        insert(INBOX)
        .values(
            update_id=bindparam("update_id"),
            chat_id=bindparam("chat_id"),
            user_id=bindparam("user_id"),
            payload=bindparam("payload", type_=INBOX.c.payload.type),
            received_at=bindparam("received_at", type_=INBOX.c.received_at.type),
            attempts=0,
            told=False,
        )
        .on_conflict_do_nothing()
        .returning(INBOX.c.update_id)
    )
)
_STATE_OF_KEY = select(STATES.c.state).where(STATES.c.key == bindparam("key")).scalar_subquery()
# Whether the chat carries a "blocked the bot" mark (reminders): a member writing lifts it.
_CHAT_BLOCKED = exists().where(BLOCKED.c.chat_id == bindparam("chat"))
# Whether the member this Telegram user is logged in as has void invoices they were not told
# about (an import moved the cycle): they are told at this visit.
_VOIDED_UNTOLD = exists().where(
    SESSIONS.c.telegram_user_id == bindparam("user"),
    INVOICES.c.acsm_id == SESSIONS.c.acsm_id,
    INVOICES.c.status == InvoiceStatus.VOID.value,
    INVOICES.c.void_told_at.is_(None),
)
# The Telegram user's language kept (chosen with /language, or Telegram's last seen).
_LANGUAGE_OF_USER = (
    select(LANGUAGES.c.language)
    .where(LANGUAGES.c.telegram_user_id == bindparam("user"))
    .scalar_subquery()
)
_LANGUAGE_CHOSEN = (
    select(LANGUAGES.c.chosen)
    .where(LANGUAGES.c.telegram_user_id == bindparam("user"))
    .scalar_subquery()
)
# The claim, the member's conversation, the chat's mark, the news and the language in one
# statement.
_CLAIM = (
    select(
        INBOX.c.update_id,
        _STATE_OF_KEY.label("conversation"),
        _CHAT_BLOCKED.label("blocked"),
        _VOIDED_UNTOLD.label("voided"),
        _LANGUAGE_OF_USER.label("language"),
        _LANGUAGE_CHOSEN.label("language_chosen"),
    )
    .where(INBOX.c.update_id == bindparam("id"), INBOX.c.done_at.is_(None))
    .with_for_update(of=INBOX, skip_locked=True)
)
# Done, its payload forgotten, its replies kept until sent; in the same statement, the
# replies of earlier updates sent since are cleared (nothing else of theirs changes). One
# statement where two were: on SQLite each is several hand-offs to aiosqlite's thread.
_THIS_ONE = INBOX.c.update_id == bindparam("id")
_FINISH = (
    update(INBOX)
    .where(INBOX.c.update_id.in_(bindparam("ids", expanding=True)))
    .values(
        done_at=case(
            (_THIS_ONE, bindparam("now", type_=INBOX.c.done_at.type)), else_=INBOX.c.done_at
        ),
        payload=case((_THIS_ONE, null()), else_=INBOX.c.payload),
        replies=case((_THIS_ONE, bindparam("replies", type_=INBOX.c.replies.type)), else_=null()),
    )
)
_SAVE_STATE = upsert(STATES, ["key"])
_END_STATE = delete(STATES).where(STATES.c.key == bindparam("key"))
_CLEAR_REPLIES = update(INBOX).where(INBOX.c.update_id == bindparam("id")).values(replies=None)
_KEEP_REPLIES = (
    update(INBOX).where(INBOX.c.update_id == bindparam("id")).values(replies=bindparam("kept"))
)
_FAILED = (
    update(INBOX)
    .where(INBOX.c.update_id == bindparam("id"))
    .values(
        attempts=INBOX.c.attempts + 1,
        last_error=bindparam("error"),
        retry_at=bindparam("retry_at"),
    )
    .returning(INBOX.c.attempts, INBOX.c.told)
)
_TOLD = update(INBOX).where(INBOX.c.update_id == bindparam("id")).values(told=True)
_PARK = (
    update(INBOX)
    .where(INBOX.c.update_id == bindparam("id"), INBOX.c.done_at.is_(None))
    .values(done_at=bindparam("now"), parked_at=bindparam("now"), payload=bindparam("redacted"))
)
_PENDING = (
    select(
        INBOX.c.update_id,
        INBOX.c.chat_id,
        INBOX.c.user_id,
        INBOX.c.payload,
        INBOX.c.attempts,
        INBOX.c.told,
        INBOX.c.retry_at,
    )
    .where(INBOX.c.done_at.is_(None))
    .order_by(INBOX.c.update_id)
    .limit(bindparam("limit"))
)
_UNSENT = (
    select(INBOX.c.update_id, INBOX.c.replies)
    .where(INBOX.c.replies.is_not(None))
    .order_by(INBOX.c.update_id)
)
_PRUNE = delete(INBOX).where(
    and_(INBOX.c.done_at < bindparam("before"), INBOX.c.parked_at.is_(None))
)


async def receive(
    connection: AsyncConnection, updates: Sequence[Received], now: datetime
) -> set[int]:
    """Store the updates; the ids that were new (a redelivered one is not)."""
    if not updates:
        return set()
    rows = [
        {
            "update_id": u.update_id,
            "chat_id": u.chat_id,
            "user_id": u.user_id,
            "payload": u.payload,
            "received_at": now,
        }
        for u in updates
    ]
    result = await connection.execute(of_dialect(connection, _RECEIVE), rows)
    return set(result.scalars())


@dataclass(frozen=True)
class Claim:
    conversation: Any  # the member's conversation as stored (JSON), or None
    chat_blocked: bool = False  # the chat has a "blocked the bot" mark (reminders)
    voided_invoices: bool = False  # the user's member has void invoices not told about yet
    language: KeptLanguage | None = None  # kept for the Telegram user (None: never seen)


async def claim(
    connection: AsyncConnection,
    update_id: int,
    key: str | None,
    chat_id: int | None = None,
    user_id: int | None = None,
) -> Claim | None:
    """Take the pending update for this transaction, with the member's conversation, the
    chat's "blocked" mark, whether the user's member has void invoices to be told about and
    the language kept for the user; None when it is done already or another process has it."""
    params = {
        "id": update_id,
        "key": key or "",
        "chat": chat_id if chat_id is not None else 0,
        "user": user_id if user_id is not None else 0,
    }
    row = (await connection.execute(_CLAIM, params)).first()
    if row is None:
        return None
    return Claim(
        row.conversation,
        bool(row.blocked),
        bool(row.voided),
        kept_of(row.language, row.language_chosen),
    )


async def finish(
    connection: AsyncConnection,
    update_id: int,
    now: datetime,
    replies: list[dict[str, Any]] | None,
    conversation: tuple[str, Any] | None = None,
    cleared: Sequence[int] = (),
) -> None:
    """Mark it done (its payload forgotten), keep its replies until sent, and write the
    member's conversation when it changed: `(key, state)`, a state of None ending it.
    `cleared`: earlier updates whose replies have gone out since (bot/reply_clearing.py)."""
    await connection.execute(
        _FINISH,
        {"ids": [update_id, *cleared], "id": update_id, "now": now, "replies": replies or None},
    )
    if conversation is not None:
        key, state = conversation
        if state is None:
            await connection.execute(_END_STATE, {"key": key})
        else:
            await connection.execute(
                of_dialect(connection, _SAVE_STATE), {"key": key, "state": state}
            )


async def clear_replies(connection: AsyncConnection, update_ids: Sequence[int]) -> None:
    await connection.execute(_CLEAR_REPLIES, [{"id": i} for i in update_ids])


async def keep_replies(
    connection: AsyncConnection, update_id: int, replies: list[dict[str, Any]]
) -> None:
    await connection.execute(_KEEP_REPLIES, {"id": update_id, "kept": replies or None})


async def unsent(connection: AsyncConnection) -> list[tuple[int, list[dict[str, Any]]]]:
    """Replies committed but not sent (a kill came between): to send at start-up."""
    rows = await connection.execute(_UNSENT)
    return [(row.update_id, list(row.replies or [])) for row in rows]


async def failed(
    connection: AsyncConnection, update_id: int, error: str, retry_at: datetime | None
) -> Failure:
    row = (
        await connection.execute(
            _FAILED, {"id": update_id, "error": error[:500], "retry_at": retry_at}
        )
    ).first()
    return Failure(attempts=row.attempts, told=row.told) if row else Failure(0, True)


async def told(connection: AsyncConnection, update_id: int) -> None:
    await connection.execute(_TOLD, {"id": update_id})


async def park(
    connection: AsyncConnection, update_id: int, redacted: dict[str, Any], now: datetime
) -> None:
    """Give up on it: done, parked for staff, with the update minus what the member typed."""
    await connection.execute(_PARK, {"id": update_id, "now": now, "redacted": redacted})


async def pending(connection: AsyncConnection, limit: int = 1_000) -> list[Pending]:
    rows = await connection.execute(_PENDING, {"limit": limit})
    return [
        Pending(
            Received(row.update_id, row.chat_id, row.user_id, dict(row.payload or {})),
            attempts=row.attempts,
            told=row.told,
            retry_at=row.retry_at,
        )
        for row in rows
    ]


async def parked(connection: AsyncConnection) -> list[int]:
    rows = await connection.execute(
        select(INBOX.c.update_id).where(INBOX.c.parked_at.is_not(None)).order_by(INBOX.c.update_id)
    )
    return list(rows.scalars())


async def prune(connection: AsyncConnection, before: datetime | None = None) -> int:
    """Forget done updates older than KEEP: Telegram redelivers nothing that old."""
    cutoff = before or datetime.now(UTC) - KEEP
    result = await connection.execute(_PRUNE, {"before": cutoff})
    return int(result.rowcount)


def conversation_key(chat_id: int, user_id: int) -> str:
    return json.dumps([chat_id, user_id])
