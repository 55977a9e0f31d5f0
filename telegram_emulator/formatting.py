"""Message text as Telegram sees it: parse_mode HTML/MarkdownV2 and command entities.

Offsets and lengths of entities are in UTF-16 code units, as in the Bot API.
"""

from __future__ import annotations

import html
import re
from typing import Any

from telegram_emulator.errors import bad_request

Entity = dict[str, Any]

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[^<>]*)?)>")
_HTML_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_HREF = re.compile(r"""href\s*=\s*["']([^"']*)["']""")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")
_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def command_entities(text: str) -> list[Entity]:
    """bot_command entities, as Telegram adds them to a user's message."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND.finditer(text)
    ]


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[Entity]]:
    """The text shown to the user and its entities; invalid markup is a Bad Request."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        return _parse_html(text)
    if mode == "markdownv2":
        return _parse_markdown_v2(text)
    if mode in ("", "markdown"):
        return text, []
    raise bad_request(f"unsupported parse_mode {parse_mode!r}")


def _parse_html(text: str) -> tuple[str, list[Entity]]:
    plain: list[str] = []
    entities: list[Entity] = []
    open_tags: list[tuple[str, int, Entity]] = []
    position = 0
    for match in _HTML_TAG.finditer(text):
        _add_html_text(plain, text[position : match.start()], position, text)
        position = match.end()
        closing, tag = match.group(1) == "/", match.group(2).lower()
        offset = utf16_len("".join(plain))
        if tag not in _HTML_ENTITIES:
            kind = "end" if closing else "start"
            raise _cant_parse(f'Unsupported {kind} tag "{tag}" at byte offset', match.start(), text)
        if not closing:
            open_tags.append((tag, offset, _html_entity(tag, match.group(3))))
            continue
        if not open_tags or open_tags[-1][0] != tag:
            message = f'Unmatched end tag at byte offset {{}}, expected "{tag}"'
            raise _cant_parse(message, match.start(), text)
        _, start, entity = open_tags.pop()
        if offset > start:
            entities.append({**entity, "offset": start, "length": offset - start})
    _add_html_text(plain, text[position:], position, text)
    if open_tags:
        tag = open_tags[-1][0]
        raise bad_request(
            f"can't parse entities: Can't find end tag corresponding to start tag \"{tag}\""
        )
    return "".join(plain), sorted(entities, key=lambda e: e["offset"])


def _add_html_text(plain: list[str], chunk: str, position: int, text: str) -> None:
    lt = chunk.find("<")
    if lt >= 0:
        raise _cant_parse('Unsupported start tag "" at byte offset', position + lt, text)
    plain.append(html.unescape(chunk))


def _html_entity(tag: str, attributes: str) -> Entity:
    entity: Entity = {"type": _HTML_ENTITIES[tag]}
    if tag == "a":
        href = _HREF.search(attributes or "")
        entity["url"] = href.group(1) if href else ""
    return entity


def _cant_parse(message: str, char_index: int, text: str) -> Exception:
    byte_offset = len(text[:char_index].encode("utf-8"))
    if "{}" in message:
        return bad_request("can't parse entities: " + message.format(byte_offset))
    return bad_request(f"can't parse entities: {message} {byte_offset}")


def _parse_markdown_v2(text: str) -> tuple[str, list[Entity]]:
    """Checks escaping of reserved characters; formatting marks are dropped."""
    plain: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            plain.append(text[index + 1])
            index += 2
            continue
        link = _MARKDOWN_LINK.match(text, index)
        if link:
            plain.append(link.group(1))
            index = link.end()
            continue
        if char in "*_~|`":
            index += 1
            continue
        if char in _MARKDOWN_V2_RESERVED:
            raise bad_request(
                f"can't parse entities: Character '{char}' is reserved and must be escaped "
                "with the preceding '\\'"
            )
        plain.append(char)
        index += 1
    return "".join(plain), []
