"""Tables, as typed SQLAlchemy 2 declarative models: the schema (Alembic's metadata, and
each model's `__table__` for storage's Core statements). No ORM session uses them.

CECs are stored as integer half-CECs (exact; 12.5 CECs = 25), money as integer cents,
instants as timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    UniqueConstraint,
    false,
    func,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table(model: type[Base]) -> Table:
    """A model's table, for Core statements built once (storage's hot paths)."""
    return cast(Table, model.__table__)


class MemberRow(Base):
    __tablename__ = "members"

    acsm_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164
    cpr_aed_expires: Mapped[date | None] = mapped_column(Date)
    username: Mapped[str | None] = mapped_column(String(32), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    credentials_version: Mapped[int] = mapped_column(Integer, default=0)
    # When the member last changed email or phone in the chat (imports keep newer ones).
    contact_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# The staff console's member search (migration 0017): case-insensitive prefixes as ranges on
# lower(...) (storage/staff_repository.py); on PostgreSQL with text_pattern_ops, so that the
# range compares code points whatever the database's collation.
for _name, _column in (
    ("last_name", MemberRow.last_name),
    ("email", MemberRow.email),
):
    Index(
        f"ix_members_lower_{_name}",
        func.lower(_column).label(f"lower_{_name}"),
        postgresql_ops={f"lower_{_name}": "text_pattern_ops"},
    )


class CertificationRow(Base):
    __tablename__ = "certifications"
    __table_args__ = (UniqueConstraint("acsm_id", "code"),)  # also the lookup by acsm_id

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(8))
    effective_date: Mapped[date] = mapped_column(Date)
    thru_date: Mapped[date] = mapped_column(Date)


class CecActivityRow(Base):
    __tablename__ = "cec_activities"
    # Re-importing the same activity is a no-op; the key also serves (acsm_id, completed_on).
    __table_args__ = (UniqueConstraint("acsm_id", "completed_on", "title", "provider"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id", ondelete="CASCADE"))
    completed_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(200))
    half_cecs: Mapped[int] = mapped_column(Integer)


class InvoiceRow(Base):
    __tablename__ = "invoices"

    number: Mapped[str] = mapped_column(String(7), primary_key=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(100))
    amount_cents: Mapped[int] = mapped_column(Integer)
    balance_cents: Mapped[int] = mapped_column(Integer)
    late_fee_cents: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(8))
    acsm_half_cecs: Mapped[int] = mapped_column(Integer, default=0)
    other_half_cecs: Mapped[int] = mapped_column(Integer, default=0)
    payment_charge_id: Mapped[str | None] = mapped_column(String(255))
    paid_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # status "void" (migration 0008): its cycle moved; when, why, and when the member was told
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    void_reason: Mapped[str | None] = mapped_column(String(300))
    void_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


# A line of an open or paid invoice holds its certification cycle; a void invoice's do not.
LIVE_LINE = text("NOT voided")
# The same condition in a query's WHERE or ON, written in the index's own form: SQLite uses a
# partial index only when the query states its predicate so ("voided IS 0" or "voided = 0",
# which SQLAlchemy renders for `voided.is_(False)` and `~voided`, made it build a temporary
# index on every question instead).
LINE_IS_LIVE = text("NOT invoice_lines.voided")


class InvoiceLineRow(Base):
    __tablename__ = "invoice_lines"
    # One open or paid invoice per certification cycle: the key holds even under concurrency.
    # A void invoice's lines (`voided`) leave the cycle free for a new invoice.
    __table_args__ = (
        Index(
            "uq_invoice_lines_cycle",
            "certification_id",
            "cycle_thru",
            unique=True,
            sqlite_where=LIVE_LINE,
            postgresql_where=LIVE_LINE,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    invoice_number: Mapped[str] = mapped_column(
        ForeignKey("invoices.number", ondelete="CASCADE"), index=True
    )
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id"))
    code: Mapped[str] = mapped_column(String(8))
    cycle_thru: Mapped[date] = mapped_column(Date)
    new_thru: Mapped[date] = mapped_column(Date)
    voided: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class PaymentRow(Base):
    __tablename__ = "payments"

    charge_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    provider_charge_id: Mapped[str] = mapped_column(String(255))
    acsm_id: Mapped[str | None] = mapped_column(ForeignKey("members.acsm_id"), index=True)
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # "applied": it paid its invoices; "flagged": money received that extended nothing
    # (unknown or paid invoice, wrong amount, currency or payer): staff sort it out.
    status: Mapped[str] = mapped_column(String(16), server_default="applied")
    note: Mapped[str | None] = mapped_column(String(500))
    payer_telegram_id: Mapped[int | None] = mapped_column(BigInteger)


class PaymentInvoiceRow(Base):
    """Which invoices one payment paid (in the order the member selected them)."""

    __tablename__ = "payment_invoices"

    charge_id: Mapped[str] = mapped_column(
        ForeignKey("payments.charge_id", ondelete="CASCADE"), primary_key=True
    )
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)


class RenewalDraftRow(Base):
    __tablename__ = "renewal_drafts"

    acsm_id: Mapped[str] = mapped_column(
        ForeignKey("members.acsm_id", ondelete="CASCADE"), primary_key=True
    )
    certification_ids: Mapped[list[int]] = mapped_column(JSON)
    contact_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    cpr_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    acsm_half_cecs: Mapped[int | None] = mapped_column(Integer)
    other_half_cecs: Mapped[int | None] = mapped_column(Integer)
    acknowledged: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # A newer CPR/AED card's expiry, typed, until its file arrives (migration 0014).
    cpr_new_expires: Mapped[date | None] = mapped_column(Date)


class SessionRow(Base):
    __tablename__ = "telegram_sessions"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    acsm_id: Mapped[str] = mapped_column(
        ForeignKey("members.acsm_id", ondelete="CASCADE"), index=True
    )
    credentials_version: Mapped[int] = mapped_column(Integer)
    linked_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # False after a login with the default credentials, until the member proves who they are.
    identity_proven: Mapped[bool] = mapped_column(Boolean, server_default=true())


class LoginFailureRow(Base):
    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime())


class IdentityCodeRow(Base):
    """A member's current one-time code per purpose (domain/identity.py): its argon2 hash
    only, never the digits. A new request replaces the row."""

    __tablename__ = "identity_codes"

    acsm_id: Mapped[str] = mapped_column(
        ForeignKey("members.acsm_id", ondelete="CASCADE"), primary_key=True
    )
    purpose: Mapped[str] = mapped_column(String(16), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    telegram_user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    failures: Mapped[int] = mapped_column(Integer, default=0)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ConversationStateRow(Base):
    """Where a member is: their one conversation (its name, state and small data, as JSON),
    per chat and user; written in the same transaction as the update that moved it."""

    __tablename__ = "conversation_states"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    state: Mapped[Any] = mapped_column(JSON)


class InboxRow(Base):
    """Every update received, stored before Telegram is told it arrived (the durable inbox).

    Pending while `done_at` is null; handled once, in the transaction that sets `done_at`
    (and clears the payload: what a member typed is not kept). Its replies wait in
    `replies` from that commit until they are sent. A failure counts in `attempts`, with
    `last_error` and the earliest `retry_at`; `told` marks that the member was told of an
    outage; after too many failures the update is `parked_at` for staff, redacted."""

    __tablename__ = "inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    user_id: Mapped[int | None] = mapped_column(BigInteger)
    # none_as_null: None is SQL NULL (not JSON null), so "IS NULL" finds cleared rows
    payload: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    retry_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    told: Mapped[bool] = mapped_column(Boolean, default=False)
    parked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    replies: Mapped[Any | None] = mapped_column(JSON(none_as_null=True))


# ---- the CEC tracker and audits (migration 0005) ---------------------------------------------


class ProofFileRow(Base):
    """A certificate as received, byte for byte. In the database, so backups and every bot
    process see it with no other component, and it is written in the update's transaction
    (never half-written). The same file sent twice by one member is one row."""

    __tablename__ = "proof_files"
    __table_args__ = (UniqueConstraint("acsm_id", "sha256"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)


class LoggedCecRow(Base):
    """A CEC activity the member logged in the chat (not ACSM-recorded)."""

    __tablename__ = "logged_cec_activities"
    __table_args__ = (Index("ix_logged_cec_activities_member_day", "acsm_id", "completed_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    provider: Mapped[str] = mapped_column(String(200))
    completed_on: Mapped[date] = mapped_column(Date)
    half_cecs: Mapped[int] = mapped_column(Integer)
    organization: Mapped[str] = mapped_column(String(8))
    logged_at: Mapped[datetime] = mapped_column(UtcDateTime())
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("proof_files.id"), index=True)
    # The ACSM-recorded activity the member said this is (counted once, as ACSM's).
    same_as_id: Mapped[int | None] = mapped_column(
        ForeignKey("cec_activities.id", ondelete="SET NULL")
    )


class AuditRow(Base):
    """A paid renewal selected for audit (one per invoice)."""

    __tablename__ = "audits"
    # The console's audit list, a page at a time, latest selection first (migration 0017).
    __table_args__ = (Index("ix_audits_selected_on", "selected_on", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id"), index=True)
    invoice_number: Mapped[str] = mapped_column(ForeignKey("invoices.number"), unique=True)
    cycle_thru: Mapped[date] = mapped_column(Date)
    selected_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Staff's latest verdict (migration 0013): "accepted" or "rejected", cleared on resubmit.
    verdict: Mapped[str | None] = mapped_column(String(8))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(String(1000))


class AuditProofRow(Base):
    """A certificate a member attached to an audit: one row per attachment, only ever
    inserted (or deleted when the member removes it before Submit), never rewritten, so two
    chats attaching at once both keep their file (migration 0012). Ordered by `id`."""

    __tablename__ = "audit_proofs"
    __table_args__ = (UniqueConstraint("audit_id", "proof_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"))
    proof_id: Mapped[int] = mapped_column(ForeignKey("proof_files.id"), index=True)


class AuditNoticeRow(Base):
    """A verdict to tell the member in the chat (migration 0013): inserted with the verdict,
    sent by the running bot, then `sent_at` set. Unsent rows are found by `sent_at` IS NULL."""

    __tablename__ = "audit_notices"
    __table_args__ = (Index("ix_audit_notices_unsent", "sent_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    audit_id: Mapped[int] = mapped_column(ForeignKey("audits.id", ondelete="CASCADE"), index=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id"))
    verdict: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(1000))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CprAedCardRow(Base):
    """A CPR/AED card a member gave in the renewal (migration 0014): its expiry and its
    photo or PDF, a proof file that is therefore never removed as unattached."""

    __tablename__ = "cpr_aed_cards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(
        ForeignKey("members.acsm_id", ondelete="CASCADE"), index=True
    )
    expires: Mapped[date] = mapped_column(Date)
    proof_id: Mapped[int] = mapped_column(ForeignKey("proof_files.id"), index=True)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime())


# ---- the staff web console (migration 0015) --------------------------------------------------


class StaffAccountRow(Base):
    """A staff member of the web console (domain/staff.py): argon2id password hash, the
    authenticator's secret, and until enrolment the sha256 of the one-time link's token."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    enrol_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    enrol_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    enrolled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class StaffSessionRow(Base):
    """A signed-in browser: the sha256 of its cookie's token; ends when idle or signed out."""

    __tablename__ = "staff_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StaffMemberRefRow(Base):
    """An opaque reference to a member, minted for one session (page addresses name no
    member); gone with the session."""

    __tablename__ = "staff_member_refs"
    __table_args__ = (UniqueConstraint("session_hash", "acsm_id"),)

    ref: Mapped[str] = mapped_column(String(48), primary_key=True)
    session_hash: Mapped[str] = mapped_column(
        ForeignKey("staff_sessions.token_hash", ondelete="CASCADE")
    )
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id", ondelete="CASCADE"))


class StaffActivityRow(Base):
    """The staff activity log: who (email as it was), when, what."""

    __tablename__ = "staff_activity"
    __table_args__ = (Index("ix_staff_activity_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(String(500))
