"""Reading a certificate in the chat (issue 23), the real Application against the emulator:
a generated photo, a text PDF and a scanned PDF each logged with one Save; a photo with
nothing readable falls back to /addcec's questions with the file kept; Edit offers each
value read as a button; a date read outside the cycle is refused with the reason and asked
again, what was not read is asked one question at a time; nothing is logged before Save."""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal

import pytest
from fpdf import FPDF
from PIL import Image, ImageDraw

from bot.sample_members import seed
from domain.tracker import Organization
from storage.orm import LoggedCecRow, ProofFileRow
from tests.certificates.make_corpus import LAYOUTS, Sample, Truth, photo_of, scan_of
from tests.chat.conftest import ANN, ChatBot, ask, cheap_rules, log_in, press
from tests.chat.test_tracker import add_until_proof, count, uow_logged

READING = 90  # seconds: OCR on a loaded 2-core machine (the bot's own limit is raised to match)


@pytest.fixture
async def reading_bot(emulator, database, clock) -> AsyncIterator[ChatBot]:
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    chat_bot = ChatBot(emulator, database, cheap_rules(clock))
    chat_bot.settings = chat_bot.settings.model_copy(
        update={"certificate_reading_seconds": float(READING)}
    )
    await chat_bot.start()
    yield chat_bot
    await chat_bot.stop()


def certificate(layout: str, truth: Truth, when: str, amount: str) -> Sample:
    page = LAYOUTS[layout](random.Random(layout), truth, when, amount)
    return Sample(f"chat-{layout}", layout, page.bytes(), truth)


KETTLEBELL = certificate(
    "classic",
    Truth(
        "Advanced Kettlebell Training",
        "FitEd Academy",
        date(2026, 3, 14),
        Decimal(2),
        Organization.OTHER,
    ),
    "03/14/2026",
    "2 CECs",
)
NUTRITION = certificate(
    "table",
    Truth(
        "Nutrition for Endurance Athletes",
        "Kinetic Learning Group",
        date(2025, 9, 2),
        Decimal("4.5"),
        Organization.OTHER,
    ),
    "09/02/2025",
    "4.5 Contact Hours",
)
SUMMIT = certificate(
    "acsm",
    Truth(
        "ACSM Annual Meeting",
        "American College of Sports Medicine",
        date(2025, 5, 29),
        Decimal(12),
        Organization.ACSM,
    ),
    "May 29, 2025",
    "12 CECs",
)


async def review_of(user, timeout: float = READING):
    shown = await user.next_message(timeout=timeout)
    assert shown.buttons[:3] == ["Save", "Edit", "Cancel"], shown.text
    return shown


async def test_a_photo_a_text_pdf_and_a_scan_are_each_logged_with_one_save(
    reading_bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    sends = [
        (ann.send_photo(photo_of(KETTLEBELL), mime_type="image/jpeg"), KETTLEBELL, "typing"),
        (ann.send_document("nutrition.pdf", NUTRITION.pdf, "application/pdf"), NUTRITION, None),
        (ann.send_document("scan.pdf", scan_of(SUMMIT), "application/pdf"), SUMMIT, None),
    ]
    for logged_before, (send, sample, action) in enumerate(sends):
        await send
        shown = await review_of(ann)
        truth = sample.truth
        assert f"Date completed: {truth.completed_on:%m/%d/%Y}" in shown.text
        assert f"CECs: {truth.cecs.normalize():f}" in shown.text
        assert "".join(truth.title.split()) in "".join(shown.text.split())
        await ann.next_message(timeout=15)  # "Or is it the certificate of an activity…?"
        assert await count(reading_bot, LoggedCecRow) == logged_before  # not before Save
        done = await press(ann, "Save")
        assert done.text.startswith("Logged with its certificate:"), done.text
        if action:
            assert any(
                c.params.get("action") == action for c in emulator.calls_to("sendChatAction")
            )
    logged = await uow_logged(reading_bot, "100001")
    assert sorted((a.completed_on, a.cecs, a.organization) for a in logged) == sorted(
        (s.truth.completed_on, s.truth.cecs, s.truth.organization)
        for s in (KETTLEBELL, NUTRITION, SUMMIT)
    )
    assert all(a.proof_id is not None for a in logged)
    assert await count(reading_bot, ProofFileRow) == 3
    actions = {c.params.get("action") for c in emulator.calls_to("sendChatAction")}
    assert {"typing", "upload_document"} <= actions


def blank_photo() -> bytes:
    """A photo with nothing printed on it (a few shapes)."""
    image = Image.new("RGB", (900, 700), (200, 190, 170))
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 150, 600, 500), fill=(90, 120, 160))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


async def test_a_photo_with_nothing_readable_gets_the_questions_with_the_file_kept(
    reading_bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ann.send_photo(blank_photo(), mime_type="image/jpeg")
    plain = await ann.next_message(timeout=READING)
    assert "could not read a certificate" in plain.text
    assert "What was its title?" in (await ann.next_message(timeout=15)).text
    await ask(ann, "Balance basics")
    await ask(ann, "ACE")
    await ask(ann, "04/02/2026")
    await ask(ann, "1.5")
    done = await press(ann, "Other organization")
    assert done.text.startswith("Logged with its certificate: Balance basics (ACE)")


async def test_edit_offers_each_value_read_as_a_button(reading_bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    assert "What was its title?" in (await ask(ann, "/addcec")).text
    # The PDF as the answer to /addcec's first question.
    await ann.send_document("nutrition.pdf", NUTRITION.pdf, "application/pdf")
    await review_of(ann)
    title = await press(ann, "Edit")
    assert "What was its title?" in title.text
    assert title.buttons == ["Nutrition for Endurance Athletes"]
    provider = await press(ann, "Nutrition for Endurance Athletes")
    assert provider.buttons == ["Kinetic Learning Group"]
    when = await ask(ann, "Kinetic Learning Group Inc.")  # typed instead of pressed
    assert when.buttons == ["09/02/2025"]
    cecs = await press(ann, "09/02/2025")
    assert cecs.buttons == ["4.5 CECs"]
    organization = await press(ann, "4.5 CECs")
    assert organization.buttons == ["ACSM", "Other organization (as read)"]
    assert await count(reading_bot, LoggedCecRow) == 0  # nothing logged before the end
    done = await press(ann, "Other organization (as read)")
    assert done.text.startswith(
        "Logged with its certificate: Nutrition for Endurance Athletes (Kinetic Learning "
        "Group Inc.), 09/02/2025, 4.5 CECs (other organization)"
    )


def text_pdf(*lines: str) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=14)
    pdf.add_page()
    for line in lines:
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


async def test_save_asks_what_was_not_read_and_a_date_outside_the_cycle_again(
    reading_bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    pdf = text_pdf(
        "Certificate of Completion",
        "Jane Doe has successfully completed",
        "Core Stability 101",
        "Date of completion: 06/01/2023",
        "2 CECs",
    )
    await ann.send_document("core.pdf", pdf, "application/pdf")
    shown = await review_of(ann)
    assert "Provider: not read" in shown.text and "Date completed: 06/01/2023" in shown.text
    await ann.next_message(timeout=15)
    assert "Who provided it" in (await press(ann, "Save")).text
    refused = await ask(ann, "FitEd Academy")
    assert "The date completed, 06/01/2023" in refused.text
    assert "outside your current cycle" in refused.text and "When did you complete" in refused.text
    assert "in the future" in (await ask(ann, "12/24/2026")).text
    assert await count(reading_bot, LoggedCecRow) == 0
    organization = await ask(ann, "06/01/2026")
    assert "ACSM activity, or from another" in organization.text
    done = await press(ann, "Other organization")
    assert done.text.startswith(
        "Logged with its certificate: Core Stability 101 (FitEd Academy), 06/01/2026, 2 CECs"
    )


async def test_a_certificate_at_the_certificate_step_shows_what_differs(
    reading_bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await add_until_proof(ann, "Kettlebells", "2", "Other organization")
    await ann.send_document("kettlebell.pdf", KETTLEBELL.pdf, "application/pdf")
    shown = await review_of(ann)
    assert "Title: Advanced Kettlebell Training (you typed: Kettlebells)" in shown.text
    assert "Date completed: 03/14/2026 (you typed: 03/15/2026)" in shown.text
    cancelled = await press(ann, "Cancel")
    assert "Nothing was logged" in cancelled.text
    assert (
        await count(reading_bot, LoggedCecRow) == 0 and await count(reading_bot, ProofFileRow) == 0
    )
