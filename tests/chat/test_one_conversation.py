"""One conversation at a time per member: entering one ends the one the member was in (and
says so), so an answer meant for one conversation never lands in another."""

from __future__ import annotations

from tests.chat.conftest import ANN, ask, log_in, press, prove_identity
from tests.chat.test_renewal import renew_to_cecs


async def test_addcec_during_a_password_change_ends_it_and_the_title_stays_a_title(
    bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await prove_identity(ann)
    await ask(ann, "/password")
    assert "new password" in (await ask(ann, ANN[1])).text  # the current one: accepted
    left = await ask(ann, "/addcec")
    assert left.text == "Password change stopped: your password is unchanged."
    assert "What was its title?" in (await ann.next_message()).text
    provider = await ask(ann, "Functional training summit")
    assert "Who provided it" in provider.text
    assert not ann.sent[-1].deleted  # a title, not a password: left in the chat
    # The password is the one it was: the title did not become it.
    await ask(ann, "/cancel")
    await ask(ann, "/logout")
    await log_in(ann, ANN)
    assert "Welcome, Ann Lee" in [m.text for m in ann.messages if m.from_bot][-1]


async def test_addcec_at_the_acsm_cecs_step_logs_the_activity_not_the_renewal(
    bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    assert (await ask(ann, "/addcec")).text.startswith("Renewal set aside")
    assert "What was its title?" in (await ann.next_message()).text
    assert "Who provided it" in (await ask(ann, "3")).text  # "3" is the activity's title
    assert "When did you complete it" in (await ask(ann, "ACSM")).text
    assert "How many CECs" in (await ask(ann, "11/02/2026")).text
    assert "another organization" in (await ask(ann, "2")).text
    await press(ann, "ACSM")
    assert "Logged: 3 (ACSM)" in (await press(ann, "Skip the certificate")).text
    # Back to the renewal: it is still at its ACSM-CECs step, nothing typed there yet.
    resumed = await ask(ann, "/renew")
    assert "continue your renewal" in resumed.text
    assert "ACSM CECs" in resumed.text and "other organizations" not in resumed.text


async def test_cancel_ends_only_the_conversation_in_front_of_the_member(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await renew_to_cecs(ann)
    await ask(ann, "/addcec")
    await ann.next_message()
    assert "Nothing was logged" in (await ask(ann, "/cancel")).text
    assert "Nothing to cancel" in (await ask(ann, "/cancel")).text  # the renewal was set aside
    assert "ACSM CECs" in (await ask(ann, "/renew")).text


async def test_an_entry_point_that_starts_nothing_leaves_the_member_where_they_were(
    bot, emulator
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/addcec")
    # /login while logged in only says who is logged in: the activity's title is still asked.
    assert "logged in as Ann Lee" in (await ask(ann, "/login")).text
    assert "Who provided it" in (await ask(ann, "Functional training summit")).text


async def test_a_restart_keeps_the_one_conversation(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/addcec")
    await bot.restart()
    assert "Who provided it" in (await ask(ann, "Functional training summit")).text
