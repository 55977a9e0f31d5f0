"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-28 14:23:46.515286
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "conversations",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", "key", name=op.f("pk_conversations")),
    )
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.create_index("ix_login_failures_key_at", ["key", "at"], unique=False)

    op.create_table(
        "members",
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("cpr_aed_expires", sa.Date(), nullable=True),
        sa.Column("username", sa.String(length=64), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("credentials_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("acsm_id", name=op.f("pk_members")),
        sa.UniqueConstraint("username", name=op.f("uq_members_username")),
    )
    op.create_table(
        "processed_updates",
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("update_id", name=op.f("pk_processed_updates")),
    )
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_processed_updates_seen_at"), ["seen_at"], unique=False)

    op.create_table(
        "cec_activities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("half_cecs", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_cec_activities_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cec_activities")),
        sa.UniqueConstraint(
            "acsm_id", "completed_on", "title", "provider", name=op.f("uq_cec_activities_acsm_id")
        ),
    )
    op.create_table(
        "certifications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("thru_date", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_certifications_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certifications")),
        sa.UniqueConstraint("acsm_id", "code", name=op.f("uq_certifications_acsm_id")),
    )
    op.create_table(
        "invoices",
        sa.Column("number", sa.String(length=7), nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("description", sa.String(length=100), nullable=False),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("balance_cents", sa.Integer(), nullable=False),
        sa.Column("late_fee_cents", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("acsm_half_cecs", sa.Integer(), nullable=False),
        sa.Column("other_half_cecs", sa.Integer(), nullable=False),
        sa.Column("payment_charge_id", sa.String(length=255), nullable=True),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acsm_id"], ["members.acsm_id"], name=op.f("fk_invoices_acsm_id_members")
        ),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_invoices")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_acsm_id"), ["acsm_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("charge_id", sa.String(length=255), nullable=False),
        sa.Column("provider_charge_id", sa.String(length=255), nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("total_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("invoice_numbers", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"], ["members.acsm_id"], name=op.f("fk_payments_acsm_id_members")
        ),
        sa.PrimaryKeyConstraint("charge_id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_acsm_id"), ["acsm_id"], unique=False)

    op.create_table(
        "renewal_drafts",
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("certification_ids", sa.JSON(), nullable=False),
        sa.Column("contact_confirmed", sa.Boolean(), nullable=False),
        sa.Column("cpr_confirmed", sa.Boolean(), nullable=False),
        sa.Column("acsm_half_cecs", sa.Integer(), nullable=True),
        sa.Column("other_half_cecs", sa.Integer(), nullable=True),
        sa.Column("acknowledged", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_renewal_drafts_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("acsm_id", name=op.f("pk_renewal_drafts")),
    )
    op.create_table(
        "telegram_sessions",
        sa.Column("telegram_user_id", sa.BigInteger(), nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("credentials_version", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_telegram_sessions_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("telegram_user_id", name=op.f("pk_telegram_sessions")),
    )
    with op.batch_alter_table("telegram_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_telegram_sessions_acsm_id"), ["acsm_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("invoice_number", sa.String(length=7), nullable=False),
        sa.Column("certification_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=8), nullable=False),
        sa.Column("cycle_thru", sa.Date(), nullable=False),
        sa.Column("new_thru", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["certification_id"],
            ["certifications.id"],
            name=op.f("fk_invoice_lines_certification_id_certifications"),
        ),
        sa.ForeignKeyConstraint(
            ["invoice_number"],
            ["invoices.number"],
            name=op.f("fk_invoice_lines_invoice_number_invoices"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
        sa.UniqueConstraint(
            "certification_id", "cycle_thru", name=op.f("uq_invoice_lines_certification_id")
        ),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invoice_lines_invoice_number"), ["invoice_number"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_number"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("telegram_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_telegram_sessions_acsm_id"))

    op.drop_table("telegram_sessions")
    op.drop_table("renewal_drafts")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_acsm_id"))

    op.drop_table("payments")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_acsm_id"))

    op.drop_table("invoices")
    op.drop_table("certifications")
    op.drop_table("cec_activities")
    with op.batch_alter_table("processed_updates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_processed_updates_seen_at"))

    op.drop_table("processed_updates")
    op.drop_table("members")
    with op.batch_alter_table("login_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_login_failures_key_at")

    op.drop_table("login_failures")
    op.drop_table("conversations")
