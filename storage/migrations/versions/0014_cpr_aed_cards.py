"""CPR/AED cards given in the chat.

`cpr_aed_cards`: a newer CPR/AED card a member gave in the renewal when the expiry on file
was past (or unknown): the new expiry and the photo or PDF of the card, a row of
`proof_files` (which this row keeps from being removed as unattached).
`renewal_drafts.cpr_new_expires`: the expiry typed, until the card's file arrives.

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-06 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "cpr_aed_cards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("acsm_id", sa.String(length=16), nullable=False),
        sa.Column("expires", sa.Date(), nullable=False),
        sa.Column("proof_id", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acsm_id"],
            ["members.acsm_id"],
            name=op.f("fk_cpr_aed_cards_acsm_id_members"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proof_id"],
            ["proof_files.id"],
            name=op.f("fk_cpr_aed_cards_proof_id_proof_files"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpr_aed_cards")),
    )
    op.create_index(op.f("ix_cpr_aed_cards_acsm_id"), "cpr_aed_cards", ["acsm_id"], unique=False)
    op.create_index(op.f("ix_cpr_aed_cards_proof_id"), "cpr_aed_cards", ["proof_id"], unique=False)
    with op.batch_alter_table("renewal_drafts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cpr_new_expires", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("renewal_drafts", schema=None) as batch_op:
        batch_op.drop_column("cpr_new_expires")
    op.drop_index(op.f("ix_cpr_aed_cards_proof_id"), table_name="cpr_aed_cards")
    op.drop_index(op.f("ix_cpr_aed_cards_acsm_id"), table_name="cpr_aed_cards")
    op.drop_table("cpr_aed_cards")
