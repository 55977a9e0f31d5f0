"""The table of implemented methods: every entry is a Bot API method, spelled as the spec does."""

from __future__ import annotations

from telegram_emulator import load_spec
from telegram_emulator.methods import METHODS


def test_every_implemented_method_is_in_the_spec() -> None:
    spec = load_spec(required=True)
    assert spec is not None
    assert [name for name in METHODS if name not in spec.methods] == []
