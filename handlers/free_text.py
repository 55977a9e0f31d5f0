"""Free text outside a conversation, and commands the bot does not know.

What a message asks for is decided by the phrase rules in domain/intents.py (pure, unit
tested); this module only answers:

- CECs: the /cecs answer; deadline: each certification's thru date and renewal window in
  plain words (the /certifications use case); renew: the renewal starts (a text entry point
  of the renewal conversation, handlers/renewal.py, so it is tried only when the member is in
  no conversation); help: /help; menu and greetings: the main menu's buttons; cancel, stop,
  quit: as /cancel (nothing to cancel out here);
- a member who is not logged in is told how to log in, whatever they asked;
- anything else: "I did not understand that", with the menu (or the login button).

Inside a conversation free text is the conversation's (handlers/conversation.py says why);
only a bare "cancel"/"stop"/"quit" leaves it. An unknown command (`/foo`) gets an answer
naming /help, in a group after every other handler (so a command registered late, such as
the demo's /remindnow, is still known).
"""

from __future__ import annotations

from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, BaseHandler, CommandHandler, MessageHandler, filters

from domain.cycles import CertState
from domain.intents import Intent, recognise
from domain.services import auth
from domain.services.certifications import CertificationView, my_certifications
from handlers.certifications import show_cecs, show_certifications, telegram_id
from handlers.context import ChatContext
from handlers.conversation import Conversations
from handlers.menu import HELP, main_menu
from handlers.render import us_date
from handlers.replies import domain_errors, keyboard, typed_text
from i18n import N_, Says

NOTHING_TO_CANCEL = N_("Nothing to cancel. /help lists what I can do.")
NOT_UNDERSTOOD = N_(
    "I did not understand that. Ask me “how many CECs do I still need?”, or see /help."
)
LOG_IN_HOW = N_(
    "To begin, log in with /login: your username is the first three letters of your last "
    "name followed by your ACSM ID (e.g. ABC123456)."
)


def login_button(says: Says) -> InlineKeyboardMarkup:
    return keyboard([(says.gettext("Log in"), "login")])


NEW_PRIVATE_TEXT = (
    filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE
)


class Saying(filters.MessageFilter):
    """A text message whose intent (domain/intents.py) is `intent`."""

    def __init__(self, intent: Intent) -> None:
        super().__init__(name=f"Saying({intent.value})")
        self.intent = intent

    def filter(self, message: Message) -> bool:
        return message.text is not None and recognise(message.text) is self.intent


# ---- answers -----------------------------------------------------------------------------


async def nothing_to_cancel(update: Update, context: ChatContext) -> None:
    context.turn.say(context.turn.gettext(NOTHING_TO_CANCEL))


def deadline_line(view: CertificationView, contact: str, says: Says) -> str:
    head = f"<b>{escape(view.code)}</b> ({escape(view.name)})"
    thru = us_date(view.thru_date)
    if view.state is CertState.ACTIVE:
        line = says.gettext(
            "{head} is certified thru {thru}. Renewal opens {opens}; your deadline is "
            "{thru}, 11:59 PM.",
            head=head,
            thru=thru,
            opens=us_date(view.renewal_opens_on),
        )
    elif view.state is CertState.RENEWAL_OPEN:
        line = says.gettext(
            "{head} is certified thru {thru}. Renewal is open now: renew by {thru}, 11:59 PM.",
            head=head,
            thru=thru,
        )
    elif view.state is CertState.GRACE:
        line = says.gettext(
            "{head} expired on {thru} and is inactive, but you can still renew it, with a "
            "late fee, until {until}.",
            head=head,
            thru=thru,
            until=us_date(view.grace_ends_on),
        )
    else:
        line = says.gettext(
            "{head} expired on {thru} and lapsed after {until}: it can no longer be renewed "
            "by CECs. Contact {contact} about reinstatement, or retake the exam.",
            head=head,
            thru=thru,
            until=us_date(view.grace_ends_on),
            contact=escape(contact),
        )
    if view.invoice_number:
        line += " " + says.gettext(
            "Invoice {number} is issued for this cycle: /invoices.",
            number=escape(view.invoice_number),
        )
    return line


def deadlines_text(views: list[CertificationView], contact: str, says: Says) -> str:
    if not views:
        return says.gettext("You hold no ACSM certifications on file.")
    lines = [deadline_line(v, contact, says) for v in views]
    if any(v.can_renew for v in views):
        lines.append(says.gettext("Use /renew, or the button below, to renew."))
    return says.gettext("<b>Your deadlines</b>") + "\n\n" + "\n\n".join(lines)


@domain_errors(end=None)
async def show_deadlines(update: Update, context: ChatContext) -> None:
    turn = context.turn
    views = await my_certifications(context.uow(), context.rules, telegram_id(update))
    buttons = [
        [(turn.gettext("Renew {code}", code=v.code), f"renew:{v.id}")] for v in views if v.can_renew
    ]
    turn.say(
        deadlines_text(views, context.deps.acsm_contact, turn),
        keyboard(*buttons) if buttons else None,
    )


async def show_menu(update: Update, context: ChatContext, greet: bool) -> None:
    turn = context.turn
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is None:
        hello = (
            turn.gettext("Hello! I help ACSM-certified professionals recertify.") + "\n\n"
            if greet
            else ""
        )
        turn.say(hello + turn.gettext(LOG_IN_HOW), login_button(turn))
        return
    hello = turn.gettext("Hello, {name}!", name=escape(member.first_name)) + " " if greet else ""
    turn.say(
        hello + turn.gettext("What would you like to do? (/help lists everything.)"),
        main_menu(turn),
    )


async def not_understood(update: Update, context: ChatContext) -> None:
    turn = context.turn
    member = await auth.current_member(context.uow(), context.rules, telegram_id(update))
    if member is None:
        turn.say(
            turn.gettext(NOT_UNDERSTOOD) + "\n\n" + turn.gettext(LOG_IN_HOW), login_button(turn)
        )
        return
    turn.say(turn.gettext(NOT_UNDERSTOOD) + "\n\n" + turn.gettext("Or choose:"), main_menu(turn))


async def free_text(update: Update, context: ChatContext) -> None:
    """A text message outside any conversation (the renewal's intent starts it before this:
    its text entry point)."""
    intent = recognise(typed_text(update))
    if intent is Intent.CECS:
        await show_cecs(update, context)
    elif intent is Intent.DEADLINE:
        await show_deadlines(update, context)
    elif intent is Intent.CANCEL:
        await nothing_to_cancel(update, context)
    elif intent is Intent.HELP:
        context.turn.say(context.turn.gettext(HELP))
    elif intent is Intent.CERTIFICATIONS:
        await show_certifications(update, context)
    elif intent in (Intent.MENU, Intent.GREETING):
        await show_menu(update, context, greet=intent is Intent.GREETING)
    else:  # None, or RENEW when the renewal could not take it (never: it is an entry point)
        await not_understood(update, context)


async def not_text(update: Update, context: ChatContext) -> None:
    context.turn.say(
        context.turn.gettext("I can only read text messages here. See /help for what I can do.")
    )


# ---- commands the bot does not know --------------------------------------------------------


def known_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> set[str]:
    """Every command some handler of the application takes (the router's included)."""
    known: set[str] = set()
    for handlers in application.handlers.values():
        for handler in handlers:
            inner = handler.all_handlers() if isinstance(handler, Conversations) else [handler]
            for one in inner:
                if isinstance(one, CommandHandler):
                    known |= set(one.commands)
    return known


def command_name(text: str) -> str:
    """'/Foo@some_bot args' -> 'foo'."""
    return text.split(maxsplit=1)[0][1:].partition("@")[0].lower() if text else ""


async def unknown_command(update: Update, context: ChatContext) -> None:
    text = typed_text(update)
    if command_name(text) in known_commands(context.application):
        return  # a known command: its handler answered in an earlier group
    shown = escape(text.split(maxsplit=1)[0][:40]) if text else "/"
    context.turn.say(
        context.turn.gettext(
            "I do not know the command {command}. /help lists what I can do.", command=shown
        )
    )


# ---- registration ------------------------------------------------------------------------


def fallback_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """Last in the conversations' group: free text, then anything else a member might send."""
    return [
        MessageHandler(filters.TEXT & ~filters.COMMAND & filters.ChatType.PRIVATE, free_text),
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, not_text),
    ]


def unknown_command_handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    """In a group of their own, after every other: a new command no handler knows."""
    return [
        MessageHandler(
            filters.COMMAND & filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE,
            unknown_command,
        )
    ]
