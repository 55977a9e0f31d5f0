"""Sending the reminders due now: by the running bot at REMINDER_TIME (python-telegram-bot's
job queue, with a catch-up at start-up) or once by `acsm-bot reminders send` (cron).

- Paced at a share of Telegram's limit (REMINDER_SHARE of ~30 messages/s) so that members
  chatting at the same time are answered first: the bot's own rate limiter (bot/retries.py)
  sits under both, and reminders never take more than their share of it.
- Recorded *before* sending (domain/services/reminders.py `claim_reminder`, a unique key per
  member, cycle and step, committed first): two senders, a restart or a kill can never send
  one twice. Claim, send and outcome are each their own transaction, opened by the use case
  from the unit-of-work factory (on SQLite, Database.transaction queues them on the
  process's writer lock with the bot's updates). The failure this accepts: a kill between the claim and Telegram's answer loses
  that member's reminder for that step (at most WORKERS members per kill; they get the next
  step). Recording *after* sending would instead send it twice on such a kill.
- What Telegram answers: 429 is waited out and retried (the rate limiter); a 5xx or network
  failure is retried a few times (Telegram did not take the message, so it cannot be doubled),
  and if it persists the claim is released and the step stays due; a timeout is *not* retried
  (it may have arrived) and is kept as "unknown"; 403 (blocked) marks the chat, which is
  skipped until the member writes again; another 400 is kept as "failed".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import CommandHandler, ExtBot

from domain import languages
from domain.ports import UnitOfWorkFactory
from domain.rules import Rules
from domain.services.reminders import (
    DueReminder,
    Outcome,
    ReminderContent,
    ReminderPlan,
    claim_reminder,
    plan_reminders,
    reminder_outcome,
)
from domain.services.tracker import remove_unattached_proofs
from handlers.context import ChatApplication, ChatContext
from handlers.reminders import reminder_markup, reminder_text
from i18n import N_, Says, speaker

log = logging.getLogger(__name__)

REMINDER_SHARE = 20.0  # messages per second, of Telegram's ~30 overall
WORKERS = 4  # reminders in flight at once (claim, send, record)


@dataclass
class Counts:
    sent: int = 0
    skipped: int = 0
    failed: int = 0

    def line(self) -> str:
        return f"sent {self.sent}, skipped {self.skipped}, failed {self.failed}"


class Pace:
    """At most `per_second` starts a second, evenly spaced (no burst)."""

    def __init__(self, per_second: float) -> None:
        self.interval = 1.0 / per_second
        self._next = 0.0

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            await asyncio.sleep(start - now)


class ReminderSender:
    def __init__(
        self,
        bot: ExtBot[Any],
        uow_factory: UnitOfWorkFactory,
        rules: Rules,
        *,
        per_second: float = REMINDER_SHARE,
        workers: int = WORKERS,
        keep_going: Callable[[], bool] = lambda: True,
    ) -> None:
        self.bot, self.uow_factory, self.rules = bot, uow_factory, rules
        self.pace = Pace(per_second)
        self.workers = workers
        self.keep_going = keep_going

    async def plan(self) -> ReminderPlan:
        return await plan_reminders(self.uow_factory, self.rules)

    async def run(self) -> Counts:
        """Send every reminder due now; returns the counts. Stops taking new ones when
        `keep_going()` turns false (the bot is stopping); the ones left stay due."""
        plan = await self.plan()
        counts = Counts(skipped=len(plan.skipped))
        pending = iter(plan.due)

        async def worker() -> None:
            for due in pending:  # shared: each reminder goes to one worker
                if not self.keep_going():
                    return
                await self.pace.wait()
                await self._one(due, counts)

        await asyncio.gather(*(worker() for _ in range(self.workers)))
        return counts

    async def _one(self, due: DueReminder, counts: Counts) -> None:
        try:
            claimed = await claim_reminder(self.uow_factory, self.rules, due)  # committed
        except Exception:
            log.exception("reminder for member %s: could not record it; not sent", due.acsm_id)
            counts.failed += 1
            return
        if isinstance(claimed, str):
            log.debug("reminder for member %s skipped: %s", due.acsm_id, claimed)
            counts.skipped += 1
            return
        outcome = await self._send(claimed)
        if outcome is Outcome.SENT:
            counts.sent += 1
        else:
            counts.failed += 1
        try:
            await reminder_outcome(self.uow_factory, self.rules, due, outcome)
        except Exception:  # the claim stays ("sending"): never sent again
            log.exception("reminder for member %s: outcome %s not recorded", due.acsm_id, outcome)

    async def _send(self, content: ReminderContent) -> Outcome:
        due = content.due
        says = speaker(content.language)  # the language kept for the recipient
        try:
            await self.bot.send_message(
                due.chat_id,
                reminder_text(content, says),
                reply_markup=reminder_markup(content, says),
                parse_mode=ParseMode.HTML,
            )
        except Forbidden as exc:
            log.info("reminder for member %s: %s; chat marked blocked", due.acsm_id, exc.message)
            return Outcome.BLOCKED
        except RetryAfter:
            log.warning("reminder for member %s: still rate limited; stays due", due.acsm_id)
            return Outcome.NOT_DELIVERED
        except TimedOut:
            log.warning("reminder for member %s: timed out; may have arrived", due.acsm_id)
            return Outcome.UNKNOWN
        except BadRequest as exc:
            log.warning("reminder for member %s refused: %s", due.acsm_id, exc.message)
            return Outcome.REFUSED
        except NetworkError as exc:
            log.warning("reminder for member %s: %s; stays due", due.acsm_id, exc.message)
            return Outcome.NOT_DELIVERED
        return Outcome.SENT


class ReminderJob:
    """The running bot's daily run (and the start-up catch-up); one run at a time. Each run
    first removes the proof files left unattached for more than a day (the CEC tracker's
    housekeeping: domain/services/tracker.py `remove_unattached_proofs`), then sends."""

    def __init__(self, application: ChatApplication, uow_factory: UnitOfWorkFactory, rules: Rules):
        self.application = application
        self.uow_factory, self.rules = uow_factory, rules
        self.sender = ReminderSender(
            application.bot,
            uow_factory,
            rules,
            keep_going=lambda: application.running,
        )
        self._lock = asyncio.Lock()
        self.finished = asyncio.Event()  # set after each run (tests wait for it)

    async def run(self) -> Counts | None:
        if self._lock.locked():
            return None
        async with self._lock:
            await self.remove_unattached_proofs()
            counts = await self.sender.run()
            self.finished.set()
        log.info("reminders: %s", counts.line())
        return counts

    async def remove_unattached_proofs(self) -> None:
        """A failure here (e.g. a member attaching that very file at that moment) is logged
        and the reminders go out anyway; the next day's run removes what is left."""
        try:
            removed = await remove_unattached_proofs(self.uow_factory, self.rules)
        except Exception:
            log.exception("removing unattached proof files failed; the next run tries again")
            return
        log.info("removed %d proof file(s) left unattached for more than a day", removed)

    async def callback(self, context: ChatContext) -> None:
        await self.run()

    async def run_and_report(
        self, chat_id: int, announce: str | None = None, says: Says | None = None
    ) -> None:
        """The demo's /remindnow: say `announce`, run, then say what happened (in `says`'s
        language); one task sending one message after the other, so the chat shows them in
        that order."""
        says = says or speaker(languages.DEFAULT)
        if announce is not None:
            await self.application.bot.send_message(chat_id, announce)
        counts = await self.run()
        if counts is None:
            text = says.gettext("Reminders: a run is already going on.")
        else:
            text = says.gettext(
                "Reminders: sent {sent}, skipped {skipped}, failed {failed}",
                sent=counts.sent,
                skipped=counts.skipped,
                failed=counts.failed,
            )
        await self.application.bot.send_message(chat_id, text)


JOB_KEY = "reminder_job"


def schedule_reminders(
    application: ChatApplication, uow_factory: UnitOfWorkFactory, rules: Rules, at: time
) -> ReminderJob:
    """Every day at `at` in ACSM_TIMEZONE; and once at start-up when that time has already
    passed today (the bot was down then: nothing is sent twice, the unique key sees to it)."""
    job = ReminderJob(application, uow_factory, rules)
    application.bot_data[JOB_KEY] = job
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is not installed")
    queue.run_daily(job.callback, time=at.replace(tzinfo=rules.timezone), name="reminders")
    previous = application.post_init

    async def post_init(app: ChatApplication) -> None:
        if previous is not None:
            await previous(app)
        local_now = rules.clock.now().astimezone(rules.timezone)
        if local_now.time() >= at:
            queue.run_once(job.callback, when=timedelta(seconds=1), name="reminders-catch-up")

    application.post_init = post_init
    return job


REMIND_NOW = N_("Sending the reminders due now (demo)… Each step reaches a member once.")


async def remind_now(update: Update, context: ChatContext) -> None:
    """/remindnow (demo only): send the reminders due now, at once."""
    job = context.application.bot_data.get(JOB_KEY)
    chat = update.effective_chat
    if not isinstance(job, ReminderJob) or chat is None:
        return
    # Said by the task itself, before it sends any reminder: a reply of the turn would only
    # go out after the commit, possibly after the reminders.
    says = speaker(context.turn.language)  # the task outlives the turn
    context.application.create_task(
        job.run_and_report(chat.id, says.gettext(REMIND_NOW), says), name="remindnow"
    )


def add_remind_now(application: ChatApplication, group: int) -> None:
    application.add_handler(CommandHandler("remindnow", remind_now), group=group)
