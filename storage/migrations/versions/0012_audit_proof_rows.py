"""Audit attachments: one row per attachment, only ever inserted.

`audit_proofs` was rewritten whole (delete, then insert with `position`) each time a member
attached a file, so two chats of one member attaching at once could lose a file. The table
now has its own `id` (the order attached), a unique key on (audit_id, proof_id) and no
`position`; the existing rows move over in their old order.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-05 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _old_table() -> sa.TableClause:
    return sa.table(
        "audit_proofs",
        sa.column("audit_id", sa.Integer()),
        sa.column("proof_id", sa.Integer()),
        sa.column("position", sa.Integer()),
    )


def _new_table() -> None:
    op.create_table(
        "audit_proofs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("proof_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["audit_id"],
            ["audits.id"],
            name=op.f("fk_audit_proofs_audit_id_audits"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["proof_id"], ["proof_files.id"], name=op.f("fk_audit_proofs_proof_id_proof_files")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_proofs")),
        sa.UniqueConstraint("audit_id", "proof_id", name=op.f("uq_audit_proofs_audit_id")),
    )
    op.create_index(op.f("ix_audit_proofs_proof_id"), "audit_proofs", ["proof_id"], unique=False)


def upgrade() -> None:
    bind = op.get_bind()
    old = _old_table()
    rows = bind.execute(
        sa.select(old.c.audit_id, old.c.proof_id).order_by(old.c.audit_id, old.c.position)
    ).all()
    op.drop_table("audit_proofs")
    _new_table()
    if rows:
        new = sa.table(
            "audit_proofs", sa.column("audit_id", sa.Integer()), sa.column("proof_id", sa.Integer())
        )
        # One at a time, in the old order: the ids keep it.
        for audit_id, proof_id in rows:
            bind.execute(new.insert().values(audit_id=audit_id, proof_id=proof_id))


def downgrade() -> None:
    bind = op.get_bind()
    new = sa.table(
        "audit_proofs",
        sa.column("id", sa.Integer()),
        sa.column("audit_id", sa.Integer()),
        sa.column("proof_id", sa.Integer()),
    )
    rows = bind.execute(
        sa.select(new.c.audit_id, new.c.proof_id).order_by(new.c.audit_id, new.c.id)
    ).all()
    op.drop_index(op.f("ix_audit_proofs_proof_id"), table_name="audit_proofs")
    op.drop_table("audit_proofs")
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
    positions: dict[int, int] = {}
    old = _old_table()
    for audit_id, proof_id in rows:
        position = positions[audit_id] = positions.get(audit_id, -1) + 1
        bind.execute(old.insert().values(audit_id=audit_id, proof_id=proof_id, position=position))
