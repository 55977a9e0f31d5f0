"""The demo's terminal chat: a member talks to the bot through the emulator.

Typed lines are sent as messages. ``#N`` presses inline button N of the newest
message with buttons (plain numbers are text, since members type CEC amounts),
``#pay`` pays the newest invoice, ``/quit``, Ctrl-D or Ctrl-C leave.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import threading
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from telegram_emulator.chats import ChatMessage
    from telegram_emulator.server import TelegramEmulator
    from telegram_emulator.users import EmulatedUser

HELP = "Type a message and press Enter. #N presses button N, #pay pays an invoice, /quit leaves."
QUIT = "/quit"
SETTLE_SECONDS = 10.0


class _Screen:
    """Prints bot messages once, and again as "(edited)" when they change."""

    def __init__(self, user: EmulatedUser, out: TextIO) -> None:
        self.user, self.out = user, out
        self.shown: dict[int, tuple[int, bool]] = {}  # message_id -> (edits, deleted)
        self.buttons: list[tuple[int, str]] = []  # (message_id, label) numbered from 1
        self.invoice: ChatMessage | None = None

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def refresh(self) -> None:
        for message in self.user.chat.messages.values():
            state = (message.edits, message.deleted)
            if self.shown.get(message.message_id) == state:
                continue
            before = self.shown.get(message.message_id)
            self.shown[message.message_id] = state
            self._show(message, first_time=before is None)

    def _show(self, message: ChatMessage, *, first_time: bool) -> None:
        if message.deleted:
            whose = "bot" if message.from_bot else "your"
            self.write(f"  ({whose} message #{message.message_id} was deleted)")
            return
        if not message.from_bot:
            return
        label = "bot" if first_time else "bot (edited)"
        self.write(f"{label}: {_describe(message)}")
        if message.buttons:
            self.buttons = [(message.message_id, text) for text in message.buttons]
            self.write("  " + "  ".join(f"[{i}] {t}" for i, (_, t) in enumerate(self.buttons, 1)))
        if message.invoice:
            self.invoice = message
            self.write("  [pay] type #pay to pay this invoice")


def _describe(message: ChatMessage) -> str:
    if message.invoice:
        invoice = message.invoice
        amount = f"{invoice['total_amount'] / 100:.2f} {invoice['currency']}"
        return f"INVOICE {invoice['title']} - {invoice['description']} - {amount}"
    if message.document:
        return f"[document {message.document.get('file_name', '')}] {message.text}".rstrip()
    if message.photo:
        return f"[photo] {message.text}".rstrip()
    return message.text


def _start_reader(stdin: TextIO) -> asyncio.Queue[str | None]:
    """Lines from stdin on a daemon thread (never blocks the loop or the exit)."""
    loop = asyncio.get_running_loop()
    lines: asyncio.Queue[str | None] = asyncio.Queue()

    def read() -> None:
        for line in iter(stdin.readline, ""):
            loop.call_soon_threadsafe(lines.put_nowait, line.rstrip("\r\n"))
        loop.call_soon_threadsafe(lines.put_nowait, None)

    threading.Thread(target=read, name="terminal-chat-stdin", daemon=True).start()
    return lines


async def _watch(emulator: TelegramEmulator, screen: _Screen) -> None:
    while True:
        screen.refresh()
        await emulator.wait_for_change(0.5)


async def _settle(emulator: TelegramEmulator, screen: _Screen) -> None:
    with contextlib.suppress(TimeoutError):
        await emulator.settle(timeout=SETTLE_SECONDS)
    screen.refresh()


async def _press(user: EmulatedUser, screen: _Screen, number: str) -> None:
    if not number.isdigit() or not 1 <= int(number) <= len(screen.buttons):
        screen.write(f"  no button #{number}; buttons: 1-{len(screen.buttons)}")
        return
    message_id, label = screen.buttons[int(number) - 1]
    message = user.chat.live(message_id)
    button = message.button(label) if message else None
    if button is None or "callback_data" not in button:
        screen.write(f"  button {label!r} opens {button.get('url') if button else 'nothing'}")
        return
    press = await user.press_data(message_id, str(button["callback_data"]))
    with contextlib.suppress(TimeoutError):
        await user.emulator.wait_until(lambda: press.answered, 5.0)
    if press.text:
        screen.write(f"  ({press.text})")


async def _pay(user: EmulatedUser, screen: _Screen) -> None:
    if screen.invoice is None:
        screen.write("  there is no invoice to pay")
        return
    result = await user.pay(screen.invoice)
    if result.approved:
        screen.write("  (payment sent)")
    else:
        screen.write(f"  (payment refused: {result.error_message or 'no answer from the bot'})")


async def _handle(user: EmulatedUser, screen: _Screen, line: str) -> None:
    command = line.strip()
    if command.lower() == "#pay":
        await _pay(user, screen)
    elif command.startswith("#"):
        await _press(user, screen, command[1:].strip())
    elif command:
        await user.send(line)


async def run_terminal_chat(
    emulator: TelegramEmulator,
    user: EmulatedUser,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
) -> None:
    """Chat as `user` until /quit, end of input, or Ctrl-C (cancellation)."""
    screen = _Screen(user, stdout or sys.stdout)
    screen.write(HELP)
    lines = _start_reader(stdin or sys.stdin)
    watcher = asyncio.create_task(_watch(emulator, screen))
    try:
        while (line := await lines.get()) is not None and line.strip() != QUIT:
            await _handle(user, screen, line)
            await _settle(emulator, screen)
    except (asyncio.CancelledError, KeyboardInterrupt):
        screen.write("")
        raise
    finally:
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
        screen.refresh()
        screen.write("Bye.")
