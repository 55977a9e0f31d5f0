"""TelegramEmulator: a local Bot API server for the demo and the chat tests.

python-telegram-bot talks to it unchanged through ``base_url``/``base_file_url``.
Every call is checked against the official Bot API spec (see spec.py), answered
the way Telegram answers, and recorded in ``calls`` (refused ones also in
``violations``). What the emulator sends back, method results and updates, is checked
against the spec's types too (see sent_check.py): a mismatch is a ``SentViolation``.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from aiohttp import web

from telegram_emulator.chats import CallbackPress, Chat, ChatMessage, FileStore, PreCheckout
from telegram_emulator.errors import ApiError, bad_request, forbidden, not_found
from telegram_emulator.flood import FloodControl
from telegram_emulator.methods import METHODS
from telegram_emulator.params import Params
from telegram_emulator.request_body import read_params
from telegram_emulator.sent_check import SentCheck, SentViolation
from telegram_emulator.spec import BotApiSpec, UploadedFile, load_spec
from telegram_emulator.updates import UpdateQueue
from telegram_emulator.webhook import Delivery, WebhookDelivery

log = logging.getLogger(__name__)

DEFAULT_TOKEN = "7000000001:AAEmulatorTokenForLocalTestsOnly0000"  # noqa: S105
VIOLATION_STATUSES = frozenset({400, 401, 404, 409})
_AUTO = object()


@dataclass(frozen=True)
class Call:
    """One Bot API request as the emulator saw it."""

    method: str
    params: dict[str, Any]
    ok: bool
    status: int = 200
    description: str | None = None
    result: Any = None


@dataclass
class _Fault:
    status: int
    times: int
    description: str
    retry_after: int | None


@dataclass
class Hold:
    """A Bot API call caught in flight (see TelegramEmulator.hold_next)."""

    exclude: frozenset[str]
    match: Callable[[str, dict[str, Any]], bool] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)
    method: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    execute: bool = False

    def release(self, *, execute: bool = False) -> None:
        """Let the call go on: executed as usual, or lost (answered 502, nothing done)."""
        self.execute = execute
        self.released.set()


class TelegramEmulator:
    """Usage::

    async with TelegramEmulator() as emu:
        app = ApplicationBuilder().token(emu.token).base_url(emu.base_url)
              .base_file_url(emu.base_file_url).build()
        ann = emu.new_user(first_name="Ann", last_name="Lee")
    """

    def __init__(
        self,
        token: str | None = None,
        *,
        spec: BotApiSpec | object | None = _AUTO,
        bot_username: str = "emulated_test_bot",
        bot_first_name: str = "Emulated Bot",
        host: str = "127.0.0.1",
        port: int = 0,
        time_source: Callable[[], float] = time.time,
        allow_http_webhook: bool = False,
        webhook_retry_delay: float = 0.2,
    ) -> None:
        """`allow_http_webhook`: accept an http:// webhook URL on any port, as a Local Bot API
        Server does (Telegram itself wants HTTPS), so tests can serve plain HTTP locally.
        `webhook_retry_delay`: the first backoff before a failed webhook delivery is repeated
        (doubled each time, up to 2 s)."""
        self.token = token or DEFAULT_TOKEN
        self._any_token = token is None
        self.spec: BotApiSpec | None = (
            load_spec(required=False) if spec is _AUTO else spec  # type: ignore[assignment]
        )
        if self.spec is None:
            log.warning("Bot API spec not found: the emulator's call validation is OFF")
        self.sent_check = SentCheck(self.spec) if self.spec is not None else None
        self._host, self._port = host, port
        self._time = time_source
        # The bot as a message's sender; getMe adds its capabilities (bot_methods.get_me).
        self.bot_user = _bot_user(self.token, bot_username, bot_first_name)
        self.updates = UpdateQueue()
        self.chats: dict[int, Chat] = {}
        self.files = FileStore()
        self.webhook: dict[str, Any] = {}
        self.allow_http_webhook = allow_http_webhook
        self.webhook_retry_delay = webhook_retry_delay
        self.deliveries: list[Delivery] = []  # every webhook request made, in order
        self._webhook_delivery: WebhookDelivery | None = None
        self.commands: dict[tuple[str, str], list[dict[str, str]]] = {}
        self.callback_queries: dict[str, CallbackPress] = {}
        self.pre_checkout_queries: dict[str, PreCheckout] = {}
        self.calls: list[Call] = []
        self.violations: list[Call | SentViolation] = []
        self.rate_limit = False
        self.flood = FloodControl()
        self._faults: dict[str, _Fault] = {}
        self._download_faults: list[str] = []  # "error" or "cut", one per next download
        self._download_delays: list[float] = []  # seconds, one per next download
        self._hold: Hold | None = None
        self._users: list[Any] = []
        self._changed = asyncio.Event()
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._busy_checks: list[Callable[[], bool]] = []
        self._runner: web.AppRunner | None = None
        self.base_url = self.base_file_url = ""

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.base_url = f"http://{host}:{port}/bot"
        self.base_file_url = f"http://{host}:{port}/file/bot"

    async def stop(self) -> None:
        await self.stop_webhook_delivery()
        self.updates.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TelegramEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def validation_enabled(self) -> bool:
        return self.spec is not None

    # -- HTTP -----------------------------------------------------------------

    async def _handle_api(self, request: web.Request) -> web.Response:
        name = request.match_info["method"]
        tracked = name.lower() != "getupdates"
        self._in_flight += tracked
        self._touch()
        try:
            status, body = await self._answer(request, name)
        finally:
            self._in_flight -= tracked
            self._touch()
        return web.json_response(body, status=status)

    async def _answer(self, request: web.Request, name: str) -> tuple[int, dict[str, Any]]:
        try:
            if not self._any_token and request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            params, uploads = await read_params(request)
        except ApiError as error:
            return self._record(name, {}, error=error)
        return await self.call(name, params, uploads)

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        stored = self.files.by_path(request.match_info["path"])
        if stored is None or (not self._any_token and request.match_info["token"] != self.token):
            return web.json_response(not_found().body(), status=404)
        fault = self._download_faults.pop(0) if self._download_faults else None
        if fault == "error":
            return web.json_response(
                {"ok": False, "error_code": 500, "description": "Internal Server Error"},
                status=500,
            )
        if fault == "cut":  # the connection drops half-way through the body
            response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
            response.content_length = len(stored.data)
            await response.prepare(request)
            await response.write(stored.data[: len(stored.data) // 2])
            if request.transport is not None:
                request.transport.close()
            return response
        delay = self._download_delays.pop(0) if self._download_delays else 0.0
        if delay > 0:
            return await self._trickle(request, stored.data, delay)
        return web.Response(body=stored.data, content_type="application/octet-stream")

    async def _trickle(
        self, request: web.Request, data: bytes, seconds: float
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.content_length = len(data)
        await response.prepare(request)
        parts = max(1, int(seconds / 0.25))
        size = -(-len(data) // parts)
        for start in range(0, len(data), size):
            await asyncio.sleep(seconds / parts)
            await response.write(data[start : start + size])
        await response.write_eof()
        return response

    # -- calls ----------------------------------------------------------------

    async def call(
        self, name: str, params: dict[str, Any], uploads: dict[str, UploadedFile] | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Answer one Bot API call: (HTTP status, JSON body). Also used without HTTP."""
        canonical = self._canonical(name)
        try:
            if canonical is None:
                raise not_found()
            if await self._held_and_lost(canonical, params):
                return self._record(canonical, params, error=ApiError(502, "lost"), violation=False)
            fault = self._take_fault(canonical)
            if fault is not None:
                return self._record(canonical, params, error=fault, violation=False)
            checked = Params(self._validate(canonical, params, uploads or {}))
            self._flood_check(canonical, checked)
            result = await METHODS[canonical](self, checked)
        except ApiError as error:
            return self._record(canonical or name, params, error=error)
        self.check_result(canonical, result)
        self._record(canonical, dict(checked), result=result)
        return 200, {"ok": True, "result": result}

    def _canonical(self, name: str) -> str | None:
        if self.spec is not None:
            return self.spec.canonical_method(name)
        return next((m for m in METHODS if m.lower() == name.lower()), None)

    def _validate(
        self, method: str, params: dict[str, Any], uploads: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        if method not in METHODS:
            raise bad_request(f"method {method} is not implemented by the emulator")
        if self.spec is None:
            return params
        return self.spec.check_call(method, params, uploads)

    def _flood_check(self, method: str, params: Params) -> None:
        if not self.rate_limit or not self.flood.counts(method):
            return
        retry_after = self.flood.retry_after(str(params.get("chat_id")))
        if retry_after is not None:
            raise ApiError(
                429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after
            )

    def _record(
        self,
        method: str,
        params: dict[str, Any],
        *,
        result: Any = None,
        error: ApiError | None = None,
        violation: bool = True,
    ) -> tuple[int, dict[str, Any]]:
        if error is None:
            self.calls.append(Call(method, params, True, result=result))
            return 200, {"ok": True, "result": result}
        call = Call(method, params, False, error.status, error.description)
        self.calls.append(call)
        if violation and error.status in VIOLATION_STATUSES:
            self.violations.append(call)
            log.warning("emulator refused %s: %s", method, error.description)
        return error.status, error.body()

    def calls_to(self, method: str) -> list[Call]:
        return [call for call in self.calls if call.method == method]

    # -- what the emulator sends, checked against the spec's types -----------

    @property
    def sent_violations(self) -> list[SentViolation]:
        """The violations that are the emulator's own: what it sent that Telegram never would."""
        return [v for v in self.violations if isinstance(v, SentViolation)]

    def check_result(self, method: str, result: Any) -> None:
        """A method's result (getUpdates: the updates) must be of the type it returns."""
        if self.spec is not None:
            returns = self.spec.methods[method].get("returns", [])
            self._check_sent(method, result, returns, f"{method} result")

    def check_update(self, update: dict[str, Any]) -> None:
        """An update POSTed to the webhook must be an Update."""
        self._check_sent("webhook", update, ["Update"], "webhook update")

    def _check_sent(self, method: str, value: Any, types: Sequence[str], where: str) -> None:
        if self.sent_check is None or not types:
            return
        problem = self.sent_check.problem(value, types, where, method=method)
        if problem is not None:
            description = f"the emulator sent what Telegram never would: {problem}"
            self.violations.append(SentViolation(method, description, copy.deepcopy(value)))
            log.warning("%s", description)

    # -- fault injection ------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int = 502,
        times: int = 1,
        *,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` with an error (not a violation)."""
        text = description or {502: "Bad Gateway", 500: "Internal Server Error"}.get(
            status, f"Injected error {status}"
        )
        if status == 429 and retry_after is None:
            retry_after = 1
        self._faults[method] = _Fault(status, times, text, retry_after)

    def fail_next_download(self, times: int = 1, *, cut: bool = False) -> None:
        """The next `times` file downloads fail: a 500 answer, or (`cut`) the connection
        drops after half the bytes."""
        self._download_faults.extend(["cut" if cut else "error"] * times)

    def slow_next_download(self, seconds: float, times: int = 1) -> None:
        """The next `times` file downloads trickle their bytes over `seconds` (a slow link:
        data keeps coming, so no read timeout fires)."""
        self._download_delays.extend([seconds] * times)

    def hold_next(
        self,
        exclude: tuple[str, ...] = ("getUpdates",),
        match: Callable[[str, dict[str, Any]], bool] | None = None,
    ) -> Hold:
        """Catch the next call (of a method not excluded, for which `match(method, params)`
        is true) and keep it waiting, e.g. to kill the bot between its database commit and
        its reply. `await hold.arrived.wait()`, then `hold.release()` (the call is lost:
        answered 502, nothing happens) or `hold.release(execute=True)`."""
        self._hold = Hold(frozenset(exclude), match)
        return self._hold

    async def _held_and_lost(self, method: str, params: dict[str, Any]) -> bool:
        hold = self._hold
        if hold is None or method in hold.exclude:
            return False
        if hold.match is not None and not hold.match(method, params):
            return False
        self._hold = None
        hold.method, hold.params = method, dict(params)
        hold.arrived.set()
        await hold.released.wait()
        return not hold.execute

    def _take_fault(self, method: str) -> ApiError | None:
        fault = self._faults.get(method)
        if fault is None:
            return None
        fault.times -= 1
        if fault.times <= 0:
            del self._faults[method]
        return ApiError(fault.status, fault.description, retry_after=fault.retry_after)

    # -- state used by the methods and the users ------------------------------

    def now(self) -> int:
        return int(self._time())

    def notify(self) -> None:
        """Wake everyone waiting for a change (new/edited/deleted message, answers)."""
        self._changed.set()
        self._changed = asyncio.Event()
        self._touch()

    async def wait_for_change(self, timeout: float) -> bool:
        """Wait until the chat state changes; False when `timeout` passed first."""
        changed = self._changed
        try:
            await asyncio.wait_for(changed.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def _touch(self) -> None:
        self._last_activity = time.monotonic()

    def add_busy_check(self, busy: Callable[[], bool]) -> None:
        """`settle` also waits until `busy()` is false: for a bot that confirms updates before
        it handles them (it stores them first), so confirmation alone does not mean done."""
        self._busy_checks.append(busy)

    def remove_busy_check(self, busy: Callable[[], bool]) -> None:
        if busy in self._busy_checks:
            self._busy_checks.remove(busy)

    def resolve_chat(self, chat_id: Any) -> Chat:
        chat = self._find_chat(chat_id)
        if chat is None:
            raise bad_request("chat not found")
        if chat.blocked:
            raise forbidden("bot was blocked by the user")
        if not chat.started:
            raise forbidden("bot can't initiate conversation with a user")
        return chat

    def _find_chat(self, chat_id: Any) -> Chat | None:
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            wanted = chat_id[1:].lower()
            named = (c for c in self.chats.values() if c.raw.get("username", "").lower() == wanted)
            return next(named, None)
        try:
            return self.chats.get(int(chat_id))
        except (TypeError, ValueError):
            return None

    def post_message(
        self,
        chat: Chat,
        *,
        from_bot: bool,
        content: dict[str, Any],
        sender: dict[str, Any] | None = None,
    ) -> ChatMessage:
        raw = {
            "message_id": chat.take_message_id(),
            "from": self.bot_user if from_bot else sender,
            "chat": chat.raw,
            "date": self.now(),
            **content,
        }
        message = ChatMessage(raw=raw, from_bot=from_bot)
        chat.messages[message.message_id] = message
        self.notify()
        return message

    def push_update(self, update: dict[str, Any]) -> int:
        update_id = self.updates.push(update)
        self._touch()
        return update_id

    async def wait_until(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until predicate() is truthy (re-checked on every change); return its value."""
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), min(remaining, 0.05))
            except TimeoutError:
                continue
        return value

    async def settle(self, timeout: float = 5.0, quiet: float = 0.1) -> None:
        """Wait until the bot has finished with everything sent so far.

        Exactly: every queued update has been confirmed by a getUpdates offset, no Bot API
        call other than getUpdates is in progress, no busy check (`add_busy_check`) says
        busy, and for `quiet` seconds there has been no call (start or end), no
        confirmation, no new update and no chat change. Raises
        TimeoutError otherwise (e.g. the bot is not polling). A handler that works silently
        for longer than `quiet` before its first call can make settle return early: pass a
        larger `quiet` for such steps.
        """
        deadline = time.monotonic() + timeout
        while True:
            idle = time.monotonic() - self._last_activity
            if (
                self.updates.unconfirmed == 0
                and self._in_flight == 0
                and idle >= quiet
                and not any(busy() for busy in self._busy_checks)
            ):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"bot did not settle within {timeout} s: {self.updates.unconfirmed} "
                    f"unconfirmed updates, {self._in_flight} calls in progress"
                )
            await asyncio.sleep(0.01)

    # -- test conveniences ----------------------------------------------------

    def new_user(
        self,
        first_name: str = "Ann",
        last_name: str | None = None,
        *,
        username: str | None = None,
        language_code: str | None = "en",
        phone_number: str | None = None,
    ) -> Any:
        from telegram_emulator.users import EmulatedUser

        user = EmulatedUser(
            self,
            user_id=5_550_001 + len(self._users),
            first_name=first_name,
            last_name=last_name,
            username=username,
            language_code=language_code,
            phone_number=phone_number,
        )
        self._users.append(user)
        return user

    def inject(self, update: dict[str, Any]) -> int:
        """Queue a raw update as given (a group/channel message...). It is checked when
        delivered, like every update: a malformed one is recorded in `sent_violations`."""
        for key in ("message", "edited_message", "channel_post", "edited_channel_post"):
            body = update.get(key)
            if isinstance(body, dict) and isinstance(body.get("chat"), dict):
                self._adopt_chat(body)
        return self.push_update(update)

    def _adopt_chat(self, message: dict[str, Any]) -> None:
        chat = self.chats.setdefault(int(message["chat"]["id"]), Chat(raw=message["chat"]))
        chat.started = True
        if "message_id" in message:
            message_id = int(message["message_id"])
            chat.messages.setdefault(message_id, ChatMessage(raw=message, from_bot=False))
            chat.next_message_id = max(chat.next_message_id, message_id + 1)

    # -- webhook delivery (telegram_emulator/webhook.py) ------------------------

    async def start_webhook_delivery(
        self, url: str, secret_token: str | None, max_connections: int | None
    ) -> None:
        await self.stop_webhook_delivery()
        self._webhook_delivery = WebhookDelivery(
            self,
            url,
            secret_token,
            max_connections=max_connections or 40,
            retry_delay=self.webhook_retry_delay,
        )
        self._webhook_delivery.start()

    async def stop_webhook_delivery(self) -> None:
        if self._webhook_delivery is not None:
            delivery, self._webhook_delivery = self._webhook_delivery, None
            await delivery.stop()

    def record_delivery(self, delivery: Delivery) -> None:
        self.deliveries.append(delivery)
        self._touch()

    def confirm_updates(self, offset: int) -> None:
        """A getUpdates offset: the bot has taken the updates before it (counts as activity)."""
        before = self.updates.unconfirmed
        self.updates.confirm(offset)
        if self.updates.unconfirmed != before:
            self._touch()

    def redeliver(self, update_id: int) -> None:
        """Deliver an update again (Telegram sometimes does), even if already confirmed."""
        self.updates.redeliver(update_id)
        self._touch()

    def file_bytes(self, file_id: str) -> bytes:
        stored = self.files.get(file_id)
        if stored is None:
            raise KeyError(f"no file with id {file_id!r}")
        return stored.data

    def commands_menu(self, scope: str = "default", language_code: str = "") -> list[str]:
        return [c["command"] for c in self.commands.get((scope, language_code), [])]


def _bot_user(token: str, username: str, first_name: str) -> dict[str, Any]:
    prefix = token.split(":", 1)[0]
    return {
        "id": int(prefix) if prefix.isdigit() else 7_000_000_001,
        "is_bot": True,
        "first_name": first_name,
        "username": username,
    }
