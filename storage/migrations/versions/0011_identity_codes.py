"""Proving who you are: one-time codes sent by email, and proven sessions.

`identity_codes` holds each member's current code per purpose (a forgotten password, or
proving who they are after a login with the default credentials): the argon2 hash of the six
digits, who asked for it, when it expires, the wrong tries and when it was used.
`telegram_sessions.identity_proven` is false for a session opened with the default
credentials until the member proves who they are; existing sessions count as proven.

Revision ID: 0011
Revises: 0013
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "identity_codes",
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("code_hash", sa.String(length=255), nullable=False),
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_identity_codes_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("acsm_id", "purpose", name=op.f("pk_identity_codes")),
    )
    with op.batch_alter_table("telegram_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("identity_proven", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("telegram_sessions", schema=None) as batch_op:
        batch_op.drop_column("identity_proven")
    op.drop_table("identity_codes")
