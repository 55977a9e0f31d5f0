"""What each input accepts (domain/validation.py): the same rules for CSV imports and chat."""

from __future__ import annotations

import pytest

from domain.errors import InvalidInputError
from domain.validation import (
    MAX_EMAIL,
    MAX_NAME,
    check_email,
    check_name,
    check_phone,
    check_text,
    readable_phone,
)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("pat@example.org", "pat@example.org"),
        ("Pat@Example.ORG", "Pat@example.org"),  # the domain is lower-cased
        ("josé@example.com", "josé@example.com"),
        ("用户@例子.广告", "用户@例子.广告"),
    ],
)
def test_emails_accepted_in_any_script(text: str, stored: str) -> None:
    assert check_email(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "<b>x</b>@evil.com",
        "x@evil.com<script>",
        '"a b"@x',
        "pat@localhost",
        "pat@example..org",
        "pat\x00@example.org",
        "pat@exa\u202emple.org",
        "pat\n@example.org",
        "a" * (MAX_EMAIL - 11) + "@example.org",
        "x" * 10_000_000,
    ],
)
def test_emails_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_email(text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("+1 317 555 0100", "+13175550100"),
        ("317.555.0100", "+13175550100"),
        ("1 (317) 555-0100", "+13175550100"),
        ("+44 20 7946 0958", "+442079460958"),
        ("  -  ", None),
    ],
)
def test_phones_are_stored_in_e164(text: str, stored: str | None) -> None:
    assert check_phone(text) == stored


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("+1 317 555 0199", "+1 317 555 0199"),
        ("(317) 555-0199", "+1 317 555 0199"),
        ("+44 20 7946 0958", "+44 20 7946 0958"),
    ],
)
def test_a_stored_phone_reads_like_an_imported_one(typed: str, shown: str) -> None:
    assert readable_phone(check_phone(typed)) == shown
    assert readable_phone("+1 317 555 0100") == "+1 317 555 0100"  # the samples' own form
    assert readable_phone(None) is None


@pytest.mark.parametrize(
    "text",
    [
        "٣١٧٥٥٥٠١٠٠",  # Arabic-Indic digits: phonenumbers reads them, we do not
        "+١ ٣١٧ ٥٥٥ ٠١٠٠",
        "۳۱۷۵۵۵۰۱۰۰",  # Persian digits
        "３１７５５５０１００",  # full-width digits
        "317 555 0100 ext 12",
        "555 0100",  # too short for a US number
        "+1 317 555 0100\x00",
        "1" * 41,
        "9" * 10_000_000,
    ],
)
def test_phones_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_phone(text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("Ann", "Ann"),
        ("  Mary-Jane ", "Mary-Jane"),
        ("O’Neil", "O’Neil"),
        ("José", "José"),
        ("Jose\u0301", "José"),  # NFC
        ("张伟", "张伟"),
        ("محمد", "محمد"),
        ("Louis 14", "Louis 14"),
    ],
)
def test_names_accepted(text: str, stored: str) -> None:
    assert check_name(text) == stored


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "<b>Ann</b>",
        "Ann; DROP TABLE",
        "=HYPERLINK(1)",
        "Ann\x00",
        "Ann\tLee",
        "Ann\u202eeeL",
        "Ann\u2028Lee",
        "١٢٣",  # no letters
        "x" * (MAX_NAME + 1),
        "x" * 10_000_000,
    ],
)
def test_names_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_name(text)


def test_text_refuses_control_characters_and_keeps_joiners() -> None:
    assert check_text("नमस्ते\u200d", "title", 300) == "नमस्ते\u200d"
    for bad in ("a\x00b", "a\x1bb", "a\x85b", "a\ud800b", "a\ue000b", "a\u2066b"):
        with pytest.raises(InvalidInputError):
            check_text(bad, "title", 300)
    with pytest.raises(InvalidInputError, match="longer than 300"):
        check_text("x" * 301, "title", 300)


def test_fit_telegram_counts_utf16_units() -> None:
    from domain.validation import fit_telegram

    assert fit_telegram("short") == "short"
    assert fit_telegram("x" * 4096) == "x" * 4096
    long = fit_telegram("x" * 5000)
    assert len(long) == 4096 and long.endswith("…")
    emoji = fit_telegram("😀" * 3000)  # each counts 2
    assert len(emoji.encode("utf-16-le")) // 2 <= 4096 and emoji.endswith("…")
