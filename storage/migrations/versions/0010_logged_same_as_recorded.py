"""A logged CEC activity may be the same as one ACSM recorded: `same_as_id` names it, and
the activity is then counted once (as ACSM's), its certificate kept with it.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("logged_cec_activities", schema=None) as batch_op:
        batch_op.add_column(sa.Column("same_as_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_logged_cec_activities_same_as_id_cec_activities"),
            "cec_activities",
            ["same_as_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("logged_cec_activities", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_logged_cec_activities_same_as_id_cec_activities"), type_="foreignkey"
        )
        batch_op.drop_column("same_as_id")
