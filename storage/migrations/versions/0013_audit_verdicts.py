"""Audit verdicts: staff accept or reject a submitted audit; the member is told in the chat.

`audits` gets the latest verdict (`verdict`, `decided_at`, `decision_reason`);
`audit_notices` holds each verdict to tell the member, sent by the running bot.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audits") as batch:
        batch.add_column(sa.Column("verdict", sa.String(length=8), nullable=True))
        batch.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("decision_reason", sa.String(length=1000), nullable=True))
    op.create_table(
        "audit_notices",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("verdict", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_notices_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["acsm_id"], ["members.acsm_id"], name=op.f("fk_audit_notices_acsm_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_notices")),
    )
    op.create_index(op.f("ix_audit_notices_audit_id"), "audit_notices", ["audit_id"], unique=False)
    op.create_index("ix_audit_notices_unsent", "audit_notices", ["sent_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_notices_unsent", table_name="audit_notices")
    op.drop_index(op.f("ix_audit_notices_audit_id"), table_name="audit_notices")
    op.drop_table("audit_notices")
    with op.batch_alter_table("audits") as batch:
        batch.drop_column("decision_reason")
        batch.drop_column("decided_at")
        batch.drop_column("verdict")
