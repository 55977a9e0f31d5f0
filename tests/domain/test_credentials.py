"""Default usernames and passwords, own passwords, the throttle, the argon2 hasher."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import credentials
from domain.argon2_hasher import Argon2Hasher
from domain.errors import InvalidInputError
from domain.model import Member
from tests.hashing import CHEAP_HASHER

HASHER = CHEAP_HASHER
WINDOW = timedelta(minutes=15)
T0 = datetime(2026, 11, 28, 12, tzinfo=UTC)


def member(last_name: str = "Abbott", acsm_id: str = "123456", **kw: object) -> Member:
    return Member(acsm_id=acsm_id, first_name="Ann", last_name=last_name, email="a@x.org", **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("last_name", "expected"),
    [
        ("Abbott", "ABB123456"),
        ("O'Neil", "ONE123456"),
        ("Li", "LI123456"),
        ("Núñez", "NUN123456"),
        ("de la Cruz", "DEL123456"),
        ("X", "X123456"),
    ],
)
def test_default_username(last_name: str, expected: str) -> None:
    assert credentials.default_username(member(last_name)) == expected


@pytest.mark.parametrize("typed", ["ABB123456", "abb123456", "AbB123456", " abb123456 "])
def test_default_username_in_any_case(typed: str) -> None:
    assert credentials.matches_username(member(), typed)
    assert credentials.acsm_id_in_default_username(typed) == "123456"


@pytest.mark.parametrize("typed", ["ABC123456", "ABB12345", "ABB1234567", "123456", "abbott"])
def test_other_usernames_do_not_match(typed: str) -> None:
    assert not credentials.matches_username(member(), typed)


def test_own_username_matches_and_default_keeps_working() -> None:
    m = member(username="ann.trainer")
    assert credentials.matches_username(m, "Ann.Trainer")
    assert credentials.matches_username(m, "abb123456")


def test_default_password_until_an_own_one_is_set() -> None:
    m = member()
    assert credentials.uses_default_password(m)
    assert credentials.check_password(m, "ABB123456", HASHER)
    assert credentials.check_password(m, "abb123456", HASHER)
    assert not credentials.check_password(m, "ABB123457", HASHER)
    m.password_hash = HASHER.hash("a long own passphrase")
    assert not credentials.uses_default_password(m)
    assert credentials.check_password(m, "a long own passphrase", HASHER)
    assert not credentials.check_password(m, "A LONG OWN PASSPHRASE", HASHER)  # exact case
    assert not credentials.check_password(m, "ABB123456", HASHER)


def test_unknown_account_never_logs_in() -> None:
    assert not credentials.check_password(None, "anything", HASHER)


def test_own_password_is_stored_hashed_never_plain() -> None:
    hashed = HASHER.hash("a long own passphrase")
    assert "a long own passphrase" not in hashed
    assert hashed.startswith("$argon2id$")
    assert HASHER.hash("a long own passphrase") != hashed  # salted
    assert HASHER.verify(hashed, "a long own passphrase")
    assert not HASHER.verify(hashed, "a long own passphrasf")
    assert not HASHER.verify("not a hash", "x")


def test_weak_hash_parameters_need_a_rehash() -> None:
    assert Argon2Hasher().needs_rehash(HASHER.hash("x" * 12))
    assert Argon2Hasher().needs_rehash("garbage")


@pytest.mark.parametrize(
    "password",
    [
        "short",
        "123456789",
        "ABB123456",
        "abb123456x"[:9],
        "aaaaaaaaaaaa",
        "1234567890",
        "Password123",
        "x" * 129,
    ],
)
def test_weak_own_passwords_are_refused(password: str) -> None:
    assert credentials.password_problem(member(), password) is not None


def test_password_equal_to_own_username_is_refused() -> None:
    m = member(username="ann.trainer.x")
    assert credentials.password_problem(m, "Ann.Trainer.X") is not None


@pytest.mark.parametrize("password", ["correct horse battery", "tr0ub4dor&3x", "ABB123456 is old"])
def test_sane_own_passwords_are_accepted(password: str) -> None:
    assert credentials.password_problem(member(), password) is None


@given(st.text(min_size=10, max_size=128).filter(lambda s: len(set(s.casefold())) > 1))
def test_any_long_varied_password_other_than_the_defaults_is_accepted(password: str) -> None:
    m = member()
    expected_ok = password.casefold() not in (
        {"abb123456", "123456"} | credentials.COMMON_PASSWORDS
    )
    assert (credentials.password_problem(m, password) is None) == expected_ok


@pytest.mark.parametrize("name", ["ann.trainer", "Ann_T", "a-b-c"])
def test_own_usernames(name: str) -> None:
    assert credentials.normalize_own_username(name) == name.lower()


@pytest.mark.parametrize("name", ["ab", "1ann", "abc123456", "ann trainer", "x" * 33, "ann@x"])
def test_bad_own_usernames(name: str) -> None:
    with pytest.raises(InvalidInputError):
        credentials.normalize_own_username(name)


def test_throttle_locks_after_five_failures_and_unlocks_after_fifteen_minutes() -> None:
    failures = [T0 + timedelta(minutes=i) for i in range(5)]  # 12:00 .. 12:04
    assert credentials.locked_until(failures[:4], T0 + timedelta(minutes=4), 5, WINDOW) is None
    now = T0 + timedelta(minutes=4)
    until = credentials.locked_until(failures, now, 5, WINDOW)
    assert until == T0 + WINDOW  # when the oldest failure is 15 minutes old
    just_before = T0 + WINDOW - timedelta(seconds=1)
    assert credentials.locked_until(failures, just_before, 5, WINDOW) == until
    assert credentials.locked_until(failures, T0 + WINDOW, 5, WINDOW) is None


def test_failures_older_than_the_window_do_not_count() -> None:
    old = [T0 - timedelta(minutes=20 + i) for i in range(10)]
    recent = [T0 - timedelta(minutes=i) for i in range(4)]
    assert credentials.locked_until(old + recent, T0, 5, WINDOW) is None


def test_a_sixth_failure_keeps_it_locked_until_five_are_old_enough() -> None:
    failures = [T0 + timedelta(minutes=i) for i in range(6)]
    now = T0 + timedelta(minutes=5)
    assert credentials.locked_until(failures, now, 5, WINDOW) == T0 + timedelta(minutes=1) + WINDOW


def test_keys() -> None:
    assert credentials.account_key("123456") == "account:123456"
    assert credentials.telegram_key(42) == "telegram:42"
