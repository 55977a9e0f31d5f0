"""Invoices and payments (domain.ports InvoiceRepository, PaymentRepository), in Core on the
unit of work's connection. An invoice is read with its lines in one statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.model import Invoice, InvoiceLine, InvoiceStatus, Payment
from domain.ports import DuplicateInvoiceError, PaidRenewal
from storage.cycle_invoices import Cycle, CycleInvoices
from storage.orm import (
    LINE_IS_LIVE,
    InvoiceLineRow,
    InvoiceRow,
    PaymentInvoiceRow,
    PaymentRow,
    table,
)
from storage.statements import (
    IN_BATCH,
    batches,
    from_halves,
    halves,
    in_list,
    insert_or_ignore,
    of_dialect,
    rows_for,
)

INVOICES = table(InvoiceRow)
LINES = table(InvoiceLineRow)
PAYMENTS = table(PaymentRow)
PAID_INVOICES = table(PaymentInvoiceRow)

_PAID = InvoiceStatus.PAID.value
_OPEN = InvoiceStatus.OPEN.value
_VOID = InvoiceStatus.VOID.value


def invoice_with(row: Any, lines: Iterable[InvoiceLine]) -> Invoice:
    """The invoice of a row and its lines (in order)."""
    return Invoice(
        number=row.number,
        acsm_id=row.acsm_id,
        issued_on=row.issued_on,
        description=row.description,
        amount_cents=row.amount_cents,
        balance_cents=row.balance_cents,
        lines=list(lines),
        status=InvoiceStatus(row.status),
        late_fee_cents=row.late_fee_cents,
        acsm_cecs=from_halves(row.acsm_half_cecs),
        other_cecs=from_halves(row.other_half_cecs),
        payment_charge_id=row.payment_charge_id,
        paid_at=row.paid_at,
        voided_at=row.voided_at,
        void_reason=row.void_reason,
    )


# An invoice's columns and its lines' (labelled line_…): one row per line, in order.
_LINE_COLUMNS = [
    LINES.c[c].label(f"line_{c}")
    for c in ("id", "certification_id", "code", "cycle_thru", "new_thru")
]
_WITH_LINES = select(*INVOICES.c, *_LINE_COLUMNS).select_from(
    INVOICES.outerjoin(LINES, LINES.c.invoice_number == INVOICES.c.number)
)


def _line_of(row: Any) -> InvoiceLine | None:
    if row.line_id is None:  # an invoice without lines (the outer join's empty side)
        return None
    return InvoiceLine(
        row.line_certification_id, row.line_code, row.line_cycle_thru, row.line_new_thru
    )


def invoices_of(rows: Iterable[Any]) -> list[Invoice]:
    """Invoices from `_WITH_LINES` rows ordered by invoice, then line."""
    found: list[Invoice] = []
    for row in rows:
        if not found or found[-1].number != row.number:
            found.append(invoice_with(row, []))
        if (line := _line_of(row)) is not None:
            found[-1].lines.append(line)
    return found


_INVOICE = _WITH_LINES.where(INVOICES.c.number == bindparam("number")).order_by(LINES.c.id)
# PostgreSQL: a row lock; SQLite's writer lock already serializes (FOR UPDATE not rendered)
_INVOICE_FOR_UPDATE = _INVOICE.with_for_update(of=INVOICES)
_MEMBERS_INVOICES = _WITH_LINES.where(INVOICES.c.acsm_id == bindparam("acsm_id")).order_by(
    INVOICES.c.issued_on, INVOICES.c.number, LINES.c.id
)
_CYCLE_INVOICE = _WITH_LINES.where(
    INVOICES.c.number
    == select(LINES.c.invoice_number)
    .where(
        LINES.c.certification_id == bindparam("certification_id"),
        LINES.c.cycle_thru == bindparam("cycle_thru"),
        LINE_IS_LIVE,  # the partial unique key: one such line at most
    )
    .scalar_subquery()
).order_by(LINES.c.id)
_OPEN_INVOICES_OF = _WITH_LINES.where(
    in_list(INVOICES.c.acsm_id), INVOICES.c.status == _OPEN
).order_by(INVOICES.c.number, LINES.c.id)
_VOIDED_UNTOLD = _WITH_LINES.where(
    INVOICES.c.acsm_id == bindparam("acsm_id"),
    INVOICES.c.status == _VOID,
    INVOICES.c.void_told_at.is_(None),
).order_by(INVOICES.c.voided_at, INVOICES.c.number, LINES.c.id)
_VOID_TOLD = (
    update(INVOICES)
    .where(in_list(INVOICES.c.number), INVOICES.c.void_told_at.is_(None))
    .values(void_told_at=bindparam("at"))
)
_VOID_LINES = update(LINES).where(LINES.c.invoice_number == bindparam("number")).values(voided=True)
_ALL_INVOICES = _WITH_LINES.order_by(INVOICES.c.number, LINES.c.id)
_NUMBER_EXISTS = select(exists().where(INVOICES.c.number == bindparam("number")))
_ADD_INVOICE = INVOICES.insert()
_ADD_LINE = LINES.insert()
_SAVE_INVOICE = update(INVOICES).where(INVOICES.c.number == bindparam("invoice_number"))
_PAID_RENEWALS = (
    select(LINES.c.certification_id, LINES.c.new_thru, INVOICES.c.paid_at)
    .join(INVOICES, INVOICES.c.number == LINES.c.invoice_number)
    .where(INVOICES.c.status == _PAID, in_list(LINES.c.certification_id))
)


class SqlInvoiceRepository:
    def __init__(self, connection: AsyncConnection, cycle_invoices: CycleInvoices) -> None:
        self.connection = connection
        self.cycle_invoices = cycle_invoices

    async def get(self, number: str, *, for_update: bool = False) -> Invoice | None:
        query = _INVOICE_FOR_UPDATE if for_update else _INVOICE
        found = invoices_of(await self.connection.execute(query, {"number": number}))
        return found[0] if found else None

    async def for_member(self, acsm_id: str) -> list[Invoice]:
        return invoices_of(await self.connection.execute(_MEMBERS_INVOICES, {"acsm_id": acsm_id}))

    async def for_cycle(self, certification_id: int, cycle_thru: date) -> Invoice | None:
        cycle = (certification_id, cycle_thru)
        if self.cycle_invoices.known(cycle):
            number = self.cycle_invoices.number(cycle)
            return None if number is None else await self.get(number)
        params = {"certification_id": certification_id, "cycle_thru": cycle_thru}
        found = invoices_of(await self.connection.execute(_CYCLE_INVOICE, params))
        invoice = found[0] if found else None
        self.cycle_invoices.learn(cycle, invoice.number if invoice else None)
        return invoice

    async def open_for_members(self, acsm_ids: Sequence[str]) -> list[Invoice]:
        return invoices_of(await rows_for(self.connection, _OPEN_INVOICES_OF, acsm_ids))

    async def voided_untold(self, acsm_id: str) -> list[Invoice]:
        return invoices_of(await self.connection.execute(_VOIDED_UNTOLD, {"acsm_id": acsm_id}))

    async def void_told(self, numbers: Sequence[str], at: datetime) -> None:
        for batch in batches(sorted(set(numbers)), IN_BATCH):
            await self.connection.execute(_VOID_TOLD, {"values": list(batch), "at": at})

    async def number_exists(self, number: str) -> bool:
        return bool(await self.connection.scalar(_NUMBER_EXISTS, {"number": number}))

    async def add(self, invoice: Invoice) -> None:
        """In a SAVEPOINT of its own: a unique key broken (the cycle or the number taken by a
        concurrent transaction) undoes only this insert, and the caller's transaction goes on."""
        cycles: list[Cycle] = [(line.certification_id, line.cycle_thru) for line in invoice.lines]
        try:
            async with self.connection.begin_nested():
                await self.connection.execute(
                    _ADD_INVOICE,
                    {
                        "number": invoice.number,
                        "acsm_id": invoice.acsm_id,
                        "issued_on": invoice.issued_on,
                        "description": invoice.description,
                        "amount_cents": invoice.amount_cents,
                        "balance_cents": invoice.balance_cents,
                        "late_fee_cents": invoice.late_fee_cents,
                        "status": invoice.status.value,
                        "acsm_half_cecs": halves(invoice.acsm_cecs),
                        "other_half_cecs": halves(invoice.other_cecs),
                        "payment_charge_id": invoice.payment_charge_id,
                        "paid_at": invoice.paid_at,
                        "voided_at": invoice.voided_at,
                        "void_reason": invoice.void_reason,
                    },
                )
                if invoice.lines:
                    await self.connection.execute(
                        _ADD_LINE,
                        [
                            {
                                "invoice_number": invoice.number,
                                "certification_id": line.certification_id,
                                "code": line.code,
                                "cycle_thru": line.cycle_thru,
                                "new_thru": line.new_thru,
                                "voided": invoice.status is InvoiceStatus.VOID,
                            }
                            for line in invoice.lines
                        ],
                    )
        except IntegrityError as exc:
            self.cycle_invoices.forget(cycles)  # another transaction's invoice: read it again
            raise DuplicateInvoiceError(invoice.number) from exc
        for cycle in cycles:
            self.cycle_invoices.learn(cycle, invoice.number)

    async def save(self, invoice: Invoice) -> None:
        result = await self.connection.execute(
            _SAVE_INVOICE,
            {
                "invoice_number": invoice.number,
                "status": invoice.status.value,
                "amount_cents": invoice.amount_cents,
                "late_fee_cents": invoice.late_fee_cents,
                "balance_cents": invoice.balance_cents,
                "payment_charge_id": invoice.payment_charge_id,
                "paid_at": invoice.paid_at,
                "voided_at": invoice.voided_at,
                "void_reason": invoice.void_reason,
            },
        )
        if result.rowcount == 0:
            raise LookupError(invoice.number)
        if invoice.status is InvoiceStatus.VOID:  # its cycles are free for a new invoice
            await self.connection.execute(_VOID_LINES, {"number": invoice.number})
            self.cycle_invoices.forget(
                (line.certification_id, line.cycle_thru) for line in invoice.lines
            )

    async def iterate_all(self) -> AsyncIterator[Invoice]:
        """Every invoice by number, streamed (an invoice's lines follow it)."""
        result = await self.connection.stream(_ALL_INVOICES)
        current: Invoice | None = None
        async for row in result:
            if current is None or current.number != row.number:
                if current is not None:
                    yield current
                current = invoice_with(row, [])
            if (line := _line_of(row)) is not None:
                current.lines.append(line)
        if current is not None:
            yield current

    async def paid_renewals(self, certification_ids: Sequence[int]) -> dict[int, PaidRenewal]:
        found: dict[int, PaidRenewal] = {}
        for cert_id, new_thru, paid_at in await rows_for(
            self.connection, _PAID_RENEWALS, certification_ids
        ):
            known = found.get(cert_id)
            if known is None or new_thru > known.new_thru:
                found[cert_id] = PaidRenewal(new_thru, paid_at)
        return found


# ---- payments ---------------------------------------------------------------------------

_ADD_PAYMENT = insert_or_ignore(PAYMENTS, ["charge_id"])
_ADD_PAID_INVOICE = PAID_INVOICES.insert()
_PAYMENT = (
    select(*PAYMENTS.c, PAID_INVOICES.c.invoice_number)
    .select_from(
        PAYMENTS.outerjoin(PAID_INVOICES, PAID_INVOICES.c.charge_id == PAYMENTS.c.charge_id)
    )
    .where(PAYMENTS.c.charge_id == bindparam("charge_id"))
    .order_by(PAID_INVOICES.c.position)
)
_FLAGGED = (
    select(*PAYMENTS.c).where(PAYMENTS.c.status == Payment.FLAGGED).order_by(PAYMENTS.c.paid_at)
)

_PROVIDER_IDS = select(PAYMENTS.c.charge_id, PAYMENTS.c.provider_charge_id).where(
    PAYMENTS.c.status == Payment.APPLIED
)


def payment_of(row: Any, numbers: list[str]) -> Payment:
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


class SqlPaymentRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def add_once(self, payment: Payment) -> bool:
        result = await self.connection.execute(
            of_dialect(self.connection, _ADD_PAYMENT),
            {
                "charge_id": payment.charge_id,
                "provider_charge_id": payment.provider_charge_id,
                "acsm_id": payment.acsm_id,
                "total_cents": payment.total_cents,
                "currency": payment.currency,
                "paid_at": payment.paid_at,
                "status": payment.status,
                "note": payment.note,
                "payer_telegram_id": payment.payer_telegram_id,
            },
        )
        if result.rowcount != 1:
            return False
        numbers = dict.fromkeys(payment.invoice_numbers)
        if numbers:
            await self.connection.execute(
                _ADD_PAID_INVOICE,
                [
                    {"charge_id": payment.charge_id, "invoice_number": number, "position": i}
                    for i, number in enumerate(numbers)
                ],
            )
        return True

    async def get(self, charge_id: str) -> Payment | None:
        rows = (await self.connection.execute(_PAYMENT, {"charge_id": charge_id})).all()
        if not rows:
            return None
        numbers = [r.invoice_number for r in rows if r.invoice_number is not None]
        return payment_of(rows[0], numbers)

    async def flagged(self) -> list[Payment]:
        return [payment_of(row, []) for row in await self.connection.execute(_FLAGGED)]

    async def provider_charge_ids(self) -> dict[str, str]:
        result = await self.connection.execute(_PROVIDER_IDS)
        return {charge_id: provider for charge_id, provider in result}
