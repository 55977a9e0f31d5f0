"""Logging: one line per record, no secrets and no personal data.

- httpx logs every request URL, which carries the bot token: kept at WARNING.
- Libraries log raw updates (the members' messages, passwords included) and SQL parameters
  at DEBUG: they never go below INFO/WARNING, whatever LOG_LEVEL says; DEBUG is for our code.
- A filter masks, in every record and traceback:
  - email addresses in any script (`josé@example.com`, `用户@例子.广告`): `j***@example.com`;
  - phone numbers: anything starting with + and 7-15 digits (E.164 as stored, or spaced),
    and the North American forms `(317) 555-0100`, `(317)5550100`, `317-555-0100`,
    `317.555.0100`, `317 555 0100`, and bare `3175550100`, `13175550100` (area code and
    exchange starting 2-9): `<phone>`;
  - bot and payment-provider tokens: `<token>`;
  - passwords: the value after `password=`/`password:` (also passwd, pwd, secret, token,
    api_key) and the password in URLs (`scheme://user:<password>@host`, up to the last @,
    so a password holding @ is hidden whole).
  Left readable on purpose: other bare numbers (update ids, ACSM IDs, negative chat ids,
  Telegram user ids unless shaped like a US number), IP addresses, dates and times.
"""

from __future__ import annotations

import logging
import re

# Local part: it starts with a letter, digit or . % + - (after none of those) and runs over
# the other characters RFC 5322 allows unquoted too (o'brien, a!b, x{y}), all hidden but the
# first; = / ? & stay separators (key=value, URLs); domain: labels of word characters and
# hyphens (any script), ending in a label of at least two letters (Unicode).
EMAIL = re.compile(
    r"(?<![\w.%+\-])([^\W_]|[.%+\-])[\w.%+\-'!#$*^`{|}~]*@((?:[\w\-]+\.)+[^\W\d_]{2,})(?![\w\-])"
)
PHONE = re.compile(
    r"(?<![\w+])\+\d(?:[ ().\-]{0,2}\d){6,14}(?!\w)"  # +1 317 555 0100, +13175550100
    # (317) 555-0100, (317)5550100, 1 (317) 555 0100
    r"|(?<![\w.:\-])(?:1[ .\-]?)?\(\d{3}\)[ .\-]?\d{3}[ .\-]?\d{4}(?![\w.:\-])"
    r"|(?<![\w.:\-])(?:1[ .\-])?\d{3}([ .\-])\d{3}\1\d{4}(?![\w.:\-]|\1\d)"  # 317-555-0100
    # bare North American numbers: 3175550100, 13175550100, 1-3175550100 (area code and
    # exchange start with 2-9; other bare numbers stay readable)
    r"|(?<![\w.:\-])(?:1[ .\-]?)?[2-9]\d\d[2-9]\d{6}(?![\w.:\-])"
)
TOKEN = re.compile(r"(?<!\d)\d{3,}:(?:[A-Za-z0-9_-]{20,}|(?:TEST|LIVE):[A-Za-z0-9_:-]+)")
SECRET_VALUE = re.compile(
    r"(?i)(\w*(?:password|passwd|pwd|secret|token|api_key)\w*[\"']?\s*[=:]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s\"',;&]+)"
)
# The password runs to the LAST @ of the authority: a password holding @ hides entirely.
_HOST_END = r"\s/?#'\"<>()\[\],;"
URL_PASSWORD = re.compile(
    rf"(\w[\w+.\-]*://[^:/@\s]*:)(\S+?)(@)(?=[^@{_HOST_END}]*(?:[{_HOST_END}]|$))"
)


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
