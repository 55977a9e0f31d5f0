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
    ],
)
def test_phone_numbers_are_masked(phone: str) -> None:
    assert mask(f"tel {phone}, ok") == "tel <phone>, ok"


@pytest.mark.parametrize(
    "text",
    [
        "update_id=815263712 user 5123456789 chat -1001234567890",
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
    ],
)
def test_tokens_and_passwords_are_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


def test_the_filter_masks_arguments_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "user %s mailed %s", (5123456789, "ann@example.com"), None
    )
    try:
        raise ValueError("bad phone +1 317 555 0100 for 用户@例子.广告")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    MaskingFilter().filter(record)
    assert record.getMessage() == "user 5123456789 mailed a***@example.com"
    assert record.exc_text is not None
    assert "<phone>" in record.exc_text and "用***@例子.广告" in record.exc_text
    assert "317 555" not in record.exc_text
