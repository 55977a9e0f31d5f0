"""A local Telegram: Bot API emulator, its users, and the demo's terminal chat.

    async with TelegramEmulator() as emu:            # validation on when the spec is found
        app = (ApplicationBuilder().token(emu.token).base_url(emu.base_url)
               .base_file_url(emu.base_file_url).build())
        ann = emu.new_user(first_name="Ann", last_name="Lee")
        await ann.send("/start")
        reply = await ann.next_message()            # ChatMessage: .text .buttons .edits .deleted
        await ann.press("Renew"); await ann.callback_answer()
        result = await ann.pay(invoice_message)     # PaymentResult
        await emu.settle()                          # bot finished with everything sent so far
        assert emu.violations == []                 # calls Telegram would have refused,
                                                    # and anything it would never send

Modules: spec (api.json, checks of calls), sent_check (checks of what the emulator sends),
server (TelegramEmulator), methods (the table of Bot API methods, handled in bot_methods /
messaging / payments), users (EmulatedUser), terminal_chat (run_terminal_chat).
"""

from telegram_emulator.chats import CallbackPress, ChatMessage
from telegram_emulator.sent_check import SentViolation
from telegram_emulator.server import Call, Hold, TelegramEmulator
from telegram_emulator.spec import BotApiSpec, SpecNotFoundError, load_spec
from telegram_emulator.users import EmulatedUser, PaymentResult

__all__ = [
    "BotApiSpec",
    "Call",
    "CallbackPress",
    "ChatMessage",
    "EmulatedUser",
    "Hold",
    "PaymentResult",
    "SentViolation",
    "SpecNotFoundError",
    "TelegramEmulator",
    "load_spec",
]
