"""Files both ways (multipart upload, getFile, download) and flood control."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
from telegram.error import BadRequest, RetryAfter

from telegram_emulator import TelegramEmulator
from telegram_emulator.users import TINY_PNG


async def test_multipart_upload_getfile_and_download(emulator: TelegramEmulator, api: Any) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("/start")
    content = b"%PDF-1.4 receipt R000123"
    response = await api.client.post(
        "/sendDocument",
        data={"chat_id": str(ann.id), "caption": "Your receipt"},
        files={"document": ("receipt.pdf", content, "application/pdf")},
    )
    sent = response.json()["result"]
    assert sent["document"]["file_name"] == "receipt.pdf"
    assert sent["caption"] == "Your receipt"
    assert emulator.file_bytes(ann.messages[-1].file_id or "") == content
    _, got = await api("getFile", file_id=sent["document"]["file_id"])
    file_url = f"{emulator.base_file_url}{emulator.token}/{got['result']['file_path']}"
    async with httpx.AsyncClient() as client:
        downloaded = await client.get(file_url)
    assert downloaded.status_code == 200
    assert downloaded.content == content


async def test_the_bot_sends_and_reads_files_with_ptb(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    uploaded = await ann.send_document("cecs.csv", b"acsm_id,cecs\n123,4.5\n", "text/csv")
    assert uploaded.document is not None
    tg_file = await echo_bot.bot.get_file(uploaded.document["file_id"])
    assert bytes(await tg_file.download_as_bytearray()) == b"acsm_id,cecs\n123,4.5\n"
    photo = await echo_bot.bot.send_photo(ann.id, photo=io.BytesIO(TINY_PNG), caption="card")
    assert emulator.file_bytes(photo.photo[-1].file_id) == TINY_PNG
    await echo_bot.bot.send_document(ann.id, document=b"PDF!", filename="invoice.pdf")
    assert ann.messages[-1].document == {
        **ann.messages[-1].document,
        "file_name": "invoice.pdf",
        "file_size": 4,
    }
    try:
        await echo_bot.bot.send_photo(ann.id, photo=b"not an image")
    except BadRequest as error:
        assert "image_process_failed" in error.message.lower()
    else:
        raise AssertionError("a non-image photo was accepted")


async def test_flood_control_answers_429_with_retry_after(
    emulator: TelegramEmulator, api: Any
) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("/start")
    for _ in range(5):
        status, _ = await api("sendMessage", chat_id=ann.id, text="spam")
        assert status == 200  # off by default
    emulator.rate_limit = True
    statuses = []
    for _ in range(5):
        status, body = await api("sendMessage", chat_id=ann.id, text="spam")
        statuses.append(status)
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    assert body["parameters"]["retry_after"] >= 1
    assert (
        body["description"] == f"Too Many Requests: retry after {body['parameters']['retry_after']}"
    )


async def test_ptb_sees_retry_after(emulator: TelegramEmulator, echo_bot: Any) -> None:
    ann = emulator.new_user(first_name="Ann")
    await ann.send("/start")
    emulator.fail_next("sendMessage", status=429, retry_after=3)
    try:
        await echo_bot.bot.send_message(ann.id, "hello")
    except RetryAfter as error:
        assert "Retry in 3 seconds" in error.message
    else:
        raise AssertionError("no RetryAfter")


async def test_bot_menu_commands_roundtrip(emulator: TelegramEmulator, echo_bot: Any) -> None:
    await echo_bot.bot.set_my_commands([("start", "Start"), ("renew", "Renew a certification")])
    assert emulator.commands_menu() == ["start", "renew"]
    commands = await echo_bot.bot.get_my_commands()
    assert [c.command for c in commands] == ["start", "renew"]
    try:
        await echo_bot.bot.set_my_commands([("Bad-Name", "x")])
    except BadRequest as error:
        assert "bot_command_invalid" in error.message.lower()
    else:
        raise AssertionError("invalid command accepted")


async def test_downloads_can_fail_be_cut_and_files_be_forgotten(
    emulator: TelegramEmulator, echo_bot: Any
) -> None:
    from telegram.error import NetworkError

    ann = emulator.new_user(first_name="Ann")
    sent = await ann.send_document("card.pdf", b"%PDF-1.4 " + b"x" * 4000, "application/pdf")
    assert sent.document is not None
    file_id = sent.document["file_id"]
    tg_file = await echo_bot.bot.get_file(file_id)
    for cut in (False, True):
        emulator.fail_next_download(cut=cut)
        try:
            data = await tg_file.download_as_bytearray()
        except NetworkError:
            pass
        else:
            assert len(data) < 4009, "a failed download returned the whole file"
    assert len(await tg_file.download_as_bytearray()) == 4009  # faults are used up
    emulator.files.forget(file_id)
    try:
        await echo_bot.bot.get_file(file_id)
    except BadRequest as error:
        assert "invalid file_id" in error.message.lower()
    else:
        raise AssertionError("a forgotten file was still served")


async def test_a_slow_download_trickles_its_bytes_and_arrives_whole(
    emulator: TelegramEmulator,
) -> None:
    data = bytes(range(256)) * 20
    stored = emulator.files.add(data, kind="document", file_name="slow.pdf")
    emulator.slow_next_download(1.0)
    url = f"{emulator.base_file_url}{emulator.token}/{stored.file_path}"
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5)) as client:  # no read waits 0.5 s
        started = time.monotonic()
        slow = await client.get(url)
        took = time.monotonic() - started
        quick = await client.get(url)  # only the next one was slow
    assert slow.content == data == quick.content
    assert took >= 0.9
