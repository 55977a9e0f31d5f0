"""The Application builder: the same wiring for production, the demo and the chat tests."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

from telegram import Update
from telegram.ext import (
    ApplicationBuilder,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    TypeHandler,
)
from telegram.warnings import PTBUserWarning

from bot.errors import on_error
from bot.persistence import DatabasePersistence
from bot.retries import RetryingRateLimiter
from bot.settings import Settings
from domain.argon2_hasher import Argon2Hasher
from domain.catalog import Catalog
from domain.clock import Clock, SystemClock
from domain.rules import Rules
from handlers import certifications, invoices, login, menu, password, payments, renewal
from handlers.context import DEPS_KEY, ChatApplication, ChatContext, Dependencies
from handlers.replies import expired_button, say
from storage.conversations import ConversationStore
from storage.database import Database
from storage.updates import ProcessedUpdates

log = logging.getLogger(__name__)

# Our conversations use buttons with per_message=False on purpose: the state belongs to the
# member's chat, and each button's data names what it acts on.
warnings.filterwarnings("ignore", message="If 'per_message=False'", category=PTBUserWarning)

EMULATOR_TOKEN = "123456:emulator-token-for-local-runs-only"  # noqa: S105 (not a secret)


@dataclass(frozen=True)
class BotParts:
    database: Database
    rules: Rules


def make_rules(settings: Settings, clock: Clock | None = None) -> Rules:
    return Rules(
        clock=clock or SystemClock(),
        catalog=Catalog.load(settings.acsm_catalog_file),
        timezone=settings.timezone,
        hasher=Argon2Hasher(),
        session_idle=settings.session_idle,
    )


def build_application(
    settings: Settings,
    database: Database,
    rules: Rules,
    *,
    token: str | None = None,
    webhook: bool = False,
) -> ChatApplication:
    """The real Application: handlers, persistence in our database, error handler."""
    bot_token = token or (
        settings.telegram_bot_token.get_secret_value() if settings.telegram_bot_token else None
    )
    if not bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    builder = ApplicationBuilder()
    if not webhook:
        builder = builder.updater(None)  # bot/polling.py confirms updates only once handled
    application: ChatApplication = (
        builder.token(bot_token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_file_url)
        .context_types(ContextTypes(context=ChatContext))
        .persistence(DatabasePersistence(ConversationStore(database.session_factory)))
        .rate_limiter(RetryingRateLimiter())
        .post_init(announce_commands)
        .build()
    )
    provider = settings.payment_provider_token
    application.bot_data[DEPS_KEY] = Dependencies(
        rules=rules,
        uow_factory=database.uow_factory,
        payment_provider_token=provider.get_secret_value() if provider else None,
        checkout_url=settings.checkout_url,
    )
    register_handlers(application, ProcessedUpdates(database.session_factory))
    return application


def register_handlers(application: ChatApplication, processed: ProcessedUpdates) -> None:
    async def skip_repeated(update: Update, context: ChatContext) -> None:
        """Private chats only; and Telegram may deliver an update twice: handle each once."""
        chat = update.effective_chat
        if chat is not None and chat.type != chat.PRIVATE:
            raise ApplicationHandlerStop
        if await processed.is_processed(update.update_id):
            log.info("update %s delivered again: skipped", update.update_id)
            raise ApplicationHandlerStop

    async def persist_now(update: Update, context: ChatContext) -> None:
        """After each update: write conversation states, then mark the update handled.

        Marked only once handled, so an update whose handling a kill interrupted is handled
        again when Telegram redelivers it (the use cases are idempotent)."""
        await context.application.update_persistence()
        await processed.mark_processed(update.update_id)

    application.add_handler(TypeHandler(Update, skip_repeated), group=-1)
    for module in (login, password, renewal):
        application.add_handlers(module.handlers())
    for module in (menu, certifications, invoices, payments):
        application.add_handlers(module.handlers())
    application.add_handler(CommandHandler("cancel", nothing_to_cancel))
    application.add_handler(CallbackQueryHandler(expired_button))
    application.add_handlers(certifications.fallback_handlers())
    application.add_handler(TypeHandler(Update, persist_now), group=1)
    application.add_error_handler(on_error)


async def nothing_to_cancel(update: Update, context: ChatContext) -> None:
    await say(update, "Nothing to cancel. /help lists what I can do.")


async def announce_commands(application: ChatApplication) -> None:
    await application.bot.set_my_commands(menu.COMMANDS)
