"""Void invoices: an open invoice whose certification cycle moved is void.

`invoices` gets `voided_at`, `void_reason` (readable by the member) and `void_told_at` (the
member was told in the chat). `invoice_lines.voided` marks the lines of a void invoice: the
one-invoice-per-cycle key becomes a partial unique index over the other lines, so a void
invoice leaves its cycles free for a new invoice.

Open invoices that already renew a cycle that moved (a staff import changed the thru date
before this version voided them) are voided here, and the finished renewal drafts that
showed them are forgotten; the members are told at their next visit.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08 12:00:00
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE_LINE = sa.text("NOT voided")


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("void_reason", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("void_told_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("voided", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_constraint("uq_invoice_lines_certification_id", type_="unique")
    op.create_index(
        "uq_invoice_lines_cycle",
        "invoice_lines",
        ["certification_id", "cycle_thru"],
        unique=True,
        sqlite_where=LIVE_LINE,
        postgresql_where=LIVE_LINE,
    )
    _void_moved_open_invoices()


def _void_moved_open_invoices() -> None:
    bind = op.get_bind()
    invoices = sa.table(
        "invoices",
        sa.column("number", sa.String()),
        sa.column("acsm_id", sa.String()),
        sa.column("status", sa.String()),
        sa.column("balance_cents", sa.Integer()),
        sa.column("voided_at", sa.DateTime(timezone=True)),
        sa.column("void_reason", sa.String()),
    )
    lines = sa.table(
        "invoice_lines",
        sa.column("invoice_number", sa.String()),
        sa.column("certification_id", sa.Integer()),
        sa.column("code", sa.String()),
        sa.column("cycle_thru", sa.Date()),
        sa.column("voided", sa.Boolean()),
    )
    certifications = sa.table(
        "certifications", sa.column("id", sa.Integer()), sa.column("thru_date", sa.Date())
    )
    drafts = sa.table(
        "renewal_drafts", sa.column("acsm_id", sa.String()), sa.column("acknowledged", sa.Boolean())
    )
    rows = bind.execute(
        sa.select(
            invoices.c.number,
            invoices.c.acsm_id,
            lines.c.code,
            lines.c.cycle_thru,
            certifications.c.thru_date,
        )
        .select_from(
            invoices.join(lines, lines.c.invoice_number == invoices.c.number).outerjoin(
                certifications, certifications.c.id == lines.c.certification_id
            )
        )
        .where(invoices.c.status == "open")
        .order_by(invoices.c.number, lines.c.code)
    )
    moved: dict[str, tuple[str, list[str]]] = {}
    for number, acsm_id, code, cycle_thru, thru_now in rows:
        if thru_now == cycle_thru:
            continue
        reason = (
            f"{code} is now thru {_date(thru_now):%m/%d/%Y}"
            if thru_now is not None
            else f"{code} is no longer on file"
        )
        moved.setdefault(number, (acsm_id, []))[1].append(reason)
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # as storage.orm.UtcDateTime writes it
    for number, (_, reasons) in moved.items():
        reason = ", ".join(reasons[:-1]) + " and " + reasons[-1] if len(reasons) > 1 else reasons[0]
        bind.execute(
            invoices.update()
            .where(invoices.c.number == number)
            .values(status="void", balance_cents=0, voided_at=now, void_reason=reason[:300])
        )
        bind.execute(lines.update().where(lines.c.invoice_number == number).values(voided=True))
    for acsm_id in {acsm_id for acsm_id, _ in moved.values()}:
        bind.execute(
            drafts.delete().where(drafts.c.acsm_id == acsm_id, drafts.c.acknowledged.is_(True))
        )


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def downgrade() -> None:
    # Void invoices become open ones again to 0007's code, and the full unique key fails if a
    # cycle has a void invoice and a new one: void invoices must be settled by hand first.
    op.drop_index("uq_invoice_lines_cycle", table_name="invoice_lines")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_invoice_lines_certification_id", ["certification_id", "cycle_thru"]
        )
        batch_op.drop_column("voided")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("void_told_at")
        batch_op.drop_column("void_reason")
        batch_op.drop_column("voided_at")
