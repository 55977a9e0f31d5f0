"""The reminder steps outside any Telegram update — plan, claim, outcome — each its own
transaction, opened from the unit-of-work factory and committed when the step returns."""

from __future__ import annotations

from datetime import date

from domain.reminders import Skip
from domain.rules import Rules
from domain.services import reminders
from domain.services.reminders import Outcome, ReminderContent
from tests.services.service_helpers import ANN, UowFactory, log_in, turn


async def sent_keys(seeded: UowFactory) -> set[tuple[str, date, str]]:
    async with seeded() as uow:
        return await uow.reminders.sent_keys()


async def test_a_claim_is_committed_when_claim_reminder_returns(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)
    plan = await reminders.plan_reminders(seeded, rules)
    (due,) = plan.due  # Ann, logged in from chat `tg`: final:10-01 of her 2026 cycle
    assert (due.acsm_id, due.chat_id, due.step) == (ANN, tg, "final:10-01")

    content = await reminders.claim_reminder(seeded, rules, due)
    assert isinstance(content, ReminderContent) and content.first_name == "Pat"
    # committed before anything is sent: another transaction sees it, a second sender loses
    assert await sent_keys(seeded) == {(ANN, due.thru_date, due.step)}
    assert await reminders.claim_reminder(seeded, rules, due) == Skip.TAKEN
    assert (await reminders.plan_reminders(seeded, rules)).due == []

    await reminders.reminder_outcome(seeded, rules, due, Outcome.SENT)
    assert (await reminders.plan_reminders(seeded, rules)).due == []


async def test_an_undelivered_reminder_is_due_again_and_a_block_ends_when_the_member_writes(
    seeded: UowFactory, rules: Rules
) -> None:
    tg = await log_in(seeded, rules, ANN)
    (due,) = (await reminders.plan_reminders(seeded, rules)).due
    assert isinstance(await reminders.claim_reminder(seeded, rules, due), ReminderContent)
    await reminders.reminder_outcome(seeded, rules, due, Outcome.NOT_DELIVERED)
    assert (await reminders.plan_reminders(seeded, rules)).due == [due]  # released

    assert isinstance(await reminders.claim_reminder(seeded, rules, due), ReminderContent)
    await reminders.reminder_outcome(seeded, rules, due, Outcome.BLOCKED)
    plan = await reminders.plan_reminders(seeded, rules)
    assert plan.due == [] and plan.skipped == [(due, Skip.BLOCKED)]

    await turn(seeded, reminders.member_wrote, tg)  # in the member's next update's turn
    assert (await reminders.plan_reminders(seeded, rules)).due == [due]


async def test_the_members_switch_runs_in_their_turn(seeded: UowFactory, rules: Rules) -> None:
    tg = await log_in(seeded, rules, ANN)
    assert await turn(seeded, reminders.reminders_enabled, rules, tg)
    assert not await turn(seeded, reminders.set_reminders, rules, tg, False)
    assert not await turn(seeded, reminders.reminders_enabled, rules, tg)
    (due,) = (await reminders.plan_reminders(seeded, rules)).skipped
    assert due[1] == Skip.OFF
