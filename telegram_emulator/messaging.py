"""Message methods: send, edit, delete, documents and photos, getFile, chat actions."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from telegram_emulator.chats import Chat, ChatMessage, StoredFile
from telegram_emulator.errors import NOT_MODIFIED, bad_request
from telegram_emulator.formatting import parse_text
from telegram_emulator.spec import UploadedFile

if TYPE_CHECKING:
    from telegram_emulator.params import Params
    from telegram_emulator.server import TelegramEmulator

MAX_TEXT = 4096
MAX_CAPTION = 1024
CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
_IMAGE_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"RIFF")


def message_text(p: Params, name: str = "text") -> dict[str, Any]:
    """The text fields of a message after parse_mode, checked for Telegram's limits."""
    text, entities = parse_text(p.string(name, "") or "", p.string("parse_mode"))
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    if p.get("entities") is not None:
        entities = list(p.decoded("entities") or [])
    return {"text": text, "entities": entities} if entities else {"text": text}


def caption(p: Params) -> dict[str, Any]:
    if not p.string("caption"):
        return {}
    text, entities = parse_text(p.string("caption", "") or "", p.string("parse_mode"))
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    return {"caption": text, "caption_entities": entities} if entities else {"caption": text}


def markup_fields(p: Params) -> tuple[dict[str, Any], dict[str, Any]]:
    """(fields shown in the Message, fields only remembered): only inline keyboards show."""
    markup = p.decoded("reply_markup")
    if not markup:
        return {}, {}
    if "inline_keyboard" in markup:
        return ({"reply_markup": markup} if markup["inline_keyboard"] else {}), {}
    return {}, {"reply_markup": markup}


def reply_fields(chat: Chat, p: Params) -> dict[str, Any]:
    reply = p.decoded("reply_parameters")
    target_id = (reply or {}).get("message_id") or p.integer("reply_to_message_id")
    if target_id is None:
        return {}
    target = chat.live(int(target_id))
    if target is None:
        raise bad_request("message to be replied not found")
    return {"reply_to_message": copy.deepcopy(target.raw)}


def send(emu: TelegramEmulator, p: Params, content: dict[str, Any]) -> dict[str, Any]:
    chat = emu.resolve_chat(p.get("chat_id"))
    shown, remembered = markup_fields(p)
    message = emu.post_message(
        chat, from_bot=True, content={**reply_fields(chat, p), **content, **shown}
    )
    message.meta.update(remembered)
    return message.raw


async def send_message(emu: TelegramEmulator, p: Params) -> Any:
    return send(emu, p, message_text(p))


def editable(emu: TelegramEmulator, p: Params) -> ChatMessage:
    if p.get("inline_message_id") is not None:
        raise bad_request("MESSAGE_ID_INVALID")
    chat = emu.resolve_chat(p.get("chat_id"))
    message_id = p.integer("message_id")
    message = chat.live(message_id) if message_id is not None else None
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def apply_edit(emu: TelegramEmulator, message: ChatMessage, changes: dict[str, Any]) -> Any:
    new_raw = {k: v for k, v in message.raw.items() if k not in ("edit_date",)}
    new_raw.update({k: v for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        new_raw.pop(key, None)
    old = {k: v for k, v in message.raw.items() if k != "edit_date"}
    if new_raw == old:
        raise bad_request(NOT_MODIFIED)
    message.history.append(copy.deepcopy(message.raw))
    message.raw.clear()
    message.raw.update(new_raw, edit_date=emu.now())
    message.edits += 1
    emu.notify()
    return message.raw


def new_markup(p: Params) -> dict[str, Any]:
    shown, _ = markup_fields(p)
    return {"reply_markup": shown.get("reply_markup")}


async def edit_message_text(emu: TelegramEmulator, p: Params) -> Any:
    message = editable(emu, p)
    if "text" not in message.raw:
        raise bad_request("there is no text in the message to edit")
    text = message_text(p)
    return apply_edit(emu, message, {"entities": None, **text, **new_markup(p)})


async def edit_message_caption(emu: TelegramEmulator, p: Params) -> Any:
    message = editable(emu, p)
    return apply_edit(emu, message, {"caption": None, **caption(p), **new_markup(p)})


async def edit_message_reply_markup(emu: TelegramEmulator, p: Params) -> Any:
    return apply_edit(emu, editable(emu, p), new_markup(p))


async def delete_message(emu: TelegramEmulator, p: Params) -> Any:
    chat = emu.resolve_chat(p.get("chat_id"))
    message = chat.live(p.require_integer("message_id"))
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    emu.notify()
    return True


def stored_file(emu: TelegramEmulator, value: UploadedFile | str | None, kind: str) -> StoredFile:
    if isinstance(value, UploadedFile):
        return emu.files.add(
            value.data, kind=kind, file_name=value.filename, mime_type=value.content_type
        )
    if value and value.startswith(("http://", "https://")):
        name = value.rsplit("/", 1)[-1] or None
        return emu.files.add(b"", kind=kind, file_name=name)
    existing = emu.files.get(value or "")
    if existing is None:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return existing


async def send_document(emu: TelegramEmulator, p: Params) -> Any:
    stored = stored_file(emu, p.upload("document"), "document")
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }
    if stored.file_name:
        document["file_name"] = stored.file_name
    if stored.mime_type:
        document["mime_type"] = stored.mime_type
    return send(emu, p, {"document": document, **caption(p)})


def image_size(data: bytes) -> tuple[int, int]:
    if data.startswith(_IMAGE_MAGIC[0]) and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 320, 320


async def send_photo(emu: TelegramEmulator, p: Params) -> Any:
    upload = p.upload("photo")
    if isinstance(upload, UploadedFile) and not upload.data.startswith(_IMAGE_MAGIC):
        raise bad_request("IMAGE_PROCESS_FAILED")
    stored = stored_file(emu, upload, "photo")
    width, height = image_size(stored.data)
    size = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "width": width,
        "height": height,
    }
    return send(emu, p, {"photo": [size], **caption(p)})


MAX_DOWNLOAD = 20 * 1024 * 1024  # bots download files of up to 20 MB (Bot API getFile)


async def get_file(emu: TelegramEmulator, p: Params) -> Any:
    stored = emu.files.get(p.string("file_id", "") or "")
    if stored is None:
        raise bad_request("invalid file_id")
    if len(stored.data) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
        "file_path": stored.file_path,
    }


async def send_chat_action(emu: TelegramEmulator, p: Params) -> Any:
    chat = emu.resolve_chat(p.get("chat_id"))
    action = p.string("action", "") or ""
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.actions.append(action)
    return True
