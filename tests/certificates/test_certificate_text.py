"""The certificate text parser (domain/certificate_text.py) on plain texts: the wordings
certificates use, OCR's glued words, and what it must not invent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.certificate_text import (
    CertificateReading,
    read_amount,
    read_certificate,
    read_date,
)
from domain.tracker import Organization
from tests.certificates.handwritten import HANDWRITTEN, PARTLY_READ
from tests.certificates.make_corpus import DATE_STYLES, render_date

CLASSIC = """CERTIFICATE OF COMPLETION
This certifies that
Jane Doe
has successfully completed
Advanced Kettlebell Training
Presented by FitEd Academy
Date of Completion: 03/14/2025
2.0 CECs
"""


def test_a_classic_certificate_is_read_whole() -> None:
    assert read_certificate(CLASSIC) == CertificateReading(
        title="Advanced Kettlebell Training",
        provider="FitEd Academy",
        completed_on=date(2025, 3, 14),
        cecs=Decimal(2),
        printed_amount=None,
        organization=Organization.OTHER,
    )


@pytest.mark.parametrize("kind", ["Completion", "Attendance", "Achievement"])
def test_the_certificates_kind_is_never_its_title(kind: str) -> None:
    reading = read_certificate(f"Certificate of {kind}\nJane Doe\nMarch 3, 2025")
    assert reading.title is None
    assert reading.completed_on == date(2025, 3, 3)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("Jane Doe has completed Core Stability 101 on May 2, 2025", "Core Stability 101"),
        (
            "Jane Doe\nhas successfully completed the course\n“Pilates for Rehab”\n",
            "Pilates for Rehab",
        ),
        ("Course Title: Sports Nutrition Basics\nProvider: NASM", "Sports Nutrition Basics"),
        ("Program: Youth Fitness Specialist", "Youth Fitness Specialist"),
        ("for completing the webinar\nSleep and Recovery\nSponsored by X", "Sleep and Recovery"),
        ("John Smith has attended\nHIIT Programming\nOffered by FitCo", "HIIT Programming"),
    ],
)
def test_titles_in_the_wordings_certificates_use(text: str, title: str) -> None:
    assert read_certificate(text).title == title


@pytest.mark.parametrize(
    ("text", "provider"),
    [
        ("Presented by FitEd Academy", "FitEd Academy"),
        ("Provider: National Strength Institute", "National Strength Institute"),
        ("offered by Kinetic Learning Group on January 7, 2025", "Kinetic Learning Group"),
        ("Sponsored by The Cooper Institute", "The Cooper Institute"),
        ("Offered by: Coastal PT Education - ACSM Approved Provider #1234", "Coastal PT Education"),
    ],
)
def test_providers_in_the_wordings_certificates_use(text: str, provider: str) -> None:
    assert read_certificate(text).provider == provider


def test_an_acsm_approved_provider_is_another_organization() -> None:
    reading = read_certificate("Provider: FitEd Academy\nACSM Approved Provider #7781")
    assert reading.provider == "FitEd Academy"
    assert reading.organization is Organization.OTHER
    # even when its name is not read, an approved provider is not ACSM itself
    unnamed = read_certificate("Certificate of Completion\nACSM Approved Provider #7781")
    assert unnamed.provider is None
    assert unnamed.organization is Organization.OTHER
    approved = read_certificate(
        "This program is approved for 2 CECs by the American College of Sports Medicine"
    )
    assert approved.organization is Organization.OTHER
    assert approved.cecs == 2
    # ACSM's name as a heading on an approved provider's certificate is not its provider
    heading = read_certificate("American College of Sports Medicine\nACSM Approved Provider #12")
    assert (heading.provider, heading.organization) == (None, Organization.OTHER)


def test_acsms_own_certificate_is_acsm() -> None:
    text = """American College of Sports Medicine
Certificate of Attendance
John Smith
has attended the
ACSM Health & Fitness Summit
Mar. 14, 2025
12.5 CECs awarded"""
    reading = read_certificate(text)
    assert reading.provider == "American College of Sports Medicine"
    assert reading.organization is Organization.ACSM
    assert reading.title == "ACSM Health & Fitness Summit"
    assert reading.cecs == Decimal("12.5")
    assert read_certificate("Presented by ACSM").organization is Organization.ACSM


def test_no_provider_means_no_organization_guessed() -> None:
    assert read_certificate("has completed Kettlebells\n2 CECs").organization is None


def test_glued_ocr_text_is_read() -> None:
    text = (
        "CertificateofAttendance\nJaneDoe\nhassuccessfullycompleted:AdvancedKettlebellTraining\n"
        "Presentedby:Summit Fitness\nDateofcompletion:03/14/2025\nContactHours:2.0"
    )
    assert read_certificate(text) == CertificateReading(
        title="Advanced Kettlebell Training",
        provider="Summit Fitness",
        completed_on=date(2025, 3, 14),
        cecs=Decimal(2),
        organization=Organization.OTHER,
    )


def test_fully_glued_ocr_text_is_read() -> None:
    text = (
        "CertificateofAttendance\nAishaKhanhasattended\nAdvancedKettlebellTraining\n"
        "offeredbyTheCooperInstituteonOct.9,2023\nandisawarded19.0CECsawarded\n"
    )
    reading = read_certificate(text)
    assert reading.title == "Advanced Kettlebell Training"
    assert reading.provider == "The Cooper Institute"
    assert reading.completed_on == date(2023, 10, 9)
    assert reading.cecs == Decimal(19)
    signature = read_certificate("3CECs\n2023-01-17FitEdAcademy\nDateProvider")
    assert (signature.provider, signature.completed_on) == ("Fit Ed Academy", date(2023, 1, 17))


def test_ocr_text_with_some_spaces_lost_is_read() -> None:
    """What the recognizer gives for a photo: spaces kept between some words, not others."""
    text = (
        "Certificate of Achievement\nThiscertifies that\nhas successfully completed\n"
        "AdvancedKettlebell Training\nPresented bySummit FitnessSeminars\n"
        "Date of Completion:08/05/2025\n9.5CECs"
    )
    reading = read_certificate(text)
    assert reading.title == "Advanced Kettlebell Training"
    assert reading.provider == "Summit Fitness Seminars"
    assert (reading.completed_on, reading.cecs) == (date(2025, 8, 5), Decimal("9.5"))
    summit = read_certificate("has attended the\nACSM Health& Fitness Summit\n20 July 2023")
    assert summit.title == "ACSM Health & Fitness Summit"


def test_a_word_ending_like_a_month_is_no_date() -> None:
    assert read_date("Seminar 2, 2025") is None
    assert read_date("heldonOctober16,2023") == date(2023, 10, 16)


@pytest.mark.parametrize(
    ("text", "when"),
    [
        ("Date: 03/14/2025", date(2025, 3, 14)),
        ("2025-03-14", date(2025, 3, 14)),
        ("March 14, 2025", date(2025, 3, 14)),
        ("14 March 2025", date(2025, 3, 14)),
        ("Mar. 14, 2025", date(2025, 3, 14)),
        ("the 14th of March 2025", date(2025, 3, 14)),
        ("14/03/2025", date(2025, 3, 14)),  # the first number cannot be a month
        ("Completed: 04/05/2025", date(2025, 4, 5)),  # US order
        ("Date: 3/14/25", date(2025, 3, 14)),
        ("Phone 555-12-34", None),
        ("Version 1.2.25", None),
    ],
)
def test_date_formats(text: str, when: date | None) -> None:
    assert read_date(text) == when


def test_a_labelled_completion_date_wins_and_other_dates_are_left_out() -> None:
    text = "Issued 01/02/2025\nDate of completion: 12/30/2024\nExpires: 12/30/2026"
    assert read_date(text) == date(2024, 12, 30)
    assert read_date("Webinar March 3, 2025\nExpiration date: March 3, 2027") == date(2025, 3, 3)


def test_two_dates_and_no_label_read_as_none() -> None:
    assert read_date("Held March 3, 2025 and March 10, 2025") is None
    assert read_date("02/30/2025") is None  # no such day


@pytest.mark.parametrize(
    ("text", "cecs", "printed"),
    [
        ("2 CECs", Decimal(2), None),
        ("1.5 contact hours", Decimal("1.5"), None),
        ("Contact Hours: 3.0", Decimal(3), None),
        ("4 credits", Decimal(4), None),
        ("CE Credits: 2.5", Decimal("2.5"), None),
        ("0.2 CEUs", Decimal(2), "0.2 CEUs"),
        ("CEUs awarded: 1.5", Decimal(15), "1.5 CEUs"),
        ("0.25 CEU", Decimal("2.5"), "0.25 CEUs"),
        ("0.3 CEUs (3 contact hours)", Decimal(3), None),  # the hours are plainer
        ("1 CEU", Decimal(10), "1 CEU"),
    ],
)
def test_amounts_in_the_units_certificates_print(
    text: str, cecs: Decimal, printed: str | None
) -> None:
    assert read_amount(text) == (cecs, printed)


@pytest.mark.parametrize(
    "text",
    ["2 CECs and later 3 CECs", "0.33 CEUs", "150 CECs", "0 CECs", "Room 2, 4 floors"],
)
def test_amounts_that_are_unsure_or_break_the_rules_read_as_none(text: str) -> None:
    assert read_amount(text) is None


def test_text_that_is_no_certificate_reads_as_empty() -> None:
    assert read_certificate("Grocery list: eggs, milk, bread").empty
    assert read_certificate("").empty


@pytest.mark.parametrize(("text", "truth"), HANDWRITTEN)
def test_handwritten_certificates(text: str, truth: tuple[object, ...]) -> None:
    reading = read_certificate(text)
    assert (
        reading.title,
        reading.provider,
        reading.completed_on,
        reading.cecs,
        reading.organization,
    ) == truth


@pytest.mark.parametrize(("text", "truth"), PARTLY_READ)
def test_layouts_read_in_part_show_no_wrong_value(text: str, truth: tuple[object, ...]) -> None:
    reading = read_certificate(text)
    read = (reading.title, reading.provider, reading.completed_on, reading.cecs)
    assert read[0] is not None and read[2] is not None  # the title and the date at least
    assert all(value in (None, right) for value, right in zip(read, truth, strict=False))


@given(
    when=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)),
    style=st.sampled_from(DATE_STYLES),
    glued=st.booleans(),
)
def test_any_date_rendered_in_any_format_reads_back_equal(
    when: date, style: str, glued: bool
) -> None:
    text = f"Certificate of Completion\nDate of completion: {render_date(when, style)}\n2 CECs"
    if glued:
        text = text.replace(" ", "")
    assert read_date(text) == when
    assert read_certificate(text).completed_on == when


@given(
    halves=st.integers(min_value=1, max_value=200),
    unit=st.sampled_from(["CECs", "Contact Hours", "credits", "CEUs"]),
    glued=st.booleans(),
)
def test_any_amount_in_any_unit_reads_back_equal(halves: int, unit: str, glued: bool) -> None:
    cecs = Decimal(halves) / 2
    number = cecs / 10 if unit == "CEUs" else cecs
    text = f"Awarded {number:f} {unit}"
    if glued:
        text = text.replace(" ", "")
    read = read_amount(text)
    assert read is not None
    assert read[0] == cecs


@settings(max_examples=300)
@given(st.text(max_size=600) | st.text(alphabet="0123456789/.-, :CEUchrsMay\n", max_size=600))
def test_any_text_reads_without_error_and_within_the_rules(text: str) -> None:
    reading = read_certificate(text)
    if reading.cecs is not None:
        assert Decimal("0.5") <= reading.cecs <= 100
        assert reading.cecs % Decimal("0.5") == 0
    for value in (reading.title, reading.provider):
        assert value is None or 0 < len(value) <= 120


@pytest.mark.parametrize(
    "text",
    ["1" * 20_000, "a " * 10_000, "1/" * 10_000, "has completed " * 2_000, "x\n" * 20_000],
)
def test_long_hostile_texts_are_read_quickly(text: str) -> None:
    assert read_certificate(text).cecs is None
