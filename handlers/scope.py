"""What one Telegram update carries while it is handled: its unit of work, the member's
conversation states, and the replies to send once its transaction has committed.

bot/ (the update runner) opens a scope around `Application.process_update`; handlers reach
it through `current_scope()`. Outside a scope (a job, a test of a single handler) handlers
fall back to a fresh unit of work per use case and send at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from domain.ports import UnitOfWork
from handlers.outbox import Outbox

ConversationKey = tuple[int, int]  # (chat id, user id)


@dataclass
class ConversationState:
    """Where a member is in one conversation, and the little it remembers (e.g. the username
    typed before the password). Ends, and is deleted, when the conversation ends."""

    state: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> Any:
        return {"state": self.state, "data": self.data} if self.data else self.state

    @classmethod
    def from_json(cls, value: Any) -> ConversationState | None:
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, dict) and isinstance(value.get("state"), str):
            return cls(value["state"], dict(value.get("data") or {}))
        return None  # not ours (e.g. a state written by an older version): start afresh


@dataclass
class UpdateScope:
    update_id: int
    uow_factory: Callable[[], UnitOfWork]
    key: ConversationKey | None
    conversations: dict[str, ConversationState]  # as loaded; changed in place
    outbox: Outbox = field(default_factory=Outbox)
    changed: set[str] = field(default_factory=set)  # conversation names to write back
    error: BaseException | None = None  # a handler failed: the update is rolled back

    def conversation(self, name: str) -> ConversationState | None:
        return self.conversations.get(name)

    def move(self, name: str, state: str | None) -> None:
        """Enter `state` (keeping the conversation's data), or end the conversation (None)."""
        current = self.conversations.get(name)
        if state is None:
            if current is None:
                return
            del self.conversations[name]
        elif current is None:
            self.conversations[name] = ConversationState(state)
        elif current.state != state:
            current.state = state
        else:
            return
        self.changed.add(name)

    def remember(self, name: str, **data: Any) -> None:
        """Keep data with a running conversation (written in the update's transaction)."""
        current = self.conversations.get(name)
        if current is not None:
            current.data.update(data)
            self.changed.add(name)

    def forget(self, name: str, key: str) -> Any:
        current = self.conversations.get(name)
        if current is None or key not in current.data:
            return None
        self.changed.add(name)
        return current.data.pop(key)


_CURRENT: ContextVar[UpdateScope | None] = ContextVar("acsm_update_scope", default=None)


def current_scope() -> UpdateScope | None:
    return _CURRENT.get()


def enter_scope(scope: UpdateScope) -> Callable[[], None]:
    """Make `scope` current for this task; call the result to leave it."""
    token = _CURRENT.set(scope)
    return lambda: _CURRENT.reset(token)
