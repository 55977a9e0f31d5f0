"""The table of Bot API methods the emulator implements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from telegram_emulator.params import Params
    from telegram_emulator.server import TelegramEmulator

Method = Callable[["TelegramEmulator", "Params"], Awaitable[Any]]
METHODS: dict[str, Method] = {}


def method(name: str) -> Callable[[Method], Method]:
    def register(function: Method) -> Method:
        METHODS[name] = function
        return function

    return register
