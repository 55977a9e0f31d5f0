"""/invoices: select open invoices with inline toggles, see the total, add them to the cart.

The selection lives in the message's own keyboard (☑/☐), so it survives a restart and
needs no server-side state; every toggle is re-checked by the domain (ownership, open).
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.errors import NotLoggedInError
from domain.model import InvoiceStatus
from domain.money import format_usd
from domain.services.invoices import (
    InvoiceView,
    my_invoices,
    select_invoices,
    voided_invoice_notices,
)
from handlers.context import ChatContext
from handlers.payments import start_payment, void_reason
from handlers.render import invoice_block, invoice_description, us_date
from handlers.replies import domain_errors, keyboard
from i18n import Says

CHECKED, UNCHECKED = "☑", "☐"


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def selected_numbers(message: Message | None) -> list[str]:
    if message is None or message.reply_markup is None:
        return []
    chosen = []
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            if isinstance(data, str) and data.startswith("it:") and button.text.startswith(CHECKED):
                chosen.append(data[3:])
    return chosen


def invoices_markup(
    invoices: list[InvoiceView], chosen: set[str], says: Says
) -> InlineKeyboardMarkup:
    rows = [
        [
            (
                f"{CHECKED if inv.number in chosen else UNCHECKED} {inv.number} · "
                f"{format_usd(inv.balance_cents)}",
                f"it:{inv.number}",
            )
        ]
        for inv in invoices
        if inv.status is InvoiceStatus.OPEN
    ]
    if rows:  # some invoice is open
        rows.append([(says.gettext("Add to cart"), "cart")])
    rows.extend(
        [(says.gettext("Receipt {number}", number=inv.number), f"rcpt:{inv.number}")]
        for inv in invoices
        if inv.status is InvoiceStatus.PAID
    )
    return keyboard(*rows)


def invoices_text(invoices: list[InvoiceView], total_cents: int, says: Says) -> str:
    open_ = [i for i in invoices if i.status is InvoiceStatus.OPEN]
    paid = [i for i in invoices if i.status is InvoiceStatus.PAID]
    void = [i for i in invoices if i.status is InvoiceStatus.VOID]
    parts = [says.gettext("<b>My invoices</b>")]
    if open_:
        parts.append("\n\n".join(invoice_block(i, says) for i in open_))
        parts.append(
            says.gettext("Selected total: <b>{amount}</b>", amount=format_usd(total_cents))
        )
    else:
        parts.append(says.gettext("No open invoices."))
    if paid:
        parts.append(
            says.gettext("Paid:")
            + "\n"
            + "\n".join(
                f"{escape(i.number)} · {escape(invoice_description(i.description, says))} · "
                f"{format_usd(i.amount_cents)}"
                + (
                    " · " + says.gettext("paid {date}", date=us_date(i.paid_at.date()))
                    if i.paid_at
                    else ""
                )
                for i in paid
            )
        )
    if void:
        parts.append(
            says.gettext("Cancelled (nothing due):")
            + "\n"
            + "\n".join(f"{escape(i.number)} · {escape(cancelled_because(i, says))}" for i in void)
        )
    return "\n\n".join(parts)


def cancelled_because(invoice: InvoiceView, says: Says) -> str:
    if not invoice.void_reason:
        return says.gettext("its certification cycle changed")
    return void_reason(invoice.void_reason, says)


async def tell_voided(update: Update, context: ChatContext) -> None:
    """At the member's next visit after an import voided an invoice of theirs (its cycle
    moved): a few words, once. The claim said whether there is anything to tell."""
    turn = context.turn
    message = update.effective_message
    if not turn.voided_invoices or turn.chat_id is None or update.effective_user is None:
        return
    if message is not None and message.successful_payment is not None:
        return  # the payment's answer says it (record_payment)
    try:
        voided = await voided_invoice_notices(
            context.uow(), context.rules, update.effective_user.id
        )
    except NotLoggedInError:
        return  # told once they log in again
    for invoice in voided:
        turn.say(
            turn.gettext(
                "Invoice {number} was cancelled: {reason} in ACSM's records. Nothing is due on it.",
                number=escape(invoice.number),
                reason=escape(cancelled_because(invoice, turn)),
            )
        )


@domain_errors(end=None)
async def show_invoices(update: Update, context: ChatContext) -> None:
    invoices = await my_invoices(context.uow(), context.rules, telegram_id(update))
    if not invoices:
        context.turn.say(context.turn.gettext("You have no invoices. /renew creates one."))
        return
    open_ = [i for i in invoices if i.status is InvoiceStatus.OPEN]
    # The only open invoice is ticked already: "Add to cart" pays it at once.
    chosen = [open_[0]] if len(open_) == 1 else []
    markup = invoices_markup(invoices, {i.number for i in chosen}, context.turn)
    context.turn.say(
        invoices_text(invoices, sum(i.balance_cents for i in chosen), context.turn),
        markup if markup.inline_keyboard else None,
    )


@domain_errors(end=None)
async def toggle(update: Update, context: ChatContext) -> None:
    query = update.callback_query
    assert query is not None and isinstance(query.data, str)
    message = query.message if isinstance(query.message, Message) else None
    number = query.data[3:]
    chosen = set(selected_numbers(message)) ^ {number}
    who = telegram_id(update)
    # Validates that every selected invoice is this member's and still open.
    selection = await select_invoices(context.uow(), context.rules, who, sorted(chosen))
    invoices = await my_invoices(context.uow(), context.rules, who)
    context.turn.answer_button()
    context.turn.edit_or_say(
        invoices_text(invoices, selection.total_cents, context.turn),
        invoices_markup(invoices, chosen, context.turn),
    )


@domain_errors(end=None)
async def add_to_cart(update: Update, context: ChatContext) -> None:
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    chosen = selected_numbers(message)
    if not chosen:
        context.turn.answer_button(context.turn.gettext("Select at least one invoice first."))
        return
    selection = await select_invoices(
        context.uow(), context.rules, telegram_id(update), sorted(chosen)
    )
    context.turn.answer_button()
    await start_payment(update, context, selection)


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [
        CommandHandler("invoices", show_invoices),
        CallbackQueryHandler(show_invoices, pattern=r"^menu:invoices$"),
        CallbackQueryHandler(toggle, pattern=r"^it:R[0-9]{6}$"),
        CallbackQueryHandler(add_to_cart, pattern=r"^cart$"),
    ]
