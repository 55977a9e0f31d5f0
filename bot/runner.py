"""`acsm-bot run`: the real bot on Telegram, long polling or webhooks, one active process per
database.

    check the settings ─► wait to be the active process (storage/exclusive.py: a hot standby
    on PostgreSQL, a refusal on SQLite) ─► migrate (once, under a lock) ─► poll
    (bot/polling.py) or serve webhooks (bot/webhook.py) until SIGINT/SIGTERM ─► the updates
    in hand finish ─► hand over to a standby

Supervised: if polling dies, or the active process loses the connection that makes it the
active one, it exits non-zero so that a service manager restarts it (as a standby).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from urllib.parse import urlparse

from telegram import Update
from telegram.error import InvalidToken, TelegramError

from bot.app import build_application, make_mailer, make_rules, processing_of
from bot.dispatcher import backoff
from bot.local import PollingBot
from bot.reminders import schedule_reminders
from bot.settings import Settings
from bot.verdicts import schedule_verdict_notices
from bot.webhook import WebhookServer, check_secret
from handlers.context import ChatApplication
from storage.database import Database
from storage.exclusive import AlreadyRunningError, exclusive_use
from storage.migrate import upgrade

log = logging.getLogger(__name__)


def refuse(reason: str) -> SystemExit:
    """Exit 1 with a one-line reason on stderr."""
    return SystemExit(f"acsm-bot: {reason}")


def run_bot(settings: Settings, *, webhook: bool) -> None:
    if settings.telegram_bot_token is None:
        raise refuse("TELEGRAM_BOT_TOKEN is not set (see .env.example)")
    try:
        make_mailer(settings)  # an unusable SMTP_URL or MAIL_FROM: refused now, in one line
    except ValueError as exc:
        raise refuse(str(exc)) from None
    secret = None
    if webhook:
        if not settings.webhook_url:
            raise refuse("--webhook needs WEBHOOK_URL (see .env.example)")
        try:
            secret = check_secret(
                settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
            )
        except ValueError as exc:
            raise refuse(str(exc)) from None
    asyncio.run(serve(settings, secret))


async def serve(settings: Settings, webhook_secret: str | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    exclusive = exclusive_use(settings.database_url)
    try:
        if not await exclusive.acquire(stop):
            log.info("stopped while standing by")
            return
    except AlreadyRunningError as exc:
        raise refuse(str(exc)) from None
    try:
        await upgrade(settings.database_url)
        database = Database(settings.database_url)
        rules = make_rules(settings)
        application = build_application(settings, database, rules)
        schedule_reminders(application, database.unit_of_work, rules, settings.reminder_clock_time)
        schedule_verdict_notices(application, database.unit_of_work, rules)
        try:
            if webhook_secret is None:
                log.info("starting long polling")
                died = await poll_until(application, stop, exclusive.lost)
            else:
                died = await serve_webhooks(
                    application, database, settings, webhook_secret, stop, exclusive.lost
                )
        finally:
            await database.dispose()
    finally:
        await exclusive.release()
    if exclusive.lost.is_set():
        raise refuse("lost the database connection that made this process the active one")
    if died is not None:
        log.critical("polling stopped: %s; exiting", type(died).__name__)
        raise SystemExit(1)


async def _until_first(*waits: asyncio.Future[object] | asyncio.Task[object]) -> None:
    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)


async def poll_until(
    application: ChatApplication, stop: asyncio.Event, lost: asyncio.Event
) -> BaseException | None:
    """Poll until `stop` or `lost`; returns the error that ended polling, if any."""
    bot = PollingBot(application, poll_timeout=30)
    async with bot:
        polling = bot.poller.task
        assert polling is not None
        stopping = asyncio.ensure_future(stop.wait())
        losing = asyncio.ensure_future(lost.wait())
        await _until_first(polling, stopping, losing)
        stopping.cancel()
        losing.cancel()
        if polling.done() and not polling.cancelled():
            return polling.exception()
    return None


async def serve_webhooks(
    application: ChatApplication,
    database: Database,
    settings: Settings,
    secret: str,
    stop: asyncio.Event,
    lost: asyncio.Event,
) -> BaseException | None:
    assert settings.webhook_url
    server = WebhookServer(
        application,
        processing_of(application).dispatcher,
        database,
        path=urlparse(settings.webhook_url).path,
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        secret=secret,
    )
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    await application.start()
    try:
        await server.start()
        try:
            if await set_webhook(application, settings.webhook_url, secret, stop):
                stopping = asyncio.ensure_future(stop.wait())
                losing = asyncio.ensure_future(lost.wait())
                await _until_first(stopping, losing)
                stopping.cancel()
                losing.cancel()
        finally:
            await server.stop()  # the updates in hand finish first
    finally:
        if application.running:
            await application.stop()
        await application.shutdown()
        if application.post_shutdown is not None:  # as run_polling() does
            await application.post_shutdown(application)
    return None


async def set_webhook(
    application: ChatApplication, url: str, secret: str, stop: asyncio.Event
) -> bool:
    """setWebhook, tried again with backoff until Telegram takes it (False: stopped first)."""
    failures = 0
    while not stop.is_set():
        try:
            await application.bot.set_webhook(
                url=url,
                secret_token=secret,
                allowed_updates=Update.ALL_TYPES,
                drop_pending_updates=False,
            )
            log.info("webhook set; Telegram delivers updates to %s", urlparse(url).netloc)
            return True
        except InvalidToken:
            log.critical("Telegram refused the bot token")
            raise
        except (TelegramError, OSError) as exc:
            failures += 1
            delay = backoff(failures)
            log.warning("setWebhook failed (%s); again in %.1f s", type(exc).__name__, delay)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await stop.wait()
    return False
