"""Security tests reuse the chat harness: the real bot, the emulator, a real database."""

from tests.chat.conftest import bot, clock, emulator  # noqa: F401 (fixtures)
