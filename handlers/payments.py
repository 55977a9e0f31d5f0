"""Paying the selected invoices: Telegram invoice (provider token) or a web-cart link.

sendInvoice ─► pre_checkout_query (checked by the domain) ─► successful_payment
(recorded exactly once per charge id) ─► confirmation + PDF receipt.
"""

from __future__ import annotations

import logging
from html import escape
from urllib.parse import urlencode

from telegram import Update
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    MessageHandler,
    PreCheckoutQueryHandler,
    filters,
)

from domain.errors import DomainError
from domain.invoices import reason_parts
from domain.services.invoices import Selection, pre_checkout, receipt, record_payment
from handlers.context import ChatContext
from handlers.receipt_pdf import ReceiptCertification, ReceiptData, ReceiptLine
from handlers.render import invoice_description, us_date
from handlers.replies import (
    data_suffix,
    domain_errors,
)
from i18n import Says, speaker

log = logging.getLogger(__name__)

PAYLOAD_PREFIX = "acsm:"
MAX_INVOICES_PER_PAYMENT = 10


def payload_for(numbers: list[str]) -> str:
    return PAYLOAD_PREFIX + ",".join(numbers)


def numbers_in(payload: str) -> list[str]:
    if not payload.startswith(PAYLOAD_PREFIX):
        return []
    return [n for n in payload[len(PAYLOAD_PREFIX) :].split(",") if n]


def void_reason(reason: str, says: Says) -> str:
    """A void invoice's stored reason (domain/invoices.py moved_reason, English) in the
    member's language; a reason written otherwise stays as written."""
    parts = reason_parts(reason)
    if parts is None:
        return reason
    said = [says.gettext(template, **values) for template, values in parts]
    if len(said) == 1:
        return said[0]
    return says.gettext("{first} and {last}", first=", ".join(said[:-1]), last=said[-1])


async def start_payment(update: Update, context: ChatContext, selection: Selection) -> None:
    numbers = [inv.number for inv in selection.invoices]
    if len(numbers) > MAX_INVOICES_PER_PAYMENT:
        context.turn.say(
            context.turn.gettext(
                "Please pay at most {count} invoices at a time.", count=MAX_INVOICES_PER_PAYMENT
            )
        )
        return
    deps, says = context.deps, context.turn
    if deps.payment_provider_token:
        context.turn.send_invoice(
            title=says.gettext("ACSM recertification"),
            description=says.gettext("Invoices {numbers}", numbers=", ".join(numbers))[:255],
            payload=payload_for(numbers),
            prices=[
                (
                    f"{inv.number} {invoice_description(inv.description, says)}"[:64],
                    inv.balance_cents,
                )
                for inv in selection.invoices
            ],
        )
    elif deps.checkout_url:
        link = f"{deps.checkout_url}?{urlencode({'invoices': ','.join(numbers)})}"
        context.turn.say(
            says.gettext(
                "Payment inside Telegram is not set up, so your cart is on the ACSM website. "
                'Open <a href="{link}">the checkout page</a> to pay {count} invoice(s).',
                link=link,
                count=len(numbers),
            )
        )
    else:
        context.turn.say(
            says.gettext("Online payment is not available right now. Please try again later.")
        )


async def check_before_payment(update: Update, context: ChatContext) -> None:
    """Telegram asks before taking the money: answer within 10 seconds, yes or why not."""
    query = update.pre_checkout_query
    assert query is not None
    try:
        refused = await pre_checkout(
            context.uow(),
            context.rules,
            query.from_user.id,
            numbers_in(query.invoice_payload),
            query.total_amount,
            query.currency,
        )
    except DomainError as exc:
        refused = exc
    # Telegram shows it as plain text: not escaped for HTML.
    reason = None if refused is None else speaker(context.turn.language).explain(refused)
    context.turn.answer_pre_checkout(None if reason is None else reason[:200])
    raise ApplicationHandlerStop


async def payment_received(update: Update, context: ChatContext) -> None:
    """Money was taken: record it, whatever conversation the member is in."""
    message = update.effective_message
    assert message is not None and message.successful_payment is not None
    paid = message.successful_payment
    assert update.effective_user is not None
    outcome = await record_payment(
        context.uow(),
        context.rules,
        update.effective_user.id,
        numbers_in(paid.invoice_payload),
        paid.telegram_payment_charge_id,
        paid.provider_payment_charge_id,
        paid.total_amount,
        paid.currency,
    )
    if outcome.repeated:
        log.info("payment delivered again, already recorded")
    elif outcome.flagged is not None:
        # Only ids and the reason: never the member's details.
        log.error(
            "payment %s flagged for staff, extended nothing: %s",
            paid.telegram_payment_charge_id,
            outcome.flagged,
        )
        reference = escape(paid.telegram_payment_charge_id[:64])
        if outcome.cancelled:
            why = "; ".join(
                context.turn.gettext(
                    "invoice {number} was cancelled ({reason} in ACSM's records)",
                    number=escape(number),
                    reason=escape(void_reason(reason, context.turn)),
                )
                for number, reason in outcome.cancelled
            )
            context.turn.say(
                context.turn.gettext(
                    "We received your payment, but {why}, so it renewed nothing. Our staff have "
                    "been alerted and will refund it or apply it to another fee of yours; you do "
                    "not need to do anything. Reference: {reference}",
                    why=why,
                    reference=reference,
                )
            )
        else:
            context.turn.say(
                context.turn.gettext(
                    "We received your payment, but it does not match an open invoice of yours, "
                    "so nothing was renewed yet. Our staff have been alerted and will sort it "
                    "out; you do not need to pay again. Reference: {reference}",
                    reference=reference,
                )
            )
    else:
        extended = "\n".join(
            context.turn.gettext("{code}: now valid thru {date}", code=code, date=us_date(thru))
            for code, thru in outcome.new_thru_dates
        )
        context.turn.say(context.turn.gettext("Payment received. Thank you!") + f"\n{extended}")
        try:
            await send_receipt(update, context, [inv.number for inv in outcome.invoices])
        except DomainError:  # e.g. the session ended meanwhile: the payment is recorded anyway
            context.turn.say(context.turn.gettext("Log in and open /invoices to get your receipt."))
    raise ApplicationHandlerStop


async def send_receipt(update: Update, context: ChatContext, numbers: list[str]) -> None:
    assert update.effective_user is not None
    data = await receipt(context.uow(), context.rules, update.effective_user.id, numbers)
    context.turn.answer_button()
    context.turn.send_receipt(
        ReceiptData(
            member_name=data.member_name,
            acsm_id=data.acsm_id,
            lines=[ReceiptLine(i.number, i.description, i.amount_cents) for i in data.invoices],
            paid_at=data.paid_at,
            charge_id=data.charge_id,
            provider_charge_id=data.provider_charge_id,
            certifications=[ReceiptCertification(c.code, c.name, c.new_thru) for c in data.renewed],
            timezone=context.rules.timezone.key,
            issuer_contact=context.deps.acsm_contact,
            language=context.turn.language.value,
        ),
        f"ACSM-receipt-{'-'.join(numbers)}.pdf",
        context.turn.gettext("Your receipt"),
    )


@domain_errors(end=None)
async def receipt_again(update: Update, context: ChatContext) -> None:
    await send_receipt(update, context, [data_suffix(update)])


def service_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """Pre-checkout and successful payment: registered ahead of every conversation."""
    return [
        PreCheckoutQueryHandler(check_before_payment),
        MessageHandler(filters.SUCCESSFUL_PAYMENT, payment_received),
    ]


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [CallbackQueryHandler(receipt_again, pattern=r"^rcpt:R[0-9]{6}$")]
