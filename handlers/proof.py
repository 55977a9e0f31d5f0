"""Proving who you are, after a login with the default credentials (which are printed on
ACSM records), before any change of username, password or contact details.

A change that needs it raises ProofNeededError; `domain_errors` (handlers/replies.py) then
offers the two ways, and the member repeats the change once proven (the answer says how):

    "Email me a code" (only with SMTP_URL) ─► CODE: the 6 digits typed ─► proven
    "Share my phone number" (a reply keyboard) ─► the contact shared ─► proven when it is the
        member's own (its user_id is the sender's) and its number is the one on file

Both are entry points, so they work whatever the member is doing: sharing the phone number
leaves the member where they were (e.g. at the renewal's contact step), and the reply
keyboard is removed once proven or on /cancel.
"""

from __future__ import annotations

from html import escape

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from domain.errors import NotLoggedInError
from domain.identity import CODE_VALID
from domain.services import auth, identity
from domain.services.identity import CodeOutcome
from handlers.context import ChatContext
from handlers.conversation import END, STRAY_MESSAGE, Conversation
from handlers.login import TYPE_THE_CODE, button, code_answer, telegram_id, wait_text
from handlers.password import NOTHING_CHANGED
from handlers.replies import EMAIL_ME_A_CODE, SHARE_PHONE, domain_errors, keyboard, typed_text
from i18n import N_

NAME = "proof"
# Said when another conversation takes over from this one.
LEAVING = N_("Proving who you are stopped: nothing was changed.")
CODE = "proof:code"
NEW_CODE = (N_("Send a new code"), EMAIL_ME_A_CODE[1])
PROVEN = N_(
    "Thank you: you have proven who you are. Now you can change your password or username "
    "(/password) and your contact details (/renew): please do it again."
)
ALREADY = N_("You have already proven who you are.")
NOT_YOURS = N_(
    "That is not your own contact. Press “{share}” on the keyboard below to share the phone "
    "number of this Telegram account."
)
NOT_ON_FILE = N_(
    "That phone number is not the one ACSM has on file for you, so it cannot prove who you are."
)
PRIVATE_CONTACT = filters.ChatType.PRIVATE & filters.CONTACT & ~filters.UpdateType.EDITED


@domain_errors()
async def email_code(update: Update, context: ChatContext) -> str | int:
    """ "Email me a code" (or "Send a new code"): a code to the email on file."""
    context.turn.answer_button()
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is None:
        raise NotLoggedInError()
    if member.identity_proven:
        context.turn.say(context.turn.gettext(ALREADY), ReplyKeyboardRemove())
        return END
    if context.deps.mailer is None:
        context.turn.say(
            context.turn.gettext(
                "Codes by email are not available. Press “{share}” instead.",
                share=context.turn.gettext(SHARE_PHONE),
            )
        )
        return END
    if not member.email:
        context.turn.say(
            context.turn.gettext(
                "ACSM has no email address on file for you. Press “{share}” instead, or "
                "contact ACSM: {contact}",
                share=context.turn.gettext(SHARE_PHONE),
                contact=escape(context.deps.acsm_contact),
            )
        )
        return END
    request = await identity.request_proof_code(
        context.uow(), context.rules, telegram_id(update), context.turn.gettext
    )
    if request.wait_until is not None:
        context.turn.say(wait_text(context, request))
        return CODE
    if request.mail is not None:
        context.turn.send_email(request.mail)
    minutes = int(CODE_VALID.total_seconds() // 60)
    context.turn.say(
        context.turn.gettext(
            "I have emailed a 6-digit code to {email}, the address ACSM has on file. It works "
            "for {minutes} minutes. Type it here, or /cancel.",
            email=escape(member.shown_email),
            minutes=minutes,
        ),
        keyboard([button(context.turn, NEW_CODE)]),
    )
    return CODE


@domain_errors()
async def got_code(update: Update, context: ChatContext) -> str | int:
    check = await identity.check_proof_code(
        context.uow(), context.rules, telegram_id(update), typed_text(update)
    )
    if check.outcome is not CodeOutcome.OK:
        retry = check.outcome in (CodeOutcome.WRONG, CodeOutcome.NOT_A_CODE)
        markup = None if retry else keyboard([button(context.turn, NEW_CODE)])
        context.turn.say(code_answer(context.turn, check), markup)
        return CODE
    context.turn.say(context.turn.gettext(PROVEN), ReplyKeyboardRemove())
    return END


@domain_errors(end=None)
async def got_contact(update: Update, context: ChatContext) -> int | None:
    """A shared contact: proves who the member is when it is their own (Telegram sets its
    user_id for the sender's own number) and the number is the one on file. Refused, the
    member stays where they were."""
    message = update.effective_message
    contact = message.contact if message is not None else None
    assert contact is not None
    tg = telegram_id(update)
    member = await auth.current_member(context.uow(), context.rules, tg)
    if member is None:
        raise NotLoggedInError()
    if member.identity_proven:
        context.turn.say(context.turn.gettext(ALREADY), ReplyKeyboardRemove())
        return None
    proven = await identity.prove_by_phone(
        context.uow(), context.rules, tg, contact.user_id, contact.phone_number
    )
    if proven:
        context.turn.say(context.turn.gettext(PROVEN), ReplyKeyboardRemove())
        return END
    if contact.user_id != tg:
        context.turn.say(context.turn.gettext(NOT_YOURS, share=context.turn.gettext(SHARE_PHONE)))
        return None
    contact_acsm = escape(context.deps.acsm_contact)
    if context.deps.mailer is not None:
        other_way = context.turn.gettext(
            "Press “{email_me}” above for a code by email instead, or contact ACSM to update "
            "it: {contact}",
            email_me=context.turn.gettext(EMAIL_ME_A_CODE[0]),
            contact=contact_acsm,
        )
    else:
        other_way = context.turn.gettext(
            "Please contact ACSM to update it: {contact}", contact=contact_acsm
        )
    context.turn.say(
        f"{context.turn.gettext(NOT_ON_FILE)} {other_way}",
        ReplyKeyboardRemove(),
    )
    return None


async def please_type_code(update: Update, context: ChatContext) -> None:
    context.turn.say(context.turn.gettext(TYPE_THE_CODE))


async def cancel(update: Update, context: ChatContext) -> int:
    context.turn.say(context.turn.gettext(NOTHING_CHANGED), ReplyKeyboardRemove())
    return END


def conversation() -> Conversation:
    text = filters.TEXT & ~filters.COMMAND
    email = CallbackQueryHandler(email_code, pattern=rf"^{EMAIL_ME_A_CODE[1]}$")
    return Conversation(
        NAME,
        leaving=LEAVING,
        entry_points=[email, MessageHandler(PRIVATE_CONTACT, got_contact)],
        states={CODE: [MessageHandler(text, got_code)]},
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(STRAY_MESSAGE, please_type_code),
        ],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return []
