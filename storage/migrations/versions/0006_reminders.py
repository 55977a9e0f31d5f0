"""Reminders: preferences (/reminders), chats that blocked the bot, reminders sent.

reminders_sent has a unique key (member, cycle thru date, step): a reminder is recorded
there before it is sent, so two senders or a restart never send it twice.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reminder_settings",
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_reminder_settings_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("acsm_id", name=op.f("pk_reminder_settings")),
    )
    op.create_table(
        "reminder_blocked_chats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("blocked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("chat_id", name=op.f("pk_reminder_blocked_chats")),
    )
    op.create_table(
        "reminders_sent",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("cycle_thru", sa.Date(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_reminders_sent_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders_sent")),
        sa.UniqueConstraint(
            "acsm_id", "cycle_thru", "step", name=op.f("uq_reminders_sent_acsm_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("reminders_sent")
    op.drop_table("reminder_blocked_chats")
    op.drop_table("reminder_settings")
