"""The member's side of the chat: a Telegram user who talks to the bot.

Tests read like a conversation::

    ann = emu.new_user(first_name="Ann", last_name="Lee")
    await ann.send("/start")
    reply = await ann.next_message()
    await ann.press("Renew")
    assert await ann.callback_answer() is None
    await ann.press_keyboard("Share my phone number")  # a reply keyboard's request_contact
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from telegram_emulator.chats import CallbackPress, Chat, ChatMessage, PreCheckout
from telegram_emulator.formatting import command_entities

if TYPE_CHECKING:
    from telegram_emulator.server import TelegramEmulator

# A 1x1 PNG, for send_photo() without data.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
_ids = itertools.count(1)
_JPEG_FRAMES = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def image_kind(data: bytes) -> str | None:
    """ "image/jpeg" or "image/png" by the file's first bytes (what Telegram takes as a
    photo), else None."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, from its header; None when it cannot be read."""
    if image_kind(data) == "image/png" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if image_kind(data) != "image/jpeg":
        return None
    at = 2
    while at + 9 <= len(data):
        if data[at] != 0xFF:
            return None
        marker, length = data[at + 1], int.from_bytes(data[at + 2 : at + 4], "big")
        if marker in _JPEG_FRAMES:
            height = int.from_bytes(data[at + 5 : at + 7], "big")
            return int.from_bytes(data[at + 7 : at + 9], "big"), height
        at += 2 + length
    return None


@dataclass
class PaymentResult:
    """What happened when the user paid an invoice."""

    approved: bool
    answered: bool
    error_message: str | None = None
    pre_checkout_query_id: str = ""
    successful_payment: dict[str, Any] | None = None
    payment_messages: list[ChatMessage] = field(default_factory=list)


class EmulatedUser:
    def __init__(
        self,
        emulator: TelegramEmulator,
        *,
        user_id: int,
        first_name: str,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "en",
        phone_number: str | None = None,
    ) -> None:
        self.emulator = emulator
        self.id = user_id
        # The number of the user's Telegram account: what "share my phone number" sends.
        self.phone_number = phone_number
        self.raw: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.raw["last_name"] = last_name
        if username:
            self.raw["username"] = username
        if language_code:
            self.raw["language_code"] = language_code
        names = ("first_name", "last_name", "username")
        chat_raw = {k: v for k, v in self.raw.items() if k in names}
        self.chat = Chat(raw={"id": user_id, "type": "private", **chat_raw})
        emulator.chats[user_id] = self.chat
        self.last_press: CallbackPress | None = None
        self._read_up_to = 0  # message_id of the last bot message next_message() returned

    def __repr__(self) -> str:
        return f"<EmulatedUser {self.id} {self.raw['first_name']}>"

    # -- what the user sees -----------------------------------------------------

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat, oldest first, in their current state."""
        return [m for m in self.chat.messages.values() if m.from_bot]

    @property
    def sent(self) -> list[ChatMessage]:
        """The user's own messages (``deleted`` set when the bot deleted one)."""
        return [m for m in self.chat.messages.values() if not m.from_bot]

    @property
    def last_message(self) -> ChatMessage | None:
        visible = [m for m in self.messages if not m.deleted]
        return visible[-1] if visible else None

    async def next_message(self, timeout: float = 5.0) -> ChatMessage:
        """The next bot message not yet returned by next_message (waits for it)."""

        def unread() -> ChatMessage | None:
            return next((m for m in self.messages if m.message_id > self._read_up_to), None)

        message: ChatMessage = await self.emulator.wait_until(unread, timeout)
        self._read_up_to = message.message_id
        return message

    async def wait_for(
        self,
        predicate: Callable[[ChatMessage], Any],
        timeout: float = 5.0,
    ) -> ChatMessage:
        """The newest bot message (current state) for which predicate(message) is true."""

        def match() -> ChatMessage | None:
            return next((m for m in reversed(self.messages) if predicate(m)), None)

        found: ChatMessage = await self.emulator.wait_until(match, timeout)
        return found

    @property
    def reply_keyboard(self) -> list[list[dict[str, Any]]]:
        """The reply keyboard shown under the input field now (rows of KeyboardButton): the
        one of the newest bot message that set or removed one; empty when there is none."""
        for message in reversed(self.messages):
            markup = message.meta.get("reply_markup")
            if isinstance(markup, dict) and "keyboard" in markup:
                return list(markup["keyboard"])
            if isinstance(markup, dict) and markup.get("remove_keyboard"):
                return []
        return []

    async def callback_answer(self, timeout: float = 5.0) -> str | None:
        """The text of the bot's answerCallbackQuery for the last press (None when it
        answered without text). Raises TimeoutError if the bot never answered."""
        press = self.last_press
        if press is None:
            raise RuntimeError("no button was pressed yet")
        await self.emulator.wait_until(lambda: press.answered, timeout)
        return press.text

    # -- what the user does -----------------------------------------------------

    def _message(self, content: dict[str, Any]) -> ChatMessage:
        self.chat.started = True
        return self.emulator.post_message(
            self.chat, from_bot=False, content=content, sender=self.raw
        )

    def _deliver(self, kind: str, body: dict[str, Any]) -> int:
        return self.emulator.push_update({kind: copy.deepcopy(body)})

    async def send(self, text: str) -> ChatMessage:
        """Send a text message; commands get bot_command entities as on Telegram."""
        content: dict[str, Any] = {"text": text}
        entities = command_entities(text)
        if entities:
            content["entities"] = entities
        message = self._message(content)
        self._deliver("message", message.raw)
        await asyncio.sleep(0)
        return message

    async def send_photo(
        self, data: bytes = TINY_PNG, caption: str | None = None, mime_type: str = "image/png"
    ) -> ChatMessage:
        stored = self.emulator.files.add(data, kind="photo", mime_type=mime_type)
        width, height = image_size(data) or (1, 1)
        size = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
            "width": width,
            "height": height,
        }
        content: dict[str, Any] = {"photo": [size]}
        if caption:
            content["caption"] = caption
        return await self._send_content(content)

    async def send_document(
        self, name: str, data: bytes, mime_type: str = "application/octet-stream"
    ) -> ChatMessage:
        stored = self.emulator.files.add(data, kind="document", file_name=name, mime_type=mime_type)
        document = {
            "file_name": name,
            "mime_type": mime_type,
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(data),
        }
        return await self._send_content({"document": document})

    async def send_sticker(self, emoji: str = "👍") -> ChatMessage:
        sticker = {
            "file_id": f"STICKER{next(_ids):06d}",
            "file_unique_id": f"S{next(_ids):06d}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return await self._send_content({"sticker": sticker})

    async def _send_content(self, content: dict[str, Any]) -> ChatMessage:
        message = self._message(content)
        self._deliver("message", message.raw)
        await asyncio.sleep(0)
        return message

    async def share_contact(
        self,
        phone_number: str | None = None,
        *,
        first_name: str | None = None,
        last_name: str | None = None,
        user_id: int | Literal["own"] | None = "own",
    ) -> ChatMessage:
        """Send a message with a `contact`. By default the user's own (what a reply keyboard's
        request_contact button sends: their number, their name, their user id); `user_id`
        names another user (an int) or none (None), as when sharing someone else's contact
        from the address book. Checked against the Bot API's Contact type: a malformed one
        (e.g. a `phone_number` that is not a string) raises ValueError."""
        number = phone_number if phone_number is not None else self.phone_number
        if number is None:
            raise ValueError("the user has no phone number: pass phone_number")
        contact: dict[str, Any] = {
            "phone_number": number,
            "first_name": first_name if first_name is not None else self.raw["first_name"],
        }
        last = last_name if last_name is not None else self.raw.get("last_name")
        if last:
            contact["last_name"] = last
        if user_id is not None:
            contact["user_id"] = self.id if user_id == "own" else user_id
        check = self.emulator.sent_check
        if check is not None:
            problem = check.problem(contact, ["Contact"], "message.contact")
            if problem is not None:
                raise ValueError(f"not a Bot API Contact: {problem}")
        return await self._send_content({"contact": contact})

    async def press_keyboard(self, label: str) -> ChatMessage:
        """Press a button of the reply keyboard shown now: a request_contact button shares
        the user's own contact; a plain one sends its text. Other kinds are not emulated."""
        button = next(
            (b for row in self.reply_keyboard for b in row if b.get("text") == label), None
        )
        if button is None:
            shown = [b.get("text") for row in self.reply_keyboard for b in row]
            raise LookupError(f"no reply keyboard button {label!r}; shown: {shown or 'none'}")
        if button.get("request_contact"):
            return await self.share_contact()
        if set(button) - {"text", "icon_custom_emoji_id", "style"}:
            raise NotImplementedError(f"reply keyboard button {button} is not emulated")
        return await self.send(label)

    async def edit(self, message_id: int, text: str) -> ChatMessage:
        """Edit one of the user's own messages (the bot gets an edited_message)."""
        message = self.chat.live(message_id)
        if message is None or message.from_bot:
            raise LookupError(f"the user has no message {message_id} to edit")
        message.history.append(copy.deepcopy(message.raw))
        message.raw.update(text=text, edit_date=self.emulator.now())
        message.raw.pop("entities", None)
        if command_entities(text):
            message.raw["entities"] = command_entities(text)
        message.edits += 1
        self._deliver("edited_message", message.raw)
        await asyncio.sleep(0)
        return message

    def block(self) -> None:
        """The user blocks the bot: sending to them answers 403."""
        self.chat.blocked = True

    def unblock(self) -> None:
        self.chat.blocked = False

    # -- buttons ----------------------------------------------------------------

    def find_button(self, label: str) -> tuple[ChatMessage, dict[str, Any]]:
        for message in reversed(self.messages):
            button = None if message.deleted else message.button(label)
            if button is not None:
                return message, button
        available = [
            f"#{m.message_id}: {m.buttons}" for m in self.messages if m.buttons and not m.deleted
        ]
        raise LookupError(
            f"no button {label!r} in this chat; buttons available: "
            + ("; ".join(available) or "none")
        )

    async def press(self, label: str) -> CallbackPress:
        """Press the inline button with this label on the newest bot message that has it."""
        message, button = self.find_button(label)
        if "callback_data" not in button:
            raise ValueError(f"button {label!r} is not a callback button: {button}")
        return await self.press_data(message.message_id, str(button["callback_data"]))

    async def press_data(self, message_id: int, data: str) -> CallbackPress:
        """Send a callback_query with any data for any message id (stale or forged)."""
        self.chat.started = True
        press = CallbackPress(id=str(secrets.randbits(62)), message_id=message_id, data=data)
        self.emulator.callback_queries[press.id] = press
        self.last_press = press
        message = self.chat.live(message_id)
        shown = (
            copy.deepcopy(message.raw)
            if message is not None
            else {"chat": self.chat.raw, "message_id": message_id, "date": 0}
        )
        query = {
            "id": press.id,
            "from": self.raw,
            "message": shown,
            "chat_instance": str(self.id * 7919),
            "data": data,
        }
        self._deliver("callback_query", query)
        await asyncio.sleep(0)
        return press

    # -- payments ---------------------------------------------------------------

    async def pay(
        self,
        invoice_message: ChatMessage,
        *,
        total_amount: int | None = None,
        deliveries: int = 1,
        simultaneous: bool = False,
        timeout: float = 5.0,
    ) -> PaymentResult:
        """Pay an invoice the bot sent: pre_checkout_query, then successful_payment.

        `total_amount` tampers with the amount; `deliveries` > 1 delivers the same
        successful_payment several times, one after another once the bot has settled, or
        all in the same getUpdates batch when `simultaneous`.
        """
        query = self._pre_checkout(invoice_message, total_amount)
        try:
            await self.emulator.wait_until(lambda: query.answered, timeout)
        except TimeoutError:
            return PaymentResult(approved=False, answered=False, pre_checkout_query_id=query.id)
        if not query.ok:
            return PaymentResult(
                approved=False,
                answered=True,
                error_message=query.error_message,
                pre_checkout_query_id=query.id,
            )
        payment = _successful_payment(query)
        messages = await self._deliver_payment(payment, deliveries, simultaneous, timeout)
        return PaymentResult(True, True, None, query.id, payment, messages)

    def _pre_checkout(self, invoice_message: ChatMessage, total: int | None) -> PreCheckout:
        invoice = invoice_message.invoice
        if invoice is None:
            raise ValueError(f"not an invoice: {invoice_message!r}")
        query = PreCheckout(
            id=str(secrets.randbits(62)),
            total_amount=int(invoice["total_amount"] if total is None else total),
            currency=str(invoice["currency"]),
            payload=str(invoice_message.meta.get("invoice_payload", "")),
        )
        self.emulator.pre_checkout_queries[query.id] = query
        self._deliver(
            "pre_checkout_query",
            {
                "id": query.id,
                "from": self.raw,
                "currency": query.currency,
                "total_amount": query.total_amount,
                "invoice_payload": query.payload,
            },
        )
        return query

    async def _deliver_payment(
        self,
        payment: dict[str, Any],
        deliveries: int,
        simultaneous: bool,
        timeout: float,
    ) -> list[ChatMessage]:
        messages = []
        for index in range(deliveries):
            if index and not simultaneous:
                await self.emulator.settle(timeout=timeout)
            message = self._message({"successful_payment": payment})
            self._deliver("message", message.raw)
            messages.append(message)
        await asyncio.sleep(0)
        return messages


def _successful_payment(query: PreCheckout) -> dict[str, Any]:
    number = next(_ids)
    return {
        "currency": query.currency,
        "total_amount": query.total_amount,
        "invoice_payload": query.payload,
        "telegram_payment_charge_id": f"tg_charge_{number}_{secrets.token_hex(6)}",
        "provider_payment_charge_id": f"provider_charge_{number}_{secrets.token_hex(6)}",
    }
