"""The unit of work: one connection, one transaction (or a SAVEPOINT of one), all repositories."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.ports import (
    AuditRepository,
    CecRepository,
    CertificationRepository,
    CprAedCardRepository,
    IdentityCodeRepository,
    InvoiceRepository,
    LanguageRepository,
    LoggedCecRepository,
    LoginAttemptRepository,
    MemberRepository,
    PaymentRepository,
    ProofStore,
    ReminderRepository,
    RenewalDraftRepository,
    SessionRepository,
    StaffRepository,
)
from storage.cpr_card_repository import SqlCprAedCardRepository
from storage.cycle_invoices import CycleInvoices
from storage.draft_repository import SqlDraftRepository
from storage.invoice_repositories import SqlInvoiceRepository, SqlPaymentRepository
from storage.language_repository import SqlLanguageRepository
from storage.member_repositories import (
    SqlCecRepository,
    SqlCertificationRepository,
    SqlMemberRepository,
)
from storage.reminder_repository import SqlReminderRepository
from storage.session_repositories import (
    SqlIdentityCodeRepository,
    SqlLoginAttemptRepository,
    SqlSessionRepository,
)
from storage.staff_repository import SqlStaffRepository
from storage.tracker_repositories import SqlAuditRepository, SqlLoggedCecRepository, SqlProofStore


class SqlAlchemyUnitOfWork:
    """Implements domain.ports.UnitOfWork: every repository on one connection whose
    transaction is already open. Whoever opened it commits or rolls it back
    (storage.database.Database.transaction); use cases never do. A partial rollback that is
    a business rule (the duplicate-invoice race) is an explicit savepoint in its repository."""

    connection: AsyncConnection
    members: MemberRepository
    certifications: CertificationRepository
    cecs: CecRepository
    invoices: InvoiceRepository
    payments: PaymentRepository
    drafts: RenewalDraftRepository
    sessions: SessionRepository
    login_attempts: LoginAttemptRepository
    proofs: ProofStore
    logged_cecs: LoggedCecRepository
    audits: AuditRepository
    reminders: ReminderRepository
    codes: IdentityCodeRepository
    languages: LanguageRepository
    cpr_cards: CprAedCardRepository
    staff: StaffRepository

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        cycle_invoices = CycleInvoices()  # this unit of work's: the next one reads afresh
        self.members = SqlMemberRepository(connection)
        self.certifications = SqlCertificationRepository(connection, cycle_invoices)
        self.cecs = SqlCecRepository(connection)
        self.invoices = SqlInvoiceRepository(connection, cycle_invoices)
        self.payments = SqlPaymentRepository(connection)
        self.drafts = SqlDraftRepository(connection)
        self.sessions = SqlSessionRepository(connection, cycle_invoices)
        self.login_attempts = SqlLoginAttemptRepository(connection)
        self.proofs = SqlProofStore(connection)
        self.logged_cecs = SqlLoggedCecRepository(connection)
        self.audits = SqlAuditRepository(connection)
        self.reminders = SqlReminderRepository(connection)
        self.codes = SqlIdentityCodeRepository(connection)
        self.languages = SqlLanguageRepository(connection)
        self.cpr_cards = SqlCprAedCardRepository(connection)
        self.staff = SqlStaffRepository(connection)
