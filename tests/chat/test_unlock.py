"""`acsm-bot members unlock`: staff lift a login lock; the member logs in at once."""

from __future__ import annotations

from tests.chat.conftest import ANN, ask, log_in
from tests.cli.run import acsm_bot_async


async def lock_out(user, username: str, times: int = 5) -> str:
    await ask(user, "/login")
    reply = ""
    for _ in range(times):
        await ask(user, username)
        reply = (await ask(user, "not-the-password")).text
    return reply


async def test_a_locked_member_unlocked_by_staff_logs_in(bot, emulator, database_url) -> None:
    ann = emulator.new_user("Ann", "Lee")
    locked = await lock_out(ann, ANN[0].lower())
    assert "locked until" in locked
    assert "certification@acsm.org" in locked  # ACSM_CONTACT
    assert "Forgot password?" not in locked  # no SMTP_URL: nothing of email is offered
    assert "Too many failed attempts" in (await log_in(ann, ANN)).text
    done = await acsm_bot_async("members", "unlock", "100001", env={"DATABASE_URL": database_url})
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("unlocked member 100001 (Ann Lee): ")
    assert f"forgot 5 failed logins of the account and the lock of 1 Telegram user ({ann.id})" in (
        done.stdout
    )
    assert "Welcome, Ann Lee" in (await log_in(ann, ANN)).text


async def test_unlock_of_an_unknown_member_fails_with_a_reason(bot, database_url) -> None:
    done = await acsm_bot_async("members", "unlock", "999999", env={"DATABASE_URL": database_url})
    assert done.returncode != 0
    assert done.stderr.strip() == "acsm-bot: no member with ACSM ID '999999'"
    again = await acsm_bot_async("members", "unlock", "100002", env={"DATABASE_URL": database_url})
    assert again.returncode == 0
    assert "forgot 0 failed logins of the account and the lock of 0 Telegram users" in again.stdout
