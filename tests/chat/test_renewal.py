"""Renewal from /renew to the invoice, its refusals, and a restart in the middle."""

from __future__ import annotations

import re

from bot.sample_members import seed
from bot.settings import Settings
from tests.chat.conftest import (
    ANN,
    BOB,
    CARA,
    DAN,
    EVE,
    ChatBot,
    ask,
    cheap_rules,
    log_in,
    press,
    prove_identity,
    quiet,
    shows,
)

INVOICE = re.compile(r"Invoice (R\d{6}) · 11/28/2026")


async def renew_to_cecs(user) -> None:
    reply = await ask(user, "/renew")
    assert "Contact details" in reply.text
    assert "Is yours current?" in (await press(user, "Yes, correct")).text
    assert "ACSM CECs" in (await press(user, "Yes, it is current")).text


async def test_renewal_happy_path_ends_in_one_invoice(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    contact = await ask(ann, "/renew")
    assert "Name: Ann Lee" in contact.text and "a***@e***.com" in contact.text  # not proven
    cpr = await press(ann, "Yes, correct")
    assert "expires 06/30/2027" in cpr.text
    acsm = await press(ann, "Yes, it is current")
    assert "ACSM has recorded 30" in acsm.text
    assert "e.g. 30 or 12.5" in (await ask(ann, "thirty")).text  # re-asks with an example
    assert "steps of 0.5" in (await ask(ann, "30.3")).text
    assert "other organizations" in (await ask(ann, "30")).text
    ack = await ask(ann, "15")
    assert "CECs reported: 45 of 45" in ack.text and "Fee: $45.00" in ack.text
    invoice = await press(ann, "☐ I acknowledge")
    number = INVOICE.search(invoice.text)
    assert number, invoice.text
    assert "Recertification thru 12/31/2029" in invoice.text
    assert "Amount $45.00 · Balance $45.00" in invoice.text
    # Asking again shows the same invoice, never a second one.
    again = await ask(ann, "/renew")
    assert number.group(1) in again.text
    listing = await ask(ann, "/invoices")
    assert listing.text.count("Invoice R") == 1


async def test_short_cecs_say_how_many_more_and_create_nothing(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    await ask(ann, "30")
    short = await ask(ann, "14.5")
    assert "44.5 of 45" in short.text and "need 0.5 more" in short.text
    assert "No invoice was created" in short.text
    assert "no invoices" in (await ask(ann, "/invoices")).text.lower()


async def test_edit_contact_details(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await prove_identity(ann)  # a login with the default credentials proves nothing
    await ask(ann, "/renew")
    await press(ann, "Edit email")
    assert "again" in (await ask(ann, "not-an-email")).text
    updated = await ask(ann, "ann@newmail.org")
    assert "Email updated" in updated.text and "ann@newmail.org" in updated.text
    assert "Phone: +1 317 555 0100" in updated.text  # as imported
    await press(ann, "Edit phone")
    phone = await ask(ann, "(317) 555-0199")
    assert "Phone updated" in phone.text
    assert "Phone: +1 317 555 0199" in phone.text  # an edited phone reads the same way
    async with bot.database.unit_of_work() as uow:
        member = await uow.members.get("100001")
        assert member is not None and member.phone == "+13175550199"  # stored E.164


async def test_two_certifications_renewed_together_cost_highest_fee_plus_five(
    bot, emulator
) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    choose = await ask(bob, "/renew")
    assert "Choose" in choose.text
    await bob.press(next(b for b in choose.buttons if "CEP —" in b and "RCEP" not in b))
    one = await shows(bob, lambda m: sum(b.startswith("☑") for b in m.buttons) == 1)
    await bob.press(next(b for b in one.buttons if "RCEP" in b))
    both = await shows(bob, lambda m: sum(b.startswith("☑") for b in m.buttons) == 2)
    assert all(b.startswith("☑") for b in both.buttons if "CEP" in b)
    await press(bob, "Continue")
    await press(bob, "Yes, correct")
    await press(bob, "Yes, it is current")
    await ask(bob, "45")
    ack = await ask(bob, "15")
    assert "of 60 required" in ack.text and "Fee: $60.00" in ack.text


async def test_one_renew_button_offers_the_other_and_makes_one_invoice(bot, emulator) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    listing = await ask(bob, "/certifications")
    assert {"Renew CEP", "Renew RCEP"} <= set(listing.buttons)
    offer = await press(bob, "Renew CEP")
    assert "You can also renew RCEP now" in offer.text
    assert "one invoice of $60.00" in offer.text and "CEP alone: $55.00" in offer.text
    assert offer.buttons == ["Renew CEP + RCEP together ($60.00)", "Only CEP ($55.00)"]
    assert "Contact details" in (await press(bob, "Renew CEP + RCEP together ($60.00)")).text
    await press(bob, "Yes, correct")
    await press(bob, "Yes, it is current")
    await ask(bob, "45")
    ack = await ask(bob, "15")
    assert "Renewing: CEP, RCEP thru 12/31/2029" in ack.text and "Fee: $60.00" in ack.text
    invoice = await press(bob, "☐ I acknowledge")
    number = INVOICE.search(invoice.text)
    assert number and "Amount $60.00" in invoice.text, invoice.text
    # The other certification's Renew button (on the old listing) shows that same invoice.
    rcep = next(b for row in listing.keyboard for b in row if b["text"] == "Renew RCEP")
    await bob.press_data(listing.message_id, rcep["callback_data"])
    again = await bob.next_message(timeout=15)
    assert number.group(1) in again.text and "Amount $60.00" in again.text
    invoices = await ask(bob, "/invoices")
    assert invoices.text.count("Invoice R") == 1 and "$60.00" in invoices.text


async def test_only_this_one_renews_it_alone(bot, emulator) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    await ask(bob, "/certifications")
    await press(bob, "Renew RCEP")
    assert "Contact details" in (await press(bob, "Only RCEP ($55.00)")).text
    await press(bob, "Yes, correct")
    await press(bob, "Yes, it is current")
    await ask(bob, "45")
    ack = await ask(bob, "15")
    assert "Renewing: RCEP thru" in ack.text and "Fee: $55.00" in ack.text
    # Pressing Renew RCEP again resumes this renewal; a forged id is refused.
    assert "Step 5 of 5" in (await press(bob, "Renew RCEP")).text
    async with bot.database.unit_of_work() as uow:
        (ann_cpt,) = await uow.certifications.for_member("100001")
    await bob.press_data(ack.message_id, f"rt:all:{ann_cpt.id}")  # Ann's CPT, not Bob's
    assert await bob.callback_answer(timeout=15) == "This button has expired."


async def test_refusals_explain_why(bot, emulator) -> None:
    eve = emulator.new_user("Eve", "Moss")
    await log_in(eve, EVE)
    await ask(eve, "/renew")
    cpr = await press(eve, "Yes, correct")
    assert "expired on 01/31/2025" in cpr.text and "I have a newer card" in cpr.buttons
    refused = await press(eve, "Yes, it is current")
    assert "CPR/AED" in refused.text and "01/31/2025" in refused.text
    assert refused.buttons == [
        "I have a newer card"
    ]  # not a dead end: tests/chat/test_cpr_update.py
    assert "no invoices" in (await ask(eve, "/invoices")).text.lower()
    dan = emulator.new_user("Dan", "Fox")
    await log_in(dan, DAN)
    assert "01/01/2028" in (await ask(dan, "/renew")).text
    cara = emulator.new_user("Cara", "Nguyen")
    await log_in(cara, CARA)
    lapsed = (await ask(cara, "/renew")).text.lower()
    assert "reinstate" in lapsed and "exam" in lapsed


async def test_the_lapse_message_names_the_acsm_contact_setting(emulator, database, clock) -> None:
    contact = "recert-help@example.org"
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    settings = Settings(_env_file=None, acsm_contact=contact)  # type: ignore[call-arg]
    chat_bot = ChatBot(emulator, database, cheap_rules(clock, settings))
    chat_bot.settings = chat_bot.settings.model_copy(update={"acsm_contact": contact})
    await chat_bot.start()
    try:
        cara = emulator.new_user("Cara", "Nguyen")
        await log_in(cara, CARA)
        lapsed = (await ask(cara, "/renew")).text
        assert (
            "reinstatement" in lapsed
            and f"contact ACSM certification services: {contact}" in lapsed
        )
        assert "certification@acsm.org" not in lapsed
    finally:
        await chat_bot.stop()


async def test_cancel_leaves_the_renewal(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    assert "cancelled" in (await ask(ann, "/cancel")).text
    assert "did not understand" in (await ask(ann, "30")).text


async def test_renew_button_on_a_certification(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/certifications")
    assert "Contact details" in (await press(ann, "Renew CPT")).text


async def test_restart_mid_renewal_continues_where_the_member_was(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    assert "other organizations" in (await ask(ann, "30")).text
    await bot.restart()
    ack = await ask(ann, "15")
    assert "CECs reported: 45 of 45" in ack.text
    assert INVOICE.search((await press(ann, "☐ I acknowledge")).text)


async def test_a_button_pressed_twice_makes_one_invoice(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    await ask(ann, "30")
    ack = await ask(ann, "15")
    await ann.press_data(ack.message_id, "rn:ack")
    await ann.press_data(ack.message_id, "rn:ack")
    await quiet(emulator)
    assert (await ask(ann, "/invoices")).text.count("Invoice R") == 1


async def test_an_update_delivered_twice_is_handled_once(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/cecs")
    await quiet(emulator)
    before = len(ann.messages)
    emulator.redeliver(max(emulator.updates.history))
    await quiet(emulator)
    assert len(ann.messages) == before


async def test_an_edited_message_never_answers_a_question_nor_cancels(bot, emulator) -> None:
    from handlers.conversation import EDITED

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    thirty = await ann.send("30")
    assert "Step 4 of 5" in (await ann.next_message()).text
    await ann.edit(thirty.message_id, "5")  # at the "other CECs" step
    assert (await ann.next_message()).text == EDITED
    await ann.edit(thirty.message_id, "/cancel")
    assert (await ann.next_message()).text == EDITED
    ack = await ask(ann, "15")
    assert "Step 5 of 5" in ack.text and "CECs reported: 45 of 45" in ack.text
