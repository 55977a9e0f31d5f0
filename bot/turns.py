"""One update, one turn, one transaction.

    fetch the update's file (no transaction open) ─► BEGIN ─► claim the update in the inbox
    with the member's conversation (one statement, which also says whether the chat is marked
    blocked, whether the member has void invoices to be told about, and the member's language)
    ─► the handlers, given the turn (every
    use case runs in this transaction; replies are recorded, not sent) ─► mark it done, with
    the replies and the conversation ─► COMMIT ─► send the replies ─► clear them

Slow work a use case needs (an argon2 check: domain/slow_work.py) is not done inside the
transaction: the turn rolls back, the work runs with no transaction open, and the turn runs
again with its result. A failure before the commit leaves nothing behind: the update stays pending in the inbox
and the dispatcher (bot/dispatcher.py) tries it again. An update already done (or, on
PostgreSQL, being handled by another process) is not claimed and changes nothing. Replies
a kill kept from going out are sent at the next start (`send_unsent`).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from telegram import Update, User

from bot.errors import DATABASE_DOWN, PARKED, in_language_of
from bot.reply_clearing import ReplyClearer
from domain import languages
from domain.languages import KeptLanguage, Language
from domain.ports import MailMessage, UnitOfWork
from domain.rules import Rules
from domain.services.languages import keep_telegram_language
from domain.slow_work import Prepared, WorkNeeded
from handlers.context import ChatApplication, Dependencies
from handlers.files import prefetch
from handlers.outbox import Reply, Sender
from handlers.turn import ConversationState, FetchedFile, Turn
from storage import inbox
from storage.database import Database
from storage.inbox import Received, conversation_key

log = logging.getLogger(__name__)

PRUNE_EVERY = 1_000  # turns
MAX_PREPARED = 4  # slow results one update may need (a login: one argon2 check)


class UpdateFailed(Exception):
    """A handler raised: the update's transaction was rolled back."""

    def __init__(self, update_id: int, cause: BaseException) -> None:
        super().__init__(f"update {update_id} failed: {type(cause).__name__}")
        self.cause = cause


def cause_of(error: BaseException) -> BaseException:
    return error.cause if isinstance(error, UpdateFailed) else error


class TurnRunner:
    def __init__(
        self,
        application: ChatApplication,
        database: Database,
        sender: Sender,
        deps: Dependencies,
    ) -> None:
        self.application = application
        self.database = database
        self.sender = sender
        self.turns = deps.turns
        self.rules = deps.rules
        self.clearer = ReplyClearer(self._clear)
        self._handled = 0

    def parse(self, received: Received) -> Update:
        return Update.de_json(received.payload, self.application.bot)

    async def run(self, received: Received, update: Update | None = None) -> None:
        """Handle the update once; raises if it must be tried again."""
        update = update or self.parse(received)
        fetched = await prefetch(update, self.application.bot)
        prepared = Prepared()  # argon2 and the like: done between attempts, not inside one
        rules = replace(self.rules, slow=prepared)
        while True:
            try:
                outcome = await self._turn(update, fetched, rules)
                break
            except WorkNeeded as needed:
                if len(prepared) >= MAX_PREPARED:
                    raise UpdateFailed(update.update_id, needed) from None
                await prepared.do(needed)  # no transaction open
        if outcome is None:
            return  # done before, or another process has it
        replies, emails = outcome
        # Committed: now the email goes (before the reply that announces it); the member
        # reads it failed after that reply.
        failed = await self.sender.send_emails(emails) if emails else []
        await self._send(update.update_id, replies)
        if failed:
            await self.sender.tell_mail_failed(failed)
        self._handled += 1
        if self._handled % PRUNE_EVERY == 0:
            async with self.database.transaction() as (connection, _):
                await inbox.prune(connection)

    async def _turn(
        self, update: Update, fetched: FetchedFile | None, rules: Rules
    ) -> tuple[list[Reply], list[tuple[int | None, MailMessage]]] | None:
        """One transaction: claim, the handlers, done. The replies and emails to send (None:
        nothing was claimed). Raises WorkNeeded or UpdateFailed after rolling back."""
        key = _key(update)
        taken: list[int] = []  # sent replies of earlier updates, cleared with this commit
        try:
            outcome = await self._claim_and_handle(update, fetched, rules, key, taken)
        except BaseException:
            self.clearer.returned(taken)
            raise
        if taken:
            self.clearer.cleared()
        return outcome

    async def _claim_and_handle(
        self,
        update: Update,
        fetched: FetchedFile | None,
        rules: Rules,
        key: str | None,
        taken: list[int],
    ) -> tuple[list[Reply], list[tuple[int | None, MailMessage]]] | None:
        async with self.database.transaction() as (connection, uow):
            chat, user = update.effective_chat, update.effective_user
            claim = await inbox.claim(
                connection,
                update.update_id,
                key,
                chat.id if chat is not None else None,
                user.id if user is not None else None,
            )
            if claim is None:
                return None
            language = await _language(uow, rules, user, claim.language)
            turn = Turn(
                update,
                uow,
                conversation=ConversationState.from_json(claim.conversation),
                file=fetched,
                rules=rules,
                chat_blocked=claim.chat_blocked,
                voided_invoices=claim.voided_invoices,
                language=language,
            )
            self.turns.open(turn)
            try:
                await self.application.process_update(update)
            finally:
                self.turns.close(turn)
            if isinstance(turn.failure, WorkNeeded):
                raise turn.failure  # rolls back; the work is done outside, then again
            if turn.failure is not None:
                raise UpdateFailed(update.update_id, turn.failure)  # rolls back
            conversation = None
            if key is not None and turn.changed:
                state = turn.conversation
                conversation = (key, state.to_json() if state is not None else None)
            replies = turn.outbox.replies
            taken.extend(self.clearer.take())
            await inbox.finish(
                connection, update.update_id, _now(), replies, conversation, cleared=taken
            )
        return replies, turn.outbox.emails

    async def send_unsent(self) -> None:
        """At start-up: the replies committed before a kill but never sent."""
        async with self.database.transaction() as (connection, _):
            waiting = await inbox.unsent(connection)
        for update_id, replies in waiting:
            log.info("update %s: sending %d replies kept from before", update_id, len(replies))
            await self._send(update_id, replies)

    async def _send(self, update_id: int, replies: list[Reply]) -> None:
        """Send the committed replies, then clear them. If sending fails, the ones not sent
        are kept (and sent at the next start); the failure is logged, not raised: the update
        itself is done. If only the clearing fails, that is bookkeeping: logged."""
        if not replies:
            return
        sent = 0
        try:
            sent = await self.sender.send(replies)
        except Exception as exc:
            log.warning("update %s: replies not sent: %s", update_id, type(exc).__name__)
        try:
            if sent == len(replies):
                self.clearer.sent(update_id)  # cleared with the next transaction
            elif sent:  # (none sent: what is kept is still right)
                async with self.database.transaction() as (connection, _):
                    await inbox.keep_replies(connection, update_id, replies[sent:])
        except Exception as exc:
            log.warning("update %s: replies not cleared: %s", update_id, type(exc).__name__)

    async def _clear(self, update_ids: list[int]) -> None:
        async with self.database.transaction() as (connection, _):
            await inbox.clear_replies(connection, update_ids)

    # -- failures (bot/dispatcher.py decides when) --------------------------------------

    async def record_failure(
        self, update_id: int, error: BaseException, retry_at: datetime | None
    ) -> inbox.Failure:
        cause = cause_of(error)
        async with self.database.transaction() as (connection, _):
            return await inbox.failed(
                connection, update_id, f"{type(cause).__name__}: {cause}", retry_at
            )

    async def tell_outage(self, received: Received) -> None:
        """The member is told once that their message waits for the database."""
        await self._tell(received, DATABASE_DOWN)
        with contextlib.suppress(Exception):  # the mark is best effort in an outage
            async with self.database.transaction() as (connection, _):
                await inbox.told(connection, received.update_id)

    async def park(self, received: Received, attempts: int, error: BaseException) -> None:
        """Give up on an update that keeps failing: keep it for staff, done, and say so."""
        cause = cause_of(error)
        log.error(
            "update %s parked after %d attempts: %s",
            received.update_id,
            attempts,
            type(cause).__name__,
            exc_info=cause,
        )
        async with self.database.transaction() as (connection, _):
            await inbox.park(connection, received.update_id, redacted(received.payload), _now())
        await self._tell(received, PARKED)

    async def _tell(self, received: Received, text: str) -> None:
        if received.chat_id is None or received.chat_id != received.user_id:
            return  # a private chat's id is its member's: only those are answered
        with contextlib.suppress(Exception):  # telling is best effort; the update is kept
            text = in_language_of(text, self.parse(received))
            await self.sender.send(
                [{"method": "sendMessage", "chat_id": received.chat_id, "text": text}]
            )

    async def close(self) -> None:
        await self.clearer.close()


async def _language(
    uow: UnitOfWork, rules: Rules, user: User | None, kept: KeptLanguage | None
) -> Language:
    """The member's language for this turn; Telegram's is kept when it changed (what the
    bot sends on its own, reminders and notices, is then in it too)."""
    if user is None:
        return languages.of_telegram(None) if kept is None else kept.language
    language, changed = languages.in_use(kept, user.language_code)
    if changed:
        await keep_telegram_language(uow, rules, user.id, language)
    return language


def _key(update: Update) -> str | None:
    if update.effective_chat is None or update.effective_user is None:
        return None
    return conversation_key(update.effective_chat.id, update.effective_user.id)


def _now() -> datetime:
    return datetime.now(UTC)


def received_of(update: Update) -> Received:
    chat, user = update.effective_chat, update.effective_user
    return Received(
        update.update_id,
        chat.id if chat is not None else None,
        user.id if user is not None else None,
        update.to_dict(),
    )


TYPED = ("text", "caption")  # what a member typed: maybe a password, never kept


def redacted(payload: dict[str, Any]) -> dict[str, Any]:
    """The update as JSON for staff, without anything the member typed."""
    data = dict(payload)
    for name, part in data.items():
        if isinstance(part, dict):
            data[name] = {k: "[redacted]" if k in TYPED else v for k, v in part.items()}
    return data
