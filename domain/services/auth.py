"""Logging in and out, the current member, changing password and username."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain import credentials
from domain.errors import N_, InvalidInputError, NotLoggedInError, RefusedError
from domain.identity import mask_email, mask_phone
from domain.model import Member
from domain.ports import UnitOfWork
from domain.renewal_rules import Refusal
from domain.rules import Rules
from domain.services.session import (
    needs_proof,
    new_link,
    require_proven,
    require_session,
)

WRONG_CREDENTIALS = N_("Wrong username or password.")


async def _password_ok(rules: Rules, member: Member | None, password: str) -> bool:
    """argon2 takes ~0.1 s of CPU: slow work, outside the write transaction
    (domain/slow_work.py)."""
    stored = (member.acsm_id, member.password_hash) if member is not None else None
    return await rules.slow.run(
        ("verify", stored, password),
        lambda: credentials.check_password(member, password, rules.hasher),
    )


async def _hash(rules: Rules, password: str) -> str:
    return await rules.slow.run(("hash", password), lambda: rules.hasher.hash(password))


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    acsm_id: str | None = None
    member_name: str | None = None
    uses_default_password: bool = False
    locked_until: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class MemberView:
    acsm_id: str
    first_name: str
    last_name: str
    full_name: str
    email: str
    phone: str | None
    cpr_aed_expires: date | None
    username: str  # the own username when set, else the default one
    uses_default_password: bool
    # False after a login with the default credentials until the member proves who they are:
    # until then `shown_email` and `shown_phone` are masked (j***@e***.com, ***-***-0100).
    identity_proven: bool = True

    @property
    def shown_email(self) -> str:
        return self.email if self.identity_proven else mask_email(self.email)

    @property
    def shown_phone(self) -> str | None:
        return self.phone if self.identity_proven else mask_phone(self.phone)

    @classmethod
    def of(cls, member: Member, identity_proven: bool = True) -> MemberView:
        return cls(
            acsm_id=member.acsm_id,
            first_name=member.first_name,
            last_name=member.last_name,
            full_name=member.full_name,
            email=member.email,
            phone=member.phone,
            cpr_aed_expires=member.cpr_aed_expires,
            username=member.username or credentials.default_username(member),
            uses_default_password=credentials.uses_default_password(member),
            identity_proven=identity_proven,
        )


def _locked(until: datetime) -> LoginResult:
    return LoginResult(ok=False, locked_until=until, reason=N_("Too many failed attempts."))


async def find_member(uow: UnitOfWork, username: str) -> Member | None:
    typed = username.strip()
    if not typed:
        return None
    own = await uow.members.get_by_username(typed.lower())
    if own is not None:
        return own
    acsm_id = credentials.acsm_id_in_default_username(typed)
    if acsm_id is None:
        return None
    member = await uow.members.get(acsm_id)
    if member is None or not credentials.matches_username(member, typed):
        return None
    return member


async def _lock_of(uow: UnitOfWork, rules: Rules, key: str) -> datetime | None:
    now = rules.clock.now()
    since = now - rules.failed_login_window
    failures = await uow.login_attempts.failures_since(key, since)
    return credentials.locked_until(
        failures, now, rules.max_failed_logins, rules.failed_login_window
    )


async def _record_failure(uow: UnitOfWork, rules: Rules, keys: list[str]) -> datetime | None:
    """Record a failure under every key; the latest unlock time if that locks any."""
    now = rules.clock.now()
    locks = []
    for key in keys:
        await uow.login_attempts.record_failure(key, now)
        lock = await _lock_of(uow, rules, key)
        if lock is not None:
            locks.append(lock)
    return max(locks) if locks else None


async def login(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, username: str, password: str
) -> LoginResult:
    """Check the credentials and link this Telegram user to the member.

    Failures are recorded per Telegram user, per typed username (known or not) and per
    account; while any is locked even the right password is refused (the reply says until
    when). Success clears the account's and the typed name's failures (the Telegram user's
    age out of the window)."""
    return await _login(uow, rules, telegram_user_id, username, password)


async def _login(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, username: str, password: str
) -> LoginResult:
    # Keys checked and recorded for every attempt, whether the username exists or not: the
    # Telegram user and the typed (normalised) username. A known member's account key is
    # added, so failures through the default and the own username add up. An unknown name
    # therefore locks after the same failures, from any Telegram users, as a known one.
    keys = [credentials.telegram_key(telegram_user_id), credentials.name_key(username)]
    member = await find_member(uow, username)
    if member is not None:
        keys.append(credentials.account_key(member.acsm_id))
    locks = [lock for key in keys if (lock := await _lock_of(uow, rules, key)) is not None]
    if locks:
        return _locked(max(locks))
    if not await _password_ok(rules, member, password) or member is None:
        lock = await _record_failure(uow, rules, keys)
        if lock is not None:
            return _locked(lock)
        return LoginResult(ok=False, reason=WRONG_CREDENTIALS)
    await _on_success(uow, rules, telegram_user_id, member, password)
    await uow.login_attempts.clear(credentials.name_key(username))
    return LoginResult(
        ok=True,
        acsm_id=member.acsm_id,
        member_name=member.full_name,
        uses_default_password=credentials.uses_default_password(member),
    )


async def _on_success(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, member: Member, password: str
) -> None:
    await uow.login_attempts.clear(credentials.account_key(member.acsm_id))
    if member.password_hash is not None and rules.hasher.needs_rehash(member.password_hash):
        member.password_hash = await _hash(rules, password)
        await uow.members.save(member)
    await uow.sessions.save(new_link(telegram_user_id, member, rules))


async def current_member(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> MemberView | None:
    """The logged-in member, or None (no session, expired, or password changed since)."""
    try:
        link, member = await require_session(uow, rules, telegram_user_id)
    except NotLoggedInError:
        return None
    return MemberView.of(member, identity_proven=not needs_proof(member, link))


async def logout(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> bool:
    """End this Telegram user's session; True when there was one."""
    link = await uow.sessions.get(telegram_user_id)
    if link is None:
        return False
    await uow.sessions.delete(telegram_user_id)
    return True


async def verify_current_password(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, password: str
) -> bool:
    """Check the logged-in member's password (before asking for a new one).
    A wrong one counts as a failed login for the account; while locked it is refused.
    ProofNeededError until a member logged in with the default credentials has proven who
    they are (domain/services/identity.py)."""
    member = await require_proven(uow, rules, telegram_user_id)
    return await _check_current(uow, rules, member, password)


async def _check_current(uow: UnitOfWork, rules: Rules, member: Member, password: str) -> bool:
    key = credentials.account_key(member.acsm_id)
    if await _lock_of(uow, rules, key) is not None:
        return False
    if await _password_ok(rules, member, password):
        return True
    await _record_failure(uow, rules, [key])
    return False


async def new_password_problem(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, new_password: str
) -> InvalidInputError | None:
    """Why this own password would be refused (asked before it is typed a second time)."""
    member = await require_proven(uow, rules, telegram_user_id)
    return credentials.password_problem(member, new_password)


async def change_password(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, old_password: str, new_password: str
) -> None:
    """Set the member's own password (hashed). Ends every other session of the member; this
    Telegram user stays logged in. RefusedError when the old password is wrong,
    InvalidInputError when the new one breaks the policy; either before anything changes
    but the recorded failure of a wrong old password. ProofNeededError first when a member
    logged in with the default credentials has not proven who they are."""
    member = await require_proven(uow, rules, telegram_user_id)
    if not await _check_current(uow, rules, member, old_password):
        # The failure just recorded stays: the caller commits a refused turn (it counts
        # towards the account's lock like a failed login).
        raise RefusedError(Refusal.wrong_password())
    problem = credentials.password_problem(member, new_password)
    if problem is not None:
        raise problem
    member.password_hash = await _hash(rules, new_password)
    member.credentials_version += 1
    await uow.members.save(member)
    await uow.sessions.delete_for_member(member.acsm_id)
    await uow.sessions.save(new_link(telegram_user_id, member, rules))


async def change_username(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, new_username: str
) -> str:
    """Set the member's own username (stored lower case); returns it. The default username
    keeps working. InvalidInputError when malformed or taken by someone else;
    ProofNeededError when not proven (as change_password)."""
    member = await require_proven(uow, rules, telegram_user_id)
    try:
        name = credentials.normalize_own_username(new_username)
    except InvalidInputError:
        raise
    holder = await uow.members.get_by_username(name)
    if holder is not None and holder.acsm_id != member.acsm_id:
        raise InvalidInputError("That username is taken: choose another.")
    member.username = name
    await uow.members.save(member)
    return name
