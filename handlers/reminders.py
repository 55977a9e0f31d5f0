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

LOG_ACTIVITY = "cec:add"  # the CEC tracker's "log an activity" conversation
TURN_ON, TURN_OFF = "rem:on", "rem:off"
ZONE_NAMES = {
    "America/New_York": "Eastern",
    "America/Chicago": "Central",
    "America/Denver": "Mountain",
    "America/Phoenix": "Mountain",
    "America/Los_Angeles": "Pacific",
}


def zone_label(moment: datetime) -> str:
    key = getattr(moment.tzinfo, "key", None)
    return ZONE_NAMES.get(key or "", moment.tzname() or "")


def reminder_text(content: ReminderContent) -> str:
    group = content.group
    names = escape(", ".join(f"{code} ({name})" for code, name in group.certifications))
    deadline = f"{us_date(group.thru_date)}, 11:59 PM {zone_label(group.deadline)}".strip()
    lines = [f"<b>Recertification reminder</b> for {escape(content.first_name)}", ""]
    if content.grace:
        lines.append(
            f"{names} expired on {deadline}. You can still renew it by CECs until "
            f"{us_date(content.grace_ends_on)}, with a late fee."
        )
    else:
        lines.append(f"{names}: renew by <b>{deadline}</b>.")
    if group.still_needed > 0:
        lines.append(
            f"You still need <b>{format_cecs(group.still_needed)}</b> CECs out of "
            f"{format_cecs(group.required)}."
        )
    else:
        lines.append(f"You have all {format_cecs(group.required)} CECs needed.")
    if content.invoice_number and content.invoice_balance_cents is not None:
        lines.append(
            f"Invoice {escape(content.invoice_number)} is waiting: balance "
            f"{format_usd(content.invoice_balance_cents)}."
        )
    elif content.late_fee_cents:
        lines.append(
            f"Fee: {format_usd(content.fee_cents)}, including the "
            f"{format_usd(content.late_fee_cents)} late fee."
        )
    else:
        lines.append(f"Fee: {format_usd(content.fee_cents)}.")
    lines += ["", "Turn these reminders off with /reminders."]
    return "\n".join(lines)


def reminder_markup(content: ReminderContent) -> InlineKeyboardMarkup:
    ids = content.certification_ids
    renew = f"renew:{ids[0]}" if len(ids) == 1 else "menu:renew"
    return keyboard([("Log an activity", LOG_ACTIVITY), ("Renew now", renew)])


def state_text(enabled: bool) -> str:
    if enabled:
        return (
            "Reminders are <b>on</b>: I remind you before your certification's deadline "
            "(Dec 31) and during the grace period, until it is renewed."
        )
    return "Reminders are <b>off</b>: I will not remind you about your deadlines."


def state_markup(enabled: bool) -> InlineKeyboardMarkup:
    return keyboard(
        [("Turn reminders off", TURN_OFF)] if enabled else [("Turn reminders on", TURN_ON)]
    )


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


@domain_errors(end=None)
async def show(update: Update, context: ChatContext) -> None:
    enabled = await reminders.reminders_enabled(context.uow(), context.rules, telegram_id(update))
    context.turn.say(state_text(enabled), state_markup(enabled))


@domain_errors(end=None)
async def toggle(update: Update, context: ChatContext) -> None:
    """The switch acts on the pressing member's own setting only (resolved from their
    session), so a forwarded or forged button cannot change someone else's."""
    query = update.callback_query
    assert query is not None
    enabled = query.data == TURN_ON
    await reminders.set_reminders(context.uow(), context.rules, telegram_id(update), enabled)
    context.turn.edit_or_say(state_text(enabled), state_markup(enabled))


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
