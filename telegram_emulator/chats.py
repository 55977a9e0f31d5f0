"""What the emulated Telegram remembers: chats, their messages, files."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ChatMessage:
    """One message in a chat, in its current state (edits applied, deletion flagged).

    ``raw`` is the Telegram Message object as the Bot API returns it.
    """

    raw: dict[str, Any]
    from_bot: bool
    deleted: bool = False
    edits: int = 0
    history: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def message_id(self) -> int:
        return int(self.raw["message_id"])

    @property
    def chat_id(self) -> int:
        return int(self.raw["chat"]["id"])

    @property
    def text(self) -> str:
        """The text, or the caption of a document/photo, or an invoice's title and description."""
        if "text" in self.raw or "caption" in self.raw:
            return str(self.raw.get("text", self.raw.get("caption", "")))
        if "invoice" in self.raw:
            return f"{self.raw['invoice']['title']}\n{self.raw['invoice']['description']}"
        return ""

    @property
    def reply_markup(self) -> dict[str, Any] | None:
        markup = self.raw.get("reply_markup") or self.meta.get("reply_markup")
        return markup if isinstance(markup, dict) else None

    @property
    def keyboard(self) -> list[list[dict[str, Any]]]:
        """Inline keyboard rows of button objects (empty when there is none)."""
        markup = self.raw.get("reply_markup") or {}
        return list(markup.get("inline_keyboard", []))

    @property
    def buttons(self) -> list[str]:
        """Labels of the inline buttons, row by row."""
        return [button["text"] for row in self.keyboard for button in row]

    def button(self, label: str) -> dict[str, Any] | None:
        return next(
            (b for row in self.keyboard for b in row if b["text"] == label),
            None,
        ) or next(
            (b for row in self.keyboard for b in row if b["text"].casefold() == label.casefold()),
            None,
        )

    @property
    def document(self) -> dict[str, Any] | None:
        return self.raw.get("document")

    @property
    def photo(self) -> list[dict[str, Any]] | None:
        return self.raw.get("photo")

    @property
    def invoice(self) -> dict[str, Any] | None:
        return self.raw.get("invoice")

    @property
    def file_id(self) -> str | None:
        if self.document:
            return str(self.document["file_id"])
        if self.photo:
            return str(self.photo[-1]["file_id"])
        return None

    def __contains__(self, fragment: str) -> bool:
        return fragment in self.text

    def __repr__(self) -> str:
        flags = " deleted" if self.deleted else ""
        flags += f" edits={self.edits}" if self.edits else ""
        who = "bot" if self.from_bot else "user"
        return f"<{who} #{self.message_id}{flags} {self.text[:60]!r} buttons={self.buttons}>"


@dataclass
class Chat:
    raw: dict[str, Any]
    messages: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    started: bool = False
    blocked: bool = False
    actions: list[str] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.raw["id"])

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def live(self, message_id: int) -> ChatMessage | None:
        message = self.messages.get(message_id)
        return None if message is None or message.deleted else message


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes = field(repr=False)
    file_name: str | None = None
    mime_type: str | None = None


class FileStore:
    """Files sent by either side, addressable by file_id and by download path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def add(
        self, data: bytes, *, kind: str, file_name: str | None = None, mime_type: str | None = None
    ) -> StoredFile:
        number = next(self._counter)
        suffix = "." + file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else ""
        stored = StoredFile(
            file_id=f"{kind[:2].upper()}AC{number:06d}{secrets.token_hex(8)}",
            file_unique_id=f"U{number:06d}{secrets.token_hex(3)}",
            file_path=f"{kind}s/file_{number}{suffix}",
            data=data,
            file_name=file_name,
            mime_type=mime_type,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def forget(self, file_id: str) -> None:
        """Telegram no longer has the file (its copy expired): getFile and downloads fail."""
        stored = self._by_id.pop(file_id, None)
        if stored is not None:
            self._by_path.pop(stored.file_path, None)


@dataclass
class CallbackPress:
    """A pressed inline button (callback_query) and the bot's answer to it."""

    id: str
    message_id: int | None
    data: str
    answered: bool = False
    text: str | None = None
    show_alert: bool = False
    url: str | None = None


@dataclass
class PreCheckout:
    """A pre_checkout_query sent to the bot and its answerPreCheckoutQuery."""

    id: str
    total_amount: int
    currency: str
    payload: str
    answered: bool = False
    ok: bool | None = None
    error_message: str | None = None
