"""The Bot API methods the emulator implements: one table, method name -> handler.

A method missing here is answered "not implemented by the emulator" (a violation), even
when the Bot API has it. Handlers live in bot_methods (the bot itself, updates, webhooks,
commands), messaging (messages and files) and payments (button presses and invoices).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from telegram_emulator import bot_methods, messaging, payments

if TYPE_CHECKING:
    from telegram_emulator.params import Params
    from telegram_emulator.server import TelegramEmulator

Method = Callable[["TelegramEmulator", "Params"], Awaitable[Any]]

METHODS: dict[str, Method] = {
    # the bot itself, updates and webhooks, the command menu
    "getMe": bot_methods.get_me,
    "getUpdates": bot_methods.get_updates,
    "setWebhook": bot_methods.set_webhook,
    "deleteWebhook": bot_methods.delete_webhook,
    "getWebhookInfo": bot_methods.get_webhook_info,
    "setMyCommands": bot_methods.set_my_commands,
    "getMyCommands": bot_methods.get_my_commands,
    "deleteMyCommands": bot_methods.delete_my_commands,
    "close": bot_methods.close,
    "logOut": bot_methods.log_out,
    # messages and files
    "sendMessage": messaging.send_message,
    "editMessageText": messaging.edit_message_text,
    "editMessageCaption": messaging.edit_message_caption,
    "editMessageReplyMarkup": messaging.edit_message_reply_markup,
    "deleteMessage": messaging.delete_message,
    "sendDocument": messaging.send_document,
    "sendPhoto": messaging.send_photo,
    "getFile": messaging.get_file,
    "sendChatAction": messaging.send_chat_action,
    # button presses and payments
    "answerCallbackQuery": payments.answer_callback_query,
    "sendInvoice": payments.send_invoice,
    "answerPreCheckoutQuery": payments.answer_pre_checkout_query,
}
