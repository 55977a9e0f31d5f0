"""A local Telegram: Bot API emulator, its users, and the demo's terminal chat."""

from bot.emulator.chats import CallbackPress, ChatMessage
from bot.emulator.server import Call, TelegramEmulator
from bot.emulator.spec import BotApiSpec, SpecNotFoundError, load_spec
from bot.emulator.users import EmulatedUser, PaymentResult

__all__ = [
    "BotApiSpec",
    "Call",
    "CallbackPress",
    "ChatMessage",
    "EmulatedUser",
    "PaymentResult",
    "SpecNotFoundError",
    "TelegramEmulator",
    "load_spec",
]
