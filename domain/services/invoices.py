"""Invoices: listing, selecting for payment, checking and recording payments, receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from domain.catalog import UnknownCertificationError
from domain.cycles import CertState, cert_state
from domain.errors import N_, DomainError, NotFoundError, RefusedError
from domain.invoices import MovedCycle, moved_cycles, moved_reason
from domain.model import Invoice, InvoiceStatus, Member, Payment
from domain.money import format_usd
from domain.ports import UnitOfWork
from domain.renewal_rules import Refusal, late_fee_cents
from domain.rules import Rules
from domain.services.session import require_member

CURRENCY = "USD"
MAX_NOTE = 500  # a flagged payment's note (payments.note)


class PaymentRefusedError(DomainError):
    """Why Telegram is told not to take a payment (pre_checkout): a template and its values."""


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
    void_reason: str | None = None  # VOID: why ("CPT is now thru 12/31/2029")

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
            void_reason=invoice.void_reason,
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
    # flagged because an invoice paid can no longer renew anything (void, or its cycle moved):
    # (number, why in the member's words); staff refund or apply the payment
    cancelled: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class RenewedCertification:
    """One certification a receipt's payment renewed, and until when."""

    code: str
    name: str  # the catalog's name ("ACSM Certified Personal Trainer"), or the code
    new_thru: date


@dataclass(frozen=True)
class ReceiptView:
    member_name: str
    acsm_id: str
    invoices: list[InvoiceView]
    paid_at: datetime
    charge_id: str  # Telegram's
    provider_charge_id: str | None = None  # the payment provider's (None: not on record)
    renewed: list[RenewedCertification] = field(default_factory=list)


def unique(numbers: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(n.strip().upper() for n in numbers if n.strip()))


async def my_invoices(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> list[InvoiceView]:
    """All the member's invoices (void ones too), open ones first, newest first."""
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
            raise NotFoundError("Invoice {number} not found.", number=number[:12])
        found.append(invoice)
    return found


async def select_invoices(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, numbers: list[str]
) -> Selection:
    """The member's own open invoices named, and their total balance."""
    member = await require_member(uow, rules, telegram_user_id)
    invoices = await owned_invoices(uow, member, numbers)
    for invoice in invoices:
        if invoice.status is InvoiceStatus.VOID:
            raise NotFoundError(
                "Invoice {number} was cancelled: nothing is due on it.", number=invoice.number
            )
        if invoice.status is not InvoiceStatus.OPEN:
            raise NotFoundError("Invoice {number} is already paid.", number=invoice.number)
    views = [InvoiceView.of(i) for i in invoices]
    return Selection(invoices=views, total_cents=sum(v.balance_cents for v in views))


async def pre_checkout(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    invoice_numbers: list[str],
    total_cents: int,
    currency: str,
) -> DomainError | None:
    """None when the payment may go ahead, else why not (its template and values: said in
    the member's language by the handler; `str()` is the English): every invoice still open
    (not paid, not void) and the payer's own (see payable_invoices), the total equal to their
    balances to the cent, in USD, each line's cycle still its certification's (not moved by
    a staff import) and still renewable today. A cycle that entered its grace period since
    the invoice was issued gets the late fee added to the invoice now (the member selects it
    again and sees the new amount); a lapsed one is refused with the reinstatement
    explanation."""
    try:
        invoices = await payable_invoices(uow, telegram_user_id, invoice_numbers)
    except NotFoundError as exc:
        return exc
    problem = payment_problem(invoices, total_cents, currency)
    if problem is None:
        problem = await cycles_gone(uow, invoices)
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
            raise NotFoundError("Invoice {number} not found.", number=number[:12])
        invoices.append(invoice)
    if len({i.acsm_id for i in invoices}) > 1:
        raise NotFoundError("Those invoices cannot be paid together.")
    return invoices


async def moved_lines(uow: UnitOfWork, invoice: Invoice) -> list[MovedCycle]:
    """The invoice's lines whose cycle is no longer their certification's (domain/invoices.py)."""
    thru_now = {}
    for line in invoice.lines:
        cert = await uow.certifications.get(line.certification_id)
        if cert is not None and cert.acsm_id == invoice.acsm_id:
            thru_now[line.certification_id] = cert.thru_date
    return moved_cycles(invoice, thru_now)


async def cycles_gone(uow: UnitOfWork, invoices: Sequence[Invoice]) -> DomainError | None:
    """Why an open invoice can no longer be paid: a cycle it renews moved since it was issued
    (a staff import voids such invoices; this is the check at the moment of paying)."""
    for invoice in invoices:
        moved = await moved_lines(uow, invoice)
        if moved:
            return PaymentRefusedError(
                N_("Invoice {number} can no longer be paid: {reason}. Nothing was charged."),
                number=invoice.number,
                reason=moved_reason(moved),
            )
    return None


async def still_renewable(
    uow: UnitOfWork, rules: Rules, invoices: Sequence[Invoice]
) -> DomainError | None:
    """The rules of today: lapsed cycles cannot be paid; a late fee due since is added."""
    now = rules.clock.now()
    for invoice in invoices:
        states = [cert_state(line.cycle_thru, rules.timezone, now) for line in invoice.lines]
        if CertState.LAPSED in states:
            return RefusedError(Refusal.lapsed(rules.acsm_contact))
        fee = late_fee_cents(states, rules.catalog)
        if fee > invoice.late_fee_cents:
            added = fee - invoice.late_fee_cents
            invoice.late_fee_cents = fee
            invoice.amount_cents += added
            invoice.balance_cents += added
            await uow.invoices.save(invoice)
            return PaymentRefusedError(
                N_(
                    "Your certification is now in its grace period, so a late fee of {fee} "
                    "applies. Invoice {number} is now {amount}: please select it again in "
                    "/invoices."
                ),
                fee=format_usd(added),
                number=invoice.number,
                amount=format_usd(invoice.balance_cents),
            )
    return None


def payment_problem(
    invoices: Sequence[Invoice], total_cents: int, currency: str
) -> DomainError | None:
    if not invoices:
        return PaymentRefusedError(N_("No invoice selected."))
    if currency.upper() != CURRENCY:
        return PaymentRefusedError(N_("Payments are in {currency} only."), currency=CURRENCY)
    for invoice in invoices:
        if invoice.status is InvoiceStatus.VOID:
            return PaymentRefusedError(
                N_(
                    "Invoice {number} was cancelled ({reason}): nothing is due on it. "
                    "Nothing was charged."
                ),
                number=invoice.number,
                reason=invoice.void_reason or N_("its cycle moved"),
            )
    paid = [i.number for i in invoices if i.status is not InvoiceStatus.OPEN]
    if paid:
        return PaymentRefusedError(
            N_("Already paid: {numbers}. Please select your invoices again."),
            numbers=", ".join(paid),
        )
    due = sum(i.balance_cents for i in invoices)
    if total_cents != due:
        return PaymentRefusedError(
            N_("The amount changed: {amount} is due. Please select your invoices again."),
            amount=format_usd(due),
        )
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
    thru + 1) only when they all exist, are open (not paid, not void), belong to one member
    the payer is linked to, every cycle they renew is still their certification's, and the
    amount and currency match; otherwise it is recorded as flagged, extends nothing, and the
    outcome says why (staff refund or apply it). A void invoice (or one whose cycle moved)
    is named in `cancelled`, and counts as told to the member. A repeated delivery of the
    same charge id changes nothing and returns `repeated`."""
    named = unique(invoice_numbers)
    invoices = [i for n in sorted(named) if (i := await uow.invoices.get(n, for_update=True))]
    invoices.sort(key=lambda i: named.index(i.number))
    anomaly = await payment_anomaly(uow, telegram_user_id, named, invoices, total_cents, currency)
    problem = anomaly.note if anomaly is not None else None
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
    if anomaly is not None:
        told = {number for number, _ in anomaly.cancelled}
        void = [i.number for i in invoices if i.status is InvoiceStatus.VOID and i.number in told]
        if void:  # the payment's answer tells the member: no separate notice
            await uow.invoices.void_told(void, rules.clock.now())
        return PaymentOutcome(False, views, [], flagged=anomaly.note, cancelled=anomaly.cancelled)
    extended: list[tuple[str, date]] = []
    for invoice in invoices:
        extended += await settle(uow, rules, invoice, charge_id)
    await end_finished_draft(uow, invoices[0].acsm_id)
    return PaymentOutcome(True, [InvoiceView.of(i) for i in invoices], extended)


@dataclass(frozen=True)
class Anomaly:
    """Why a received payment must not pay its invoices."""

    note: str  # for staff (the payment's note)
    cancelled: list[tuple[str, str]] = field(default_factory=list)  # void or cycle moved


async def payment_anomaly(
    uow: UnitOfWork,
    telegram_user_id: int,
    named: Sequence[str],
    invoices: Sequence[Invoice],
    total_cents: int,
    currency: str,
) -> Anomaly | None:
    """Why a received payment must not pay its invoices, or None when it may."""
    found = {i.number for i in invoices}
    missing = [n[:12] for n in named if n not in found]
    if not named or missing:
        return Anomaly(f"unknown invoice(s): {', '.join(missing) or 'none named'}")
    if len({i.acsm_id for i in invoices}) != 1:
        return Anomaly("invoices of several members")
    # The payer: a Telegram user logged in as another member is not paying their own
    # invoice. One not logged in at all (logged out after opening the invoice) is taken at
    # the invoice's word: the payload names invoices of one member, to the cent. (Checked
    # before anything that would tell the payer about the invoices.)
    link = await uow.sessions.get(telegram_user_id)
    if link is not None and link.acsm_id != invoices[0].acsm_id:
        return Anomaly("the payer is logged in as another member")
    cancelled = [
        (i.number, i.void_reason or "its cycle moved")
        for i in invoices
        if i.status is InvoiceStatus.VOID
    ]
    for invoice in invoices:
        if invoice.status is InvoiceStatus.OPEN and (moved := await moved_lines(uow, invoice)):
            cancelled.append((invoice.number, moved_reason(moved)))
    if cancelled:
        what = "; ".join(f"invoice {number}: {why}" for number, why in cancelled)
        note = f"paid a void invoice or one whose cycle moved ({what}): refund or apply it"
        return Anomaly(note[:MAX_NOTE], cancelled)
    paid = [i.number for i in invoices if i.status is not InvoiceStatus.OPEN]
    if paid:
        return Anomaly(f"already paid: {', '.join(paid)}")
    due = sum(i.balance_cents for i in invoices)
    if currency.upper() != CURRENCY or total_cents != due:
        return Anomaly(
            f"amount {total_cents} {currency[:3]} does not match the {due} {CURRENCY} due"
        )
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
    payment = await uow.payments.get(charge_id)
    return ReceiptView(
        member_name=member.full_name,
        acsm_id=member.acsm_id,
        invoices=[InvoiceView.of(i) for i in invoices],
        paid_at=paid_at,
        charge_id=charge_id,
        provider_charge_id=payment.provider_charge_id if payment is not None else None,
        renewed=[
            RenewedCertification(line.code, certification_name(rules, line.code), line.new_thru)
            for invoice in invoices
            for line in invoice.lines
        ],
    )


def certification_name(rules: Rules, code: str) -> str:
    try:
        return rules.catalog.get(code).name
    except UnknownCertificationError:  # retired from the catalog since
        return code


async def voided_invoice_notices(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int
) -> list[InvoiceView]:
    """The member's invoices made void (their cycle moved: a staff import) that they have
    not been told about; from now on they count as told, so each is told once."""
    member = await require_member(uow, rules, telegram_user_id)
    voided = await uow.invoices.voided_untold(member.acsm_id)
    if voided:
        await uow.invoices.void_told([i.number for i in voided], rules.clock.now())
    return [InvoiceView.of(i) for i in voided]
