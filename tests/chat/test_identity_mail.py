"""Proving who you are by email: "Forgot password?" with a code read from a real local SMTP
server (aiosmtpd), its limits (5 tries, 15 minutes, single use), and the new password typed
twice."""

from __future__ import annotations

from datetime import timedelta

from pydantic import SecretStr

from tests.chat.conftest import ANN, ask, log_in, press

ANN_EMAIL = "ann.lee@example.com"
NEW_PASSWORD = "a brand new sentence"


async def forgot(user, username: str = ANN[0]) -> str:
    await ask(user, "/login")
    prompt = await ask(user, username)
    assert "Forgot password?" in prompt.buttons
    return (await press(user, "Forgot password?")).text


async def test_forgotten_password_reset_with_an_emailed_code(bot, emulator, mail) -> None:
    ann = emulator.new_user("Ann", "Lee")
    sent = await forgot(ann)
    assert "emailed a 6-digit code" in sent
    [email] = mail.to(ANN_EMAIL)
    assert email["From"] == "ACSM Bot <bot@acsm.example>"
    code = mail.last_code(ANN_EMAIL)
    assert "Code accepted" in (await ask(ann, code)).text
    weak = await ask(ann, "short")
    assert "at least 10 characters" in weak.text and ann.sent[-1].deleted
    assert "same new password again" in (await ask(ann, NEW_PASSWORD)).text
    assert ann.sent[-1].deleted
    differ = await ask(ann, NEW_PASSWORD + "!")
    assert "differ" in differ.text and ann.sent[-1].deleted
    await ask(ann, NEW_PASSWORD)
    done = await ask(ann, NEW_PASSWORD)
    assert "new password is set" in done.text and "logged in" in done.text
    assert ann.sent[-1].deleted and ann.sent[-2].deleted
    assert "My certifications" in (await ask(ann, "/certifications")).text
    # The code worked once; the old password no longer logs in, the new one does.
    await ask(ann, "/logout")
    assert "Wrong username or password" in (await log_in(ann, ANN)).text
    await ask(ann, "/cancel")
    assert "Welcome, Ann Lee" in (await log_in(ann, (ANN[0], NEW_PASSWORD))).text
    # Nothing of the code is in the database: only its hash, and it is gone once used.
    async with bot.database.connect() as connection:
        from sqlalchemy import text

        rows = (await connection.execute(text("SELECT * FROM identity_codes"))).all()
        replies = (await connection.execute(text("SELECT replies FROM inbox"))).all()
    assert rows == [] and code not in str(replies)


async def test_five_wrong_codes_invalidate_it(bot, emulator, mail) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await forgot(ann)
    code = mail.last_code(ANN_EMAIL)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "type the 6 digits" in (await ask(ann, "twelve")).text  # not counted as a try
    for left in (4, 3, 2, 1):
        assert f"{left} tr" in (await ask(ann, wrong)).text
    used_up = await ask(ann, wrong)
    assert "no longer works" in used_up.text and "Send a new code" in used_up.buttons
    assert "no longer works" in (await ask(ann, code)).text  # even the right one now
    # A new code replaces it and works.
    await press(ann, "Send a new code")
    assert len(mail.received) == 2  # sent before the reply that says so
    fresh = mail.last_code(ANN_EMAIL)
    assert "Code accepted" in (await ask(ann, fresh)).text


async def test_an_expired_code_is_refused(bot, emulator, mail, clock) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await forgot(ann)
    code = mail.last_code(ANN_EMAIL)
    clock.advance(timedelta(minutes=15))
    expired = await ask(ann, code)
    assert "expired" in expired.text and "Send a new code" in expired.buttons


async def test_unknown_username_reads_the_same_and_sends_nothing(bot, emulator, mail) -> None:
    ann = emulator.new_user("Ann", "Lee")
    known = await forgot(ann)
    mallory = emulator.new_user("Mal", "Lory")
    unknown = await forgot(mallory, "NOB999999")
    assert unknown.replace("NOB999999", ANN[0]) == known
    assert len(mail.received) == 1
    # And Ann's code is Ann's own chat's: typed in Mallory's chat it is not accepted.
    assert "not right" in (await ask(mallory, mail.last_code(ANN_EMAIL))).text


async def test_code_requests_are_limited(bot, emulator, mail) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await forgot(ann)
    await press(ann, "Send a new code")
    await press(ann, "Send a new code")
    limited = await press(ann, "Send a new code")
    assert "several codes" in limited.text
    assert len(mail.received) == 3


async def test_without_smtp_no_forgot_password_button(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/login")
    assert (await ask(ann, ANN[0])).buttons == []


async def test_a_failed_email_is_told(bot, emulator) -> None:
    bot.settings = bot.settings.model_copy(
        update={"smtp_url": SecretStr("smtp://127.0.0.1:9"), "mail_from": "bot@acsm.example"}
    )
    await bot.restart()
    ann = emulator.new_user("Ann", "Lee")
    await forgot(ann)
    told = await ann.next_message(timeout=15)
    assert "could not be sent" in told.text


async def test_the_demo_prints_the_email(tmp_path) -> None:
    import asyncio
    import io
    import re

    from bot.demo import run_demo
    from bot.settings import Settings

    stdin = io.StringIO("/login\nLEE100001\n#1\n")
    stdout = io.StringIO()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    await asyncio.wait_for(
        run_demo(settings, database_path=tmp_path / "demo.db", stdin=stdin, stdout=stdout), 60
    )
    output = stdout.getvalue()
    assert f"email to {ANN_EMAIL}" in output, output
    assert re.search(r"│\s+[0-9]{6}\s*$", output, re.MULTILINE), output


async def test_the_lock_message_offers_forgot_password_with_email(bot, emulator, mail) -> None:
    from tests.chat.test_unlock import lock_out

    ann = emulator.new_user("Ann", "Lee")
    locked = await lock_out(ann, ANN[0])
    assert "locked until" in locked and "Forgot password?" in locked
    assert "certification@acsm.org" in locked
    # And it works while locked: the code resets the password and logs her in.
    sent = await forgot(ann)
    assert "emailed" in sent
    await ask(ann, mail.last_code(ANN_EMAIL))
    await ask(ann, NEW_PASSWORD)
    assert "logged in" in (await ask(ann, NEW_PASSWORD)).text
