"""/audit: a member selected for audit sees what they reported, adds certificates (a photo or
PDF sent now, or one already in their log) and submits. Buttons name the audit and the proof;
the use cases check both belong to the member pressing."""

from __future__ import annotations

from decimal import Decimal
from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
)

from domain.audits import CLOSED, AuditState, Coverage, ShortfallError
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
from i18n import N_, Says

NAME = "audit"
LEAVING = N_(
    "Audit upload set aside: /audit picks it up again."  # said when another conversation takes over
)
WAITING = "audit:files"
STATE_WORDS = {
    AuditState.PENDING: N_("waiting for your proof"),
    AuditState.SUBMITTED: N_("submitted, thank you"),
    AuditState.OVERDUE: N_("overdue: please send your proof as soon as you can"),
    AuditState.ACCEPTED: N_("accepted by ACSM, thank you"),
    AuditState.REJECTED: N_("not accepted: please send proof again and submit"),
}
SUBMIT = N_("Submit")


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def proves(view: AuditView, proof_id: int | None, says: Says) -> str:
    """What one attached file proves, for its line and its Remove button (short: at most
    three activities, titles cut at 80 characters)."""
    found = [p for p in view.coverage.proven if p.proof_id == proof_id]
    said = "; ".join(
        says.gettext(
            "{title} ({date}, {cecs} CECs)",
            title=p.title[:80],
            date=us_date(p.completed_on),
            cecs=format_cecs(p.cecs),
        )
        if p.counts
        else says.gettext(
            "{title} ({date}, {cecs} CECs, outside the cycle: not counted)",
            title=p.title[:80],
            date=us_date(p.completed_on),
            cecs=format_cecs(p.cecs),
        )
        for p in found[:3]
    )
    if len(found) > 3:
        said += says.gettext("; and {count} more", count=len(found) - 3)
    return said


def attached_line(view: AuditView, proof_id: int | None, file_name: str, says: Says) -> str:
    what = proves(view, proof_id, says)
    return f"• {escape(file_name)} — " + (escape(what) if what else says.gettext("not in your log"))


def coverage_line(found: Coverage, says: Says) -> str:
    """ "Your proof covers 15 of the 45 CECs you reported" (HTML)."""
    return says.gettext(
        "<b>Your proof covers {covered} of the {reported} CECs you reported</b>",
        covered=format_cecs(found.covered),
        reported=format_cecs(found.reported),
    )


def outside_lines(view: AuditView, says: Says) -> list[str]:
    """Certificates of activities outside the audited cycle, named: they do not count."""
    window = f"{us_date(view.window_start)}–{us_date(view.cycle_thru)}"
    return [
        says.gettext(
            "⚠️ Not counted: {title} was completed {date}, outside the audited cycle ({window}).",
            title=escape(p.title),
            date=us_date(p.completed_on),
            window=window,
        )
        for p in view.coverage.outside
    ]


def audit_answer(view: AuditView, says: Says) -> tuple[str, InlineKeyboardMarkup | None]:
    """The audit in one message: when the activities reported (then the files attached) do
    not all fit, the last ones are left out whole, and counted (never a line cut half-way:
    each line is valid HTML on its own)."""
    reported = [activity_line(a, says) for a in view.reported]
    attached = [attached_line(view, p.id, p.file_name, says) for p in view.attached]
    outside = outside_lines(view, says)
    text = audit_text(view, reported, attached, outside, says)
    for lines in (reported, attached, outside):  # the activities give way first, then files
        everything = list(lines)
        shown = len(everything)
        while units(text) > TELEGRAM_MESSAGE_LIMIT and shown > 0:
            shown -= 1
            more = says.gettext("• … and {count} more", count=len(everything) - shown)
            lines[:] = [*everything[:shown], more]
            text = audit_text(view, reported, attached, outside, says)
    if view.state in CLOSED:
        return text, None
    rows = [
        [(says.gettext("📎 Add: {title}", title=title[:40]), f"ad:log:{view.id}:{proof.id}")]
        for proof, title in view.loggable[:20]
    ]
    rows.extend(
        [
            (
                says.gettext(
                    "🗑 Remove: {what}", what=(proves(view, proof.id, says) or proof.file_name)[:40]
                ),
                remove_data(view, proof.id),
            )
        ]
        for proof in view.attached[:20]
    )
    rows.append([(says.gettext(SUBMIT), f"ad:submit:{view.id}")])
    return text, keyboard(*rows)


def remove_data(view: AuditView, proof_id: int | None) -> str:
    return f"ad:rm:{view.id}:{proof_id}"


def audit_text(
    view: AuditView, reported: list[str], attached: list[str], outside: list[str], says: Says
) -> str:
    lines = [
        says.gettext(
            "<b>Audit of your renewal</b> (cycle ending {date})", date=us_date(view.cycle_thru)
        ),
        says.gettext(
            "Due {date} · {state}",
            date=us_date(view.due_on),
            state=says.gettext(STATE_WORDS[view.state]),
        ),
        *(
            [says.gettext("ACSM's reason: {reason}", reason=escape(view.decision_reason))]
            if view.state is AuditState.REJECTED and view.decision_reason
            else []
        ),
        "",
        says.gettext(
            "You reported {acsm} ACSM CECs and {other} from other organizations.",
            acsm=format_cecs(view.typed_acsm),
            other=format_cecs(view.typed_other),
        ),
    ]
    if reported:
        lines.append(says.gettext("Activities in your log for that cycle:"))
        lines.extend(reported)
    lines.append("")
    if view.attached:
        lines.append(says.gettext("Certificates attached: {count}", count=len(view.attached)))
        lines.extend(attached)
    else:
        lines.append(says.gettext("No certificate attached yet."))
    found = view.coverage
    short = (
        says.gettext(" ({short} short).", short=format_cecs(found.shortfall))
        if found.shortfall
        else "."
    )
    lines.append(coverage_line(found, says) + short)
    lines.extend(outside)
    if found.unmatched:
        lines.append(
            says.ngettext(
                "{count} file is not the certificate of an activity in your log: "
                "ACSM staff will read it, but it is not counted here.",
                "{count} files are not the certificate of an activity in your log: "
                "ACSM staff will read them, but they are not counted here.",
                len(found.unmatched),
            )
        )
    if view.state not in CLOSED:
        lines.append(
            "\n"
            + says.gettext(
                "Send certificates as photos or PDF files (up to 10 MB each), or add ones from "
                "your log with the buttons (🗑 removes one); then press Submit."
            )
        )
    return "\n".join(lines)


@domain_errors()
async def start(update: Update, context: ChatContext) -> str | int:
    context.turn.answer_button()
    view = await audits.my_audit(context.uow(), context.rules, telegram_id(update))
    if view is None:
        context.turn.say(context.turn.gettext("None of your renewals is selected for an audit."))
        return ConversationHandler.END
    text, markup = audit_answer(view, context.turn)
    context.turn.say(text, markup)
    return ConversationHandler.END if view.state in CLOSED else WAITING


@domain_errors(end=None)
async def got_file(update: Update, context: ChatContext) -> str | None:
    view = await audits.my_audit(context.uow(), context.rules, telegram_id(update))
    if view is None or view.state in CLOSED:
        return ConversationHandler.END  # type: ignore[return-value]
    try:
        content = await download(update, context)
    except DownloadFailedError as exc:
        context.turn.say(context.turn.explain(exc))
        return WAITING
    try:
        view = await audits.attach_proof(
            context.uow(), context.rules, telegram_id(update), view.id, data=content
        )
    except InvalidInputError as exc:
        again = context.turn.gettext("Send another file, or press Submit.")
        context.turn.say(f"{context.turn.explain(exc)}\n{again}")
        return WAITING
    text, markup = audit_answer(view, context.turn)
    context.turn.say(context.turn.gettext("Certificate added.") + "\n\n" + text, markup)
    return WAITING


def ids(update: Update) -> list[int]:
    return [int(part) for part in pressed_data(update).split(":")[2:]]


@domain_errors(end=None)
async def add_logged(update: Update, context: ChatContext) -> None:
    audit_id, proof_id = ids(update)
    view = await audits.attach_proof(
        context.uow(), context.rules, telegram_id(update), audit_id, proof_id=proof_id
    )
    context.turn.answer_button(context.turn.gettext("Added."))
    text, markup = audit_answer(view, context.turn)
    context.turn.edit_or_say(text, markup)


@domain_errors(end=None)
async def remove(update: Update, context: ChatContext) -> None:
    """🗑 Remove: one attached file leaves the audit (until Submit)."""
    audit_id, proof_id = ids(update)
    view = await audits.detach_proof(
        context.uow(), context.rules, telegram_id(update), audit_id, proof_id
    )
    context.turn.answer_button(context.turn.gettext("Removed."))
    text, markup = audit_answer(view, context.turn)
    context.turn.edit_or_say(text, markup)


def shortfall_question(
    audit_id: int, found: Coverage, says: Says
) -> tuple[str, InlineKeyboardMarkup]:
    """Submit with less proof than reported: said, and only done once confirmed."""
    short = format_cecs(found.shortfall)
    lines = [
        says.gettext(
            "{coverage}: {short} CECs are not covered.",
            coverage=coverage_line(found, says),
            short=short,
        )
    ]
    lines.extend(
        says.gettext(
            "⚠️ {title} ({date}) is outside the audited cycle and does not count.",
            title=escape(p.title[:80]),
            date=us_date(p.completed_on),
        )
        for p in found.outside[:10]
    )
    if len(found.outside) > 10:
        lines.append(
            says.gettext(
                "⚠️ … and {count} more outside the audited cycle.", count=len(found.outside) - 10
            )
        )
    lines.append(
        "\n"
        + says.gettext(
            "ACSM staff decide in the end. Send more certificates first, or submit anyway."
        )
    )
    return "\n".join(lines), keyboard(
        [
            (
                says.gettext("Submit with {short} CECs not covered", short=short),
                f"ad:sure:{audit_id}:{short}",
            )
        ],
        [(says.gettext("Back to my audit"), "ad:open")],
    )


async def submit_now(
    update: Update, context: ChatContext, audit_id: int, confirmed: Decimal | None
) -> None:
    try:
        view = await audits.submit_audit(
            context.uow(), context.rules, telegram_id(update), audit_id, confirmed
        )
    except ShortfallError as exc:  # not confirmed, or the shortfall grew since
        context.turn.say(*shortfall_question(audit_id, exc.coverage, context.turn))
        return
    text, _ = audit_answer(view, context.turn)
    context.turn.edit_or_say(text)
    context.turn.say(
        context.turn.gettext("Your audit was submitted. ACSM will review your certificates.")
    )


@domain_errors(end=None)
async def submit(update: Update, context: ChatContext) -> None:
    (audit_id,) = ids(update)
    await submit_now(update, context, audit_id, None)


@domain_errors(end=None)
async def submit_confirmed(update: Update, context: ChatContext) -> None:
    """ "Submit with N CECs not covered": N is the shortfall the member was shown."""
    _, _, audit_id, shown = pressed_data(update).split(":")
    await submit_now(update, context, int(audit_id), Decimal(shown))


async def not_understood(update: Update, context: ChatContext) -> None:
    context.turn.say(
        context.turn.gettext("Send a certificate as a photo or PDF, press Submit, or /cancel.")
    )


async def cancel(update: Update, context: ChatContext) -> int:
    context.turn.say(
        context.turn.gettext("Stopped. What you attached is kept; /audit to continue.")
    )
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
        CallbackQueryHandler(remove, pattern=r"^ad:rm:[0-9]{1,12}:[0-9]{1,12}$"),
        CallbackQueryHandler(submit_confirmed, pattern=r"^ad:sure:[0-9]{1,12}:[0-9]{1,6}(\.5)?$"),
    ]
