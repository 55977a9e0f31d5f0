"""A conversation whose state lives in the update's transaction, not in memory.

Like python-telegram-bot's ConversationHandler (entry points, states, fallbacks; a callback
returns the next state, `END`, or None to stay), except that the member's state is read from
the update scope (loaded from the database when the update's transaction began) and written
back in that same transaction. So a state can never be ahead of the data it describes (a
renewal draft, a payment), a failed update leaves no trace of its state change, and several
processes can serve one database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseHandler, ConversationHandler, MessageHandler, filters

from handlers.context import ChatContext
from handlers.replies import say
from handlers.scope import current_scope

END = ConversationHandler.END
# A conversation's "please answer the question" fallback: any new private message that is not
# a command (payments and service messages never reach it: group -1 takes them first).
STRAY_MESSAGE = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.UpdateType.EDITED


async def please_answer(update: Update, context: ChatContext) -> None:
    """The usual STRAY_MESSAGE answer of a conversation that asks questions."""
    await say(update, "Please answer the question above, use its buttons, or /cancel.")


EDITED = (
    "I only read new messages, so that edit changed nothing. Please send your answer again "
    "as a new message."
)


async def edited(update: Update, context: ChatContext) -> None:
    """An edited message never answers a question nor cancels: the member is told."""
    await say(update, EDITED)


Handlers = Sequence[BaseHandler[Update, ChatContext, Any]]


async def _never_called(update: Update, context: ChatContext) -> None:  # pragma: no cover
    raise AssertionError("Conversation.handle_update runs the matched handler's callback")


class Conversation(BaseHandler[Update, ChatContext, Any]):
    def __init__(
        self,
        name: str,
        *,
        entry_points: Handlers,
        states: Mapping[str, Handlers],
        fallbacks: Handlers,
    ) -> None:
        super().__init__(_never_called)
        self.name = name
        self.entry_points = list(entry_points)
        self.states = {state: list(handlers) for state, handlers in states.items()}
        self.fallbacks = list(fallbacks)
        self.edits = MessageHandler(filters.UpdateType.EDITED, edited)

    def _match(self, handlers: Handlers, update: Update) -> tuple[Any, Any] | None:
        for handler in handlers:
            check = handler.check_update(update)
            if check is not None and check is not False:
                return handler, check
        return None

    def check_update(self, update: object) -> tuple[Any, Any] | None:
        """Entry points always (a command restarts the conversation), then the handlers of
        the member's current state, then the fallbacks while a conversation is running. An
        edited message matches nothing but the edit notice (while in the conversation)."""
        if not isinstance(update, Update) or update.effective_user is None:
            return None
        scope = current_scope()
        if scope is None:
            return None
        if update.edited_message is not None:  # an old message changed: never an answer
            in_conversation = scope.conversation(self.name) is not None
            return (self.edits, True) if in_conversation else None
        found = self._match(self.entry_points, update)
        if found is not None:
            return found
        current = scope.conversation(self.name)
        if current is None:
            return None
        return self._match(self.states.get(current.state, []), update) or self._match(
            self.fallbacks, update
        )

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: Application[Any, ChatContext, Any, Any, Any, Any],
        check_result: tuple[Any, Any],
        context: ChatContext,
    ) -> None:
        handler, check = check_result
        handler.collect_additional_context(context, update, application, check)
        scope = current_scope()
        assert scope is not None  # check_update matched only inside a scope
        new_state = await handler.callback(update, context)
        if new_state is None:
            return
        scope.move(self.name, None if new_state == END else str(new_state))
