"""Requirement, fee, late fee and the refusals of a renewal.

Checked against statements independent of domain/renewal_rules.py: the catalog written out
as a table, every subset of it enumerated, the combined fee characterised by enumeration
("one of them at full price + $5 for each other, and no less than any of them that way"),
the shortfall counted half a CEC at a time.
"""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.catalog import Catalog, CertificationType
from domain.cycles import CertState
from domain.renewal_rules import (
    RefusalCode,
    cecs_refusal,
    cecs_short_by,
    cpr_refusal,
    late_fee_cents,
    renewal_fee_cents,
    required_cecs,
    window_refusal,
)

CATALOG = Catalog.default()

# The ACSM catalog as the contract states it: code -> (CECs required, fee in cents).
TABLE: dict[str, tuple[Decimal, int]] = {
    "GEI": (Decimal(45), 4500),
    "CPT": (Decimal(45), 4500),
    "EP": (Decimal(60), 5500),
    "CEP": (Decimal(60), 5500),
    "RCEP": (Decimal(60), 5500),
    "CIFT": (Decimal(15), 3500),
    "CET": (Decimal(15), 3500),
    "PAPHS": (Decimal(45), 3500),
}
LATE_FEE, EXTRA = 8000, 500
SUBSETS = [
    subset for size in range(1, len(TABLE) + 1) for subset in itertools.combinations(TABLE, size)
]


def types(*codes: str) -> list[CertificationType]:
    return [CATALOG.get(c) for c in codes]


def test_the_shipped_catalog_is_the_contract_table() -> None:
    assert {t.code: (t.cecs_required, t.fee_cents) for t in CATALOG.types} == TABLE
    assert (CATALOG.late_fee_cents, CATALOG.additional_certification_fee_cents) == (
        LATE_FEE,
        EXTRA,
    )


@pytest.mark.parametrize(
    ("codes", "fee", "cecs"),
    [
        (("CPT",), 4500, 45),
        (("CEP", "RCEP"), 6000, 60),  # $55 + $5
        (("CIFT", "CPT", "CEP"), 6500, 60),  # $55 + 2 x $5; 60 CECs, not 15 + 45 + 60
        (("CIFT", "CET"), 4000, 15),
        (("PAPHS", "CIFT"), 4000, 45),  # same fee: either pays full price
        (("GEI", "PAPHS", "CET"), 5500, 45),
        (tuple(TABLE), 9000, 60),  # all eight: $55 + 7 x $5
    ],
)
def test_worked_examples(codes: tuple[str, ...], fee: int, cecs: int) -> None:
    assert renewal_fee_cents(types(*codes), CATALOG) == fee
    assert required_cecs(types(*codes)) == cecs


@pytest.mark.parametrize("codes", SUBSETS, ids="+".join)
def test_every_subset_of_the_catalog(codes: tuple[str, ...]) -> None:
    """Each of the 255 combinations: the fee is what some certification of the set at full
    price plus $5 for each other one comes to, and no less than any such sum; the CECs
    required are one of the set's requirements and at least each of them (never a sum)."""
    fee = renewal_fee_cents(types(*codes), CATALOG)
    each = [TABLE[c][1] + EXTRA * (len(codes) - 1) for c in codes]
    assert fee in each and all(fee >= amount for amount in each)
    required = required_cecs(types(*codes))
    needs = [TABLE[c][0] for c in codes]
    assert required in needs and all(required >= need for need in needs)


@given(st.permutations(list(TABLE)), st.integers(1, len(TABLE)))
def test_fee_and_requirement_do_not_depend_on_the_order(order: list[str], size: int) -> None:
    chosen = order[:size]
    assert renewal_fee_cents(types(*chosen), CATALOG) == renewal_fee_cents(
        types(*sorted(chosen)), CATALOG
    )
    assert required_cecs(types(*chosen)) == required_cecs(types(*sorted(chosen)))


@st.composite
def catalogs(draw: st.DrawFn) -> tuple[Catalog, dict[str, tuple[Decimal, int]], int, int]:
    """A staff catalog file: (catalog, its table, late fee, additional fee) in cents."""
    codes = draw(st.lists(st.sampled_from("ABCDEFGH"), min_size=1, max_size=6, unique=True))
    table = {
        code: (Decimal(draw(st.integers(1, 400))) / 2, draw(st.integers(0, 99_999)))
        for code in codes
    }
    late, extra = draw(st.integers(0, 99_999)), draw(st.integers(0, 9_999))

    def dollars(cents: int) -> str:
        return f"{cents // 100}.{cents % 100:02d}"

    text = f'late_fee = "{dollars(late)}"\nadditional_certification_fee = "{dollars(extra)}"\n'
    for code, (cecs, fee) in table.items():
        text += (
            f'[certifications.{code}]\nname = "{code}"\ncecs = "{cecs}"\nfee = "{dollars(fee)}"\n'
        )
    return Catalog.from_toml(text), table, late, extra


@given(catalogs(), st.data())
def test_fees_follow_the_staff_catalog_to_the_cent(
    drawn: tuple[Catalog, dict[str, tuple[Decimal, int]], int, int], data: st.DataObject
) -> None:
    catalog, table, late, extra = drawn
    codes = data.draw(st.lists(st.sampled_from(sorted(table)), min_size=1, unique=True))
    chosen = [catalog.get(c) for c in codes]
    fee = renewal_fee_cents(chosen, catalog)
    each = [table[c][1] + extra * (len(codes) - 1) for c in codes]
    assert isinstance(fee, int) and fee in each and all(fee >= amount for amount in each)
    assert late_fee_cents([CertState.GRACE], catalog) == late
    required = required_cecs(chosen)
    assert required in [table[c][0] for c in codes]
    assert all(required >= table[c][0] for c in codes)


def test_nothing_chosen_costs_nothing() -> None:
    assert renewal_fee_cents([], CATALOG) == 0
    assert required_cecs([]) == Decimal(0)


@pytest.mark.parametrize(
    "states",
    [combo for size in range(1, 4) for combo in itertools.product(list(CertState), repeat=size)],
    ids=lambda states: "+".join(s.value for s in states),
)
def test_late_fee_once_if_and_only_if_one_is_in_grace(states: tuple[CertState, ...]) -> None:
    """Every combination of up to three states."""
    in_grace = any(state == "grace" for state in states)
    assert late_fee_cents(list(states), CATALOG) == (LATE_FEE if in_grace else 0)


halves = st.integers(0, 1998).map(lambda n: Decimal(n) / 2)


def counted_shortfall(acsm: Decimal, other: Decimal, required: Decimal) -> Decimal:
    """Add half a CEC at a time until the requirement is met."""
    short = Decimal(0)
    while acsm + other + short < required:
        short += Decimal("0.5")
    return short


@given(halves, halves, st.sampled_from(sorted({cecs for cecs, _ in TABLE.values()})))
def test_the_shortfall_is_counted_in_half_cecs(
    acsm: Decimal, other: Decimal, required: Decimal
) -> None:
    short = counted_shortfall(acsm, other, required)
    assert cecs_short_by(acsm, other, required) == short
    refusal = cecs_refusal(acsm, other, required)
    if short:
        assert refusal is not None and refusal.code is RefusalCode.CECS_SHORT
        assert refusal.short_by == short
    else:
        assert refusal is None


@pytest.mark.parametrize(
    ("acsm", "other", "short"),
    [
        ("44.5", "0", "0.5"),
        ("45", "0", "0"),
        ("30", "14.5", "0.5"),
        ("30", "15", "0"),
        ("0", "45", "0"),
        ("50", "10", "0"),
    ],
)
def test_acsm_plus_other_cecs_must_reach_45(acsm: str, other: str, short: str) -> None:
    assert cecs_short_by(Decimal(acsm), Decimal(other), Decimal(45)) == Decimal(short)


def test_window_refusals() -> None:
    opens = date(2027, 1, 1)
    refusal = window_refusal([(CertState.ACTIVE, opens)])
    assert refusal is not None and refusal.code is RefusalCode.NOT_YET_OPEN
    assert refusal.opens_on == opens and "01/01/2027" in refusal.text
    lapsed = window_refusal([(CertState.LAPSED, opens)])
    assert lapsed is not None and lapsed.code is RefusalCode.LAPSED
    assert "reinstatement" in lapsed.text and "exam" in lapsed.text
    assert "certification@acsm.org" in lapsed.text  # the default ACSM_CONTACT
    elsewhere = window_refusal([(CertState.LAPSED, opens)], "recert@example.org")
    assert elsewhere is not None and "recert@example.org" in elsewhere.text
    assert "certification@acsm.org" not in elsewhere.text
    nothing = window_refusal([])
    assert nothing is not None and nothing.code is RefusalCode.NOTHING_TO_RENEW
    assert window_refusal([(CertState.GRACE, opens), (CertState.RENEWAL_OPEN, opens)]) is None


@pytest.mark.parametrize(
    "states",
    [combo for size in range(1, 4) for combo in itertools.product(list(CertState), repeat=size)],
    ids=lambda states: "+".join(s.value for s in states),
)
def test_renewable_together_only_when_each_is_open_or_in_grace(
    states: tuple[CertState, ...],
) -> None:
    opens = [date(2026 + i, 1, 1) for i in range(len(states))]
    refusal = window_refusal(list(zip(states, opens, strict=True)))
    if all(state in ("renewal_open", "grace") for state in states):
        assert refusal is None
    elif "lapsed" in states:
        assert refusal is not None and refusal.code is RefusalCode.LAPSED
    else:  # some not yet open: the latest opening is when all of them can be renewed
        assert refusal is not None and refusal.code is RefusalCode.NOT_YET_OPEN
        waiting = [d for s, d in zip(states, opens, strict=True) if s == "active"]
        assert refusal.opens_on == sorted(waiting)[-1]


def test_cpr_must_be_current_when_known() -> None:
    today = date(2026, 11, 28)
    expired = cpr_refusal(date(2026, 11, 27), today)
    assert expired is not None and expired.code is RefusalCode.CPR_NOT_CURRENT
    assert expired.expired_on == date(2026, 11, 27)
    assert cpr_refusal(today, today) is None
    assert cpr_refusal(None, today) is None
