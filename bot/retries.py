"""Telegram answering 429 or 5xx: retry without duplicating a message.

- 429 (`RetryAfter`): AIORateLimiter waits `retry_after` and retries; it also keeps the bot
  under Telegram's limits (~30 messages/s overall, 20/min per group) so 429s are rare.
- 5xx and connection failures (`NetworkError`): Telegram did not take the request, so it is
  retried a few times with backoff. A timeout (`TimedOut`) is NOT retried: the message may
  have been delivered, and sending it again could duplicate it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)


class RetryingRateLimiter(AIORateLimiter):
    """`pacing=False` keeps the retries but not the pacing (AIORateLimiter's documented rate
    0): for measuring what the bot itself can do (bench/)."""

    def __init__(
        self, server_error_retries: int = 3, backoff: float = 0.5, *, pacing: bool = True
    ) -> None:
        if pacing:
            super().__init__(max_retries=3)
        else:
            super().__init__(overall_max_rate=0, group_max_rate=0, max_retries=3)
        self.server_error_retries = server_error_retries
        self.backoff = backoff

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        attempt = 0
        while True:
            try:
                return await super().process_request(
                    callback, args, kwargs, endpoint, data, rate_limit_args
                )
            except (TimedOut, BadRequest):  # BadRequest is a NetworkError in PTB: never retried
                raise
            except NetworkError as exc:
                if endpoint == "getUpdates" or attempt >= self.server_error_retries:
                    raise
                attempt += 1
                delay = self.backoff * 2 ** (attempt - 1)
                log.warning(
                    "%s failed (%s); retry %d in %.1f s", endpoint, exc.message, attempt, delay
                )
                await asyncio.sleep(delay)
