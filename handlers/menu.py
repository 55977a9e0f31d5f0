"""/start, /help and the main menu buttons."""

from __future__ import annotations

from html import escape

from telegram import BotCommand, InlineKeyboardMarkup, Update
from telegram.ext import BaseHandler, CommandHandler

from domain.services import auth
from handlers.context import ChatContext
from handlers.replies import keyboard

COMMANDS = [
    BotCommand("start", "Start here"),
    BotCommand("login", "Log in with your ACSM username"),
    BotCommand("certifications", "My certifications"),
    BotCommand("cecs", "How many CECs do I still need?"),
    BotCommand("addcec", "Log a CEC activity (with its certificate)"),
    BotCommand("mycecs", "This cycle's CEC activities"),
    BotCommand("renew", "Renew a certification"),
    BotCommand("audit", "Send proof when your renewal is audited"),
    BotCommand("invoices", "My invoices and payment"),
    BotCommand("reminders", "Deadline reminders on or off"),
    BotCommand("password", "Change password or username"),
    BotCommand("logout", "Log out"),
    BotCommand("help", "What I can do"),
    BotCommand("cancel", "Stop what we are doing"),
]

HELP = (
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
    "/logout — log out\n"
    "/cancel — stop the current step"
)


def main_menu() -> InlineKeyboardMarkup:
    return keyboard(
        [("My certifications", "menu:certifications"), ("CECs needed", "menu:cecs")],
        [("Renew", "menu:renew"), ("Invoices", "menu:invoices")],
    )


async def start(update: Update, context: ChatContext) -> None:
    user = update.effective_user
    assert user is not None
    member = await auth.current_member(context.uow(), context.rules, user.id)
    if member is None:
        context.turn.say(
            "Hello! I help ACSM-certified professionals renew their certifications: "
            "report CECs, get the invoice and pay, right here.\n\nPlease log in to begin.",
            keyboard([("Log in", "login")]),
        )
        return
    context.turn.say(
        f"Welcome back, {escape(member.full_name)}. What would you like to do?", main_menu()
    )


async def help_command(update: Update, context: ChatContext) -> None:
    context.turn.say(HELP)


def handlers() -> list[BaseHandler[Update, ChatContext, object]]:
    return [CommandHandler("start", start), CommandHandler("help", help_command)]
