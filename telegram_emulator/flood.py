"""Telegram's flood control, approximated with token buckets.

Off unless ``emulator.rate_limit = True``. Limits: about 30 messages a second
overall and 1 a second per chat, each with a small burst allowance.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

COUNTED_PREFIXES = ("send", "edit", "copyMessage", "forwardMessage")


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now

    def wait_needed(self) -> float:
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.per_second


class FloodControl:
    def __init__(
        self,
        *,
        per_chat: float = 1.0,
        chat_burst: int = 3,
        overall: float = 30.0,
        overall_burst: int = 30,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._per_chat = (chat_burst, per_chat)
        self._overall = _Bucket(overall_burst, overall, overall_burst, clock())
        self._chats: dict[str, _Bucket] = {}
        self._clock = clock

    @staticmethod
    def counts(method: str) -> bool:
        return method.startswith(COUNTED_PREFIXES) and method != "sendChatAction"

    def retry_after(self, chat_key: str) -> int | None:
        """Seconds to wait (429) or None when the message may go; takes a token if so."""
        now = self._clock()
        capacity, rate = self._per_chat
        chat = self._chats.setdefault(chat_key, _Bucket(capacity, rate, capacity, now))
        for bucket in (self._overall, chat):
            bucket.refill(now)
        wait = max(self._overall.wait_needed(), chat.wait_needed())
        if wait > 0:
            return max(1, math.ceil(wait))
        self._overall.tokens -= 1
        chat.tokens -= 1
        return None
