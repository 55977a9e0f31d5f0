"""Conversations, one at a time per member, their state in the update's transaction.

A `Conversation` is defined like python-telegram-bot's ConversationHandler (entry points,
states, fallbacks; a callback returns the next state, `END`, or None to stay). All of them
are served by one handler, `Conversations`, which reads and moves the member's one
conversation on the turn (handlers/turn.py):

- an entry point of any conversation starts it; if the member was in another one, that one
  ends and the member is told in a few words (its `leaving` line) — a renewal's answers are
  saved as they are given, so `/renew` picks it up again;
- otherwise only the handlers of the state the member is in, then that conversation's
  fallbacks, are tried: `/cancel` ends the conversation in front of the member, and an
  answer meant for one conversation can never land in another;
- an edited message never answers a question nor runs a command: the member is told, and
  nothing else happens (inside a conversation the router says so; outside one,
  `edited_elsewhere`, registered right after the router, does).

Free text inside a conversation (issue 21, "lost in the conversation"). The rule: while a
conversation is running, a message is that conversation's — an answer, or its "please answer"
fallback — whatever it sounds like. A title "Renew your mindset workshop" or a provider "How
many CECs" is an answer, never a question to the bot. Exactly one thing escapes: a message
that is nothing but "cancel", "stop" or "quit" (`domain.intents.is_cancel_word`: the whole
message, any case, punctuation around it ignored) ends the conversation as `/cancel` does; it
is tried before the state's handlers. No answer the bot needs can be one of these words:
own usernames may not be them (domain/credentials.py), passwords are longer, and a title or
provider that is a bare "stop" is far less likely than a member who wants out. Everything
else in free text ("when is my deadline?", "hi", "menu") is understood only outside a
conversation (handlers/free_text.py), and a conversation that free text can start (the
renewal: "I want to renew") lists it in `text_entry_points`, tried only when the member is in
no conversation.

Exits (`/logout`) run whatever the member is doing: the conversation in front of them ends
with its `leaving` line, then the exit's callback runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram.ext import (
    Application,
    BaseHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from domain.intents import is_cancel_word
from handlers.context import ChatContext
from handlers.turn import Turns
from i18n import N_

END = ConversationHandler.END
FILES = filters.PHOTO | filters.Document.ALL
# A conversation's "please answer the question" fallback: any new private message that is not
# a command nor a file (a file goes to the flow that takes files: handlers/tracker.py; payments
# and service messages never reach it: group -1 takes them first).
STRAY_MESSAGE = filters.ChatType.PRIVATE & ~filters.COMMAND & ~filters.UpdateType.EDITED & ~FILES

EDITED = N_(
    "I only read new messages, so that edit changed nothing. Please send your answer again "
    "as a new message."
)
EDITED_DELETED = N_(
    "I only read new messages, so that edit changed nothing. I deleted it, as it may hold a "
    "password; please send your answer again as a new message."
)
EDITED_OUTSIDE = N_(
    "I only read new messages, so that edit changed nothing. If you meant it, send it again "
    "as a new message."
)
# Any edited message (an old message changed): never a command, an answer or a question.
EDITED_MESSAGE = filters.UpdateType.EDITED

Handlers = Sequence[BaseHandler[Update, ChatContext, Any]]


class _TypedCancel(filters.MessageFilter):
    """A new text message that is only "cancel", "stop" or "quit" (not the command)."""

    def filter(self, message: Message) -> bool:
        return message.text is not None and is_cancel_word(message.text)


TYPED_CANCEL = _TypedCancel(name="TYPED_CANCEL") & ~filters.UpdateType.EDITED


async def edited_elsewhere(update: Update, context: ChatContext) -> None:
    """An edited message outside any conversation (the router answers those inside one):
    registered right after the router, before every command and free-text handler, so
    editing an old message into /logout or a question does nothing but say so."""
    context.turn.say(context.turn.gettext(EDITED_OUTSIDE))


async def please_answer(update: Update, context: ChatContext) -> None:
    """The usual STRAY_MESSAGE answer of a conversation that asks questions."""
    context.turn.say(
        context.turn.gettext("Please answer the question above, use its buttons, or /cancel.")
    )


@dataclass
class Conversation:
    name: str
    entry_points: Handlers
    states: Mapping[str, Handlers]
    fallbacks: Handlers
    leaving: str = ""  # said (translated: mark it N_) when another conversation takes over
    # Its answers may be secrets (login, password change): an edited message, ignored as in
    # every conversation, is also deleted from the chat, since it may now hold a password.
    secret: bool = False
    # Free-text entry points ("I want to renew"): tried only when the member is in no
    # conversation, so an answer to a question is never taken for one.
    text_entry_points: Handlers = ()
    _states: dict[str, list[BaseHandler[Update, ChatContext, Any]]] = field(init=False, repr=False)
    # A typed "cancel" alone, before the state's handlers: the callback of its /cancel.
    escapes: Handlers = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._states = {state: list(handlers) for state, handlers in self.states.items()}
        self.escapes = [
            MessageHandler(TYPED_CANCEL, handler.callback)
            for handler in self.fallbacks
            if isinstance(handler, CommandHandler) and "cancel" in handler.commands
        ][:1]

    def handlers_of(self, state: str) -> Handlers:
        return self._states.get(state, [])


@dataclass(frozen=True)
class _Match:
    conversation: Conversation | None  # None: an edited message while in a conversation
    handler: BaseHandler[Update, ChatContext, Any] | None
    check: Any
    entering: bool
    exiting: bool = False  # an exit (/logout): end the conversation, then run it


def _match(handlers: Handlers, update: Update) -> tuple[Any, Any] | None:
    for handler in handlers:
        check = handler.check_update(update)
        if check is not None and check is not False:
            return handler, check
    return None


async def _never_called(update: Update, context: ChatContext) -> None:  # pragma: no cover
    raise AssertionError("Conversations.handle_update runs the matched handler's callback")


class Conversations(BaseHandler[Update, ChatContext, Any]):
    """The one handler that serves every conversation (see the module's docstring)."""

    def __init__(
        self, conversations: Sequence[Conversation], turns: Turns, exits: Handlers = ()
    ) -> None:
        super().__init__(_never_called)
        self.conversations = list(conversations)
        self.by_name = {c.name: c for c in self.conversations}
        self.turns = turns
        self.exits = list(exits)

    def all_handlers(self) -> list[BaseHandler[Update, ChatContext, Any]]:
        """Every handler the router may run (e.g. to list the commands it knows)."""
        found = list(self.exits)
        for c in self.conversations:
            found += [*c.entry_points, *c.text_entry_points, *c.fallbacks]
            for handlers in c.states.values():
                found += handlers
        return found

    def check_update(self, update: object) -> _Match | None:
        turn = self.turns.of(update)
        if turn is None or not isinstance(update, Update) or update.effective_user is None:
            return None
        current = turn.conversation
        active = self.by_name.get(current.name) if current is not None else None
        if update.edited_message is not None:  # an old message changed: never an answer
            return _Match(None, None, None, entering=False) if active is not None else None
        found = _match(self.exits, update)
        if found is not None:
            return _Match(active, found[0], found[1], entering=False, exiting=True)
        for conversation in self.conversations:
            found = _match(conversation.entry_points, update)
            if found is not None:
                return _Match(conversation, found[0], found[1], entering=True)
        if active is None or current is None:
            for conversation in self.conversations:
                found = _match(conversation.text_entry_points, update)
                if found is not None:
                    return _Match(conversation, found[0], found[1], entering=True)
            return None
        found = (
            _match(active.escapes, update)
            or _match(active.handlers_of(current.state), update)
            or _match(active.fallbacks, update)
        )
        if found is None:
            return None
        return _Match(active, found[0], found[1], entering=False)

    async def handle_update(  # type: ignore[override]
        self,
        update: Update,
        application: Application[Any, ChatContext, Any, Any, Any, Any],
        check_result: _Match,
        context: ChatContext,
    ) -> None:
        turn = context.turn
        conversation, handler = check_result.conversation, check_result.handler
        if check_result.exiting and handler is not None:
            if turn.conversation is not None:  # the one in front of the member ends, and says so
                turn.end()
                if conversation is not None and conversation.leaving:
                    turn.say(turn.gettext(conversation.leaving))
            handler.collect_additional_context(context, update, application, check_result.check)
            await handler.callback(update, context)
            return
        if conversation is None or handler is None:
            current = turn.conversation
            active = self.by_name.get(current.name) if current is not None else None
            if active is not None and active.secret:
                turn.delete_message()
                turn.say(turn.gettext(EDITED_DELETED))
                return
            turn.say(turn.gettext(EDITED))
            return
        handler.collect_additional_context(context, update, application, check_result.check)
        left = turn.conversation if check_result.entering else None
        if left is not None:
            turn.end()  # a fresh start: nothing typed before is kept
        told_at = len(turn.outbox.replies)
        new_state = await handler.callback(update, context)
        if new_state is None or new_state == END:
            if new_state == END:
                turn.end()
            # An entry point that started nothing leaves the member where they were (unless
            # it ended that very conversation).
            keep_left = new_state is None or (left is not None and left.name != conversation.name)
            if left is not None and turn.conversation is None and keep_left:
                turn.resume(left)
            return
        if left is not None and left.name != conversation.name:
            leaving = self.by_name[left.name].leaving if left.name in self.by_name else ""
            if leaving and turn.chat_id is not None:
                turn.outbox.insert_message(told_at, turn.chat_id, turn.gettext(leaving))
        turn.enter(conversation.name, str(new_state))
