"""What the emulator sends the bot, checked against the Bot API spec's type definitions.

Updates (getUpdates results, webhook bodies) and method results (Message, File, User...)
must be objects Telegram could send: every field one its type has, every required field
present, every value of a declared type (Integer, String, Boolean, Float, objects, arrays,
"X or Y" unions, abstract types such as MaybeInaccessibleMessage as any of their subtypes),
a field documented as always one value (``type``: always "user") holding that value, and
the fields "Returned only in getMe" only in getMe's result. Nothing is converted: unlike a
call's form values, JSON types must be exact (a Float may be written as an integer).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from telegram_emulator.spec import BotApiSpec

ARRAY = "Array of "
_ALWAYS_STRING = re.compile(r'always "([^"]+)"$')  # MessageOriginUser.type: always "user"
_ALWAYS_INTEGER = re.compile(r"^Always (-?\d+)\.")  # InaccessibleMessage.date: Always 0.
_ONLY_IN = re.compile(r"Returned only in (\w+)\.")  # User.can_join_groups: only in getMe


@dataclass(frozen=True)
class SentViolation:
    """Something the emulator sent the bot that Telegram never would (an emulator bug, or a
    test's deliberately malformed update)."""

    method: str  # the method whose result it was, or "webhook" for a POSTed update
    description: str
    sent: Any = field(repr=False)


@dataclass(frozen=True)
class _Field:
    types: tuple[str, ...]
    required: bool
    constant: str | int | None  # the only value the field may hold
    only_in: str | None  # the only method whose result may have the field


@dataclass(frozen=True)
class _Problem:
    where: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


class SentCheck:
    """Checks values against the spec's types (field tables are read once per type)."""

    def __init__(self, spec: BotApiSpec) -> None:
        self.spec = spec
        self._fields: dict[str, dict[str, _Field]] = {}

    def problem(
        self, value: Any, types: Sequence[str], where: str, *, method: str | None = None
    ) -> str | None:
        """None when `value` is of one of `types`, else the first problem found, as
        "where.path: what is wrong". `method`: whose result it is (getMe may say more)."""
        found = self._any_of(value, types, where, method)
        return None if found is None else str(found)

    # -- the walk -------------------------------------------------------------

    def _any_of(
        self, value: Any, types: Sequence[str], where: str, method: str | None
    ) -> _Problem | None:
        problems: list[_Problem] = []
        for type_name in types:
            found = self._one(value, type_name, where, method)
            if found is None:
                return None
            problems.append(found)
        # Report the member the value came closest to: the deepest problem.
        return max(problems, key=lambda p: len(p.where))

    def _one(self, value: Any, type_name: str, where: str, method: str | None) -> _Problem | None:
        if type_name.startswith(ARRAY):
            item_type = type_name[len(ARRAY) :]
            if not isinstance(value, list):
                return _Problem(where, f"must be an {type_name}, not {_kind(value)}")
            for index, item in enumerate(value):
                found = self._one(item, item_type, f"{where}[{index}]", method)
                if found is not None:
                    return found
            return None
        scalar = _SCALARS.get(type_name)
        if scalar is not None and not scalar(value):
            return _Problem(where, f"must be {_article(type_name)}, not {_kind(value)}")
        if scalar is not None:
            return None
        definition = self.spec.types.get(type_name)
        if definition is None:
            return _Problem(where, f"{type_name} is not a Bot API type")
        if "subtypes" in definition:
            return self._any_of(value, definition["subtypes"], where, method)
        return self._object(value, type_name, where, method)

    def _object(
        self, value: Any, type_name: str, where: str, method: str | None
    ) -> _Problem | None:
        if not isinstance(value, dict):
            return _Problem(where, f"must be a {type_name} object, not {_kind(value)}")
        fields = self._fields_of(type_name)
        for name in value:
            if name not in fields:
                return _Problem(where, f'{type_name} has no field "{name}"')
        for name, spec_field in fields.items():
            if spec_field.required and name not in value:
                return _Problem(where, f'field "{name}" is required in {type_name}')
        for name, item in value.items():
            spec_field = fields[name]
            path = f"{where}.{name}"
            if spec_field.only_in is not None and spec_field.only_in != method:
                return _Problem(
                    path, f"{type_name}.{name} is returned only in {spec_field.only_in}"
                )
            found = self._any_of(item, spec_field.types, path, method)
            if found is not None:
                return found
            if spec_field.constant is not None and item != spec_field.constant:
                return _Problem(path, f"must be {spec_field.constant!r} in {type_name}")
        return None

    def _fields_of(self, type_name: str) -> dict[str, _Field]:
        fields = self._fields.get(type_name)
        if fields is None:
            definition = self.spec.types[type_name].get("fields", [])
            fields = self._fields[type_name] = {f["name"]: _field(f) for f in definition}
        return fields


def _field(spec_field: dict[str, Any]) -> _Field:
    types = tuple(spec_field["types"])
    description = str(spec_field.get("description", ""))
    constant: str | int | None = None
    if types == ("String",) and (match := _ALWAYS_STRING.search(description)):
        constant = match.group(1)
    elif types == ("Integer",) and (match := _ALWAYS_INTEGER.search(description)):
        constant = int(match.group(1))
    only_in = _ONLY_IN.search(description)
    method = only_in.group(1) if only_in else None
    return _Field(types, bool(spec_field["required"]), constant, method)


# -- scalars: JSON values exactly as Telegram writes them ------------------------


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_float(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_boolean(value: Any) -> bool:
    return isinstance(value, bool)


def _is_string(value: Any) -> bool:
    return isinstance(value, str)


_SCALARS: dict[str, Callable[[Any], bool]] = {
    "Integer": _is_integer,
    "Float": _is_float,
    "Boolean": _is_boolean,
    "String": _is_string,
}


def _article(type_name: str) -> str:
    return f"an {type_name}" if type_name[0] in "AEIOU" else f"a {type_name}"


def _kind(value: Any) -> str:
    """The JSON kind of a value, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a float"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
