"""Interfaces the domain needs from the outside world; storage/ implements them.

A use case gets its unit of work open, inside a transaction someone else owns (a Telegram
update's turn, or `async with units() as uow:` of a UnitOfWorkFactory), and never commits or
rolls back: whoever opened the transaction does.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Iterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from domain.audits import Audit, StateCriteria, VerdictNotice
from domain.certificate_text import CertificateReading
from domain.cpr_cards import CprAedCard
from domain.identity import CodePurpose, IdentityCode
from domain.languages import DEFAULT as DEFAULT_LANGUAGE
from domain.languages import KeptLanguage, Language
from domain.model import (
    CecActivity,
    Certification,
    Invoice,
    Member,
    Payment,
    RenewalDraft,
    TelegramLink,
)
from domain.staff import ActivityEntry, StaffAccount, StaffSession
from domain.tracker import LoggedActivity, ProofFile, ProofUsage


@dataclass(frozen=True)
class PaidRenewal:
    new_thru: date  # the thru date the paid invoice extended the certification to
    paid_at: datetime | None


class DuplicateInvoiceError(Exception):
    """An invoice line for this certification cycle, or this number, exists already."""


class MemberRepository(Protocol):
    async def get(self, acsm_id: str) -> Member | None: ...
    async def get_by_username(self, username: str) -> Member | None:
        """Look up by the member's own (lower-case) username."""
        ...

    async def save(self, member: Member) -> None:
        """Insert or update one member (by acsm_id)."""
        ...

    async def upsert_many(
        self,
        members: Sequence[Member],
        certifications: Sequence[Certification],
        *,
        keep_contact_changed_since: datetime | None = None,
    ) -> None:
        """Bulk upsert for imports: members by acsm_id (name, email, phone, CPR/AED
        updated; username and password kept) and certifications by (acsm_id, code).
        With `keep_contact_changed_since`, a member whose contact_changed_at is at or after
        it keeps their email and phone, and one who gave a CPR/AED card in the chat at or
        after it keeps their CPR/AED expiry (checked in the same statement)."""
        ...

    async def get_many(self, acsm_ids: Sequence[str]) -> dict[str, Member]:
        """The members with these ACSM IDs (absent ones left out)."""
        ...

    async def count(self) -> int: ...
    async def existing_ids(self, acsm_ids: Sequence[str]) -> set[str]:
        """Which of these ACSM IDs are members."""
        ...


class CertificationRepository(Protocol):
    async def for_member(self, acsm_id: str) -> list[Certification]: ...
    async def for_members(self, acsm_ids: Sequence[str]) -> list[Certification]: ...
    async def get(self, certification_id: int) -> Certification | None: ...
    async def save(self, certification: Certification) -> None: ...


class CecRepository(Protocol):
    async def for_member(self, acsm_id: str, since: date, until: date) -> list[CecActivity]:
        """Activities completed within [since, until], oldest first."""
        ...

    async def with_logged(
        self, acsm_id: str, since: date, until: date
    ) -> tuple[list[CecActivity], list[LoggedActivity]]:
        """`for_member` and `LoggedCecRepository.for_member` of the same window, read
        together (one statement)."""
        ...

    async def add_many(self, activities: Sequence[CecActivity]) -> None:
        """Insert, or update the CECs of an activity with the same key (member, date,
        title, provider): a correction."""
        ...

    async def for_members(self, acsm_ids: Sequence[str]) -> list[CecActivity]:
        """Every activity of these members."""
        ...

    async def get(self, activity_id: int) -> CecActivity | None: ...

    async def cecs_of(
        self, keys: Collection[tuple[str, date, str, str]]
    ) -> dict[tuple[str, date, str, str], Decimal]:
        """The CECs recorded for each of these keys (member, date, title, provider) that is
        recorded."""
        ...


class ImportStaging(Protocol):
    """Where `cecs import` keeps the rows that passed its checks, between checking the whole
    file and writing it: outside the process's memory, so that a file of any size fits. Lines
    are the file's; each is staged once."""

    def find(
        self, keys: Collection[tuple[str, date, str, str]]
    ) -> dict[tuple[str, date, str, str], tuple[int, Decimal]]:
        """(line, CECs) of the staged activity with each of these keys that is staged."""
        ...

    def add(self, rows: Sequence[tuple[int, CecActivity]]) -> None:
        """Stage these (line, activity); no key is staged twice."""
        ...

    def chunks(self, size: int) -> Iterator[list[tuple[int, CecActivity]]]:
        """Every staged (line, activity), in the order of the lines, `size` at a time."""
        ...


class InvoiceRepository(Protocol):
    async def get(self, number: str, *, for_update: bool = False) -> Invoice | None:
        """`for_update`: lock it until the transaction ends (two payments of one invoice
        at the same moment: the second waits, then sees it paid)."""
        ...

    async def for_member(self, acsm_id: str) -> list[Invoice]: ...
    async def for_cycle(self, certification_id: int, cycle_thru: date) -> Invoice | None:
        """The invoice (open or paid) that renews this certification's cycle; a void one
        renews nothing and holds no cycle."""
        ...

    async def open_for_members(self, acsm_ids: Sequence[str]) -> list[Invoice]:
        """The open invoices of these members (imports: which ones a moved cycle voids)."""
        ...

    async def voided_untold(self, acsm_id: str) -> list[Invoice]:
        """The member's void invoices they have not been told about, oldest first."""
        ...

    async def void_told(self, numbers: Sequence[str], at: datetime) -> None:
        """The member was told these invoices are void."""
        ...

    async def number_exists(self, number: str) -> bool: ...
    async def add(self, invoice: Invoice) -> None:
        """Insert; raises DuplicateInvoiceError when a line's cycle (held by an open or paid
        invoice) or the number exists (enforced by unique keys, so two concurrent adds cannot
        both succeed)."""
        ...

    async def save(self, invoice: Invoice) -> None:
        """Update status, amounts (a late fee added), balance, payment and void fields of an
        existing invoice. Once VOID, its lines no longer hold their cycles."""
        ...

    def iterate_all(self) -> AsyncIterator[Invoice]: ...
    async def paid_renewals(self, certification_ids: Sequence[int]) -> dict[int, PaidRenewal]:
        """For each certification renewed by a paid invoice: the latest such renewal."""
        ...


class PaymentRepository(Protocol):
    async def add_once(self, payment: Payment) -> bool:
        """Insert unless a payment with this charge_id exists (unique key, insert-or-ignore).
        True when this call inserted it."""
        ...

    async def get(self, charge_id: str) -> Payment | None: ...
    async def flagged(self) -> list[Payment]:
        """Payments that extended nothing, oldest first (for staff)."""
        ...

    async def provider_charge_ids(self) -> dict[str, str]:
        """Telegram charge id -> the payment provider's charge id, of applied payments."""
        ...


class RenewalDraftRepository(Protocol):
    async def get(self, acsm_id: str) -> RenewalDraft | None: ...
    async def save(self, draft: RenewalDraft) -> None: ...
    async def delete(self, acsm_id: str) -> None: ...


@dataclass(frozen=True)
class MemberRecords:
    """A session with its member, the member's certifications (by id) and renewal draft."""

    link: TelegramLink
    member: Member
    certifications: list[Certification]
    draft: RenewalDraft | None


class SessionRepository(Protocol):
    """Which Telegram user is logged in as which member."""

    async def get(self, telegram_user_id: int) -> TelegramLink | None: ...
    async def get_with_member(self, telegram_user_id: int) -> tuple[TelegramLink, Member] | None:
        """The link and its member, read together (None if either is missing)."""
        ...

    async def get_with_records(self, telegram_user_id: int) -> MemberRecords | None:
        """The link, its member, their certifications and draft, read together (one
        statement; None if the link or the member is missing)."""
        ...

    async def save(self, link: TelegramLink) -> None: ...
    async def delete(self, telegram_user_id: int) -> None: ...
    async def delete_for_member(self, acsm_id: str) -> None: ...


class LoginAttemptRepository(Protocol):
    """Failed logins, keyed by e.g. "account:123456" or "telegram:42"."""

    async def record_failure(self, key: str, at: datetime) -> None: ...
    async def failures_since(self, key: str, since: datetime) -> list[datetime]: ...
    async def clear(self, key: str) -> None: ...
    async def keys_failed_with(self, key: str, since: datetime) -> list[str]:
        """The other keys of the failures recorded together with this key's since `since`
        (one failed login records its Telegram user, typed name and account at one instant)."""
        ...


class IdentityCodeRepository(Protocol):
    """Each member's current one-time code per purpose (domain/identity.py); hashes only."""

    async def get(self, acsm_id: str, purpose: CodePurpose) -> IdentityCode | None: ...
    async def save(self, code: IdentityCode) -> None:
        """Insert, or replace the member's code of that purpose (a new request)."""
        ...

    async def delete(self, acsm_id: str, purpose: CodePurpose) -> None: ...


class ProofStore(Protocol):
    """Where certificates live, byte for byte. The database implements it (storage/); an
    object store could, as long as a file and the row naming it commit together."""

    async def add(self, proof: ProofFile, data: bytes) -> ProofFile:
        """Keep `data`; returns the stored proof with its id. The same bytes from the same
        member (same sha256) are kept once: the existing proof is returned."""
        ...

    async def get(self, proof_id: int) -> ProofFile | None: ...
    async def find(self, acsm_id: str, sha256: str) -> ProofFile | None:
        """The member's proof with these bytes, if kept already."""
        ...

    async def read(self, proof_id: int) -> bytes:
        """The bytes as received (LookupError when there is no such proof)."""
        ...

    async def for_member(self, acsm_id: str) -> list[ProofFile]: ...
    async def usage(self, acsm_id: str, since: datetime) -> ProofUsage:
        """How many of the member's proofs were received at or after `since`, and their bytes."""
        ...

    async def delete_unattached(self, received_before: datetime, acsm_id: str | None = None) -> int:
        """Delete the proofs received before `received_before` that no logged activity, no
        audit and no CPR/AED card uses, of one member or of everyone; how many were deleted."""
        ...

    async def delete_if_unused(self, proof_id: int) -> bool:
        """Delete a proof no logged activity, no audit and no CPR/AED card refers to; True
        when deleted."""
        ...


class CprAedCardRepository(Protocol):
    """CPR/AED cards members gave in the chat (their file is a proof, never removed as
    unattached)."""

    async def add(self, card: CprAedCard) -> CprAedCard:
        """Insert; returns the card with its id."""
        ...

    async def for_member(self, acsm_id: str) -> list[CprAedCard]:
        """The member's cards, oldest first."""
        ...

    async def given_since(self, acsm_ids: Sequence[str], since: datetime) -> dict[str, CprAedCard]:
        """For each of these members who gave a card at or after `since`: the latest one."""
        ...


class LoggedCecRepository(Protocol):
    """CEC activities members logged themselves."""

    async def add(self, activity: LoggedActivity) -> LoggedActivity: ...
    async def get(self, activity_id: int) -> LoggedActivity | None: ...
    async def for_member(self, acsm_id: str, since: date, until: date) -> list[LoggedActivity]:
        """Completed within [since, until], oldest first."""
        ...

    async def delete(self, activity_id: int) -> None: ...
    async def attach_proof(self, activity_id: int, proof_id: int) -> None:
        """Keep this certificate with a logged activity that had none."""
        ...


@dataclass(frozen=True)
class AuditCandidate:
    invoice_number: str
    acsm_id: str


class AuditRepository(Protocol):
    async def candidates(self, cycle_thru: date) -> list[AuditCandidate]:
        """Paid invoices renewing a cycle that ended on `cycle_thru`."""
        ...

    async def add(self, audit: Audit) -> bool:
        """Insert unless this invoice is audited already (unique key); True when inserted."""
        ...

    async def get(self, audit_id: int) -> Audit | None: ...
    async def for_member(self, acsm_id: str) -> list[Audit]: ...
    async def all(self) -> list[Audit]: ...
    async def page(self, offset: int, limit: int, only: StateCriteria | None = None) -> list[Audit]:
        """`limit` audits from `offset`, the latest selection first (selected_on, then id,
        descending), only those in one state when `only` says which: what one page of the
        staff console's audit list shows."""
        ...

    async def count(self, only: StateCriteria | None = None) -> int: ...
    async def save(self, audit: Audit) -> None:
        """Update submitted_at and the verdict (not the attachments: attach and detach)."""
        ...

    async def lock(self, audit_id: int) -> bool:
        """Hold this audit, whatever its state, until the transaction ends (a verdict and a
        resubmission take turns); False when gone."""
        ...

    async def add_notice(self, notice: VerdictNotice) -> None:
        """Record a verdict to tell the member (sets notice.id)."""
        ...

    async def unsent_notices(self, limit: int) -> list[VerdictNotice]:
        """The oldest notices not yet sent, oldest first."""
        ...

    async def notice_sent(self, notice_id: int, at: datetime) -> bool:
        """Mark a notice sent; False when it was already marked."""
        ...

    async def attach(self, audit_id: int, proof_id: int) -> bool:
        """Insert one attachment (after the others); False when it was attached already.
        Never rewrites the other attachments, so concurrent attaches all survive."""
        ...

    async def detach(self, audit_id: int, proof_id: int) -> bool:
        """Remove one attachment; False when it was not attached."""
        ...

    async def lock_open(self, audit_id: int) -> bool:
        """Hold this audit, if open (not yet submitted, or rejected), until the transaction
        ends (a concurrent attach, removal or submission waits); False when closed (or gone)."""
        ...

    async def telegram_ids(self, acsm_id: str) -> list[int]:
        """The Telegram users logged in as this member (where to tell them)."""
        ...

    async def telegram_chats(self, acsm_id: str) -> list[tuple[int, Language]]:
        """`telegram_ids` with the language kept for each (English when none is kept)."""
        ...


@dataclass(frozen=True)
class ReminderRecipient:
    """A member logged in from a Telegram chat (their most recently seen valid session)."""

    acsm_id: str
    chat_id: int
    enabled: bool  # /reminders on (the default) or off
    blocked: bool  # the chat answered 403 and the member has not written since
    language: Language = DEFAULT_LANGUAGE  # kept for that Telegram user: what it is written in


class ReminderRepository(Protocol):
    """Reminder preferences, chats that blocked the bot, and the reminders sent."""

    async def recipients(self) -> list[ReminderRecipient]: ...
    async def without_chat(self, thru_from: date, thru_to: date) -> list[str]:
        """Members with a certification thru a date in [thru_from, thru_to] and no valid
        session from any chat (never logged in, or logged out): reminders cannot reach them."""
        ...

    async def recipient(self, acsm_id: str) -> ReminderRecipient | None: ...
    async def enabled(self, acsm_id: str) -> bool: ...
    async def set_enabled(self, acsm_id: str, enabled: bool, at: datetime) -> None: ...
    async def sent_keys(self) -> set[tuple[str, date, str]]:
        """(acsm_id, cycle thru date, step) of every reminder recorded."""
        ...

    async def paid_cycles(self, certification_ids: Sequence[int]) -> set[tuple[int, date]]:
        """(certification id, cycle thru date) renewed by a paid invoice."""
        ...

    async def claim(self, acsm_id: str, thru: date, step: str, chat_id: int, at: datetime) -> bool:
        """Record the reminder before it is sent (insert-or-ignore on the unique key
        member + cycle + step): True when this call claimed it."""
        ...

    async def finish(self, acsm_id: str, thru: date, step: str, status: str, at: datetime) -> None:
        """Set the outcome of a claimed reminder."""
        ...

    async def release(self, acsm_id: str, thru: date, step: str) -> None:
        """Forget a claim: Telegram certainly did not deliver it, so it stays due."""
        ...

    async def mark_blocked(self, chat_id: int, at: datetime) -> None: ...
    async def clear_blocked(self, chat_id: int) -> None: ...
    async def is_blocked(self, chat_id: int) -> bool: ...


class LanguageRepository(Protocol):
    """The language kept per Telegram user (domain/languages.py)."""

    async def get(self, telegram_user_id: int) -> KeptLanguage | None: ...

    async def keep(self, telegram_user_id: int, kept: KeptLanguage, now: datetime) -> None: ...


class DuplicateStaffError(Exception):
    """A staff account with this email exists already."""


class StaffRepository(Protocol):
    """The staff web console's accounts, sessions and activity log (domain/staff.py), and
    what it looks up about members."""

    async def get(self, account_id: int) -> StaffAccount | None: ...
    async def by_email(self, email: str) -> StaffAccount | None: ...
    async def by_enrol_token(self, token_hash: str) -> StaffAccount | None: ...
    async def add(self, account: StaffAccount) -> None:
        """Insert (sets account.id); DuplicateStaffError when the email exists (unique key)."""
        ...

    async def save(self, account: StaffAccount) -> None: ...
    async def claim_totp_step(self, account_id: int, step: int) -> bool:
        """Record that a code of this time step was used, unless one of this step or later
        was: True when this call claimed it (one statement: two sign-ins with one code at
        the same moment cannot both succeed)."""
        ...

    async def count(self) -> int: ...
    async def session(self, token_hash: str) -> StaffSession | None: ...
    async def add_session(self, session: StaffSession) -> None: ...
    async def touch_session(self, token_hash: str, at: datetime) -> None: ...
    async def end_session(self, token_hash: str) -> bool:
        """Delete it (and what it held); True when there was one."""
        ...

    async def end_sessions_of(self, account_id: int) -> None: ...
    async def log(self, entry: ActivityEntry) -> None: ...
    async def activity(self, limit: int) -> list[ActivityEntry]:
        """The latest entries, newest first."""
        ...

    async def search_members(self, query: str, limit: int) -> list[Member]:
        """Members whose ACSM ID is `query`, or whose last name, "first last" name or email
        starts with it (any case), by last name: each kind served by an index."""
        ...

    async def member_ref(self, session_hash: str, acsm_id: str) -> str:
        """An opaque reference to this member, valid in this session only (a page address
        that names no member)."""
        ...

    async def member_refs(self, session_hash: str, acsm_ids: list[str]) -> dict[str, str]:
        """member_ref of each member at once (a search's hits: one query, not one each)."""
        ...

    async def member_of_ref(self, session_hash: str, ref: str) -> str | None:
        """The ACSM ID a reference of this session stands for."""
        ...


class UnitOfWork(Protocol):
    members: MemberRepository
    certifications: CertificationRepository
    cecs: CecRepository
    invoices: InvoiceRepository
    payments: PaymentRepository
    drafts: RenewalDraftRepository
    sessions: SessionRepository
    login_attempts: LoginAttemptRepository
    proofs: ProofStore
    logged_cecs: LoggedCecRepository
    audits: AuditRepository
    reminders: ReminderRepository
    codes: IdentityCodeRepository
    languages: LanguageRepository
    cpr_cards: CprAedCardRepository
    staff: StaffRepository


UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
"""Opens a transaction and gives its unit of work (`async with units() as uow:`); it commits
when the block ends cleanly and rolls back on an exception. For work outside a Telegram update
(the command line, scheduled reminders), which may need several transactions in a row; inside
an update the turn owns the one transaction and use cases get its unit of work open."""


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, password_hash: str, password: str) -> bool:
        """True when it matches; never raises on a mismatch."""
        ...

    def needs_rehash(self, password_hash: str) -> bool: ...


class CertificateReader(Protocol):
    """Reads a certificate file (certificates/ implements it) off the event loop, within a
    time limit, on the bot's own machine."""

    async def read(self, data: bytes, media_type: str) -> CertificateReading | None:
        """What the certificate says, each field None when unsure; None when nothing could
        be read at all (no text, a corrupt or password-protected file, over the time limit,
        a kind of file not read yet). Never raises for a bad file."""
        ...


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    text: str  # plain text
    language: Language = Language.EN  # the member's: a failure to send it is told in it


class Mailer(Protocol):
    """Sends email (mail/ implements it over SMTP; the demo prints). Called only after the
    turn's transaction has committed, never inside it."""

    async def send(self, message: MailMessage) -> None:
        """Raises on failure (the caller logs it and tells the member)."""
        ...
