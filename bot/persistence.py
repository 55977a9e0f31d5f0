"""python-telegram-bot persistence backed by our database.

Stores conversation states and user_data (never bot_data/chat_data). `Application`
calls `update_persistence()` on a timer; we also call it after every update
(see bot/app.py) so a kill at any moment loses nothing a member typed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from telegram.ext import BasePersistence, PersistenceInput
from telegram.ext._utils.types import CDCData, ConversationDict, ConversationKey

USER_DATA = "__user_data__"


class ConversationStore(Protocol):
    async def load_all(self, name: str) -> dict[str, Any]: ...
    async def save(self, name: str, key: str, state: Any | None) -> None: ...


def encode_key(key: ConversationKey) -> str:
    return json.dumps(list(key))


def decode_key(text: str) -> ConversationKey:
    return tuple(json.loads(text))


class DatabasePersistence(BasePersistence[dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    def __init__(self, store: ConversationStore, update_interval: float = 60) -> None:
        super().__init__(
            store_data=PersistenceInput(
                bot_data=False, chat_data=False, user_data=True, callback_data=False
            ),
            update_interval=update_interval,
        )
        self.store = store

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self.store.load_all(name)
        return {decode_key(key): state for key, state in rows.items()}

    async def update_conversation(
        self, name: str, key: ConversationKey, new_state: object | None
    ) -> None:
        await self.store.save(name, encode_key(key), new_state)

    async def get_user_data(self) -> dict[int, dict[Any, Any]]:
        rows = await self.store.load_all(USER_DATA)
        return {int(key): dict(value) for key, value in rows.items()}

    async def update_user_data(self, user_id: int, data: dict[Any, Any]) -> None:
        await self.store.save(USER_DATA, str(user_id), data or None)

    async def drop_user_data(self, user_id: int) -> None:
        await self.store.save(USER_DATA, str(user_id), None)

    async def refresh_user_data(self, user_id: int, user_data: dict[Any, Any]) -> None:
        """Nothing to refresh: this process is the only writer."""

    # Not stored: chat data, bot data, callback data.
    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        return {}

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        return None

    async def drop_chat_data(self, chat_id: int) -> None:
        return None

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        return None

    async def get_bot_data(self) -> dict[Any, Any]:
        return {}

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        return None

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        return None

    async def get_callback_data(self) -> CDCData | None:
        return None

    async def update_callback_data(self, data: CDCData) -> None:
        return None

    async def flush(self) -> None:
        return None


FlushHook = Callable[[], Awaitable[None]]
