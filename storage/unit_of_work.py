"""The unit of work: one connection, one transaction (or a SAVEPOINT of one), all repositories."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

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
from storage.cycle_invoices import CycleInvoices
from storage.draft_repository import SqlDraftRepository
from storage.invoice_repositories import SqlInvoiceRepository, SqlPaymentRepository
from storage.member_repositories import (
    SqlCecRepository,
    SqlCertificationRepository,
    SqlMemberRepository,
)
from storage.reminder_repository import SqlReminderRepository
from storage.session_repositories import SqlLoginAttemptRepository, SqlSessionRepository
from storage.tracker_repositories import SqlAuditRepository, SqlLoggedCecRepository, SqlProofStore


class SqlAlchemyUnitOfWork:
    """Implements domain.ports.UnitOfWork. Leaving without commit() rolls back.

    Given an `engine`, it opens a connection of its own and begins a transaction on it;
    commit() commits it, and leaving closes the connection (rolling back what is not
    committed). Given a `connection` whose transaction is already open (one Telegram
    update's), it joins it as a SAVEPOINT (`begin_nested`): commit() releases it, leaving
    without commit rolls back to it, and the update's transaction commits once, when the
    update is done."""

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

    def __init__(
        self, engine: AsyncEngine | None = None, *, connection: AsyncConnection | None = None
    ) -> None:
        assert (engine is None) != (connection is None), "an engine or a connection"
        self._engine = engine
        self._joined = connection
        self._savepoint: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        if self._joined is not None:
            connection = self.connection = self._joined
            self._savepoint = await connection.begin_nested()
        else:
            assert self._engine is not None
            connection = self.connection = await self._engine.connect()
            try:
                await connection.begin()
            except BaseException:
                await connection.close()
                raise
        cycle_invoices = CycleInvoices()  # this unit of work's: the next one reads afresh
        self.members = SqlMemberRepository(connection)
        self.certifications = SqlCertificationRepository(connection, cycle_invoices)
        self.cecs = SqlCecRepository(connection)
        self.invoices = SqlInvoiceRepository(connection, cycle_invoices)
        self.payments = SqlPaymentRepository(connection)
        self.drafts = SqlDraftRepository(connection)
        self.sessions = SqlSessionRepository(connection)
        self.login_attempts = SqlLoginAttemptRepository(connection)
        self.proofs = SqlProofStore(connection)
        self.logged_cecs = SqlLoggedCecRepository(connection)
        self.audits = SqlAuditRepository(connection)
        self.reminders = SqlReminderRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._savepoint is not None:
            await self.rollback()  # nothing if committed
            return
        await self.connection.close()  # rolls back what was not committed

    async def commit(self) -> None:
        if self._savepoint is None:
            await self.connection.commit()
        elif self._savepoint.is_active:
            await self._savepoint.commit()

    async def rollback(self) -> None:
        if self._savepoint is None:
            await self.connection.rollback()
        elif self._savepoint.is_active:
            await self._savepoint.rollback()
