"""One Telegram update, one unit of work.

    claim the update id ─► load the member's conversation states ─► run the handlers (every
    use case joins this transaction as a savepoint; replies are recorded, not sent) ─► write
    the changed states and the replies ─► COMMIT ─► send the replies ─► clear them

A failure before the commit leaves nothing behind, and the update is not confirmed to
Telegram, so it is tried again. A redelivered update finds its id claimed: it sends whatever
replies a kill kept from going out, and changes nothing. Used by the poller (bot/polling.py)
and the webhook server (bot/webhook.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from telegram import Update

from bot.errors import DATABASE_DOWN, PARKED, is_database_outage
from bot.reply_clearing import ReplyClearer
from handlers.context import ChatApplication
from handlers.conversation import Conversation
from handlers.outbox import Sender
from handlers.scope import ConversationState, UpdateScope, enter_scope
from storage.database import Database
from storage.unit_of_work import SqlAlchemyUnitOfWork
from storage.update_records import UpdateRecords, conversation_key, prune_processed

log = logging.getLogger(__name__)

PRUNE_EVERY = 1_000  # updates


class UpdateFailed(Exception):
    """A handler raised: the update's transaction was rolled back."""

    def __init__(self, update_id: int, cause: BaseException) -> None:
        super().__init__(f"update {update_id} failed: {type(cause).__name__}")
        self.cause = cause


class UpdateRunner:
    def __init__(self, application: ChatApplication, database: Database, sender: Sender) -> None:
        self.application = application
        self.database = database
        self.sender = sender
        self.conversations = [
            h.name
            for group in application.handlers.values()
            for h in group
            if isinstance(h, Conversation)
        ]
        # SQLite has one writer at a time: queue here rather than in its busy handler.
        self._write_lock = asyncio.Lock() if database.url.startswith("sqlite") else None
        self._clearer = ReplyClearer(self._transaction)
        self._told: set[int] = set()  # updates whose member was told of a failure
        self._handled = 0

    @property
    def write_lock(self) -> asyncio.Lock | None:
        """SQLite's one writer, queued in-process (jobs that write share it)."""
        return self._write_lock

    @contextlib.asynccontextmanager
    async def _transaction(self) -> AsyncIterator[UpdateRecords]:
        async with contextlib.AsyncExitStack() as stack:
            if self._write_lock is not None:
                await stack.enter_async_context(self._write_lock)
            connection = await stack.enter_async_context(self.database.connect())
            await stack.enter_async_context(connection.begin())
            yield UpdateRecords(connection)

    async def handle(self, update: Update) -> None:
        """Handle the update exactly once; raises if it must be tried again."""
        now = datetime.now(UTC)
        key = self._key(update)
        async with self._transaction() as records:
            if not await records.claim(update.update_id, now):
                replies = await records.unsent_replies(update.update_id)
                handled_before = True
            else:
                handled_before = False
                scope = await self._scope(update, records, key)
                leave = enter_scope(scope)
                try:
                    await self.application.process_update(update)
                finally:
                    leave()
                if scope.error is not None:
                    raise UpdateFailed(update.update_id, scope.error)  # rolls back
                if key is not None and scope.changed:
                    await records.save_conversations(
                        conversation_key(*key),
                        {
                            name: (
                                state.to_json()
                                if (state := scope.conversations.get(name)) is not None
                                else None
                            )
                            for name in scope.changed
                        },
                    )
                replies = scope.outbox.replies
                if replies:
                    await records.keep_replies(update.update_id, replies)
        if handled_before:
            log.info(
                "update %s delivered again: %d replies to resend", update.update_id, len(replies)
            )
        await self._send(update.update_id, replies)
        self._handled += 1
        if self._handled % PRUNE_EVERY == 0:
            async with self._write_lock or contextlib.nullcontext():  # SQLite: queued
                await prune_processed(self.database.engine)

    async def _scope(
        self, update: Update, records: UpdateRecords, key: tuple[int, int] | None
    ) -> UpdateScope:
        states: dict[str, ConversationState] = {}
        if key is not None and self.conversations:
            loaded = await records.conversations(conversation_key(*key), self.conversations)
            for name, value in loaded.items():
                if (state := ConversationState.from_json(value)) is not None:
                    states[name] = state
        connection = records.connection
        return UpdateScope(
            update_id=update.update_id,
            uow_factory=lambda: SqlAlchemyUnitOfWork(connection=connection),
            key=key,
            conversations=states,
        )

    async def _send(self, update_id: int, replies: list[dict[str, Any]]) -> None:
        """Send the committed replies, then clear them. If sending fails, the ones not sent
        are kept and the failure propagates (the update is tried again and sends them). If
        only the clearing fails, that is bookkeeping: logged, and the update counts as done
        (confirmed to Telegram, so never redelivered; the row is pruned with age)."""
        if not replies:
            return
        sent = 0
        try:
            sent = await self.sender.send(replies)
        finally:
            try:
                if sent == len(replies):
                    await self._clearer.clear(update_id)  # with others sent meanwhile
                elif sent:  # (none sent: what is kept is still right)
                    async with self._transaction() as records:
                        await records.keep_replies(update_id, replies[sent:])
            except Exception as exc:
                log.warning(
                    "update %s: replies sent, not cleared: %s", update_id, type(exc).__name__
                )
                if sent < len(replies):
                    raise

    @staticmethod
    def _key(update: Update) -> tuple[int, int] | None:
        if update.effective_chat is None or update.effective_user is None:
            return None
        return update.effective_chat.id, update.effective_user.id

    # -- failures -------------------------------------------------------------------

    async def tell_once(self, update: Update, error: BaseException) -> None:
        """After a failed attempt: a database outage is told to the member once per update
        (the update is kept and tried again); other failures are told when parked."""
        if update.update_id in self._told or not is_database_outage(_cause(error)):
            return
        await self._tell(update, DATABASE_DOWN)

    async def park(self, update: Update, attempts: int, error: BaseException) -> None:
        """Give up on an update that keeps failing: keep it for staff, confirm it, say so."""
        cause = _cause(error)
        log.error(
            "update %s parked after %d attempts: %s",
            update.update_id,
            attempts,
            type(cause).__name__,
            exc_info=cause,
        )
        user = update.effective_user
        async with self._transaction() as records:
            await records.park(
                update.update_id,
                user.id if user is not None else None,
                attempts,
                f"{type(cause).__name__}: {cause}",
                redacted(update),
                datetime.now(UTC),
            )
        await self._tell(update, PARKED)

    async def _tell(self, update: Update, text: str) -> None:
        self._told.add(update.update_id)
        if len(self._told) > 10_000:
            self._told.clear()
        chat = update.effective_chat
        if chat is None or chat.type != chat.PRIVATE:
            return
        with contextlib.suppress(Exception):  # telling is best effort; the update is kept
            await self.sender.send([{"method": "sendMessage", "chat_id": chat.id, "text": text}])


TYPED = ("text", "caption")  # what a member typed: maybe a password, never kept


def redacted(update: Update) -> dict[str, Any]:
    """The update as JSON for staff, without anything the member typed."""
    data = update.to_dict()
    for part in data.values():
        if isinstance(part, dict):
            for field in TYPED:
                if field in part:
                    part[field] = "[redacted]"
    return data


def _cause(error: BaseException) -> BaseException:
    return error.cause if isinstance(error, UpdateFailed) else error
