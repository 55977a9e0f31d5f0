"""The Application builder: the same wiring for production, the demo and the chat tests."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot.dispatcher import Dispatcher
from bot.errors import on_error
from bot.retries import RetryingRateLimiter
from bot.settings import Settings
from bot.turns import TurnRunner
from certificates.reader import ProcessCertificateReader
from domain.argon2_hasher import Argon2Hasher
from domain.catalog import Catalog
from domain.clock import Clock, SystemClock
from domain.languages import DEFAULT as DEFAULT_LANGUAGE
from domain.languages import Language
from domain.ports import Mailer
from domain.rules import Rules
from handlers import (
    audit,
    certifications,
    free_text,
    invoices,
    login,
    menu,
    password,
    payments,
    proof,
    renewal,
    tracker,
)
from handlers import language as language_handlers
from handlers import reminders as reminder_handlers
from handlers.context import DEPS_KEY, ChatApplication, ChatContext, Dependencies
from handlers.conversation import EDITED_MESSAGE, Conversations, edited_elsewhere
from handlers.outbox import ProofReader, Sender
from handlers.replies import expired_button
from storage.database import Database

log = logging.getLogger(__name__)

PROCESSING_KEY = "processing"

# Handler groups, in the order python-telegram-bot tries them (one handler per group runs).
ONLY_PRIVATE, PAYMENTS_AND_SERVICE, CONVERSATIONS, UNKNOWN_COMMANDS = -2, -1, 0, 1


@dataclass(frozen=True)
class Processing:
    """How stored updates become turns: the runner (one update, one transaction) and the
    dispatcher (chats in parallel, each in order; the retry policy)."""

    database: Database
    runner: TurnRunner
    dispatcher: Dispatcher


def make_rules(settings: Settings, clock: Clock | None = None) -> Rules:
    return Rules(
        clock=clock or SystemClock(),
        catalog=Catalog.load(settings.acsm_catalog_file),
        timezone=settings.timezone,
        hasher=Argon2Hasher(),
        session_idle=settings.session_idle,
        acsm_contact=settings.acsm_contact,
    )


def make_mailer(settings: Settings) -> Mailer | None:
    """SMTP_URL → the SMTP mailer (None without it: nothing that needs email is offered).
    Raises mail.smtp.SmtpConfigError with a one-line reason for an unusable SMTP_URL or
    MAIL_FROM (`acsm-bot run` checks it first and refuses to start)."""
    url = settings.smtp_url.get_secret_value() if settings.smtp_url else ""
    if not url.strip():
        return None
    from mail.smtp import SmtpMailer

    return SmtpMailer.from_settings(url, settings.mail_from)


def build_application(
    settings: Settings,
    database: Database,
    rules: Rules,
    *,
    token: str | None = None,
    pacing: bool = True,
    mailer: Mailer | None = None,
) -> ChatApplication:
    """The real Application: handlers, the turn runner (one transaction per update) and its
    dispatcher, the error handler. Updates are stored in the inbox by bot/polling.py or
    bot/webhook.py (never python-telegram-bot's Updater) and handled from there."""
    bot_token = token or (
        settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    )
    if not bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application: ChatApplication = (
        ApplicationBuilder()
        .updater(None)
        .token(bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_file_url)
        .context_types(ContextTypes(context=ChatContext))
        .rate_limiter(RetryingRateLimiter(pacing=pacing))
        .post_init(announce_commands)
        .post_shutdown(close_reader)
        .build()
    )
    provider = settings.payment_provider_token
    provider_token = provider.get_secret_value() if provider else None
    deps = Dependencies(
        rules=rules,
        payment_provider_token=provider_token,
        checkout_url=settings.checkout_url,
        acsm_contact=settings.acsm_contact,
        mailer=mailer or make_mailer(settings),
        reader=ProcessCertificateReader(
            workers=settings.certificate_readers,
            seconds=settings.certificate_reading_seconds,
            memory_bytes=settings.certificate_reader_memory_mb * 2**20,
        ),
    )
    application.bot_data[DEPS_KEY] = deps
    register_handlers(application, deps)
    sender = Sender(
        application.bot, provider_token, read_proof=proof_reader(database), mailer=deps.mailer
    )
    runner = TurnRunner(application, database, sender, deps)
    application.bot_data[PROCESSING_KEY] = Processing(database, runner, Dispatcher(runner))
    return application


def proof_reader(database: Database) -> ProofReader:
    """A stored certificate's bytes, read in a transaction of its own when it is sent."""

    async def read(proof_id: int) -> bytes | None:
        async with database.unit_of_work() as uow:
            try:
                return await uow.proofs.read(proof_id)
            except LookupError:
                return None

    return read


def processing_of(application: ChatApplication) -> Processing:
    processing = application.bot_data[PROCESSING_KEY]
    assert isinstance(processing, Processing)
    return processing


async def only_private_chats(update: Update, context: ChatContext) -> None:
    """Updates from groups and channels stop here. In a private chat, a member's message
    first clears a 403 mark on the chat (reminders reach them again), and a member with an
    invoice voided since their last visit is told so; then the rest runs."""
    chat = update.effective_chat
    if chat is not None and chat.type != chat.PRIVATE:
        raise ApplicationHandlerStop
    await reminder_handlers.member_wrote(update, context)
    await invoices.tell_voided(update, context)


async def service_message(update: Update, context: ChatContext) -> None:
    """A service message (pinned, joined, …) is nobody's answer to a question: it never
    reaches a conversation."""
    raise ApplicationHandlerStop


def register_handlers(application: ChatApplication, deps: Dependencies) -> None:
    application.add_handler(TypeHandler(Update, only_private_chats), group=ONLY_PRIVATE)
    # Money first: no conversation can swallow a payment or its pre-checkout question.
    application.add_handlers(payments.service_handlers(), group=PAYMENTS_AND_SERVICE)
    application.add_handler(
        MessageHandler(filters.StatusUpdate.ALL, service_message), group=PAYMENTS_AND_SERVICE
    )
    # One conversation at a time per member: one router for all of them (entering one ends
    # the one the member was in); then the commands and buttons that stand alone.
    conversations = [m.conversation() for m in (login, password, renewal, tracker, audit, proof)]
    # /logout ends whatever conversation is running (its leaving line), then logs out.
    application.add_handler(
        Conversations(conversations, deps.turns, exits=login.exit_handlers()), group=CONVERSATIONS
    )
    # Commands and free text answer new messages only: an edit outside a conversation stops
    # here (python-telegram-bot's CommandHandler and MessageHandler also match edits).
    application.add_handler(MessageHandler(EDITED_MESSAGE, edited_elsewhere), group=CONVERSATIONS)
    for module in (login, password, renewal, tracker, audit):
        application.add_handlers(module.handlers(), group=CONVERSATIONS)
    for module in (menu, certifications, invoices, payments, reminder_handlers, language_handlers):
        application.add_handlers(module.handlers(), group=CONVERSATIONS)
    application.add_handler(
        CommandHandler("cancel", free_text.nothing_to_cancel), group=CONVERSATIONS
    )
    application.add_handler(CallbackQueryHandler(expired_button), group=CONVERSATIONS)
    application.add_handlers(tracker.file_handlers(), group=CONVERSATIONS)
    application.add_handlers(free_text.fallback_handlers(), group=CONVERSATIONS)
    # Last: a command none of the above knows gets an answer naming /help.
    application.add_handlers(free_text.unknown_command_handlers(), group=UNKNOWN_COMMANDS)
    application.add_error_handler(on_error)


async def close_reader(application: ChatApplication) -> None:
    """The certificate reader's worker processes end with the application."""
    deps = application.bot_data.get(DEPS_KEY)
    if isinstance(deps, Dependencies) and isinstance(deps.reader, ProcessCertificateReader):
        await asyncio.to_thread(deps.reader.close)


async def announce_commands(application: ChatApplication) -> None:
    """The command menu: English by default, and each other language for the Telegram
    users whose `language_code` is it."""
    await application.bot.set_my_commands(menu.commands())
    for language in Language:
        if language is not DEFAULT_LANGUAGE:
            await application.bot.set_my_commands(
                menu.commands(language), language_code=language.value
            )
