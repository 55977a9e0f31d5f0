"""Reading certificates (issue 23): accuracy on the generated corpus and time per certificate.

The corpus is tests/certificates/make_corpus.py's (text PDFs in eight layouts, three fonts,
five date formats, CECs/contact hours/credits/CEUs, OCR-glued labels). Reports:
- the share of certificates whose four fields (title, provider, date completed, CECs) are all
  read right, and with ACSM-or-other as a fifth; each field's share; wrong values shown
  (a value read but different from the truth: worse than None, which the chat asks);
- the hand-written certificate texts of tests/certificates/handwritten.py, all five right;
- the same texts with every space lost (OCR's glued words) or in capitals;
- the reading time per certificate: in process (pypdf text + parsing) and through
  `ProcessCertificateReader` (one worker, the round trip the chat will wait for), p50/p95;
- the event loop's lateness (a 10 ms ticker) while five certificates are read at once.
- photos (12-megapixel phone photos, turned a few degrees, in perspective, blurred, JPEG
  noise, a quarter stored sideways with an EXIF orientation) and scanned PDFs (image only) of
  the first `--photos` certificates, read by OCR through the pool (one worker, as the bot
  runs): the share with the four fields right (titles and providers compared without spaces
  or case: OCR keeps the words, not always the spaces; and exactly), p50/p95 time, and the
  event loop's lateness while they are read;
- for each kind (text PDFs, photos, scans) the worker's peak resident size per reading
  (VmHWM measured in the worker, reset before each reading), against the 500 MB cap.
Run: `make bench` (or python bench/bench_reading.py [--count N] [--photos N]).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from certificates.pdf import pdf_text
from certificates.reader import PDF, ProcessCertificateReader, read_file
from domain.certificate_text import CertificateReading, read_certificate
from tests.certificates.handwritten import HANDWRITTEN
from tests.certificates.make_corpus import Sample, make_corpus, photo_of, scan_of

FIELDS = ("title", "provider", "completed_on", "cecs", "organization")


def right(sample: Sample, reading: CertificateReading | None, field: str) -> bool:
    return reading is not None and getattr(reading, field) == getattr(sample.truth, field)


def wrong(sample: Sample, reading: CertificateReading | None, field: str) -> bool:
    """A value read that is not the truth (None is not wrong: the chat asks it)."""
    return reading is not None and getattr(reading, field) not in (
        None,
        getattr(sample.truth, field),
    )


def same_letters(value: object) -> object:
    return value.replace(" ", "").casefold() if isinstance(value, str) else value


def stressed(corpus: list[Sample]) -> None:
    """The same texts as OCR may give them: every space lost, or all capitals. Titles and
    providers are compared without spaces or case (the glued words cannot be split back
    exactly; the member sees them and can edit)."""
    texts = [(sample, pdf_text(sample.pdf) or "") for sample in corpus]
    for label, change in (
        ("every space lost (glued)", lambda text: text.replace(" ", "")),
        ("ALL CAPITALS", str.upper),
    ):
        good = 0
        for sample, text in texts:
            reading = read_certificate(change(text))
            good += all(
                same_letters(getattr(reading, f)) == same_letters(getattr(sample.truth, f))
                for f in FIELDS
            )
        print(f"  {label:<26} all five right {good / len(texts):6.1%}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def peaks_line(peaks: list[int], cap: int) -> str:
    mb = [p / 2**20 for p in peaks]
    over = sum(p > cap for p in peaks)
    return (
        f"worker's peak resident size per reading: p50 {statistics.median(mb):.0f} MB"
        f"   max {max(mb):.0f} MB   (cap {cap / 2**20:.0f} MB, {over} over)"
    )


async def through_the_pool(corpus: list[Sample]) -> tuple[list[float], list[int], int]:
    times = []
    peaks = []
    async with ProcessCertificateReader(workers=1) as reader:
        await reader.read(corpus[0].pdf, PDF)  # the worker started once, as in the bot
        for sample in corpus:
            started = time.perf_counter()
            await reader.read(sample.pdf, PDF)
            times.append(time.perf_counter() - started)
            peaks.append(reader.last_peak_bytes)
    return times, peaks, reader.memory_bytes


@contextlib.asynccontextmanager
async def lateness() -> AsyncIterator[list[float]]:
    """How late (ms) a 10 ms ticker wakes up while the block runs: the event loop's delay."""
    late: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.01)
            late.append((time.perf_counter() - started - 0.01) * 1000)

    tick = asyncio.create_task(ticker())
    try:
        yield late
    finally:
        done.set()
        await tick


async def loop_lateness(corpus: list[Sample], rounds: int = 4) -> tuple[float, float]:
    """p50/p99 lateness (ms) of a 10 ms ticker while five certificates are read at once."""
    async with ProcessCertificateReader(workers=2) as reader:
        await reader.read(corpus[0].pdf, PDF)
        async with lateness() as late:
            for round_ in range(rounds):
                batch = corpus[round_ * 5 : round_ * 5 + 5]
                await asyncio.gather(*(reader.read(s.pdf, PDF) for s in batch))
    return percentile(late, 0.5), percentile(late, 0.99)


async def ocr_figures(label: str, samples: list[Sample], files: list[bytes], kind: str) -> None:
    """Accuracy and time of photos or scans read one at a time through one worker, and the
    event loop's lateness (a 10 ms ticker) meanwhile."""
    times: list[float] = []
    peaks: list[int] = []
    readings: list[CertificateReading | None] = []
    async with ProcessCertificateReader(workers=1, seconds=60) as reader:
        await reader.read(files[0], kind)  # the worker started and the models loaded once
        peaks.append(reader.last_peak_bytes)  # the first reading: the models' first run
        async with lateness() as late:
            for data in files:
                started = time.perf_counter()
                readings.append(await reader.read(data, kind))
                times.append(time.perf_counter() - started)
                peaks.append(reader.last_peak_bytes)
    pairs = list(zip(samples, readings, strict=True))
    loose = sum(
        r is not None
        and all(
            same_letters(getattr(r, f)) == same_letters(getattr(s.truth, f)) for f in FIELDS[:4]
        )
        for s, r in pairs
    )
    exact = sum(all(right(s, r, f) for f in FIELDS[:4]) for s, r in pairs)
    n = len(samples)
    print(f"{label}: {n}")
    print(f"  four fields right (spaces aside): {loose / n:6.1%}  ({loose}/{n})")
    print(f"  four fields right exactly:        {exact / n:6.1%}  ({exact}/{n})")
    for field in FIELDS:
        good = sum(
            r is not None
            and same_letters(getattr(r, field)) == same_letters(getattr(s.truth, field))
            for s, r in pairs
        )
        bad = sum(wrong(s, r, field) and not right(s, r, field) for s, r in pairs)
        print(f"  {field:<13} right {good / n:6.1%}   other value shown {bad}")
    print(
        f"  time through the pool: p50 {statistics.median(times):5.2f} s"
        f"   p95 {percentile(times, 0.95):5.2f} s   max {max(times):5.2f} s"
    )
    print(
        f"  event loop lateness meanwhile: p50 {percentile(late, 0.5):.1f} ms"
        f"   p99 {percentile(late, 0.99):.1f} ms"
    )
    print(f"  {peaks_line(peaks, reader.memory_bytes)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=240)
    parser.add_argument("--photos", type=int, default=24)
    args = parser.parse_args()
    corpus = make_corpus(args.count)

    readings: list[CertificateReading | None] = []
    in_process: list[float] = []
    for sample in corpus:
        started = time.perf_counter()
        readings.append(read_file(sample.pdf, PDF))
        in_process.append(time.perf_counter() - started)

    pairs = list(zip(corpus, readings, strict=True))
    four = sum(all(right(s, r, f) for f in FIELDS[:4]) for s, r in pairs)
    five = sum(all(right(s, r, f) for f in FIELDS) for s, r in pairs)
    n = len(corpus)
    print(f"certificates (text PDFs, {len({s.layout for s in corpus})} layouts): {n}")
    print(f"  four fields all right:             {four / n:6.1%}  ({four}/{n})")
    print(f"  four fields + ACSM/other all right: {five / n:6.1%}  ({five}/{n})")
    for field in FIELDS:
        good = sum(right(s, r, field) for s, r in pairs)
        bad = sum(wrong(s, r, field) for s, r in pairs)
        print(f"  {field:<13} right {good / n:6.1%}   wrong value shown {bad}")
    for sample, reading in pairs:
        misses = [f for f in FIELDS if not right(sample, reading, f)]
        if misses:
            print(f"    missed {sample.name}: {', '.join(misses)}")

    handwritten = sum(
        (r.title, r.provider, r.completed_on, r.cecs, r.organization) == truth
        for r, truth in ((read_certificate(text), truth) for text, truth in HANDWRITTEN)
    )
    print(
        f"hand-written certificate texts (tests/certificates/handwritten.py), all five right: "
        f"{handwritten}/{len(HANDWRITTEN)}"
    )
    print("the same texts, as OCR may give them:")
    stressed(corpus)

    pool, pool_peaks, cap = asyncio.run(through_the_pool(corpus))
    p50, p99 = asyncio.run(loop_lateness(corpus))
    print("reading time per certificate:")
    print(
        f"  in process (pypdf + parse): p50 {statistics.median(in_process) * 1000:6.1f} ms"
        f"   p95 {percentile(in_process, 0.95) * 1000:6.1f} ms"
    )
    print(
        f"  through the process pool:   p50 {statistics.median(pool) * 1000:6.1f} ms"
        f"   p95 {percentile(pool, 0.95) * 1000:6.1f} ms"
    )
    print(f"  text PDFs' {peaks_line(pool_peaks, cap)}")
    print(f"event loop lateness while 5 are read at once: p50 {p50:.1f} ms   p99 {p99:.1f} ms")

    if args.photos:
        some = corpus[: args.photos]
        started = time.perf_counter()
        photos = [photo_of(sample, megapixels=12) for sample in some]
        scans = [scan_of(sample) for sample in some]
        made = time.perf_counter() - started
        print(f"photos and scans made in {made:.1f} s ({made / (2 * len(some)):.2f} s each)")
        asyncio.run(ocr_figures("photos (12 megapixels, JPEG)", some, photos, "image/jpeg"))
        asyncio.run(ocr_figures("scanned PDFs (image only)", some, scans, PDF))


if __name__ == "__main__":
    main()
