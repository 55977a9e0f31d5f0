"""The demo's terminal chat, driven by a fake stdin against the PTB echo bot."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

from telegram_emulator import TelegramEmulator
from telegram_emulator.terminal_chat import HELP, run_terminal_chat
from telegram_emulator.users import TINY_PNG


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


# A JPEG's header up to its frame (SOF0): 3 x 2 pixels. Enough for Telegram's photo sizes.
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffc0001108000200030301220002110103")


async def test_terminal_chat_sends_files_as_telegram_would_and_saves_the_bots(
    emulator: TelegramEmulator, echo_bot: Any, tmp_path: Path
) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("hi")  # the chat is started: the bot may write to Ann
    await echo_bot.bot.send_document(ann.id, document=b"%PDF-1.4 one", filename="receipt.pdf")
    await echo_bot.bot.send_document(ann.id, document=b"%PDF-1.4 two", filename="receipt.pdf")
    await echo_bot.bot.send_photo(ann.id, photo=TINY_PNG, caption="your card")
    folder = tmp_path / "out"
    (tmp_path / "my card.jpg").write_bytes(JPEG)
    (tmp_path / "cert.pdf").write_bytes(b"%PDF-1.4 certificate")
    lines = [
        f"/send {tmp_path / 'my card.jpg'}",
        f'/send "{tmp_path / "cert.pdf"}"',
        "/send",
        f"/send {tmp_path / 'missing.pdf'}",
        "/sendall of it",  # not the terminal's: the bot gets it
        "/start",
    ]
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    await asyncio.wait_for(
        run_terminal_chat(emulator, ann, stdin=stdin, stdout=stdout, files_dir=folder), 10
    )
    output = stdout.getvalue().splitlines()
    assert output[1] == f"Files the bot sends are saved in {folder.resolve()}/"
    photo_message = next(m for m in ann.messages if m.photo)
    saved = {
        folder.resolve() / "receipt.pdf": b"%PDF-1.4 one",
        folder.resolve() / "receipt-2.pdf": b"%PDF-1.4 two",  # never overwritten
        folder.resolve() / f"photo-{photo_message.message_id}.png": TINY_PNG,
    }
    for path, data in saved.items():
        assert f"  saved {path}" in output
        assert path.read_bytes() == data
    assert sorted(folder.iterdir()) == sorted(saved)

    photo, document = [m for m in ann.sent if m.photo or m.document]
    assert "  (sent my card.jpg as a photo)" in output
    assert photo.photo is not None
    assert (photo.photo[-1]["width"], photo.photo[-1]["height"]) == (3, 2)  # from its header
    assert "  (sent cert.pdf as a file, application/pdf)" in output
    assert document.document is not None
    assert document.document["file_name"] == "cert.pdf"
    assert document.document["mime_type"] == "application/pdf"
    for sent, data in ((photo, JPEG), (document, b"%PDF-1.4 certificate")):
        assert sent.file_id is not None
        tg_file = await echo_bot.bot.get_file(sent.file_id)  # the bot can download it
        assert bytes(await tg_file.download_as_bytearray()) == data
    assert any(line.startswith("  usage: /send PATH") for line in output)
    assert f"  no file {tmp_path / 'missing.pdf'}" in output
    assert [m.text for m in ann.sent if m.text] == ["hi", "/sendall of it", "/start"]


async def test_terminal_chat_shows_and_presses_a_reply_keyboard(
    emulator: TelegramEmulator, echo_bot: Any, api: Any
) -> None:
    ann = emulator.new_user(first_name="Ann", phone_number="13175550100")
    await ann.send("hello")  # a bot cannot write first
    await emulator.settle()
    share = {"keyboard": [[{"text": "Share my phone number", "request_contact": True}]]}
    status, _ = await api("sendMessage", chat_id=ann.id, text="Prove it", reply_markup=share)
    assert status == 200
    stdin = io.StringIO("#k2\n#k1\n")
    stdout = io.StringIO()
    await asyncio.wait_for(run_terminal_chat(emulator, ann, stdin=stdin, stdout=stdout), 10)
    output = stdout.getvalue().splitlines()
    assert "  keyboard: [k1] Share my phone number" in output
    assert "  no keyboard button k2; shown: 1" in output
    [contact] = [m.raw["contact"] for m in ann.sent if "contact" in m.raw]
    assert contact["user_id"] == ann.id and contact["phone_number"] == "13175550100"
