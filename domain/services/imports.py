"""Staff imports: the whole file is validated first; nothing is written if any row is bad.

Each import is one transaction, opened by the use case from a UnitOfWorkFactory *after* the
file is parsed: a large file parsed with the transaction open would hold SQLite's one writer
(BEGIN IMMEDIATE) and keep the running bot's updates waiting. The factory commits it.

Members: the file is ACSM's data as of some instant (`as_of`). What the bot itself did wins
over an older file:
- a certification's thru date never moves backwards past a renewal paid in the chat;
- email and phone changed by the member in the chat at or after `as_of` are kept;
- so is the CPR/AED expiry of a card the member gave in the chat at or after `as_of`.
Both are reported per line ("line N: kept …") and counted.
A thru date the file moves (say, a renewal ACSM recorded by mail) takes the cycle away from
an open invoice issued in the chat for it: that invoice is voided in the same transaction
(nothing is due on it, it cannot be paid, the member is told at their next visit) and the
finished renewal draft that showed it is forgotten; reported per line ("line N: voided …").

CECs: the file is streamed (a file of any size in bounded memory): checked chunk by chunk,
each chunk in a short transaction of its own, then written in one (import_cecs). An activity
already recorded (same member, date, title, provider) with other CECs is a correction: its
CECs are updated (reported). Two rows of one file with the same key and
different CECs, a completion date in the future or before the member's first cycle, and more
than MAX_ACTIVITY_CECS for one activity are errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain import cycles
from domain.catalog import Catalog
from domain.cecs import format_cecs
from domain.cpr_cards import CprAedCard
from domain.imports import (
    CHUNK_ROWS,
    FIRST_YEAR,
    LAST_YEAR,
    NO_ROWS,
    PLAUSIBLE,
    CecChecks,
    MembersImport,
    RowError,
    cec_chunks,
    cec_key,
    check_cecs,
    parse_members_csv,
)
from domain.invoices import moved_cycles, moved_reason, void_invoice
from domain.model import CecActivity, Certification, Invoice, Member
from domain.ports import ImportStaging, PaidRenewal, UnitOfWork, UnitOfWorkFactory

MEMBER_FIELDS = ("first_name", "last_name", "email", "phone", "cpr_aed_expires")


def _us(day: date) -> str:
    return f"{day:%m/%d/%Y}"


async def import_members(
    units: UnitOfWorkFactory,
    catalog: Catalog,
    text: str,
    *,
    now: datetime,
    as_of: datetime | None = None,
    dry_run: bool = False,
) -> MembersImport:
    """Upsert members and their certifications; on any bad row, write nothing.

    `now`: when the import runs (an invoice it voids is void since then).
    `as_of`: when the file's data was taken (aware); a contact the member changed in the chat
    at or after it is kept. None: the file wins over every chat change (tests, the demo).
    `dry_run`: work out and report everything, write nothing."""
    parsed = parse_members_csv(text, catalog)
    if parsed.errors:
        return parsed
    async with units() as uow:  # what is compared is what is written: one transaction
        ids = [m.acsm_id for m in parsed.members]
        existing = await uow.members.get_many(ids)
        certs = {(c.acsm_id, c.code): c for c in await uow.certifications.for_members(ids)}
        paid = await uow.invoices.paid_renewals([c.id for c in certs.values() if c.id])
        cards = await uow.cpr_cards.given_since(ids, as_of) if as_of is not None else {}
        for member in parsed.members:
            before = existing.get(member.acsm_id)
            _keep_cpr_card(parsed, member, before, cards.get(member.acsm_id), as_of)
            _reconcile_member(parsed, member, before, as_of)
        for cert in parsed.certifications:
            old = certs.get((cert.acsm_id, cert.code))
            renewal = paid.get(old.id) if old is not None and old.id is not None else None
            _reconcile_certification(parsed, cert, old, renewal)
        # Each certification's thru date once the file is in (one not in the file keeps its).
        thru = {c.id: c.thru_date for c in certs.values() if c.id is not None}
        for cert in parsed.certifications:
            old = certs.get((cert.acsm_id, cert.code))
            if old is not None and old.id is not None:
                thru[old.id] = cert.thru_date
        for invoice in await uow.invoices.open_for_members(ids):
            await _void_if_moved(uow, parsed, invoice, thru, now, dry_run)
        if not dry_run:
            await uow.members.upsert_many(
                parsed.members, parsed.certifications, keep_contact_changed_since=as_of
            )
    return parsed


async def _void_if_moved(
    uow: UnitOfWork,
    result: MembersImport,
    invoice: Invoice,
    thru: dict[int, date],
    now: datetime,
    dry_run: bool,
) -> None:
    """Void an open invoice a cycle of which the file moves, and forget the finished renewal
    draft that showed it (its step DONE would show an invoice that is gone)."""
    moved = moved_cycles(invoice, thru)
    if not moved:
        return
    reason = moved_reason(moved)
    line = result.cert_lines.get((invoice.acsm_id, moved[0].code))
    where = f"line {line}: " if line is not None else ""
    cycles_ = ", ".join(sorted({_us(m.cycle_thru) for m in moved}))
    result.voided.append(
        f"{where}{'would void' if dry_run else 'voided'} invoice {invoice.number} of member"
        f" {invoice.acsm_id} ({reason}; it renewed the cycle ending {cycles_}): the member"
        " is told in the chat"
    )
    if dry_run:
        return
    void_invoice(invoice, now, reason)
    await uow.invoices.save(invoice)
    draft = await uow.drafts.get(invoice.acsm_id)
    renewed = {line.certification_id for line in invoice.lines}
    if draft is not None and draft.acknowledged and renewed & set(draft.certification_ids):
        await uow.drafts.delete(invoice.acsm_id)


def _reconcile_member(
    result: MembersImport, member: Member, old: Member | None, as_of: datetime | None
) -> None:
    line = result.member_lines[member.acsm_id]
    if old is None:
        result.new_members += 1
        result.changes.append(f"line {line}: new member {member.acsm_id}")
        return
    changed_at = old.contact_changed_at
    if (
        as_of is not None
        and changed_at is not None
        and changed_at >= as_of
        and (member.email, member.phone) != (old.email, old.phone)
    ):
        result.kept_contacts += 1
        result.kept.append(
            f"line {line}: kept the email and phone member {member.acsm_id} changed in the chat"
            f" at {changed_at:%Y-%m-%d %H:%M} UTC (the file is as of {as_of:%Y-%m-%d %H:%M} UTC)"
        )
        member.email, member.phone = old.email, old.phone
    differ = [f for f in MEMBER_FIELDS if getattr(member, f) != getattr(old, f)]
    if differ:
        result.changed_members += 1
        result.changes.append(f"line {line}: member {member.acsm_id}: {', '.join(differ)}")


def _keep_cpr_card(
    result: MembersImport,
    member: Member,
    old: Member | None,
    card: CprAedCard | None,
    as_of: datetime | None,
) -> None:
    """A CPR/AED card the member gave in the chat at or after the file's moment: its expiry
    stays (the file's is older news)."""
    if old is None or card is None or as_of is None:
        return
    if member.cpr_aed_expires != old.cpr_aed_expires:
        line = result.member_lines[member.acsm_id]
        result.kept.append(
            f"line {line}: kept the CPR/AED expiry {_us(old.cpr_aed_expires or card.expires)}"
            f" of member {member.acsm_id}: a card given in the chat at"
            f" {card.uploaded_at:%Y-%m-%d %H:%M} UTC (the file is as of"
            f" {as_of:%Y-%m-%d %H:%M} UTC)"
        )
        member.cpr_aed_expires = old.cpr_aed_expires


def _reconcile_certification(
    result: MembersImport,
    cert: Certification,
    old: Certification | None,
    renewal: PaidRenewal | None,
) -> None:
    line = result.cert_lines[(cert.acsm_id, cert.code)]
    who = f"{cert.code} of member {cert.acsm_id}"
    if old is None:
        result.new_certifications += 1
        result.changes.append(f"line {line}: new {who}, thru {_us(cert.thru_date)}")
        return
    if cert.thru_date < old.thru_date and renewal is not None and renewal.new_thru > cert.thru_date:
        paid_on = f" on {renewal.paid_at:%Y-%m-%d}" if renewal.paid_at else ""
        result.kept_thru_dates += 1
        result.kept.append(
            f"line {line}: kept {who} thru {_us(old.thru_date)}: a renewal paid in the chat"
            f"{paid_on} extended it (the file says {_us(cert.thru_date)})"
        )
        cert.thru_date, cert.effective_date = old.thru_date, old.effective_date
        return
    differ = []
    if cert.effective_date != old.effective_date:
        differ.append(f"effective {_us(old.effective_date)} -> {_us(cert.effective_date)}")
    if cert.thru_date != old.thru_date:
        differ.append(f"thru {_us(old.thru_date)} -> {_us(cert.thru_date)}")
    if differ:
        result.changed_certifications += 1
        result.changes.append(f"line {line}: {who}: {', '.join(differ)}")


@dataclass
class CecsCounts:
    """What `cecs import` did (or would do); the rows themselves went to the callbacks."""

    bad_rows: int = 0
    activities: int = 0
    new_activities: int = 0
    updated: int = 0
    unchanged: int = 0


async def import_cecs(
    units: UnitOfWorkFactory,
    lines: Iterable[str],
    staging: ImportStaging,
    *,
    now: datetime,
    timezone: ZoneInfo,
    dry_run: bool = False,
    on_bad_row: Callable[[str], None],
    on_updated: Callable[[str], None],
) -> CecsCounts:
    """Add ACSM-recorded activities of known members; an activity already recorded with
    other CECs is corrected (reported). `now` and `timezone` decide what "the future" is.

    A file of any size in bounded memory, in two passes. The first reads the file CHUNK_ROWS
    rows at a time, checks each chunk against the database (its members, their cycles: a
    short transaction per chunk) and against the rows staged before it (the same activity
    twice), reports each bad row to `on_bad_row` as "line N: reason" in the order of the file,
    and stages the good ones. Any bad row: nothing is written. Otherwise the second pass
    compares the staged rows with what is recorded, reports each correction to `on_updated`
    ("line N: updated …") and writes them, chunk by chunk in ONE transaction: all or nothing
    (on SQLite the bot's writes wait for it). A dry run compares and writes nothing."""
    today = cycles.local_today(timezone, now)
    counts = CecsCounts()
    rows = 0
    members = _MemberFacts()
    for chunk in cec_chunks(lines, CHUNK_ROWS):
        rows += sum(1 for line, _ in chunk if line > 1)
        await members.learn(units, {a.acsm_id for _, a in chunk if isinstance(a, CecActivity)})
        checks = CecChecks(members.known.__contains__, today, members.first_day)
        seen = staging.find({cec_key(a) for _, a in chunk if isinstance(a, CecActivity)})
        accepted: list[tuple[int, CecActivity]] = []
        for line, item in check_cecs(chunk, checks, seen):
            if isinstance(item, str):
                counts.bad_rows += 1
                on_bad_row(f"line {line}: {item}")
            else:
                accepted.append((line, item))
        staging.add(accepted)  # after a bad row too: a later row may repeat one of these
    if rows == 0 and counts.bad_rows == 0:
        counts.bad_rows = 1
        on_bad_row(NO_ROWS)
    if counts.bad_rows:
        return counts
    if dry_run:
        for staged in staging.chunks(CHUNK_ROWS):
            async with units() as uow:
                await _compare(uow, staged, counts, on_updated)
        return counts
    async with units() as uow:  # one transaction: every row or none
        for staged in staging.chunks(CHUNK_ROWS):
            await _compare(uow, staged, counts, on_updated)
            await uow.cecs.add_many([a for _, a in staged])
    return counts


class _MemberFacts:
    """What the checks need to know of the members of a CECs file (do they exist, the first
    day of their earliest cycle), asked of the database a chunk at a time for the members not
    known yet, and kept for up to MAX_MEMBERS members (a file lists the same member on many
    rows): then forgotten and asked again, so that memory stays bounded."""

    MAX_MEMBERS = 100_000

    def __init__(self) -> None:
        self._forget()

    def _forget(self) -> None:
        self.asked: set[str] = set()
        self.known: set[str] = set()
        self.first: dict[str, date] = {}
        self.wrong: dict[str, str] = {}  # stored before imports refused such dates

    async def learn(self, units: UnitOfWorkFactory, acsm_ids: set[str]) -> None:
        new = sorted(acsm_ids - self.asked)
        if not new:
            return
        if len(self.asked) + len(new) > self.MAX_MEMBERS:
            self._forget()
            new = sorted(acsm_ids)
        async with units() as uow:
            self.known |= await uow.members.existing_ids(new)
            certifications = await uow.certifications.for_members(new)
        self.asked.update(new)
        for cert in certifications:
            if not FIRST_YEAR <= cert.thru_date.year <= LAST_YEAR:
                self.wrong.setdefault(
                    cert.acsm_id,
                    f"member {cert.acsm_id}'s {cert.code} certification is stored with thru"
                    f" date {cert.thru_date.isoformat()}, not a plausible date ({PLAUSIBLE}):"
                    " correct it with `members import` first",
                )
                continue
            start = min(cert.effective_date, cycles.cycle_start(cert.thru_date))
            self.first[cert.acsm_id] = min(start, self.first.get(cert.acsm_id, start))

    def first_day(self, acsm_id: str) -> date | None:
        """CecChecks.first_day."""
        if acsm_id in self.wrong:
            raise RowError(self.wrong[acsm_id])
        return self.first.get(acsm_id)


async def _compare(
    uow: UnitOfWork,
    staged: list[tuple[int, CecActivity]],
    counts: CecsCounts,
    on_updated: Callable[[str], None],
) -> None:
    recorded = await uow.cecs.cecs_of([cec_key(a) for _, a in staged])
    for line, activity in staged:
        counts.activities += 1
        before = recorded.get(cec_key(activity))
        if before is None:
            counts.new_activities += 1
        elif before == activity.cecs:
            counts.unchanged += 1
        else:
            counts.updated += 1
            on_updated(
                f"line {line}: updated {activity.title[:60]!r} ({activity.provider[:40]},"
                f" {activity.completed_on:%Y-%m-%d}) of member {activity.acsm_id}:"
                f" {format_cecs(before)} -> {format_cecs(activity.cecs)} CECs"
            )


__all__ = ["CecsCounts", "import_cecs", "import_members"]
