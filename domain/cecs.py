"""CEC amounts: 1 hour = 1 CEC, counted in steps of 0.5, never negative, at most 999."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MAX_CECS = Decimal(999)
STEP = Decimal("0.5")


class InvalidCecAmountError(ValueError):
    """The reason is readable by a member."""


def parse_cecs(text: str) -> Decimal:
    """Parse a typed or imported amount: '12', '12.5', '12,5', ' 7 '."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        raise InvalidCecAmountError("empty: type a number such as 12 or 12.5")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:
        raise InvalidCecAmountError(f"{text.strip()[:20]!r} is not a number") from exc
    return check_cecs(value)


def check_cecs(value: Decimal) -> Decimal:
    if not value.is_finite():
        raise InvalidCecAmountError("not a number")
    if value < 0:
        raise InvalidCecAmountError("CECs cannot be negative")
    if value > MAX_CECS:
        raise InvalidCecAmountError("more than 999 CECs looks like a typing error")
    if (value / STEP) != (value / STEP).to_integral_value():
        raise InvalidCecAmountError("CECs are counted in steps of 0.5 (e.g. 12 or 12.5)")
    return value.quantize(Decimal("0.1")) if value % 1 else value.quantize(Decimal(1))


def format_cecs(value: Decimal) -> str:
    """12 -> '12', 12.5 -> '12.5'."""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value.normalize():f}"
