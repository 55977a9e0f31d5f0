"""Proving who you are: a code emailed to the address on file (a forgotten password, or after
a login with the default credentials), Telegram's shared phone number, and staff unlocking a
locked account.

A use case that issues a code returns the email to send (`CodeRequest.mail`); the handler
queues it on the turn, and it goes out only after the turn's transaction has committed
(bot/turns.py), so a rolled-back turn sends nothing. The six digits are drawn together with
their argon2 hash as the turn's slow work (domain/slow_work.py): a turn that runs again after
that work finds the same code, and a new attempt of the update draws a new one. Only the hash
is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from domain import credentials
from domain.errors import N_, InvalidInputError, NotLoggedInError
from domain.identity import (
    CODE_TRIES,
    CODE_VALID,
    REQUEST_WINDOW,
    RESET_WINDOW,
    CodePurpose,
    CodeState,
    IdentityCode,
    code_state,
    new_code,
    next_request_at,
    requests_left,
    same_phone,
    typed_code,
)
from domain.model import Member
from domain.ports import MailMessage, PasswordHasher, UnitOfWork
from domain.rules import Rules
from domain.services import auth
from domain.services.session import new_link, require_session

SUBJECT = N_("Your ACSM recertification bot code")
CODE_MAIL = N_(
    "Hello {name},\n\n"
    "Your code {why} in the ACSM recertification bot on Telegram is:\n\n"
    "    {code}\n\n"
    "Type it in the chat. It works once, for {minutes} minutes.\n\n"
    "If you did not ask for it, ignore this email: nothing changes without the code. "
    "Never share it with anyone, ACSM staff included.\n"
)
WHY = {
    CodePurpose.RESET: N_("to set a new password"),
    CodePurpose.PROVE: N_("to prove it is you in the chat"),
}


class Translates(Protocol):
    """The member's language (a handler passes `turn.gettext`): the email is written in it."""

    def __call__(self, message: str, /, **values: object) -> str: ...


def in_english(message: str, /, **values: object) -> str:
    return message.format(**values) if values else message


@dataclass(frozen=True)
class CodeRequest:
    mail: MailMessage | None  # to send after the commit; None when nothing is sent
    wait_until: datetime | None = None  # too many requests: ask again after this


class CodeOutcome(StrEnum):
    OK = "ok"
    NOT_A_CODE = "not_a_code"  # not six digits: not counted as a try
    WRONG = "wrong"
    USED_UP = "used_up"  # the 5th wrong try, or tried after it: ask for a new code
    EXPIRED = "expired"
    NO_CODE = "no_code"  # none asked for (or already used)


@dataclass(frozen=True)
class CodeCheck:
    outcome: CodeOutcome
    tries_left: int = 0


@dataclass(frozen=True)
class ResetDone:
    acsm_id: str
    member_name: str


def _request_keys(telegram_user_id: int, member: Member | None) -> list[str]:
    keys = [f"code:telegram:{telegram_user_id}"]
    if member is not None:
        keys.append(f"code:account:{member.acsm_id}")
    return keys


async def _rate_limited(uow: UnitOfWork, rules: Rules, keys: list[str]) -> datetime | None:
    """When the requester may ask again, or None when a request is allowed now."""
    now = rules.clock.now()
    waits = []
    for key in keys:
        recent = await uow.login_attempts.failures_since(key, now - REQUEST_WINDOW)
        if requests_left(recent, now) == 0:
            waits.append(next_request_at(recent, now))
    return max(waits) if waits else None


def _fresh_code(hasher: PasswordHasher) -> tuple[str, str]:
    code = new_code()
    return code, hasher.hash(code)


async def _issue(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    member: Member,
    purpose: CodePurpose,
    says: Translates,
) -> MailMessage:
    code, code_hash = await rules.slow.run(
        ("new code", purpose, member.acsm_id, telegram_user_id),
        lambda: _fresh_code(rules.hasher),
    )
    now = rules.clock.now()
    await uow.codes.save(
        IdentityCode(
            acsm_id=member.acsm_id,
            purpose=purpose,
            code_hash=code_hash,
            telegram_user_id=telegram_user_id,
            created_at=now,
            expires_at=now + CODE_VALID,
        )
    )
    minutes = int(CODE_VALID.total_seconds() // 60)
    text = says(
        CODE_MAIL, name=member.first_name, why=says(WHY[purpose]), code=code, minutes=minutes
    )
    return MailMessage(to=member.email, subject=says(SUBJECT), text=text)


async def _request(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    member: Member | None,
    purpose: CodePurpose,
    says: Translates,
) -> CodeRequest:
    keys = _request_keys(telegram_user_id, member)
    wait = await _rate_limited(uow, rules, keys)
    if wait is not None:
        return CodeRequest(mail=None, wait_until=wait)
    now = rules.clock.now()
    for key in keys:
        await uow.login_attempts.record_failure(key, now)
    if member is None or not member.email:
        return CodeRequest(mail=None)  # nothing to send; the reply reads the same
    return CodeRequest(mail=await _issue(uow, rules, telegram_user_id, member, purpose, says))


async def request_reset_code(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    username: str,
    says: Translates = in_english,
) -> CodeRequest:
    """ "Forgot password?": a code to the email on file of the member with this username.
    An unknown username (or a member with no email) sends nothing, and the caller's reply
    reads the same, so the answer reveals nothing."""
    member = await auth.find_member(uow, username)
    return await _request(uow, rules, telegram_user_id, member, CodePurpose.RESET, says)


async def _check(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    member: Member | None,
    purpose: CodePurpose,
    typed: str,
) -> CodeCheck:
    digits = typed_code(typed)
    if digits is None:
        return CodeCheck(CodeOutcome.NOT_A_CODE)
    code = await uow.codes.get(member.acsm_id, purpose) if member is not None else None
    if code is None or code.telegram_user_id != telegram_user_id:
        return CodeCheck(CodeOutcome.NO_CODE)
    now = rules.clock.now()
    state = code_state(code, now)
    if state is CodeState.USED:
        return CodeCheck(CodeOutcome.NO_CODE)
    if state is CodeState.USED_UP:
        return CodeCheck(CodeOutcome.USED_UP)
    if state is CodeState.EXPIRED:
        return CodeCheck(CodeOutcome.EXPIRED)
    right = await rules.slow.run(
        ("verify code", code.code_hash, digits), lambda: rules.hasher.verify(code.code_hash, digits)
    )
    if not right:
        code.failures += 1
        await uow.codes.save(code)
        left = CODE_TRIES - code.failures
        return CodeCheck(CodeOutcome.WRONG if left > 0 else CodeOutcome.USED_UP, left)
    code.verified_at = now
    await uow.codes.save(code)
    return CodeCheck(CodeOutcome.OK)


async def check_reset_code(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, username: str, typed: str
) -> CodeCheck:
    """The code typed after "Forgot password?". OK marks it used; the new password must then
    be set within RESET_WINDOW, by this Telegram user (`reset_password`)."""
    member = await auth.find_member(uow, username)
    return await _check(uow, rules, telegram_user_id, member, CodePurpose.RESET, typed)


async def _reset_member(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, username: str
) -> Member:
    """The member whose reset code this Telegram user typed right, within RESET_WINDOW."""
    member = await auth.find_member(uow, username)
    code = await uow.codes.get(member.acsm_id, CodePurpose.RESET) if member is not None else None
    now = rules.clock.now()
    if (
        member is None
        or code is None
        or code.telegram_user_id != telegram_user_id
        or code.verified_at is None
        or now >= code.verified_at + RESET_WINDOW
    ):
        raise NotLoggedInError("That took too long: ask for a new code with /login.")
    return member


async def reset_password_problem(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, username: str, new_password: str
) -> InvalidInputError | None:
    """Why this new password would be refused (asked before it is typed a second time)."""
    member = await _reset_member(uow, rules, telegram_user_id, username)
    return credentials.password_problem(member, new_password)


async def reset_password(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, username: str, new_password: str
) -> ResetDone:
    """Set a new password after a correct reset code, and log this Telegram user in (every
    other session ends; the account's failed logins are forgotten). NotLoggedInError when
    there is no verified code of this Telegram user within RESET_WINDOW; InvalidInputError
    when the password breaks the policy (nothing changes: type another)."""
    member = await _reset_member(uow, rules, telegram_user_id, username)
    problem = credentials.password_problem(member, new_password)
    if problem is not None:
        raise problem
    member.password_hash = await rules.slow.run(
        ("hash", new_password), lambda: rules.hasher.hash(new_password)
    )
    member.credentials_version += 1
    await uow.members.save(member)
    await uow.codes.delete(member.acsm_id, CodePurpose.RESET)
    await uow.codes.delete(member.acsm_id, CodePurpose.PROVE)
    await uow.login_attempts.clear(credentials.account_key(member.acsm_id))
    await uow.sessions.delete_for_member(member.acsm_id)
    await uow.sessions.save(new_link(telegram_user_id, member, rules, identity_proven=True))
    return ResetDone(acsm_id=member.acsm_id, member_name=member.full_name)


# -- proving who you are after a login with the default credentials ---------------------


async def request_proof_code(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, says: Translates = in_english
) -> CodeRequest:
    """A code to prove who the member is, emailed in the member's language (`says`)."""
    _, member = await require_session(uow, rules, telegram_user_id)
    return await _request(uow, rules, telegram_user_id, member, CodePurpose.PROVE, says)


async def _proven(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> None:
    link, member = await require_session(uow, rules, telegram_user_id)
    link.identity_proven = True
    await uow.sessions.save(link)
    await uow.codes.delete(member.acsm_id, CodePurpose.PROVE)


async def check_proof_code(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, typed: str
) -> CodeCheck:
    _, member = await require_session(uow, rules, telegram_user_id)
    result = await _check(uow, rules, telegram_user_id, member, CodePurpose.PROVE, typed)
    if result.outcome is CodeOutcome.OK:
        await _proven(uow, rules, telegram_user_id)
    return result


async def prove_by_phone(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, contact_user_id: int | None, phone: str
) -> bool:
    """Telegram's "share my phone number": the shared contact must be the sender's own
    (`contact_user_id`) and its number the one on file (digits compared). True when proven."""
    _, member = await require_session(uow, rules, telegram_user_id)
    if contact_user_id != telegram_user_id or not same_phone(member.phone, phone):
        return False
    await _proven(uow, rules, telegram_user_id)
    return True


# -- staff -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unlocked:
    acsm_id: str
    member_name: str
    failures: int  # failed logins of the account forgotten
    cleared: list[str]  # the other throttle keys cleared ("telegram:…", "name:…")

    @property
    def telegram_users(self) -> list[str]:
        return [key.partition(":")[2] for key in self.cleared if key.startswith("telegram:")]


EVER = datetime(1970, 1, 1, tzinfo=UTC)


async def unlock_member(uow: UnitOfWork, rules: Rules, acsm_id: str) -> Unlocked:
    """`members unlock`: forget every failed login of the member's account and of the keys
    recorded with them (one failed login records its Telegram user, typed username and
    account at one instant), and of the member's usernames: the lock is lifted for the
    account and the Telegram users locked with it. LookupError for an unknown ACSM ID."""
    member = await uow.members.get(acsm_id.strip())
    if member is None:
        raise LookupError(f"no member with ACSM ID {acsm_id.strip()[:20]!r}")
    account = credentials.account_key(member.acsm_id)
    failures = await uow.login_attempts.failures_since(account, EVER)
    together = await uow.login_attempts.keys_failed_with(account, EVER)
    names = [credentials.name_key(credentials.default_username(member))]
    if member.username:
        names.append(credentials.name_key(member.username))
    for key in [account, *together, *(n for n in names if n not in together)]:
        await uow.login_attempts.clear(key)
    return Unlocked(
        acsm_id=member.acsm_id,
        member_name=member.full_name,
        failures=len(failures),
        cleared=together,
    )
