"""Webhook mode over the durable inbox: Telegram gets its 200 once the update is stored.

python-telegram-bot's own webhook server answers 200 as soon as an update is queued in
memory, so a crash loses it. This small aiohttp server answers only after the update is
stored in the inbox (one short transaction); the dispatcher (bot/dispatcher.py) handles
it from there, with the same retry policy as long polling:

- POST <path of WEBHOOK_URL>: the `X-Telegram-Bot-Api-Secret-Token` header must equal
  WEBHOOK_SECRET (compared in constant time), else 403 and nothing is read further. Stored
  → 200; the database unavailable → 503, and Telegram delivers the update again later. A
  redelivered update that is stored already is answered 200 and handled once.
- GET /healthz: 200 while the database answers `SELECT 1`, 503 otherwise (and while
  stopping).
- stop(): new requests get 503; the updates in hand finish (up to `grace` seconds).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re

from aiohttp import web
from telegram import Update

from bot.dispatcher import Dispatcher
from bot.polling import store
from handlers.context import ChatApplication
from storage.database import Database

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # the Bot API's rule for secret_token
HEALTH_TIMEOUT = 3.0  # seconds for SELECT 1
MAX_BODY = 1024 * 1024  # an update is a few kB; Telegram's largest are far below this


def check_secret(secret: str | None) -> str:
    """The secret, or ValueError with a one-line reason (never the secret itself)."""
    if not secret:
        raise ValueError(
            "WEBHOOK_SECRET is required with --webhook: without it anyone who can reach "
            "WEBHOOK_URL could post forged updates (a payment, say); set 1-256 characters "
            "of A-Z a-z 0-9 _ -"
        )
    if not SECRET_TOKEN.match(secret):
        raise ValueError(
            f"WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram's rule); "
            f"it has {len(secret)} characters, some of them not allowed"
        )
    return secret


class WebhookServer:
    def __init__(
        self,
        application: ChatApplication,
        dispatcher: Dispatcher,
        database: Database,
        *,
        path: str,
        listen: str,
        port: int,
        secret: str,
    ) -> None:
        self.application = application
        self.dispatcher = dispatcher
        self.database = database
        self.path = "/" + path.lstrip("/")
        self.listen, self.port = listen, port
        self._secret = check_secret(secret).encode()
        self._stopping = False
        self._runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        await self.dispatcher.start()  # what a kill or a restart left in the inbox
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._post)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.listen, self.port).start()
        log.info("webhook server listening on %s:%s", self.listen, self.port)  # not the path

    async def stop(self, grace: float = 20.0) -> None:
        """Refuse new updates (503), let those in hand finish, then close."""
        self._stopping = True
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.dispatcher.stop(grace)

    # -- HTTP ---------------------------------------------------------------------

    async def _health(self, request: web.Request) -> web.Response:
        if self._stopping:
            return web.Response(status=503, text="stopping\n")
        try:
            async with asyncio.timeout(HEALTH_TIMEOUT):
                await self.database.ping()
        except Exception as exc:
            log.warning("healthz: the database does not answer (%s)", type(exc).__name__)
            return web.Response(status=503, text="database unavailable\n")
        return web.Response(text="ok\n")

    async def _post(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._secret):
            log.warning("webhook request refused: wrong or missing secret token")
            return web.Response(status=403)
        if self._stopping:
            return web.Response(status=503)
        try:
            data = json.loads(await request.read())
            update = Update.de_json(data, self.application.bot)
        except Exception as exc:
            log.warning("webhook request refused: not an update (%s)", type(exc).__name__)
            return web.Response(status=400)
        # Stored in a task of its own, shielded: a dropped connection does not interrupt it.
        storing = asyncio.ensure_future(store(self.database, self.dispatcher, [update]))
        try:
            await asyncio.shield(storing)
        except Exception as exc:
            log.warning(
                "update %s not stored (%s): Telegram sends it again",
                update.update_id,
                type(exc).__name__,
            )
            return web.Response(status=503)
        return web.Response(status=200)
