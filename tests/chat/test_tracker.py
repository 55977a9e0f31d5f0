"""The CEC tracker through the emulator: /addcec with a PDF or photo, a file sent on its own,
/cecs and /mycecs counting the log, deleting, bad files and downloads, forged buttons, and
the renewal's CEC steps prefilled from the log."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from domain.model import CecActivity
from storage.orm import LoggedCecRow, ProofFileRow
from tests.chat.conftest import ANN, BOB, CARA, DAN, ask, log_in, press, quiet, shows

PDF = b"%PDF-1.7\n%certificate of completion\n" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4
GIF = b"GIF89a" + bytes(40)


async def count(bot, table) -> int:
    """Rows of the members under test (the sample member Fay has her own)."""
    async with bot.database.unit_of_work() as uow:
        query = select(func.count()).select_from(table).where(table.acsm_id != "100006")
        return int(await uow.connection.scalar(query))


async def uow_logged(bot, acsm_id: str):
    async with bot.database.unit_of_work() as uow:
        return await uow.logged_cecs.for_member(acsm_id, date(2000, 1, 1), date(2100, 1, 1))


async def add_until_proof(user, title="Squat clinic", cecs="2.5", org="Other organization"):
    assert "title" in (await ask(user, "/addcec")).text
    assert "provided" in (await ask(user, title)).text
    assert "complete" in (await ask(user, "NSCA")).text
    assert "How many CECs" in (await ask(user, "03/15/2026")).text
    assert "ACSM activity, or from another" in (await ask(user, cecs)).text
    return await press(user, org)


async def test_addcec_with_a_pdf_counts_in_cecs_and_mycecs(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    ask_proof = await add_until_proof(ann)
    assert "photo or PDF" in ask_proof.text and ask_proof.buttons == ["Skip the certificate"]
    logged = await ann.send_document("certificate.pdf", PDF, "application/pdf")
    assert logged.document is not None
    done = await ann.next_message(timeout=15)
    assert "Logged with its certificate: Squat clinic (NSCA), 03/15/2026, 2.5 CECs" in done.text
    status = await ask(ann, "how many cecs do I still need?")
    assert "ACSM-recorded: 30 · logged by you: 2.5 (0 ACSM, 2.5 other)" in status.text
    assert "You still need 12.5 CECs out of 45" in status.text
    listing = await ask(ann, "/mycecs")
    assert "Recorded by ACSM: 30" in listing.text and "Workshop 1" in listing.text
    assert "Logged by you: 2.5 (0 ACSM, 2.5 other)" in listing.text
    assert "Squat clinic — NSCA · 2.5 · other organization · 📎 certificate" in listing.text
    assert "Total: 32.5" in listing.text
    assert "📎 Squat clinic (2.5)" in listing.buttons  # an entry with its certificate
    async with bot.database.unit_of_work() as uow:
        (proof,) = await uow.proofs.for_member("100001")
        assert await uow.proofs.read(proof.id or 0) == PDF  # byte for byte
    # The certificate can be had back, byte for byte.
    entry_data = listing.keyboard[0][0]["callback_data"]
    await ann.press("📎 Squat clinic (2.5)")
    entry = await shows(ann, lambda m: "📎 Send me the certificate" in m.buttons)
    assert entry.buttons == ["📎 Send me the certificate", "🗑 Delete it", "◀ Back to the list"]
    await ann.press("📎 Send me the certificate")
    sent = await shows(ann, lambda m: m.file_id is not None)
    assert sent.text == "Certificate: Squat clinic" and emulator.file_bytes(sent.file_id) == PDF
    # Delete it: asked first ("No, keep it" keeps it), then the list is redrawn without it;
    # the old buttons are stale.
    await ann.press("🗑 Delete it")
    asked = await shows(ann, lambda m: m.text.startswith("Delete this activity"))
    assert asked.buttons == ["Yes, delete it", "No, keep it"]
    await ann.press("No, keep it")
    await shows(ann, lambda m: m.message_id == listing.message_id and "Total: 32.5" in m.text)
    assert await count(bot, LoggedCecRow) == 1
    await ann.press("📎 Squat clinic (2.5)")
    await shows(ann, lambda m: "🗑 Delete it" in m.buttons)
    await ann.press("🗑 Delete it")
    await shows(ann, lambda m: m.text.startswith("Delete this activity"))
    await ann.press("Yes, delete it")
    assert "Deleted" in (await ann.callback_answer(timeout=15) or "")
    await quiet(emulator)
    redrawn = ann.chat.live(listing.message_id)
    assert redrawn is not None and "none yet: /addcec" in redrawn.text
    for data in (entry_data, f"{entry_data.replace('one', 'file').rsplit(':', 1)[0]}"):
        await ann.press_data(listing.message_id, data)
        assert await ann.callback_answer(timeout=15) == "This button has expired.", data
    assert await count(bot, LoggedCecRow) == 0 and await count(bot, ProofFileRow) == 0


async def test_bad_input_files_and_downloads_store_nothing(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/addcec")
    await ask(ann, "Core training")
    await ask(ann, "ACE")
    assert "in the future" in (await ask(ann, "12/01/2026")).text
    assert (
        "outside your current cycle (01/01/2024–12/31/2026)" in (await ask(ann, "2023-12-31")).text
    )
    assert "MM/DD/YYYY" in (await ask(ann, "last week")).text
    await ask(ann, "today")
    assert "steps of 0.5" in (await ask(ann, "1.25")).text
    await ask(ann, "1")
    await press(ann, "ACSM")
    # A GIF named .pdf: judged by content.
    await ann.send_document("cert.pdf", GIF, "application/pdf")
    assert "JPEG or PNG" in (await ann.next_message(timeout=15)).text
    # Over 10 MB: refused from the size Telegram reports, before any download.
    calls = len(emulator.calls_to("getFile"))
    await ann.send_document("big.pdf", PDF + bytes(10 * 1024 * 1024), "application/pdf")
    assert "at most 10 MB" in (await ann.next_message(timeout=15)).text
    assert len(emulator.calls_to("getFile")) == calls
    # A download that fails, then one cut half-way.
    for cut in (False, True):
        emulator.fail_next_download(cut=cut)
        await ann.send_document("cert.pdf", PDF, "application/pdf")
        assert "could not download" in (await ann.next_message(timeout=15)).text
    assert await count(bot, ProofFileRow) == 0 and await count(bot, LoggedCecRow) == 0
    done = await press(ann, "Skip the certificate")
    assert "Logged: Core training (ACE)" in done.text and "1 CECs (ACSM)" in done.text
    assert await count(bot, ProofFileRow) == 0 and await count(bot, LoggedCecRow) == 1


async def unreadable(user, send) -> tuple[object, object]:
    """Send a file nothing can be read on: (the plain answer, /addcec's first question)."""
    await send
    answer = await user.next_message(timeout=15)
    assert "could not read a certificate" in answer.text and "keep it" in answer.text
    question = await user.next_message(timeout=15)
    assert "What was its title?" in question.text
    return answer, question


async def test_a_photo_on_its_own_is_asked_about_and_is_kept_once(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    offer, _ = await unreadable(ann, ann.send_photo(JPEG))
    assert offer.buttons == ["Add it to an activity I logged"]
    await ask(ann, "Kettlebell basics")
    await ask(ann, "StrongFirst")
    await ask(ann, "2025-06-01")
    await ask(ann, "4")
    done = await press(ann, "ACSM")
    assert "Logged with its certificate: Kettlebell basics" in done.text
    await unreadable(ann, ann.send_photo(JPEG))  # the same file again: stored once
    assert await count(bot, ProofFileRow) == 1
    assert "Nothing was logged" in (await ask(ann, "/cancel")).text
    assert await count(bot, ProofFileRow) == 1  # still used by the activity


async def test_forged_buttons_reveal_and_change_nothing(bot, emulator) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    await unreadable(bob, bob.send_document("bob.pdf", PDF, "application/pdf"))
    await ask(bob, "Bob's course")
    await ask(bob, "NASM")
    await ask(bob, "today")
    await ask(bob, "3")
    await bob.press("ACSM")
    await bob.wait_for(lambda m: m.text.startswith("Logged"), timeout=15)
    async with bot.database.unit_of_work() as uow:
        (proof,) = await uow.proofs.for_member("100002")
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    menu = await ask(ann, "/mycecs")
    (bobs,) = await uow_logged(bot, "100002")
    for data in (
        "mc:del:1",
        f"ac:with:{proof.id}",
        f"ac:drop:{proof.id}",
        f"ac:to:{proof.id}",
        f"mc:one:{bobs.id}:1",
        f"mc:file:{bobs.id}",
        f"mc:delok:{bobs.id}:1",
    ):
        await ann.press_data(menu.message_id, data)
        assert await ann.callback_answer(timeout=15) == "This button has expired.", data
    await quiet(emulator)
    assert "Bob" not in " ".join(m.text for m in ann.messages)
    assert await count(bot, LoggedCecRow) == 1 and await count(bot, ProofFileRow) == 1
    # The `cec:add` button (sent by reminders) opens the conversation.
    await ann.press_data(menu.message_id, "cec:add")
    assert "title" in (await ann.next_message(timeout=15)).text


async def test_renewal_offers_the_logged_totals(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await add_until_proof(ann, "ACSM webinar", "5", "ACSM")
    await press(ann, "Skip the certificate")
    await add_until_proof(ann, "Yoga course", "10", "Other organization")
    await press(ann, "Skip the certificate")
    await ask(ann, "/renew")
    await press(ann, "Yes, correct")
    acsm = await press(ann, "Yes, it is current")
    assert "You logged 5 more ACSM CECs" in acsm.text
    assert acsm.buttons == ["Use 35 (recorded + logged)"]
    other = await press(ann, "Use 35 (recorded + logged)")
    assert "ACSM CECs: 35" in other.text and other.buttons == ["Use 10 (logged)"]
    ack = await press(ann, "Use 10 (logged)")
    assert "CECs reported: 45 of 45" in ack.text


async def test_a_logged_activity_cannot_be_deleted_once_its_cycle_is_paid(bot, emulator) -> None:
    from tests.chat.test_payments import renew

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await add_until_proof(ann, "Squat clinic", "2.5", "Other organization")
    await press(ann, "Skip the certificate")
    listing = await ask(ann, "/mycecs")
    delete_data = listing.keyboard[0][0]["callback_data"]
    number = await renew(ann, "30", "15")
    await ask(ann, "/invoices")
    await shows(ann, lambda m: f"☑ {number} · $45.00" in m.buttons)
    invoice_message = await press(ann, "Add to cart")
    assert (await ann.pay(invoice_message)).approved
    assert "Payment received" in (await ann.next_message(timeout=15)).text
    await quiet(emulator)
    await ann.press_data(listing.message_id, delete_data)  # the button from before payment
    await ann.callback_answer(timeout=15)
    await quiet(emulator)
    assert "renewal is paid" in ann.messages[-1].text, ann.messages[-1].text
    assert await count(bot, LoggedCecRow) == 1  # kept: it is part of a paid renewal


# ---- the proof quota and unattached files (issue 22) ------------------------------------------


async def test_a_member_at_the_quota_gets_a_clear_answer_and_nothing_is_stored(
    bot, emulator, clock
) -> None:
    from domain.tracker import MAX_PROOF_FILES_PER_CYCLE, new_proof

    async with bot.database.unit_of_work() as uow:  # 100 files sent today, none used yet
        for n in range(MAX_PROOF_FILES_PER_CYCLE):
            data = PDF + str(n).encode()
            await uow.proofs.add(new_proof("100001", data, clock.now()), data)
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ann.send_photo(JPEG)
    answer = await ann.next_message(timeout=15)
    assert "100 certificate files in this cycle" in answer.text and "not stored" in answer.text
    assert answer.buttons == []
    assert await count(bot, ProofFileRow) == MAX_PROOF_FILES_PER_CYCLE
    # At /addcec's certificate step: the same answer, and the member may skip the file.
    await add_until_proof(ann)
    await ann.send_document("cert.pdf", PDF + b"new", "application/pdf")
    assert "not stored" in (await ann.next_message(timeout=15)).text
    done = await press(ann, "Skip the certificate")
    assert done.text.startswith("Logged: Squat clinic")
    assert await count(bot, ProofFileRow) == MAX_PROOF_FILES_PER_CYCLE


async def test_the_daily_run_removes_files_left_unattached_for_a_day(bot, emulator, clock) -> None:
    from datetime import timedelta

    from bot.reminders import ReminderJob

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    offer, _ = await unreadable(ann, ann.send_photo(JPEG))  # replaced before it is used
    assert "Add it to an activity I logged" in offer.buttons
    # used by an activity
    await unreadable(ann, ann.send_document("kept.pdf", PDF, "application/pdf"))
    for answer in ("Kept course", "ACE", "03/01/2026", "2"):
        await ask(ann, answer)
    await ann.press("ACSM")
    await ann.wait_for(lambda m: m.text.startswith("Logged with its certificate"), timeout=15)
    assert await count(bot, ProofFileRow) == 2
    assert bot._polling is not None
    job = ReminderJob(bot._polling.application, bot.database.unit_of_work, bot.rules)
    clock.set(clock.now() + timedelta(hours=23))
    await job.run()
    assert await count(bot, ProofFileRow) == 2  # less than a day old
    clock.set(clock.now() + timedelta(hours=1, seconds=1))
    await job.run()
    assert await count(bot, ProofFileRow) == 1  # the photo no activity used
    await ann.press_data(offer.message_id, offer.keyboard[0][0]["callback_data"])
    assert await ann.callback_answer(timeout=15) == "This button has expired."


async def test_a_certificate_removed_during_addcec_is_asked_for_again(bot, emulator, clock) -> None:
    from datetime import timedelta

    from domain.services.tracker import remove_unattached_proofs

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await unreadable(ann, ann.send_photo(JPEG))
    for answer in ("Slow course", "ACE", "03/01/2026", "2"):
        await ask(ann, answer)
    clock.set(clock.now() + timedelta(days=1, seconds=1))  # the member comes back a day later
    assert await remove_unattached_proofs(bot.database.unit_of_work, bot.rules) == 1
    again = await press(ann, "ACSM")
    assert "no longer kept" in again.text and again.buttons == ["Skip the certificate"]
    await ann.send_photo(JPEG)
    done = await ann.wait_for(lambda m: m.text.startswith("Logged"), timeout=15)
    assert done.text.startswith("Logged with its certificate: Slow course")
    assert await count(bot, ProofFileRow) == 1 and await count(bot, LoggedCecRow) == 1


async def test_cancel_after_the_certificate_was_removed_still_cancels(bot, emulator, clock) -> None:
    """/cancel in /addcec forgets the certificate it held; when the daily run removed it
    already (a day unused), /cancel still ends the conversation and says so."""
    from datetime import timedelta

    from domain.services.tracker import remove_unattached_proofs

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await unreadable(ann, ann.send_photo(JPEG))
    await ask(ann, "Slow course")
    clock.set(clock.now() + timedelta(days=1, seconds=1))
    assert await remove_unattached_proofs(bot.database.unit_of_work, bot.rules) == 1
    assert "Nothing was logged" in (await ask(ann, "/cancel")).text
    assert "Nothing to cancel" in (await ask(ann, "/cancel")).text


# ---- the same activity twice, lapsed members, other units (issue 21) ---------------------------

SUMMIT = "ACSM Health & Fitness Summit"


async def record_summit(bot) -> None:
    """ACSM recorded Dan's summit (`cecs import`): 10 CECs on 06/04/2026."""
    async with bot.database.unit_of_work() as uow:
        await uow.cecs.add_many(
            [CecActivity("100004", date(2026, 6, 4), SUMMIT, "ACSM", Decimal(10))]
        )


async def test_dans_summit_logged_in_the_chat_counts_once(bot, emulator) -> None:
    await record_summit(bot)
    dan = emulator.new_user("Dan", "Fox")
    await log_in(dan, DAN)
    before = await ask(dan, "/cecs")
    assert "ACSM-recorded: 10 · logged by you: 0" in before.text
    await ask(dan, "/addcec")
    await ask(dan, "acsm health and fitness summit!")
    await ask(dan, "ACSM")
    question = await ask(dan, "06/04/2026")
    assert (
        "ACSM has already recorded" in question.text and "Is it the same activity" in question.text
    )
    assert question.buttons == [f"Same activity: {SUMMIT}", "A different one"]
    proof = await press(dan, f"Same activity: {SUMMIT}")
    assert "Send its certificate" in proof.text
    await dan.send_document("summit.pdf", PDF, "application/pdf")
    await dan.next_message(timeout=15)  # the document sent
    done = await dan.wait_for(lambda m: m.text.startswith("Logged"), timeout=15)
    assert "10 CECs (ACSM)" in done.text and "counted once" in done.text
    after = await ask(dan, "/cecs")
    assert "ACSM-recorded: 10 · logged by you: 0" in after.text  # once, not 20
    listing = await ask(dan, "/mycecs")
    assert listing.text.count("Summit") == 1  # one entry: ACSM's, with Dan's certificate
    assert f"{SUMMIT} — ACSM · 10 · 📎 certificate" in listing.text
    assert "Total: 10 CECs" in listing.text
    # "A different one" logs it on its own: then it counts twice, as the member said.
    await ask(dan, "/addcec")
    await ask(dan, "Health & Fitness Summit")
    await ask(dan, "ACSM")
    await ask(dan, "06/04/2026")
    assert "How many CECs" in (await press(dan, "A different one")).text
    await ask(dan, "2")
    await press(dan, "ACSM")
    await press(dan, "Skip the certificate")
    assert "ACSM-recorded: 10 · logged by you: 2" in (await ask(dan, "/cecs")).text


async def test_logging_the_same_activity_twice_is_asked_first(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await add_until_proof(ann, "Squat clinic", "2.5", "Other organization")
    await press(ann, "Skip the certificate")
    await ask(ann, "/addcec")
    await ask(ann, "SQUAT CLINIC.")
    await ask(ann, "NSCA")
    await ask(ann, "03/15/2026")
    twin = await ask(ann, "2.5")
    assert "You logged this already: Squat clinic (NSCA), 03/15/2026, 2.5 CECs" in twin.text
    assert twin.buttons == ["The same one: don't log it again", "A different one: log it"]
    await ann.press("The same one: don't log it again")
    await shows(ann, lambda m: "Not logged again" in m.text)
    assert await count(bot, LoggedCecRow) == 1
    # A stale "same" button from another member's or a past question: expired.
    await ann.press_data(twin.message_id, "ac:twin:1")
    assert await ann.callback_answer(timeout=15) == "This button has expired."


async def test_a_lapsed_member_is_refused_at_once_with_how_to_reach_acsm(bot, emulator) -> None:
    cara = emulator.new_user("Cara", "Nguyen")
    await log_in(cara, CARA)
    answer = await ask(cara, "/addcec")
    assert "Your certification has lapsed: its cycle ended 12/31/2025" in answer.text
    assert "grace period to renew it ended 06/30/2026" in answer.text
    assert "contact ACSM: certification@acsm.org" in answer.text
    assert "Nothing to cancel" in (await ask(cara, "/cancel")).text  # no question was asked


async def test_ceus_and_hours_are_converted_and_confirmed(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/addcec")
    await ask(ann, "Core training")
    await ask(ann, "ACE")
    await ask(ann, "03/15/2026")
    unknown = await ask(ann, "2 credits")
    assert "cannot read '2 credits' as CECs" in unknown.text and "0.2 CEUs" in unknown.text
    confirm = await ask(ann, "0.2 CEUs")
    assert "0.2 CEUs = 2 CECs" in confirm.text
    assert confirm.buttons == ["Yes, 2 CECs", "No, type it again"]
    assert await count(bot, LoggedCecRow) == 0
    assert "How many CECs" in (await press(ann, "No, type it again")).text
    confirm = await ask(ann, "3 contact hours")
    assert "3 contact hours = 3 CECs" in confirm.text
    assert "ACSM activity, or from another" in (await press(ann, "Yes, 3 CECs")).text
    await press(ann, "Other organization")
    done = await press(ann, "Skip the certificate")
    assert "3 CECs (other organization)" in done.text


async def test_after_an_early_renewal_today_is_explained_and_the_past_cycle_is_read_only(
    bot, emulator
) -> None:
    from tests.chat.test_payments import renew

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await add_until_proof(ann, "Squat clinic", "2.5", "Other organization")
    await press(ann, "Skip the certificate")
    number = await renew(ann, "30", "15")
    listed = await ask(ann, "/invoices")  # the only open invoice comes ticked
    assert "Selected total: $45.00" in listed.text and f"☑ {number} · $45.00" in listed.buttons
    assert (await ann.pay(await press(ann, "Add to cart"))).approved
    assert "Payment received" in (await ann.next_message(timeout=15)).text
    assert (await ann.next_message(timeout=15)).file_id is not None  # the receipt
    await ask(ann, "/addcec")
    await ask(ann, "Mobility course")
    await ask(ann, "ACE")
    refused = await ask(ann, "today")
    assert "11/28/2026 is in your cycle 01/01/2024–12/31/2026, which closed when you" in (
        refused.text
    )
    assert "current cycle (01/01/2027–12/31/2029)" in refused.text
    assert "complete from 01/01/2027 count toward it" in refused.text
    await ask(ann, "/cancel")
    listing = await ask(ann, "/mycecs")
    assert "cycle 01/01/2027 to 12/31/2029" in listing.text and "Squat clinic" not in listing.text
    assert "Previous cycle" in listing.buttons
    await ann.press("Previous cycle")
    past = await shows(ann, lambda m: m.message_id == listing.message_id and "previous" in m.text)
    assert "read-only" in past.text and "cycle 01/01/2024 to 12/31/2026" in past.text
    assert "Squat clinic" in past.text and "Workshop 1" in past.text
    assert "Total: 32.5 CECs" in past.text
    assert not any(b.startswith("🗑") for b in past.buttons)
    assert "◀ Current cycle" in past.buttons
    # A forged 🗑 for the past cycle's entry: refused, kept.
    async with bot.database.unit_of_work() as uow:
        (logged,) = await uow.logged_cecs.for_member("100001", date(2024, 1, 1), date(2026, 12, 31))
    await ann.press_data(past.message_id, f"mc:delok:{logged.id}:1")
    await ann.callback_answer(timeout=15)
    await quiet(emulator)
    assert "renewal is paid" in ann.messages[-1].text
    assert await count(bot, LoggedCecRow) == 1


async def test_a_photo_sent_later_is_added_to_an_activity_logged_without_one(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await add_until_proof(ann, "Squat clinic", "2.5", "Other organization")
    await press(ann, "Skip the certificate")
    offer, _ = await unreadable(ann, ann.send_photo(JPEG))
    assert "Add it to an activity I logged" in offer.buttons
    await ann.press("Add it to an activity I logged")
    choices = await shows(ann, lambda m: "Which activity" in m.text)
    assert choices.buttons == ["Squat clinic (03/15/2026)", "Log a new activity with it"]
    choice = choices.keyboard[0][0]["callback_data"]
    await ann.press("Squat clinic (03/15/2026)")
    await shows(ann, lambda m: "Certificate kept with: Squat clinic (03/15/2026)" in m.text)
    listing = await ask(ann, "/mycecs")
    assert "Squat clinic — NSCA · 2.5 · other organization · 📎 certificate" in listing.text
    assert await count(bot, ProofFileRow) == 1 and await count(bot, LoggedCecRow) == 1
    # The same choice pressed again: the activity has its certificate now.
    await ann.press_data(choices.message_id, choice)
    await ann.callback_answer(timeout=15)
    await quiet(emulator)
    assert "has its certificate already" in ann.messages[-1].text
    # Another file: no activity is left without a certificate.
    await ann.send_document("other.pdf", PDF, "application/pdf")
    await shows(ann, lambda m: "Add it to an activity I logged" in m.buttons)
    await ann.press("Add it to an activity I logged")
    await shows(ann, lambda m: "No activity you logged in your current cycle is without" in m.text)


async def test_the_renewal_offers_an_activity_acsm_recorded_once(bot, emulator) -> None:
    """Ann logs "Workshop 1" (ACSM recorded it: 12 CECs on 03/10/2025) and says it is the
    same: the renewal's ACSM step still offers 30, not 42."""
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/addcec")
    await ask(ann, "workshop 1")
    await ask(ann, "ACSM")
    asked = await ask(ann, "2025-03-10")
    assert asked.buttons == ["Same activity: Workshop 1", "A different one"]
    await press(ann, "Same activity: Workshop 1")
    done = await press(ann, "Skip the certificate")
    assert "12 CECs (ACSM)" in done.text and await count(bot, LoggedCecRow) == 1
    await ask(ann, "/renew")
    await press(ann, "Yes, correct")
    acsm = await press(ann, "Yes, it is current")
    assert acsm.buttons == ["Use 30 (recorded + logged)"] and "You logged" not in acsm.text
