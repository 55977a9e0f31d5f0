"""/reminders (the member's on/off switch), the text of a reminder, and the 403 mark cleared
when a member writes again. Sending the day's reminders is bot/reminders.py's job."""

from __future__ import annotations

from datetime import datetime
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CallbackQueryHandler, CommandHandler

from domain.cecs import format_cecs
from domain.money import format_usd
from domain.services import reminders
from domain.services.reminders import ReminderContent
from handlers.context import ChatContext
from handlers.render import us_date
from handlers.replies import domain_errors, keyboard
from i18n import N_, Says

LOG_ACTIVITY = "cec:add"  # the CEC tracker's "log an activity" conversation
TURN_ON, TURN_OFF = "rem:on", "rem:off"
ZONE_NAMES = {
    "America/New_York": N_("Eastern"),
    "America/Chicago": N_("Central"),
    "America/Denver": N_("Mountain"),
    "America/Phoenix": N_("Mountain"),
    "America/Los_Angeles": N_("Pacific"),
}
LOG_AN_ACTIVITY, RENEW_NOW = N_("Log an activity"), N_("Renew now")
TURN_REMINDERS_OFF, TURN_REMINDERS_ON = N_("Turn reminders off"), N_("Turn reminders on")


def zone_label(moment: datetime, says: Says) -> str:
    key = getattr(moment.tzinfo, "key", None)
    name = ZONE_NAMES.get(key or "")
    return says.gettext(name) if name else moment.tzname() or ""


def reminder_text(content: ReminderContent, says: Says) -> str:
    group = content.group
    names = escape(", ".join(f"{code} ({name})" for code, name in group.certifications))
    deadline = says.gettext(
        "{date}, 11:59 PM {zone}",
        date=us_date(group.thru_date),
        zone=zone_label(group.deadline, says),
    ).strip()
    lines = [
        says.gettext("<b>Recertification reminder</b> for {name}", name=escape(content.first_name)),
        "",
    ]
    if content.grace:
        lines.append(
            says.gettext(
                "{names} expired on {deadline}. You can still renew it by CECs until "
                "{date}, with a late fee.",
                names=names,
                deadline=deadline,
                date=us_date(content.grace_ends_on),
            )
        )
    else:
        lines.append(
            says.gettext("{names}: renew by <b>{deadline}</b>.", names=names, deadline=deadline)
        )
    if group.still_needed > 0:
        lines.append(
            says.gettext(
                "You still need <b>{needed}</b> CECs out of {required}.",
                needed=format_cecs(group.still_needed),
                required=format_cecs(group.required),
            )
        )
    else:
        lines.append(
            says.gettext(
                "You have all {required} CECs needed.", required=format_cecs(group.required)
            )
        )
    if content.invoice_number and content.invoice_balance_cents is not None:
        lines.append(
            says.gettext(
                "Invoice {number} is waiting: balance {balance}.",
                number=escape(content.invoice_number),
                balance=format_usd(content.invoice_balance_cents),
            )
        )
    elif content.late_fee_cents:
        lines.append(
            says.gettext(
                "Fee: {fee}, including the {late_fee} late fee.",
                fee=format_usd(content.fee_cents),
                late_fee=format_usd(content.late_fee_cents),
            )
        )
    else:
        lines.append(says.gettext("Fee: {fee}.", fee=format_usd(content.fee_cents)))
    lines += ["", says.gettext("Turn these reminders off with /reminders.")]
    return "\n".join(lines)


def reminder_markup(content: ReminderContent, says: Says) -> InlineKeyboardMarkup:
    ids = content.certification_ids
    renew = f"renew:{ids[0]}" if len(ids) == 1 else "menu:renew"
    return keyboard(
        [(says.gettext(LOG_AN_ACTIVITY), LOG_ACTIVITY), (says.gettext(RENEW_NOW), renew)]
    )


def state_text(enabled: bool, says: Says) -> str:
    if enabled:
        return says.gettext(
            "Reminders are <b>on</b>: I remind you before your certification's deadline "
            "(Dec 31) and during the grace period, until it is renewed."
        )
    return says.gettext("Reminders are <b>off</b>: I will not remind you about your deadlines.")


def state_markup(enabled: bool, says: Says) -> InlineKeyboardMarkup:
    return keyboard(
        [(says.gettext(TURN_REMINDERS_OFF), TURN_OFF)]
        if enabled
        else [(says.gettext(TURN_REMINDERS_ON), TURN_ON)]
    )


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


@domain_errors(end=None)
async def show(update: Update, context: ChatContext) -> None:
    enabled = await reminders.reminders_enabled(context.uow(), context.rules, telegram_id(update))
    context.turn.say(state_text(enabled, context.turn), state_markup(enabled, context.turn))


@domain_errors(end=None)
async def toggle(update: Update, context: ChatContext) -> None:
    """The switch acts on the pressing member's own setting only (resolved from their
    session), so a forwarded or forged button cannot change someone else's."""
    query = update.callback_query
    assert query is not None
    enabled = query.data == TURN_ON
    await reminders.set_reminders(context.uow(), context.rules, telegram_id(update), enabled)
    context.turn.edit_or_say(state_text(enabled, context.turn), state_markup(enabled, context.turn))


async def member_wrote(update: Update, context: ChatContext) -> None:
    """Any message from a member in a private chat: they have not blocked the bot (any
    longer), so reminders reach them again."""
    chat, message = update.effective_chat, update.message
    if chat is None or message is None or chat.type != chat.PRIVATE:
        return
    await reminders.member_wrote(context.uow(), chat.id, marked=context.turn.chat_blocked)


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [
        CommandHandler("reminders", show),
        CallbackQueryHandler(toggle, pattern=rf"^({TURN_ON}|{TURN_OFF})$"),
    ]
