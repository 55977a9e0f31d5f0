"""An expired CPR/AED date on file is not a dead end: Eve (CPR/AED expired 01/31/2025) gives
her newer card's expiry date and a photo of it, kept like a certificate, and renews."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import func, select

from storage.orm import CprAedCardRow, ProofFileRow
from tests.chat.conftest import EVE, ask, log_in, press, shows

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n%CPR/AED card\n" + bytes(range(256)) * 8
GIF = b"GIF89a" + bytes(40)
INVOICE = re.compile(r"Invoice (R\d{6}) · 11/28/2026")


async def eve_at_the_cpr_step(emulator):
    eve = emulator.new_user("Eve", "Moss")
    await log_in(eve, EVE)
    await ask(eve, "/renew")
    cpr = await press(eve, "Yes, correct")
    assert "expired on 01/31/2025" in cpr.text
    assert cpr.buttons == ["Yes, it is current", "No", "I have a newer card"]
    return eve


async def cards_of(bot, acsm_id: str) -> list[CprAedCardRow]:
    async with bot.database.connect() as connection:
        rows = await connection.execute(
            select(CprAedCardRow).where(CprAedCardRow.acsm_id == acsm_id)
        )
        return list(rows.all())


async def proof_count(bot, acsm_id: str = "100005") -> int:
    async with bot.database.connect() as connection:
        count = select(func.count()).where(ProofFileRow.acsm_id == acsm_id)
        return int(await connection.scalar(count))


async def test_eve_gives_a_newer_card_and_reaches_the_invoice(bot, emulator, clock) -> None:
    eve = await eve_at_the_cpr_step(emulator)
    refused = await press(eve, "Yes, it is current")
    assert "expired on 01/31/2025" in refused.text and "newer card" in refused.text
    asked = await press(eve, "I have a newer card")
    assert "expiry date" in asked.text and "MM/DD/YYYY" in asked.text
    # Wrong dates are refused with the reason and asked again.
    past = await ask(eve, "01/15/2026")
    assert "01/15/2026 is past" in past.text and "again" in past.text
    assert "not a day" in (await ask(eve, "02/30/2027")).text
    assert "not a date I can read" in (await ask(eve, "next june")).text
    assert "not a date I can read" in (await ask(eve, "٠٦/٣٠/٢٠٢٨")).text  # ASCII digits only
    assert "Check the year" in (await ask(eve, "2208-06-30")).text
    card = await ask(eve, "2028-06-30")
    assert "expires 06/30/2028" in card.text and "photo or PDF" in card.text
    # A restart here loses nothing: the date typed is in the draft, the state in the database.
    await bot.restart()
    assert "photo or PDF" in (await ask(eve, "here it is")).text  # text: the file is asked again
    await eve.send_document("card.gif", GIF, "application/pdf")  # not JPEG/PNG/PDF by content
    refused_file = await eve.next_message(timeout=15)
    assert "JPEG or PNG" in refused_file.text and "send a photo or PDF" in refused_file.text
    assert await cards_of(bot, "100005") == []
    await eve.send_photo(JPEG)
    cecs = await eve.next_message(timeout=15)
    assert "CPR/AED card kept (expires 06/30/2028)" in cecs.text
    assert "Step 3 of 5" in cecs.text
    assert "Step 4 of 5" in (await ask(eve, "15")).text
    ack = await ask(eve, "0")
    assert "Step 5 of 5" in ack.text and "Fee: $35.00" in ack.text
    invoice = await press(eve, "☐ I acknowledge")
    assert INVOICE.search(invoice.text), invoice.text
    # Stored on the real database: the card with its file, and the expiry on file.
    (row,) = await cards_of(bot, "100005")
    assert row.expires == date(2028, 6, 30) and row.uploaded_at == clock.now()
    async with bot.database.unit_of_work() as uow:
        member = await uow.members.get("100005")
        proof = await uow.proofs.get(row.proof_id)
        stored = await uow.proofs.read(row.proof_id)
    assert member is not None and member.cpr_aed_expires == date(2028, 6, 30)
    assert proof is not None and proof.content_type == "image/jpeg" and stored == JPEG
    # The card's file is attached: the daily removal of unattached files keeps it.
    from domain.services.tracker import remove_unattached_proofs

    clock.set(clock.now() + timedelta(days=2))
    assert await remove_unattached_proofs(bot.database.unit_of_work, bot.rules) == 0
    assert await proof_count(bot) == 1


async def test_a_stale_newer_card_button_changes_nothing(bot, emulator) -> None:
    eve = await eve_at_the_cpr_step(emulator)
    refused = await press(eve, "Yes, it is current")
    await press(eve, "I have a newer card")
    await ask(eve, "12/31/2027")
    await eve.send_document("card.pdf", PDF, "application/pdf")
    assert "Step 3 of 5" in (await eve.next_message(timeout=15)).text
    await eve.press_data(refused.message_id, "rn:cpr_new")  # the old button, past that step
    assert await eve.callback_answer(timeout=15) == "This button has expired."
    assert "Step 4 of 5" in (await ask(eve, "15")).text  # still where she was
    (row,) = await cards_of(bot, "100005")
    assert row.expires == date(2027, 12, 31)


async def test_after_no_the_newer_card_button_still_works(bot, emulator) -> None:
    eve = await eve_at_the_cpr_step(emulator)
    no = await press(eve, "No")
    assert "I have a newer card" in no.buttons
    assert "expiry date" in (await press(eve, "I have a newer card")).text
    await eve.send_photo(JPEG)  # the date comes first
    assert "First the card's expiry date" in (await eve.next_message(timeout=15)).text
    assert await proof_count(bot) == 0
    assert "expires 03/01/2027" in (await ask(eve, "03/01/2027")).text
    assert "expiry date" in (await press(eve, "Change the date")).text
    assert "expires 04/01/2027" in (await ask(eve, "04/01/2027")).text
    # Away in another conversation, then back: /renew resumes at the card's file (the
    # date typed is kept in the renewal's draft).
    await eve.send("/addcec")
    await shows(eve, lambda m: "What was its title?" in m.text)
    await eve.send("/renew")
    resumed = await shows(eve, lambda m: m.text.startswith("Let's continue"))
    assert "expires 04/01/2027" in resumed.text
    await eve.send_photo(JPEG)
    kept = await shows(eve, lambda m: m.text.startswith("CPR/AED card kept"))
    assert "(expires 04/01/2027)" in kept.text and "Step 3 of 5" in kept.text


async def test_someone_else_cannot_use_the_button(bot, emulator) -> None:
    from tests.chat.conftest import ANN

    eve = await eve_at_the_cpr_step(emulator)
    shown = eve.messages[-1]
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ann.press_data(shown.message_id, "rn:cpr_new")  # Ann has no renewal in progress
    assert await ann.callback_answer(timeout=15) == "This button has expired."
    assert await cards_of(bot, "100001") == []
