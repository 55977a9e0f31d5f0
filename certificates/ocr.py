"""The printed text of a photo or a scanned PDF: optical character recognition on the bot's
own machine (rapidocr-onnxruntime: PP-OCR's detection and recognition models, shipped inside
the wheel, run by onnxruntime; nothing is downloaded or sent anywhere).

- A photo: its size is read from the header first and anything over `MAX_PIXELS` is refused
  before decoding (a decompression bomb); the EXIF orientation is applied; a big photo is
  decoded at a reduced scale (JPEG draft mode) and scaled down to `MAX_SIDE` on its longest
  side. A truncated or corrupt file reads as None.
- A scanned PDF (no text layer, or one that says nothing): its first `OCR_PAGES` pages are
  rendered with pypdfium2 at a scale that gives `MAX_SIDE` pixels on the longest side.
- Text lines are rebuilt from the boxes the detector finds: a few degrees of skew (a photo
  taken at an angle) are measured from the boxes themselves and taken out, then boxes are
  grouped into lines top to bottom and each line read left to right. The recognizer knows no
  spaces between words well ("Dateofcompletion:03/14/2025"): domain/certificate_text.py
  reads glued text.

The engine is loaded once per worker process (certificates/reader.py) on its first use.

Memory (docs/performance.md): the detector's intermediate tensors grow with the pixels it is
given (~0.2 GB at 1,024 px on the longest side, ~0.3 GB at 1,280), and onnxruntime allocates
them with malloc (rapidocr turns its own arena off), so glibc's heap keeps what a reading
freed and the next reading's peak climbs on top of it. `tune_malloc()` (one malloc arena)
and `release_memory()` after each reading (malloc_trim) bring the resident size back to the
loaded engine's ~150 MB between readings.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import io
import math
import statistics
import warnings
from collections.abc import Iterator
from typing import Any

MAX_SIDE = 1024  # pixels on the longest side given to the detector (its time and memory grow
# with them: at 1,280 a reading peaked at ~0.5 GB resident, at 1,024 ~0.35-0.45 GB)
MAX_PIXELS = 50_000_000  # a photo larger than this (a 12-megapixel phone photo is 12 M) is refused
OCR_PAGES = 2  # a scanned PDF: the first pages only (a certificate is one page)
MIN_SCORE = 0.5  # recognized text less sure than this is left out

DET_MIN_SIDE = 736  # rapidocr's detector scales an image's shorter side up to this (config.yaml)
M_ARENA_MAX = -8  # glibc's mallopt parameter (malloc.h)

_engine: Any = None


@functools.cache
def _libc() -> Any:
    """glibc, or None on another C library (musl, macOS): then nothing is tuned."""
    name = ctypes.util.find_library("c")  # once: it may run ldconfig
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def tune_malloc() -> None:
    """One malloc arena for the whole process: onnxruntime's threads would otherwise each
    grow an arena of their own (64 MB of address space each) that is never given back."""
    libc = _libc()
    if libc is not None:
        libc.mallopt(M_ARENA_MAX, 1)


def release_memory() -> None:
    """Give the memory freed by a reading back to the system (glibc keeps it otherwise)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def engine() -> Any:
    """The OCR engine of this process (loaded once: ~1 s)."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        threads = {
            f"{part}_{name}": 1
            for part in ("det", "cls", "rec")
            for name in ("intra_op_num_threads", "inter_op_num_threads")
        }
        # One thread each: the worker runs at a lower priority beside the bot, and a second
        # reading gets a worker of its own rather than sharing threads.
        _engine = RapidOCR(print_verbose=False, **threads)
    return _engine


def _open_image(data: bytes) -> Any:
    """A decoded RGB image no larger than MAX_SIDE, upright; None when it cannot be read."""
    from PIL import Image, ImageOps

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
            width, height = opened.size
            if width * height > MAX_PIXELS or width < 16 or height < 16:
                return None  # judged from the header, before anything is decoded
            opened.draft("RGB", (MAX_SIDE, MAX_SIDE))  # JPEG: decoded at 1/2, 1/4 or 1/8
            image = ImageOps.exif_transpose(opened).convert("RGB")
            image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Warning):
        return None  # truncated, corrupt, not an image, or too large
    return image


def pdf_pages(data: bytes, pages: int = OCR_PAGES) -> Iterator[Any]:
    """The first pages of a PDF as images (MAX_SIDE on the longest side); none when the PDF
    cannot be opened."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return
    try:
        for number in range(min(len(document), pages)):
            page = document[number]
            try:
                width, height = page.get_size()
                scale = MAX_SIDE / max(width, height, 1.0)
                bitmap = page.render(scale=scale, grayscale=True)
                yield bitmap.to_pil().convert("RGB")
            finally:
                page.close()
    finally:
        document.close()


def _angle(box: Any) -> float:
    (x0, y0), (x1, y1) = box[0], box[1]
    return math.degrees(math.atan2(y1 - y0, x1 - x0))


def lines_of(found: list[tuple[Any, str, float]]) -> str:
    """The recognized pieces (box, text, score) as lines of text: the page's skew measured
    from the wider boxes and taken out, pieces grouped into lines by their centres."""
    pieces = [(box, text.strip()) for box, text, score in found if score >= MIN_SCORE]
    pieces = [(box, text) for box, text in pieces if text]
    if not pieces:
        return ""
    wide = [_angle(box) for box, _ in pieces if abs(box[1][0] - box[0][0]) > 40]
    skew = math.radians(statistics.median(wide)) if wide else 0.0
    cos, sin = math.cos(-skew), math.sin(-skew)
    placed = []
    for box, text in pieces:
        cx = sum(point[0] for point in box) / 4
        cy = sum(point[1] for point in box) / 4
        height = max(
            math.dist(box[0], box[3]),
            math.dist(box[1], box[2]),
            1.0,
        )
        placed.append((cx * sin + cy * cos, cx * cos - cy * sin, height, text))
    placed.sort()
    lines: list[list[tuple[float, str]]] = []
    last_y, last_h = -1e9, 0.0
    for y, x, height, text in placed:
        if lines and abs(y - last_y) < 0.5 * min(height, last_h):
            lines[-1].append((x, text))
        else:
            lines.append([(x, text)])
            last_y, last_h = y, height
    return "\n".join(" ".join(text for _, text in sorted(line)) for line in lines)


def detector_sized(image: Any) -> Any:
    """The image as the detector gets it, never larger than MAX_SIDE × MAX_SIDE: a smaller
    one scaled up to MAX_SIDE on its longest side, and a short side under DET_MIN_SIDE
    padded with white. Otherwise rapidocr would scale that short side up to DET_MIN_SIDE
    itself, and the long side with it (a 1,024 × 128 strip would become 5,888 × 736 pixels:
    far more memory than a photo)."""
    from PIL import Image

    width, height = image.size
    scale = MAX_SIDE / max(width, height, 1)
    if scale > 1:
        width, height = round(width * scale), round(height * scale)
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    if min(width, height) < DET_MIN_SIDE:
        canvas = Image.new("RGB", (max(width, DET_MIN_SIDE), max(height, DET_MIN_SIDE)), "white")
        canvas.paste(image, (0, 0))
        image = canvas
    return image


def image_text(image: Any) -> str:
    import numpy as np

    pixels = np.asarray(detector_sized(image))[:, :, ::-1].copy()  # RGB → BGR, as OpenCV reads it
    found, _ = engine()(pixels)
    return lines_of([(box, text, float(score)) for box, text, score in found or []])


def photo_text(data: bytes) -> str | None:
    """The printed text of a photo (JPEG, PNG), or None when it cannot be decoded."""
    image = _open_image(data)
    if image is None:
        return None
    return image_text(image) or None


def scanned_pdf_text(data: bytes, pages: int = OCR_PAGES) -> str | None:
    """The printed text of a scanned PDF's first pages, or None."""
    texts = [image_text(page) for page in pdf_pages(data, pages)]
    text = "\n".join(t for t in texts if t)
    return text or None
