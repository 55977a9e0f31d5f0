"""ASCII digits only, everywhere a member (or staff) types a number: '١٢/٣١/٢٠٢٥' or
'１２' would read as numbers through `int()`, `\\d` or `str.isdigit()`, and display
differently from what is stored. CECs (domain/cecs.py) and phones (domain/validation.py)
already refused them; dates, usernames, invoice numbers and settings do too."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from bot.settings import Settings
from domain.catalog import Catalog
from domain.credentials import acsm_id_in_default_username, normalize_own_username
from domain.errors import InvalidInputError
from domain.invoices import is_invoice_number
from domain.money import dollars_to_cents
from domain.tracker import parse_completed_on

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULL_WIDTH])
def test_no_other_digits_anywhere(table: dict[int, int]) -> None:
    assert parse_completed_on("12/31/2025", date(2026, 11, 28)) == date(2025, 12, 31)
    for typed in ("12/31/2025", "2025-12-31"):
        with pytest.raises(InvalidInputError, match="not a date I can read"):
            parse_completed_on(typed.translate(table), date(2026, 11, 28))
    assert acsm_id_in_default_username("lee100001") == "100001"
    assert acsm_id_in_default_username("lee100001".translate(table)) is None
    assert is_invoice_number("R123456")
    assert not is_invoice_number("R123456".translate(table))
    with pytest.raises(InvalidInputError):
        normalize_own_username("ann2024".translate(table))
    with pytest.raises(ValidationError):
        Settings(_env_file=None, reminder_time="10:00".translate(table))  # type: ignore[call-arg]


@pytest.mark.parametrize("table", [ARABIC_INDIC, FULL_WIDTH])
def test_the_catalog_takes_ascii_digits_only(table: dict[int, int]) -> None:
    """Staff's catalog file too: Decimal() reads '４５' as 45."""
    assert dollars_to_cents("45.00") == 4500
    with pytest.raises(ValueError, match="not an amount"):
        dollars_to_cents("45.00".translate(table))
    entry = {"name": "ACSM Certified Personal Trainer", "cecs": "45", "fee": "45.00"}
    Catalog.from_mapping({"certifications": {"CPT": entry}})
    for key in ("cecs", "fee"):
        bad = {**entry, key: entry[key].translate(table)}
        with pytest.raises(ValueError):
            Catalog.from_mapping({"certifications": {"CPT": bad}})
