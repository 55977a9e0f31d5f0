"""Contact details typed during renewal, and how a CEC total is made up."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.cecs import InvalidCecAmountError, format_cecs, parse_cecs
from domain.errors import InvalidInputError
from domain.services.cec_status import cec_total, tracked_total
from domain.validation import check_email, check_phone

halves = st.integers(min_value=0, max_value=1998).map(lambda n: Decimal(n) / 2)


@pytest.mark.parametrize("text", ["pat@example.org", " a.b+c@sub.example.co.uk "])
def test_good_emails(text: str) -> None:
    assert check_email(text) == text.strip()


@pytest.mark.parametrize("text", ["", "pat", "pat@", "@example.org", "pat@example", "a b@x.org"])
def test_bad_emails(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_email(text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("+1 317 555 0100", "+13175550100"),
        ("(317) 555-0100", "+13175550100"),
        ("-", None),
        ("", None),
    ],
)
def test_phones(text: str, stored: str | None) -> None:
    assert check_phone(text) == stored


@pytest.mark.parametrize("text", ["call me", "12345", "+1 317 555 0100 0100 0100", "555-CALL-NOW"])
def test_bad_phones(text: str) -> None:
    with pytest.raises(InvalidInputError):
        check_phone(text)


def test_total_without_member_numbers_is_what_acsm_recorded() -> None:
    assert cec_total(Decimal(20), None, None) == 20


# ---- totals, against a search over half-CEC steps ------------------------------------------

HALF = Decimal("0.5")


def least_covering(*figures: Decimal) -> Decimal:
    """Walk up half a CEC at a time to the first amount that covers every figure: two
    figures for the same activities count once, at the higher."""
    amount = Decimal(0)
    while any(amount < figure for figure in figures):
        amount += HALF
    return amount


@given(halves, st.none() | halves, st.none() | halves)
def test_total_covers_the_acsm_figures_once_and_adds_other_cecs(
    recorded: Decimal, typed: Decimal | None, other: Decimal | None
) -> None:
    acsm = least_covering(recorded, typed or Decimal(0))
    assert cec_total(recorded, typed, other) == acsm + (other or 0)


@given(halves, halves, halves, st.none() | halves, st.none() | halves)
def test_tracked_total_covers_each_organization_once(
    recorded: Decimal,
    logged_acsm: Decimal,
    logged_other: Decimal,
    typed_acsm: Decimal | None,
    typed_other: Decimal | None,
) -> None:
    """Recorded and logged ACSM activities are different activities (they add up); a number
    typed at renewal is the member's count of the same activities (it covers them)."""
    acsm = least_covering(recorded + logged_acsm, typed_acsm or Decimal(0))
    other = least_covering(logged_other, typed_other or Decimal(0))
    total = tracked_total(recorded, logged_acsm, logged_other, typed_acsm, typed_other)
    assert total == acsm + other


def text_forms(halves_count: int) -> st.SearchStrategy[str]:
    """The ways a member or a CSV writes an amount of `halves_count` half-CECs."""
    whole, half = divmod(halves_count, 2)
    forms = (
        [f"{whole}.5", f"{whole},5", f"{whole}.50", f"00{whole}.5"]
        if half
        else [
            f"{whole}",
            f"{whole}.0",
            f"{whole},00",
            f" {whole} ",
        ]
    )
    if half and whole == 0:
        forms += [".5", ",5"]
    return st.sampled_from(forms)


@given(st.lists(st.integers(0, 200).flatmap(lambda n: st.tuples(st.just(n), text_forms(n)))))
def test_totals_of_typed_amounts_are_whole_half_cecs(typed: list[tuple[int, str]]) -> None:
    """Amounts parsed from any accepted notation add up exactly (counted as integers of
    half-CECs), and a total within 999 prints and parses back to itself."""
    total = sum((parse_cecs(text) for _, text in typed), Decimal(0))
    halves_total = sum(n for n, _ in typed)
    assert total * 2 == halves_total
    printed = format_cecs(total)
    assert printed == (f"{halves_total // 2}.5" if halves_total % 2 else f"{halves_total // 2}")
    if halves_total <= 1998:
        assert parse_cecs(printed) == total
    else:  # above 999: a typing error when typed
        with pytest.raises(InvalidCecAmountError):
            parse_cecs(printed)


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("ann", "it has no @"),
        ("ann@x", "the part after the @ is not a domain such as example.com"),
        ("ann@@x.com", "the part after the @ is not a domain such as example.com"),
        ("ann@-x.com", "the part after the @ is not a domain such as example.com"),
        ("ann..lee@x.com", "a period is out of place"),
        (".ann@x.com", "a period is out of place"),
        ("a nn@x.com", "it has characters an email address cannot have"),
    ],
)
def test_a_bad_address_is_explained_in_our_words_in_the_members_language(
    typed: str, reason: str
) -> None:
    from domain.errors import InvalidInputError
    from domain.languages import Language
    from i18n import speaker
    from tests.chat.spanish import english_leaks

    with pytest.raises(InvalidInputError) as caught:
        check_email(typed)
    assert str(caught.value) == f"That does not look like an email address ({reason})."
    spanish = speaker(Language.ES).explain(caught.value)
    assert spanish.startswith("Eso no parece una dirección de correo electrónico (")
    assert not english_leaks([spanish]), spanish
