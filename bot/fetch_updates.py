"""getUpdates for a poller that confirms an update only once it is handled.

Such a poller gets every unconfirmed update again on each call: under load, the updates in
hand come back on every poll. python-telegram-bot's `get_updates` turns each into an
`Update` object, and that parsing, repeated, was the largest single cost per update (see
docs/performance.md). Here only the updates not already in hand are parsed; the others are
skipped by their id in the raw JSON. Errors are those of `Bot.get_updates` (InvalidToken,
RetryAfter, Conflict, NetworkError...), as the request goes through the same path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from telegram import Update
from telegram.ext import ExtBot

READ_TIMEOUT = 5.0  # seconds beyond the long-polling timeout (python-telegram-bot's default)


async def fetch_new_updates(
    bot: ExtBot[Any],
    *,
    offset: int | None,
    timeout: int,  # noqa: ASYNC109 (getUpdates long-polling seconds, not ours to enforce)
    allowed_updates: Sequence[str],
    known: Callable[[int], bool],
) -> list[Update]:
    """The updates from `offset` on whose id is not `known`, as `Update` objects."""
    data: dict[str, Any] = {"timeout": timeout, "allowed_updates": list(allowed_updates)}
    if offset is not None:
        data["offset"] = offset
    # Bot.get_updates without the parsing of every update (python-telegram-bot is pinned).
    raw = cast(
        "list[dict[str, Any]]",
        await bot._post("getUpdates", data, read_timeout=timeout + READ_TIMEOUT),
    )
    fresh = []
    for item in raw:
        if known(item["update_id"]):
            continue
        update = Update.de_json(item, bot)
        bot.insert_callback_data(update)
        fresh.append(update)
    return fresh
