"""The durable inbox and one conversation per member.

`inbox` replaces `processed_updates` and `parked_updates`: an update is stored when it
arrives (before Telegram is told), handled from there, and kept as done (without its
payload) for two days so a redelivery is recognised. `conversation_states` replaces
`conversations`: one row per chat and user, the member's one conversation.

Existing rows are carried over: processed updates as done (with their unsent replies),
parked ones as parked, and of a member's conversation states the one written last is kept
(older versions allowed several at once).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    inbox = op.create_table(
        "inbox",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=True),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("told", sa.Boolean(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replies", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_inbox")),
    )
    op.create_index(op.f("ix_inbox_done_at"), "inbox", ["done_at"], unique=False)
    states = op.create_table(
        "conversation_states",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_conversation_states")),
    )

    bind = op.get_bind()
    now = datetime.now(UTC)
    processed = sa.table(
        "processed_updates",
        sa.column("update_id", sa.BigInteger()),
        sa.column("seen_at", sa.DateTime(timezone=True)),
        sa.column("replies", sa.JSON()),
    )
    parked = sa.table(
        "parked_updates",
        sa.column("update_id", sa.BigInteger()),
        sa.column("telegram_user_id", sa.BigInteger()),
        sa.column("attempts", sa.Integer()),
        sa.column("error", sa.String()),
        sa.column("payload", sa.JSON()),
        sa.column("parked_at", sa.DateTime(timezone=True)),
    )
    rows: dict[int, dict[str, object]] = {}
    for update_id, seen_at, replies in bind.execute(sa.select(processed)):
        rows[update_id] = _row(update_id, seen_at or now, replies=replies)
    for update_id, user_id, attempts, error, payload, parked_at in bind.execute(sa.select(parked)):
        rows[update_id] = _row(
            update_id,
            parked_at or now,
            user_id=user_id,
            attempts=attempts,
            last_error=error,
            payload=payload,
            parked_at=parked_at or now,
        )
    if rows:
        op.bulk_insert(inbox, list(rows.values()))

    old = sa.table(
        "conversations",
        sa.column("name", sa.String()),
        sa.column("key", sa.String()),
        sa.column("state", sa.JSON()),
    )
    kept: dict[str, dict[str, object]] = {}
    for name, key, state in bind.execute(sa.select(old)):
        if isinstance(state, str):
            kept[key] = {"key": key, "state": {"name": name, "state": state, "data": {}}}
        elif isinstance(state, dict) and isinstance(state.get("state"), str):
            data = state.get("data") if isinstance(state.get("data"), dict) else {}
            kept[key] = {"key": key, "state": {"name": name, "state": state["state"], "data": data}}
    if kept:
        op.bulk_insert(states, list(kept.values()))

    op.drop_table("conversations")
    op.drop_table("parked_updates")
    op.drop_table("processed_updates")  # with its index


def _row(update_id: int, at: datetime, **values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "update_id": update_id,
        "chat_id": None,
        "user_id": None,
        "payload": None,
        "received_at": at,
        "done_at": at,
        "attempts": 0,
        "last_error": None,
        "retry_at": None,
        "told": False,
        "parked_at": None,
        "replies": None,
    }
    row.update(values)
    return row


def downgrade() -> None:
    raise NotImplementedError("the inbox replaces processed and parked updates for good")
