"""Resolving which member a Telegram user is logged in as (inside an open unit of work)."""

from __future__ import annotations

from domain.errors import NotLoggedInError
from domain.model import Member, TelegramLink
from domain.ports import UnitOfWork
from domain.rules import Rules

EXPIRED = "Your session has expired. Please log in again with /login."
CREDENTIALS_CHANGED = "Your password was changed. Please log in again with /login."


async def require_member(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> Member:
    """The logged-in member; touches the session. Raises NotLoggedInError when there is no
    session, the password changed since (credentials_version), or it was idle too long."""
    link = await uow.sessions.get(telegram_user_id)
    if link is None:
        raise NotLoggedInError()
    member = await uow.members.get(link.acsm_id)
    if member is None:
        raise NotLoggedInError()
    if link.credentials_version != member.credentials_version:
        raise NotLoggedInError(CREDENTIALS_CHANGED)
    now = rules.clock.now()
    if now - link.last_seen_at > rules.session_idle:
        raise NotLoggedInError(EXPIRED)
    link.last_seen_at = now
    await uow.sessions.save(link)
    return member


def new_link(telegram_user_id: int, member: Member, rules: Rules) -> TelegramLink:
    now = rules.clock.now()
    return TelegramLink(
        telegram_user_id=telegram_user_id,
        acsm_id=member.acsm_id,
        credentials_version=member.credentials_version,
        linked_at=now,
        last_seen_at=now,
    )
