"""Telling members staff's audit verdicts: the running bot sends the notices that `audit
decide` (or the web console, in another process) wrote with the verdict.

- Every NOTICE_EVERY (python-telegram-bot's job queue, one run at a time) the bot reads the
  unsent notices and tells each chat logged in as the member (as `audit select` does), then
  marks the notice sent in a transaction of its own.
- Marked *after* sending: a kill between Telegram's answer and the mark sends that notice again
  on the next run (twice at worst); a notice is never lost.
- A chat marked blocked (403, the reminders' mark) is skipped; a 403 now marks it. A network
  failure or rate limit leaves the notice unsent (tried again next run); a timeout counts as
  sent (it may have arrived); another 400 is logged and not retried. A member logged in from
  no chat cannot be told: the notice is marked sent, and /audit shows the verdict.
"""

from __future__ import annotations

import asyncio
import html
import logging
from datetime import timedelta

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from domain import languages
from domain.audits import Verdict, VerdictNotice
from domain.ports import UnitOfWorkFactory
from domain.rules import Rules
from domain.services.audits import NoticeToSend, unsent_verdict_notices, verdict_notice_sent
from handlers.context import ChatApplication, ChatContext
from i18n import Says, speaker

log = logging.getLogger(__name__)

NOTICE_EVERY = timedelta(seconds=20)
JOB_KEY = "verdict_notice_job"


def verdict_text(notice: VerdictNotice, says: Says) -> str:
    """The notice in `says`'s language; staff's reason is quoted as staff wrote it."""
    if notice.verdict is Verdict.ACCEPT:
        return says.gettext(
            "✅ ACSM reviewed your audit and <b>accepted</b> your proof. Thank you: there is "
            "nothing more to do."
        )
    return says.gettext(
        "❌ ACSM reviewed your audit and could not accept your proof.\n"
        "Reason: {reason}\n\n"
        "Please send proof again with /audit (add or remove certificates, then press Submit) "
        "before the due date, <b>{date}</b>.",
        reason=html.escape(notice.reason or ""),
        date=notice.due_on.strftime("%m/%d/%Y"),
    )


class VerdictNoticeJob:
    def __init__(self, application: ChatApplication, uow_factory: UnitOfWorkFactory, rules: Rules):
        self.application = application
        self.uow_factory, self.rules = uow_factory, rules
        self._lock = asyncio.Lock()

    async def run(self) -> int:
        """Send the unsent notices; returns how many were marked sent."""
        if self._lock.locked():
            return 0
        async with self._lock:
            done = 0
            for item in await unsent_verdict_notices(self.uow_factory):
                if not self.application.running:
                    break
                done += await self._one(item)
            return done

    async def _one(self, item: NoticeToSend) -> int:
        notice = item.notice
        assert notice.id is not None
        blocked: list[int] = []
        for chat_id in item.chat_ids:
            try:
                says = speaker(item.languages.get(chat_id, languages.DEFAULT))
                await self.application.bot.send_message(
                    chat_id, verdict_text(notice, says), parse_mode=ParseMode.HTML
                )
            except Forbidden:
                log.info("verdict notice for member %s: chat blocked the bot", notice.acsm_id)
                blocked.append(chat_id)
            except TimedOut:
                log.warning("verdict notice for member %s: timed out; may have arrived",
                            notice.acsm_id)  # fmt: skip
            except BadRequest as exc:
                log.warning("verdict notice for member %s refused: %s", notice.acsm_id,
                            exc.message)  # fmt: skip
            except (RetryAfter, NetworkError) as exc:
                log.warning("verdict notice for member %s: %s; again next run", notice.acsm_id,
                            type(exc).__name__)  # fmt: skip
                return 0
        if not item.chat_ids:
            log.info("verdict for member %s: logged in from no chat; not told", notice.acsm_id)
        await verdict_notice_sent(self.uow_factory, self.rules, notice.id, blocked)
        return 1

    async def callback(self, context: ChatContext) -> None:
        try:
            await self.run()
        except Exception:
            log.exception("sending verdict notices failed; the next run tries again")


def schedule_verdict_notices(
    application: ChatApplication,
    uow_factory: UnitOfWorkFactory,
    rules: Rules,
    every: timedelta = NOTICE_EVERY,
) -> VerdictNoticeJob:
    """Send the unsent verdict notices every `every` while the bot runs (first soon after
    start: the ones written while it was down)."""
    job = VerdictNoticeJob(application, uow_factory, rules)
    application.bot_data[JOB_KEY] = job
    queue = application.job_queue
    if queue is None:
        raise RuntimeError("python-telegram-bot[job-queue] is not installed")
    queue.run_repeating(
        job.callback, interval=every, first=min(every, timedelta(seconds=1)), name="verdicts"
    )
    return job
