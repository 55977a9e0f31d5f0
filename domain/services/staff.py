"""The staff web console's accounts and sessions (rules in domain/staff.py): adding staff,
enrolment, sign-in with an authentication code, sessions that end when idle, the activity log.

Each use case gets its unit of work open and never commits (whoever opened it does). Time
comes from rules.clock; argon2 runs as slow work (rules.slow, off the event loop)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain import credentials, totp
from domain.audits import Audit, AuditState, Verdict, audit_state, state_criteria
from domain.errors import InvalidInputError, NotFoundError
from domain.model import CecActivity, Certification, Invoice, Member
from domain.ports import DuplicateStaffError, UnitOfWork
from domain.rules import Rules
from domain.services.audits import EVER, AuditView, decide_audit, today, view_of
from domain.staff import (
    ENROL_VALID,
    FAILURE_WINDOW,
    MAX_FAILURES,
    Action,
    ActivityEntry,
    StaffAccount,
    StaffSession,
    check_email,
    check_new_password,
    email_failure_key,
    failure_key,
    new_token,
    normal_email,
    token_hash,
)
from domain.tracker import LoggedActivity, ProofFile

SIGN_IN_REFUSED = "Wrong email, password or authentication code."
LOCKED = "Too many failed attempts: try again after {until:%H:%M} UTC."
ENROL_LINK_INVALID = "This enrolment link is not valid (used, replaced or expired)."


@dataclass(frozen=True)
class NewStaff:
    account: StaffAccount
    enrol_token: str  # for the link, shown once; only its hash is kept


@dataclass(frozen=True)
class SignedIn:
    account: StaffAccount
    token: str  # the session cookie's value; only its hash is kept
    csrf_token: str


@dataclass(frozen=True)
class SignInRefused:
    reason: str
    locked_until: datetime | None = None


@dataclass(frozen=True)
class Who:
    """The signed-in staff member of a request."""

    account: StaffAccount
    session: StaffSession

    @property
    def account_id(self) -> int:
        assert self.account.id is not None
        return self.account.id


async def record(
    uow: UnitOfWork, rules: Rules, account: StaffAccount | None, action: Action, detail: str
) -> None:
    """One line of the activity log: who, when, what."""
    await uow.staff.log(
        ActivityEntry(
            at=rules.clock.now(),
            email=account.email if account else "(command line)",
            action=action,
            detail=detail[:500],
            account_id=account.id if account else None,
        )
    )


async def add_staff(
    uow: UnitOfWork, rules: Rules, email: str, *, admin: bool, by: StaffAccount | None = None
) -> NewStaff:
    """A new account, or a new enrolment link for one not enrolled yet (the old link stops
    working). `by`: the admin who adds (None: the command line, run on the server). Refused
    (InvalidInputError) for a bad email, an account already enrolled, or a staff member who
    is not an admin."""
    if by is not None and not by.is_admin:
        raise InvalidInputError("Only an admin adds staff.")
    try:
        address = check_email(email)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    now = rules.clock.now()
    token = new_token()
    account = await uow.staff.by_email(address)
    if account is not None and account.enrolled:
        raise InvalidInputError("{address} has a staff account already", address=address)
    if account is None:
        account = StaffAccount(email=address, is_admin=admin, created_at=now)
        account.totp_secret = totp.new_secret()
        account.enrol_token_hash = token_hash(token)
        account.enrol_expires_at = now + ENROL_VALID
        try:
            await uow.staff.add(account)
        except DuplicateStaffError as exc:  # added at the same moment by someone else
            raise InvalidInputError(
                "{address} has a staff account already", address=address
            ) from exc
    else:
        account.is_admin = admin
        account.totp_secret = totp.new_secret()
        account.enrol_token_hash = token_hash(token)
        account.enrol_expires_at = now + ENROL_VALID
        await uow.staff.save(account)
    await record(uow, rules, by, Action.STAFF_ADDED, f"{address}{' (admin)' if admin else ''}")
    return NewStaff(account, token)


async def enrolment(uow: UnitOfWork, rules: Rules, token: str) -> StaffAccount:
    """The account an enrolment link is for, while the link is valid (else NotFoundError)."""
    account = await uow.staff.by_enrol_token(token_hash(token))
    now = rules.clock.now()
    if (
        account is None
        or account.enrolled
        or account.enrol_expires_at is None
        or account.enrol_expires_at <= now
        or account.totp_secret is None
    ):
        raise NotFoundError(ENROL_LINK_INVALID)
    return account


async def enrol(
    uow: UnitOfWork, rules: Rules, token: str, password: str, again: str, code: str
) -> StaffAccount:
    """Set the password (typed twice) and confirm the authenticator with one of its codes;
    the link is used up. InvalidInputError says what to correct (the link stays valid)."""
    account = await enrolment(uow, rules, token)
    assert account.totp_secret is not None
    try:
        check_new_password(password, again, account.email)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
    now = rules.clock.now()
    step = totp.matching_step(account.totp_secret, code, now, account.totp_last_step)
    if step is None:
        raise InvalidInputError(
            "That authentication code is not the one your app shows now: check the app's"
            " clock and type the current code."
        )
    account.password_hash = await rules.slow.run(
        ("staff-hash", password), lambda: rules.hasher.hash(password)
    )
    account.totp_last_step = step
    account.enrolled_at = now
    account.enrol_token_hash = None
    account.enrol_expires_at = None
    await uow.staff.save(account)
    await record(uow, rules, account, Action.ENROLLED, "password and authenticator set")
    return account


async def _lock_of(uow: UnitOfWork, rules: Rules, key: str) -> datetime | None:
    now = rules.clock.now()
    failures = await uow.login_attempts.failures_since(key, now - FAILURE_WINDOW)
    return credentials.locked_until(failures, now, MAX_FAILURES, FAILURE_WINDOW)


async def sign_in(
    uow: UnitOfWork, rules: Rules, email: str, password: str, code: str
) -> SignedIn | SignInRefused:
    """Check email, password and code; on success a new session. Failures count per account
    and per typed email (known or not); while either is locked even the right credentials
    are refused. The reason never says which of the three was wrong."""
    address = normal_email(email)[:320]
    account = await uow.staff.by_email(address)
    keys = [email_failure_key(address)]
    if account is not None and account.id is not None:
        keys.append(failure_key(account.id))
    locks = [lock for key in keys if (lock := await _lock_of(uow, rules, key)) is not None]
    if locks:
        if account is not None:
            await record(uow, rules, account, Action.SIGN_IN_REFUSED, "sign-in refused: locked")
        return SignInRefused(LOCKED.format(until=max(locks)), max(locks))
    stored = account.password_hash if account is not None and account.enrolled else None
    password_ok = await rules.slow.run(
        ("staff-verify", stored, password),
        lambda: rules.hasher.verify(stored, password) if stored else _spend(rules, password),
    )
    now = rules.clock.now()
    step = None
    if password_ok and account is not None and account.totp_secret is not None:
        step = totp.matching_step(account.totp_secret, code, now, account.totp_last_step)
    claimed = (
        account is not None
        and account.id is not None
        and step is not None
        and await uow.staff.claim_totp_step(account.id, step)
    )
    if not claimed:
        step = None  # wrong, or used by a sign-in at the same moment
    if account is None or step is None:
        if account is not None:
            await record(uow, rules, account, Action.SIGN_IN_REFUSED, "sign-in refused")
        for key in keys:
            await uow.login_attempts.record_failure(key, now)
        locks = [lock for key in keys if (lock := await _lock_of(uow, rules, key)) is not None]
        if locks:
            return SignInRefused(LOCKED.format(until=max(locks)), max(locks))
        return SignInRefused(SIGN_IN_REFUSED)
    assert account.id is not None and account.password_hash is not None
    account.totp_last_step = step
    if rules.hasher.needs_rehash(account.password_hash):
        account.password_hash = await rules.slow.run(
            ("staff-hash", password), lambda: rules.hasher.hash(password)
        )
    await uow.staff.save(account)
    for key in keys:
        await uow.login_attempts.clear(key)
    token, csrf = new_token(), new_token()
    await uow.staff.add_session(
        StaffSession(token_hash(token), account.id, csrf, created_at=now, last_seen_at=now)
    )
    await record(uow, rules, account, Action.SIGN_IN, "signed in")
    return SignedIn(account, token, csrf)


def _spend(rules: Rules, password: str) -> bool:
    """An unknown email costs what a known one does (no timing hint of who has an account)."""
    rules.hasher.hash(password)
    return False


async def current_staff(uow: UnitOfWork, rules: Rules, token: str | None) -> Who | None:
    """The session of this cookie's token, touched (its idle time starts again); None when
    there is none, or it ended (idle SESSION_IDLE: deleted)."""
    if not token:
        return None
    hashed = token_hash(token)
    session = await uow.staff.session(hashed)
    if session is None:
        return None
    now = rules.clock.now()
    account = await uow.staff.get(session.account_id)
    if session.expired(now) or account is None or not account.enrolled:
        await uow.staff.end_session(hashed)
        return None
    await uow.staff.touch_session(hashed, now)
    session.last_seen_at = now
    return Who(account, session)


async def sign_out(uow: UnitOfWork, rules: Rules, who: Who) -> None:
    await uow.staff.end_session(who.session.token_hash)
    await record(uow, rules, who.account, Action.SIGN_OUT, "signed out")


async def activity(uow: UnitOfWork, limit: int = 500) -> list[ActivityEntry]:
    return await uow.staff.activity(limit)


# ---- what the console shows and does ---------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    id: int
    acsm_id: str
    name: str
    state: AuditState
    selected_on: date
    due_on: date
    files: int


@dataclass(frozen=True)
class AuditPage:
    row: AuditRow
    view: AuditView
    decidable: bool  # the member's audit `decide_audit` decides, submitted or decided


AUDITS_PER_PAGE = 50


@dataclass(frozen=True)
class AuditList:
    """One page of the audit list (pages count from 1)."""

    rows: list[AuditRow]
    page: int
    pages: int
    total: int
    state: AuditState | None = None  # only audits in this state; None: all


def _row_of(audit: Audit, member: Member | None, on: date) -> AuditRow:
    assert audit.id is not None
    return AuditRow(
        id=audit.id,
        acsm_id=audit.acsm_id,
        name=member.full_name if member else "",
        state=audit_state(audit, on),
        selected_on=audit.selected_on,
        due_on=audit.due_on,
        files=len(audit.proof_ids),
    )


async def _rows_of(uow: UnitOfWork, rules: Rules, audits: list[Audit]) -> list[AuditRow]:
    members = await uow.members.get_many(sorted({a.acsm_id for a in audits}))
    on = today(rules)
    return [_row_of(audit, members.get(audit.acsm_id), on) for audit in audits]


async def audit_list(
    uow: UnitOfWork,
    rules: Rules,
    page: int = 1,
    state: AuditState | None = None,
    per_page: int = AUDITS_PER_PAGE,
) -> AuditList:
    """Page `page` of every audit (or of those in `state` today), the latest selection first
    (a page past the last shows the last one)."""
    only = state_criteria(state, today(rules)) if state is not None else None
    total = await uow.audits.count(only)
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    audits = await uow.audits.page((page - 1) * per_page, per_page, only)
    return AuditList(await _rows_of(uow, rules, audits), page, pages, total, state)


async def _decided_audit_id(uow: UnitOfWork, acsm_id: str) -> int | None:
    """The audit `decide_audit` would decide for this member (their latest submitted one)."""
    audits = await uow.audits.for_member(acsm_id)
    submitted = [a for a in audits if a.submitted_at is not None]
    return submitted[0].id if submitted else None


async def audit_page(uow: UnitOfWork, rules: Rules, audit_id: int) -> AuditPage:
    audit = await uow.audits.get(audit_id)
    if audit is None or audit.id is None:
        raise NotFoundError("no such audit")
    row = _row_of(audit, await uow.members.get(audit.acsm_id), today(rules))
    decidable = await _decided_audit_id(uow, audit.acsm_id) == audit.id
    return AuditPage(row, await view_of(uow, rules, audit), decidable)


async def decide(
    uow: UnitOfWork, rules: Rules, who: Who, audit_id: int, verdict: Verdict, reason: str | None
) -> Audit:
    """A verdict from the console: the same use case as `audit decide` (the verdict and the
    notice the running bot sends the member, in this transaction), on the audit shown, and a
    line in the activity log."""
    audit = await uow.audits.get(audit_id)
    if audit is None:
        raise NotFoundError("no such audit")
    if await _decided_audit_id(uow, audit.acsm_id) != audit_id:
        raise InvalidInputError(
            "This audit is not the member's latest submitted one: nothing to decide here."
        )
    decided = await decide_audit(uow, rules, audit.acsm_id, verdict, reason)
    text = f"audit of member {decided.acsm_id} {verdict.value}"
    if decided.decision_reason:
        text += f": {decided.decision_reason}"
    await record(uow, rules, who.account, Action.VERDICT, text)
    return decided


async def proof_file(uow: UnitOfWork, proof_id: int) -> tuple[ProofFile, bytes]:
    proof = await uow.proofs.get(proof_id)
    if proof is None:
        raise NotFoundError("no such file")
    return proof, await uow.proofs.read(proof_id)


@dataclass(frozen=True)
class MemberHit:
    ref: str  # the opaque reference of this session
    acsm_id: str
    name: str
    email: str


async def search_members(uow: UnitOfWork, who: Who, query: str, limit: int = 50) -> list[MemberHit]:
    found = await uow.staff.search_members(query[:200], limit)
    refs = await uow.staff.member_refs(who.session.token_hash, [m.acsm_id for m in found])
    return [MemberHit(refs[m.acsm_id], m.acsm_id, m.full_name, m.email) for m in found]


async def member_ref(uow: UnitOfWork, who: Who, acsm_id: str) -> str:
    """The address part of this member's page in this session (opaque)."""
    return await uow.staff.member_ref(who.session.token_hash, acsm_id)


@dataclass(frozen=True)
class PaidWith:
    charge_id: str
    provider_charge_id: str
    paid_at: datetime
    total_cents: int
    currency: str


@dataclass(frozen=True)
class MemberPage:
    member: Member
    certifications: list[Certification]
    recorded: list[CecActivity]  # ACSM-recorded, newest first
    logged: list[LoggedActivity]  # logged by the member, newest first
    invoices: list[tuple[Invoice, PaidWith | None]]
    audits: list[AuditRow]


async def member_page(uow: UnitOfWork, rules: Rules, who: Who, ref: str) -> MemberPage:
    acsm_id = await uow.staff.member_of_ref(who.session.token_hash, ref)
    member = await uow.members.get(acsm_id) if acsm_id is not None else None
    if member is None:
        raise NotFoundError("no such member (search again)")
    invoices = []
    for invoice in sorted(
        await uow.invoices.for_member(member.acsm_id), key=lambda i: i.issued_on, reverse=True
    ):
        paid = None
        if invoice.payment_charge_id:
            payment = await uow.payments.get(invoice.payment_charge_id)
            if payment is not None:
                paid = PaidWith(
                    payment.charge_id,
                    payment.provider_charge_id,
                    payment.paid_at,
                    payment.total_cents,
                    payment.currency,
                )
        invoices.append((invoice, paid))
    rows = await _rows_of(uow, rules, await uow.audits.for_member(member.acsm_id))
    recorded = await uow.cecs.for_members([member.acsm_id])
    logged = await uow.logged_cecs.for_member(member.acsm_id, *EVER)
    return MemberPage(
        member=member,
        certifications=await uow.certifications.for_member(member.acsm_id),
        recorded=sorted(recorded, key=lambda a: a.completed_on, reverse=True),
        logged=sorted(logged, key=lambda a: a.completed_on, reverse=True),
        invoices=invoices,
        audits=rows,
    )
