"""Input limits and when the member last changed contact details in the chat.

- members.contact_changed_at: set by the chat's contact update (domain/services/renewal.py
  update_contact); `members import` keeps a contact changed after the file's as-of date.
- members.phone: stored in E.164 (at most 16 characters, domain/validation.py): existing
  numbers are converted; one that cannot be read as a phone number is emptied (the count is
  printed), as the member is asked to confirm their contact details at every renewal.
- members.username: 32 characters, the own-username limit (domain/credentials.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 01:00:00
"""

from collections.abc import Sequence

import phonenumbers
import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _e164(phone: str) -> str | None:
    """The E.164 form of an old free-text phone (US by default), or None when unreadable."""
    try:
        number = phonenumbers.parse(phone, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164 if len(e164) <= 16 else None


def upgrade() -> None:
    bind = op.get_bind()
    members = sa.table("members", sa.column("acsm_id", sa.String), sa.column("phone", sa.String))
    rows = bind.execute(
        sa.select(members.c.acsm_id, members.c.phone).where(members.c.phone.is_not(None))
    )
    emptied = 0
    for acsm_id, phone in list(rows):
        new = _e164(phone)
        emptied += new is None
        if new != phone:
            bind.execute(members.update().where(members.c.acsm_id == acsm_id).values(phone=new))
    if emptied:
        print(f"0004: {emptied} unreadable phone number(s) emptied")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("contact_changed_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column(
            "phone",
            existing_type=sa.String(length=40),
            type_=sa.String(length=16),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "username",
            existing_type=sa.String(length=64),
            type_=sa.String(length=32),
            existing_nullable=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.alter_column(
            "username",
            existing_type=sa.String(length=32),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
        batch_op.alter_column(
            "phone",
            existing_type=sa.String(length=16),
            type_=sa.String(length=40),
            existing_nullable=True,
        )
        batch_op.drop_column("contact_changed_at")
