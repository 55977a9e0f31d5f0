"""Certificates read end to end: generated PDFs through the adapter (certificates/, a real
process pool) and the parser, and the files that must read as nothing without harm."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date

import pytest
from fpdf import FPDF

from certificates.pdf import pdf_text
from certificates.reader import ProcessCertificateReader, read_file
from domain.certificate_text import CertificateReading
from tests.certificates.make_corpus import LAYOUTS, make_corpus, make_sample

PDF = "application/pdf"


def fields(reading: CertificateReading | None) -> tuple[object, ...] | None:
    if reading is None:
        return None
    return (
        reading.title,
        reading.provider,
        reading.completed_on,
        reading.cecs,
        reading.organization,
    )


def text_pdf(*pages: str, user_password: str | None = None, owner: str | None = None) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        for line in text.splitlines():
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    if owner is not None:
        pdf.set_encryption(owner_password=owner, user_password=user_password)
    return bytes(pdf.output())


CERTIFICATE = (
    "Certificate of Completion\nJane Doe\nhas successfully completed\nCore Stability 101\n"
    "Presented by FitEd Academy\nDate of completion: 03/14/2025\n2 CECs"
)


async def test_every_generated_certificate_is_read_right_through_the_process_pool() -> None:
    corpus = make_corpus(48)
    assert Counter(sample.layout for sample in corpus).keys() == LAYOUTS.keys()
    async with ProcessCertificateReader(workers=2) as reader:
        readings = await asyncio.gather(*(reader.read(s.pdf, PDF) for s in corpus))
    wrong = [
        (sample.name, fields(reading))
        for sample, reading in zip(corpus, readings, strict=True)
        if fields(reading)
        != (
            sample.truth.title,
            sample.truth.provider,
            sample.truth.completed_on,
            sample.truth.cecs,
            sample.truth.organization,
        )
    ]
    assert wrong == []


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_each_layout_is_read_in_process(layout: str) -> None:
    import random

    sample = make_sample(random.Random(layout), 7, layout)
    reading = read_file(sample.pdf, PDF)
    assert reading is not None
    assert reading.completed_on == sample.truth.completed_on
    assert reading.cecs == sample.truth.cecs
    assert reading.title == sample.truth.title
    assert reading.provider == sample.truth.provider
    assert reading.organization is sample.truth.organization


def test_a_password_protected_pdf_reads_as_nothing() -> None:
    locked = text_pdf(CERTIFICATE, owner="owner-secret", user_password="member-secret")
    assert pdf_text(locked) is None
    assert read_file(locked, PDF) is None


def test_a_pdf_only_restricted_by_its_owner_is_read() -> None:
    restricted = text_pdf(CERTIFICATE, owner="owner-secret", user_password="")
    reading = read_file(restricted, PDF)
    assert reading is not None
    assert reading.completed_on == date(2025, 3, 14)


@pytest.mark.parametrize(
    "data",
    [
        text_pdf(CERTIFICATE)[:400],  # truncated
        b"%PDF-1.7\n" + bytes(range(256)) * 20,  # corrupt
        b"",
        b"not a pdf at all",
    ],
    ids=["truncated", "corrupt", "empty", "text"],
)
def test_broken_files_read_as_nothing(data: bytes) -> None:
    assert read_file(data, PDF) is None


def test_a_pdf_without_a_text_layer_reads_as_nothing() -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")  # a scan would be an image: no text to read
    assert read_file(bytes(pdf.output()), PDF) is None


def test_a_broken_photo_reads_as_nothing() -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\x00" * 100
    assert read_file(jpeg, "image/jpeg") is None


def test_only_the_first_pages_are_read() -> None:
    # pages 4 onwards hold another completion date: read, they would make the date unsure
    other = "Date of completion: 01/01/2020"
    data = text_pdf(CERTIFICATE, "", "", *([other] * 200))
    reading = read_file(data, PDF)
    assert reading is not None
    assert reading.completed_on == date(2025, 3, 14)
    everything = read_file(data, PDF, max_pages=500)
    assert everything is not None
    assert everything.completed_on is None


async def test_a_reading_over_the_time_limit_reads_as_nothing_and_the_next_is_read() -> None:
    long_pdf = text_pdf(*([CERTIFICATE] * 400))
    async with ProcessCertificateReader(seconds=0.05, max_pages=1000) as reader:
        assert await reader.read(long_pdf, PDF) is None
        reader.seconds = 10.0
        reading = await reader.read(text_pdf(CERTIFICATE), PDF)
    assert reading is not None
    assert reading.title == "Core Stability 101"


async def test_more_readings_than_workers_queue_and_all_are_read() -> None:
    data = text_pdf(CERTIFICATE)
    async with ProcessCertificateReader(workers=1) as reader:
        readings = await asyncio.gather(*(reader.read(data, PDF) for _ in range(4)))
    assert [r.provider if r else None for r in readings] == ["FitEd Academy"] * 4
