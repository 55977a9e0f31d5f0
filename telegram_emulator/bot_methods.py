"""Bot-level methods: getMe, updates and webhooks, the command menu, close/logOut."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from telegram_emulator.errors import ApiError, bad_request
from telegram_emulator.webhook import check_secret_token

if TYPE_CHECKING:
    from telegram_emulator.params import Params
    from telegram_emulator.server import TelegramEmulator

_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
# The User fields "Returned only in getMe": what this bot can do (nothing special).
CAPABILITIES = {
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
    "can_connect_to_business": False,
    "has_main_web_app": False,
}


async def get_me(emu: TelegramEmulator, p: Params) -> Any:
    return {**emu.bot_user, **CAPABILITIES}


async def get_updates(emu: TelegramEmulator, p: Params) -> Any:
    if emu.webhook.get("url"):
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    emu.updates.set_allowed(p.decoded("allowed_updates"))
    offset = p.integer("offset")
    if offset is not None:
        emu.confirm_updates(offset)
    return await emu.updates.poll(
        offset=None,
        limit=p.integer("limit", 100) or 100,
        timeout=p.integer("timeout", 0) or 0,
    )


async def set_webhook(emu: TelegramEmulator, p: Params) -> Any:
    """Set (or, with an empty URL, remove) the webhook; updates are then POSTed to it
    (telegram_emulator/webhook.py)."""
    url = p.string("url", "") or ""
    schemes = ("https://", "http://") if emu.allow_http_webhook else ("https://",)
    if url and not url.startswith(schemes):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = p.string("secret_token")
    reason = check_secret_token(secret)
    if reason is not None:
        raise bad_request(f"bad webhook: {reason}")
    max_connections = p.integer("max_connections")
    if max_connections is not None and not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    emu.updates.set_allowed(p.decoded("allowed_updates"))
    if p.flag("drop_pending_updates"):
        emu.updates.drop_pending()
    if not url:
        return await delete_webhook(emu, p)
    emu.webhook = {"url": url, "secret_token": secret, "max_connections": max_connections}
    await emu.start_webhook_delivery(url, secret, max_connections)
    return True


async def delete_webhook(emu: TelegramEmulator, p: Params) -> Any:
    emu.webhook = {}
    await emu.stop_webhook_delivery()
    if p.flag("drop_pending_updates"):
        emu.updates.drop_pending()
    return True


async def get_webhook_info(emu: TelegramEmulator, p: Params) -> Any:
    return {
        "url": emu.webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": emu.updates.unconfirmed,
        **(
            {"max_connections": emu.webhook["max_connections"]}
            if emu.webhook.get("max_connections")
            else {}
        ),
    }


def _commands_key(p: Params) -> tuple[str, str]:
    scope = p.decoded("scope") or {"type": "default"}
    return (str(scope.get("type", "default")), p.string("language_code", "") or "")


async def set_my_commands(emu: TelegramEmulator, p: Params) -> Any:
    commands = p.decoded("commands") or []
    if len(commands) > 100:
        raise bad_request("too many commands")
    for command in commands:
        if not _COMMAND_NAME.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", "")).strip()) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    emu.commands[_commands_key(p)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


async def get_my_commands(emu: TelegramEmulator, p: Params) -> Any:
    return emu.commands.get(_commands_key(p), [])


async def delete_my_commands(emu: TelegramEmulator, p: Params) -> Any:
    emu.commands.pop(_commands_key(p), None)
    return True


async def close(emu: TelegramEmulator, p: Params) -> Any:
    return True


async def log_out(emu: TelegramEmulator, p: Params) -> Any:
    return True
