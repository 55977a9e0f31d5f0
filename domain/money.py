"""Money is integer cents; this module converts at the edges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def dollars_to_cents(text: str | Decimal) -> int:
    """'45.00' -> 4500.  Refuses fractions of a cent, negative amounts and other digits than
    ASCII ones ('４５' or '٤٥', which Decimal() would read)."""
    if isinstance(text, str) and not text.isascii():
        raise ValueError(f"not an amount: {text!r}")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {text!r}") from exc
    if not value.is_finite() or value < 0:
        raise ValueError(f"not an amount: {text!r}")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"fraction of a cent: {text!r}")
    return int(cents)


def format_usd(cents: int) -> str:
    """4500 -> '$45.00'."""
    sign = "-" if cents < 0 else ""
    whole, frac = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{frac:02d}"
