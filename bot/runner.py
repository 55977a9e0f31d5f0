"""`acsm-bot run`: the real bot on Telegram, long polling or webhooks."""

from __future__ import annotations

import asyncio
import logging
import signal
from urllib.parse import urlparse

from telegram import Update

from bot.app import build_application, make_rules
from bot.local import PollingBot
from bot.reminders import schedule_reminders
from bot.settings import Settings
from handlers.context import ChatApplication
from storage.database import Database
from storage.migrate import upgrade

log = logging.getLogger(__name__)


async def poll_until_stopped(application: ChatApplication) -> None:
    """Poll (bot/polling.py) until SIGINT or SIGTERM, then stop cleanly. Supervised: if the
    polling loop dies, the process exits non-zero so that a service manager restarts it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    died: BaseException | None = None
    bot = PollingBot(application, poll_timeout=30)
    async with bot:
        polling = bot.poller.task
        assert polling is not None
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({polling, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if polling.done() and not polling.cancelled():
            died = polling.exception()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
    if died is not None:
        log.critical("polling stopped: %s; exiting", type(died).__name__)
        raise SystemExit(1)


def run_bot(settings: Settings, *, webhook: bool) -> None:
    if settings.telegram_bot_token is None:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set (see .env.example)")
    asyncio.run(upgrade(settings.database_url))
    database = Database(settings.database_url)
    rules = make_rules(settings)
    application = build_application(settings, database, rules, webhook=webhook)
    schedule_reminders(application, database.uow_factory, rules, settings.reminder_clock_time)

    async def close_database(_: object) -> None:
        await database.dispose()

    application.post_shutdown = close_database
    if not webhook:
        log.info("starting long polling")
        asyncio.run(poll_until_stopped(application))
        return
    if not settings.webhook_url:
        raise SystemExit("--webhook needs WEBHOOK_URL")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    log.info("starting webhook server on %s:%s", settings.webhook_listen, settings.webhook_port)
    application.run_webhook(
        listen=settings.webhook_listen,
        port=settings.webhook_port,
        url_path=urlparse(settings.webhook_url).path.lstrip("/"),
        webhook_url=settings.webhook_url,
        secret_token=secret,
        allowed_updates=Update.ALL_TYPES,
    )
