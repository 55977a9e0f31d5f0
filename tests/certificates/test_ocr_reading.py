"""Photos and scanned PDFs read by OCR (certificates/ocr.py): generated photos (turned a few
degrees, in perspective, blurred, JPEG noise; one stored sideways with an EXIF orientation)
and an image-only PDF, through the process pool; and the files that must read as nothing
without harm (a decompression bomb, a truncated photo)."""

from __future__ import annotations

import asyncio
import io
import struct
import time
import zlib

import pytest
from PIL import Image

from certificates.ocr import DET_MIN_SIDE, MAX_PIXELS, MAX_SIDE, detector_sized, photo_text
from certificates.reader import MEMORY_BYTES, PDF, ProcessCertificateReader, read_file
from domain.certificate_text import CertificateReading
from tests.certificates.make_corpus import Sample, make_corpus, photo_of, scan_of

JPEG = "image/jpeg"


def spaced(text: str | None) -> str | None:
    """OCR keeps the words, not always the spaces between them ("Level1")."""
    return None if text is None else "".join(text.split()).casefold()


def right(reading: CertificateReading | None, sample: Sample) -> bool:
    truth = sample.truth
    return reading is not None and (
        spaced(reading.title),
        spaced(reading.provider),
        reading.completed_on,
        reading.cecs,
        reading.organization,
    ) == (
        spaced(truth.title),
        spaced(truth.provider),
        truth.completed_on,
        truth.cecs,
        truth.organization,
    )


def sample_named(layout: str) -> Sample:
    return next(s for s in make_corpus(16) if s.layout == layout)


async def test_a_photo_turned_and_stored_sideways_is_read_through_the_pool() -> None:
    sample = sample_named("classic")
    photo = photo_of(sample, sideways=True)
    assert Image.open(io.BytesIO(photo)).getexif().get(0x0112) == 6  # EXIF: turn it
    async with ProcessCertificateReader(seconds=30) as reader:
        reading = await reader.read(photo, JPEG)
    assert right(reading, sample), (reading, sample.truth)


async def test_a_scanned_pdf_without_a_text_layer_is_read_through_the_pool() -> None:
    sample = sample_named("table")
    scan = scan_of(sample)
    assert b"/Font" not in scan  # an image only
    async with ProcessCertificateReader(seconds=30) as reader:
        reading = await reader.read(scan, PDF)
    assert right(reading, sample), (reading, sample.truth)


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge image (a decompression bomb's first bytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (width + 1) * 4)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    bomb = png_claiming(60_000, 60_000)  # 3.6 gigapixels in ~200 bytes
    assert MAX_PIXELS < 60_000 * 60_000
    started = time.perf_counter()
    assert photo_text(bomb) is None
    assert read_file(bomb, JPEG) is None
    assert time.perf_counter() - started < 1.0  # judged from the header


def test_a_truncated_photo_reads_as_nothing() -> None:
    photo = photo_of(sample_named("classic"))
    assert read_file(photo[: len(photo) // 3], JPEG) is None
    assert read_file(b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png") is None


@pytest.mark.slow
async def test_most_generated_photos_and_scans_are_read_right() -> None:
    corpus = make_corpus(16)
    photos = [photo_of(sample) for sample in corpus]
    scans = [scan_of(sample) for sample in corpus]
    async with ProcessCertificateReader(workers=2, seconds=30) as reader:
        readings = await asyncio.gather(*(reader.read(f, JPEG) for f in photos + scans))
    photos_right = sum(right(r, s) for r, s in zip(readings[:16], corpus, strict=True))
    scans_right = sum(right(r, s) for r, s in zip(readings[16:], corpus, strict=True))
    assert photos_right >= 13 and scans_right >= 14, (photos_right, scans_right)


async def test_reading_a_12_megapixel_photo_stays_under_the_memory_cap() -> None:
    """Measured in the real worker (its VmHWM during each reading), not assumed: the first
    reading (the models' first run) and a second one, each read (its date and CECs right: the
    memory is measured on a reading that worked) and under 500 MB."""
    samples = make_corpus(16)[:2]
    async with ProcessCertificateReader(seconds=60) as reader:
        assert reader.memory_bytes == MEMORY_BYTES == 500 * 2**20
        for sample in samples:
            reading = await reader.read(photo_of(sample, megapixels=12), JPEG)
            assert reading is not None
            assert (reading.completed_on, reading.cecs) == (
                sample.truth.completed_on,
                sample.truth.cecs,
            )
            assert 100 * 2**20 < reader.last_peak_bytes <= MEMORY_BYTES, reader.last_peak_bytes


async def test_a_reading_over_the_memory_cap_reads_as_nothing_and_the_worker_is_replaced() -> None:
    """A cap below what a photo's reading takes: the reading answers None (the chat asks
    its questions), and the next reading gets a new worker that works."""
    sample = sample_named("classic")
    async with ProcessCertificateReader(seconds=60, memory_bytes=120 * 2**20) as reader:
        assert await reader.read(photo_of(sample), JPEG) is None
        assert reader.last_peak_bytes > 120 * 2**20
        text = await reader.read(sample.pdf, PDF)  # a text PDF stays far under it
    assert text is not None and text.cecs == sample.truth.cecs


def test_the_detector_never_gets_more_than_max_side_squared() -> None:
    """A strip (a receipt, a cropped line) is padded, not scaled up by the detector, and a
    small photo is scaled up to MAX_SIDE: the detector's memory stays that of a photo."""
    assert detector_sized(Image.new("RGB", (1024, 128), "white")).size == (1024, DET_MIN_SIDE)
    assert detector_sized(Image.new("RGB", (64, 1024), "white")).size == (DET_MIN_SIDE, 1024)
    assert detector_sized(Image.new("RGB", (640, 480), "white")).size == (MAX_SIDE, 768)
    assert detector_sized(Image.new("RGB", (20, 5), "white")).size == (MAX_SIDE, DET_MIN_SIDE)
    photo = Image.new("RGB", (MAX_SIDE, 790), "white")
    assert detector_sized(photo) is photo  # a photo or a scan page: as it is
