"""The CEC tracker in the chat: /addcec (also the `cec:add` button, or a photo/PDF sent on its
own), /mycecs with delete buttons for the member's own entries.

/addcec ─► title ─► provider ─► date ─► CECs ─► ACSM/other ─► certificate (or Skip) ─► logged
What was typed is kept with the conversation's state (in the update's transaction); the
certificate is downloaded inside the handler and stored with the activity in one use case.
"""

from __future__ import annotations

from html import escape

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.cecs import format_cecs
from domain.errors import InvalidInputError
from domain.services import auth, tracker
from domain.services.tracker import ActivityView, CycleLog
from domain.tracker import Organization
from domain.validation import fit_telegram
from handlers.activity_draft import ActivityDraft
from handlers.context import ChatContext
from handlers.conversation import STRAY_MESSAGE, Conversation, please_answer
from handlers.files import DownloadFailedError, download
from handlers.render import us_date
from handlers.replies import (
    PLEASE_LOG_IN,
    data_suffix,
    domain_errors,
    keyboard,
    pressed_data,
    typed_text,
)

NAME = "addcec"
# Said when another conversation takes over from this one.
LEAVING = "Logging that activity stopped: nothing was logged. /addcec starts again."
TITLE, PROVIDER, DATE, CECS, ORG, PROOF = (
    "addcec:title",
    "addcec:provider",
    "addcec:date",
    "addcec:cecs",
    "addcec:org",
    "addcec:proof",
)
FILES = filters.PHOTO | filters.Document.ALL
MAX_DELETE_BUTTONS = 20
ORG_LABELS = {Organization.ACSM: "ACSM", Organization.OTHER: "other organization"}


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def draft(context: ChatContext) -> ActivityDraft:
    return ActivityDraft.from_json(context.turn.recall(NAME))


def keep(context: ChatContext, **answers: object) -> None:
    context.turn.remember(NAME, **draft(context).but(**answers).to_json())


# ---- entry -------------------------------------------------------------------------------


ASK_TITLE = "Let's log a CEC activity. What was its title? (/cancel to stop)"


async def logged_in(update: Update, context: ChatContext) -> bool:
    if await auth.current_member(context.uow(), context.rules, telegram_id(update)) is None:
        context.turn.answer_button()
        context.turn.say(PLEASE_LOG_IN)
        return False
    return True


async def start(update: Update, context: ChatContext) -> str | int:
    if not await logged_in(update, context):
        return ConversationHandler.END
    context.turn.answer_button()
    context.turn.say(ASK_TITLE)
    return TITLE


@domain_errors()
async def start_with_proof(update: Update, context: ChatContext) -> str:
    proof = await tracker.my_proof(
        context.uow(),
        context.rules,
        telegram_id(update),
        int(data_suffix(update).rpartition(":")[2]),
    )
    context.turn.enter(NAME, TITLE)
    keep(context, proof_id=proof.id)
    context.turn.edit_or_say("Certificate kept.")
    context.turn.say(ASK_TITLE)
    return TITLE


# ---- steps -------------------------------------------------------------------------------


async def got_title(update: Update, context: ChatContext) -> str:
    try:
        title = tracker.activity_title(typed_text(update))
    except InvalidInputError as exc:
        context.turn.say(f"{escape(str(exc))} Type the activity's title.")
        return TITLE
    keep(context, title=title)
    context.turn.say("Who provided it (organization or company)?")
    return PROVIDER


async def got_provider(update: Update, context: ChatContext) -> str:
    try:
        provider = tracker.activity_provider(typed_text(update))
    except InvalidInputError as exc:
        context.turn.say(f"{escape(str(exc))} Type the provider.")
        return PROVIDER
    keep(context, provider=provider)
    context.turn.say("When did you complete it? MM/DD/YYYY, YYYY-MM-DD or today.")
    return DATE


@domain_errors()
async def got_date(update: Update, context: ChatContext) -> str:
    try:
        day = await tracker.activity_date(
            context.uow(), context.rules, telegram_id(update), typed_text(update)
        )
    except InvalidInputError as exc:
        context.turn.say(f"{escape(str(exc))}\nType the date again, or /cancel.")
        return DATE
    keep(context, completed_on=day)
    context.turn.say("How many CECs did it earn? (steps of 0.5, e.g. 2 or 1.5)")
    return CECS


async def got_cecs(update: Update, context: ChatContext) -> str:
    try:
        cecs = tracker.activity_cecs(typed_text(update))
    except InvalidInputError as exc:
        context.turn.say(f"{escape(str(exc))}\nType the CECs again, e.g. 2 or 1.5.")
        return CECS
    keep(context, cecs=cecs)
    context.turn.say(
        "Was it an ACSM activity, or from another organization?",
        keyboard([("ACSM", "ac:org:acsm"), ("Other organization", "ac:org:other")]),
    )
    return ORG


@domain_errors()
async def got_org(update: Update, context: ChatContext) -> str | int:
    organization = Organization(pressed_data(update).rpartition(":")[2])
    keep(context, organization=organization)
    context.turn.answer_button()
    context.turn.edit_or_say(f"Organization: {ORG_LABELS[organization]}.")
    kept = draft(context).proof_id
    if kept is not None:
        return await save(update, context, proof_id=kept)
    context.turn.say(
        "Last step: send the certificate as a photo or PDF (up to 10 MB), or skip it.",
        keyboard([("Skip the certificate", "ac:skip")]),
    )
    return PROOF


@domain_errors()
async def got_proof(update: Update, context: ChatContext) -> str | int:
    try:
        content = await download(update, context)
    except DownloadFailedError as exc:
        context.turn.say(str(exc))
        return PROOF
    except InvalidInputError as exc:  # wrong type or too big, judged before downloading
        context.turn.say(f"{escape(str(exc))}\nSend another file, or skip it.")
        return PROOF
    try:
        return await save(update, context, proof_data=content)
    except InvalidInputError as exc:
        context.turn.say(f"{escape(str(exc))}\nSend another file, or skip it.")
        return PROOF


@domain_errors()
async def skip_proof(update: Update, context: ChatContext) -> str | int:
    context.turn.answer_button()
    return await save(update, context)


async def save(
    update: Update,
    context: ChatContext,
    *,
    proof_id: int | None = None,
    proof_data: bytes | None = None,
) -> int:
    activity = draft(context).activity()
    if activity is None:  # an answer did not survive (an older version's conversation)
        context.turn.say("Some answers were lost on our side, sorry. /addcec to start again.")
        return ConversationHandler.END
    view = await tracker.log_activity(
        context.uow(),
        context.rules,
        telegram_id(update),
        activity,
        proof_id=proof_id,
        proof_data=proof_data,
    )
    proof = " with its certificate" if view.proof_id is not None else ""
    context.turn.say(
        f"Logged{proof}: {escape(view.title)} ({escape(view.provider)}), "
        f"{us_date(view.completed_on)}, {format_cecs(view.cecs)} CECs "
        f"({ORG_LABELS[view.organization]}).\n\n/mycecs lists your activities, /cecs counts them.",
        keyboard([("Log another", "cec:add")]),
    )
    return ConversationHandler.END


async def cancel(update: Update, context: ChatContext) -> int:
    proof_id = draft(context).proof_id
    if proof_id is not None:
        await tracker.discard_proof(context.uow(), context.rules, telegram_id(update), proof_id)
    context.turn.say("Nothing was logged. /addcec to start again.")
    return ConversationHandler.END


# ---- a photo or PDF sent on its own ------------------------------------------------------------


@domain_errors(end=None)
async def file_on_its_own(update: Update, context: ChatContext) -> None:
    if not await logged_in(update, context):
        return
    try:
        content = await download(update, context)
        proof = await tracker.receive_proof(
            context.uow(), context.rules, telegram_id(update), content
        )
    except DownloadFailedError as exc:
        context.turn.say(str(exc))
        return
    context.turn.say(
        "Is this a certificate? I can log the CEC activity with it.",
        keyboard(
            [("Log an activity with it", f"ac:with:{proof.id}")],
            [("No, thanks", f"ac:drop:{proof.id}")],
        ),
    )


@domain_errors(end=None)
async def drop_offered(update: Update, context: ChatContext) -> None:
    deleted = await tracker.discard_proof(
        context.uow(),
        context.rules,
        telegram_id(update),
        int(pressed_data(update).rpartition(":")[2]),
    )
    context.turn.edit_or_say(
        "All right, I did not keep it."
        if deleted
        else "All right. I already had this file: it stays with the activity it belongs to.",
    )


# ---- /mycecs ----------------------------------------------------------------------------------


def activity_line(view: ActivityView) -> str:
    org = "" if view.source == "acsm" else f" · {ORG_LABELS[view.organization]}"
    proof = " · 📎 certificate" if view.proof_id is not None else ""
    return (
        f"• {us_date(view.completed_on)} {escape(view.title)} — {escape(view.provider)} · "
        f"{format_cecs(view.cecs)}{org}{proof}"
    )


def cycle_block(log: CycleLog) -> str:
    total = log.recorded_total + log.logged_acsm + log.logged_other
    lines = [
        f"<b>{escape(', '.join(log.codes))}</b> — cycle {us_date(log.window_start)} to "
        f"{us_date(log.thru_date)}",
        f"<i>Recorded by ACSM: {format_cecs(log.recorded_total)}</i>",
        *(activity_line(a) for a in log.recorded),
        f"<i>Logged by you: {format_cecs(log.logged_acsm + log.logged_other)} "
        f"({format_cecs(log.logged_acsm)} ACSM, {format_cecs(log.logged_other)} other)</i>",
        *(activity_line(a) for a in log.logged),
        f"Total: <b>{format_cecs(total)}</b> CECs",
    ]
    if not log.recorded:
        lines.insert(2, "• none yet")
    if not log.logged:
        lines.insert(-1, "• none yet: /addcec")
    return "\n".join(lines)


def mycecs_answer(logs: list[CycleLog]) -> tuple[str, InlineKeyboardMarkup | None]:
    if not logs:
        return "You have no certification in a current cycle: nothing to log CECs for.", None
    text = "<b>My CECs</b>\n\n" + "\n\n".join(cycle_block(log) for log in logs)
    deletable = [a for log in logs for a in log.logged if a.deletable][:MAX_DELETE_BUTTONS]
    rows = [[(f"🗑 {a.title[:40]} ({format_cecs(a.cecs)})", f"mc:del:{a.id}")] for a in deletable]
    rows.append([("Log an activity", "cec:add")])
    return fit_telegram(text), keyboard(*rows)


@domain_errors(end=None)
async def show_mycecs(update: Update, context: ChatContext) -> None:
    logs = await tracker.my_cecs(context.uow(), context.rules, telegram_id(update))
    text, markup = mycecs_answer(logs)
    context.turn.say(text, markup)


@domain_errors(end=None)
async def delete_pressed(update: Update, context: ChatContext) -> None:
    suffix = pressed_data(update).rpartition(":")[2]
    who = telegram_id(update)
    view = await tracker.delete_logged(context.uow(), context.rules, who, int(suffix))
    context.turn.answer_button(f"Deleted: {view.title[:150]}")
    text, markup = mycecs_answer(await tracker.my_cecs(context.uow(), context.rules, who))
    context.turn.edit_or_say(text, markup)


def conversation() -> Conversation:
    text = filters.TEXT & ~filters.COMMAND
    return Conversation(
        NAME,
        leaving=LEAVING,
        entry_points=[
            CommandHandler("addcec", start),
            CallbackQueryHandler(start, pattern=r"^cec:add$"),
            CallbackQueryHandler(start_with_proof, pattern=r"^ac:with:[0-9]{1,12}$"),
        ],
        states={
            TITLE: [MessageHandler(text, got_title)],
            PROVIDER: [MessageHandler(text, got_provider)],
            DATE: [MessageHandler(text, got_date)],
            CECS: [MessageHandler(text, got_cecs)],
            ORG: [CallbackQueryHandler(got_org, pattern=r"^ac:org:(acsm|other)$")],
            PROOF: [
                MessageHandler(FILES, got_proof),
                CallbackQueryHandler(skip_proof, pattern=r"^ac:skip$"),
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(STRAY_MESSAGE, please_answer),
        ],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [
        CommandHandler("mycecs", show_mycecs),
        CallbackQueryHandler(show_mycecs, pattern=r"^menu:mycecs$"),
        CallbackQueryHandler(delete_pressed, pattern=r"^mc:del:[0-9]{1,12}$"),
        CallbackQueryHandler(drop_offered, pattern=r"^ac:drop:[0-9]{1,12}$"),
    ]


def file_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """A photo or PDF sent outside any conversation: offer to log an activity with it."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & FILES & ~filters.UpdateType.EDITED, file_on_its_own
        )
    ]
