"""Replies recorded while an update is handled and sent once its transaction has committed.

Each reply is plain JSON (a Bot API method and its parameters), so the runner can keep the
replies with the processed update in the same transaction: a kill after the commit leaves
them in the database, and the redelivered update sends them. The payment provider token is
never recorded; it is added when a `sendInvoice` goes out.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from html import unescape
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    InputFile,
    LabeledPrice,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import ExtBot

from domain.languages import DEFAULT, Language, parse
from domain.ports import Mailer, MailMessage
from domain.validation import fit_telegram
from handlers.receipt_pdf import ReceiptData, build_receipt
from i18n import N_, Says, speaker

log = logging.getLogger(__name__)

Reply = dict[str, Any]  # {"method": ..., **params}
# Replies whose refusal leaves the member without an answer: an ERROR in the log.
MESSAGE_METHODS = frozenset(
    {"sendMessage", "editMessageText", "sendInvoice", "sendReceipt", "sendProof"}
)
# Of those, the ones retried as plain text when refused.
TEXT_METHODS = frozenset({"sendMessage", "editMessageText"})
# What the member is told, in plain text, when Telegram refuses one of the others.
# In the member's language: the reply carries it ("language", English when absent).
REFUSED_NOTE = {
    "sendInvoice": N_(
        "Sorry, Telegram would not show the invoice I prepared for you. Our staff can see"
        " what went wrong; please try again later."
    ),
    "sendReceipt": N_(
        "Sorry, Telegram would not take the receipt I prepared for you. Our staff can see"
        " what went wrong; please try again later."
    ),
    "sendProof": N_(
        "Sorry, Telegram would not take your certificate file. Our staff can see what went"
        " wrong; please try again later."
    ),
}
PROOF_GONE = N_("That certificate is no longer kept.")
MAIL_FAILED = N_(
    "Sorry, the email with your code could not be sent just now. Please try again in a few minutes."
)
_TAG = re.compile(r"<[^<>]*>?")


def says_to(reply: Reply) -> Says:
    """The language of the member a reply goes to (recorded with the reply)."""
    return speaker(parse(reply.get("language")) or DEFAULT)


def html_to_plain(html_text: str) -> str:
    """What an HTML reply says, as Telegram shows it: tags dropped, entities read."""
    return unescape(_TAG.sub("", html_text))


def plain_text(html_text: str) -> str:
    """An HTML reply as plain text cut to fit one message (the fallback when Telegram
    refuses the HTML)."""
    return fit_telegram(html_to_plain(html_text).strip()) or "…"


# What a message may carry: inline buttons, or a reply keyboard (e.g. "Share my phone
# number") and its removal.
Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove


def markup_json(markup: Markup | None) -> dict[str, Any] | None:
    return markup.to_dict() if markup is not None else None


def markup_of(data: dict[str, Any] | None, bot: ExtBot[Any]) -> Markup | None:
    """A recorded markup back as the object it was (told apart by its one required field)."""
    if not data:
        return None
    if "keyboard" in data:
        return ReplyKeyboardMarkup.de_json(data, bot)
    if "remove_keyboard" in data:
        return ReplyKeyboardRemove.de_json(data, bot)
    return InlineKeyboardMarkup.de_json(data, bot)


def inline_of(data: dict[str, Any] | None, bot: ExtBot[Any]) -> InlineKeyboardMarkup | None:
    """An edit's markup: only inline buttons can be edited into a message."""
    markup = markup_of(data, bot)
    return markup if isinstance(markup, InlineKeyboardMarkup) else None


@dataclass
class Outbox:
    replies: list[Reply] = field(default_factory=list)
    # Emails (a one-time code): kept in memory only, never written to the database with the
    # replies; sent after the commit (bot/turns.py). A kill before then loses them: the
    # member asks for a new code. (chat to tell if it fails, message)
    emails: list[tuple[int | None, MailMessage]] = field(default_factory=list)
    _answered: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.replies)

    def send_message(self, chat_id: int, text: str, markup: Markup | None = None) -> None:
        self.replies.append(
            {
                "method": "sendMessage",
                "chat_id": chat_id,
                "text": text,
                "markup": markup_json(markup),
            }
        )

    def insert_message(self, index: int, chat_id: int, text: str) -> None:
        """A message before the replies recorded from `index` on."""
        self.replies.insert(
            index, {"method": "sendMessage", "chat_id": chat_id, "text": text, "markup": None}
        )

    def edit_message(
        self, chat_id: int, message_id: int, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Edit a message; if Telegram refuses (too old, deleted), send the text anew."""
        self.replies.append(
            {
                "method": "editMessageText",
                "chat_id": chat_id,
                "message_id": message_id,
                "text": text,
                "markup": markup_json(markup),
            }
        )

    def answer_button(self, query_id: str, text: str | None = None) -> None:
        """Answer a button press once per update (Telegram refuses a second answer)."""
        if query_id in self._answered:
            return
        self._answered.add(query_id)
        self.replies.append({"method": "answerCallbackQuery", "id": query_id, "text": text})

    def answer_pre_checkout(self, query_id: str, error: str | None) -> None:
        self.replies.append({"method": "answerPreCheckoutQuery", "id": query_id, "error": error})

    def delete_message(self, chat_id: int, message_id: int) -> None:
        self.replies.append(
            {"method": "deleteMessage", "chat_id": chat_id, "message_id": message_id}
        )

    def send_email(self, chat_id: int | None, message: MailMessage) -> None:
        self.emails.append((chat_id, message))

    def send_invoice(
        self,
        chat_id: int,
        title: str,
        description: str,
        payload: str,
        prices: Sequence[tuple[str, int]],
        language: Language = DEFAULT,
    ) -> None:
        self.replies.append(
            {
                "method": "sendInvoice",
                "language": language.value,
                "chat_id": chat_id,
                "title": title,
                "description": description,
                "payload": payload,
                "prices": [[label, amount] for label, amount in prices],
            }
        )

    def send_receipt(
        self,
        chat_id: int,
        receipt: ReceiptData,
        filename: str,
        caption: str,
        language: Language = DEFAULT,
    ) -> None:
        """Kept as the receipt's data; the PDF is built when it is sent."""
        self.replies.append(
            {
                "method": "sendReceipt",
                "language": language.value,
                "chat_id": chat_id,
                "receipt": receipt.to_json(),
                "filename": filename,
                "caption": caption,
            }
        )

    def send_proof(
        self,
        chat_id: int,
        proof_id: int,
        filename: str,
        caption: str,
        language: Language = DEFAULT,
    ) -> None:
        """A stored certificate, named by its id: its bytes are read when it is sent."""
        self.replies.append(
            {
                "method": "sendProof",
                "language": language.value,
                "chat_id": chat_id,
                "proof_id": proof_id,
                "filename": filename,
                "caption": caption,
            }
        )


ProofReader = Callable[[int], Awaitable[bytes | None]]  # a proof file's bytes, None if gone


@dataclass(frozen=True)
class Sender:
    """Sends recorded replies with the application's bot (`read_proof`: a stored
    certificate's bytes, read after the commit, for `sendProof`)."""

    bot: ExtBot[Any]
    payment_provider_token: str | None = None
    read_proof: ProofReader | None = None
    mailer: Mailer | None = None

    async def send_emails(
        self, emails: Sequence[tuple[int | None, MailMessage]]
    ) -> list[tuple[int, Language]]:
        """Send each email (after the commit); returns the chats whose email failed, with the
        language to tell them in (the email's). A failure
        is logged (never the text: it holds a code) and not retried: the member asks again."""
        failed = []
        for chat_id, message in emails:
            try:
                if self.mailer is None:
                    raise RuntimeError("no mailer configured")
                await self.mailer.send(message)
            except Exception as exc:
                log.error("email not sent: %s: %s", type(exc).__name__, str(exc)[:200])
                if chat_id is not None:
                    failed.append((chat_id, message.language))
        return failed

    async def tell_mail_failed(self, failed: Sequence[tuple[int, Language]]) -> None:
        for chat_id, language in failed:
            with suppress(BadRequest, Forbidden):
                await self.bot.send_message(chat_id, speaker(language).gettext(MAIL_FAILED))

    async def send(self, replies: Sequence[Reply]) -> int:
        """Send in order; returns how many went out. A reply Telegram refuses for good is
        logged and not sent again: 403 (the member blocked the bot) at INFO; a 400 for a
        message (a bug of ours: bad HTML, too long) is an ERROR, and the text goes again as
        plain text, so the member is never left with silence; other 400s (a button's query
        too old, a message that can no longer be deleted) are WARNINGs. Anything else
        (network, 5xx after retries) propagates, and the caller keeps the rest for later."""
        sent = 0
        for reply in replies:
            try:
                await self._send_one(reply)
            except Forbidden as exc:
                log.info("Telegram refused %s: %s", reply["method"], exc.message)
            except BadRequest as exc:
                await self._refused(reply, exc)
            sent += 1
        return sent

    async def _refused(self, reply: Reply, exc: BadRequest) -> None:
        method = reply["method"]
        if method in REFUSED_NOTE:  # an invoice or a receipt: never silence either
            log.error("Telegram refused %s: %s; telling the member", method, exc.message)
            with suppress(BadRequest, Forbidden):
                await self.bot.send_message(
                    reply["chat_id"], says_to(reply).gettext(REFUSED_NOTE[method])
                )
            return
        if method not in TEXT_METHODS:
            level = logging.ERROR if method in MESSAGE_METHODS else logging.WARNING
            log.log(level, "Telegram refused %s: %s", method, exc.message)
            return
        log.error("Telegram refused %s: %s; sending it again as plain text", method, exc.message)
        text = plain_text(reply["text"])
        markup = markup_of(reply.get("markup"), self.bot)
        for buttons in (markup, None) if markup is not None else (None,):
            try:
                await self.bot.send_message(reply["chat_id"], text, reply_markup=buttons)
                return
            except BadRequest as again:
                log.error("Telegram refused the plain text too: %s", again.message)
            except Forbidden as again:
                log.info("Telegram refused the plain text: %s", again.message)
                return

    async def _send_one(self, reply: Reply) -> None:
        method = reply["method"]
        if method == "sendMessage":
            await self.bot.send_message(
                reply["chat_id"],
                reply["text"],
                reply_markup=markup_of(reply.get("markup"), self.bot),
                parse_mode=ParseMode.HTML,
            )
        elif method == "editMessageText":
            await self._edit(reply, inline_of(reply.get("markup"), self.bot))
        elif method == "answerCallbackQuery":
            await self.bot.answer_callback_query(reply["id"], text=reply.get("text"))
        elif method == "answerPreCheckoutQuery":
            error = reply.get("error")
            await self.bot.answer_pre_checkout_query(
                reply["id"], ok=error is None, error_message=error
            )
        elif method == "deleteMessage":
            await self.bot.delete_message(reply["chat_id"], reply["message_id"])
        elif method == "sendInvoice":
            await self._invoice(reply)
        elif method == "sendReceipt":
            receipt = ReceiptData.from_json(reply["receipt"])
            pdf = await asyncio.to_thread(build_receipt, receipt)  # after the commit
            document = InputFile(pdf, filename=reply["filename"])
            await self.bot.send_document(reply["chat_id"], document, caption=reply["caption"])
        elif method == "sendProof":
            data = await self.read_proof(reply["proof_id"]) if self.read_proof else None
            if data is None:
                await self.bot.send_message(reply["chat_id"], says_to(reply).gettext(PROOF_GONE))
                return
            document = InputFile(data, filename=reply["filename"])
            await self.bot.send_document(reply["chat_id"], document, caption=reply["caption"])
        else:
            log.error("unknown reply method %s: skipped", method)

    async def _edit(self, reply: Reply, markup: InlineKeyboardMarkup | None) -> None:
        try:
            await self.bot.edit_message_text(
                reply["text"],
                chat_id=reply["chat_id"],
                message_id=reply["message_id"],
                reply_markup=markup,
                parse_mode=ParseMode.HTML,
            )
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            log.info("edit refused, sending instead: %s", exc.message)
            await self.bot.send_message(
                reply["chat_id"], reply["text"], reply_markup=markup, parse_mode=ParseMode.HTML
            )

    async def _invoice(self, reply: Reply) -> None:
        if not self.payment_provider_token:
            log.error("an invoice reply without PAYMENT_PROVIDER_TOKEN: skipped")
            return
        await self.bot.send_invoice(
            chat_id=reply["chat_id"],
            title=reply["title"],
            description=reply["description"],
            payload=reply["payload"],
            provider_token=self.payment_provider_token,
            currency="USD",
            prices=[LabeledPrice(label, amount) for label, amount in reply["prices"]],
        )
