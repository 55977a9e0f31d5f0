"""The tracker's rules: cycle windows, typed dates and CECs, proof files by content."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from domain.errors import InvalidInputError
from domain.model import Certification
from domain.tracker import (
    MAX_PROOF_BYTES,
    ProofQuotaError,
    ProofRejectedError,
    ProofUsage,
    check_completed_on,
    check_declared_size,
    check_proof_quota,
    counts_for,
    group_window_start,
    new_proof,
    parse_activity_cecs,
    parse_completed_on,
    quota_since,
    window_start,
)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + b"\x00" * 20
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n"
NOW = datetime(2026, 11, 28, 17, tzinfo=UTC)


def cert(effective: date, thru: date) -> Certification:
    return Certification("1", "CPT", effective, thru)


def test_window_starts_the_day_after_the_previous_thru_date() -> None:
    assert window_start(cert(date(2017, 5, 1), date(2026, 12, 31))) == date(2024, 1, 1)


def test_first_cycle_starts_on_an_earlier_effective_date() -> None:
    assert window_start(cert(date(2023, 6, 15), date(2026, 12, 31))) == date(2023, 6, 15)


def test_effective_date_four_years_or_more_before_thru_is_not_a_first_cycle() -> None:
    assert window_start(cert(date(2022, 12, 31), date(2026, 12, 31))) == date(2024, 1, 1)
    assert window_start(cert(date(2023, 1, 1), date(2026, 12, 31))) == date(2023, 1, 1)


def test_effective_date_inside_the_cycle_does_not_move_the_start() -> None:
    assert window_start(cert(date(2024, 3, 1), date(2026, 12, 31))) == date(2024, 1, 1)


def test_group_takes_the_earliest_start() -> None:
    certs = [
        cert(date(2023, 6, 15), date(2026, 12, 31)),
        cert(date(2015, 1, 1), date(2026, 12, 31)),
    ]
    assert group_window_start(certs) == date(2023, 6, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("03/15/2026", date(2026, 3, 15)),
        ("3/5/2026", date(2026, 3, 5)),
        ("2026-03-15", date(2026, 3, 15)),
        (" Today ", date(2026, 11, 28)),
    ],
)
def test_dates_in_three_forms(text: str, expected: date) -> None:
    assert parse_completed_on(text, date(2026, 11, 28)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "15/03/2026",
        "02/30/2026",
        "yesterday",
        "2026/03/15",
        "",
        # Digits other than ASCII 0-9 are refused, as in CECs and phone numbers:
        "١٢/٣١/٢٠٢٥",  # Arabic-Indic: 12/31/2025
        "12/31/٢٠٢٥",  # mixed
        "۲۰۲۵-۱۲-۳۱",  # Extended Arabic-Indic, ISO form
        "１２/３１/２０２５",  # full-width
        "१२/३१/२०२५",  # Devanagari
    ],
)
def test_unreadable_dates_are_refused(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_completed_on(text, date(2026, 11, 28))


def test_future_and_outside_the_cycle_are_refused_with_the_reason() -> None:
    windows = [(date(2024, 1, 1), date(2026, 12, 31))]
    today = date(2026, 11, 28)
    assert check_completed_on(date(2024, 1, 1), today, windows) == date(2024, 1, 1)
    assert check_completed_on(today, today, windows) == today
    with pytest.raises(InvalidInputError, match="future"):
        check_completed_on(date(2026, 11, 29), today, windows)
    with pytest.raises(InvalidInputError, match="outside your current cycle"):
        check_completed_on(date(2023, 12, 31), today, windows)
    with pytest.raises(InvalidInputError, match="no certification"):
        check_completed_on(date(2025, 1, 1), today, [])


def test_activity_counts_for_the_cycle_whose_window_holds_it() -> None:
    assert counts_for(date(2026, 12, 31), date(2024, 1, 1), date(2026, 12, 31))
    assert not counts_for(date(2027, 1, 1), date(2024, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("text", ["0", "0.3", "-1", "101", "ten", "1e2"])
def test_activity_cecs_are_steps_of_half_above_zero(text: str) -> None:
    with pytest.raises(InvalidInputError):
        parse_activity_cecs(text)


def test_activity_cecs_accepted() -> None:
    assert parse_activity_cecs("2.5") == Decimal("2.5")
    assert parse_activity_cecs("100") == Decimal(100)


@pytest.mark.parametrize(
    ("data", "mime"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (PDF, "application/pdf")]
)
def test_proof_types_judged_by_content(data: bytes, mime: str) -> None:
    proof = new_proof("1", data, NOW)
    assert proof.content_type == mime and proof.size == len(data)
    assert len(proof.sha256) == 64


@pytest.mark.parametrize(
    "data", [b"", b"GIF89a" + b"\x00" * 20, b"PK\x03\x04 a zip named cert.pdf", b"plain text"]
)
def test_other_content_is_refused(data: bytes) -> None:
    with pytest.raises(ProofRejectedError):
        new_proof("1", data, NOW)


def test_size_limit_ten_megabytes() -> None:
    new_proof("1", PDF + b"\x00" * (MAX_PROOF_BYTES - len(PDF)), NOW)
    with pytest.raises(ProofRejectedError, match="10 MB"):
        new_proof("1", PDF + b"\x00" * (MAX_PROOF_BYTES - len(PDF) + 1), NOW)
    check_declared_size(MAX_PROOF_BYTES)
    with pytest.raises(ProofRejectedError):
        check_declared_size(MAX_PROOF_BYTES + 1)


def test_same_bytes_same_checksum() -> None:
    assert new_proof("1", PDF, NOW).sha256 == new_proof("2", PDF, NOW).sha256
    assert new_proof("1", PDF, NOW).sha256 != new_proof("1", PDF + b" ", NOW).sha256


def test_the_proof_quota_is_100_files_or_200_mb_a_cycle() -> None:
    megabyte = 1024 * 1024
    check_proof_quota(ProofUsage(99, 190 * megabyte), 10 * megabyte)  # the 100th, 200 MB
    with pytest.raises(ProofQuotaError, match=r"sent 100 certificate files in this cycle"):
        check_proof_quota(ProofUsage(100, megabyte), 1)
    with pytest.raises(ProofQuotaError, match=r"take 190.5 MB.*\(10 MB\).*pass the 200 MB"):
        check_proof_quota(ProofUsage(20, 190 * megabyte + megabyte // 2), 10 * megabyte)
    assert issubclass(ProofQuotaError, InvalidInputError)  # answered like any refused file


def test_the_quota_counts_from_the_start_of_the_current_cycles() -> None:
    windows = [(date(2024, 1, 1), date(2026, 12, 31)), (date(2023, 6, 15), date(2026, 12, 31))]
    assert quota_since(windows, date(2026, 11, 28)) == date(2023, 6, 15)
    assert quota_since([], date(2026, 11, 28)) == date(2023, 11, 28)  # none current: 3 years
