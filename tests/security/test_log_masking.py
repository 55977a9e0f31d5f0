"""The log filter masks exactly what it should: emails in any script, phone numbers, tokens
and passwords; update ids, user ids, IP addresses and dates stay readable."""

from __future__ import annotations

import logging

import pytest

from bot.logging_setup import MaskingFilter, mask


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("mail josé@example.com now", "mail j***@example.com now"),
        ("mail 用户@例子.广告", "mail 用***@例子.广告"),
        ("<ann.lee+tag@sub.example.co.uk>", "<a***@sub.example.co.uk>"),
        ("Ünal@bücher.de,", "Ü***@bücher.de,"),
        ("email=ann@example.com;", "email=a***@example.com;"),
        ("to o'brien@example.com.", "to o***@example.com."),
        ("'ann@example.com'", "'a***@example.com'"),
        ("mail d'arcy.o'neil+x@example.org", "mail d***@example.org"),
        ("{a!b#c$d*e^f`g|h~i}@example.com", "{a***@example.com"),
    ],
)
def test_emails_in_any_script_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "phone",
    [
        "+13175550100",
        "+1 317 555 0100",
        "+1 (317) 555-0199",
        "+44 20 7946 0958",
        "(317) 555-0100",
        "317-555-0100",
        "317.555.0100",
        "317 555 0100",
        "1-317-555-0100",
        "3175550100",
        "13175550100",
        "(317)5550100",
        "(317)555-0100",
        "1(317)5550100",
        "1 (317) 555 0100",
        "1-3175550100",
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    assert mask(f"tel {phone}, ok") == "tel <phone>, ok"


@pytest.mark.parametrize(
    "text",
    [
        "update_id=815263712 user 7001234567 chat -1001234567890",
        "user 1234567890 and 10234567890 and 31755501000",
        "acsm_id 123456 invoice R123456",
        "from 192.168.100.200 and 10.0.0.1:8443",
        "on 2026-11-28 at 17:05:03.123 (11/28/2026, 2026-11-28T17:05:03+00:00)",
        "took 1234.5678 ms, 3 rows",
        "ipv6 2001:db8::1",
    ],
)
def test_ids_ips_and_dates_stay_readable(text: str) -> None:
    assert mask(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (
            "GET https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe",
            "GET https://api.telegram.org/bot<token>/getMe",
        ),
        ("provider 284685063:TEST:NjEzZGFhYWQ5ZmQy", "provider <token>"),
        ("password=hunter2-secret x", "password=*** x"),
        ('{"password": "correct horse"}', '{"password": "***"}'),
        ("PASSWORD: s3cret!", "PASSWORD: ***"),
        ("webhook_secret=abc123", "webhook_secret=***"),
        (
            "postgresql+asyncpg://acsm:Sup3r$ecret@db.internal:5432/acsm",
            "postgresql+asyncpg://acsm:***@db.internal:5432/acsm",
        ),
        (
            "url postgresql+asyncpg://acsm:p@ss@w0rd@db.internal:5432/acsm ok",
            "url postgresql+asyncpg://acsm:***@db.internal:5432/acsm ok",
        ),
        (
            "postgresql://acsm:p%40ss@w@rd@db.internal/acsm?ssl=require",
            "postgresql://acsm:***@db.internal/acsm?ssl=require",
        ),
        ("smtps://bot:p@ss@mail.example.com:465", "smtps://bot:***@mail.example.com:465"),
        ("'postgresql://acsm:p@ss@db'", "'postgresql://acsm:***@db'"),
    ],
)
def test_tokens_and_passwords_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "user %s mailed %s", (7001234567, "ann@example.com"), None
    )
    try:
        raise ValueError("bad phone +1 317 555 0100 for 用户@例子.广告")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    MaskingFilter().filter(record)
    assert record.getMessage() == "user 7001234567 mailed a***@example.com"
    assert record.exc_text is not None
    assert "<phone>" in record.exc_text and "用***@例子.广告" in record.exc_text
    assert "317 555" not in record.exc_text


def test_a_user_id_shaped_like_a_us_phone_number_is_masked_too() -> None:
    """A bare 10-digit number shaped like a North American number (area code and exchange
    starting 2-9) cannot be told from a phone number: privacy wins (docs/security.md)."""
    assert mask("user 5123456789") == "user <phone>"


def test_the_command_line_masks_its_one_line_reasons(monkeypatch, tmp_path) -> None:
    """An exception quoting the database URL (password with @) is masked on stderr."""
    import storage.migrate
    from tests.cli import run

    url = "postgresql+asyncpg://acsm:p@ss@w0rd@db.internal/acsm"

    async def unreachable(database_url: str) -> None:
        raise RuntimeError(f"cannot reach {database_url} for ann@example.com")

    monkeypatch.setattr(storage.migrate, "check_current", unreachable)
    done = run.acsm_bot("audit", "status", env={"DATABASE_URL": url})
    assert done.returncode == 1
    assert done.stderr == (
        "acsm-bot: RuntimeError: cannot reach postgresql+asyncpg://acsm:***@db.internal/acsm"
        " for a***@example.com\n"
    )
