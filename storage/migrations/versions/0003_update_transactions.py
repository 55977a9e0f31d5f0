"""One transaction per update: replies kept with the processed update until sent, parked
(dead-letter) updates, and payments that extend nothing (flagged for staff).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("replies", sa.JSON(), nullable=True))
    op.create_table(
        "parked_updates",
        sa.Column("update_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.String(length=500), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("parked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_parked_updates")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), nullable=False, server_default="applied")
        )
        batch_op.add_column(sa.Column("note", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("payer_telegram_id", sa.BigInteger(), nullable=True))
        batch_op.alter_column("acsm_id", existing_type=sa.String(length=16), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.alter_column("acsm_id", existing_type=sa.String(length=16), nullable=False)
        batch_op.drop_column("payer_telegram_id")
        batch_op.drop_column("note")
        batch_op.drop_column("status")
    op.drop_table("parked_updates")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_column("replies")
