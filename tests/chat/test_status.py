"""/certifications, /cecs and free-text questions, and input the bot does not expect."""

from __future__ import annotations

import pytest

from tests.chat.conftest import ANN, BOB, CARA, DAN, ask, log_in, press


async def test_certifications_show_dates_state_and_renew_button(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    reply = await ask(ann, "/certifications")
    assert "CPT — ACSM Certified Personal Trainer" in reply.text
    assert "Effective 01/01/2024 · thru 12/31/2026" in reply.text
    assert "State: renewal open" in reply.text
    assert reply.buttons == ["Renew CPT"]


async def test_certifications_of_other_states(bot, emulator) -> None:
    dan = emulator.new_user("Dan", "Fox")
    await log_in(dan, DAN)
    reply = await ask(dan, "/certifications")
    assert "State: active" in reply.text and "Renewal opens 01/01/2028" in reply.text
    assert reply.buttons == []
    cara = emulator.new_user("Cara", "Nguyen")
    await log_in(cara, CARA)
    assert "State: lapsed" in (await ask(cara, "/certifications")).text


async def test_cecs_says_how_many_are_still_needed(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    reply = await ask(ann, "/cecs")
    # Ann: 12 + 10.5 + 7.5 = 30 ACSM-recorded CECs of 45 for CPT.
    assert "30 of 45 CECs" in reply.text
    assert "You still need 15 CECs out of 45 for CPT" in reply.text
    assert "Deadline: 12/31/2026" in reply.text


async def test_cecs_for_two_certifications_uses_the_highest_requirement(bot, emulator) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    await log_in(bob, BOB)
    reply = await ask(bob, "/cecs")
    assert "45 of 60 CECs" in reply.text
    assert "15 CECs out of 60 for CEP, RCEP" in reply.text


@pytest.mark.parametrize(
    "question",
    [
        "how many CECs do I still need?",
        "CECs left",
        "what do I need to renew",
        "HOW MANY CESC DO I STIL NEED",
    ],
)
async def test_free_text_questions_get_the_cecs_answer(bot, emulator, question) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    expected = (await ask(ann, "/cecs")).text
    assert (await ask(ann, question)).text == expected


async def test_menu_buttons_after_login(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    welcome = await log_in(ann, ANN)
    assert "My certifications" in welcome.buttons
    assert "CPT" in (await press(ann, "My certifications")).text
    assert "still need" in (await press(ann, "CECs needed")).text


async def test_unexpected_input_gets_a_hint(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ann.send_sticker()
    assert "text" in (await ann.next_message()).text
    await ann.send_photo()  # a photo may be a certificate: nothing readable, so /addcec asks
    assert "certificate" in (await ann.next_message()).text
    assert "What was its title?" in (await ann.next_message()).text
    assert "Nothing was logged" in (await ask(ann, "/cancel")).text
    assert "did not understand" in (await ask(ann, "x" * 4096)).text
    assert "did not understand" in (await ask(ann, "purple elephants dance")).text


async def test_stale_or_unknown_button_says_expired(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    welcome = await log_in(ann, ANN)
    await ann.press_data(welcome.message_id, "rn:ack")
    assert await ann.callback_answer() == "This button has expired."
    await ann.press_data(welcome.message_id, "nonsense")
    assert await ann.callback_answer() == "This button has expired."


async def test_two_members_at_once_see_only_their_own(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    bob = emulator.new_user("Bob", "Diaz")
    await ann.send("/login")
    await bob.send("/login")
    await ann.send(ANN[0])
    await bob.send(BOB[0])
    await ann.send(ANN[1])
    await bob.send(BOB[1])
    await ann.wait_for(lambda m: "Welcome" in m.text)
    await bob.wait_for(lambda m: "Welcome" in m.text)
    await ann.send("/certifications")
    await bob.send("/certifications")
    ann_certs = (await ann.wait_for(lambda m: "My certifications" in m.text)).text
    bob_certs = (await bob.wait_for(lambda m: "My certifications" in m.text)).text
    assert "CPT" in ann_certs and "CEP" not in ann_certs
    assert "CEP" in bob_certs and "RCEP" in bob_certs and "CPT" not in bob_certs
