"""The CEC tracker and audits: proof files (bytes in the database), member-logged CEC
activities, audits of paid renewals and the certificates attached to them.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "proof_files",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_proof_files_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proof_files")),
        sa.UniqueConstraint("acsm_id", "sha256", name=op.f("uq_proof_files_acsm_id")),
    )
    op.create_table(
        "logged_cec_activities",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("half_cecs", sa.Integer(), nullable=False),
        sa.Column("organization", sa.String(length=8), nullable=False),
        sa.Column("logged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("proof_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_logged_cec_activities_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proof_id"],
            ["proof_files.id"],
            name=op.f("fk_logged_cec_activities_proof_id_proof_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_logged_cec_activities")),
    )
    op.create_index(
        "ix_logged_cec_activities_member_day",
        "logged_cec_activities",
        ["acsm_id", "completed_on"],
        unique=False,
    )
    op.create_index(
        op.f("ix_logged_cec_activities_proof_id"),
        "logged_cec_activities",
        ["proof_id"],
        unique=False,
    )
    op.create_table(
        "audits",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("invoice_number", sa.String(length=7), nullable=False),
        sa.Column("cycle_thru", sa.Date(), nullable=False),
        sa.Column("selected_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["acsm_id"], ["members.acsm_id"], name=op.f("fk_audits_acsm_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["invoice_number"],
            ["invoices.number"],
            name=op.f("fk_audits_invoice_number_invoices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audits")),
        sa.UniqueConstraint("invoice_number", name=op.f("uq_audits_invoice_number")),
    )
    op.create_index(op.f("ix_audits_acsm_id"), "audits", ["acsm_id"], unique=False)
    op.create_table(
        "audit_proofs",
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("proof_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_proofs_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proof_id"], ["proof_files.id"], name=op.f("fk_audit_proofs_proof_id_proof_files")
        ),
        sa.PrimaryKeyConstraint("audit_id", "proof_id", name=op.f("pk_audit_proofs")),
    )


def downgrade() -> None:
    op.drop_table("audit_proofs")
    op.drop_index(op.f("ix_audits_acsm_id"), table_name="audits")
    op.drop_table("audits")
    op.drop_index(op.f("ix_logged_cec_activities_proof_id"), table_name="logged_cec_activities")
    op.drop_index("ix_logged_cec_activities_member_day", table_name="logged_cec_activities")
    op.drop_table("logged_cec_activities")
    op.drop_table("proof_files")
