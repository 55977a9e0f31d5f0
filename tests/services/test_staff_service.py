"""Staff accounts of the web console (domain/services/staff.py) on a real database: adding
staff, enrolment through the one-time link, sign-in with an authentication code, the lock
after five failures, sessions that end when idle or signed out, the activity log."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import totp
from domain.clock import FixedClock
from domain.errors import InvalidInputError, NotFoundError
from domain.rules import Rules
from domain.services import staff
from domain.staff import Action, token_hash
from tests.services.service_helpers import UowFactory

PASSWORD = "correct horse battery"


async def enrolled(
    uow_factory: UowFactory, rules: Rules, email: str = "pat@acsm.org", admin: bool = False
) -> str:
    """A staff account, enrolled; its TOTP secret."""
    async with uow_factory() as uow:
        new = await staff.add_staff(uow, rules, email, admin=admin)
    secret = new.account.totp_secret
    assert secret is not None
    code = totp.code_at(secret, rules.clock.now())
    async with uow_factory() as uow:
        await staff.enrol(uow, rules, new.enrol_token, PASSWORD, PASSWORD, code)
    return secret


async def test_add_keeps_only_the_hash_of_the_link_token(
    uow_factory: UowFactory, rules: Rules
) -> None:
    async with uow_factory() as uow:
        new = await staff.add_staff(uow, rules, "  Pat@ACSM.org ", admin=True)
    async with uow_factory() as uow:
        account = await uow.staff.by_email("pat@acsm.org")
        log = await staff.activity(uow)
    assert account is not None and account.is_admin and not account.enrolled
    assert account.enrol_token_hash == token_hash(new.enrol_token) != new.enrol_token
    assert account.enrol_expires_at == rules.clock.now() + timedelta(hours=24)
    assert [(e.email, e.action, e.detail) for e in log] == [
        ("(command line)", Action.STAFF_ADDED, "pat@acsm.org (admin)")
    ]


async def test_enrolment_link_expires_after_24_hours(
    uow_factory: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    async with uow_factory() as uow:
        new = await staff.add_staff(uow, rules, "pat@acsm.org", admin=False)
    clock.advance(timedelta(hours=23, minutes=59))
    async with uow_factory() as uow:
        assert (await staff.enrolment(uow, rules, new.enrol_token)).email == "pat@acsm.org"
    clock.advance(timedelta(minutes=1))
    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await staff.enrolment(uow, rules, new.enrol_token)


async def test_enrol_checks_password_and_code_then_the_link_is_used_up(
    uow_factory: UowFactory, rules: Rules
) -> None:
    async with uow_factory() as uow:
        new = await staff.add_staff(uow, rules, "pat@acsm.org", admin=False)
    secret = new.account.totp_secret
    assert secret is not None
    good = totp.code_at(secret, rules.clock.now())
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    for password, again, code, reason in (
        (PASSWORD, PASSWORD + "x", good, "differ"),
        ("short", "short", good, "12 to 128"),
        (PASSWORD, PASSWORD, wrong, "authentication code"),
    ):
        async with uow_factory() as uow:
            with pytest.raises(InvalidInputError, match=reason):
                await staff.enrol(uow, rules, new.enrol_token, password, again, code)
    async with uow_factory() as uow:
        account = await staff.enrol(uow, rules, new.enrol_token, PASSWORD, PASSWORD, good)
    assert account.enrolled and account.password_hash != PASSWORD
    async with uow_factory() as uow:
        with pytest.raises(NotFoundError):
            await staff.enrolment(uow, rules, new.enrol_token)
        with pytest.raises(InvalidInputError, match="has a staff account already"):
            await staff.add_staff(uow, rules, "pat@acsm.org", admin=False)


async def test_sign_in_needs_the_current_code_once(
    uow_factory: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    secret = await enrolled(uow_factory, rules)
    clock.advance(timedelta(minutes=2))
    code = totp.code_at(secret, clock.now())
    async with uow_factory() as uow:
        done = await staff.sign_in(uow, rules, "PAT@acsm.org", PASSWORD, code)
    assert isinstance(done, staff.SignedIn)
    async with uow_factory() as uow:
        replay = await staff.sign_in(uow, rules, "pat@acsm.org", PASSWORD, code)
        who = await staff.current_staff(uow, rules, done.token)
    assert isinstance(replay, staff.SignInRefused) and replay.locked_until is None
    assert who is not None and who.account.email == "pat@acsm.org"
    assert who.session.csrf_token == done.csrf_token
    assert who.session.token_hash == token_hash(done.token)


async def test_five_failures_lock_for_the_rest_of_the_window(
    uow_factory: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    secret = await enrolled(uow_factory, rules)
    start = clock.now()
    for _ in range(4):
        async with uow_factory() as uow:
            refused = await staff.sign_in(uow, rules, "pat@acsm.org", "wrong password!", "000000")
        assert isinstance(refused, staff.SignInRefused) and refused.locked_until is None
        clock.advance(timedelta(minutes=1))
    async with uow_factory() as uow:
        fifth = await staff.sign_in(uow, rules, "pat@acsm.org", "wrong password!", "000000")
    assert isinstance(fifth, staff.SignInRefused)
    assert fifth.locked_until == start + timedelta(minutes=15)
    clock.advance(timedelta(minutes=5))
    async with uow_factory() as uow:  # the right password and code: still refused
        locked = await staff.sign_in(
            uow, rules, "pat@acsm.org", PASSWORD, totp.code_at(secret, clock.now())
        )
    assert isinstance(locked, staff.SignInRefused) and locked.locked_until is not None
    clock.set(start + timedelta(minutes=15, seconds=31))
    async with uow_factory() as uow:
        again = await staff.sign_in(
            uow, rules, "pat@acsm.org", PASSWORD, totp.code_at(secret, clock.now())
        )
    assert isinstance(again, staff.SignedIn)


async def test_session_ends_after_30_minutes_idle_and_on_sign_out(
    uow_factory: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    secret = await enrolled(uow_factory, rules)
    sessions = []
    for _ in range(2):
        clock.advance(timedelta(seconds=30))
        async with uow_factory() as uow:
            done = await staff.sign_in(
                uow, rules, "pat@acsm.org", PASSWORD, totp.code_at(secret, clock.now())
            )
        assert isinstance(done, staff.SignedIn)
        sessions.append(done.token)
    clock.advance(timedelta(minutes=29))
    async with uow_factory() as uow:  # a request: the first session's idle time restarts
        assert await staff.current_staff(uow, rules, sessions[0]) is not None
    clock.advance(timedelta(minutes=29))
    async with uow_factory() as uow:
        who = await staff.current_staff(uow, rules, sessions[0])
        assert who is not None
        assert await staff.current_staff(uow, rules, sessions[1]) is None  # idle 58 minutes
        await staff.sign_out(uow, rules, who)
    async with uow_factory() as uow:
        assert await staff.current_staff(uow, rules, sessions[0]) is None
        assert await uow.staff.session(token_hash(sessions[1])) is None  # deleted
        actions = [e.action for e in await staff.activity(uow)]
    assert actions[0] is Action.SIGN_OUT and actions.count(Action.SIGN_IN) == 2


async def test_only_an_admin_adds_staff(uow_factory: UowFactory, rules: Rules) -> None:
    await enrolled(uow_factory, rules, "pat@acsm.org", admin=False)
    await enrolled(uow_factory, rules, "boss@acsm.org", admin=True)
    async with uow_factory() as uow:
        pat = await uow.staff.by_email("pat@acsm.org")
        boss = await uow.staff.by_email("boss@acsm.org")
        assert pat is not None and boss is not None
        with pytest.raises(InvalidInputError, match="Only an admin"):
            await staff.add_staff(uow, rules, "new@acsm.org", admin=False, by=pat)
        await staff.add_staff(uow, rules, "new@acsm.org", admin=False, by=boss)
        entry = (await staff.activity(uow))[0]
    assert (entry.email, entry.action, entry.detail) == (
        "boss@acsm.org",
        Action.STAFF_ADDED,
        "new@acsm.org",
    )


async def test_search_members_and_opaque_refs(
    uow_factory: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    from tests.storage.helpers import member

    async with uow_factory() as uow:
        await uow.members.save(member("111", first_name="Ann", last_name="Abbott"))
        await uow.members.save(member("222", first_name="Bob", last_name="O'Brien_x"))
    secret = await enrolled(uow_factory, rules)
    clock.advance(timedelta(seconds=30))  # the enrolment's code is used up
    async with uow_factory() as uow:
        done = await staff.sign_in(
            uow, rules, "pat@acsm.org", PASSWORD, totp.code_at(secret, rules.clock.now())
        )
        assert isinstance(done, staff.SignedIn)
        found = {
            q: [m.acsm_id for m in await uow.staff.search_members(q, 10)]
            for q in ("111", "ann abb", "O'BRIEN_", "brien", "abb", "m222@example", "%", "nobody")
        }
        session = token_hash(done.token)
        ref = await uow.staff.member_ref(session, "222")
        assert await uow.staff.member_ref(session, "222") == ref
        assert await uow.staff.member_of_ref(session, ref) == "222"
        assert await uow.staff.member_of_ref("other session", ref) is None
    assert found == {
        "111": ["111"],
        "ann abb": ["111"],
        "O'BRIEN_": ["222"],
        "brien": [],  # a prefix, not anywhere in the name
        "abb": ["111"],
        "m222@example": ["222"],
        "%": [],
        "nobody": [],
    }
    assert "222" not in ref


async def test_one_code_signs_in_once_even_at_the_same_moment(
    uow_factory: UowFactory, rules: Rules, clock: FixedClock, queued_on_sqlite
) -> None:
    import asyncio

    secret = await enrolled(uow_factory, rules)
    clock.advance(timedelta(seconds=30))
    code = totp.code_at(secret, clock.now())

    async def attempt() -> staff.SignedIn | staff.SignInRefused:
        async with uow_factory() as uow:
            return await staff.sign_in(uow, rules, "pat@acsm.org", PASSWORD, code)

    results = await asyncio.gather(*(queued_on_sqlite(attempt()) for _ in range(3)))
    assert sum(isinstance(r, staff.SignedIn) for r in results) == 1
    async with uow_factory() as uow:
        actions = [e.action for e in await staff.activity(uow)]
    assert actions.count(Action.SIGN_IN) == 1 and actions.count(Action.SIGN_IN_REFUSED) == 2
