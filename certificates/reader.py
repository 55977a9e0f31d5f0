"""`ProcessCertificateReader`: reads certificates in a separate process pool.

Each reading runs in a worker process (forkserver: nothing of the bot's event loop or threads
is copied into it) with a CPU-time alarm and an address-space limit, so a hostile file
(a PDF that loops, a decompression bomb) costs that worker at most `seconds` and
`memory_bytes`, never the bot. At most `workers` readings at once: the others wait for a
worker without their clock running. A reading over the limit, or a worker that dies, reads
as None (nothing could be read) and the pool is rebuilt.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import resource
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType

from certificates.ocr import photo_text, scanned_pdf_text
from certificates.pdf import MAX_PAGES, pdf_text
from domain.certificate_text import CertificateReading, read_certificate

PDF = "application/pdf"
IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")  # JPEG, PNG: judged by content
NICE = 5  # a worker yields the CPU to the bot's own process
GRACE = 5.0  # seconds the event loop waits beyond the worker's own alarm (a worker starting)
AGAIN = 0.05  # the alarm repeats until the reading stops


class ReadingTooLongError(BaseException):
    """A BaseException, as KeyboardInterrupt: pypdf's `except Exception` cannot swallow it."""


def _limit_memory(memory_bytes: int) -> None:
    """A worker's start: its address-space limit, and a lower priority than the bot's."""
    if memory_bytes > 0 and sys.platform.startswith("linux"):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    with contextlib.suppress(OSError):
        os.nice(NICE)


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
) -> CertificateReading | None:
    _limit_cpu(seconds)
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.setitimer(signal.ITIMER_REAL, seconds, AGAIN)
    try:
        return read_file(data, media_type, max_pages)
    except (ReadingTooLongError, MemoryError, RecursionError):
        return None
    except Exception:  # onnxruntime, OpenCV or PDFium on a hostile file: nothing read
        return None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class ProcessCertificateReader:
    """The `CertificateReader` port on a process pool. `close()` (or `async with`) ends it."""

    def __init__(
        self,
        *,
        workers: int = 1,
        seconds: float = 8.0,
        max_pages: int = MAX_PAGES,
        memory_bytes: int = 2048 * 2**20,
    ) -> None:
        self.workers = workers
        self.seconds = seconds
        self.max_pages = max_pages
        self.memory_bytes = memory_bytes
        self._slots = asyncio.Semaphore(workers)
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_limit_memory,
                initargs=(self.memory_bytes,),
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
                return await asyncio.wait_for(work, self.seconds + GRACE)
            except (TimeoutError, BrokenProcessPool):
                self._rebuild()
                return None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    async def __aenter__(self) -> ProcessCertificateReader:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)
