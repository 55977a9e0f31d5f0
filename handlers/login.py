"""Login: username, then password, in two messages; the password message is deleted.

/login ─► "Your username?" ─► USERNAME ─► "Your password?" ─► PASSWORD ─► logged in
                                                  └ "Forgot password?" (with email) ─► a code
    by email ─► RESET_CODE ─► RESET_NEW ─► RESET_AGAIN (the same again) ─► logged in
The username typed is kept with the conversation's state (in the update's transaction), so
a restart between the two messages loses nothing, and it is gone when the login ends,
whichever way it ends. Usernames have no spaces: a message with one at the username step is
likely the username and the password together; it is deleted, nothing of it is kept, and the
member is asked for them one at a time. So is `/login USERNAME PASSWORD`.
"""

from __future__ import annotations

import logging
from html import escape

from telegram import Update
from telegram.ext import (
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.errors import InvalidInputError, NotLoggedInError
from domain.identity import CODE_TRIES, CODE_VALID
from domain.services import auth, identity
from domain.services.identity import CodeCheck, CodeOutcome, CodeRequest
from handlers.context import ChatContext
from handlers.conversation import Conversation
from handlers.menu import main_menu
from handlers.new_password import forget_new, keep_first_typing, refuse_new, second_typing
from handlers.render import us_date
from handlers.replies import keyboard, typed_text
from i18n import N_, Says

log = logging.getLogger(__name__)

NAME = "login"
# Said when another conversation takes over from this one.
LEAVING = N_("Login stopped.")
USERNAME, PASSWORD = "login:username", "login:password"
RESET_CODE, RESET_NEW, RESET_AGAIN = "login:reset_code", "login:reset_new", "login:reset_again"
PENDING_USERNAME = "username"
RESET_USERNAME = "reset_username"  # whose password is being reset (kept until it ends)
FORGOT = (N_("Forgot password?"), "login:forgot")
NEW_CODE = (N_("Send a new code"), "login:forgot")
# The first of the two new passwords typed, until the second: in memory only (bot_data is
# never persisted), like /password's; after a restart it is asked again.
ASK_USERNAME = N_(
    "Your ACSM username, please: the first three letters of your last name followed by "
    "your ACSM ID (e.g. ABC123456), or the username you chose."
)

TYPE_THE_CODE = N_("Please type the 6 digits from the email, or /cancel.")
ONE_AT_A_TIME = N_(
    "Usernames have no spaces, so that message may hold your password too: I deleted it and "
    "kept nothing of it. Send your username alone; I will ask for your password next."
)


def telegram_id(update: Update) -> int:
    user = update.effective_user
    assert user is not None
    return user.id


async def start_login(update: Update, context: ChatContext) -> str | int:
    context.turn.answer_button()
    if len(typed_text(update).split()) > 1:
        # `/login USERNAME PASSWORD`: the command carries what may be a password. Deleted,
        # nothing of it read or kept; the two are asked for one at a time as usual.
        context.turn.delete_message()
        context.turn.say(
            context.turn.gettext(
                "I deleted that message: it may hold your password, and I take the username "
                "and the password one at a time."
            )
        )
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is not None:
        context.turn.say(
            context.turn.gettext(
                "You are logged in as {name} (ACSM ID {acsm_id}). Use /logout to switch accounts.",
                name=escape(member.full_name),
                acsm_id=member.acsm_id,
            )
        )
        return ConversationHandler.END
    context.turn.say(
        context.turn.gettext(ASK_USERNAME) + "\n\n" + context.turn.gettext("/cancel to stop.")
    )
    return USERNAME


async def got_username(update: Update, context: ChatContext) -> str:
    typed = typed_text(update).strip()
    if any(ch.isspace() for ch in typed):
        # Usernames have no spaces: this is likely the username and the password together.
        # Delete it, keep nothing of it, and ask for the two separately.
        context.turn.delete_message()
        context.turn.say(context.turn.gettext(ONE_AT_A_TIME))
        return USERNAME
    context.turn.remember(NAME, **{PENDING_USERNAME: typed[:64]})
    forgot = keyboard([button(context.turn, FORGOT)]) if context.deps.mailer is not None else None
    context.turn.say(
        context.turn.gettext("Now your password. I will delete that message from the chat."),
        forgot,
    )
    return PASSWORD


async def got_password(update: Update, context: ChatContext) -> str | int:
    message = update.effective_message
    assert message is not None
    password = message.text or ""
    context.turn.delete_message()
    username = context.turn.forget(NAME, PENDING_USERNAME) or ""
    result = await auth.login(context.uow(), context.rules, telegram_id(update), username, password)
    if result.ok:
        text = context.turn.gettext(
            "Welcome, {name}! You are logged in (ACSM ID {acsm_id}).",
            name=escape(result.member_name or ""),
            acsm_id=result.acsm_id,
        )
        if result.uses_default_password:
            text += "\n\n" + context.turn.gettext(
                "You still use the default password. Please choose your own with /password."
            )
        context.turn.say(text, main_menu(context.turn))
        return ConversationHandler.END
    if result.locked_until is not None:
        local = result.locked_until.astimezone(context.rules.timezone)
        text = context.turn.gettext(
            "Too many failed attempts. For your security this account is locked until "
            "{time} on {date} ({zone}).",
            time=context.turn.clock(local),
            date=us_date(local.date()),
            zone=context.rules.timezone.key,
        )
        if context.deps.mailer is not None:
            text += "\n\n" + context.turn.gettext(
                "Forgot your password? Send /login, then your username, and press "
                "“{forgot}”: I will email you a code to set a new one.",
                forgot=context.turn.gettext(FORGOT[0]),
            )
        text += "\n\n" + context.turn.gettext(
            "Need help? Contact ACSM: {contact}", contact=escape(context.deps.acsm_contact)
        )
        context.turn.say(text)
        return ConversationHandler.END
    reason = context.turn.gettext(result.reason or auth.WRONG_CREDENTIALS)
    context.turn.say(reason + "\n\n" + context.turn.gettext(ASK_USERNAME))
    return USERNAME


# -- "Forgot password?" -----------------------------------------------------------------


def button(says: Says, label_and_data: tuple[str, str]) -> tuple[str, str]:
    """A (label, callback data) button with its label in the member's language."""
    label, data = label_and_data
    return says.gettext(label), data


def wait_text(context: ChatContext, request: CodeRequest) -> str:
    assert request.wait_until is not None
    local = request.wait_until.astimezone(context.rules.timezone)
    return context.turn.gettext(
        "You have asked for several codes in a short time. Please wait until "
        "{time} ({zone}) and ask again, or /cancel.",
        time=context.turn.clock(local),
        zone=context.rules.timezone.key,
    )


async def forgot(update: Update, context: ChatContext) -> str:
    """Forgot password? (or Send a new code): a code to the email on file. The reply is the
    same whether the username exists or not."""
    context.turn.answer_button()
    if context.deps.mailer is None:
        context.turn.say(
            context.turn.gettext(
                "Codes by email are not available. Type your password, or /cancel."
            )
        )
        return PASSWORD
    data = context.turn.recall(NAME)
    username = data.get(RESET_USERNAME) or data.get(PENDING_USERNAME) or ""
    context.turn.remember(NAME, **{RESET_USERNAME: username})
    request = await identity.request_reset_code(
        context.uow(), context.rules, telegram_id(update), username, context.turn.gettext
    )
    if request.wait_until is not None:
        context.turn.say(wait_text(context, request))
        return RESET_CODE
    if request.mail is not None:
        context.turn.send_email(request.mail)
    context.turn.say(
        context.turn.gettext(
            "If {username} is an ACSM username with an email address on file, I have just "
            "emailed a 6-digit code to that address. It works for {minutes} minutes. Type it "
            "here, or /cancel.",
            username=escape(username),
            minutes=int(CODE_VALID.total_seconds() // 60),
        ),
        keyboard([button(context.turn, NEW_CODE)]),
    )
    return RESET_CODE


def code_answer(says: Says, check: CodeCheck) -> str:
    """What a typed code gets when it is not accepted."""
    new_code = says.gettext(NEW_CODE[0])
    if check.outcome is CodeOutcome.NOT_A_CODE:
        return says.gettext(TYPE_THE_CODE)
    if check.outcome is CodeOutcome.WRONG:
        return says.ngettext(
            "That code is not right. {count} try left.",
            "That code is not right. {count} tries left.",
            check.tries_left,
        )
    if check.outcome is CodeOutcome.USED_UP:
        return says.gettext(
            "That code no longer works: it was typed wrong {tries} times. "
            "Press “{new_code}” for another, or /cancel.",
            tries=CODE_TRIES,
            new_code=new_code,
        )
    if check.outcome is CodeOutcome.EXPIRED:
        return says.gettext(
            "That code has expired. Press “{new_code}” for another, or /cancel.",
            new_code=new_code,
        )
    return says.gettext(
        "That code is not right. Press “{new_code}” for another, or /cancel.", new_code=new_code
    )


async def got_reset_code(update: Update, context: ChatContext) -> str:
    username = context.turn.recall(NAME).get(RESET_USERNAME, "")
    check = await identity.check_reset_code(
        context.uow(), context.rules, telegram_id(update), username, typed_text(update)
    )
    if check.outcome is not CodeOutcome.OK:
        retry = check.outcome in (CodeOutcome.WRONG, CodeOutcome.NOT_A_CODE)
        markup = None if retry else keyboard([button(context.turn, NEW_CODE)])
        context.turn.say(code_answer(context.turn, check), markup)
        return RESET_CODE
    context.turn.say(
        context.turn.gettext(
            "Code accepted. Now type your new password: at least 10 characters, not your "
            "username. A short sentence works well. I will delete the message."
        )
    )
    return RESET_NEW


async def got_reset_new(update: Update, context: ChatContext) -> str | int:
    password = typed_text(update)
    context.turn.delete_message()
    username = context.turn.recall(NAME).get(RESET_USERNAME, "")
    try:
        problem = await identity.reset_password_problem(
            context.uow(), context.rules, telegram_id(update), username, password
        )
    except NotLoggedInError as exc:
        context.turn.say(context.turn.explain(exc))
        return ConversationHandler.END
    if problem is not None:
        refuse_new(update, context, problem)
        return RESET_NEW
    keep_first_typing(update, context, password)
    return RESET_AGAIN


async def got_reset_again(update: Update, context: ChatContext) -> str | int:
    first = second_typing(update, context)
    if first is None:
        return RESET_NEW
    username = context.turn.recall(NAME).get(RESET_USERNAME, "")
    try:
        done = await identity.reset_password(
            context.uow(), context.rules, telegram_id(update), username, first
        )
    except NotLoggedInError as exc:
        forget_new(update, context)
        context.turn.say(context.turn.explain(exc))
        return ConversationHandler.END
    except InvalidInputError as exc:
        refuse_new(update, context, exc)
        return RESET_NEW
    forget_new(update, context)
    context.turn.say(
        context.turn.gettext(
            "Your new password is set, {name}: you are logged in (ACSM ID {acsm_id}). Any "
            "other chat logged in as you was logged out.",
            name=escape(done.member_name),
            acsm_id=done.acsm_id,
        ),
        main_menu(context.turn),
    )
    return ConversationHandler.END


async def not_text(update: Update, context: ChatContext) -> None:
    context.turn.say(context.turn.gettext("Please type it as a text message, or /cancel."))


async def cancel(update: Update, context: ChatContext) -> int:
    forget_new(update, context)
    context.turn.say(context.turn.gettext("Login cancelled."))
    return ConversationHandler.END


async def logout(update: Update, context: ChatContext) -> None:
    was_in = await auth.logout(context.uow(), context.rules, telegram_id(update))
    if was_in:
        context.turn.say(context.turn.gettext("You are logged out."))
    else:
        context.turn.say(context.turn.gettext("You were not logged in."))


def conversation() -> Conversation:
    text = filters.TEXT & ~filters.COMMAND
    return Conversation(
        NAME,
        leaving=LEAVING,
        secret=True,
        entry_points=[
            CommandHandler("login", start_login),
            CallbackQueryHandler(start_login, pattern=r"^login$"),
        ],
        states={
            USERNAME: [MessageHandler(text, got_username)],
            PASSWORD: [
                MessageHandler(text, got_password),
                CallbackQueryHandler(forgot, pattern=r"^login:forgot$"),
            ],
            RESET_CODE: [
                MessageHandler(text, got_reset_code),
                CallbackQueryHandler(forgot, pattern=r"^login:forgot$"),
            ],
            RESET_NEW: [MessageHandler(text, got_reset_new)],
            RESET_AGAIN: [MessageHandler(text, got_reset_again)],
        },
        fallbacks=[
            CommandHandler("cancel", cancel),
            MessageHandler(~filters.COMMAND, not_text),
        ],
    )


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return []


def exit_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """/logout: run by the conversation router whatever the member is doing (the
    conversation in front of them ends first, with its leaving line)."""
    return [CommandHandler("logout", logout)]
