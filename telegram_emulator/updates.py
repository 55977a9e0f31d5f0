"""The queue of updates waiting for the bot, with getUpdates' long-polling rules."""

from __future__ import annotations

import asyncio
import copy
import time
from typing import Any

Update = dict[str, Any]

# Telegram's default when allowed_updates is not given or empty.
DEFAULT_EXCLUDED = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
MAX_POLL_TIMEOUT = 50


def update_type(update: Update) -> str:
    return next(key for key in update if key != "update_id")


class UpdateQueue:
    """Updates are forgotten once a getUpdates offset confirms them, as on Telegram."""

    def __init__(self, first_update_id: int = 1) -> None:
        self.history: dict[int, Update] = {}
        self._pending: list[Update] = []
        self._redeliveries: list[Update] = []
        self._handed_out: set[int] = set()  # ids of redelivered copies some poll returned
        self._next_id = first_update_id
        self._arrived = asyncio.Event()
        self._closed = False
        self.allowed_updates: frozenset[str] | None = None
        self.dropped: list[Update] = []
        self.polls_waiting = 0  # getUpdates calls waiting for an update (long polling)

    # -- producer side --------------------------------------------------------

    def push(self, update: Update) -> int:
        """Queue an update; an update_id is assigned when it has none."""
        update = dict(update)
        if "update_id" not in update:
            update = {"update_id": self._next_id, **update}
        self._next_id = max(self._next_id, int(update["update_id"]) + 1)
        self.history[update["update_id"]] = update
        self._pending.append(update)
        self._arrived.set()
        return int(update["update_id"])

    def redeliver(self, update_id: int) -> None:
        """Deliver an update once more, even if it was already confirmed."""
        self._redeliveries.append(copy.deepcopy(self.history[update_id]))
        self._arrived.set()

    def close(self) -> None:
        self._closed = True
        self._arrived.set()

    def drop_pending(self) -> None:
        self._pending.clear()

    # -- consumer side --------------------------------------------------------

    @property
    def arrived(self) -> asyncio.Event:
        """Set when an update is queued (or redelivered)."""
        return self._arrived

    def waiting(self) -> list[Update]:
        """Webhook delivery: the updates not yet acknowledged, in order (the queued objects
        themselves, for acknowledge)."""
        self._drop_not_allowed()
        return self._redeliveries + self._pending

    def acknowledge(self, update: Update) -> None:
        """Webhook delivery: the bot answered 2xx; the update is forgotten."""
        for queue in (self._redeliveries, self._pending):
            for index, queued in enumerate(queue):
                if queued is update:
                    del queue[index]
                    return

    @property
    def unconfirmed(self) -> int:
        return len(self._pending) + len(self._redeliveries)

    def confirm(self, offset: int) -> None:
        """A getUpdates offset: updates below it are confirmed and forgotten. A redelivered
        copy is forgotten once it was handed out and a later offset passes its id."""
        if offset < 0:
            keep = -offset
            self._pending = self._pending[-keep:]
            return
        self._pending = [u for u in self._pending if u["update_id"] >= offset]
        confirmed = [
            u for u in self._redeliveries if id(u) in self._handed_out and u["update_id"] < offset
        ]
        for update in confirmed:
            self._redeliveries.remove(update)
            self._handed_out.discard(id(update))

    def set_allowed(self, allowed: list[str] | None) -> None:
        if allowed is not None:
            self.allowed_updates = frozenset(allowed) if allowed else None

    def _is_allowed(self, update: Update) -> bool:
        kind = update_type(update)
        if self.allowed_updates is None:
            return kind not in DEFAULT_EXCLUDED
        return kind in self.allowed_updates

    def _ready(self, limit: int) -> list[Update]:
        """The next updates to hand out. Nothing is forgotten here: a response may never reach
        the bot (killed mid-poll), so only a later offset confirms what was handed out."""
        self._drop_not_allowed()
        ready = self._redeliveries[:limit]
        for update in ready:
            self._handed_out.add(id(update))
        ready = ready + self._pending[: max(0, limit - len(ready))]
        return [copy.deepcopy(u) for u in ready]

    def _drop_not_allowed(self) -> None:
        for update in [u for u in self._pending if not self._is_allowed(u)]:
            self._pending.remove(update)
            self.dropped.append(update)

    async def poll(self, *, offset: int | None, limit: int, timeout: float) -> list[Update]:
        """getUpdates: confirm by offset, then wait up to `timeout` seconds for updates."""
        if offset is not None:
            self.confirm(offset)
        limit = min(max(limit, 1), 100)
        deadline = time.monotonic() + min(max(timeout, 0), MAX_POLL_TIMEOUT)
        while True:
            self._arrived.clear()
            ready = self._ready(limit)
            remaining = deadline - time.monotonic()
            if ready or remaining <= 0 or self._closed:
                return ready
            self.polls_waiting += 1
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except TimeoutError:
                return self._ready(limit)
            finally:
                self.polls_waiting -= 1
