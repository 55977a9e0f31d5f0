"""The deadline answer (handlers/free_text.py) in each state a certification can be in."""

from __future__ import annotations

from datetime import date

import pytest

from domain.cycles import CertState, grace_ends_on, renewal_opens_on
from domain.languages import Language
from domain.services.certifications import CertificationView
from handlers.free_text import deadlines_text
from i18n import speaker

ENGLISH = speaker(Language.EN)
CONTACT = "certification@acsm.org"


def view(state: CertState, thru: date, invoice: str | None = None) -> CertificationView:
    return CertificationView(
        id=7,
        code="CPT",
        name="ACSM Certified Personal Trainer",
        effective_date=date(thru.year - 3, 1, 1),
        thru_date=thru,
        state=state,
        renewal_opens_on=renewal_opens_on(thru),
        grace_ends_on=grace_ends_on(thru),
        can_renew=state in (CertState.RENEWAL_OPEN, CertState.GRACE) and invoice is None,
        invoice_number=invoice,
    )


@pytest.mark.parametrize(
    ("state", "says", "renew_hint"),
    [
        (
            CertState.ACTIVE,
            ["thru 12/31/2026", "Renewal opens 01/01/2026", "12/31/2026, 11:59 PM"],
            False,
        ),
        (CertState.RENEWAL_OPEN, ["Renewal is open now: renew by 12/31/2026, 11:59 PM"], True),
        (CertState.GRACE, ["expired on 12/31/2026", "late fee, until 06/30/2027"], True),
        (CertState.LAPSED, ["lapsed after 06/30/2027", "reinstatement", CONTACT], False),
    ],
)
def test_each_state_in_plain_words(state: CertState, says: list[str], renew_hint: bool) -> None:
    text = deadlines_text([view(state, date(2026, 12, 31))], CONTACT, ENGLISH)
    assert "<b>CPT</b> (ACSM Certified Personal Trainer)" in text
    for part in says:
        assert part in text, text
    assert ("/renew" in text) is renew_hint


def test_an_issued_invoice_is_named_and_no_renewal_is_offered() -> None:
    text = deadlines_text(
        [view(CertState.RENEWAL_OPEN, date(2026, 12, 31), "R123456")], CONTACT, ENGLISH
    )
    assert "Invoice R123456 is issued for this cycle: /invoices." in text
    assert "/renew" not in text


def test_no_certification_on_file() -> None:
    assert deadlines_text([], CONTACT, ENGLISH) == "You hold no ACSM certifications on file."
