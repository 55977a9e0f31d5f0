"""Answers longer than one Telegram message (issue 22): /mycecs in pages, each valid HTML and
cut between whole entries, with a delete button for every logged entry; and a reply Telegram
refuses is an ERROR in the log and goes again as plain text, never silence."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from telegram.ext import ExtBot

from domain.model import CecActivity
from domain.tracker import LoggedActivity, Organization
from handlers.outbox import Sender
from storage.orm import LoggedCecRow
from tests.chat.conftest import ANN, BOB, REPLY_TIMEOUT, ask, log_in, quiet

ANN_ID = "100001"  # CPT thru 12/31/2026: the window is 01/01/2024 to 12/31/2026
# Long titles full of what HTML escaping lengthens (& < > "), as ACSM's import allows.
LONG = 'Strength & Conditioning <Advanced> "Masterclass" '


def title(n: int, length: int) -> str:
    return f"#{n:02d} " + (LONG * 10)[: length - 4].strip()


async def seed_long_log(bot, recorded: int, logged: int, length: int) -> list[int]:
    """`recorded` ACSM-recorded and `logged` member-logged activities with long titles for
    Ann; returns the logged ones' ids."""
    start = date(2024, 1, 1)
    async with bot.database.unit_of_work() as uow:
        await uow.cecs.add_many(
            [
                CecActivity(ANN_ID, start + timedelta(days=i), title(i, length), "ACSM", Decimal(1))
                for i in range(recorded)
            ]
        )
        ids = []
        for i in range(logged):
            activity = await uow.logged_cecs.add(
                LoggedActivity(
                    ANN_ID,
                    title(50 + i, length),
                    "Provider & Co <intl>",
                    start + timedelta(days=300 + i),
                    Decimal("1.5"),
                    Organization.OTHER,
                    datetime(2026, 11, 1, tzinfo=UTC),
                )
            )
            ids.append(activity.id or 0)
    return ids


async def logged_count(bot) -> int:
    async with bot.database.unit_of_work() as uow:
        query = select(func.count()).select_from(LoggedCecRow).where(LoggedCecRow.acsm_id == ANN_ID)
        return int(await uow.connection.scalar(query))


def delete_buttons(message) -> dict[str, str]:
    return {
        b["callback_data"]: b["text"]
        for row in message.keyboard
        for b in row
        if b["callback_data"].startswith("mc:del:")
    }


async def test_mycecs_in_pages_every_entry_shown_and_deletable(bot, emulator, caplog) -> None:
    logged_ids = await seed_long_log(bot, recorded=26, logged=25, length=200)
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    first = await ask(ann, "/mycecs")
    assert first.text.startswith("My CECs · page 1 of "), first.text[:80]
    pages = int(first.text.split(" of ", 1)[1].split("\n", 1)[0])
    assert pages >= 3
    # Walk forward with ▶: every page is one valid HTML message (the emulator parsed its tags:
    # bold and italic entities), cut between whole entries, at most 10 🗑 buttons.
    seen_text, seen_buttons = [], {}
    message = first
    for number in range(1, pages + 1):
        assert message.text.startswith(f"My CECs · page {number} of {pages}")
        assert {e["type"] for e in message.raw["entities"]} >= {"bold", "italic"}
        assert len(message.text) <= 4096
        buttons = delete_buttons(message)
        assert len(buttons) <= 10
        assert all(data.endswith(f":{number}") for data in buttons)
        seen_buttons.update(buttons)
        seen_text.append(message.text)
        labels = message.buttons
        assert (f"◀ Page {number - 1}" in labels) == (number > 1)
        assert (f"Page {number + 1} ▶" in labels) == (number < pages)
        if number < pages:
            await ann.press(f"Page {number + 1} ▶")
            message = await ann.wait_for(
                lambda m, n=number + 1: (
                    m.message_id == first.message_id and m.text.startswith(f"My CECs · page {n} ")
                ),
                timeout=REPLY_TIMEOUT,
            )
    everything = "\n".join(seen_text)
    for i in range(26):
        assert everything.count(f"#{i:02d} ") == 1, i  # every recorded entry, once, whole
        assert title(i, 200) in everything
    for i in range(25):
        assert everything.count(f"#{50 + i:02d} ") == 1, i
    assert "Total: 93.5 CECs" in everything  # 30 (sample) + 26 × 1 + 25 × 1.5
    assert "(continued)" in everything  # a page that starts inside a section says so
    # Every logged entry has its delete button (no longer only the first 20).
    assert {int(d.split(":")[2]) for d in seen_buttons} == set(logged_ids)
    # Back with ◀; then delete an entry of the page before last: that page is drawn again.
    await ann.press(f"◀ Page {pages - 1}")
    await ann.wait_for(
        lambda m: m.message_id == first.message_id and f"page {pages - 1} of" in m.text,
        timeout=REPLY_TIMEOUT,
    )
    on_page = next(d for d in seen_buttons if d.endswith(f":{pages - 1}"))
    await ann.press_data(first.message_id, on_page)  # 🗑 asks first
    await ann.wait_for(
        lambda m: m.message_id == first.message_id and m.text.startswith("Delete this activity"),
        timeout=REPLY_TIMEOUT,
    )
    assert await logged_count(bot) == 25
    await ann.press("Yes, delete it")
    assert (await ann.callback_answer(timeout=REPLY_TIMEOUT) or "").startswith("Deleted: #")
    await quiet(emulator)
    redrawn = ann.chat.live(first.message_id)
    assert redrawn is not None and f"page {pages - 1} of" in redrawn.text
    assert on_page not in delete_buttons(redrawn)
    assert await logged_count(bot) == 24
    # The same button again: stale. Another member pressing Ann's button: stale, nothing
    # deleted, nothing of Ann's shown.
    await ann.press_data(first.message_id, on_page)
    assert await ann.callback_answer(timeout=REPLY_TIMEOUT) == "This button has expired."
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    bobs = await ask(bob, "/mycecs")
    for data in (
        next(iter(delete_buttons(redrawn))),
        f"mc:del:{logged_ids[-1]}",
        f"mc:delok:{logged_ids[-1]}:1",
    ):
        await bob.press_data(bobs.message_id, data)
        assert await bob.callback_answer(timeout=REPLY_TIMEOUT) == "This button has expired."
    await quiet(emulator)
    assert "Strength" not in " ".join(m.text for m in bob.messages)
    assert await logged_count(bot) == 24
    # A page past the end (the list shrank) shows the last page.
    await bob.press_data(bobs.message_id, "mc:page:99")
    assert await bob.callback_answer(timeout=REPLY_TIMEOUT) == (
        "Your list changed: it has 1 page now."
    )
    await quiet(emulator)
    assert not any(r.levelno >= logging.ERROR for r in caplog.records), caplog.text


async def test_a_dozen_long_titles_fit_in_pages(bot, emulator) -> None:
    """Twelve 300-character titles of characters HTML escaping lengthens: before, one cut
    message Telegram refused (a split tag), and the member got nothing."""
    await seed_long_log(bot, recorded=0, logged=12, length=300)
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    first = await ask(ann, "/mycecs")
    assert "page 1 of" in first.text and first.raw.get("entities")
    pages = int(first.text.split(" of ", 1)[1].split("\n", 1)[0])
    texts, buttons = [first.text], delete_buttons(first)
    for number in range(2, pages + 1):
        await ann.press(f"Page {number} ▶")
        shown = await ann.wait_for(
            lambda m, n=number: m.message_id == first.message_id and f"page {n} of" in m.text,
            timeout=REPLY_TIMEOUT,
        )
        assert shown.raw.get("entities")  # valid HTML: Telegram parsed its tags
        texts.append(shown.text)
        buttons.update(delete_buttons(shown))
    for i in range(12):
        assert sum(title(50 + i, 300) in text for text in texts) == 1, i
    assert len(buttons) == 12 and all(t.startswith("🗑 #") for t in buttons.values())


async def test_a_refused_reply_is_an_error_and_goes_again_as_plain_text(
    bot, emulator, caplog
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/start")
    sender_bot = ExtBot(emulator.token, base_url=emulator.base_url)
    await sender_bot.initialize()
    try:
        sender = Sender(sender_bot)
        broken = "<b>My CECs</b>\n\nTotal: <b>12 &amp; more"  # cut inside a tag: refused
        with caplog.at_level(logging.INFO, logger="handlers.outbox"):
            await sender.send(
                [{"method": "sendMessage", "chat_id": ann.id, "text": broken, "markup": None}]
            )
        plain = await ann.next_message(timeout=REPLY_TIMEOUT)
        assert plain.text == "My CECs\n\nTotal: 12 & more"
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert errors and "can't parse entities" in errors[0].getMessage().lower()
        # Too long for one message: refused, then sent cut, as plain text.
        caplog.clear()
        await sender.send(
            [{"method": "sendMessage", "chat_id": ann.id, "text": "x" * 5000, "markup": None}]
        )
        assert len((await ann.next_message(timeout=REPLY_TIMEOUT)).text) == 4096
        assert any(r.levelno == logging.ERROR for r in caplog.records)
        # The two refusals were made on purpose (the fixture fails a test on any other).
        refused = [c for c in emulator.violations if getattr(c, "method", "") == "sendMessage"]
        assert len(refused) == 2
        for call in refused:
            emulator.violations.remove(call)
    finally:
        await sender_bot.shutdown()


@pytest.mark.parametrize("language", ["en", "es"])
async def test_a_refused_invoice_is_an_error_and_the_member_is_told(
    bot, emulator, caplog, language
) -> None:
    """Not only text: an invoice Telegram refuses (here a title over 32 characters) is an
    ERROR in the log and the member gets a plain-text line instead of silence, in the
    language recorded with the invoice."""
    from domain.languages import Language
    from handlers.outbox import REFUSED_NOTE
    from i18n import speaker
    from tests.chat.spanish import english_leaks

    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/start")
    sender_bot = ExtBot(emulator.token, base_url=emulator.base_url)
    await sender_bot.initialize()
    try:
        invoice = {
            "method": "sendInvoice",
            "chat_id": ann.id,
            "title": "x" * 40,
            "description": "Recertification thru 12/31/2029",
            "payload": "R123456",
            "prices": [["Recertification", 4500]],
            "language": language,
        }
        with caplog.at_level(logging.INFO, logger="handlers.outbox"):
            await Sender(sender_bot, "TEST:provider").send([invoice])
        told = await ann.next_message(timeout=REPLY_TIMEOUT)
        assert told.text == speaker(Language(language)).gettext(REFUSED_NOTE["sendInvoice"])
        if language == "es":
            assert not english_leaks([told.text])
        assert any(r.levelno == logging.ERROR for r in caplog.records)
        refused = [c for c in emulator.violations if getattr(c, "method", "") == "sendInvoice"]
        assert len(refused) == 1
        emulator.violations.remove(refused[0])
    finally:
        await sender_bot.shutdown()
