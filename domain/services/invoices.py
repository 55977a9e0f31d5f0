"""Invoices: listing, selecting for payment, checking and recording payments, receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from domain.cycles import CertState, cert_state
from domain.errors import NotFoundError
from domain.model import Invoice, InvoiceStatus, Member, Payment
from domain.money import format_usd
from domain.ports import UnitOfWork
from domain.renewal_rules import Refusal, late_fee_cents
from domain.rules import Rules
from domain.services.session import require_member

CURRENCY = "USD"


@dataclass(frozen=True)
class InvoiceView:
    number: str
    issued_on: date
    description: str
    amount_cents: int
    balance_cents: int
    status: InvoiceStatus
    paid_at: datetime | None
    charge_id: str | None

    @classmethod
    def of(cls, invoice: Invoice) -> InvoiceView:
        return cls(
            number=invoice.number,
            issued_on=invoice.issued_on,
            description=invoice.description,
            amount_cents=invoice.amount_cents,
            balance_cents=invoice.balance_cents,
            status=invoice.status,
            paid_at=invoice.paid_at,
            charge_id=invoice.payment_charge_id,
        )


@dataclass(frozen=True)
class Selection:
    invoices: list[InvoiceView]
    total_cents: int


@dataclass(frozen=True)
class PaymentOutcome:
    new: bool  # True when this payment paid its invoices now
    invoices: list[InvoiceView]
    new_thru_dates: list[tuple[str, date]]  # (certification code, new thru date)
    repeated: bool = False  # this charge id was recorded before (a repeated delivery)
    flagged: str | None = None  # recorded, extended nothing: why (for staff)


@dataclass(frozen=True)
class ReceiptView:
    member_name: str
    acsm_id: str
    invoices: list[InvoiceView]
    paid_at: datetime
    charge_id: str


def unique(numbers: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))


async def my_invoices(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> list[InvoiceView]:
    """All the member's invoices, open ones first, newest first."""
    member = await require_member(uow, rules, telegram_user_id)
    invoices = await uow.invoices.for_member(member.acsm_id)
    invoices.sort(key=lambda i: (i.status is not InvoiceStatus.OPEN, -i.issued_on.toordinal()))
    return [InvoiceView.of(i) for i in invoices]


async def owned_invoices(uow: UnitOfWork, member: Member, numbers: Sequence[str]) -> list[Invoice]:
    """The named invoices, all the member's; NotFoundError for any other (reveals nothing)."""
    found = []
    for number in unique(numbers):
        invoice = await uow.invoices.get(number)
        if invoice is None or invoice.acsm_id != member.acsm_id:
            raise NotFoundError(f"Invoice {number[:12]} not found.")
        found.append(invoice)
    return found


async def select_invoices(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, numbers: list[str]
) -> Selection:
    """The member's own open invoices named, and their total balance."""
    member = await require_member(uow, rules, telegram_user_id)
    invoices = await owned_invoices(uow, member, numbers)
    for invoice in invoices:
        if invoice.status is not InvoiceStatus.OPEN:
            raise NotFoundError(f"Invoice {invoice.number} is already paid.")
    views = [InvoiceView.of(i) for i in invoices]
    return Selection(invoices=views, total_cents=sum(v.balance_cents for v in views))


async def pre_checkout(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    invoice_numbers: list[str],
    total_cents: int,
    currency: str,
) -> str | None:
    """None when the payment may go ahead, else a readable reason: every invoice still open
    and the payer's own (see payable_invoices), the total equal to their balances to the cent, in USD, and each
    cycle still renewable today. A cycle that entered its grace period since the invoice was
    issued gets the late fee added to the invoice now (the member selects it again and sees
    the new amount); a lapsed one is refused with the reinstatement explanation."""
    try:
        invoices = await payable_invoices(uow, telegram_user_id, invoice_numbers)
    except NotFoundError as exc:
        return str(exc)
    problem = payment_problem(invoices, total_cents, currency)
    if problem is None:
        problem = await still_renewable(uow, rules, invoices)
    return problem


async def payable_invoices(
    uow: UnitOfWork, telegram_user_id: int, invoice_numbers: Sequence[str]
) -> list[Invoice]:
    """The invoices of a Telegram invoice being paid. Logged in, only the member's own; not
    logged in (they logged out after opening the invoice we sent to this chat), the invoices
    of one member. NotFoundError otherwise, revealing nothing."""
    link = await uow.sessions.get(telegram_user_id)
    invoices = []
    for number in unique(invoice_numbers):
        invoice = await uow.invoices.get(number)
        if invoice is None or (link is not None and invoice.acsm_id != link.acsm_id):
            raise NotFoundError(f"Invoice {number[:12]} not found.")
        invoices.append(invoice)
    if len({i.acsm_id for i in invoices}) > 1:
        raise NotFoundError("Those invoices cannot be paid together.")
    return invoices


async def still_renewable(uow: UnitOfWork, rules: Rules, invoices: Sequence[Invoice]) -> str | None:
    """The rules of today: lapsed cycles cannot be paid; a late fee due since is added."""
    now = rules.clock.now()
    for invoice in invoices:
        states = [cert_state(line.cycle_thru, rules.timezone, now) for line in invoice.lines]
        if CertState.LAPSED in states:
            return Refusal.lapsed().message
        fee = late_fee_cents(states, rules.catalog)
        if fee > invoice.late_fee_cents:
            added = fee - invoice.late_fee_cents
            invoice.late_fee_cents = fee
            invoice.amount_cents += added
            invoice.balance_cents += added
            await uow.invoices.save(invoice)
            return (
                f"Your certification is now in its grace period, so a late fee of "
                f"{format_usd(added)} applies. Invoice {invoice.number} is now "
                f"{format_usd(invoice.balance_cents)}: please select it again in /invoices."
            )
    return None


def payment_problem(invoices: Sequence[Invoice], total_cents: int, currency: str) -> str | None:
    if not invoices:
        return "No invoice selected."
    if currency.upper() != CURRENCY:
        return f"Payments are in {CURRENCY} only."
    paid = [i.number for i in invoices if i.status is not InvoiceStatus.OPEN]
    if paid:
        return f"Already paid: {', '.join(paid)}. Please select your invoices again."
    due = sum(i.balance_cents for i in invoices)
    if total_cents != due:
        return f"The amount changed: {format_usd(due)} is due. Please select your invoices again."
    return None


async def record_payment(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    invoice_numbers: list[str],
    charge_id: str,
    provider_charge_id: str,
    total_cents: int,
    currency: str,
) -> PaymentOutcome:
    """Record a successful payment exactly once per charge id.

    Money was taken already, so it is always recorded. It pays the invoices (marks them
    paid, extends each renewed certification: thru = the line's new thru, effective = old
    thru + 1) only when they all exist, are open, belong to one member the payer is linked
    to, and the amount and currency match; otherwise it is recorded as flagged, extends
    nothing, and the outcome says why (staff sort it out). A repeated delivery of the same
    charge id changes nothing and returns `repeated`."""
    named = unique(invoice_numbers)
    invoices = [i for n in sorted(named) if (i := await uow.invoices.get(n, for_update=True))]
    invoices.sort(key=lambda i: named.index(i.number))
    problem = await payment_anomaly(uow, telegram_user_id, named, invoices, total_cents, currency)
    payment = Payment(
        charge_id=charge_id,
        provider_charge_id=provider_charge_id,
        acsm_id=invoices[0].acsm_id if invoices else None,
        total_cents=total_cents,
        currency=currency.upper(),
        paid_at=rules.clock.now(),
        invoice_numbers=[i.number for i in invoices] if problem is None else [],
        status=Payment.APPLIED if problem is None else Payment.FLAGGED,
        note=problem,
        payer_telegram_id=telegram_user_id,
    )
    if not await uow.payments.add_once(payment):
        return PaymentOutcome(False, [InvoiceView.of(i) for i in invoices], [], repeated=True)
    views = [InvoiceView.of(i) for i in invoices]
    if problem is not None:
        return PaymentOutcome(False, views, [], flagged=problem)
    extended: list[tuple[str, date]] = []
    for invoice in invoices:
        extended += await settle(uow, rules, invoice, charge_id)
    await end_finished_draft(uow, invoices[0].acsm_id)
    return PaymentOutcome(True, [InvoiceView.of(i) for i in invoices], extended)


async def payment_anomaly(
    uow: UnitOfWork,
    telegram_user_id: int,
    named: Sequence[str],
    invoices: Sequence[Invoice],
    total_cents: int,
    currency: str,
) -> str | None:
    """Why a received payment must not pay its invoices, or None when it may."""
    found = {i.number for i in invoices}
    missing = [n[:12] for n in named if n not in found]
    if not named or missing:
        return f"unknown invoice(s): {', '.join(missing) or 'none named'}"
    if len({i.acsm_id for i in invoices}) != 1:
        return "invoices of several members"
    paid = [i.number for i in invoices if i.status is not InvoiceStatus.OPEN]
    if paid:
        return f"already paid: {', '.join(paid)}"
    due = sum(i.balance_cents for i in invoices)
    if currency.upper() != CURRENCY or total_cents != due:
        return f"amount {total_cents} {currency[:3]} does not match the {due} {CURRENCY} due"
    # The payer: a Telegram user logged in as another member is not paying their own
    # invoice. One not logged in at all (logged out after opening the invoice) is taken at
    # the invoice's word: the payload names invoices of one member, to the cent.
    link = await uow.sessions.get(telegram_user_id)
    if link is not None and link.acsm_id != invoices[0].acsm_id:
        return "the payer is logged in as another member"
    return None


async def settle(
    uow: UnitOfWork, rules: Rules, invoice: Invoice, charge_id: str
) -> list[tuple[str, date]]:
    """Mark one invoice paid and extend its certifications; (code, new thru) per line."""
    if invoice.status is InvoiceStatus.PAID:
        return []
    invoice.status = InvoiceStatus.PAID
    invoice.balance_cents = 0
    invoice.payment_charge_id = charge_id
    invoice.paid_at = rules.clock.now()
    await uow.invoices.save(invoice)
    extended = []
    for line in invoice.lines:
        cert = await uow.certifications.get(line.certification_id)
        if cert is None or cert.thru_date != line.cycle_thru:
            continue  # gone, or extended already
        cert.thru_date = line.new_thru
        cert.effective_date = line.cycle_thru + timedelta(days=1)
        await uow.certifications.save(cert)
        extended.append((cert.code, line.new_thru))
    return extended


async def end_finished_draft(uow: UnitOfWork, acsm_id: str) -> None:
    draft = await uow.drafts.get(acsm_id)
    if draft is not None and draft.acknowledged:
        await uow.drafts.delete(acsm_id)


async def receipt(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, invoice_numbers: list[str]
) -> ReceiptView:
    """A receipt for paid invoices of this member that share one payment."""
    member = await require_member(uow, rules, telegram_user_id)
    invoices = await owned_invoices(uow, member, invoice_numbers)
    charges = {i.payment_charge_id for i in invoices}
    paid = [i for i in invoices if i.status is InvoiceStatus.PAID and i.paid_at is not None]
    if not invoices or len(paid) != len(invoices) or len(charges) != 1:
        raise NotFoundError("No receipt: those invoices are not paid together.")
    charge_id, paid_at = paid[0].payment_charge_id, paid[0].paid_at
    assert charge_id is not None and paid_at is not None
    return ReceiptView(
        member_name=member.full_name,
        acsm_id=member.acsm_id,
        invoices=[InvoiceView.of(i) for i in invoices],
        paid_at=paid_at,
        charge_id=charge_id,
    )
