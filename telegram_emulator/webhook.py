"""Webhook delivery, as Telegram does it once `setWebhook` is called.

Every update waiting for the bot is POSTed as JSON to the webhook URL, with the header
`X-Telegram-Bot-Api-Secret-Token` when a secret token was set. An update stays queued until
the bot answers it with a 2xx status; any other answer, a refused connection or a timeout
means it is delivered again after a short backoff ("In case of an unsuccessful request, we
will repeat the request"). One chat's updates go one at a time and in order; different
chats' updates go in parallel, up to `max_connections` at once (Bot API default 40).
`deleteWebhook` (or a new `setWebhook`) stops the delivery; what was not acknowledged stays
queued for the next webhook or for getUpdates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from telegram_emulator.server import TelegramEmulator
    from telegram_emulator.updates import Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # setWebhook: 1-256 of A-Z a-z 0-9 _ -
DEFAULT_MAX_CONNECTIONS = 40


@dataclass(frozen=True)
class Delivery:
    """One webhook request as the emulator made it."""

    update_id: int
    status: int | None  # None: no HTTP answer (connection refused or reset, timeout)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def chat_key(update: Update) -> object:
    """Updates of one chat are delivered one after another; others need no order."""
    for part in update.values():
        if isinstance(part, dict):
            chat = part.get("chat") or (part.get("message") or {}).get("chat")
            if isinstance(chat, dict) and "id" in chat:
                return chat["id"]
            sender = part.get("from")  # a private chat's id is its user's id
            if isinstance(sender, dict) and "id" in sender:
                return sender["id"]
    return ("update", update.get("update_id"))


class WebhookDelivery:
    def __init__(
        self,
        emulator: TelegramEmulator,
        url: str,
        secret_token: str | None,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        retry_delay: float = 0.2,
        retry_cap: float = 2.0,
        timeout: float = 60.0,
    ) -> None:
        self.emulator = emulator
        self.url = url
        self.secret_token = secret_token
        self.max_connections = max_connections
        self.retry_delay = retry_delay
        self.retry_cap = retry_cap
        self.timeout = timeout
        self._busy: set[object] = set()  # chats with an update in flight or backing off
        self._tasks: set[asyncio.Task[None]] = set()
        self._failures: dict[int, int] = {}  # update id -> failed attempts so far
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="emulator-webhook")

    async def stop(self) -> None:
        tasks = [t for t in (self._task, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._task = None
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        queue = self.emulator.updates
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        while True:
            queue.arrived.clear()
            for update in self._next():
                self._busy.add(chat_key(update))
                task = asyncio.create_task(self._deliver(update))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            await queue.arrived.wait()

    def _next(self) -> list[Update]:
        """The updates to post now: the first waiting one of each chat not busy."""
        chosen: list[Update] = []
        seen: set[object] = set()
        for update in self.emulator.updates.waiting():
            key = chat_key(update)
            if key in seen:
                continue
            seen.add(key)
            if key in self._busy:
                continue
            if len(self._busy) + len(chosen) >= self.max_connections:
                break
            chosen.append(update)
        return chosen

    async def _deliver(self, update: Update) -> None:
        key = chat_key(update)
        update_id = int(update["update_id"])
        try:
            delivery = await self._post(update)
            self.emulator.record_delivery(delivery)
            if delivery.ok:
                self._failures.pop(update_id, None)
                self.emulator.updates.acknowledge(update)
            else:
                failures = self._failures[update_id] = self._failures.get(update_id, 0) + 1
                delay = min(self.retry_cap, self.retry_delay * 2 ** min(failures - 1, 10))
                await asyncio.sleep(delay)
        finally:
            self._busy.discard(key)
            self.emulator.updates.arrived.set()  # look again: this chat may go on

    async def _post(self, update: Update) -> Delivery:
        assert self._session is not None
        headers = {SECRET_HEADER: self.secret_token} if self.secret_token else {}
        update_id = int(update["update_id"])
        self.emulator.check_update(update)
        try:
            async with self._session.post(self.url, json=update, headers=headers) as response:
                await response.read()
                return Delivery(update_id, response.status)
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return Delivery(update_id, None, type(exc).__name__)


def check_secret_token(secret: Any) -> str | None:
    """None when acceptable, else the reason setWebhook is refused."""
    if secret is None:
        return None
    if not SECRET_TOKEN.match(str(secret)):
        return "secret token contains unallowed characters or has a wrong length"
    return None
