"""CEC amounts: exactly the steps of 0.5 in [0, 999]."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cecs import InvalidCecAmountError, format_cecs, parse_cecs


@given(st.integers(min_value=0, max_value=1998))
def test_every_half_step_in_range_is_accepted(halves: int) -> None:
    value = Decimal(halves) / 2
    assert parse_cecs(str(value)) == value
    assert parse_cecs(format_cecs(value)) == value


@given(st.decimals(min_value=-5000, max_value=5000, places=2, allow_nan=False))
def test_accepted_exactly_when_a_half_step_within_0_and_999(value: Decimal) -> None:
    valid = 0 <= value <= 999 and (value * 2) == (value * 2).to_integral_value()
    if valid:
        assert parse_cecs(str(value)) == value
    else:
        with pytest.raises(InvalidCecAmountError):
            parse_cecs(str(value))


@pytest.mark.parametrize("text", ["", "  ", "abc", "-0.5", "999.5", "1000", "12.25", "NaN", "inf"])
def test_refused(text: str) -> None:
    with pytest.raises(InvalidCecAmountError):
        parse_cecs(text)


@pytest.mark.parametrize(
    ("text", "value"), [(" 7 ", "7"), ("12,5", "12.5"), ("999", "999"), ("0", "0")]
)
def test_accepted(text: str, value: str) -> None:
    assert parse_cecs(text) == Decimal(value)


@pytest.mark.parametrize(
    "text",
    [
        "1e2",
        "1E1",
        "Infinity",
        "-Infinity",
        "NaN",
        "sNaN",
        "１０",
        "١٠",
        "٣",
        "+3",
        "1_0",
        "0x10",
        "1 0",
        "10\x00",
        "\u202e10",
        "9" * 200,
    ],
)
def test_only_plain_decimal_notation_with_ascii_digits(text: str) -> None:
    with pytest.raises(InvalidCecAmountError):
        parse_cecs(text)


@pytest.mark.parametrize(("text", "value"), [(".5", "0.5"), ("12.50", "12.5"), ("007", "7")])
def test_plain_forms_accepted(text: str, value: str) -> None:
    assert parse_cecs(text) == Decimal(value)
