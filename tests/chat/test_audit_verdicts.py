"""Audit verdicts end to end: Ann submits, staff reject with a reason (the use case the CLI
and the console call, in a transaction of its own against the same database), the running bot
tells each of Ann's chats (one that blocked the bot is skipped and marked); she sends proof
again with /audit; staff accept; she is told."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.verdicts import VerdictNoticeJob, schedule_verdict_notices
from domain.audits import Verdict
from domain.services.audits import decide_audit_now, select_audits
from tests.chat.conftest import ANN, ask, log_in, quiet
from tests.chat.test_audit import PDF, PNG, pay_renewal


def mark(user) -> int:
    return max((m.message_id for m in user.messages), default=0)


async def new_message(user, since: int, predicate):
    return await user.wait_for(lambda m: m.message_id > since and predicate(m), timeout=15)


async def open_audit(user):
    since = mark(user)
    await user.send("/audit")
    return await new_message(user, since, lambda m: "Audit of your renewal" in m.text)


async def ann_audited(bot):
    """Ann's 2026 renewal paid and selected for an audit; the unit-of-work factory."""
    await pay_renewal(bot, "100001", "R000001")
    factory = bot.database.unit_of_work
    await select_audits(factory, bot.rules, 2026, 100, 7)
    return factory


async def send_proof_and_submit(user) -> None:
    """/audit, a photo as proof, then Submit (confirming the shortfall)."""
    await ask(user, "/audit")
    await user.send_photo(PNG)
    await user.wait_for(lambda m: m.text.startswith("Certificate added"), timeout=15)
    await submit(user)


async def submit(user) -> None:
    since = mark(user)
    await user.press("Submit")
    short = await new_message(user, since, lambda m: "CECs are not covered" in m.text)
    label = next(b for b in short.buttons if b.startswith("Submit with"))
    await user.press(label)
    await new_message(user, since, lambda m: "was submitted" in m.text)


async def test_reject_then_resubmit_then_accept(bot, emulator) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    phone = emulator.new_user("Ann", "Phone")  # a second chat logged in as Ann
    await log_in(phone, ANN)
    gone = emulator.new_user("Ann", "Old")  # a third, which then blocks the bot
    await log_in(gone, ANN)
    gone.block()
    factory = await ann_audited(bot)
    application = bot._polling.application
    schedule_verdict_notices(application, factory, bot.rules, every=timedelta(seconds=0.2))

    await send_proof_and_submit(ann)

    await decide_audit_now(factory, bot.rules, "100001", Verdict.REJECT, "The scan is <blurry>")
    for chat in (ann, phone):
        told = await chat.wait_for(lambda m: "could not accept your proof" in m.text, timeout=15)
        assert [m.text for m in chat.messages].count(told.text) == 1
        assert "Reason: The scan is <blurry>" in told.text
        assert "/audit" in told.text and "before the due date, 12/28/2026" in told.text
    await quiet(emulator)
    async with factory() as uow:
        assert await uow.reminders.is_blocked(gone.id)  # skipped from now on, as reminders do
        assert await uow.audits.unsent_notices(10) == []  # sent once, marked

    view = await open_audit(ann)
    assert "not accepted" in view.text and "ACSM's reason: The scan is <blurry>" in view.text
    assert "Submit" in view.buttons and any(b.startswith("🗑 Remove") for b in view.buttons)
    since = mark(ann)
    await ann.send_document("cert.pdf", PDF, "application/pdf")
    added = await new_message(ann, since, lambda m: m.text.startswith("Certificate added"))
    assert "Certificates attached: 2" in added.text
    await submit(ann)
    async with factory() as uow:
        (audit,) = await uow.audits.for_member("100001")
    assert audit.verdict is None and audit.submitted_at is not None  # submitted again

    await decide_audit_now(factory, bot.rules, "100001", Verdict.ACCEPT, None)
    for chat in (ann, phone):
        told = await chat.wait_for(lambda m: "<b>accepted</b>" in m.text or "and accepted" in m.text,
                                   timeout=15)  # fmt: skip
        assert "nothing more to do" in told.text
    view = await open_audit(ann)
    assert "accepted by ACSM" in view.text and "Submit" not in view.buttons
    assert not [m for m in gone.messages if "ACSM reviewed" in m.text]


async def test_a_kill_while_sending_never_loses_the_notice(bot, emulator) -> None:
    """Killed while Telegram holds the notice: lost in transit, the next run sends it once;
    delivered but not yet marked, the next run sends it again (twice at worst)."""
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    factory = await ann_audited(bot)
    await send_proof_and_submit(ann)
    job = VerdictNoticeJob(bot._polling.application, factory, bot.rules)

    def told() -> int:
        return len([m for m in ann.messages if "ACSM reviewed" in m.text])

    for verdict, reason, delivered, expected in (
        (Verdict.REJECT, "Blurry", False, 1),
        (Verdict.ACCEPT, None, True, 3),
    ):
        await decide_audit_now(factory, bot.rules, "100001", verdict, reason)
        hold = emulator.hold_next(
            match=lambda m, p: m == "sendMessage" and str(p.get("chat_id")) == str(ann.id)
        )
        run = asyncio.create_task(job.run())
        await hold.arrived.wait()
        run.cancel()  # killed while Telegram has the notice, before it is marked sent
        await asyncio.gather(run, return_exceptions=True)
        hold.release(execute=delivered)
        assert await job.run() == 1  # still unsent: sent by the next run
        await quiet(emulator)
        assert told() == expected
        async with factory() as uow:
            assert await uow.audits.unsent_notices(10) == []
    accepted = [
        m for m in ann.messages if "and <b>accepted</b>" in m.text or "and accepted" in m.text
    ]
    assert len(accepted) == 2  # the one delivered before the kill, and again
