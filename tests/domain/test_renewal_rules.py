"""Requirement, fee, late fee and the refusals of a renewal."""

from __future__ import annotations

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
CODES = [t.code for t in CATALOG.types]


def types(*codes: str) -> list[CertificationType]:
    return [CATALOG.get(c) for c in codes]


def test_one_certification_costs_its_fee_and_needs_its_cecs() -> None:
    assert renewal_fee_cents(types("CPT"), CATALOG) == 4500
    assert required_cecs(types("CPT")) == Decimal(45)


def test_cep_plus_rcep_is_55_plus_5() -> None:
    assert renewal_fee_cents(types("CEP", "RCEP"), CATALOG) == 6000


def test_three_certifications_highest_fee_plus_5_each_and_highest_requirement() -> None:
    chosen = types("CIFT", "CPT", "CEP")
    assert renewal_fee_cents(chosen, CATALOG) == 5500 + 2 * 500
    assert required_cecs(chosen) == Decimal(60)  # not 15 + 45 + 60


def test_fees_follow_the_catalog_not_the_code() -> None:
    custom = Catalog.from_toml(
        'late_fee = "99.00"\nadditional_certification_fee = "7.50"\n'
        '[certifications.CPT]\nname = "Trainer"\ncecs = "40"\nfee = "50.00"\n'
        '[certifications.GEI]\nname = "Leader"\ncecs = "30"\nfee = "20.00"\n'
    )
    both = [custom.get("CPT"), custom.get("GEI")]
    assert renewal_fee_cents(both, custom) == 5750
    assert late_fee_cents([CertState.GRACE], custom) == 9900


def test_late_fee_only_when_one_is_in_grace() -> None:
    assert late_fee_cents([CertState.RENEWAL_OPEN], CATALOG) == 0
    assert late_fee_cents([CertState.RENEWAL_OPEN, CertState.GRACE], CATALOG) == 8000
    assert late_fee_cents([CertState.GRACE, CertState.GRACE], CATALOG) == 8000


def test_nothing_chosen_costs_nothing() -> None:
    assert renewal_fee_cents([], CATALOG) == 0
    assert required_cecs([]) == Decimal(0)


@given(st.lists(st.sampled_from(CODES), min_size=1, max_size=8))
def test_required_never_exceeds_the_highest_single_requirement(codes: list[str]) -> None:
    chosen = types(*codes)
    assert required_cecs(chosen) == max(t.cecs_required for t in chosen)


@given(st.lists(st.sampled_from(CODES), min_size=1, max_size=7), st.sampled_from(CODES))
def test_a_fee_never_drops_when_a_certification_is_added(codes: list[str], extra: str) -> None:
    before = renewal_fee_cents(types(*codes), CATALOG)
    after = renewal_fee_cents(types(*codes, extra), CATALOG)
    assert after >= before + CATALOG.additional_certification_fee_cents


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
    refusal = cecs_refusal(Decimal(acsm), Decimal(other), Decimal(45))
    if Decimal(short):
        assert refusal is not None and refusal.code is RefusalCode.CECS_SHORT
        assert refusal.short_by == Decimal(short)
    else:
        assert refusal is None


def test_window_refusals() -> None:
    opens = date(2027, 1, 1)
    refusal = window_refusal([(CertState.ACTIVE, opens)])
    assert refusal is not None and refusal.code is RefusalCode.NOT_YET_OPEN
    assert refusal.opens_on == opens and "01/01/2027" in refusal.message
    lapsed = window_refusal([(CertState.LAPSED, opens)])
    assert lapsed is not None and lapsed.code is RefusalCode.LAPSED
    assert "reinstatement" in lapsed.message and "exam" in lapsed.message
    nothing = window_refusal([])
    assert nothing is not None and nothing.code is RefusalCode.NOTHING_TO_RENEW
    assert window_refusal([(CertState.GRACE, opens), (CertState.RENEWAL_OPEN, opens)]) is None


def test_cpr_must_be_current_when_known() -> None:
    today = date(2026, 11, 28)
    expired = cpr_refusal(date(2026, 11, 27), today)
    assert expired is not None and expired.code is RefusalCode.CPR_NOT_CURRENT
    assert expired.expired_on == date(2026, 11, 27)
    assert cpr_refusal(today, today) is None
    assert cpr_refusal(None, today) is None
