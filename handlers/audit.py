"""/audit: a member selected for audit sees what they reported, adds certificates (a photo or
PDF sent now, or one already in their log) and submits. Buttons name the audit and the proof;
the use cases check both belong to the member pressing."""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from domain.audits import AuditState
from domain.cecs import format_cecs
from domain.errors import InvalidInputError
from domain.services import audits
from domain.services.audits import AuditView
from domain.validation import TELEGRAM_MESSAGE_LIMIT
from handlers.context import ChatContext
from handlers.conversation import STRAY_MESSAGE, Conversation
from handlers.files import DownloadFailedError, download
from handlers.paging import units
from handlers.render import us_date
from handlers.replies import domain_errors, keyboard, pressed_data
from handlers.tracker import FILES, activity_line

NAME = "audit"
LEAVING = (
    "Audit upload set aside: /audit picks it up again."  # said when another conversation takes over
)
WAITING = "audit:files"
STATE_WORDS = {
    AuditState.PENDING: "waiting for your proof",
    AuditState.SUBMITTED: "submitted, thank you",
    AuditState.OVERDUE: "overdue: please send your proof as soon as you can",
}


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def audit_answer(view: AuditView) -> tuple[str, InlineKeyboardMarkup | None]:
    """The audit in one message: when the activities reported (then the files attached) do
    not all fit, the last ones are left out whole, and counted (never a line cut half-way:
    each line is valid HTML on its own)."""
    reported = [activity_line(a) for a in view.reported]
    attached = [f"• {escape(p.file_name)}" for p in view.attached]
    text = audit_text(view, reported, attached)
    for lines in (reported, attached):  # the activities give way first, then the files
        everything = list(lines)
        shown = len(everything)
        while units(text) > TELEGRAM_MESSAGE_LIMIT and shown > 0:
            shown -= 1
            lines[:] = [*everything[:shown], f"• … and {len(everything) - shown} more"]
            text = audit_text(view, reported, attached)
    if view.state is AuditState.SUBMITTED:
        return text, None
    rows = [
        [(f"📎 Add: {title[:40]}", f"ad:log:{view.id}:{proof.id}")]
        for proof, title in view.loggable[:20]
    ]
    rows.append([("Submit", f"ad:submit:{view.id}")])
    return text, keyboard(*rows)


def audit_text(view: AuditView, reported: list[str], attached: list[str]) -> str:
    lines = [
        f"<b>Audit of your renewal</b> (cycle ending {us_date(view.cycle_thru)})",
        f"Due {us_date(view.due_on)} · {STATE_WORDS[view.state]}",
        "",
        f"You reported {format_cecs(view.typed_acsm)} ACSM CECs and "
        f"{format_cecs(view.typed_other)} from other organizations.",
    ]
    if reported:
        lines.append("Activities in your log for that cycle:")
        lines.extend(reported)
    lines.append("")
    if view.attached:
        lines.append(f"Certificates attached: {len(view.attached)}")
        lines.extend(attached)
    else:
        lines.append("No certificate attached yet.")
    if view.state is not AuditState.SUBMITTED:
        lines.append(
            "\nSend certificates as photos or PDF files (up to 10 MB each), or add ones from "
            "your log with the buttons; then press Submit."
        )
    return "\n".join(lines)


@domain_errors()
async def start(update: Update, context: ChatContext) -> str | int:
    context.turn.answer_button()
    view = await audits.my_audit(context.uow(), context.rules, telegram_id(update))
    if view is None:
        context.turn.say("None of your renewals is selected for an audit.")
        return ConversationHandler.END
    text, markup = audit_answer(view)
    context.turn.say(text, markup)
    return ConversationHandler.END if view.state is AuditState.SUBMITTED else WAITING


@domain_errors(end=None)
async def got_file(update: Update, context: ChatContext) -> str | None:
    view = await audits.my_audit(context.uow(), context.rules, telegram_id(update))
    if view is None or view.state is AuditState.SUBMITTED:
        return ConversationHandler.END  # type: ignore[return-value]
    try:
        content = await download(update, context)
    except DownloadFailedError as exc:
        context.turn.say(str(exc))
        return WAITING
    try:
        view = await audits.attach_proof(
            context.uow(), context.rules, telegram_id(update), view.id, data=content
        )
    except InvalidInputError as exc:
        context.turn.say(f"{escape(str(exc))}\nSend another file, or press Submit.")
        return WAITING
    text, markup = audit_answer(view)
    context.turn.say("Certificate added.\n\n" + text, markup)
    return WAITING


def ids(update: Update) -> list[int]:
    return [int(part) for part in pressed_data(update).split(":")[2:]]


@domain_errors(end=None)
async def add_logged(update: Update, context: ChatContext) -> None:
    audit_id, proof_id = ids(update)
    view = await audits.attach_proof(
        context.uow(), context.rules, telegram_id(update), audit_id, proof_id=proof_id
    )
    context.turn.answer_button("Added.")
    text, markup = audit_answer(view)
    context.turn.edit_or_say(text, markup)


@domain_errors()
async def submit(update: Update, context: ChatContext) -> int:
    (audit_id,) = ids(update)
    view = await audits.submit_audit(context.uow(), context.rules, telegram_id(update), audit_id)
    text, _ = audit_answer(view)
    context.turn.edit_or_say(text)
    context.turn.say("Your audit was submitted. ACSM will review your certificates.")
    return ConversationHandler.END


async def not_understood(update: Update, context: ChatContext) -> None:
    context.turn.say("Send a certificate as a photo or PDF, press Submit, or /cancel.")


async def cancel(update: Update, context: ChatContext) -> int:
    context.turn.say("Stopped. What you attached is kept; /audit to continue.")
    return ConversationHandler.END


def conversation() -> Conversation:
    return Conversation(
        NAME,
        leaving=LEAVING,
        entry_points=[
            CommandHandler("audit", start),
            CallbackQueryHandler(start, pattern=r"^ad:open$"),
        ],
        states={WAITING: [MessageHandler(FILES, got_file)]},
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(STRAY_MESSAGE, not_understood),
        ],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [
        CallbackQueryHandler(add_logged, pattern=r"^ad:log:[0-9]{1,12}:[0-9]{1,12}$"),
        CallbackQueryHandler(submit, pattern=r"^ad:submit:[0-9]{1,12}$"),
    ]
