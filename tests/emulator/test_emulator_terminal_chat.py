"""The demo's terminal chat, driven by a fake stdin against the PTB echo bot."""

from __future__ import annotations

import asyncio
import io
from typing import Any

from telegram_emulator import TelegramEmulator
from telegram_emulator.terminal_chat import HELP, run_terminal_chat


async def chat(emulator: TelegramEmulator, lines: list[str]) -> list[str]:
    user = emulator.new_user(first_name="Ann", last_name="Lee")
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    await asyncio.wait_for(run_terminal_chat(emulator, user, stdin=stdin, stdout=stdout), 10)
    return stdout.getvalue().splitlines()


async def test_terminal_chat_sends_text_and_presses_buttons(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    output = await chat(emulator, ["hello there", "#1", "/quit", "never sent"])
    assert output[0] == HELP
    assert "bot: hello there" in output
    assert "  [1] Again" in output
    assert "  (pressed again)" in output
    assert "bot (edited): hello there (again)" in output
    assert output[-1] == "Bye."
    sent = [c.params.get("text") for c in emulator.calls_to("sendMessage")]
    assert sent == ["hello there"]


async def test_terminal_chat_pays_and_survives_bad_input(
    emulator: TelegramEmulator, echo_bot: Any, echo_price_cents: int
) -> None:
    output = await chat(emulator, ["#pay", "#7", "/invoice", "#pay"])  # ends at EOF
    assert "  there is no invoice to pay" in output
    assert "  no button #7; buttons: 1-0" in output
    assert any(line.startswith("bot: INVOICE Recertification") for line in output)
    assert "  (payment sent)" in output
    assert f"bot: paid {echo_price_cents} USD" in output
    assert output[-1] == "Bye."
