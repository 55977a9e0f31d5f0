"""/start, /help and the main menu buttons."""

from __future__ import annotations

from html import escape

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from domain.languages import DEFAULT as DEFAULT_LANGUAGE
from domain.languages import Language
from domain.services import auth
from handlers.context import ChatContext
from handlers.replies import keyboard
from i18n import N_, Says, speaker

# The command menu (setMyCommands): each description in the member's language.
COMMAND_LIST = [
    ("start", N_("Start here")),
    ("login", N_("Log in with your ACSM username")),
    ("certifications", N_("My certifications")),
    ("cecs", N_("How many CECs do I still need?")),
    ("addcec", N_("Log a CEC activity (with its certificate)")),
    ("mycecs", N_("This cycle's CEC activities")),
    ("renew", N_("Renew a certification")),
    ("audit", N_("Send proof when your renewal is audited")),
    ("invoices", N_("My invoices and payment")),
    ("reminders", N_("Deadline reminders on or off")),
    ("password", N_("Change password or username")),
    ("logout", N_("Log out")),
    ("language", N_("English or Spanish")),
    ("help", N_("What I can do")),
    ("cancel", N_("Stop what we are doing")),
]


def commands(language: Language = DEFAULT_LANGUAGE) -> list[BotCommand]:
    says = speaker(language)
    return [BotCommand(name, says.gettext(description)) for name, description in COMMAND_LIST]


COMMANDS = commands()

HELP = N_(
    "I help ACSM-certified professionals recertify.\n\n"
    "/login — log in (username: first three letters of your last name + ACSM ID)\n"
    "/certifications — your certifications, their dates and state\n"
    "/cecs — how many CECs you still need (or just ask me)\n"
    "/addcec — log a CEC activity with its certificate (or just send me the photo or PDF)\n"
    "/mycecs — this cycle's activities, ACSM-recorded and logged by you\n"
    "/renew — report CECs, confirm CPR/AED and get your invoice\n"
    "/invoices — select invoices and pay\n"
    "/audit — send proof when your renewal is selected for an audit\n"
    "/reminders — turn deadline reminders on or off\n"
    "/password — set your own password or username\n"
    "/language — English or Spanish\n"
    "/logout — log out\n"
    "/cancel — stop the current step"
)


def main_menu(says: Says) -> InlineKeyboardMarkup:
    """The four main buttons, in the member's language."""
    return keyboard(
        [
            (says.gettext("My certifications"), "menu:certifications"),
            (says.gettext("CECs needed"), "menu:cecs"),
        ],
        [(says.gettext("Renew"), "menu:renew"), (says.gettext("Invoices"), "menu:invoices")],
    )


async def start(update: Update, context: ChatContext) -> None:
    user = update.effective_user
    assert user is not None
    member = await auth.current_member(context.uow(), context.rules, user.id)
    if member is None:
        context.turn.say(
            context.turn.gettext(
                "Hello! I help ACSM-certified professionals renew their certifications: "
                "report CECs, get the invoice and pay, right here.\n\nPlease log in to begin."
            ),
            keyboard([(context.turn.gettext("Log in"), "login")]),
        )
        return
    context.turn.say(
        context.turn.gettext(
            "Welcome back, {name}. What would you like to do?", name=escape(member.full_name)
        ),
        main_menu(context.turn),
    )


async def help_command(update: Update, context: ChatContext) -> None:
    context.turn.say(context.turn.gettext(HELP))


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [CommandHandler("start", start), CommandHandler("help", help_command)]
