"""The staff console at scale (issue 24): the member search's case-insensitive prefixes
served by indexes on lower(last_name) and lower(email) (text_pattern_ops on PostgreSQL: a
code point range whatever the collation), and the audit list's page order by an index.

Revision ID: 0017
Revises: 0015
Create Date: 2026-12-06 01:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED = ("last_name", "email")


def upgrade() -> None:
    for name in SEARCHED:
        op.create_index(
            f"ix_members_lower_{name}",
            "members",
            [sa.func.lower(sa.column(name)).label(f"lower_{name}")],
            postgresql_ops={f"lower_{name}": "text_pattern_ops"},
        )
    op.create_index("ix_audits_selected_on", "audits", ["selected_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_audits_selected_on", table_name="audits")
    for name in SEARCHED:
        op.drop_index(f"ix_members_lower_{name}", table_name="members")
