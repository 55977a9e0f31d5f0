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
import multiprocessing
import resource
import signal
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from types import FrameType

from certificates.pdf import MAX_PAGES, pdf_text
from domain.certificate_text import CertificateReading, read_certificate

PDF = "application/pdf"
GRACE = 5.0  # seconds the event loop waits beyond the worker's own alarm (a worker starting)
AGAIN = 0.05  # the alarm repeats until the reading stops


class ReadingTooLongError(BaseException):
    """A BaseException, as KeyboardInterrupt: pypdf's `except Exception` cannot swallow it."""


def _limit_memory(memory_bytes: int) -> None:
    if memory_bytes > 0 and sys.platform.startswith("linux"):
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _too_long(signum: int, frame: FrameType | None) -> None:
    raise ReadingTooLongError


def read_file(
    data: bytes, media_type: str, max_pages: int = MAX_PAGES
) -> CertificateReading | None:
    """In the calling process: the file's reading, or None. Only PDFs with a text layer
    for now (a photo or a scanned PDF needs OCR, which is next)."""
    if media_type != PDF and not data.startswith(b"%PDF-"):
        return None
    text = pdf_text(data, max_pages)
    if text is None:
        return None
    reading = read_certificate(text)
    return None if reading.empty else reading


def _read_in_worker(
    data: bytes, media_type: str, max_pages: int, seconds: float
) -> CertificateReading | None:
    previous = signal.signal(signal.SIGALRM, _too_long)
    signal.setitimer(signal.ITIMER_REAL, seconds, AGAIN)
    try:
        return read_file(data, media_type, max_pages)
    except (ReadingTooLongError, MemoryError, RecursionError):
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
        memory_bytes: int = 512 * 2**20,
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
