"""Renewal: choose → contact → CPR/AED → ACSM CECs → other CECs → acknowledge → invoice.

Every step is saved by the domain (a renewal draft), and the conversation state is the
domain's own `RenewalStep`, so a restart resumes exactly where the member was.

CPR/AED: when the expiry on file is past (or unknown), "I have a newer card" asks the new
card's expiry date (CPR_DATE, re-asked until it reads and is current), then its photo or PDF
(step CPR_CARD), kept like a certificate; then the CEC steps follow.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.cecs import InvalidCecAmountError, format_cecs
from domain.errors import InvalidInputError, ProofNeededError, RefusedError
from domain.intents import Intent
from domain.money import format_usd
from domain.renewal_rules import RefusalCode
from domain.services import renewal
from domain.services.renewal import RenewalProgress, RenewalStep
from handlers.context import ChatContext
from handlers.conversation import FILES, STRAY_MESSAGE, Conversation, please_answer
from handlers.files import DownloadFailedError, download
from handlers.free_text import NEW_PRIVATE_TEXT, Saying
from handlers.render import invoice_block, us_date
from handlers.replies import (
    data_suffix,
    domain_errors,
    keyboard,
    pressed_data,
    typed_text,
)
from i18n import N_, Says

NAME = "renewal"
# Said when another conversation takes over from this one.
LEAVING = N_("Renewal set aside: what you entered is kept, and /renew picks it up again.")
EDIT_EMAIL, EDIT_PHONE = "renew:edit_email", "renew:edit_phone"
CPR_DATE = "renew:cpr_date"  # "I have a newer card": its expiry date is asked
NEWER_CARD = (N_("I have a newer card"), "rn:cpr_new")
ASK_CPR_DATE = N_(
    "Type the expiry date printed on your newer CPR/AED card, as MM/DD/YYYY (e.g. 06/30/2027) "
    "or YYYY-MM-DD."
)
CHOOSE = N_("Several certifications can be renewed. Choose which to renew together:")
CHECKED, UNCHECKED = "☑", "☐"
HIDDEN = N_("(Partly hidden until you prove who you are.)")


def newer_card(says: Says) -> tuple[str, str]:
    return (says.gettext(NEWER_CARD[0]), NEWER_CARD[1])


def telegram_id(update: Update) -> int:
    assert update.effective_user is not None
    return update.effective_user.id


def state_of(progress: RenewalProgress) -> str | int:
    if progress.step is RenewalStep.DONE:
        return ConversationHandler.END
    return f"renew:{progress.step.value}"


# ---- what the member sees at each step -------------------------------------------------


def choose_markup(
    progress: RenewalProgress, selected: set[int], says: Says
) -> InlineKeyboardMarkup:
    rows = [
        [(f"{CHECKED if v.id in selected else UNCHECKED} {v.code} — {v.name}"[:60], f"rc:{v.id}")]
        for v in progress.choices
    ]
    rows.append([(says.gettext("Continue"), "rc:go")])
    return keyboard(*rows)


def contact_text(progress: RenewalProgress, says: Says) -> str:
    c = progress.contact
    return (
        says.gettext("<b>Step 1 of 5 · Contact details</b>")
        + "\n"
        + says.gettext(
            "Name: {name}\nEmail: {email}\nPhone: {phone}",
            name=escape(c.full_name),
            email=escape(c.email),
            phone=escape(c.phone or "—"),
        )
        + "\n"
        + (says.gettext(HIDDEN) + "\n" if c.masked else "")
        + "\n"
        + says.gettext("Are these correct?")
    )


def cpr_text(progress: RenewalProgress, says: Says) -> str:
    expires = progress.cpr_aed_expires
    if expires is None:
        known = ""
    elif progress.cpr_current:
        known = " " + says.gettext("On file: expires {date}.", date=us_date(expires))
    else:
        known = " " + says.gettext("On file: expired on {date}.", date=us_date(expires))
    newer = (
        "\n"
        + says.gettext(
            "If you have a newer card, tap “I have a newer card”: its expiry date and a photo or "
            "PDF of it will do."
        )
        if progress.newer_card_offered
        else ""
    )
    return (
        says.gettext("<b>Step 2 of 5 · CPR/AED</b>")
        + "\n"
        + says.gettext(
            "Renewal by CECs requires a current CPR/AED certification (with a hands-on skills "
            "component)."
        )
        + f"{known}{newer}\n\n"
        + says.gettext("Is yours current?")
    )


def cpr_markup(progress: RenewalProgress, says: Says) -> InlineKeyboardMarkup:
    rows = [
        [
            (says.gettext("Yes, it is current"), "rn:cpr_yes"),
            (says.gettext("No"), "rn:cpr_no"),
        ]
    ]
    if progress.newer_card_offered:
        rows.append([newer_card(says)])
    return keyboard(*rows)


def cpr_card_text(progress: RenewalProgress, says: Says) -> str:
    expires = us_date(progress.cpr_new_expires) if progress.cpr_new_expires else "—"
    return (
        says.gettext("<b>Step 2 of 5 · CPR/AED</b>")
        + "\n"
        + says.gettext("Newer card, expires {date}.", date=expires)
        + "\n"
        + says.gettext("Now send a photo or PDF of the card (up to 10 MB).")
    )


def acsm_cecs_text(progress: RenewalProgress, says: Says) -> str:
    return (
        says.gettext("<b>Step 3 of 5 · ACSM CECs</b>")
        + "\n"
        + says.gettext(
            "You need {required} CECs in total. ACSM has recorded {recorded} for this cycle.",
            required=format_cecs(progress.required_cecs),
            recorded=format_cecs(progress.acsm_recorded),
        )
        + "\n\n"
        + logged_acsm_note(progress, says)
        + says.gettext(
            "Type the number of ACSM CECs you are reporting (e.g. 30 or 12.5), or use the button."
        )
    )


def logged_acsm_note(progress: RenewalProgress, says: Says) -> str:
    if not progress.logged_acsm:
        return ""
    return (
        says.gettext(
            "You logged {logged} more ACSM CECs (/mycecs): {total} in all.",
            logged=format_cecs(progress.logged_acsm),
            total=format_cecs(progress.suggested_acsm),
        )
        + "\n\n"
    )


def other_cecs_text(progress: RenewalProgress, says: Says) -> str:
    return (
        says.gettext("<b>Step 4 of 5 · Other organizations</b>")
        + "\n"
        + says.gettext("ACSM CECs: {acsm}.", acsm=format_cecs(progress.acsm_cecs or Decimal(0)))
        + "\n"
        + says.gettext(
            "You logged {logged} CECs from other organizations this cycle.",
            logged=format_cecs(progress.logged_other),
        )
        + "\n"
        + says.gettext(
            "Type the number of CECs from other organizations (0 if none), or use the button."
        )
    )


def acknowledge_text(progress: RenewalProgress, says: Says) -> str:
    codes = ", ".join(v.code for v in progress.certifications)
    total = (progress.acsm_cecs or Decimal(0)) + (progress.other_cecs or Decimal(0))
    fee = format_usd(progress.fee_cents + progress.late_fee_cents)
    late = (
        " "
        + says.gettext(
            "(includes a late fee of {amount})", amount=format_usd(progress.late_fee_cents)
        )
        if progress.late_fee_cents
        else ""
    )
    new_thru = (
        " " + says.gettext("thru {date}", date=us_date(progress.new_thru))
        if progress.new_thru
        else ""
    )
    return (
        says.gettext("<b>Step 5 of 5 · Acknowledgement</b>")
        + "\n"
        + says.gettext("Renewing: {codes}", codes=escape(codes))
        + f"{new_thru}\n"
        + says.gettext(
            "CECs reported: {total} of {required} required",
            total=format_cecs(total),
            required=format_cecs(progress.required_cecs),
        )
        + "\n"
        + says.gettext("Fee: {fee}", fee=fee)
        + f"{late}\n\n"
        + says.gettext(
            "I confirm that the information I reported is accurate, that I completed these "
            "continuing education activities during this certification period, that I hold a "
            "current CPR/AED certification, and that I will keep documentation in case of an "
            "audit."
        )
    )


def together_text(progress: RenewalProgress, says: Says) -> str:
    one = progress.certifications[0]
    others = [v for v in progress.choices if v.id != one.id]
    late = (
        "\n"
        + says.gettext(
            "Both amounts include the late fee of {amount}.",
            amount=format_usd(progress.late_fee_cents),
        )
        if progress.late_fee_cents
        else ""
    )
    names = ", ".join(escape(v.code) for v in others)
    return (
        says.gettext(
            "You can also renew {names} now: its cycle ends on the same day as {code}'s ({date}).",
            names=names,
            code=escape(one.code),
            date=us_date(one.thru_date),
        )
        + "\n"
        + says.gettext(
            "Renew them together: one invoice of {together}, or {code} alone: {alone}.",
            together=format_usd(progress.together_fee_cents + progress.late_fee_cents),
            code=escape(one.code),
            alone=format_usd(progress.fee_cents + progress.late_fee_cents),
        )
        + late
    )


def together_markup(progress: RenewalProgress, says: Says) -> InlineKeyboardMarkup:
    one = progress.certifications[0]
    codes = " + ".join(v.code for v in [one, *(v for v in progress.choices if v.id != one.id)])
    together = format_usd(progress.together_fee_cents + progress.late_fee_cents)
    alone = format_usd(progress.fee_cents + progress.late_fee_cents)
    return keyboard(
        [
            (
                says.gettext("Renew {codes} together ({amount})", codes=codes, amount=together)[
                    :60
                ],
                f"rt:all:{one.id}",
            )
        ],
        [
            (
                says.gettext("Only {code} ({amount})", code=one.code, amount=alone),
                f"rt:one:{one.id}",
            )
        ],
    )


async def present(context: ChatContext, progress: RenewalProgress, note: str = "") -> str | int:
    """Show the step the renewal is at; return the matching conversation state."""
    says = context.turn
    prefix = f"{note}\n\n" if note else ""
    step = progress.step
    if step is RenewalStep.CHOOSE:
        context.turn.say(prefix + says.gettext(CHOOSE), choose_markup(progress, set(), says))
    elif step is RenewalStep.TOGETHER:
        context.turn.say(prefix + together_text(progress, says), together_markup(progress, says))
    elif step is RenewalStep.CONTACT:
        context.turn.say(
            prefix + contact_text(progress, says),
            keyboard(
                [(says.gettext("Yes, correct"), "rn:contact_ok")],
                [
                    (says.gettext("Edit email"), "rn:email"),
                    (says.gettext("Edit phone"), "rn:phone"),
                ],
            ),
        )
    elif step is RenewalStep.CPR:
        context.turn.say(prefix + cpr_text(progress, says), cpr_markup(progress, says))
    elif step is RenewalStep.CPR_CARD:
        context.turn.say(
            prefix + cpr_card_text(progress, says),
            keyboard([(says.gettext("Change the date"), "rn:cpr_new")]),
        )
    elif step is RenewalStep.ACSM_CECS:
        use = says.gettext(
            "Use {count} (recorded + logged)", count=format_cecs(progress.suggested_acsm)
        )
        context.turn.say(prefix + acsm_cecs_text(progress, says), keyboard([(use, "rn:acsm_use")]))
    elif step is RenewalStep.OTHER_CECS:
        use = says.gettext("Use {count} (logged)", count=format_cecs(progress.logged_other))
        context.turn.say(
            prefix + other_cecs_text(progress, says), keyboard([(use, "rn:other_use")])
        )
    elif step is RenewalStep.ACKNOWLEDGE:
        context.turn.say(
            prefix + acknowledge_text(progress, says),
            keyboard([(f"{UNCHECKED} " + says.gettext("I acknowledge"), "rn:ack")]),
        )
    else:
        assert progress.invoice is not None
        context.turn.say(
            prefix + invoice_block(progress.invoice, says),
            keyboard([(says.gettext("Go to my invoices"), "menu:invoices")]),
        )
    return state_of(progress)


# ---- entry ------------------------------------------------------------------------------


@domain_errors()
async def start(update: Update, context: ChatContext) -> str | int:
    uow, rules, who = context.uow, context.rules, telegram_id(update)
    suffix = data_suffix(update)
    if suffix.isascii() and suffix.isdigit():
        progress = await renewal.start_renewal(uow(), rules, who, [int(suffix)])
        return await present(context, progress)
    resumed = await renewal.renewal_progress(uow(), rules, who)
    if resumed is not None and resumed.step is not RenewalStep.DONE:
        return await present(context, resumed, context.turn.gettext("Let's continue your renewal."))
    progress = await renewal.start_renewal(uow(), rules, who, None)
    return await present(context, progress)


@domain_errors()
async def together_chosen(update: Update, context: ChatContext) -> str | int:
    """`rt:all:<id>`: with every certification renewable in its window now (computed at the
    press); `rt:one:<id>`: that one alone. The use cases check the presser owns it."""
    uow, rules, who = context.uow, context.rules, telegram_id(update)
    _, how, certification_id = pressed_data(update).split(":")
    if how == "all":
        progress = await renewal.renew_together(uow(), rules, who, int(certification_id))
    else:
        progress = await renewal.choose_certifications(uow(), rules, who, [int(certification_id)])
    return await present(context, progress)


# ---- steps ------------------------------------------------------------------------------


def selected_ids(message: Message | None) -> set[int]:
    if message is None or message.reply_markup is None:
        return set()
    chosen = set()
    for row in message.reply_markup.inline_keyboard:
        for button in row:
            data = button.callback_data
            is_choice = (
                isinstance(data, str)
                and data.startswith("rc:")
                and data[3:].isascii()
                and data[3:].isdigit()
            )
            if is_choice and button.text.startswith(CHECKED):
                chosen.add(int(str(data)[3:]))
    return chosen


@domain_errors(end=None)
async def toggle_choice(update: Update, context: ChatContext) -> str:
    query = update.callback_query
    assert query is not None
    message = query.message if isinstance(query.message, Message) else None
    chosen = selected_ids(message) ^ {int(data_suffix(update))}
    progress = await renewal.renewal_progress(context.uow(), context.rules, telegram_id(update))
    context.turn.answer_button()
    if progress is None or progress.step is not RenewalStep.CHOOSE:
        return f"renew:{RenewalStep.CHOOSE.value}"
    context.turn.edit_or_say(
        context.turn.gettext(CHOOSE), choose_markup(progress, chosen, context.turn)
    )
    return f"renew:{RenewalStep.CHOOSE.value}"


@domain_errors()
async def confirm_choice(update: Update, context: ChatContext) -> str | int:
    query = update.callback_query
    assert query is not None
    chosen = selected_ids(query.message if isinstance(query.message, Message) else None)
    if not chosen:
        context.turn.answer_button(context.turn.gettext("Choose at least one certification."))
        return f"renew:{RenewalStep.CHOOSE.value}"
    progress = await renewal.choose_certifications(
        context.uow(), context.rules, telegram_id(update), sorted(chosen)
    )
    return await present(context, progress)


@domain_errors()
async def contact_ok(update: Update, context: ChatContext) -> str | int:
    progress = await renewal.confirm_contact(context.uow(), context.rules, telegram_id(update))
    return await present(context, progress)


@domain_errors(end=None)  # not proven yet: the ways to prove it, and stay at this step
async def ask_email(update: Update, context: ChatContext) -> str:
    await renewal.may_edit_contact(context.uow(), context.rules, telegram_id(update))
    context.turn.answer_button()
    context.turn.say(context.turn.gettext("Type your email address (e.g. name@example.com)."))
    return EDIT_EMAIL


@domain_errors(end=None)
async def ask_phone(update: Update, context: ChatContext) -> str:
    await renewal.may_edit_contact(context.uow(), context.rules, telegram_id(update))
    context.turn.answer_button()
    context.turn.say(
        context.turn.gettext("Type your phone number (e.g. +1 317 555 0100), or - to remove it.")
    )
    return EDIT_PHONE


async def changed_contact(
    update: Update, context: ChatContext, field: str, example: str, state: str
) -> str | int:
    """Save a typed email or phone; a bad one is asked again with an example."""
    try:
        progress = await renewal.update_contact(
            context.uow(), context.rules, telegram_id(update), **{field: typed_text(update)}
        )
    except ProofNeededError:
        raise  # offered by domain_errors
    except InvalidInputError as exc:
        context.turn.say(
            context.turn.explain(exc)
            + "\n"
            + context.turn.gettext("Type it again, e.g. {example}.", example=example)
        )
        return state
    updated = N_("Email updated.") if field == "email" else N_("Phone updated.")
    return await present(context, progress, context.turn.gettext(updated))


@domain_errors()
async def got_email(update: Update, context: ChatContext) -> str | int:
    return await changed_contact(update, context, "email", "name@example.com", EDIT_EMAIL)


@domain_errors()
async def got_phone(update: Update, context: ChatContext) -> str | int:
    return await changed_contact(update, context, "phone", "+1 317 555 0100", EDIT_PHONE)


def cpr_refused(context: ChatContext, exc: RefusedError) -> str | None:
    """A CPR/AED refusal offers the newer card (its button); None for any other refusal."""
    if exc.reason.code is not RefusalCode.CPR_NOT_CURRENT:
        return None
    context.turn.answer_button()
    context.turn.say(context.turn.explain(exc), keyboard([newer_card(context.turn)]))
    return f"renew:{RenewalStep.CPR.value}"


@domain_errors()
async def cpr_yes(update: Update, context: ChatContext) -> str | int:
    try:
        progress = await renewal.confirm_cpr(context.uow(), context.rules, telegram_id(update))
    except RefusedError as exc:
        state = cpr_refused(context, exc)
        if state is None:
            raise
        return state
    return await present(context, progress)


async def cpr_no(update: Update, context: ChatContext) -> int:
    context.turn.answer_button()
    context.turn.say(
        context.turn.gettext(
            "A current CPR/AED certification is required to renew by CECs. Renew it, then "
            "come back with /renew: I have kept what you entered so far. If you have a newer "
            "card than the one on file, give its expiry date and a photo or PDF of it."
        ),
        keyboard([newer_card(context.turn)]),
    )
    return ConversationHandler.END


@domain_errors(end=None)
async def ask_newer_card(update: Update, context: ChatContext) -> str:
    """ "I have a newer card" (also "Change the date"): ask its expiry date. Any time the
    renewal is at its CPR/AED step (an entry point: also after "No" ended the conversation);
    a stale press (the renewal moved on) changes nothing."""
    await renewal.offer_newer_card(context.uow(), context.rules, telegram_id(update))
    context.turn.say(context.turn.gettext(ASK_CPR_DATE))
    return CPR_DATE


@domain_errors()
async def got_cpr_date(update: Update, context: ChatContext) -> str | int:
    try:
        progress = await renewal.enter_cpr_expiry(
            context.uow(), context.rules, telegram_id(update), typed_text(update)
        )
    except InvalidInputError as exc:
        context.turn.say(
            context.turn.explain(exc)
            + "\n"
            + context.turn.gettext("Type the expiry date again, e.g. 06/30/2027.")
        )
        return CPR_DATE
    return await present(context, progress)


async def file_before_date(update: Update, context: ChatContext) -> str:
    context.turn.say(
        context.turn.gettext("First the card's expiry date, please (the file comes next).")
        + "\n"
        + context.turn.gettext(ASK_CPR_DATE)
    )
    return CPR_DATE


@domain_errors()
async def got_cpr_card(update: Update, context: ChatContext) -> str | int:
    uow, rules, who = context.uow, context.rules, telegram_id(update)
    try:
        content = await download(update, context)
        progress = await renewal.add_cpr_card(uow(), rules, who, content)
    except DownloadFailedError as exc:
        context.turn.say(context.turn.explain(exc))
        return f"renew:{RenewalStep.CPR_CARD.value}"
    except InvalidInputError as exc:  # wrong type, too big, over the quota, or a date now past
        now = await renewal.renewal_progress(uow(), rules, who)
        if now is None:
            raise
        if now.step is RenewalStep.CPR:
            context.turn.say(context.turn.explain(exc) + "\n" + context.turn.gettext(ASK_CPR_DATE))
            return CPR_DATE
        return await present(context, now, context.turn.explain(exc))
    note = ""
    if progress.cpr_current and progress.cpr_aed_expires is not None:
        note = context.turn.gettext(
            "CPR/AED card kept (expires {date}). Thank you.",
            date=us_date(progress.cpr_aed_expires),
        )
    return await present(context, progress, note)


@domain_errors()
async def card_expected(update: Update, context: ChatContext) -> str | int:
    """Text while the card's file is awaited: the step again."""
    progress = await renewal.renewal_progress(context.uow(), context.rules, telegram_id(update))
    if progress is None:
        return ConversationHandler.END
    return await present(
        context, progress, context.turn.gettext("Please send the card as a photo or PDF.")
    )


async def suggested(update: Update, context: ChatContext, step: RenewalStep) -> str | None:
    """The number a "Use N" button stands for, computed now (never read from the button)."""
    if update.callback_query is None:
        return None
    progress = await renewal.renewal_progress(context.uow(), context.rules, telegram_id(update))
    if progress is None or progress.step is not step:
        return None
    value = progress.suggested_acsm if step is RenewalStep.ACSM_CECS else progress.logged_other
    return str(value)


@domain_errors()
async def got_acsm_cecs(update: Update, context: ChatContext) -> str | int:
    used = await suggested(update, context, RenewalStep.ACSM_CECS)
    try:
        progress = await renewal.enter_acsm_cecs(
            context.uow(), context.rules, telegram_id(update), used or typed_text(update)
        )
    except InvalidCecAmountError as exc:
        context.turn.say(
            context.turn.explain(exc)
            + ".\n"
            + context.turn.gettext("Type a number of CECs, e.g. 30 or 12.5.")
        )
        return f"renew:{RenewalStep.ACSM_CECS.value}"
    return await present(context, progress)


@domain_errors()
async def got_other_cecs(update: Update, context: ChatContext) -> str | int:
    used = await suggested(update, context, RenewalStep.OTHER_CECS)
    try:
        progress = await renewal.enter_other_cecs(
            context.uow(), context.rules, telegram_id(update), used or typed_text(update)
        )
    except InvalidCecAmountError as exc:
        context.turn.say(
            context.turn.explain(exc)
            + ".\n"
            + context.turn.gettext("Type a number of CECs, e.g. 15 or 0.")
        )
        return f"renew:{RenewalStep.OTHER_CECS.value}"
    if progress.short_by:
        total = (progress.acsm_cecs or Decimal(0)) + (progress.other_cecs or Decimal(0))
        note = context.turn.gettext(
            "That makes {total} of {required} CECs: you need {short} more. No invoice was created.",
            total=format_cecs(total),
            required=format_cecs(progress.required_cecs),
            short=format_cecs(progress.short_by),
        )
        return await present(context, progress, note)
    return await present(context, progress)


@domain_errors()
async def acknowledged(update: Update, context: ChatContext) -> str | int:
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        context.turn.edit_or_say(
            query.message.text_html or "",
            keyboard([(f"{CHECKED} " + context.turn.gettext("I acknowledge"), "rn:done")]),
        )
    try:
        progress = await renewal.acknowledge(context.uow(), context.rules, telegram_id(update))
    except RefusedError as exc:  # e.g. the CPR/AED date on file passed meanwhile
        state = cpr_refused(context, exc)
        if state is None:
            raise
        return state
    return await present(context, progress, context.turn.gettext("Thank you. Your invoice:"))


async def cancel(update: Update, context: ChatContext) -> int:
    await renewal.cancel_renewal(context.uow(), context.rules, telegram_id(update))
    context.turn.say(
        context.turn.gettext("Renewal cancelled. Nothing was created. /renew to start again.")
    )
    return ConversationHandler.END


def conversation() -> Conversation:
    text = filters.TEXT & ~filters.COMMAND

    def step(name: RenewalStep) -> str:
        return f"renew:{name.value}"

    return Conversation(
        NAME,
        leaving=LEAVING,
        entry_points=[
            CommandHandler("renew", start),
            CallbackQueryHandler(start, pattern=r"^(menu:renew|renew:[0-9]{1,12})$"),
            CallbackQueryHandler(together_chosen, pattern=r"^rt:(all|one):[0-9]{1,12}$"),
            CallbackQueryHandler(ask_newer_card, pattern=r"^rn:cpr_new$"),
        ],
        # "I want to renew" (domain/intents.py), only when no conversation is running.
        text_entry_points=[MessageHandler(NEW_PRIVATE_TEXT & Saying(Intent.RENEW), start)],
        states={
            step(RenewalStep.CHOOSE): [
                CallbackQueryHandler(confirm_choice, pattern=r"^rc:go$"),
                CallbackQueryHandler(toggle_choice, pattern=r"^rc:[0-9]{1,12}$"),
            ],
            step(RenewalStep.CONTACT): [
                CallbackQueryHandler(contact_ok, pattern=r"^rn:contact_ok$"),
                CallbackQueryHandler(ask_email, pattern=r"^rn:email$"),
                CallbackQueryHandler(ask_phone, pattern=r"^rn:phone$"),
            ],
            EDIT_EMAIL: [MessageHandler(text, got_email)],
            EDIT_PHONE: [MessageHandler(text, got_phone)],
            step(RenewalStep.CPR): [
                CallbackQueryHandler(cpr_yes, pattern=r"^rn:cpr_yes$"),
                CallbackQueryHandler(cpr_no, pattern=r"^rn:cpr_no$"),
            ],
            CPR_DATE: [
                MessageHandler(text, got_cpr_date),
                MessageHandler(FILES & ~filters.UpdateType.EDITED, file_before_date),
            ],
            step(RenewalStep.CPR_CARD): [
                MessageHandler(FILES & ~filters.UpdateType.EDITED, got_cpr_card),
                MessageHandler(text, card_expected),
            ],
            step(RenewalStep.ACSM_CECS): [
                MessageHandler(text, got_acsm_cecs),
                CallbackQueryHandler(got_acsm_cecs, pattern=r"^rn:acsm_use$"),
            ],
            step(RenewalStep.OTHER_CECS): [
                MessageHandler(text, got_other_cecs),
                CallbackQueryHandler(got_other_cecs, pattern=r"^rn:other_use$"),
            ],
            step(RenewalStep.ACKNOWLEDGE): [
                CallbackQueryHandler(acknowledged, pattern=r"^rn:ack$")
            ],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(STRAY_MESSAGE, please_answer),
        ],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return []
