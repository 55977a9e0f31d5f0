"""A verdict given in the staff web console reaches the member: Ann submits proof in the
chat, staff reject it in the console (over HTTP, the real application on the same database),
and the running bot tells Ann in her chat with the reason; the console itself never talks to
Telegram."""

from __future__ import annotations

from datetime import timedelta

from bot.verdicts import schedule_verdict_notices
from domain.clock import FixedClock
from tests.chat.conftest import ANN, log_in, quiet
from tests.chat.test_audit_verdicts import ann_audited, send_proof_and_submit
from tests.staff_web.conftest import enrolled, make_client, sign_in


async def test_reject_in_the_console_is_told_in_the_chat(bot, emulator, clock: FixedClock) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    factory = await ann_audited(bot)
    await send_proof_and_submit(ann)
    async with factory() as uow:
        (audit,) = await uow.audits.for_member("100001")

    pat = await enrolled(bot.database, bot.rules, clock, "pat@acsm.org")
    async with make_client(bot.database, bot.rules) as console:
        csrf = await sign_in(console, pat, clock)
        done = await console.post(
            f"/audits/{audit.id}/decide",
            data={"csrf": csrf, "verdict": "reject", "reason": "The photo shows no name"},
        )
        assert done.status == 200 and "rejected" in await done.text()

    application = bot._polling.application
    schedule_verdict_notices(application, factory, bot.rules, every=timedelta(seconds=0.2))
    told = await ann.wait_for(lambda m: "could not accept your proof" in m.text, timeout=15)
    assert "Reason: The photo shows no name" in told.text and "/audit" in told.text
    await quiet(emulator)
    async with factory() as uow:
        assert await uow.audits.unsent_notices(10) == []  # sent, and marked
