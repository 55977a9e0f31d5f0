"""Hardening tests reuse the chat harness: the real bot, the emulator, a real database."""

from tests.chat.conftest import bot, clock, emulator  # noqa: F401 (fixtures)


def pytest_configure(config) -> None:  # type: ignore[no-untyped-def]
    config.addinivalue_line("markers", "slow: a hardening test that takes tens of seconds")
