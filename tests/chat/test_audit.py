"""Audits end to end: `audit select` tells the member, /audit takes a certificate from the log
and a new photo, forged buttons change nothing, Submit, then status and an export that still
has every file byte for byte after Telegram (the emulator) forgot them."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from decimal import Decimal

from bot import audits as staff
from domain.model import Invoice, InvoiceLine, InvoiceStatus
from tests.chat.conftest import ANN, BOB, ask, log_in, press, quiet, shows

PDF = b"%PDF-1.7\n%certificate\n" + bytes(range(256)) * 8
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4"
    "890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


async def pay_renewal(bot, acsm_id: str, number: str) -> None:
    """A paid renewal of the cycle ending 12/31/2026 (the payment flow has its own tests)."""
    async with bot.database.unit_of_work() as uow:
        certs = await uow.certifications.for_member(acsm_id)
        await uow.invoices.add(
            Invoice(
                number=number,
                acsm_id=acsm_id,
                issued_on=date(2026, 11, 1),
                description="Recertification thru 12/31/2029",
                amount_cents=4500,
                balance_cents=0,
                lines=[
                    InvoiceLine(c.id or 0, c.code, c.thru_date, date(2029, 12, 31)) for c in certs
                ],
                status=InvoiceStatus.PAID,
                acsm_cecs=Decimal(30),
                other_cecs=Decimal(15),
            )
        )


async def test_audit_from_selection_to_export(bot, emulator, clock, tmp_path) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/addcec")
    for answer in ("Squat clinic", "NSCA", "03/15/2026", "2.5"):
        await ask(ann, answer)
    await press(ann, "Other organization")
    await ann.send_document("squat.pdf", PDF, "application/pdf")
    await ann.wait_for(lambda m: m.text.startswith("Logged with"), timeout=15)
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    await pay_renewal(bot, "100001", "R000001")
    await pay_renewal(bot, "100002", "R000002")

    settings = bot.settings.model_copy(update={"telegram_bot_token": _token(emulator)})
    factory = bot.database.unit_of_work
    selection, told, failed = await staff.select(settings, factory, bot.rules, 2026, 100, 7)
    assert selection.picked == ["R000001", "R000002"] and (told, failed) == (2, 0)
    again, told, _ = await staff.select(settings, factory, bot.rules, 2026, 100, 7)
    assert again.picked == selection.picked and again.new == [] and told == 0
    notice = await ann.wait_for(lambda m: "selected for a random audit" in m.text, timeout=15)
    assert "by 12/28/2026" in notice.text

    await ann.press("Open my audit")
    view = await ann.wait_for(lambda m: "Audit of your renewal" in m.text, timeout=15)
    assert "You reported 30 ACSM CECs and 15 from other organizations" in view.text
    assert "Squat clinic — NSCA · 2.5" in view.text and "No certificate attached" in view.text
    assert "📎 Add: Squat clinic" in view.buttons
    await ann.press("📎 Add: Squat clinic")
    assert await ann.callback_answer(timeout=15) == "Added."
    await ann.send_document("notes.txt", b"just some text", "application/pdf")
    await ann.wait_for(lambda m: "JPEG or PNG" in m.text, timeout=15)
    await ann.send_photo(PNG)
    added = await ann.wait_for(lambda m: m.text.startswith("Certificate added"), timeout=15)
    assert "Certificates attached: 2" in added.text
    audit_id = added.keyboard[-1][0]["callback_data"].rpartition(":")[2]

    # Bob forges Ann's audit and proof ids: nothing is revealed or changed.
    async with factory() as uow:
        ann_proofs = [p.id for p in await uow.proofs.for_member("100001")]
    bob_view = await ask(bob, "/audit")
    bob_audit = bob_view.keyboard[-1][0]["callback_data"].rpartition(":")[2]
    for data in (f"ad:submit:{audit_id}", f"ad:log:{bob_audit}:{ann_proofs[0]}"):
        await bob.press_data(bob_view.message_id, data)
        assert await bob.callback_answer(timeout=15) == "This button has expired.", data
    await quiet(emulator)
    assert "Squat" not in " ".join(m.text for m in bob.messages)

    await ann.press("Submit")  # 2.5 of 45 proven: submitted only once she confirms
    short = await ann.wait_for(lambda m: "CECs are not covered" in m.text, timeout=15)
    assert "Your proof covers 2.5 of the 45 CECs you reported: 42.5" in short.text
    await ann.press("Submit with 42.5 CECs not covered")
    submitted = await ann.wait_for(lambda m: "was submitted" in m.text, timeout=15)
    assert "submitted" in submitted.text
    clock.advance(timedelta(days=31))
    rows = await staff.status(factory, bot.rules)
    assert [r[0::4] for r in rows][:2] == [["100001", "submitted"], ["100002", "overdue"]]
    assert rows[0][1:4] == ["Ann Lee", "11/28/2026", "12/28/2026"]

    for message in ann.sent:  # Telegram's copies are gone: the export does not need them
        if message.file_id:
            emulator.files.forget(message.file_id)
    count, files = await staff.export(factory, bot.rules, tmp_path / "out")
    assert (count, files) == (3, 2)  # with the sample member's audit (no file attached)
    with (tmp_path / "out" / "audits.csv").open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert table[0]["state"] == "submitted" and table[1]["files"] == ""
    names = table[0]["files"].split(";")
    exported = sorted((tmp_path / "out" / name).read_bytes() for name in names)
    assert exported == sorted([PDF, PNG])


def _token(emulator):
    from pydantic import SecretStr

    return SecretStr(emulator.token)


async def test_sample_member_shows_the_tracker_and_her_audit(bot, emulator) -> None:
    fay = emulator.new_user("Fay", "Park")
    await log_in(fay, ("PAR100006", "PAR100006"))
    mine = await ask(fay, "/mycecs")
    assert "Logged by you: 7.5 (3 ACSM, 4.5 other)" in mine.text
    audit = await ask(fay, "/audit")
    assert "cycle ending 12/31/2025" in audit.text and "Functional training summit" in audit.text
    assert "📎 Add: Functional training summit" in audit.buttons


async def test_proof_against_reported_outside_cycle_named_and_files_removable(
    bot, emulator
) -> None:
    """Issue 21: Fay reported 45 CECs (30 + 15) and one certificate for 15 was accepted
    without a word, and a certificate of an activity after the audited cycle counted. Now
    the audit says what the proof covers, names the certificate that does not count, lets a
    file go until Submit (owner checked, stale button said), and Submit with a shortfall
    needs a confirmation that says it (a shortfall grown since is asked again)."""
    fay = emulator.new_user("Fay", "Park")
    await log_in(fay, ("PAR100006", "PAR100006"))
    await ask(fay, "/addcec")  # this cycle's activity: after the audited one (ended 12/31/2025)
    for answer in ("Spring workshop", "ACE", "03/15/2026", "6"):
        await ask(fay, answer)
    await press(fay, "Other organization")
    await fay.send_document("workshop.pdf", PDF, "application/pdf")
    await fay.wait_for(lambda m: m.text.startswith("Logged with"), timeout=15)

    await fay.send("/audit")
    view = await fay.wait_for(lambda m: "Audit of your renewal" in m.text, timeout=15)
    assert "Your proof covers 0 of the 45 CECs you reported (45 short)" in view.text
    await fay.press("📎 Add: Functional training summit")
    assert await fay.callback_answer(timeout=15) == "Added."
    await fay.send_document("workshop-again.pdf", PDF, "application/pdf")  # that certificate
    added = await fay.wait_for(lambda m: m.text.startswith("Certificate added"), timeout=15)
    assert "Your proof covers 15 of the 45 CECs you reported (30 short)" in added.text
    assert "Not counted: Spring workshop was completed 03/15/2026, outside the audited" in (
        added.text
    )
    assert "Spring workshop (03/15/2026, 6 CECs, outside the cycle: not counted)" in added.text
    removes = [b for b in added.buttons if b.startswith("🗑 Remove")]
    assert len(removes) == 2 and removes[0].startswith("🗑 Remove: Functional training summit")

    await fay.press("Submit")
    short = await fay.wait_for(lambda m: "CECs are not covered" in m.text, timeout=15)
    assert "Your proof covers 15 of the 45 CECs you reported: 30 CECs are not covered" in (
        short.text
    )
    assert "Spring workshop (03/15/2026) is outside the audited cycle" in short.text
    assert short.buttons == ["Submit with 30 CECs not covered", "Back to my audit"]

    # Bob forges a Remove for Fay's audit: nothing changes, nothing is revealed.
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    remove_summit = added.keyboard[-3][0]["callback_data"]
    await bob.press_data(added.message_id, remove_summit)
    assert await bob.callback_answer(timeout=15) == "This button has expired."

    await fay.press_data(added.message_id, remove_summit)  # her own: the summit leaves
    assert await fay.callback_answer(timeout=15) == "Removed."
    left = await shows(fay, lambda m: "Your proof covers 0 of the 45" in m.text)
    assert "Certificates attached: 1" in left.text and "📎 Add: Functional training summit" in (
        left.buttons
    )
    await fay.press_data(added.message_id, remove_summit)  # stale: already removed
    assert await fay.callback_answer(timeout=15) == "This button has expired."

    await fay.press("Submit with 30 CECs not covered")  # now 45 short: asked again
    again = await fay.wait_for(lambda m: "45 CECs are not covered" in m.text, timeout=15)
    assert again.buttons[0] == "Submit with 45 CECs not covered"
    await quiet(emulator)
    assert not any("was submitted" in m.text for m in fay.messages)
    await fay.press("Submit with 45 CECs not covered")
    await fay.wait_for(lambda m: "was submitted" in m.text, timeout=15)
    await fay.press_data(added.message_id, added.keyboard[-2][0]["callback_data"])
    assert await fay.callback_answer(timeout=15) is None  # submitted: files stay as sent
    said = await fay.wait_for(lambda m: "files stay as sent" in m.text, timeout=15)
    assert "already submitted" in said.text
