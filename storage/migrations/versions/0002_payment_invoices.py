"""payment_invoices: the invoices a payment paid, as rows instead of a JSON list

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 15:30:00
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Read the lists, then drop the column BEFORE the new table refers to payments: SQLite's
    # batch mode copies and drops `payments`, which would cascade into payment_invoices.
    payments = op.get_bind().execute(sa.text("SELECT charge_id, invoice_numbers FROM payments"))
    rows = [
        {"charge_id": charge_id, "invoice_number": number, "position": i}
        for charge_id, numbers in payments
        for i, number in enumerate(
            dict.fromkeys(json.loads(numbers) if isinstance(numbers, str) else numbers)
        )
    ]
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_column("invoice_numbers")
    table = op.create_table(
        "payment_invoices",
        sa.Column("charge_id", sa.String(length=255), nullable=False),
        sa.Column("invoice_number", sa.String(length=7), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["charge_id"],
            ["payments.charge_id"],
            name=op.f("fk_payment_invoices_charge_id_payments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invoice_number"],
            ["invoices.number"],
            name=op.f("fk_payment_invoices_invoice_number_invoices"),
        ),
        sa.PrimaryKeyConstraint("charge_id", "invoice_number", name=op.f("pk_payment_invoices")),
    )
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("invoice_numbers", sa.JSON(), nullable=False, server_default="[]")
        )
    op.drop_table("payment_invoices")
