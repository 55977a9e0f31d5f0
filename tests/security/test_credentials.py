"""Credentials through the chat: throttling, /password, sessions (OWASP ASVS V2, NIST 800-63B)."""

from __future__ import annotations

from datetime import timedelta

from tests.chat.conftest import ANN, ask, log_in, press, prove_identity, shows

NEW_PASSWORD = "correct horse battery staple"


async def fail_login(user, username: str, times: int) -> str:
    await ask(user, "/login")
    reply = ""
    for _ in range(times):
        await ask(user, username)
        reply = (await ask(user, "wrong-password")).text
    return reply


async def test_five_failures_lock_the_account_even_for_the_right_password(
    bot, emulator, clock
) -> None:
    mallory = emulator.new_user("Mallory")
    assert "Wrong username or password" in await fail_login(mallory, ANN[0], 4)
    await ask(mallory, ANN[0])
    locked = (await ask(mallory, "wrong-password")).text
    assert "Too many failed attempts" in locked and "locked until" in locked
    # The real member, from another Telegram account, is refused too until the window passes.
    ann = emulator.new_user("Ann", "Lee")
    assert "Too many failed attempts" in (await log_in(ann, ANN)).text
    clock.advance(timedelta(minutes=15, seconds=1))
    assert "Welcome" in (await log_in(ann, ANN)).text


async def test_one_telegram_user_trying_many_accounts_is_throttled(bot, emulator, clock) -> None:
    mallory = emulator.new_user("Mallory")
    await ask(mallory, "/login")
    for guess in ("AAA000001", "BBB000002", "CCC000003", "DDD000004", "EEE000005"):
        await ask(mallory, guess)
        reply = (await ask(mallory, guess)).text
    assert "Too many failed attempts" in reply
    # Even a right guess is refused now.
    assert "Too many failed attempts" in (await log_in(mallory, ANN)).text


async def test_password_change_deletes_messages_refuses_weak_and_ends_other_sessions(
    bot, emulator
) -> None:
    phone = emulator.new_user("Ann", "Lee")
    laptop = emulator.new_user("Ann", "Lee")
    await log_in(phone, ANN)
    await log_in(laptop, ANN)
    await prove_identity(phone)
    assert "What would you like to change?" in (await ask(phone, "/password")).text
    assert "current password" in (await press(phone, "My password")).text
    assert "new password" in (await ask(phone, ANN[1])).text
    assert phone.sent[-1].deleted
    weak = await ask(phone, "short")
    assert "at least 10 characters" in weak.text and phone.sent[-1].deleted
    same = await ask(phone, ANN[1].lower() + "")
    assert phone.sent[-1].deleted
    assert "other than your username" in same.text or "at least 10" in same.text
    again = await ask(phone, NEW_PASSWORD)
    assert "same new password again" in again.text and phone.sent[-1].deleted
    differ = await ask(phone, NEW_PASSWORD + "?")
    assert "differ" in differ.text and phone.sent[-1].deleted
    await ask(phone, NEW_PASSWORD)
    done = await ask(phone, NEW_PASSWORD)
    assert "password is changed" in done.text and phone.sent[-1].deleted
    assert phone.sent[-2].deleted
    # This session goes on; the other one has ended.
    assert "My certifications" in (await ask(phone, "/certifications")).text
    assert "log in first" in (await ask(laptop, "/certifications")).text
    # The default password no longer works; the new one does.
    assert "Wrong username or password" in (await log_in(laptop, ANN)).text
    await ask(laptop, "/cancel")
    await ask(laptop, "/login")
    await ask(laptop, ANN[0])
    assert "Welcome" in (await ask(laptop, NEW_PASSWORD)).text
    assert "default password" not in laptop.last_message.text


async def test_wrong_current_password_changes_nothing(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await prove_identity(ann)
    await ask(ann, "/password")
    await press(ann, "My password")
    assert "not your current password" in (await ask(ann, "guess-guess")).text
    assert ann.sent[-1].deleted


async def test_choose_own_username(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await prove_identity(ann)
    await ask(ann, "/password")
    await press(ann, "My username")
    assert "another one" in (await ask(ann, "LEE999999")).text  # shaped like a default username
    assert "ann.lee" in (await ask(ann, "Ann.Lee")).text
    await ask(ann, "/logout")
    await ask(ann, "/login")
    await ask(ann, "ANN.LEE")
    assert "Welcome" in (await ask(ann, ANN[1])).text


async def test_an_idle_session_ends(bot, emulator, clock) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    clock.advance(bot.rules.session_idle + timedelta(minutes=1))
    assert "log in first" in (await ask(ann, "/cecs")).text


async def test_forged_callback_data_reveals_and_changes_nothing(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await ask(ann, "/certifications")
    ann_cert = next(b for r in ann.last_message.keyboard for b in r)["callback_data"]
    bob = emulator.new_user("Bob", "Diaz")
    from tests.chat.conftest import BOB

    welcome = await log_in(bob, BOB)
    for forged in (ann_cert, "renew:999999", "rc:1", "it:R000000", "rcpt:R123456", "x" * 64):
        await bob.press_data(welcome.message_id, forged)
        answer = await bob.callback_answer()
        assert answer == "This button has expired.", (forged, answer)
    seen = await shows(bob, lambda m: True)
    assert "Ann" not in seen.text and "CPT" not in " ".join(m.text for m in bob.messages)
