"""A bot for bench/bench_cost.py, run in its own process so that its CPU time is its own.

    python bench/cost_bot.py KIND BASE_URL FILE_URL TOKEN [DATABASE_URL]

- `echo`: a bare python-telegram-bot echo bot (the reference): run_polling, one
  MessageHandler replying with the text it got; no rate limiter.
- `echo-limited`: the same with python-telegram-bot's AIORateLimiter (its default pacing,
  ~30 messages/s overall), so that it lives within Telegram's limits as ours does.
- `acsm`: our Application (bot/app.py), polled by bot/polling.py, on DATABASE_URL, with a
  clock running from 2026-11-28 17:00 UTC (renewals open); its rate limiter retries but
  does not pace (what the bot itself can do, beside `echo`).
- `acsm-limited`: the same as in production, paced (beside `echo-limited`).

Prints "ready" once polling; stops on SIGTERM. SIGUSR1 starts cProfile, SIGUSR2 writes the
profile to the file named by ACSM_BENCH_PROFILE.
"""

from __future__ import annotations

import asyncio
import cProfile
import logging
import os
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

START = datetime(2026, 11, 28, 17, tzinfo=UTC)


class RunningClock:
    """Real time passing, from START on (so sessions are touched as in production)."""

    def __init__(self) -> None:
        self._offset = START - datetime.now(UTC)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset


def profiling_signals() -> None:
    profile = cProfile.Profile()  # wall time (a CPU-time timer makes it far too slow)
    target = os.environ.get("ACSM_BENCH_PROFILE")

    def start(*_: Any) -> None:
        profile.enable()

    def stop(*_: Any) -> None:
        profile.disable()
        if target:
            profile.dump_stats(target)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)


def ready() -> None:
    print("ready", flush=True)


def run_echo(base_url: str, file_url: str, token: str, limited: bool) -> None:
    from telegram import Update
    from telegram.ext import AIORateLimiter, ApplicationBuilder, ContextTypes, MessageHandler
    from telegram.ext import filters as f

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None and update.message.text is not None
        await update.message.reply_text(update.message.text)

    async def post_init(app: Any) -> None:
        ready()

    builder = ApplicationBuilder().token(token).base_url(base_url).base_file_url(file_url)
    if limited:
        builder = builder.rate_limiter(AIORateLimiter(max_retries=3))
    app = builder.post_init(post_init).build()
    app.add_handler(MessageHandler(f.TEXT & ~f.COMMAND, echo))
    app.run_polling(poll_interval=0, timeout=10, stop_signals=(signal.SIGTERM, signal.SIGINT))


async def run_acsm(
    base_url: str, file_url: str, token: str, database_url: str, *, paced: bool
) -> None:
    from pydantic import SecretStr

    from bot.app import build_application, make_rules
    from bot.local import PollingBot
    from bot.settings import Settings
    from storage.database import Database

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        telegram_api_base_url=base_url,
        telegram_api_base_file_url=file_url,
        payment_provider_token=SecretStr("TEST:provider"),
    )
    database = Database(database_url)
    rules = make_rules(settings, RunningClock())
    app = build_application(settings, database, rules, token=token, pacing=paced)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    async with PollingBot(app, poll_timeout=10):
        ready()
        await stop.wait()
    await database.dispose()


def main(argv: list[str]) -> None:
    # Logging as in production: ours through bot/logging_setup.py at INFO, the echo bot as
    # python-telegram-bot's examples set it up (INFO, httpx at WARNING).
    if argv[0].startswith("acsm"):
        from bot.logging_setup import configure_logging

        configure_logging("INFO")
    else:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        logging.getLogger("httpx").setLevel(logging.WARNING)
    profiling_signals()
    kind, base_url, file_url, token = argv[:4]
    if kind in ("echo", "echo-limited"):
        run_echo(base_url, file_url, token, limited=kind == "echo-limited")
    else:
        asyncio.run(run_acsm(base_url, file_url, token, argv[4], paced=kind == "acsm-limited"))


if __name__ == "__main__":
    main(sys.argv[1:])
