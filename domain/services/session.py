"""Resolving which member a Telegram user is logged in as (inside an open unit of work)."""

from __future__ import annotations

from datetime import timedelta

from domain import credentials
from domain.errors import N_, NotLoggedInError, ProofNeededError
from domain.model import Member, TelegramLink
from domain.ports import MemberRecords, UnitOfWork
from domain.rules import Rules

EXPIRED = N_("Your session has expired. Please log in again with /login.")
CREDENTIALS_CHANGED = N_("Your password was changed. Please log in again with /login.")
# A session's last use is written at most this often (or a 20th of the idle limit, if
# shorter), so that a question changes nothing in the database: a session may end up to
# this much before the idle limit after its very last use.
TOUCH_EVERY = timedelta(minutes=1)


async def require_member(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> Member:
    """The logged-in member; touches the session (see TOUCH_EVERY). Raises NotLoggedInError when there is no
    session, the password changed since (credentials_version), or it was idle too long."""
    return (await require_session(uow, rules, telegram_user_id))[1]


async def require_session(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int
) -> tuple[TelegramLink, Member]:
    """The session and its member (as require_member)."""
    found = await uow.sessions.get_with_member(telegram_user_id)
    if found is None:
        raise NotLoggedInError()
    link, member = found
    await check_session(uow, rules, link, member)
    return link, member


async def require_records(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> MemberRecords:
    """As require_member, with the member's certifications and renewal draft (read in the
    same statement)."""
    found = await uow.sessions.get_with_records(telegram_user_id)
    if found is None:
        raise NotLoggedInError()
    await check_session(uow, rules, found.link, found.member)
    return found


async def check_session(uow: UnitOfWork, rules: Rules, link: TelegramLink, member: Member) -> None:
    """Raise NotLoggedInError unless the session is valid; touch it (see TOUCH_EVERY)."""
    if link.credentials_version != member.credentials_version:
        raise NotLoggedInError(CREDENTIALS_CHANGED)
    now = rules.clock.now()
    if now - link.last_seen_at > rules.session_idle:
        raise NotLoggedInError(EXPIRED)
    if now - link.last_seen_at >= min(TOUCH_EVERY, rules.session_idle / 20):
        link.last_seen_at = now
        await uow.sessions.save(link)


def new_link(
    telegram_user_id: int, member: Member, rules: Rules, *, identity_proven: bool | None = None
) -> TelegramLink:
    """A session; by default proven unless the member still has the default password (a
    login with the default credentials proves nothing: they are printed on ACSM records)."""
    now = rules.clock.now()
    proven = member.password_hash is not None if identity_proven is None else identity_proven
    return TelegramLink(
        telegram_user_id=telegram_user_id,
        acsm_id=member.acsm_id,
        credentials_version=member.credentials_version,
        linked_at=now,
        last_seen_at=now,
        identity_proven=proven,
    )


def needs_proof(member: Member, link: TelegramLink) -> bool:
    """Logged in with the default credentials and not proven since (domain/identity.py)."""
    return credentials.uses_default_password(member) and not link.identity_proven


async def require_proven(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> Member:
    """The logged-in member, who has proven who they are (ProofNeededError if not): needed
    to change username, password or contact details."""
    link, member = await require_session(uow, rules, telegram_user_id)
    if needs_proof(member, link):
        raise ProofNeededError()
    return member
