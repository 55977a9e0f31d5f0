"""Logging: one line per record, no secrets and no personal data.

- httpx logs every request URL, which carries the bot token: kept at WARNING.
- Libraries log raw updates (the members' messages, passwords included) and SQL parameters
  at DEBUG: they never go below INFO/WARNING, whatever LOG_LEVEL says; DEBUG is for our code.
- A filter masks email addresses, phone-like numbers and bot tokens in every record.
"""

from __future__ import annotations

import logging
import re

EMAIL = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
PHONE = re.compile(r"(?<!\w)\+?\d[\d ().-]{7,}\d(?!\w)")
TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")


def mask(text: str) -> str:
    text = TOKEN.sub("<token>", text)
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
