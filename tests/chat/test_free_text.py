"""Lost in the conversation (issue 21): unknown commands, "cancel" typed without the slash,
/logout in the middle of a conversation, and free text such as "when is my deadline?", "I
want to renew", "hi" or "menu" — each answered, logged in or not."""

from __future__ import annotations

from handlers import login, renewal, tracker
from handlers.menu import HELP
from tests.chat.conftest import ANN, CARA, DAN, ask, log_in, press, quiet
from tests.chat.test_renewal import renew_to_cecs

MENU_BUTTONS = ["My certifications", "CECs needed", "Renew", "Invoices"]


async def start_addcec(user) -> None:
    assert "What was its title?" in (await ask(user, "/addcec")).text


# ---- unknown commands -----------------------------------------------------------------------


async def test_an_unknown_command_gets_an_answer_naming_help(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    reply = await ask(ann, "/foo")
    assert "/foo" in reply.text and "/help" in reply.text
    await log_in(ann, ANN)
    assert "/help" in (await ask(ann, "/Certificationz now")).text
    # Inside a conversation too, and the question is still waiting for its answer.
    await start_addcec(ann)
    assert "/help" in (await ask(ann, "/bar")).text
    assert "Who provided it" in (await ask(ann, "Squat clinic")).text
    # A known command is answered by its own handler only: one reply, no "do not know".
    assert (await ask(ann, "/help")).text == HELP
    assert "Nothing was logged" in (await ask(ann, "/cancel")).text
    assert "Nothing to cancel" in (await ask(ann, "/cancel")).text
    await quiet(emulator)
    answers = [m.text for m in ann.messages if m.from_bot]
    assert answers[-3:] == [HELP, answers[-2], answers[-1]]
    assert sum("do not know" in text for text in answers) == 3  # /foo, /Certificationz, /bar


# ---- "cancel" without the slash --------------------------------------------------------------


async def test_typed_cancel_ends_the_activity_instead_of_becoming_its_provider(
    bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await start_addcec(ann)
    assert "Who provided it" in (await ask(ann, "Squat clinic")).text
    assert "Nothing was logged" in (await ask(ann, "cancel")).text
    assert "Nothing to cancel" in (await ask(ann, "/cancel")).text
    assert "none yet" in (await ask(ann, "/mycecs")).text


async def test_stop_and_quit_end_the_conversation_in_front_of_the_member(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await start_addcec(ann)
    assert "Nothing was logged" in (await ask(ann, "  Stop! ")).text
    await renew_to_cecs(ann)
    assert "Renewal cancelled" in (await ask(ann, "QUIT")).text
    assert "Nothing to cancel" in (await ask(ann, "stop")).text  # outside one: as /cancel
    # Logging in: "cancel" at the username prompt is not a username.
    await ask(ann, "/logout")
    await ask(ann, "/login")
    assert "Login cancelled" in (await ask(ann, "cancel")).text


async def test_a_sentence_with_cancel_or_an_intent_stays_an_answer(bot, emulator) -> None:
    """Only the bare word escapes: a title that sounds like a question to the bot, or a
    provider with "cancel" in it, is the answer to the question asked."""
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await start_addcec(ann)
    assert "Who provided it" in (await ask(ann, "Renew your mindset workshop")).text
    assert "When did you complete it" in (await ask(ann, "Cancel culture institute")).text
    assert "How many CECs" in (await ask(ann, "11/02/2026")).text
    assert "another organization" in (await ask(ann, "2")).text
    await press(ann, "Other organization")
    done = await press(ann, "Skip the certificate")
    assert "Logged: Renew your mindset workshop (Cancel culture institute)" in done.text
    # At the renewal's CEC step, "when is my deadline?" is a wrong answer, re-asked.
    await renew_to_cecs(ann)
    assert "e.g. 30 or 12.5" in (await ask(ann, "when is my deadline?")).text
    assert "other organizations" in (await ask(ann, "30")).text


# ---- /logout inside a conversation -------------------------------------------------------------


async def test_logout_ends_the_conversation_and_says_so(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await start_addcec(ann)
    assert (await ask(ann, "/logout")).text == tracker.LEAVING
    assert "You are logged out" in (await ann.next_message()).text
    assert "Nothing to cancel" in (await ask(ann, "/cancel")).text
    assert "did not understand" in (await ask(ann, "Squat clinic")).text
    # The renewal is set aside (what was typed is kept) and the member is logged out.
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    assert (await ask(ann, "/logout")).text == renewal.LEAVING
    assert "You are logged out" in (await ann.next_message()).text
    assert "/login" in (await ask(ann, "30")).text
    # Half-way through logging in: the login stops.
    await ask(ann, "/login")
    assert (await ask(ann, "/logout")).text == login.LEAVING
    assert "You were not logged in" in (await ann.next_message()).text
    assert "did not understand" in (await ask(ann, ANN[0])).text


# ---- free text ----------------------------------------------------------------------------------


async def test_when_is_my_deadline_in_plain_words(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    assert "/login" in (await ask(ann, "when is my deadline?")).text
    await log_in(ann, ANN)
    answer = await ask(ann, "When is my deadline?")
    assert "CPT" in answer.text and "certified thru 12/31/2026" in answer.text
    assert "Renewal is open now: renew by 12/31/2026, 11:59 PM" in answer.text
    assert answer.buttons == ["Renew CPT"]
    dan = emulator.new_user("Dan", "Fox")
    await log_in(dan, DAN)
    answer = await ask(dan, "when does my certification expire")
    assert "GEI" in answer.text and "Renewal opens 01/01/2028" in answer.text
    assert "deadline is 12/31/2028, 11:59 PM" in answer.text and not answer.buttons
    cara = emulator.new_user("Cara", "Nguyen")
    await log_in(cara, CARA)
    answer = await ask(cara, "deadline?")
    assert "lapsed after 06/30/2026" in answer.text and "reinstatement" in answer.text
    assert "certification@acsm.org" in answer.text


async def test_i_want_to_renew_starts_the_renewal(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    assert "/login" in (await ask(ann, "I want to renew")).text
    await log_in(ann, ANN)
    assert "Contact details" in (await ask(ann, "I want to renew")).text
    assert "Is yours current?" in (await press(ann, "Yes, correct")).text
    dan = emulator.new_user("Dan", "Fox")
    await log_in(dan, DAN)
    assert "01/01/2028" in (await ask(dan, "renew please")).text  # not open yet: says when


async def test_greetings_by_first_name_with_the_menu(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    hello = await ask(ann, "hi")
    assert "/login" in hello.text and hello.buttons == ["Log in"]
    await log_in(ann, ANN)
    for greeting in ("hi", "Hello!", "good morning"):
        reply = await ask(ann, greeting)
        assert reply.text.startswith("Hello, Ann!"), reply.text
        assert reply.buttons == MENU_BUTTONS


async def test_help_and_menu(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    assert (await ask(ann, "help")).text == HELP
    logged_out = await ask(ann, "menu")
    assert "/login" in logged_out.text and logged_out.buttons == ["Log in"]
    await log_in(ann, ANN)
    assert (await ask(ann, "Help me")).text == HELP
    menu = await ask(ann, "menu")
    assert menu.buttons == MENU_BUTTONS
    assert "still need" in (await press(ann, "CECs needed")).text
    assert "Nothing to cancel" in (await ask(ann, "cancel")).text


async def test_anything_else_is_not_understood_with_the_menu_offered(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    reply = await ask(ann, "purple elephants dance at midnight")
    assert "did not understand" in reply.text and "/login" in reply.text
    assert reply.buttons == ["Log in"]
    await log_in(ann, ANN)
    reply = await ask(ann, "purple elephants dance at midnight")
    assert "did not understand" in reply.text and reply.buttons == MENU_BUTTONS
    # The CEC question still gets the /cecs answer.
    expected = (await ask(ann, "/cecs")).text
    assert (await ask(ann, "how many CECs do I still need?")).text == expected
