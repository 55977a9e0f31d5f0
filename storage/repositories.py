"""Repositories: domain dataclasses in, domain dataclasses out (domain.ports)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, Select, Table, bindparam, case, delete, exists, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from domain.model import (
    CecActivity,
    Certification,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Member,
    Payment,
    RenewalDraft,
    TelegramLink,
)
from domain.ports import DuplicateInvoiceError, PaidRenewal
from storage.orm import (
    CecActivityRow,
    CertificationRow,
    InvoiceLineRow,
    InvoiceRow,
    LoginFailureRow,
    MemberRow,
    PaymentInvoiceRow,
    PaymentRow,
    RenewalDraftRow,
    SessionRow,
    UtcDateTime,
    table,
)
from storage.prepared import Prepared

CHUNK = 5_000  # rows per executemany batch in bulk upserts


def halves(value: Decimal) -> int:
    return int(value * 2)


def from_halves(value: int) -> Decimal:
    return Decimal(value) / 2


def insert_for(session: AsyncSession, table: Any) -> Any:
    """INSERT with ON CONFLICT support for the session's dialect."""
    name = session.bind.dialect.name
    return (postgresql.insert if name == "postgresql" else sqlite.insert)(table)


def for_dialect(build: Callable[[Any], Any]) -> dict[str, Any]:
    """A statement with ON CONFLICT, built once per dialect from its `insert`: a hot path's
    statement is built (and its cache key computed) once, then executed with parameters."""
    return {"sqlite": build(sqlite.insert), "postgresql": build(postgresql.insert)}


def upsert(table_: Table, keys: Sequence[str]) -> dict[str, Any]:
    """INSERT, or on a conflict of `keys` replace every other column: per dialect, built once."""

    def build(insert: Any) -> Any:
        stmt = insert(table_)
        return stmt.on_conflict_do_update(
            index_elements=list(keys),
            set_={c.name: stmt.excluded[c.name] for c in table_.c if c.name not in keys},
        )

    return for_dialect(build)


def member_window(table_: Table) -> Select[Any]:
    """A member's rows completed in [since, until] (bound parameters), oldest first."""
    return (
        select(*table_.c)
        .where(
            table_.c.acsm_id == bindparam("acsm_id"),
            table_.c.completed_on >= bindparam("since"),
            table_.c.completed_on <= bindparam("until"),
        )
        .order_by(table_.c.completed_on, table_.c.id)
    )


# ---- members and certifications ------------------------------------------------------------


def member_of(row: MemberRow) -> Member:
    return Member(
        acsm_id=row.acsm_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        phone=row.phone,
        cpr_aed_expires=row.cpr_aed_expires,
        username=row.username,
        password_hash=row.password_hash,
        credentials_version=row.credentials_version,
        contact_changed_at=row.contact_changed_at,
    )


def certification_of(row: CertificationRow | Row[Any]) -> Certification:
    return Certification(
        acsm_id=row.acsm_id,
        code=row.code,
        effective_date=row.effective_date,
        thru_date=row.thru_date,
        id=row.id,
    )


class SqlMemberRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, acsm_id: str) -> Member | None:
        row = await self.session.get(MemberRow, acsm_id, populate_existing=True)
        return member_of(row) if row else None

    async def get_by_username(self, username: str) -> Member | None:
        row = await self.session.scalar(
            select(MemberRow).where(MemberRow.username == username.lower())
        )
        return member_of(row) if row else None

    async def save(self, member: Member) -> None:
        await self.session.merge(
            MemberRow(
                acsm_id=member.acsm_id,
                first_name=member.first_name,
                last_name=member.last_name,
                email=member.email,
                phone=member.phone,
                cpr_aed_expires=member.cpr_aed_expires,
                username=member.username.lower() if member.username else None,
                password_hash=member.password_hash,
                credentials_version=member.credentials_version,
                contact_changed_at=member.contact_changed_at,
            )
        )
        await self.session.flush()

    async def get_many(self, acsm_ids: Sequence[str]) -> dict[str, Member]:
        wanted = sorted(set(acsm_ids))
        found: dict[str, Member] = {}
        for start in range(0, len(wanted), 500):
            rows = await self.session.scalars(
                select(MemberRow)
                .where(MemberRow.acsm_id.in_(wanted[start : start + 500]))
                .execution_options(populate_existing=True)
            )
            found.update((r.acsm_id, member_of(r)) for r in rows)
        return found

    async def upsert_many(
        self,
        members: Sequence[Member],
        certifications: Sequence[Certification],
        *,
        keep_contact_changed_since: datetime | None = None,
    ) -> None:
        """Members by acsm_id (username, password and sessions kept), certifications by
        (acsm_id, code); executemany in chunks with the dialect's ON CONFLICT DO UPDATE.
        A contact changed in the chat at or after `keep_contact_changed_since` is kept by the
        statement itself, so a change committed while the import runs is not lost either."""
        member_rows = [
            {
                "acsm_id": m.acsm_id,
                "first_name": m.first_name,
                "last_name": m.last_name,
                "email": m.email,
                "phone": m.phone,
                "cpr_aed_expires": m.cpr_aed_expires,
                "credentials_version": 0,
            }
            for m in members
        ]
        stmt = insert_for(self.session, MemberRow)
        updates: dict[str, Any] = {
            c: stmt.excluded[c]
            for c in ("first_name", "last_name", "email", "phone", "cpr_aed_expires")
        }
        if keep_contact_changed_since is not None:
            since = literal(keep_contact_changed_since, UtcDateTime())
            chat_newer = table(MemberRow).c.contact_changed_at >= since
            for c in ("email", "phone"):
                updates[c] = case((chat_newer, table(MemberRow).c[c]), else_=stmt.excluded[c])
        stmt = stmt.on_conflict_do_update(index_elements=["acsm_id"], set_=updates)
        await self._executemany(stmt, member_rows)
        cert_rows = [
            {
                "acsm_id": c.acsm_id,
                "code": c.code,
                "effective_date": c.effective_date,
                "thru_date": c.thru_date,
            }
            for c in certifications
        ]
        stmt = insert_for(self.session, CertificationRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=["acsm_id", "code"],
            set_={c: stmt.excluded[c] for c in ("effective_date", "thru_date")},
        )
        await self._executemany(stmt, cert_rows)

    async def _executemany(self, stmt: Any, rows: list[dict[str, Any]]) -> None:
        connection = await self.session.connection()
        for start in range(0, len(rows), CHUNK):
            await connection.execute(stmt, rows[start : start + CHUNK])

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(MemberRow)) or 0)

    async def existing_ids(self, acsm_ids: Sequence[str]) -> set[str]:
        wanted = sorted(set(acsm_ids))
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            rows = await self.session.scalars(
                select(MemberRow.acsm_id).where(MemberRow.acsm_id.in_(wanted[start : start + 500]))
            )
            found.update(rows)
        return found


_CERTIFICATIONS = table(CertificationRow)
_MEMBERS_CERTIFICATIONS = Prepared(
    select(*_CERTIFICATIONS.c)
    .where(_CERTIFICATIONS.c.acsm_id == bindparam("acsm_id"))
    .order_by(_CERTIFICATIONS.c.id)
)


class SqlCertificationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_member(self, acsm_id: str) -> list[Certification]:
        rows = await _MEMBERS_CERTIFICATIONS.all(self.session, {"acsm_id": acsm_id})
        return [certification_of(r) for r in rows]

    async def for_members(self, acsm_ids: Sequence[str]) -> list[Certification]:
        wanted = sorted(set(acsm_ids))
        found: list[Certification] = []
        for start in range(0, len(wanted), 500):
            rows = await self.session.scalars(
                select(CertificationRow)
                .where(CertificationRow.acsm_id.in_(wanted[start : start + 500]))
                .order_by(CertificationRow.id)
                .execution_options(populate_existing=True)
            )
            found.extend(certification_of(r) for r in rows)
        return found

    async def get(self, certification_id: int) -> Certification | None:
        row = await self.session.get(CertificationRow, certification_id, populate_existing=True)
        return certification_of(row) if row else None

    async def save(self, certification: Certification) -> None:
        row = await self.session.merge(
            CertificationRow(
                id=certification.id,
                acsm_id=certification.acsm_id,
                code=certification.code,
                effective_date=certification.effective_date,
                thru_date=certification.thru_date,
            )
        )
        await self.session.flush()
        certification.id = row.id


_RECORDED = table(CecActivityRow)
_MEMBERS_RECORDED = Prepared(member_window(_RECORDED))


class SqlCecRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def for_member(self, acsm_id: str, since: date, until: date) -> list[CecActivity]:
        rows = await _MEMBERS_RECORDED.all(
            self.session, {"acsm_id": acsm_id, "since": since, "until": until}
        )
        return [
            CecActivity(r.acsm_id, r.completed_on, r.title, r.provider, from_halves(r.half_cecs))
            for r in rows
        ]

    async def for_members(self, acsm_ids: Sequence[str]) -> list[CecActivity]:
        wanted = sorted(set(acsm_ids))
        found: list[CecActivity] = []
        for start in range(0, len(wanted), 500):
            rows = await self.session.scalars(
                select(CecActivityRow)
                .where(CecActivityRow.acsm_id.in_(wanted[start : start + 500]))
                .order_by(CecActivityRow.id)
            )
            found.extend(
                CecActivity(
                    r.acsm_id, r.completed_on, r.title, r.provider, from_halves(r.half_cecs)
                )
                for r in rows
            )
        return found

    async def add_many(self, activities: Sequence[CecActivity]) -> None:
        """Insert, or update the CECs of the activity with the same key (a correction): the
        same activity imported twice counts once."""
        rows = [
            {
                "acsm_id": a.acsm_id,
                "completed_on": a.completed_on,
                "title": a.title,
                "provider": a.provider,
                "half_cecs": halves(a.cecs),
            }
            for a in activities
        ]
        stmt = insert_for(self.session, CecActivityRow)
        stmt = stmt.on_conflict_do_update(
            index_elements=["acsm_id", "completed_on", "title", "provider"],
            set_={"half_cecs": stmt.excluded.half_cecs},
        )
        connection = await self.session.connection()
        for start in range(0, len(rows), CHUNK):
            await connection.execute(stmt, rows[start : start + CHUNK])


# ---- invoices and payments --------------------------------------------------------------


def invoice_of(row: InvoiceRow) -> Invoice:
    return invoice_with(row, sorted(row.lines, key=lambda line: line.id))


def invoice_with(row: InvoiceRow | Row[Any], lines: Iterable[InvoiceLineRow | Row[Any]]) -> Invoice:
    """The invoice of a row and its line rows (in order)."""
    return Invoice(
        number=row.number,
        acsm_id=row.acsm_id,
        issued_on=row.issued_on,
        description=row.description,
        amount_cents=row.amount_cents,
        balance_cents=row.balance_cents,
        lines=[
            InvoiceLine(line.certification_id, line.code, line.cycle_thru, line.new_thru)
            for line in lines
        ],
        status=InvoiceStatus(row.status),
        late_fee_cents=row.late_fee_cents,
        acsm_cecs=from_halves(row.acsm_half_cecs),
        other_cecs=from_halves(row.other_half_cecs),
        payment_charge_id=row.payment_charge_id,
        paid_at=row.paid_at,
    )


def _with_lines() -> Any:
    return (
        select(InvoiceRow)
        .options(selectinload(InvoiceRow.lines))
        .execution_options(populate_existing=True)
    )


_INVOICES, _LINES = table(InvoiceRow), table(InvoiceLineRow)
_INVOICE_ROW = select(*_INVOICES.c).where(_INVOICES.c.number == bindparam("number"))
_INVOICE = Prepared(_INVOICE_ROW)
# PostgreSQL: a row lock; SQLite's writer lock already serializes (FOR UPDATE not rendered)
_INVOICE_FOR_UPDATE = Prepared(_INVOICE_ROW.with_for_update(of=_INVOICES))
_INVOICE_LINES = Prepared(
    select(*_LINES.c).where(_LINES.c.invoice_number == bindparam("number")).order_by(_LINES.c.id)
)
_CYCLE_INVOICE = Prepared(
    select(_LINES.c.invoice_number).where(
        _LINES.c.certification_id == bindparam("certification_id"),
        _LINES.c.cycle_thru == bindparam("cycle_thru"),
    )
)


class SqlInvoiceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, number: str, *, for_update: bool = False) -> Invoice | None:
        query = _INVOICE_FOR_UPDATE if for_update else _INVOICE
        row = await query.first(self.session, {"number": number})
        if row is None:
            return None
        lines = await _INVOICE_LINES.all(self.session, {"number": number})
        return invoice_with(row, lines)

    async def for_member(self, acsm_id: str) -> list[Invoice]:
        rows = await self.session.scalars(
            _with_lines()
            .where(InvoiceRow.acsm_id == acsm_id)
            .order_by(InvoiceRow.issued_on, InvoiceRow.number)
        )
        return [invoice_of(r) for r in rows]

    async def for_cycle(self, certification_id: int, cycle_thru: date) -> Invoice | None:
        number = await _CYCLE_INVOICE.scalar(
            self.session, {"certification_id": certification_id, "cycle_thru": cycle_thru}
        )
        return await self.get(number) if number else None

    async def number_exists(self, number: str) -> bool:
        return bool(await self.session.scalar(select(exists().where(InvoiceRow.number == number))))

    async def add(self, invoice: Invoice) -> None:
        row = InvoiceRow(
            number=invoice.number,
            acsm_id=invoice.acsm_id,
            issued_on=invoice.issued_on,
            description=invoice.description,
            amount_cents=invoice.amount_cents,
            balance_cents=invoice.balance_cents,
            late_fee_cents=invoice.late_fee_cents,
            status=invoice.status.value,
            acsm_half_cecs=halves(invoice.acsm_cecs),
            other_half_cecs=halves(invoice.other_cecs),
            payment_charge_id=invoice.payment_charge_id,
            paid_at=invoice.paid_at,
        )
        row.lines = [
            InvoiceLineRow(
                certification_id=line.certification_id,
                code=line.code,
                cycle_thru=line.cycle_thru,
                new_thru=line.new_thru,
            )
            for line in invoice.lines
        ]
        try:
            async with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as exc:
            raise DuplicateInvoiceError(invoice.number) from exc

    async def save(self, invoice: Invoice) -> None:
        row = await self.session.get(InvoiceRow, invoice.number)
        if row is None:
            raise LookupError(invoice.number)
        row.status = invoice.status.value
        row.amount_cents = invoice.amount_cents
        row.late_fee_cents = invoice.late_fee_cents
        row.balance_cents = invoice.balance_cents
        row.payment_charge_id = invoice.payment_charge_id
        row.paid_at = invoice.paid_at
        await self.session.flush()

    async def iterate_all(self) -> AsyncIterator[Invoice]:
        result = await self.session.stream_scalars(
            select(InvoiceRow).options(selectinload(InvoiceRow.lines)).order_by(InvoiceRow.number)
        )
        async for row in result:
            yield invoice_of(row)

    async def paid_renewals(self, certification_ids: Sequence[int]) -> dict[int, PaidRenewal]:
        wanted = sorted(set(certification_ids))
        found: dict[int, PaidRenewal] = {}
        for start in range(0, len(wanted), 500):
            rows = await self.session.execute(
                select(InvoiceLineRow.certification_id, InvoiceLineRow.new_thru, InvoiceRow.paid_at)
                .join(InvoiceRow, InvoiceRow.number == InvoiceLineRow.invoice_number)
                .where(
                    InvoiceRow.status == InvoiceStatus.PAID.value,
                    InvoiceLineRow.certification_id.in_(wanted[start : start + 500]),
                )
            )
            for cert_id, new_thru, paid_at in rows:
                known = found.get(cert_id)
                if known is None or new_thru > known.new_thru:
                    found[cert_id] = PaidRenewal(new_thru, paid_at)
        return found


class SqlPaymentRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_once(self, payment: Payment) -> bool:
        stmt = (
            insert_for(self.session, PaymentRow)
            .values(
                charge_id=payment.charge_id,
                provider_charge_id=payment.provider_charge_id,
                acsm_id=payment.acsm_id,
                total_cents=payment.total_cents,
                currency=payment.currency,
                paid_at=payment.paid_at,
                status=payment.status,
                note=payment.note,
                payer_telegram_id=payment.payer_telegram_id,
            )
            .on_conflict_do_nothing(index_elements=["charge_id"])
        )
        result = await self.session.execute(stmt)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return False
        self.session.add_all(
            PaymentInvoiceRow(charge_id=payment.charge_id, invoice_number=number, position=i)
            for i, number in enumerate(dict.fromkeys(payment.invoice_numbers))
        )
        await self.session.flush()
        return True

    async def get(self, charge_id: str) -> Payment | None:
        row = await self.session.get(PaymentRow, charge_id)
        if row is None:
            return None
        numbers = await self.session.scalars(
            select(PaymentInvoiceRow.invoice_number)
            .where(PaymentInvoiceRow.charge_id == charge_id)
            .order_by(PaymentInvoiceRow.position)
        )
        return payment_of(row, list(numbers))

    async def flagged(self) -> list[Payment]:
        rows = await self.session.scalars(
            select(PaymentRow)
            .where(PaymentRow.status == Payment.FLAGGED)
            .order_by(PaymentRow.paid_at)
        )
        return [payment_of(row, []) for row in rows]


def payment_of(row: PaymentRow, numbers: list[str]) -> Payment:
    return Payment(
        charge_id=row.charge_id,
        provider_charge_id=row.provider_charge_id,
        acsm_id=row.acsm_id,
        total_cents=row.total_cents,
        currency=row.currency,
        paid_at=row.paid_at,
        invoice_numbers=numbers,
        status=row.status,
        note=row.note,
        payer_telegram_id=row.payer_telegram_id,
    )


# ---- drafts, sessions, login failures ------------------------------------------------------


_DRAFTS = table(RenewalDraftRow)
_DRAFT = Prepared(select(*_DRAFTS.c).where(_DRAFTS.c.acsm_id == bindparam("acsm_id")))


_SAVE_DRAFT = Prepared(upsert(_DRAFTS, ["acsm_id"]))


class SqlDraftRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, acsm_id: str) -> RenewalDraft | None:
        row = await _DRAFT.first(self.session, {"acsm_id": acsm_id})
        if row is None:
            return None
        return RenewalDraft(
            acsm_id=row.acsm_id,
            certification_ids=[int(i) for i in row.certification_ids],
            contact_confirmed=row.contact_confirmed,
            cpr_confirmed=row.cpr_confirmed,
            acsm_cecs=None if row.acsm_half_cecs is None else from_halves(row.acsm_half_cecs),
            other_cecs=None if row.other_half_cecs is None else from_halves(row.other_half_cecs),
            acknowledged=row.acknowledged,
            updated_at=row.updated_at,
        )

    async def save(self, draft: RenewalDraft) -> None:
        """Insert or replace (one statement, no read first)."""
        await _SAVE_DRAFT.rowcount(
            self.session,
            {
                "acsm_id": draft.acsm_id,
                "certification_ids": list(draft.certification_ids),
                "contact_confirmed": draft.contact_confirmed,
                "cpr_confirmed": draft.cpr_confirmed,
                "acsm_half_cecs": None if draft.acsm_cecs is None else halves(draft.acsm_cecs),
                "other_half_cecs": None if draft.other_cecs is None else halves(draft.other_cecs),
                "acknowledged": draft.acknowledged,
                "updated_at": draft.updated_at,
            },
        )

    async def delete(self, acsm_id: str) -> None:
        await self.session.execute(
            delete(RenewalDraftRow).where(RenewalDraftRow.acsm_id == acsm_id)
        )


def _link_and_member() -> Any:
    """A session and its member in one statement, columns only (no ORM objects to build)."""
    link, member = table(SessionRow).c, table(MemberRow).c
    return (
        select(
            link.credentials_version.label("link_credentials_version"),
            link.linked_at,
            link.last_seen_at,
            *member,
        )
        .join_from(table(SessionRow), table(MemberRow), member.acsm_id == link.acsm_id)
        .where(link.telegram_user_id == bindparam("telegram_user_id"))
    )


_LINK_AND_MEMBER = Prepared(_link_and_member())


class SqlSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, telegram_user_id: int) -> TelegramLink | None:
        row = await self.session.get(SessionRow, telegram_user_id, populate_existing=True)
        if row is None:
            return None
        return TelegramLink(
            telegram_user_id=row.telegram_user_id,
            acsm_id=row.acsm_id,
            credentials_version=row.credentials_version,
            linked_at=row.linked_at,
            last_seen_at=row.last_seen_at,
        )

    async def get_with_member(self, telegram_user_id: int) -> tuple[TelegramLink, Member] | None:
        row = await _LINK_AND_MEMBER.first(self.session, {"telegram_user_id": telegram_user_id})
        if row is None:
            return None
        link = TelegramLink(
            telegram_user_id=telegram_user_id,
            acsm_id=row.acsm_id,
            credentials_version=row.link_credentials_version,
            linked_at=row.linked_at,
            last_seen_at=row.last_seen_at,
        )
        return link, member_of(row)

    async def save(self, link: TelegramLink) -> None:
        await self.session.merge(
            SessionRow(
                telegram_user_id=link.telegram_user_id,
                acsm_id=link.acsm_id,
                credentials_version=link.credentials_version,
                linked_at=link.linked_at,
                last_seen_at=link.last_seen_at,
            )
        )
        await self.session.flush()

    async def delete(self, telegram_user_id: int) -> None:
        await self.session.execute(
            delete(SessionRow).where(SessionRow.telegram_user_id == telegram_user_id)
        )

    async def delete_for_member(self, acsm_id: str) -> None:
        await self.session.execute(delete(SessionRow).where(SessionRow.acsm_id == acsm_id))


class SqlLoginAttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def record_failure(self, key: str, at: datetime) -> None:
        self.session.add(LoginFailureRow(key=key, at=at))
        await self.session.flush()

    async def failures_since(self, key: str, since: datetime) -> list[datetime]:
        rows = await self.session.scalars(
            select(LoginFailureRow.at)
            .where(LoginFailureRow.key == key, LoginFailureRow.at >= since)
            .order_by(LoginFailureRow.at)
        )
        return list(rows)

    async def clear(self, key: str) -> None:
        await self.session.execute(delete(LoginFailureRow).where(LoginFailureRow.key == key))
