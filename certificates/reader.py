"""`ProcessCertificateReader`: reads certificates in a separate process pool.

Each reading runs in a worker process (forkserver: nothing of the bot's event loop or threads
is copied into it) with a CPU-time alarm, so a hostile file (a PDF that loops, a
decompression bomb) costs that worker at most `seconds`, never the bot. At most `workers`
readings at once: the others wait for a worker without their clock running. A reading over
a limit, or a worker that dies, reads as None (nothing could be read: the chat asks its
questions) and the pool is rebuilt.

Memory: each reading's peak resident size (the worker's VmHWM, reset before the reading) is
measured in the worker; a reading that peaked over `memory_bytes` (500 MB) reads as None
and its worker is replaced, so that no worker keeps what it grew to. Linux has no limit on
resident memory a process can set on itself (RLIMIT_RSS is ignored), and the address-space
and data limits count memory that is reserved or still mapped but not resident (a worker
holding 150 MB had 350-530 MB of data segment and ~0.8 GB of address space), so a 500 MB
rlimit would fail readings that stay far under 500 MB resident. `address_space_bytes` (2 GB,
RLIMIT_AS) stays as the hard stop that a runaway allocation meets before it can harm the
machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import resource
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType

from certificates.ocr import photo_text, release_memory, scanned_pdf_text, tune_malloc
from certificates.pdf import MAX_PAGES, pdf_text
from domain.certificate_text import CertificateReading, read_certificate

PDF = "application/pdf"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG: judged by content
NICE = 19  # a worker yields the CPU to the bot's own process (and to anything else)
GRACE = 5.0  # seconds the event loop waits beyond the worker's own alarm (a worker starting)
AGAIN = 0.05  # the alarm repeats until the reading stops
MEMORY_BYTES = 500 * 2**20  # a reading's peak resident size over this: unreadable, worker replaced
ADDRESS_SPACE_BYTES = 2048 * 2**20  # the worker's hard address-space limit (RLIMIT_AS)
ONE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")  # numpy's BLAS, OpenCV: no pools

logger = logging.getLogger(__name__)


class ReadingTooLongError(BaseException):
    """A BaseException, as KeyboardInterrupt: pypdf's `except Exception` cannot swallow it."""


def _limit_memory(address_space_bytes: int) -> None:
    """A worker's start: its address-space limit, one malloc arena and one thread for the
    libraries that would start pools of their own (each thread's stack and buffers cost
    memory), and a lower priority than the bot's."""
    for name in ONE_THREAD:
        os.environ.setdefault(name, "1")  # read when numpy or OpenCV is first loaded
    tune_malloc()
    if address_space_bytes > 0 and sys.platform.startswith("linux"):
        resource.setrlimit(resource.RLIMIT_AS, (address_space_bytes, address_space_bytes))
    with contextlib.suppress(OSError):
        os.nice(NICE)


def _reset_peak() -> None:
    """Start the measure of resident size anew (Linux: VmHWM back to the current size)."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_resident_bytes() -> int:
    """This process's peak resident size since `_reset_peak()` (or since it started)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux: kB


def _limit_cpu(seconds: float) -> None:
    """Stuck inside native code (PDFium, onnxruntime), the alarm cannot stop a reading: the
    CPU-time limit kills the worker instead (the pool is rebuilt)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    used = usage.ru_utime + usage.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = int(used + 3 * seconds) + 1
    if hard == resource.RLIM_INFINITY or soft <= hard:
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _too_long(signum: int, frame: FrameType | None) -> None:
    raise ReadingTooLongError


def read_file(
    data: bytes, media_type: str, max_pages: int = MAX_PAGES
) -> CertificateReading | None:
    """In the calling process: the file's reading, or None. A PDF's text layer; a PDF
    without one (or whose text says nothing) is a scan, read by OCR; a JPEG or PNG photo is
    read by OCR. The kind is judged by the content, `media_type` only as a hint."""
    if data.startswith(b"%PDF-") or (media_type == PDF and not data.startswith(IMAGE_MAGIC)):
        text = pdf_text(data, max_pages)
        reading = read_certificate(text) if text is not None else None
        if reading is None or reading.empty:
            scanned = scanned_pdf_text(data)
            reading = read_certificate(scanned) if scanned is not None else None
    elif data.startswith(IMAGE_MAGIC):
        text = photo_text(data)
        reading = read_certificate(text) if text is not None else None
    else:
        return None
    return None if reading is None or reading.empty else reading


def _read_in_worker(
    data: bytes, media_type: str, max_pages: int, seconds: float
) -> tuple[CertificateReading | None, int]:
    """The reading, and the worker's peak resident size (bytes) while it was made."""
    _limit_cpu(seconds)
    _reset_peak()
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.setitimer(signal.ITIMER_REAL, seconds, AGAIN)
    reading: CertificateReading | None = None
    try:
        reading = read_file(data, media_type, max_pages)
    except (ReadingTooLongError, MemoryError, RecursionError):
        reading = None
    except Exception:  # onnxruntime, OpenCV or PDFium on a hostile file: nothing read
        reading = None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    peak = peak_resident_bytes()
    release_memory()
    return reading, peak


class ProcessCertificateReader:
    """The `CertificateReader` port on a process pool. `close()` (or `async with`) ends it.
    `memory_bytes`: a reading whose worker peaked over it reads as None (0: no check);
    `last_peak_bytes` / `max_peak_bytes`: the peaks measured (the bench prints them)."""

    def __init__(
        self,
        *,
        workers: int = 1,
        seconds: float = 8.0,
        max_pages: int = MAX_PAGES,
        memory_bytes: int = MEMORY_BYTES,
        address_space_bytes: int = ADDRESS_SPACE_BYTES,
    ) -> None:
        self.workers = workers
        self.seconds = seconds
        self.max_pages = max_pages
        self.memory_bytes = memory_bytes
        self.address_space_bytes = address_space_bytes
        self.last_peak_bytes = 0
        self.max_peak_bytes = 0
        self._slots = asyncio.Semaphore(workers)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_limit_memory,
                initargs=(self.address_space_bytes,),
            )
        return self._pool

    def _rebuild(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def read(self, data: bytes, media_type: str) -> CertificateReading | None:
        async with self._slots:
            loop = asyncio.get_running_loop()
            work = loop.run_in_executor(
                self._executor(), _read_in_worker, data, media_type, self.max_pages, self.seconds
            )
            try:
                reading, peak = await asyncio.wait_for(work, self.seconds + GRACE)
            except (TimeoutError, BrokenProcessPool):
                self._rebuild()
                return None
            self.last_peak_bytes = peak
            self.max_peak_bytes = max(self.max_peak_bytes, peak)
            if self.memory_bytes and peak > self.memory_bytes:
                logger.warning(
                    "a certificate's reading took %d MB (over %d MB): read as nothing, "
                    "worker replaced",
                    peak // 2**20,
                    self.memory_bytes // 2**20,
                )
                self._rebuild()
                return None
            return reading

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def __aenter__(self) -> ProcessCertificateReader:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)
