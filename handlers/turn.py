"""One turn: everything one Telegram update is handled with, given to every handler as
`context.turn`.

- `uow`: the unit of work of the update's one transaction, already open. Use cases run in it
  and never commit; the runner (bot/turns.py) commits once, after the handlers.
- `conversation`: where the member is — at most one conversation at a time — and the little
  it remembers. Written back in the same transaction, so it can never be ahead of the data
  it describes.
- `outbox`: the replies, recorded as JSON and sent once the transaction has committed.
- `language`: the member's language (read with the claim); `gettext`/`ngettext` say a
  sentence in it.
- `files`: the file the update carries, downloaded before the transaction began (a slow
  download never holds the database).

bot/ builds the turn and registers it for the update it handles (`Turns`); python-telegram-
bot's context factory (`ChatContext.from_update`) hands it to each handler.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from html import escape
from typing import Any

from telegram import InlineKeyboardMarkup, Message, Update

from domain.errors import DomainError
from domain.languages import DEFAULT as DEFAULT_LANGUAGE
from domain.languages import Language
from domain.ports import MailMessage, UnitOfWork
from domain.rules import Rules
from handlers.outbox import Markup, Outbox, html_to_plain
from handlers.receipt_pdf import ReceiptData
from i18n import speaker


@dataclass
class ConversationState:
    """The member's one conversation: its name, its state and the little it remembers (e.g.
    the username typed before the password)."""

    name: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "state": self.state, "data": self.data}

    @classmethod
    def from_json(cls, value: Any) -> ConversationState | None:
        if (
            isinstance(value, dict)
            and isinstance(value.get("name"), str)
            and isinstance(value.get("state"), str)
        ):
            data = value.get("data")
            return cls(value["name"], value["state"], dict(data) if isinstance(data, dict) else {})
        return None  # not ours (e.g. written by an older version): start afresh


@dataclass(frozen=True)
class FetchedFile:
    """The update's photo or document, fetched before the transaction: its bytes, or why
    there are none (`refusal`: too big, a failed or cut download)."""

    data: bytes | None = None
    refusal: Exception | None = None


@dataclass
class Turn:
    update: Update
    uow: UnitOfWork
    conversation: ConversationState | None = None
    file: FetchedFile | None = None
    outbox: Outbox = field(default_factory=Outbox)
    changed: bool = False  # the conversation must be written back
    failure: BaseException | None = None  # a handler raised: the turn is rolled back
    rules: Rules | None = None  # this turn's (slow work prepared before its transaction)
    chat_blocked: bool = False  # read with the claim: the chat has a "blocked the bot" mark
    voided_invoices: bool = False  # read with the claim: void invoices the member was not told of
    language: Language = DEFAULT_LANGUAGE  # read with the claim: the member's (domain/languages.py)

    # -- the member's language ------------------------------------------------------------

    def gettext(self, message: str, /, **values: Any) -> str:
        """`message` in the member's language, its named placeholders filled in."""
        return speaker(self.language).gettext(message, **values)

    def ngettext(self, singular: str, plural: str, count: int, /, **values: Any) -> str:
        """The singular or plural form for `count` ({count}), in the member's language."""
        return speaker(self.language).ngettext(singular, plural, count, **values)

    def clock(self, moment: time | datetime) -> str:
        """A time of day as the member's language writes it ("3:45 PM", "15:45")."""
        return speaker(self.language).clock(moment)

    def explain(self, error: DomainError) -> str:
        """A use case's error in the member's language, escaped for HTML: its template
        translated, then its values (a value marked as a sentence translated too)."""
        return escape(speaker(self.language).explain(error))

    # -- the conversation ----------------------------------------------------------------

    def in_conversation(self, name: str) -> ConversationState | None:
        current = self.conversation
        return current if current is not None and current.name == name else None

    def enter(self, name: str, state: str) -> None:
        """Be in `state` of conversation `name` (keeping its data if already in it)."""
        current = self.conversation
        if current is not None and current.name == name:
            if current.state == state:
                return
            current.state = state
        else:
            self.conversation = ConversationState(name, state)
        self.changed = True

    def end(self) -> None:
        if self.conversation is not None:
            self.conversation = None
            self.changed = True

    def resume(self, conversation: ConversationState) -> None:
        """Be back in a conversation that was set aside (an entry point started nothing)."""
        self.conversation = conversation
        self.changed = True

    def remember(self, name: str, **data: Any) -> None:
        """Keep data with conversation `name` while it runs."""
        current = self.in_conversation(name)
        if current is not None:
            current.data.update(data)
            self.changed = True

    def recall(self, name: str) -> dict[str, Any]:
        current = self.in_conversation(name)
        return current.data if current is not None else {}

    def forget(self, name: str, key: str) -> Any:
        current = self.in_conversation(name)
        if current is None or key not in current.data:
            return None
        self.changed = True
        return current.data.pop(key)

    # -- replies (recorded; sent after the commit) ---------------------------------------

    @property
    def chat_id(self) -> int | None:
        chat = self.update.effective_chat
        return chat.id if chat is not None else None

    def say(self, text: str, markup: Markup | None = None) -> None:
        """A new message into the chat the update came from (inline buttons, or a reply
        keyboard such as "Share my phone number", or its removal)."""
        if self.chat_id is not None:
            self.outbox.send_message(self.chat_id, text, markup)

    def answer_button(self, text: str | None = None) -> None:
        """Acknowledge a button press (Telegram shows a spinner until this), once."""
        query = self.update.callback_query
        if query is not None:
            self.outbox.answer_button(query.id, text)

    def edit_or_say(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        """Edit the message whose button was pressed, else send a new one. Nothing when it
        already shows exactly that (Telegram refuses an edit that changes nothing)."""
        query = self.update.callback_query
        if query is not None and isinstance(query.message, Message) and self.chat_id is not None:
            shown = query.message
            if shown.text == html_to_plain(text) and shown.reply_markup == markup:
                return
            self.outbox.edit_message(self.chat_id, shown.message_id, text, markup)
            return
        self.say(text, markup)

    def delete_message(self) -> None:
        """Delete the member's message (e.g. it carried a password)."""
        message = self.update.effective_message
        if message is not None:
            self.outbox.delete_message(message.chat_id, message.message_id)

    def send_email(self, message: MailMessage) -> None:
        """An email (a one-time code), sent only once the turn has committed; held in memory,
        never in the database (it may hold a code)."""
        self.outbox.send_email(self.chat_id, replace(message, language=self.language))

    def answer_pre_checkout(self, error: str | None) -> None:
        query = self.update.pre_checkout_query
        if query is not None:
            self.outbox.answer_pre_checkout(query.id, error)

    def send_invoice(
        self, *, title: str, description: str, payload: str, prices: Sequence[tuple[str, int]]
    ) -> None:
        """A Telegram invoice (USD; the provider token is added when it is sent)."""
        if self.chat_id is not None:
            self.outbox.send_invoice(
                self.chat_id, title, description, payload, prices, self.language
            )

    def send_receipt(self, receipt: ReceiptData, filename: str, caption: str) -> None:
        """A receipt PDF, built after the commit, when it is sent (not in the transaction)."""
        if self.chat_id is not None:
            self.outbox.send_receipt(self.chat_id, receipt, filename, caption, self.language)

    def send_proof(self, proof_id: int, filename: str, caption: str) -> None:
        """A stored certificate file, read from the database when it is sent."""
        if self.chat_id is not None:
            self.outbox.send_proof(self.chat_id, proof_id, filename, caption, self.language)


class Turns:
    """The turns in progress, by update id: bot/ registers a turn around the handlers, the
    context factory and the conversation router look it up."""

    def __init__(self) -> None:
        self._by_update: dict[int, Turn] = {}

    def open(self, turn: Turn) -> None:
        self._by_update[turn.update.update_id] = turn

    def close(self, turn: Turn) -> None:
        self._by_update.pop(turn.update.update_id, None)

    def of(self, update: object) -> Turn | None:
        if not isinstance(update, Update):
            return None
        return self._by_update.get(update.update_id)
