"""The text layer of a PDF, with pypdf: the first pages only; a corrupt or
password-protected file gives None (never an exception)."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader

MAX_PAGES = 3  # a certificate is one or two pages; a 500-page PDF is not read to the end
MAX_CHARS = 20_000

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a broken file is answered, not logged


def pdf_text(data: bytes, max_pages: int = MAX_PAGES) -> str | None:
    """The text of the first `max_pages` pages, or None when there is none to read."""
    parts: list[str] = []
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            return None  # only an empty user password (a PDF merely restricted) is tried
        for number in range(min(len(reader.pages), max_pages)):
            parts.append(reader.pages[number].extract_text() or "")
            if sum(map(len, parts)) > MAX_CHARS:
                break
    except Exception:  # pypdf raises many kinds on a broken or locked file: all read as none
        return None
    text = "\n".join(parts).strip()[:MAX_CHARS]
    return text or None
