"""The unit of work: one session, one transaction, all repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.ports import (
    CecRepository,
    CertificationRepository,
    InvoiceRepository,
    LoginAttemptRepository,
    MemberRepository,
    PaymentRepository,
    RenewalDraftRepository,
    SessionRepository,
)
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


class SqlAlchemyUnitOfWork:
    """Implements domain.ports.UnitOfWork. Leaving without commit() rolls back."""

    session: AsyncSession
    members: MemberRepository
    certifications: CertificationRepository
    cecs: CecRepository
    invoices: InvoiceRepository
    payments: PaymentRepository
    drafts: RenewalDraftRepository
    sessions: SessionRepository
    login_attempts: LoginAttemptRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = session_factory

    async def __aenter__(self) -> Self:
        self.session = session = self._factory()
        self.members = SqlMemberRepository(session)
        self.certifications = SqlCertificationRepository(session)
        self.cecs = SqlCecRepository(session)
        self.invoices = SqlInvoiceRepository(session)
        self.payments = SqlPaymentRepository(session)
        self.drafts = SqlDraftRepository(session)
        self.sessions = SqlSessionRepository(session)
        self.login_attempts = SqlLoginAttemptRepository(session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
