"""Webhook mode with the same guarantee as long polling: Telegram gets its 200 only once the
update is handled and recorded.

python-telegram-bot's own webhook server answers 200 as soon as an update is queued, so a
crash or a failure loses it. This small aiohttp server answers only after the update runner
(bot/update_runner.py: one transaction per update) committed it:

- POST <path of WEBHOOK_URL>: the `X-Telegram-Bot-Api-Secret-Token` header must equal
  WEBHOOK_SECRET (compared in constant time), else 403 and nothing is read further. The
  update is handled with the poller's policy (bot/polling.py): a failure is tried again with
  backoff inside the request; after MAX_ATTEMPTS (counted across Telegram's redeliveries too)
  it is parked for staff and answered 200; a database outage is never parked: after
  `request_budget` seconds the answer is 503 and Telegram delivers the update again later.
  Anything not handled gets a non-2xx, so Telegram redelivers it; a redelivered update that
  was in fact handled is recognised by the runner (its id is claimed) and changes nothing.
- One chat's updates one at a time (a lock per chat), different chats in parallel (up to
  `parallel`), whatever Telegram's `max_connections`.
- GET /healthz: 200 while the database answers `SELECT 1`, 503 otherwise (and while
  stopping).
- stop(): new requests get 503; the updates in hand finish (up to `grace` seconds).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web
from telegram import Update

from bot.errors import is_database_outage
from bot.polling import MAX_ATTEMPTS, backoff
from bot.update_runner import UpdateFailed, UpdateRunner
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


@dataclass
class _ChatLock:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


class WebhookServer:
    def __init__(
        self,
        application: ChatApplication,
        runner: UpdateRunner,
        database: Database,
        *,
        path: str,
        listen: str,
        port: int,
        secret: str,
        parallel: int = 8,
        max_attempts: int = MAX_ATTEMPTS,
        request_budget: float = 25.0,
    ) -> None:
        self.application = application
        self.runner = runner
        self.database = database
        self.path = "/" + path.lstrip("/")
        self.listen, self.port = listen, port
        self._secret = check_secret(secret).encode()
        self.max_attempts = max_attempts
        self.request_budget = request_budget
        self._slots = asyncio.Semaphore(parallel)
        self._chats: dict[object, _ChatLock] = {}
        self._attempts: dict[int, int] = {}  # update id -> failed attempts (redeliveries too)
        self._in_hand: set[asyncio.Task[int]] = set()
        self._stopping = False
        self._runner: web.AppRunner | None = None

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
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
        if self._in_hand:
            log.info("stopping: %d updates in hand finish first", len(self._in_hand))
            _, late = await asyncio.wait(self._in_hand, timeout=grace)
            if late:
                log.error("%d updates did not finish within %.0f s; abandoned", len(late), grace)
                for task in late:
                    task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

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
        # Handled in a task of its own, shielded: a dropped connection does not interrupt it.
        task = asyncio.ensure_future(self._handle(update))
        self._in_hand.add(task)
        task.add_done_callback(self._in_hand.discard)
        return web.Response(status=await asyncio.shield(task))

    # -- handling -------------------------------------------------------------------

    async def _handle(self, update: Update) -> int:
        chat = update.effective_chat
        async with self._chat(chat.id if chat is not None else None), self._slots:
            return await self._until_done(update)

    @contextlib.asynccontextmanager
    async def _chat(self, key: object) -> AsyncIterator[None]:
        if key is None:
            yield
            return
        entry = self._chats.setdefault(key, _ChatLock())
        entry.users += 1
        try:
            async with entry.lock:
                yield
        finally:
            entry.users -= 1
            if entry.users == 0:
                del self._chats[key]

    async def _until_done(self, update: Update) -> int:
        """200 once handled or parked; 503 when it must come again later."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.request_budget
        update_id = update.update_id
        while True:
            try:
                await self.runner.handle(update)
                self._attempts.pop(update_id, None)
                return 200
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                cause = exc.cause if isinstance(exc, UpdateFailed) else exc
                outage = is_database_outage(cause)
                attempt = self._count_failure(update_id)
                log.warning(
                    "update %s attempt %d failed: %s%s",
                    update_id,
                    attempt,
                    type(cause).__name__,
                    " (database unavailable)" if outage else "",
                )
                with contextlib.suppress(Exception):
                    await self.runner.tell_once(update, exc)
                if not outage and attempt >= self.max_attempts and await self._park(update, exc):
                    return 200
                delay = backoff(attempt)
                if self._stopping or loop.time() + delay > deadline:
                    return 503  # Telegram delivers it again
                await asyncio.sleep(delay)

    def _count_failure(self, update_id: int) -> int:
        if len(self._attempts) > 10_000:
            self._attempts.clear()
        attempt = self._attempts.get(update_id, 0) + 1
        self._attempts[update_id] = attempt
        return attempt

    async def _park(self, update: Update, exc: Exception) -> bool:
        try:
            await self.runner.park(update, self._attempts[update.update_id], exc)
        except Exception as park_error:  # e.g. the database went away: keep trying
            log.warning("update %s could not be parked: %s", update.update_id, park_error)
            return False
        self._attempts.pop(update.update_id, None)
        return True
