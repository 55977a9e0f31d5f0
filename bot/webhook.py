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

Slow or too many clients (a slowloris holds connections open by sending its headers slowly):
- a connection has HEADER_TIMEOUT seconds, from its opening or from its last response, to
  send a request's whole header, else it is closed. That is aiohttp's `keepalive_timeout`
  (an AppRunner argument): since aiohttp 3.14 its timer runs from the connection's opening
  and closes a connection whose request is not complete when it fires (an idle keep-alive
  connection is closed after the same time; Telegram opens another). The body then has
  BODY_TIMEOUT seconds (408).
- at most MAX_CONNECTIONS connections at a time (Telegram opens up to `max_connections` of
  setWebhook, 40 by default, 100 at most): one more is answered 503 at once and closed;
  Telegram delivers its update again later. aiohttp has no such limit: the server is
  asyncio's own, with aiohttp's protocol factory (the AppRunner's `server`) behind a guard
  that counts connections.
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
HEADER_TIMEOUT = 10.0  # seconds to send a request's header (and to keep an idle connection)
BODY_TIMEOUT = 10.0  # seconds to send the body once the header is in
MAX_CONNECTIONS = 100  # connections open at a time
BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n"
    b"Retry-After: 1\r\n\r\n"
)


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


class _Counted(asyncio.Protocol):
    """One connection: aiohttp's protocol for it while fewer than `limit` are open (every
    event passed on), else a 503, closed once the request arrives (or after a second): closed
    before, the request's bytes would reset the connection, the 503 perhaps unread."""

    def __init__(self, inner: asyncio.Protocol, open_: set[_Counted], limit: int) -> None:
        self.inner, self.open, self.limit = inner, open_, limit
        self.counted = False
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if len(self.open) >= self.limit:
            log.warning("webhook connection refused: %s open already", len(self.open))
            assert isinstance(transport, asyncio.WriteTransport)
            transport.write(BUSY)
            self.transport = transport
            asyncio.get_running_loop().call_later(1.0, transport.close)
            return
        self.counted = True
        self.open.add(self)
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.counted:
            self.open.discard(self)
            self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.counted:
            self.inner.data_received(data)
        elif self.transport is not None:
            self.transport.close()

    def eof_received(self) -> bool | None:
        return self.inner.eof_received() if self.counted else None

    def pause_writing(self) -> None:
        if self.counted:
            self.inner.pause_writing()

    def resume_writing(self) -> None:
        if self.counted:
            self.inner.resume_writing()


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
        header_timeout: float = HEADER_TIMEOUT,
        body_timeout: float = BODY_TIMEOUT,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self.application = application
        self.dispatcher = dispatcher
        self.database = database
        self.path = "/" + path.lstrip("/")
        self.listen, self.port = listen, port
        self._secret = check_secret(secret).encode()
        self._stopping = False
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._open: set[_Counted] = set()
        self.header_timeout, self.body_timeout = header_timeout, body_timeout
        self.max_connections = max_connections

    @property
    def open_connections(self) -> int:
        return len(self._open)

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        await self.dispatcher.start()  # what a kill or a restart left in the inbox
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_post(self.path, self._post)
        app.router.add_get("/healthz", self._health)
        self._runner = web.AppRunner(
            app, access_log=None, shutdown_timeout=1.0, keepalive_timeout=self.header_timeout
        )
        await self._runner.setup()
        protocols = self._runner.server
        assert protocols is not None  # set up above
        self._listener = await asyncio.get_running_loop().create_server(
            lambda: _Counted(protocols(), self._open, self.max_connections),
            self.listen,
            self.port,
        )
        log.info("webhook server listening on %s:%s", self.listen, self.port)  # not the path

    async def stop(self, grace: float = 20.0) -> None:
        """Refuse new updates (503), let those in hand finish, then close."""
        self._stopping = True
        if self._listener is not None:  # no new connections; those open are closed below
            self._listener.close()
            self._listener = None
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
            async with asyncio.timeout(self.body_timeout):
                body = await request.read()
        except TimeoutError:
            log.warning("webhook request refused: its body took over %s s", self.body_timeout)
            return web.Response(status=408, headers={"Connection": "close"})
        try:
            data = json.loads(body)
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
