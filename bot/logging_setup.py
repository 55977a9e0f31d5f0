"""Logging: one line per record, no secrets and no personal data.

- httpx logs every request URL, which carries the bot token: kept at WARNING.
- Libraries log raw updates (the members' messages, passwords included) and SQL parameters
  at DEBUG: they never go below INFO/WARNING, whatever LOG_LEVEL says; DEBUG is for our code.
- A filter masks, in every record and traceback:
  - email addresses in any script (`josé@example.com`, `用户@例子.广告`): `j***@example.com`;
  - phone numbers: anything starting with + and 7-15 digits (E.164 as stored, or spaced),
    and the North American forms `(317) 555-0100`, `317-555-0100`, `317.555.0100`,
    `317 555 0100`: `<phone>`;
  - bot and payment-provider tokens: `<token>`;
  - passwords: the value after `password=`/`password:` (also passwd, pwd, secret, token,
    api_key) and the password in URLs (`scheme://user:<password>@host`).
  Left readable on purpose: bare numbers (update ids, Telegram user ids, ACSM IDs,
  negative chat ids), IP addresses, dates and times — none of them has the shapes above.
"""

from __future__ import annotations

import logging
import re

# Local part: anything but separators; domain: labels of word characters and hyphens (any
# script), ending in a label of at least two letters (Unicode).
EMAIL = re.compile(
    r"(?<![\w.%+\-])([^\W_]|[.%+\-])[\w.%+\-]*@((?:[\w\-]+\.)+[^\W\d_]{2,})(?![\w\-])"
)
PHONE = re.compile(
    r"(?<![\w+])\+\d(?:[ ().\-]{0,2}\d){6,14}(?!\w)"  # +1 317 555 0100, +13175550100
    r"|(?<![\w.:\-])(?:1[ .\-])?\(\d{3}\)[ .\-]?\d{3}[ .\-]\d{4}(?![\w.:\-])"  # (317) 555-0100
    r"|(?<![\w.:\-])(?:1[ .\-])?\d{3}([ .\-])\d{3}\1\d{4}(?![\w.:\-]|\1\d)"  # 317-555-0100
)
TOKEN = re.compile(r"(?<!\d)\d{3,}:(?:[A-Za-z0-9_-]{20,}|(?:TEST|LIVE):[A-Za-z0-9_:-]+)")
SECRET_VALUE = re.compile(
    r"(?i)(\w*(?:password|passwd|pwd|secret|token|api_key)\w*[\"']?\s*[=:]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s\"',;&]+)"
)
URL_PASSWORD = re.compile(r"(\w[\w+.\-]*://[^:/@\s]+:)([^@\s/]+)(@)")


def _hide_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}***{quote}"


def mask(text: str) -> str:
    text = URL_PASSWORD.sub(r"\1***\3", text)
    text = TOKEN.sub("<token>", text)
    text = SECRET_VALUE.sub(_hide_value, text)
    text = EMAIL.sub(r"\1***@\2", text)
    return PHONE.sub("<phone>", text)


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = mask(text), None
        return True


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    quiet = ("httpx", "httpcore", "aiohttp.access", "apscheduler", "aiosqlite", "asyncpg")
    for noisy in (*quiet, "sqlalchemy"):  # sqlalchemy.engine at INFO logs SQL parameters
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for library in ("telegram", "alembic"):
        logging.getLogger(library).setLevel(max(logging.INFO, root.level))
