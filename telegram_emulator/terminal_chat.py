"""The demo's terminal chat: a member talks to the bot through the emulator.

Typed lines are sent as messages. ``#N`` presses inline button N of the newest
message with buttons (plain numbers are text, since members type CEC amounts), ``#kN``
button N of the reply keyboard shown under the input field (e.g. "Share my phone number"),
``#pay`` pays the newest invoice, ``/send PATH`` sends a file as Telegram would (a JPEG or
PNG as a photo, anything else as a document), ``/quit``, Ctrl-D or Ctrl-C leave. Those two
slash commands are the terminal's own; any other line starting with ``/`` goes to the bot.

Every file the bot sends (document or photo) is saved into `files_dir` when one is given,
and the terminal prints where.
"""

from __future__ import annotations

import asyncio
import contextlib
import mimetypes
import shlex
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from telegram_emulator.users import image_kind

if TYPE_CHECKING:
    from telegram_emulator.chats import ChatMessage
    from telegram_emulator.server import TelegramEmulator
    from telegram_emulator.users import EmulatedUser

HELP = (
    "Type a message and press Enter. #N presses button N, #kN keyboard button N, #pay pays "
    "an invoice, /send PATH sends a photo or file, /quit leaves."
)
QUIT = "/quit"
SEND = "/send"
PHOTO_LIMIT = 10 * 1024 * 1024  # Telegram sends a bigger picture as a file
FILE_LIMIT = 50 * 1024 * 1024  # read into memory: the bot itself downloads at most 20 MB
SETTLE_SECONDS = 10.0


class _Screen:
    """Prints bot messages once, and again as "(edited)" when they change."""

    def __init__(self, user: EmulatedUser, out: TextIO, files_dir: Path | None = None) -> None:
        self.user, self.out = user, out
        self.files_dir = files_dir.resolve() if files_dir is not None else None
        self.shown: dict[int, tuple[int, bool]] = {}  # message_id -> (edits, deleted)
        self.buttons: list[tuple[int, str]] = []  # (message_id, label) numbered from 1
        self.invoice: ChatMessage | None = None
        self.saved: set[str] = set()  # file_unique_ids already saved

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
        self._save_file(message)
        if message.buttons:
            self.buttons = [(message.message_id, text) for text in message.buttons]
            self.write("  " + "  ".join(f"[{i}] {t}" for i, (_, t) in enumerate(self.buttons, 1)))
        markup = message.meta.get("reply_markup")
        if isinstance(markup, dict) and markup.get("keyboard"):
            labels = [b.get("text", "") for row in markup["keyboard"] for b in row]
            self.write("  keyboard: " + "  ".join(f"[k{i}] {t}" for i, t in enumerate(labels, 1)))
        elif isinstance(markup, dict) and markup.get("remove_keyboard"):
            self.write("  (keyboard removed)")
        if message.invoice:
            self.invoice = message
            self.write("  [pay] type #pay to pay this invoice")

    def _save_file(self, message: ChatMessage) -> None:
        """The message's document or photo (its largest size), once, into files_dir."""
        sent = message.document or (message.photo[-1] if message.photo else None)
        if self.files_dir is None or sent is None or sent["file_unique_id"] in self.saved:
            return
        try:
            data = self.user.emulator.file_bytes(str(sent["file_id"]))
        except LookupError:
            self.write("  (the file is no longer available)")
            return
        self.saved.add(str(sent["file_unique_id"]))
        name = Path(str(message.document.get("file_name") or "")).name if message.document else ""
        if not name:
            kind = "photo" if message.photo else "document"
            name = f"{kind}-{message.message_id}{_suffix(data)}"
        try:
            path = _unused(self.files_dir / name)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError as exc:
            self.write(f"  (could not save {name}: {exc.strerror or exc})")
            return
        self.write(f"  saved {path}")


def _suffix(data: bytes) -> str:
    kind = image_kind(data)
    return {"image/jpeg": ".jpg", "image/png": ".png"}.get(kind or "", "")


def _unused(path: Path) -> Path:
    """`path`, or `name-2.ext`, `name-3.ext`… when taken: nothing is overwritten."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.stem}-{number}{path.suffix}")
    return candidate


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


async def _press_keyboard(user: EmulatedUser, screen: _Screen, number: str) -> None:
    labels = [str(b.get("text", "")) for row in user.reply_keyboard for b in row]
    if not number.isdigit() or not 1 <= int(number) <= len(labels):
        screen.write(f"  no keyboard button k{number}; shown: {len(labels)}")
        return
    try:
        await user.press_keyboard(labels[int(number) - 1])
    except (ValueError, NotImplementedError) as exc:
        screen.write(f"  ({exc})")


async def _pay(user: EmulatedUser, screen: _Screen) -> None:
    if screen.invoice is None:
        screen.write("  there is no invoice to pay")
        return
    result = await user.pay(screen.invoice)
    if result.approved:
        screen.write("  (payment sent)")
    else:
        screen.write(f"  (payment refused: {result.error_message or 'no answer from the bot'})")


def _path_of(argument: str) -> Path:
    """The path typed (or dropped into the terminal: quoted, or with escaped spaces)."""
    text = argument.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]
    path = Path(text).expanduser()
    if not path.exists() and "\\" in text:
        with contextlib.suppress(ValueError):
            words = shlex.split(text)
            if len(words) == 1:
                path = Path(words[0]).expanduser()
    return path


def _read(path: Path) -> bytes | str:
    """The file's bytes, or why they cannot be sent."""
    try:
        if not path.is_file():
            return f"no file {path}"
        if path.stat().st_size > FILE_LIMIT:
            return f"{path.name} is over {FILE_LIMIT // 1024 // 1024} MB: not sent"
        return path.read_bytes()
    except OSError as exc:
        return f"cannot read {path}: {exc.strerror or exc}"


async def _send_file(user: EmulatedUser, screen: _Screen, argument: str) -> None:
    if not argument.strip():
        screen.write(
            f"  usage: {SEND} PATH (a JPEG or PNG goes as a photo, anything else as a file)"
        )
        return
    path = _path_of(argument)
    data = await asyncio.to_thread(_read, path)
    if isinstance(data, str):
        screen.write(f"  {data}")
        return
    photo = image_kind(data)
    if photo is not None and len(data) <= PHOTO_LIMIT:
        await user.send_photo(data, mime_type=photo)
        screen.write(f"  (sent {path.name} as a photo)")
    else:
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        await user.send_document(path.name, data, mime_type)
        screen.write(f"  (sent {path.name} as a file, {mime_type})")


async def _handle(user: EmulatedUser, screen: _Screen, line: str) -> None:
    command = line.strip()
    word, _, rest = command.partition(" ")
    if command.lower() == "#pay":
        await _pay(user, screen)
    elif command.lower().startswith("#k"):
        await _press_keyboard(user, screen, command[2:].strip())
    elif command.startswith("#"):
        await _press(user, screen, command[1:].strip())
    elif word == SEND:
        await _send_file(user, screen, rest)
    elif command:
        await user.send(line)


async def run_terminal_chat(
    emulator: TelegramEmulator,
    user: EmulatedUser,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    files_dir: Path | None = None,
) -> None:
    """Chat as `user` until /quit, end of input, or Ctrl-C (cancellation). The files the
    bot sends are saved into `files_dir` (created when the first one comes)."""
    screen = _Screen(user, stdout or sys.stdout, files_dir)
    screen.write(HELP)
    if screen.files_dir is not None:
        screen.write(f"Files the bot sends are saved in {screen.files_dir}/")
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
