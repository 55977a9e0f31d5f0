"""The official Bot API description (api.json) and the checks made against it.

The package ships a copy (``telegram_emulator/data/api.json``, with its MIT licence and
source in ``data/README.md``), found with ``importlib.resources`` so that it also works from
an installed wheel. The environment variable ``ACSM_BOT_API_SPEC`` names another file.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from telegram_emulator.errors import ApiError, bad_request

SPEC_ENV = "ACSM_BOT_API_SPEC"
BUNDLED_SPEC = ("data", "api.json")  # inside this package

# Fields of InlineKeyboardButton that are not its action (exactly one action is required).
_BUTTON_DECORATION = {"text", "icon_custom_emoji_id", "style"}
_INTEGER = re.compile(r"^-?\d+$")
_TRUE = {"true", "1", "True"}
_FALSE = {"false", "0", "False"}


class SpecNotFoundError(FileNotFoundError):
    """The Bot API spec file is missing (tests need it; the demo runs without)."""


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)


def spec_path() -> Traversable:
    """Where the spec is read from: $ACSM_BOT_API_SPEC, else the copy in this package."""
    override = os.environ.get(SPEC_ENV)
    if override:
        return Path(override)
    return resources.files(__package__).joinpath(*BUNDLED_SPEC)


def load_spec(path: Traversable | None = None, *, required: bool = True) -> BotApiSpec | None:
    """Read the spec; when missing raise SpecNotFoundError, or return None if not required."""
    path = path or spec_path()
    if not path.is_file():
        if required:
            raise SpecNotFoundError(
                f"Bot API spec not found at {path} (set {SPEC_ENV} to the api.json path)"
            )
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return BotApiSpec(
        version=str(data.get("version", "?")), methods=data["methods"], types=data["types"]
    )


@dataclass(frozen=True)
class BotApiSpec:
    version: str
    methods: dict[str, dict[str, Any]]
    types: dict[str, dict[str, Any]]

    def canonical_method(self, name: str) -> str | None:
        """Telegram method names are case-insensitive."""
        if name in self.methods:
            return name
        lowered = name.lower()
        return next((m for m in self.methods if m.lower() == lowered), None)

    def method_fields(self, method: str) -> dict[str, dict[str, Any]]:
        return {f["name"]: f for f in self.methods[method].get("fields", [])}

    def check_call(
        self, method: str, params: dict[str, Any], uploads: dict[str, UploadedFile]
    ) -> dict[str, Any]:
        """Validate a call's parameters; return them converted to Python values."""
        fields = self.method_fields(method)
        for name in params:
            if name not in fields:
                raise bad_request(f'unknown parameter "{name}" for method {method}')
        for name, spec_field in fields.items():
            if spec_field["required"] and params.get(name) is None:
                raise bad_request(f'parameter "{name}" is required for method {method}')
        return {
            name: self._convert(value, fields[name]["types"], name, uploads)
            for name, value in params.items()
        }

    # -- values ---------------------------------------------------------------

    def _convert(
        self, value: Any, types: list[str], where: str, uploads: dict[str, UploadedFile]
    ) -> Any:
        errors: list[ApiError] = []
        for type_name in self._preferred(value, types):
            try:
                return self._convert_one(value, type_name, where, uploads)
            except ApiError as error:
                errors.append(error)
        raise errors[0]

    def _preferred(self, value: Any, types: list[str]) -> list[str]:
        """Union members to try, those whose required fields are present first."""
        if not isinstance(value, dict) or len(types) < 2:
            return types
        complete = [t for t in types if self._has_required(value, t)]
        return complete + [t for t in types if t not in complete]

    def _has_required(self, value: dict[str, Any], type_name: str) -> bool:
        fields = self.types.get(type_name, {}).get("fields", [])
        return all(f["name"] in value for f in fields if f["required"])

    def _convert_one(
        self, value: Any, type_name: str, where: str, uploads: dict[str, UploadedFile]
    ) -> Any:
        if type_name.startswith("Array of "):
            return self._convert_array(value, type_name[len("Array of ") :], where, uploads)
        scalar = _SCALARS.get(type_name)
        if scalar is not None:
            return scalar(value, where, uploads)
        return self._convert_object(value, type_name, where, uploads)

    def _convert_array(
        self, value: Any, item_type: str, where: str, uploads: dict[str, UploadedFile]
    ) -> list[Any]:
        value = _decode_json(value, where)
        if not isinstance(value, list):
            raise bad_request(f'field "{where}" must be an Array of {item_type}')
        return [
            self._convert_one(item, item_type, f"{where}[{i}]", uploads)
            for i, item in enumerate(value)
        ]

    def _convert_object(
        self, value: Any, type_name: str, where: str, uploads: dict[str, UploadedFile]
    ) -> Any:
        value = _decode_json(value, where)
        if not isinstance(value, dict):
            raise bad_request(f'field "{where}" must be a JSON object of type {type_name}')
        fields = {f["name"]: f for f in self.types.get(type_name, {}).get("fields", [])}
        for name, spec_field in fields.items():
            if spec_field["required"] and name not in value:
                raise bad_request(f'field "{where}.{name}" is required in {type_name}')
        converted = {
            key: self._convert(item, fields[key]["types"], f"{where}.{key}", uploads)
            if key in fields
            else item
            for key, item in value.items()
        }
        _OBJECT_RULES.get(type_name, _no_rule)(converted)
        return converted


# -- scalar conversions (form values arrive as strings) --------------------------


def _decode_json(value: Any, where: str) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        raise bad_request(f'can\'t parse "{where}": not valid JSON') from None


def _integer(value: Any, where: str, _uploads: dict[str, UploadedFile]) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.match(value.strip()):
        return int(value)
    raise bad_request(f'field "{where}" must be an Integer')


def _float(value: Any, where: str, _uploads: dict[str, UploadedFile]) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise bad_request(f'field "{where}" must be a Float')


def _boolean(value: Any, where: str, _uploads: dict[str, UploadedFile]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str | int) and str(value) in _TRUE | _FALSE:
        return str(value) in _TRUE
    raise bad_request(f'field "{where}" must be a Boolean')


def _string(value: Any, where: str, uploads: dict[str, UploadedFile]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise bad_request(f'field "{where}" must be a String')


def _input_file(value: Any, where: str, uploads: dict[str, UploadedFile]) -> UploadedFile:
    if isinstance(value, UploadedFile):
        return value
    if isinstance(value, str) and value.startswith("attach://"):
        attached = uploads.get(value[len("attach://") :])
        if attached is not None:
            return attached
    raise bad_request(f'field "{where}" must be a file uploaded as multipart/form-data')


_SCALARS = {
    "Integer": _integer,
    "Float": _float,
    "Boolean": _boolean,
    "String": _string,
    "InputFile": _input_file,
}


# -- rules the field list cannot express ---------------------------------------


def _no_rule(_value: dict[str, Any]) -> None:
    return None


def _inline_button_rule(button: dict[str, Any]) -> None:
    if not str(button.get("text", "")).strip():
        raise bad_request("BUTTON_TEXT_EMPTY")
    actions = [key for key in button if key not in _BUTTON_DECORATION]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: "
            "exactly one of the optional fields must be used to specify type of the button"
        )
    data = button.get("callback_data")
    if "callback_data" in button and not 1 <= len(str(data).encode("utf-8")) <= 64:
        raise bad_request("BUTTON_DATA_INVALID")


_OBJECT_RULES = {"InlineKeyboardButton": _inline_button_rule}
