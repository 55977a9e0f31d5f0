"""Login, logout, the command menu and what a logged-out member sees."""

from __future__ import annotations

import argon2
from argon2.profiles import RFC_9106_LOW_MEMORY, get_default_parameters

from bot.app import make_rules
from bot.settings import Settings
from domain.argon2_hasher import Argon2Hasher
from tests.chat.conftest import ANN, ask, log_in, press
from tests.hashing import CHEAP_HASHER


async def test_start_offers_login_and_the_menu_lists_every_command(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    reply = await ask(ann, "/start")
    assert "log in" in reply.text.lower()
    assert reply.buttons == ["Log in"]
    assert emulator.commands_menu() == [
        "start", "login", "certifications", "cecs", "addcec", "mycecs", "renew", "audit",
        "invoices", "reminders", "password", "logout", "language", "help", "cancel",
    ]  # fmt: skip


async def test_login_deletes_the_password_and_suggests_an_own_password(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    assert "username" in (await ask(ann, "/login")).text
    assert "password" in (await ask(ann, "lee100001")).text  # any case
    welcome = await ask(ann, "LEE100001")
    assert "Welcome, Ann Lee" in welcome.text
    assert "default password" in welcome.text
    password_message = ann.sent[-1]
    assert password_message.text == "LEE100001" and password_message.deleted
    assert not ann.sent[-2].deleted  # the username stays


async def test_login_with_the_production_argon2_cost(bot, emulator, clock) -> None:
    """The one test with the production hasher (every other test uses a cheap one,
    tests/hashing.py): argon2id with argon2-cffi's defaults, RFC 9106's low-memory profile
    (t=3, m=64 MiB, p=4); a login through the chat with it; and a cheap hash is upgraded."""
    production = make_rules(Settings(_env_file=None), clock)  # type: ignore[call-arg]
    assert isinstance(production.hasher, Argon2Hasher)
    hashed = production.hasher.hash("a long own passphrase")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert argon2.extract_parameters(hashed) == get_default_parameters() == RFC_9106_LOW_MEMORY
    assert production.hasher.verify(hashed, "a long own passphrase")
    assert not production.hasher.needs_rehash(hashed)
    assert production.hasher.needs_rehash(CHEAP_HASHER.hash("a long own passphrase"))
    bot.rules = production
    await bot.restart()
    ann = emulator.new_user("Ann", "Lee")
    assert "Welcome, Ann Lee" in (await log_in(ann, ANN)).text
    other = emulator.new_user("Ann", "Other")
    await ask(other, "/login")
    await ask(other, ANN[0])
    assert "Wrong username or password" in (await ask(other, "guess")).text


async def test_login_button_from_start(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/start")
    assert "username" in (await press(ann, "Log in")).text


async def test_wrong_password_asks_again_and_reveals_nothing(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/login")
    await ask(ann, "LEE100001")
    wrong = await ask(ann, "guess")
    assert "Wrong username or password" in wrong.text
    assert ann.sent[-1].deleted
    await ask(ann, "NOBODY999")
    unknown = await ask(ann, "whatever")
    assert unknown.text == wrong.text  # an unknown account reads the same
    await ask(ann, "LEE100001")
    assert "Welcome" in (await ask(ann, "LEE100001")).text


async def test_logged_out_member_is_asked_to_log_in(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    for command in ("/certifications", "/cecs", "/renew", "/invoices"):
        assert "log in first" in (await ask(ann, command)).text


async def test_logout_ends_the_link(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    assert "logged out" in (await ask(ann, "/logout")).text
    assert "log in first" in (await ask(ann, "/certifications")).text


async def test_login_while_logged_in_says_who(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    assert "logged in as Ann Lee" in (await ask(ann, "/login")).text


async def test_cancel_leaves_login(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/login")
    assert "cancelled" in (await ask(ann, "/cancel")).text
    # The next text is not taken as a username.
    reply = await ask(ann, "LEE100001")
    assert "password" not in reply.text.lower()
    assert "Nothing to cancel" in (await ask(ann, "/cancel")).text


async def test_nothing_typed_at_the_username_prompt_outlives_the_login(
    bot, emulator, database
) -> None:
    from sqlalchemy import text

    async def stored() -> str:
        async with database.connect() as connection:
            rows = (
                await connection.execute(text("SELECT key, state FROM conversation_states"))
            ).all()
        return str(rows)

    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/login")
    await ask(ann, "MySecretTyped")  # e.g. a password typed at the username prompt
    assert "MySecretTyped" in await stored()  # kept while the login waits (restart-safe)
    await ask(ann, "wrong password")
    assert "MySecretTyped" not in await stored()  # gone once that login attempt ended
    await ask(ann, "/cancel")
    await log_in(ann, ANN)
    assert "LEE100001" not in (await stored()).upper()


async def test_username_and_password_in_one_message_is_deleted_and_kept_nowhere(
    bot, emulator, database
) -> None:
    """Usernames have no spaces: `LEE100001 LEE100001` at the username prompt is a username
    and a password together. The message is deleted, nothing of it is stored, and the member
    is asked for the two separately (still at the username step)."""
    from sqlalchemy import text

    async def stored() -> str:
        async with database.connect() as connection:
            rows = await connection.execute(text("SELECT key, state FROM conversation_states"))
            return str(rows.all())

    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/login")
    for typed in ("LEE100001 LEE100001", "LEE100001\nMy own secret", " lee100001\twhisper9 "):
        again = await ask(ann, typed)
        assert ann.sent[-1].deleted, typed
        assert "no spaces" in again.text and "deleted" in again.text, again.text
        stored_now = (await stored()).upper()
        for part in ("LEE100001", "SECRET", "WHISPER"):
            assert part not in stored_now, stored_now
    assert "password" in (await ask(ann, "LEE100001")).text  # the username alone is taken
    assert not ann.sent[-1].deleted
    assert "Welcome, Ann Lee" in (await ask(ann, "LEE100001")).text


async def test_an_edited_message_never_acts_outside_a_conversation(bot, emulator) -> None:
    """Commands and free text answer new messages only: editing an old message into /logout
    does not log the member out, into a question does not answer it; the member is told the
    edit changed nothing. A new message still works."""
    from handlers.conversation import EDITED_OUTSIDE

    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    hello = await ann.send("purple elephants dance")
    assert "did not understand" in (await ann.next_message(timeout=15)).text
    for edited in ("/logout", "how many CECs do I still need?", "/cancel", "/start"):
        await ann.edit(hello.message_id, edited)
        assert (await ann.next_message(timeout=15)).text == EDITED_OUTSIDE, edited
    # Still logged in: nothing the edits said was done.
    assert "You still need" in (await ask(ann, "how many CECs do I still need?")).text
    assert "You are logged out" in (await ask(ann, "/logout")).text


async def test_login_with_the_credentials_after_the_command_is_deleted(bot, emulator) -> None:
    """`/login LEE100001 LEE100001`: the command message carries the password too. It is
    deleted, nothing of it is used, and the username is asked for as usual; a member already
    logged in gets the same deletion."""
    ann = emulator.new_user("Ann", "Lee")
    assert "I deleted that message" in (await ask(ann, "/login LEE100001 LEE100001")).text
    assert "Your ACSM username" in (await ann.next_message(timeout=15)).text
    assert ann.sent[-1].deleted
    assert "Now your password" in (await ask(ann, "LEE100001")).text
    assert "Welcome, Ann Lee" in (await ask(ann, "LEE100001")).text
    assert "I deleted that message" in (await ask(ann, "/login lee100001 x")).text
    assert "You are logged in as Ann Lee" in (await ann.next_message(timeout=15)).text
    assert ann.sent[-1].deleted


async def test_an_edit_during_login_is_deleted_as_it_may_hold_the_password(bot, emulator) -> None:
    """At the password prompt, editing the username message into the password: the edit
    answers nothing (edits never act) and is deleted from the chat, like the password."""
    from handlers.conversation import EDITED_DELETED

    ann = emulator.new_user("Ann", "Lee")
    await ask(ann, "/login")
    typed = await ann.send("LEE100001")
    assert "Now your password" in (await ann.next_message(timeout=15)).text
    await ann.edit(typed.message_id, "LEE100001")
    assert (await ann.next_message(timeout=15)).text == EDITED_DELETED
    assert any(m.message_id == typed.message_id and m.deleted for m in ann.sent)
    assert "Welcome, Ann Lee" in (await ask(ann, "LEE100001")).text
