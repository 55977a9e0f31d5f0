"""The unit of work: one session, one transaction, all repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ports import (
    AuditRepository,
    CecRepository,
    CertificationRepository,
    InvoiceRepository,
    LoggedCecRepository,
    LoginAttemptRepository,
    MemberRepository,
    PaymentRepository,
    ProofStore,
    ReminderRepository,
    RenewalDraftRepository,
    SessionRepository,
)
from storage.lazy_savepoint import LazySavepoint
from storage.reminder_repository import SqlReminderRepository
from storage.repositories import (
    SqlCecRepository,
    SqlCertificationRepository,
    SqlDraftRepository,
    SqlInvoiceRepository,
    SqlLoginAttemptRepository,
    SqlMemberRepository,
    SqlPaymentRepository,
    SqlSessionRepository,
)
from storage.tracker_repositories import SqlAuditRepository, SqlLoggedCecRepository, SqlProofStore


class SqlAlchemyUnitOfWork:
    """Implements domain.ports.UnitOfWork. Leaving without commit() rolls back.

    Given a `session` whose transaction is already open (one Telegram update's), it joins
    it as a SAVEPOINT, opened before its first write (storage/lazy_savepoint.py): commit()
    releases it, leaving without commit rolls back to it. A use case that only reads costs
    no savepoint. The update's transaction itself commits once, when the update is done."""

    session: AsyncSession
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

    def __init__(
        self,
        session_factory: async_sessionmaker[AsyncSession] | None = None,
        *,
        session: AsyncSession | None = None,
    ) -> None:
        assert (session_factory is None) != (session is None), "a factory or a session"
        self._factory = session_factory
        self._joined = session
        self._savepoint: LazySavepoint | None = None

    async def __aenter__(self) -> Self:
        if self._joined is not None:
            session = self.session = self._joined
            self._savepoint = LazySavepoint(session)
            await self._savepoint.start()
        else:
            assert self._factory is not None
            session = self.session = self._factory()
        self.members = SqlMemberRepository(session)
        self.certifications = SqlCertificationRepository(session)
        self.cecs = SqlCecRepository(session)
        self.invoices = SqlInvoiceRepository(session)
        self.payments = SqlPaymentRepository(session)
        self.drafts = SqlDraftRepository(session)
        self.sessions = SqlSessionRepository(session)
        self.login_attempts = SqlLoginAttemptRepository(session)
        self.proofs = SqlProofStore(session)
        self.logged_cecs = SqlLoggedCecRepository(session)
        self.audits = SqlAuditRepository(session)
        self.reminders = SqlReminderRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._savepoint is not None:
            savepoint, self._savepoint = self._savepoint, None
            await savepoint.roll_back()  # nothing if committed
            return
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        if self._savepoint is not None:
            await self._savepoint.release()
            return
        await self.session.commit()

    async def rollback(self) -> None:
        if self._savepoint is not None:
            await self._savepoint.roll_back()
            return
        await self.session.rollback()
