"""The CEC tracker in the chat: /addcec (also the `cec:add` button, or a photo/PDF sent on its
own), /mycecs in pages (each one message, cut between whole entries) with a delete button
for each of the member's own entries.

/addcec ─► title ─► provider ─► date ─► CECs ─► ACSM/other ─► certificate (or Skip) ─► logged
A certificate sent on its own, at any question before the certificate step, or at it, is
read (handlers/reading.py) ─► what was read, with Save (what is missing is asked one question
at a time, the date checked as a typed one, then logged with the file), Edit (every step
again, each value read offered as a button) and Cancel; nothing read ─► the questions, with
the file kept as the certificate.
- a member with no current cycle (lapsed) is told why at once, and how to reach ACSM;
- date and title like an ACSM-recorded activity's: "Same activity" (kept linked to it,
  counted once, straight to the certificate) or "A different one";
- CECs typed as hours or CEUs: the conversion is shown and confirmed;
- date, title and CECs like one the member logged already: asked before it counts twice.
What was typed is kept with the conversation's state (in the update's transaction); the
certificate is downloaded inside the handler and stored with the activity in one use case.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from decimal import Decimal
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
from domain.certificate_text import CertificateReading
from domain.errors import InvalidInputError, NotFoundError, NotLoggedInError
from domain.model import CecActivity
from domain.services import auth, tracker
from domain.services.tracker import ActivityView, CycleLog
from domain.tracker import NoCurrentCycleError, Organization, parse_activity_amount
from domain.validation import TELEGRAM_MESSAGE_LIMIT
from handlers.activity_draft import ActivityDraft
from handlers.context import ChatContext
from handlers.conversation import STRAY_MESSAGE, Conversation, please_answer
from handlers.files import DownloadFailedError, download
from handlers.paging import Line, page_text, paginate, units
from handlers.reading import read_certificate, reading_lines, shown_values
from handlers.render import us_date
from handlers.replies import (
    PLEASE_LOG_IN,
    data_suffix,
    domain_errors,
    keyboard,
    pressed_data,
    typed_text,
)
from i18n import N_, Says

NAME = "addcec"
# Said when another conversation takes over from this one.
LEAVING = N_("Logging that activity stopped: nothing was logged. /addcec starts again.")
TITLE, PROVIDER, DATE, CECS, ORG, PROOF = (
    "addcec:title",
    "addcec:provider",
    "addcec:date",
    "addcec:cecs",
    "addcec:org",
    "addcec:proof",
)
SAME_AS_ACSM, CONFIRM_CECS, TWIN = "addcec:same", "addcec:convert", "addcec:twin"
REVIEW = "addcec:review"  # what a certificate was read to say: Save, Edit, Cancel
ZERO = Decimal(0)
FILES = filters.PHOTO | filters.Document.ALL
DELETE_BUTTONS_PER_PAGE = 10  # a page of /mycecs has at most this many 🗑 buttons
ORG_LABELS = {Organization.ACSM: "ACSM", Organization.OTHER: N_("other organization")}
SKIP_CERTIFICATE = N_("Skip the certificate")
LAST_STEP = N_("Last step: send the certificate as a photo or PDF (up to 10 MB), or skip it.")
SEND_ITS_CERTIFICATE = N_(
    "Send its certificate to keep with it as a photo or PDF (up to 10 MB), or skip it."
)


def org_label(organization: Organization, says: Says) -> str:
    """ "ACSM" (a name, the same in every language) or "other organization", translated."""
    label = ORG_LABELS[organization]
    return label if organization is Organization.ACSM else says.gettext(label)


def cecs_text(cecs: Decimal | str, says: Says) -> str:
    """An amount of CECs, e.g. "2.5 CECs" ("2.5 CEC" in Spanish: CEC has no plural -s)."""
    shown = cecs if isinstance(cecs, str) else format_cecs(cecs)
    return says.gettext("{cecs} CECs", cecs=shown)


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def draft(context: ChatContext) -> ActivityDraft:
    return ActivityDraft.from_json(context.turn.recall(NAME))


def keep(context: ChatContext, **answers: object) -> None:
    context.turn.remember(NAME, **draft(context).but(**answers).to_json())


# ---- values read from a certificate, offered as buttons ------------------------------------


def offer(context: ChatContext, key: str) -> InlineKeyboardMarkup | None:
    """The value read for this question as a button (`ac:use:<key>`), when one was read."""
    value = draft(context).read.get(key)
    if not value:
        return None
    if key == "completed_on":
        label = us_date(date.fromisoformat(value))
    elif key == "cecs":
        label = cecs_text(value, context.turn)
    else:
        label = value if len(value) <= 60 else value[:59] + "…"
    return keyboard([(label, f"ac:use:{key}")])


def answer_of(update: Update, context: ChatContext, key: str) -> str:
    """What was typed, or the value read when its button was pressed (as it would be typed)."""
    if update.callback_query is None:
        return typed_text(update)
    context.turn.answer_button()
    value = draft(context).read.get(key, "")
    if key == "completed_on" and value:
        return us_date(date.fromisoformat(value))
    return value


# ---- entry -------------------------------------------------------------------------------


ASK_TITLE = N_("Let's log a CEC activity. What was its title? (/cancel to stop)")


async def logged_in(update: Update, context: ChatContext) -> bool:
    if await auth.current_member(context.uow(), context.rules, telegram_id(update)) is None:
        context.turn.answer_button()
        context.turn.say(context.turn.gettext(PLEASE_LOG_IN))
        return False
    return True


async def refused_no_cycle(update: Update, context: ChatContext) -> bool:
    """A member with no current cycle (lapsed past the grace period) is told at once why
    nothing can be logged, and how to reach ACSM."""
    try:
        await tracker.can_log(context.uow(), context.rules, telegram_id(update))
    except NoCurrentCycleError as exc:
        context.turn.answer_button()
        context.turn.say(
            context.turn.explain(exc)
            + "\n\n"
            + context.turn.gettext(
                "To reinstate your certification, contact ACSM: {contact}.",
                contact=escape(context.deps.acsm_contact),
            )
        )
        return True
    return False


async def start(update: Update, context: ChatContext) -> str | int:
    if not await logged_in(update, context) or await refused_no_cycle(update, context):
        return ConversationHandler.END
    context.turn.answer_button()
    context.turn.say(context.turn.gettext(ASK_TITLE))
    return TITLE


@domain_errors()
async def start_with_proof(update: Update, context: ChatContext) -> str | int:
    if await refused_no_cycle(update, context):
        return ConversationHandler.END
    proof = await tracker.my_proof(
        context.uow(),
        context.rules,
        telegram_id(update),
        int(data_suffix(update).rpartition(":")[2]),
    )
    context.turn.enter(NAME, TITLE)
    keep(context, proof_id=proof.id)
    context.turn.edit_or_say(context.turn.gettext("Certificate kept."))
    context.turn.say(context.turn.gettext(ASK_TITLE))
    return TITLE


# ---- steps -------------------------------------------------------------------------------


ASK_PROVIDER = N_("Who provided it (organization or company)?")
ASK_DATE = N_("When did you complete it? MM/DD/YYYY, YYYY-MM-DD or today.")


@domain_errors()
async def got_title(update: Update, context: ChatContext) -> str | int:
    try:
        title = tracker.activity_title(answer_of(update, context, "title"))
    except InvalidInputError as exc:
        context.turn.say(
            context.turn.gettext(
                "{error} Type the activity's title.", error=context.turn.explain(exc)
            )
        )
        return TITLE
    keep(context, title=title)
    if draft(context).filling:
        return await advance(update, context)
    context.turn.say(context.turn.gettext(ASK_PROVIDER), offer(context, "provider"))
    return PROVIDER


@domain_errors()
async def got_provider(update: Update, context: ChatContext) -> str | int:
    try:
        provider = tracker.activity_provider(answer_of(update, context, "provider"))
    except InvalidInputError as exc:
        context.turn.say(
            context.turn.gettext("{error} Type the provider.", error=context.turn.explain(exc))
        )
        return PROVIDER
    keep(context, provider=provider)
    if draft(context).filling:
        return await advance(update, context)
    context.turn.say(context.turn.gettext(ASK_DATE), offer(context, "completed_on"))
    return DATE


@domain_errors()
async def got_date(update: Update, context: ChatContext) -> str | int:
    try:
        day = await tracker.activity_date(
            context.uow(),
            context.rules,
            telegram_id(update),
            answer_of(update, context, "completed_on"),
        )
    except NoCurrentCycleError:  # lapsed since /addcec began: no date would do
        await refused_no_cycle(update, context)
        return ConversationHandler.END
    except InvalidInputError as exc:
        context.turn.say(
            context.turn.gettext(
                "{error}\nType the date again, or /cancel.", error=context.turn.explain(exc)
            )
        )
        return DATE
    keep(context, completed_on=day, same_as=None)
    if draft(context).filling:
        return await advance(update, context)
    title = draft(context).title or ""
    matches = await tracker.recorded_matches(
        context.uow(), context.rules, telegram_id(update), title, day
    )
    if matches:
        turn = context.turn
        turn.say(
            turn.gettext(
                "ACSM has already recorded an activity on that day that looks like this one:\n"
                "{activities}\n\n"
                "Is it the same activity? Then it counts once, as ACSM recorded it.",
                activities="\n".join(f"• {recorded_line(a, turn)}" for a in matches),
            ),
            keyboard(
                *(
                    [
                        (
                            turn.gettext("Same activity: {title}", title=a.title[:40]),
                            f"ac:same:{a.id}",
                        )
                    ]
                    for a in matches
                ),
                [(turn.gettext("A different one"), "ac:diff")],
            ),
        )
        return SAME_AS_ACSM
    return ask_cecs(context)


ASK_CECS = N_(
    "How many CECs did it earn? (steps of 0.5, e.g. 2 or 1.5; hours or CEUs as printed on "
    'the certificate also work: "2 hours", "0.2 CEUs")'
)


def ask_cecs(context: ChatContext) -> str:
    context.turn.say(context.turn.gettext(ASK_CECS), offer(context, "cecs"))
    return CECS


def recorded_line(activity: CecActivity, says: Says) -> str:
    return (
        f"{escape(activity.title)} — {escape(activity.provider)}, "
        f"{us_date(activity.completed_on)}, {cecs_text(activity.cecs, says)}"
    )


@domain_errors()
async def same_as_recorded(update: Update, context: ChatContext) -> str | int:
    """ "Same activity": linked to ACSM's record (the member's own, checked), counted once
    with ACSM's CECs; only the certificate is asked."""
    recorded = await tracker.recorded_activity(
        context.uow(),
        context.rules,
        telegram_id(update),
        int(pressed_data(update).rpartition(":")[2]),
    )
    if recorded.completed_on != draft(context).completed_on:
        raise NotFoundError()  # a button from another activity's question
    keep(context, same_as=recorded.id, cecs=recorded.cecs, organization=Organization.ACSM)
    context.turn.edit_or_say(
        context.turn.gettext(
            "The same activity as ACSM's record: {activity}. It counts once.",
            activity=recorded_line(recorded, context.turn),
        )
    )
    return await ask_proof(update, context, SEND_ITS_CERTIFICATE)


async def different_activity(update: Update, context: ChatContext) -> str:
    context.turn.answer_button()
    context.turn.edit_or_say(context.turn.gettext("A different activity: it is logged on its own."))
    keep(context, same_as=None)
    if draft(context).cecs is None:
        return ask_cecs(context)
    return ask_organization(context)


@domain_errors()
async def got_cecs(update: Update, context: ChatContext) -> str | int:
    try:
        amount = parse_activity_amount(answer_of(update, context, "cecs"))
    except InvalidInputError as exc:
        context.turn.say(
            context.turn.gettext(
                "{error}\nType the CECs again, e.g. 2 or 1.5.", error=context.turn.explain(exc)
            )
        )
        return CECS
    converted = amount.conversion_template
    if converted is not None:
        keep(context, pending_cecs=amount.cecs)
        shown = format_cecs(amount.cecs)
        turn = context.turn
        template, values = converted
        turn.say(
            turn.gettext(
                "{conversion} (1 contact hour = 1 CEC; 1 CEU = 10 contact hours). Log {cecs} CECs?",
                conversion=escape(turn.gettext(template, **values)),
                cecs=shown,
            ),
            keyboard(
                [
                    (turn.gettext("Yes, {cecs} CECs", cecs=shown), "ac:cecs:yes"),
                    (turn.gettext("No, type it again"), "ac:cecs:no"),
                ]
            ),
        )
        return CONFIRM_CECS
    keep(context, cecs=amount.cecs)
    if draft(context).filling:
        return await advance(update, context)
    return await after_cecs(update, context)


@domain_errors()
async def conversion_pressed(update: Update, context: ChatContext) -> str | int:
    pending = draft(context).pending_cecs
    if pressed_data(update).endswith(":no") or pending is None:
        keep(context, pending_cecs=None)
        context.turn.edit_or_say(context.turn.gettext("All right, not that."))
        return ask_cecs(context)
    keep(context, cecs=pending, pending_cecs=None)
    context.turn.edit_or_say(context.turn.gettext("CECs: {cecs}.", cecs=format_cecs(pending)))
    if draft(context).filling:
        return await advance(update, context)
    return await after_cecs(update, context)


async def after_cecs(update: Update, context: ChatContext) -> str:
    """Logged already (same date, similar title, same CECs)? Asked before it counts twice."""
    answers = draft(context)
    if answers.title and answers.completed_on and answers.cecs is not None:
        twins = await tracker.logged_twins(
            context.uow(),
            context.rules,
            telegram_id(update),
            (answers.title, answers.completed_on, answers.cecs),
        )
        if twins:
            twin = twins[0]
            turn = context.turn
            turn.say(
                turn.gettext(
                    "You logged this already: {title} ({provider}), {date}, {cecs} CECs. "
                    "Log it again (it would count twice)?",
                    title=escape(twin.title),
                    provider=escape(twin.provider),
                    date=us_date(twin.completed_on),
                    cecs=format_cecs(twin.cecs),
                ),
                keyboard(
                    [(turn.gettext("The same one: don't log it again"), f"ac:twin:{twin.id}")],
                    [(turn.gettext("A different one: log it"), "ac:diff")],
                ),
            )
            return TWIN
    return ask_organization(context)


def ask_organization(context: ChatContext) -> str:
    turn = context.turn
    read = draft(context).read.get("organization")
    labels = {"acsm": "ACSM", "other": turn.gettext("Other organization")}
    if read in labels:  # the value read, marked
        labels[read] = turn.gettext("{label} (as read)", label=labels[read])
    turn.say(
        turn.gettext("Was it an ACSM activity, or from another organization?"),
        keyboard([(labels["acsm"], "ac:org:acsm"), (labels["other"], "ac:org:other")]),
    )
    return ORG


@domain_errors()
async def twin_pressed(update: Update, context: ChatContext) -> int:
    """ "The same one": nothing new is logged; a certificate sent for it is kept with the
    logged one when that has none."""
    activity_id = int(pressed_data(update).rpartition(":")[2])
    proof_id = draft(context).proof_id
    twins = await tracker.logged_twins(
        context.uow(),
        context.rules,
        telegram_id(update),
        (
            draft(context).title or "",
            draft(context).completed_on or date.min,
            draft(context).cecs or ZERO,
        ),
    )
    twin = next((t for t in twins if t.id == activity_id), None)
    if twin is None:
        raise NotFoundError()
    message = N_("Not logged again: {title} is in your log once. /mycecs lists it.")
    if proof_id is not None and twin.proof_id is None:
        await tracker.add_certificate(
            context.uow(), context.rules, telegram_id(update), activity_id, proof_id=proof_id
        )
        message = N_(
            "Not logged again: {title} is in your log once. The certificate you sent is kept "
            "with it. /mycecs lists it."
        )
    elif proof_id is not None:
        with suppress(NotFoundError):
            await tracker.discard_proof(context.uow(), context.rules, telegram_id(update), proof_id)
    context.turn.edit_or_say(context.turn.gettext(message, title=escape(twin.title)))
    return ConversationHandler.END


@domain_errors()
async def got_org(update: Update, context: ChatContext) -> str | int:
    organization = Organization(pressed_data(update).rpartition(":")[2])
    keep(context, organization=organization)
    context.turn.answer_button()
    context.turn.edit_or_say(
        context.turn.gettext(
            "Organization: {organization}.", organization=org_label(organization, context.turn)
        )
    )
    if draft(context).filling:
        return await advance(update, context)
    return await ask_proof(update, context, LAST_STEP)


async def ask_proof(update: Update, context: ChatContext, ask: str) -> str | int:
    """The certificate step: saved at once with a certificate sent first, else asked (`ask`:
    the question, marked N_)."""
    kept = draft(context).proof_id
    if kept is not None:
        try:
            return await save(update, context, proof_id=kept)
        except NotFoundError:  # removed meanwhile: unattached files are kept for a day
            keep(context, proof_id=None)
            context.turn.say(
                context.turn.gettext(
                    "The certificate you sent earlier is no longer kept (files not used for an "
                    "activity are removed after a day). Send it again as a photo or PDF, or skip "
                    "it."
                ),
                keyboard([(context.turn.gettext(SKIP_CERTIFICATE), "ac:skip")]),
            )
            return PROOF
    context.turn.say(
        context.turn.gettext(ask),
        keyboard([(context.turn.gettext(SKIP_CERTIFICATE), "ac:skip")]),
    )
    return PROOF


@domain_errors()
async def got_proof(update: Update, context: ChatContext) -> str | int:
    try:
        content = await download(update, context)
    except DownloadFailedError as exc:
        context.turn.say(context.turn.explain(exc))
        return PROOF
    except InvalidInputError as exc:  # wrong type or too big, judged before downloading
        context.turn.say(another_file(context, exc))
        return PROOF
    reading = None
    if draft(context).same_as is None:  # else ACSM's record says it all: only the file is kept
        reading = await read_certificate(update, context, content)
    try:
        if reading is not None:
            proof = await tracker.receive_proof(
                context.uow(), context.rules, telegram_id(update), content
            )
            return review(context, reading, proof_id=proof.id)
        return await save(update, context, proof_data=content)
    except InvalidInputError as exc:
        context.turn.say(another_file(context, exc))
        return PROOF


def another_file(context: ChatContext, exc: InvalidInputError) -> str:
    return context.turn.gettext(
        "{error}\nSend another file, or skip it.", error=context.turn.explain(exc)
    )


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
        context.turn.say(
            context.turn.gettext(
                "Some answers were lost on our side, sorry. /addcec to start again."
            )
        )
        return ConversationHandler.END
    view = await tracker.log_activity(
        context.uow(),
        context.rules,
        telegram_id(update),
        activity,
        proof_id=proof_id,
        proof_data=proof_data,
        same_as=draft(context).same_as,
    )
    turn = context.turn
    logged = (
        N_("Logged with its certificate: {activity}.")
        if view.proof_id is not None
        else N_("Logged: {activity}.")
    )
    activity_text = turn.gettext(
        "{title} ({provider}), {date}, {cecs} CECs ({organization})",
        title=escape(view.title),
        provider=escape(view.provider),
        date=us_date(view.completed_on),
        cecs=format_cecs(view.cecs),
        organization=org_label(view.organization, turn),
    )
    lines = [turn.gettext(logged, activity=activity_text)]
    if draft(context).same_as:
        lines.append(turn.gettext("It is the activity ACSM recorded, counted once."))
    turn.say(
        " ".join(lines)
        + "\n\n"
        + turn.gettext("/mycecs lists your activities, /cecs counts them."),
        keyboard([(turn.gettext("Log another"), "cec:add")]),
    )
    return ConversationHandler.END


# ---- what a certificate was read to say --------------------------------------------------------


def review(context: ChatContext, reading: CertificateReading, *, proof_id: int | None) -> str:
    """Show what was read (a value read replaces what was typed, which is named beside it),
    with Save, Edit and Cancel; the file is kept as the certificate. Returns REVIEW."""
    before = draft(context)
    current = context.turn.in_conversation(NAME)
    if current is not None and current.state == REVIEW:  # another file: its reading alone
        before = ActivityDraft(proof_id=before.proof_id)
    typed = shown_values(
        before.title, before.provider, before.completed_on, before.cecs, before.organization
    )
    read = {
        "title": reading.title,
        "provider": reading.provider,
        "completed_on": reading.completed_on.isoformat() if reading.completed_on else None,
        "cecs": format_cecs(reading.cecs) if reading.cecs is not None else None,
        "organization": reading.organization.value if reading.organization else None,
        "printed": reading.printed_amount,
    }
    context.turn.enter(NAME, REVIEW)
    keep(
        context,
        title=reading.title or before.title,
        provider=reading.provider or before.provider,
        completed_on=reading.completed_on or before.completed_on,
        cecs=reading.cecs if reading.cecs is not None else before.cecs,
        organization=reading.organization or before.organization,
        proof_id=proof_id if proof_id is not None else before.proof_id,
        read={k: v for k, v in read.items() if v},
        filling=False,
        pending_cecs=None,
        same_as=None,
    )
    context.turn.say(*review_message(context, typed))
    return REVIEW


def review_text(context: ChatContext, typed: dict[str, str | None] | None = None) -> str:
    now = draft(context)
    values = shown_values(now.title, now.provider, now.completed_on, now.cecs, now.organization)
    lines = reading_lines(values, typed or {}, now.read.get("printed"), context.turn)
    turn = context.turn
    save = (
        N_(
            "Save logs it with this file as its certificate. Edit goes through each answer. "
            "Nothing is logged before you save."
        )
        if now.activity() is not None
        else N_(
            "Save logs it with this file as its certificate (what was not read is asked "
            "first). Edit goes through each answer. Nothing is logged before you save."
        )
    )
    return (
        turn.gettext("I read this on the certificate:")
        + "\n"
        + "\n".join(lines)
        + "\n\n"
        + turn.gettext(save)
    )


def review_message(
    context: ChatContext, typed: dict[str, str | None] | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    turn = context.turn
    return review_text(context, typed), keyboard(
        [
            (turn.gettext("Save"), "ac:save"),
            (turn.gettext("Edit"), "ac:edit"),
            (turn.gettext("Cancel"), "ac:cancel"),
        ]
    )


async def advance(update: Update, context: ChatContext) -> str | int:
    """After Save: the first answer still missing is asked (one question at a time); a date
    read that the rules refuse is asked again with the reason; then it is logged."""
    now = draft(context)
    if now.title is None:
        context.turn.say(context.turn.gettext("What was its title?"))
        return TITLE
    if now.provider is None:
        context.turn.say(context.turn.gettext(ASK_PROVIDER))
        return PROVIDER
    if now.completed_on is None:
        context.turn.say(context.turn.gettext(ASK_DATE))
        return DATE
    try:
        await tracker.check_activity_date(
            context.uow(), context.rules, telegram_id(update), now.completed_on
        )
    except NoCurrentCycleError:
        await refused_no_cycle(update, context)
        return ConversationHandler.END
    except InvalidInputError as exc:
        keep(context, completed_on=None)
        context.turn.say(
            context.turn.gettext(
                "The date completed, {date}: {error}",
                date=us_date(now.completed_on),
                error=context.turn.explain(exc),
            )
            + "\n"
            + context.turn.gettext(ASK_DATE)
        )
        return DATE
    if now.cecs is None:
        return ask_cecs(context)
    if now.organization is None:
        return ask_organization(context)
    return await ask_proof(update, context, LAST_STEP)


@domain_errors()
async def save_pressed(update: Update, context: ChatContext) -> str | int:
    """Save: what was read is logged with the file (what is missing asked first)."""
    context.turn.answer_button()
    keep(context, filling=True)
    context.turn.edit_or_say(review_text(context))  # the values stay in the chat, no buttons
    return await advance(update, context)


async def edit_pressed(update: Update, context: ChatContext) -> str:
    """Edit: every step again, each value read offered as a button."""
    context.turn.answer_button()
    keep(
        context,
        title=None,
        provider=None,
        completed_on=None,
        cecs=None,
        organization=None,
        filling=False,
        pending_cecs=None,
    )
    context.turn.edit_or_say(
        context.turn.gettext("Let's go through it: press the value read, or type another.")
    )
    context.turn.say(
        context.turn.gettext("What was its title? (/cancel to stop)"), offer(context, "title")
    )
    return TITLE


async def cancel_pressed(update: Update, context: ChatContext) -> int:
    context.turn.answer_button()
    context.turn.edit_or_say(review_text(context).partition("\n\n")[0])
    return await cancel(update, context)


async def attach_instead(update: Update, context: ChatContext) -> int:
    """ "Add it to an activity I logged": this activity is not logged; the file is offered
    to the member's activities without a certificate."""
    await attach_offered(update, context)
    return ConversationHandler.END


async def cancel(update: Update, context: ChatContext) -> int:
    proof_id = draft(context).proof_id
    if proof_id is not None:
        # Removed already (a day unused), or the session ended meanwhile (the daily run
        # removes what is left): cancelling still cancels.
        with suppress(NotFoundError, NotLoggedInError):
            await tracker.discard_proof(context.uow(), context.rules, telegram_id(update), proof_id)
    context.turn.say(context.turn.gettext("Nothing was logged. /addcec to start again."))
    return ConversationHandler.END


# ---- a photo or PDF sent on its own ------------------------------------------------------------


@domain_errors(end=None)
async def file_on_its_own(update: Update, context: ChatContext) -> None:
    """A photo or PDF no question was waiting for (on its own, or at one of /addcec's
    questions before the certificate step): read, then what was read with Save, Edit and
    Cancel; nothing read: /addcec's questions, with the file kept as the certificate."""
    if not await logged_in(update, context):
        return
    current = context.turn.conversation
    if current is not None and current.name != NAME:
        context.turn.say(
            context.turn.gettext(
                "Please finish what you are doing first (or /cancel it), then send the "
                "certificate again."
            )
        )
        return
    if await refused_no_cycle(update, context):
        return
    try:
        content = await download(update, context)
    except DownloadFailedError as exc:
        context.turn.say(context.turn.explain(exc))
        return
    reading = await read_certificate(update, context, content)
    proof = await tracker.receive_proof(context.uow(), context.rules, telegram_id(update), content)
    turn = context.turn
    attach = keyboard([(turn.gettext("Add it to an activity I logged"), f"ac:to:{proof.id}")])
    if reading is not None:
        review(context, reading, proof_id=proof.id)
        if current is None:
            turn.say(turn.gettext("Or is it the certificate of an activity you logged?"), attach)
        return
    if current is None or current.state == TITLE:
        turn.enter(NAME, TITLE)
        keep(context, proof_id=proof.id)
        turn.say(
            turn.gettext(
                "I could not read a certificate on that file. I keep it as the certificate of "
                "the activity you log now."
            ),
            attach if current is None else None,
        )
        turn.say(turn.gettext(ASK_TITLE))
        return
    keep(context, proof_id=proof.id)
    turn.say(
        turn.gettext(
            "I could not read a certificate on that file. I keep it as this activity's "
            "certificate. Please answer the question above, or /cancel."
        )
    )


@domain_errors(end=None)
async def attach_offered(update: Update, context: ChatContext) -> None:
    """ "Add it to an activity I logged" `ac:to:<proof>`: the member's logged activities
    without a certificate, as buttons (the proof is checked to be the member's own)."""
    proof_id = int(pressed_data(update).rpartition(":")[2])
    who = telegram_id(update)
    await tracker.my_proof(context.uow(), context.rules, who, proof_id)
    choices = await tracker.without_certificate(context.uow(), context.rules, who)
    turn = context.turn
    if not choices:
        turn.edit_or_say(
            turn.gettext("No activity you logged in your current cycle is without a certificate."),
            keyboard([(turn.gettext("Log an activity with it"), f"ac:with:{proof_id}")]),
        )
        return
    turn.edit_or_say(
        turn.gettext("Which activity is this the certificate of?"),
        keyboard(
            *(
                [(f"{c.title[:40]} ({us_date(c.completed_on)})", f"ac:att:{proof_id}:{c.id}")]
                for c in choices
            ),
            [(turn.gettext("Log a new activity with it"), f"ac:with:{proof_id}")],
        ),
    )


@domain_errors(end=None)
async def attach_pressed(update: Update, context: ChatContext) -> None:
    """`ac:att:<proof>:<activity>`: both the member's own (else "expired")."""
    _, _, proof_id, activity_id = pressed_data(update).split(":")
    activity = await tracker.add_certificate(
        context.uow(),
        context.rules,
        telegram_id(update),
        int(activity_id),
        proof_id=int(proof_id),
    )
    context.turn.edit_or_say(
        context.turn.gettext(
            "Certificate kept with: {title} ({date}). /mycecs lists it.",
            title=escape(activity.title),
            date=us_date(activity.completed_on),
        )
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
        context.turn.gettext("All right, I did not keep it.")
        if deleted
        else context.turn.gettext(
            "All right. I already had this file: it stays with the activity it belongs to."
        ),
    )


# ---- /mycecs ----------------------------------------------------------------------------------


def activity_line(view: ActivityView, says: Says) -> str:
    org = "" if view.source == "acsm" else f" · {org_label(view.organization, says)}"
    proof = " · 📎 " + says.gettext("certificate") if view.proof_id is not None else ""
    return (
        f"• {us_date(view.completed_on)} {escape(view.title)} — {escape(view.provider)} · "
        f"{format_cecs(view.cecs)}{org}{proof}"
    )


def cycle_lines(log: CycleLog, says: Says) -> list[Line]:
    """One cycle's part of /mycecs, line by line; a page that starts inside it repeats the
    cycle's heading and the section's, marked "continued"."""
    total = log.recorded_total + log.logged_acsm + log.logged_other
    heading = says.gettext(
        "<b>{codes}</b> — cycle {start} to {thru}",
        codes=escape(", ".join(log.codes)),
        start=us_date(log.window_start),
        thru=us_date(log.thru_date),
    )
    cycle = (says.gettext("{heading} (continued)", heading=heading),)
    recorded = (*cycle, says.gettext("<i>Recorded by ACSM (continued)</i>"))
    logged = (*cycle, says.gettext("<i>Logged by you (continued)</i>"))
    return [
        Line(heading, heading=True),
        Line(
            says.gettext("<i>Recorded by ACSM: {cecs}</i>", cecs=format_cecs(log.recorded_total)),
            context=cycle,
            heading=True,
        ),
        *(Line(activity_line(a, says), entry_button(a), context=recorded) for a in log.recorded),
        *([] if log.recorded else [Line(says.gettext("• none yet"), context=recorded)]),
        Line(
            says.gettext(
                "<i>Logged by you: {cecs} ({acsm} ACSM, {other} other)</i>",
                cecs=format_cecs(log.logged_acsm + log.logged_other),
                acsm=format_cecs(log.logged_acsm),
                other=format_cecs(log.logged_other),
            ),
            context=cycle,
            heading=True,
        ),
        *(Line(activity_line(a, says), entry_button(a), context=logged) for a in log.logged),
        *([] if log.logged else [Line(says.gettext("• none yet: /addcec"), context=logged)]),
        Line(says.gettext("Total: <b>{cecs}</b> CECs", cecs=format_cecs(total)), context=cycle),
    ]


def entry_button(view: ActivityView) -> tuple[str, str] | None:
    """📎 for an entry with the member's certificate (it opens the entry: send the file
    back, delete), else 🗑 for one the member may still delete, else none."""
    target = view.id if view.source == "logged" else view.logged_id
    if view.proof_id is not None and target is not None:
        return (f"📎 {view.title[:40]} ({format_cecs(view.cecs)})", f"mc:one:{target}")
    return delete_button(view)


def delete_button(view: ActivityView) -> tuple[str, str] | None:
    """The 🗑 button of a logged activity the member may still delete (its page is added to
    the data when the page is drawn)."""
    if not view.deletable:
        return None
    return (f"🗑 {view.title[:40]} ({format_cecs(view.cecs)})", f"mc:del:{view.id}")


MYCECS = N_("<b>My CECs</b>")
MYCECS_PAST = N_("<b>My CECs</b> · previous cycle")
READ_ONLY = N_("<i>Reported with your paid renewal: read-only.</i>")


def page_of(title: str, page: int, pages: int, says: Says) -> str:
    return says.gettext("{title} · page {page} of {pages}", title=title, page=page, pages=pages)


def mycecs_room(says: Says) -> int:
    """What is left of one message for a page's lines, under the longest header."""
    header = page_of(says.gettext(MYCECS_PAST), 9999, 9999, says)
    return TELEGRAM_MESSAGE_LIMIT - units(f"{header}\n{says.gettext(READ_ONLY)}\n\n")


def mycecs_pages(logs: list[CycleLog], says: Says) -> list[list[Line]]:
    lines: list[Line] = []
    for log in logs:
        lines += [Line(""), *cycle_lines(log, says)]
    return paginate(lines, room=mycecs_room(says), buttons_per_page=DELETE_BUTTONS_PER_PAGE)


def mycecs_answer(
    logs: list[CycleLog],
    says: Says,
    page: int = 1,
    *,
    previous: CycleLog | None = None,
    past: bool = False,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Page `page` of /mycecs (the last one if there are fewer now): each page one message,
    cut between whole entries, with a 🗑 button for each deletable entry on it and buttons
    to the pages before and after. `previous`: a "Previous cycle" button (a paid cycle no
    longer current). `past`: these are the previous cycle's, read-only (no 🗑)."""
    if not logs:
        return (
            says.gettext("You have no certification in a current cycle: nothing to log CECs for."),
            None,
        )
    pages = mycecs_pages(logs, says)
    page = min(max(page, 1), len(pages))
    lines = pages[page - 1]
    title = says.gettext(MYCECS_PAST if past else MYCECS)
    header = title if len(pages) == 1 else page_of(title, page, len(pages), says)
    if past:
        header += "\n" + says.gettext(READ_ONLY)
    rows = [
        [(label, f"{data}:{page}")]
        for label, data in (ln.button for ln in lines if ln.button)
        if not past or data.startswith("mc:one:")  # read-only: the certificates, no 🗑
    ]
    moves = []
    turn = "mc:past" if past else "mc:page"
    if page > 1:
        moves.append((says.gettext("◀ Page {page}", page=page - 1), f"{turn}:{page - 1}"))
    if page < len(pages):
        moves.append((says.gettext("Page {page} ▶", page=page + 1), f"{turn}:{page + 1}"))
    if moves:
        rows.append(moves)
    if past:
        rows.append([(says.gettext("◀ Current cycle"), "mc:page:1")])
    else:
        if previous is not None:
            rows.append([(says.gettext("Previous cycle"), "mc:past:1")])
        rows.append([(says.gettext("Log an activity"), "cec:add")])
    return f"{header}\n\n{page_text(lines)}", keyboard(*rows)


async def current_answer(
    update: Update, context: ChatContext, page: int = 1
) -> tuple[str, InlineKeyboardMarkup | None, int]:
    """The member's own list, read afresh, at that page; and how many pages it has."""
    who = telegram_id(update)
    logs = await tracker.my_cecs(context.uow(), context.rules, who)
    previous = await tracker.previous_cycle(context.uow(), context.rules, who)
    text, markup = mycecs_answer(logs, context.turn, page, previous=previous)
    return text, markup, len(mycecs_pages(logs, context.turn)) if logs else 1


@domain_errors(end=None)
async def show_mycecs(update: Update, context: ChatContext) -> None:
    text, markup, _ = await current_answer(update, context)
    context.turn.say(text, markup)


@domain_errors(end=None)
async def page_pressed(update: Update, context: ChatContext) -> None:
    """◀ / ▶: the member's own list, read afresh, at that page (the button names no data)."""
    page = int(pressed_data(update).rpartition(":")[2])
    text, markup, pages = await current_answer(update, context, page)
    if page > pages:  # a stale button: the list has fewer pages now
        context.turn.answer_button(
            context.turn.ngettext(
                "Your list changed: it has {count} page now.",
                "Your list changed: it has {count} pages now.",
                pages,
            )
        )
    context.turn.edit_or_say(text, markup)


@domain_errors(end=None)
async def past_pressed(update: Update, context: ChatContext) -> None:
    """ "Previous cycle": the latest paid cycle no longer current, read-only (the member's
    own, read afresh: the button names no data)."""
    page = int(pressed_data(update).rpartition(":")[2])
    log = await tracker.previous_cycle(context.uow(), context.rules, telegram_id(update))
    if log is None:
        context.turn.answer_button(context.turn.gettext("You have no previous cycle renewed here."))
        return
    text, markup = mycecs_answer([log], context.turn, page, past=True)
    context.turn.edit_or_say(text, markup)


@domain_errors(end=None)
async def entry_pressed(update: Update, context: ChatContext) -> None:
    """📎 `mc:one:<activity>:<page>`: one of the member's own entries with its certificate:
    send the file back, delete it (while its cycle is not paid), or go back."""
    _, _, activity_id, page = pressed_data(update).split(":")
    view = await tracker.my_logged(
        context.uow(), context.rules, telegram_id(update), int(activity_id), to_delete=False
    )
    turn = context.turn
    rows = [[(turn.gettext("📎 Send me the certificate"), f"mc:file:{activity_id}")]]
    if view.deletable:
        rows.append([(turn.gettext("🗑 Delete it"), f"mc:del:{activity_id}:{page}")])
    rows.append([(turn.gettext("◀ Back to the list"), f"mc:page:{page}")])
    turn.edit_or_say(activity_line(view, turn), keyboard(*rows))


@domain_errors(end=None)
async def file_pressed(update: Update, context: ChatContext) -> None:
    """ "Send me the certificate" `mc:file:<activity>`: the file kept with the member's own
    activity, sent back as a document."""
    view, proof = await tracker.certificate_of(
        context.uow(),
        context.rules,
        telegram_id(update),
        int(pressed_data(update).rpartition(":")[2]),
    )
    assert proof.id is not None
    caption = context.turn.gettext("Certificate: {title}", title=view.title)
    context.turn.send_proof(proof.id, proof.file_name, caption[:1000])


@domain_errors(end=None)
async def delete_pressed(update: Update, context: ChatContext) -> None:
    """🗑 `mc:del:<activity>:<page>` (or `mc:del:<activity>` from before pages): asks first.
    Only the presser's own activity (anyone else's, or a deleted one, is "This button has
    expired."; one whose cycle is paid says so)."""
    _, _, activity_id, *on_page = pressed_data(update).split(":")
    page = int(on_page[0]) if on_page else 1
    view = await tracker.my_logged(
        context.uow(), context.rules, telegram_id(update), int(activity_id)
    )
    turn = context.turn
    turn.edit_or_say(
        turn.gettext("Delete this activity from your log?") + "\n" + activity_line(view, turn),
        keyboard(
            [(turn.gettext("Yes, delete it"), f"mc:delok:{activity_id}:{page}")],
            [(turn.gettext("No, keep it"), f"mc:page:{page}")],
        ),
    )


@domain_errors(end=None)
async def delete_confirmed(update: Update, context: ChatContext) -> None:
    """ "Yes, delete it" `mc:delok:<activity>:<page>`: the use case deletes only the
    presser's own activity; the page it was on is drawn again."""
    _, _, activity_id, page = pressed_data(update).split(":")
    who = telegram_id(update)
    view = await tracker.delete_logged(context.uow(), context.rules, who, int(activity_id))
    context.turn.answer_button(context.turn.gettext("Deleted: {title}", title=view.title[:150]))
    text, markup, _ = await current_answer(update, context, int(page))
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
            TITLE: [
                MessageHandler(text, got_title),
                CallbackQueryHandler(got_title, pattern=r"^ac:use:title$"),
                CallbackQueryHandler(attach_instead, pattern=r"^ac:to:[0-9]{1,12}$"),
            ],
            PROVIDER: [
                MessageHandler(text, got_provider),
                CallbackQueryHandler(got_provider, pattern=r"^ac:use:provider$"),
            ],
            DATE: [
                MessageHandler(text, got_date),
                CallbackQueryHandler(got_date, pattern=r"^ac:use:completed_on$"),
            ],
            REVIEW: [
                CallbackQueryHandler(save_pressed, pattern=r"^ac:save$"),
                CallbackQueryHandler(edit_pressed, pattern=r"^ac:edit$"),
                CallbackQueryHandler(cancel_pressed, pattern=r"^ac:cancel$"),
                CallbackQueryHandler(attach_instead, pattern=r"^ac:to:[0-9]{1,12}$"),
            ],
            SAME_AS_ACSM: [
                CallbackQueryHandler(same_as_recorded, pattern=r"^ac:same:[0-9]{1,12}$"),
                CallbackQueryHandler(different_activity, pattern=r"^ac:diff$"),
            ],
            CECS: [
                MessageHandler(text, got_cecs),
                CallbackQueryHandler(got_cecs, pattern=r"^ac:use:cecs$"),
            ],
            CONFIRM_CECS: [CallbackQueryHandler(conversion_pressed, pattern=r"^ac:cecs:(yes|no)$")],
            TWIN: [
                CallbackQueryHandler(twin_pressed, pattern=r"^ac:twin:[0-9]{1,12}$"),
                CallbackQueryHandler(different_activity, pattern=r"^ac:diff$"),
            ],
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
        CallbackQueryHandler(page_pressed, pattern=r"^mc:page:[0-9]{1,4}$"),
        CallbackQueryHandler(past_pressed, pattern=r"^mc:past:[0-9]{1,4}$"),
        CallbackQueryHandler(delete_pressed, pattern=r"^mc:del:[0-9]{1,12}(:[0-9]{1,4})?$"),
        CallbackQueryHandler(delete_confirmed, pattern=r"^mc:delok:[0-9]{1,12}:[0-9]{1,4}$"),
        CallbackQueryHandler(drop_offered, pattern=r"^ac:drop:[0-9]{1,12}$"),
        CallbackQueryHandler(entry_pressed, pattern=r"^mc:one:[0-9]{1,12}:[0-9]{1,4}$"),
        CallbackQueryHandler(file_pressed, pattern=r"^mc:file:[0-9]{1,12}$"),
        CallbackQueryHandler(attach_offered, pattern=r"^ac:to:[0-9]{1,12}$"),
        CallbackQueryHandler(attach_pressed, pattern=r"^ac:att:[0-9]{1,12}:[0-9]{1,12}$"),
    ]


def file_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """A photo or PDF sent outside any conversation: offer to log an activity with it."""
    return [
        MessageHandler(
            filters.ChatType.PRIVATE & FILES & ~filters.UpdateType.EDITED, file_on_its_own
        )
    ]
