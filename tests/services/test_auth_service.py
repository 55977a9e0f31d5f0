"""Logging in, the throttle, sessions, own password and username — on the real database."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import FixedClock
from domain.errors import InvalidInputError, NotLoggedInError, RefusedError
from domain.renewal_rules import RefusalCode
from domain.rules import Rules
from domain.services import auth
from domain.services.certifications import my_certifications
from tests.services.service_helpers import ANN, BEN, UowFactory, load_member, prove, turn

TG = 4242
OTHER_TG = 777


async def test_login_with_the_default_username_and_password_in_any_case(
    seeded: UowFactory, rules: Rules
) -> None:
    result = await turn(seeded, auth.login, rules, TG, "abb100001", "aBb100001")
    assert result.ok and result.acsm_id == ANN
    assert result.member_name == "Pat Abbott"
    assert result.uses_default_password
    me = await turn(seeded, auth.current_member, rules, TG)
    assert me is not None and me.acsm_id == ANN and me.username == "ABB100001"
    assert me.uses_default_password


@pytest.mark.parametrize(
    ("username", "password"),
    [("ABB100001", "ABB100002"), ("BAK100001", "BAK100001"), ("ABB999999", "ABB999999"), ("", "")],
)
async def test_wrong_credentials_are_refused_alike(
    seeded: UowFactory, rules: Rules, username: str, password: str
) -> None:
    result = await turn(seeded, auth.login, rules, TG, username, password)
    assert not result.ok and result.reason == auth.WRONG_CREDENTIALS
    assert result.locked_until is None
    assert await turn(seeded, auth.current_member, rules, TG) is None


async def test_five_failures_lock_the_account_until_the_oldest_is_15_minutes_old(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    start = clock.now()
    for attempt in range(5):
        result = await turn(seeded, auth.login, rules, TG + attempt, "ABB100001", "wrong")
        clock.advance(timedelta(minutes=1))
    assert result.locked_until == start + timedelta(minutes=15)
    # even the right password, from a fresh Telegram user, is refused while locked
    refused = await turn(seeded, auth.login, rules, OTHER_TG, "abb100001", "ABB100001")
    assert not refused.ok and refused.locked_until == start + timedelta(minutes=15)
    clock.set(start + timedelta(minutes=15) - timedelta(seconds=1))
    assert not (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok
    clock.set(start + timedelta(minutes=15))
    assert (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok


async def test_five_failures_lock_the_telegram_user_across_accounts(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    for n in range(5):
        await turn(seeded, auth.login, rules, TG, f"ZZZ99999{n}", "guess")
    locked = await turn(seeded, auth.login, rules, TG, "BAK100002", "BAK100002")
    assert not locked.ok and locked.locked_until == clock.now() + timedelta(minutes=15)
    other = await turn(seeded, auth.login, rules, OTHER_TG, "BAK100002", "BAK100002")
    assert other.ok  # the account itself is not locked


async def test_success_clears_the_account_failures(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    for n in range(4):
        await turn(seeded, auth.login, rules, TG + n, "ABB100001", "wrong")
    assert (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok
    for n in range(4):
        await turn(seeded, auth.login, rules, TG + 10 + n, "ABB100001", "wrong")
    assert (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok


async def test_use_cases_need_a_login(seeded: UowFactory, rules: Rules) -> None:
    with pytest.raises(NotLoggedInError):
        await turn(seeded, my_certifications, rules, TG)


async def test_session_expires_when_idle_and_use_keeps_it_alive(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    assert (await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")).ok
    clock.advance(timedelta(days=20))
    assert await turn(seeded, my_certifications, rules, TG)  # touches the session
    clock.advance(timedelta(days=20))
    assert await turn(seeded, auth.current_member, rules, TG) is not None
    clock.advance(rules.session_idle + timedelta(seconds=1))
    assert await turn(seeded, auth.current_member, rules, TG) is None
    with pytest.raises(NotLoggedInError, match="expired"):
        await turn(seeded, my_certifications, rules, TG)


async def test_logout(seeded: UowFactory, rules: Rules) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    assert await turn(seeded, auth.logout, rules, TG)
    assert await turn(seeded, auth.current_member, rules, TG) is None
    assert not await turn(seeded, auth.logout, rules, TG)


async def test_change_password_hashes_it_and_ends_other_sessions(
    seeded: UowFactory, rules: Rules
) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await turn(seeded, auth.login, rules, OTHER_TG, "abb100001", "abb100001")
    await prove(seeded, rules, TG)
    new = "a long own passphrase"
    await turn(seeded, auth.change_password, rules, TG, "ABB100001", new)

    stored = await load_member(seeded, ANN)
    assert stored.password_hash is not None and new not in stored.password_hash
    assert rules.hasher.verify(stored.password_hash, new)
    me = await turn(seeded, auth.current_member, rules, TG)  # this session stays
    assert me is not None and not me.uses_default_password
    assert await turn(seeded, auth.current_member, rules, OTHER_TG) is None  # others end
    with pytest.raises(NotLoggedInError):
        await turn(seeded, my_certifications, rules, OTHER_TG)

    assert not (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok
    again = await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", new)
    assert again.ok and not again.uses_default_password


async def test_change_password_refuses_wrong_old_and_weak_new(
    seeded: UowFactory, rules: Rules
) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await prove(seeded, rules, TG)
    with pytest.raises(RefusedError) as wrong:
        await turn(seeded, auth.change_password, rules, TG, "nope", "a long own passphrase")
    assert wrong.value.reason.code is RefusalCode.WRONG_PASSWORD
    for weak in ("short", "abb100001", "aaaaaaaaaaaa"):
        with pytest.raises(InvalidInputError):
            await turn(seeded, auth.change_password, rules, TG, "ABB100001", weak)
    assert (await load_member(seeded, ANN)).password_hash is None
    assert await turn(seeded, auth.verify_current_password, rules, TG, "ABB100001")
    assert not await turn(seeded, auth.verify_current_password, rules, TG, "ABB100002")


async def test_a_refused_password_change_keeps_the_failed_attempt(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    """The turn that answers the refusal commits: each wrong old password counts, like a
    failed login, and five lock the account (the right password is then refused too)."""
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await prove(seeded, rules, TG)
    for n in range(5):
        with pytest.raises(RefusedError):
            await turn(seeded, auth.change_password, rules, TG, f"wrong{n}", "a long passphrase")
    assert not await turn(seeded, auth.verify_current_password, rules, TG, "ABB100001")
    locked = await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")
    assert not locked.ok and locked.locked_until == clock.now() + timedelta(minutes=15)
    with pytest.raises(RefusedError):  # the right old password, while locked
        await turn(seeded, auth.change_password, rules, TG, "ABB100001", "a long passphrase")
    assert (await load_member(seeded, ANN)).password_hash is None  # nothing else changed


async def test_a_refused_new_password_changes_nothing(seeded: UowFactory, rules: Rules) -> None:
    """Checked before anything is written: the other session stays, the password too."""
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")
    await prove(seeded, rules, TG)
    with pytest.raises(InvalidInputError):
        await turn(seeded, auth.change_password, rules, TG, "ABB100001", "short")
    stored = await load_member(seeded, ANN)
    assert stored.password_hash is None and stored.credentials_version == 0
    assert await turn(seeded, auth.current_member, rules, OTHER_TG) is not None


async def test_own_username_logs_in_and_the_default_keeps_working(
    seeded: UowFactory, rules: Rules
) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await prove(seeded, rules, TG)
    assert await turn(seeded, auth.change_username, rules, TG, "Pat.Abbott") == "pat.abbott"
    assert (await load_member(seeded, ANN)).username == "pat.abbott"
    own = await turn(seeded, auth.login, rules, OTHER_TG, "PAT.ABBOTT", "ABB100001")
    assert own.ok and own.acsm_id == ANN
    assert (await turn(seeded, auth.login, rules, OTHER_TG + 1, "abb100001", "ABB100001")).ok
    me = await turn(seeded, auth.current_member, rules, TG)
    assert me is not None and me.username == "pat.abbott"


async def test_own_username_must_be_free_and_well_formed(seeded: UowFactory, rules: Rules) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    await turn(seeded, auth.login, rules, OTHER_TG, "BAK100002", "BAK100002")
    await prove(seeded, rules, TG)
    await prove(seeded, rules, OTHER_TG)
    await turn(seeded, auth.change_username, rules, TG, "pat.abbott")
    with pytest.raises(InvalidInputError, match="taken"):
        await turn(seeded, auth.change_username, rules, OTHER_TG, "Pat.Abbott")
    with pytest.raises(InvalidInputError):
        await turn(seeded, auth.change_username, rules, OTHER_TG, "abb100001")
    assert (await load_member(seeded, BEN)).username is None


async def test_a_session_from_before_a_credentials_change_is_refused(
    seeded: UowFactory, rules: Rules
) -> None:
    await turn(seeded, auth.login, rules, TG, "ABB100001", "ABB100001")
    async with seeded() as uow:  # the credentials change elsewhere (e.g. another process)
        stored = await uow.members.get(ANN)
        assert stored is not None
        stored.credentials_version += 1
        await uow.members.save(stored)
    with pytest.raises(NotLoggedInError, match="password was changed"):
        await turn(seeded, my_certifications, rules, TG)


@pytest.mark.parametrize("username", ["ABB100001", "ZZZ999999", "made.up.name"])
async def test_an_unknown_username_locks_exactly_like_a_known_one(
    seeded: UowFactory, rules: Rules, clock: FixedClock, username: str
) -> None:
    """4 failures from one Telegram account and 1 from another: every name answers alike,
    whether it exists or not (the lock reveals nothing)."""
    start = clock.now()
    answers = []
    for n in range(4):
        answers.append(await turn(seeded, auth.login, rules, TG, username, f"wrong{n}"))
    answers.append(await turn(seeded, auth.login, rules, OTHER_TG, username, "wrong"))
    assert [a.reason for a in answers] == [auth.WRONG_CREDENTIALS] * 4 + [
        "Too many failed attempts."
    ]
    assert answers[-1].locked_until == start + timedelta(minutes=15)
    # a third Telegram user typing the same name (any case, spaces) is locked too
    third = await turn(seeded, auth.login, rules, 9999, f"  {username.upper()} ", "x")
    assert third.reason == "Too many failed attempts."
    assert third.locked_until == start + timedelta(minutes=15)
    # and the lock ends when promised
    clock.set(start + timedelta(minutes=15))
    again = await turn(seeded, auth.login, rules, 9999, username, "still wrong")
    assert again.reason == auth.WRONG_CREDENTIALS


async def test_the_name_lock_is_per_name_and_per_telegram_user_still_holds(
    seeded: UowFactory, rules: Rules
) -> None:
    for n in range(5):
        await turn(seeded, auth.login, rules, TG + n, "ghost.user", "guess")
    # another name is not locked by the first one's failures
    assert (await turn(seeded, auth.login, rules, OTHER_TG, "BAK100002", "BAK100002")).ok
    # five different made-up names from one Telegram user still lock that user
    for n in range(5):
        await turn(seeded, auth.login, rules, 5555, f"nobody{n}", "guess")
    locked = await turn(seeded, auth.login, rules, 5555, "BAK100002", "BAK100002")
    assert not locked.ok and locked.reason == "Too many failed attempts."


async def test_success_clears_the_typed_names_failures(
    seeded: UowFactory, rules: Rules, clock: FixedClock
) -> None:
    for n in range(4):
        await turn(seeded, auth.login, rules, TG + n, "abb100001", "wrong")
    assert (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok
    # the member's own mistake afterwards does not lock them
    assert (
        await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "wrong")
    ).locked_until is None
    assert (await turn(seeded, auth.login, rules, OTHER_TG, "ABB100001", "ABB100001")).ok
