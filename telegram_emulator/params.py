"""Reading a call's parameters whether or not the spec already converted them."""

from __future__ import annotations

import json
from typing import Any

from telegram_emulator.errors import bad_request
from telegram_emulator.spec import UploadedFile


class Params(dict[str, Any]):
    """Call parameters; accessors accept both converted values and raw form strings."""

    def integer(self, name: str, default: int | None = None) -> int | None:
        value = self.get(name)
        if value is None:
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad_request(f'field "{name}" must be an Integer') from None

    def require_integer(self, name: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(f'parameter "{name}" is required')
        return value

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self.get(name)
        return default if value is None else str(value)

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        return str(value).lower() in ("true", "1")

    def decoded(self, name: str) -> Any:
        value = self.get(name)
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError:
                raise bad_request(f'can\'t parse "{name}": not valid JSON') from None
        return value

    def upload(self, name: str) -> UploadedFile | str | None:
        value = self.get(name)
        return value if isinstance(value, UploadedFile) or value is None else str(value)
