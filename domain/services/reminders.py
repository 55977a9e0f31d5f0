"""Reminders before Dec 31: who is due today, claiming one before it is sent, its content,
and the member's /reminders switch.

Sending happens outside the domain (bot/reminders.py): `plan_reminders` lists the due ones,
`claim_reminder` records one (unique key member + cycle + step, committed *before* the
message goes out) and returns what it says, `reminder_outcome` records what Telegram
answered. The counts come from `cec_group`, the same computation `/cecs` answers with.

Those three run outside any Telegram update, one transaction each (claim, send, outcome):
they take a UnitOfWorkFactory and open `async with units() as uow:`, whose end commits, so
a claim is committed when `claim_reminder` returns. The member's own /reminders switch and
`member_wrote` run in the update's turn and get its unit of work open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from domain import cycles, languages
from domain.catalog import UnknownCertificationError
from domain.cycles import CertState
from domain.languages import Language
from domain.model import Certification, InvoiceStatus
from domain.ports import ReminderRecipient, UnitOfWork, UnitOfWorkFactory
from domain.reminders import Skip, due_step, reason_to_skip, unpaid
from domain.renewal_rules import late_fee_cents, renewal_fee_cents
from domain.rules import Rules
from domain.services.cec_status import CecGroup, cec_group, group_by_thru
from domain.services.certifications import state_of
from domain.services.session import require_member


@dataclass(frozen=True)
class DueReminder:
    acsm_id: str
    chat_id: int
    thru_date: date
    step: str  # "final:12-01", "grace:01-15"


@dataclass(frozen=True)
class ReminderPlan:
    due: list[DueReminder]
    skipped: list[tuple[DueReminder, str]]  # (reminder, Skip reason): off or blocked


@dataclass(frozen=True)
class ReminderContent:
    """What one reminder says (rendered by handlers/reminders.py)."""

    due: DueReminder
    first_name: str
    group: CecGroup  # certifications, deadline, CECs required and still needed
    certification_ids: list[int]
    grace: bool  # past the thru date: renewable until `grace_ends_on` with the late fee
    grace_ends_on: date
    fee_cents: int  # the renewal fee, the late fee included in the grace period
    late_fee_cents: int
    invoice_number: str | None  # an open invoice already issued for this cycle
    invoice_balance_cents: int | None
    language: Language = languages.DEFAULT  # kept for the recipient's Telegram user


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the chat is marked, the claim released (due again later)
    NOT_DELIVERED = "not_delivered"  # 5xx/network after retries: released, due again
    REFUSED = "failed"  # 400: kept as failed, not retried
    UNKNOWN = "unknown"  # timeout: it may have arrived; kept, never sent again


def _today(rules: Rules) -> date:
    return cycles.local_today(rules.timezone, rules.clock.now())


def _live_groups(rules: Rules, certs: list[Certification]) -> dict[date, list[Certification]]:
    renewable = [c for c in certs if cycles.is_renewable(state_of(rules, c))]
    return group_by_thru(renewable)


def _due_for(
    rules: Rules,
    recipient: ReminderRecipient,
    certs: list[Certification],
    paid: set[tuple[int, date]],
) -> list[tuple[DueReminder, list[Certification]]]:
    """Each cycle of this member with a step due today and something left to renew."""
    today = _today(rules)
    found = []
    for thru, group in _live_groups(rules, certs).items():
        step = due_step(thru, rules.catalog.reminders, today)
        if step is None:
            continue
        left_ids = set(unpaid([c.id for c in group if c.id is not None], thru, paid))
        left = [c for c in group if c.id in left_ids]
        if left:
            due = DueReminder(recipient.acsm_id, recipient.chat_id, thru, step.key)
            found.append((due, left))
    return found


async def plan_reminders(units: UnitOfWorkFactory, rules: Rules) -> ReminderPlan:
    """The reminders due now and not yet recorded, for every member logged in from a chat;
    those of members who turned them off or blocked the bot are listed as skipped."""
    async with units() as uow:
        return await _plan(uow, rules)


async def _plan(uow: UnitOfWork, rules: Rules) -> ReminderPlan:
    recipients = await uow.reminders.recipients()
    by_member = {r.acsm_id: r for r in recipients}
    certs = await uow.certifications.for_members(list(by_member))
    paid = await uow.reminders.paid_cycles([c.id for c in certs if c.id is not None])
    sent = await uow.reminders.sent_keys()
    mine: dict[str, list[Certification]] = {}
    for cert in certs:
        mine.setdefault(cert.acsm_id, []).append(cert)
    due: list[DueReminder] = []
    skipped: list[tuple[DueReminder, str]] = []
    for acsm_id, recipient in by_member.items():
        for reminder, _ in _due_for(rules, recipient, mine.get(acsm_id, []), paid):
            if (reminder.acsm_id, reminder.thru_date, reminder.step) in sent:
                continue
            reason = reason_to_skip(enabled=recipient.enabled, blocked=recipient.blocked)
            if reason is None:
                due.append(reminder)
            else:
                skipped.append((reminder, reason))
    return ReminderPlan(due, skipped)


async def unreachable_reminders(units: UnitOfWorkFactory, rules: Rules) -> list[DueReminder]:
    """The reminders that would be due now for members not logged in from any chat (never
    logged in, or logged out): nobody can be told. `chat_id` is 0. Listed for staff by
    `reminders send`; one transaction, reading only."""
    today = _today(rules)
    async with units() as uow:
        ids = await uow.reminders.without_chat(
            cycles.add_years(today, -1), cycles.add_years(today, 1) + timedelta(days=1)
        )
        if not ids:
            return []
        certs = await uow.certifications.for_members(ids)
        paid = await uow.reminders.paid_cycles([c.id for c in certs if c.id is not None])
        sent = await uow.reminders.sent_keys()
    mine: dict[str, list[Certification]] = {}
    for cert in certs:
        mine.setdefault(cert.acsm_id, []).append(cert)
    found = []
    for acsm_id in ids:
        nobody = ReminderRecipient(acsm_id, 0, enabled=True, blocked=False)
        for reminder, _ in _due_for(rules, nobody, mine.get(acsm_id, []), paid):
            if (reminder.acsm_id, reminder.thru_date, reminder.step) not in sent:
                found.append(reminder)
    return found


def _fee(rules: Rules, certs: list[Certification]) -> tuple[int, int]:
    types = []
    for cert in certs:
        try:
            types.append(rules.catalog.get(cert.code))
        except UnknownCertificationError:
            continue
    fee = renewal_fee_cents(types, rules.catalog) if types else 0
    late = late_fee_cents([state_of(rules, c) for c in certs], rules.catalog)
    return fee + late, late


async def claim_reminder(
    units: UnitOfWorkFactory, rules: Rules, due: DueReminder
) -> ReminderContent | str:
    """Record the reminder and return what it says, the claim committed when this returns (so
    before it is sent); or, when it is not to be sent after all, the reason (Skip.TAKEN:
    another sender or an earlier run has it; off or blocked since the plan; no longer due)."""
    async with units() as uow:
        return await _claim(uow, rules, due)


async def _claim(uow: UnitOfWork, rules: Rules, due: DueReminder) -> ReminderContent | str:
    recipient = await uow.reminders.recipient(due.acsm_id)
    member = await uow.members.get(due.acsm_id)
    if recipient is None or member is None or recipient.chat_id != due.chat_id:
        return "the member logged out"
    reason = reason_to_skip(enabled=recipient.enabled, blocked=recipient.blocked)
    if reason is not None:
        return reason
    certs = await uow.certifications.for_member(due.acsm_id)
    paid = await uow.reminders.paid_cycles([c.id for c in certs if c.id is not None])
    current = {(r.thru_date, r.step): left for r, left in _due_for(rules, recipient, certs, paid)}
    left = current.get((due.thru_date, due.step))
    if left is None:
        return "no longer due"
    now = rules.clock.now()
    if not await uow.reminders.claim(due.acsm_id, due.thru_date, due.step, due.chat_id, now):
        return Skip.TAKEN
    draft = await uow.drafts.get(due.acsm_id)
    group = await cec_group(uow, rules, due.acsm_id, left, draft)
    fee, late = _fee(rules, left)
    assert left[0].id is not None
    invoice = await uow.invoices.for_cycle(left[0].id, due.thru_date)
    open_invoice = invoice if invoice and invoice.status is InvoiceStatus.OPEN else None
    return ReminderContent(
        due=due,
        first_name=member.first_name,
        group=group,
        certification_ids=[c.id for c in left if c.id is not None],
        grace=state_of(rules, left[0]) is CertState.GRACE,
        grace_ends_on=cycles.grace_ends_on(due.thru_date),
        fee_cents=fee,
        late_fee_cents=late,
        invoice_number=open_invoice.number if open_invoice else None,
        invoice_balance_cents=open_invoice.balance_cents if open_invoice else None,
        language=recipient.language,
    )


async def reminder_outcome(
    units: UnitOfWorkFactory, rules: Rules, due: DueReminder, outcome: Outcome
) -> None:
    """What Telegram answered (committed when this returns). Nothing delivered (blocked, 5xx,
    network): the claim is released so the step stays due (a blocked chat is skipped until
    the member writes)."""
    now = rules.clock.now()
    async with units() as uow:
        if outcome in (Outcome.BLOCKED, Outcome.NOT_DELIVERED):
            await uow.reminders.release(due.acsm_id, due.thru_date, due.step)
            if outcome is Outcome.BLOCKED:
                await uow.reminders.mark_blocked(due.chat_id, now)
        else:
            await uow.reminders.finish(due.acsm_id, due.thru_date, due.step, outcome.value, now)


async def reminders_enabled(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> bool:
    """The logged-in member's /reminders state (on by default)."""
    member = await require_member(uow, rules, telegram_user_id)
    return await uow.reminders.enabled(member.acsm_id)


async def set_reminders(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, enabled: bool
) -> bool:
    """Turn the logged-in member's own reminders on or off; returns the new state."""
    member = await require_member(uow, rules, telegram_user_id)
    await uow.reminders.set_enabled(member.acsm_id, enabled, rules.clock.now())
    return enabled


async def member_wrote(uow: UnitOfWork, chat_id: int, marked: bool | None = None) -> None:
    """The member wrote to the bot: a 403 mark on their chat no longer holds. `marked`:
    whether the chat is marked, when the caller read it already (a Telegram turn reads it
    with its claim); otherwise it is read here."""
    # Read first: a chat is rarely marked, and a read costs no write on every message.
    if marked is None:
        marked = await uow.reminders.is_blocked(chat_id)
    if marked:
        await uow.reminders.clear_blocked(chat_id)
