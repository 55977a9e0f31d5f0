"""A certificate whose reading would take more memory than the reading worker may peak at
(CERTIFICATE_READER_MEMORY_MB) is answered as unreadable: /addcec's questions are asked with
the file kept, and the bot goes on (the next certificate is read by a new worker)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.sample_members import seed
from tests.certificates.make_corpus import photo_of
from tests.chat.conftest import ANN, ChatBot, ask, cheap_rules, log_in, press
from tests.chat.test_reading import KETTLEBELL, NUTRITION, READING, review_of

CAP_MB = 120  # above a text PDF's reading (~40-70 MB), below a photo's (~350 MB)


@pytest.fixture
async def capped_bot(emulator, database, clock) -> AsyncIterator[ChatBot]:
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    chat_bot = ChatBot(emulator, database, cheap_rules(clock))
    chat_bot.settings = chat_bot.settings.model_copy(
        update={
            "certificate_reading_seconds": float(READING),
            "certificate_reader_memory_mb": CAP_MB,
        }
    )
    await chat_bot.start()
    yield chat_bot
    await chat_bot.stop()


async def test_a_photo_over_the_memory_cap_gets_the_questions_and_the_bot_goes_on(
    capped_bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ann.send_photo(photo_of(KETTLEBELL), mime_type="image/jpeg")
    plain = await ann.next_message(timeout=READING)
    assert "could not read a certificate" in plain.text
    assert "What was its title?" in (await ann.next_message(timeout=15)).text
    await ask(ann, "Advanced Kettlebell Training")
    await ask(ann, "FitEd Academy")
    await ask(ann, "03/14/2026")
    await ask(ann, "2")
    done = await press(ann, "Other organization")
    assert done.text.startswith("Logged with its certificate: Advanced Kettlebell Training")
    # A text PDF, far under the cap, is read by the worker that replaced the first.
    await ann.send_document("nutrition.pdf", NUTRITION.pdf, "application/pdf")
    shown = await review_of(ann)
    assert "CECs: 4.5" in shown.text
