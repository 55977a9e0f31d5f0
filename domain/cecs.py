"""CEC amounts: 1 hour = 1 CEC, counted in steps of 0.5, never negative, at most 999."""

from __future__ import annotations

import re
from decimal import Decimal

from domain.errors import DomainError

MAX_CECS = Decimal(999)
MAX_ACTIVITY_CECS = Decimal(100)  # one imported activity: more looks like a typing error
STEP = Decimal("0.5")
# Plain decimal notation with ASCII digits only: '12', '12.5', '12,5', '.5'. Not '1e2',
# 'Infinity', 'NaN', '+3', '１０' or '١٠' (all of which Decimal() would accept).
PLAIN_DECIMAL = re.compile(r"(?:[0-9]{1,6}(?:[.,][0-9]{0,4})?|[.,][0-9]{1,4})")


class InvalidCecAmountError(DomainError, ValueError):
    """The reason is readable by a member."""


def parse_cecs(text: str) -> Decimal:
    """Parse a typed or imported amount: '12', '12.5', '12,5', ' 7 '."""
    cleaned = text.strip() if len(text) <= 100 else text[:100]
    if not cleaned:
        raise InvalidCecAmountError("empty: type a number such as 12 or 12.5")
    if cleaned.startswith("-") and PLAIN_DECIMAL.fullmatch(cleaned[1:]):
        return check_cecs(-Decimal(cleaned[1:].replace(",", ".")))  # negative: refused
    if not PLAIN_DECIMAL.fullmatch(cleaned):
        raise InvalidCecAmountError(
            "{typed} is not a number: type digits such as 12 or 12.5", typed=repr(cleaned[:20])
        )
    return check_cecs(Decimal(cleaned.replace(",", ".")))


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
