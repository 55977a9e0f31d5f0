"""A corpus of certificate PDFs with a text layer, each with its truth; and of photos and
scanned PDFs of the same certificates.

Made with fpdf2 from a seed: several layouts (a centred landscape certificate, a labelled
table, one sentence, ACSM's own certificate of attendance, OCR-glued labels, an approved
provider's certificate with an expiry date and a certificate number to mislead), the three
core fonts, sizes, and the wordings and date formats certificates use. Used by
tests/certificates/test_pdf_reading.py and bench/bench_reading.py.

Photos (`photo_of`): the page rendered with pypdfium2, laid on a darker table, turned a few
degrees, seen in a slight perspective, blurred and saved as a JPEG of middling quality; some
are stored sideways with an EXIF orientation, as phones do. `megapixels=12` makes a phone's
full-size photo. Scanned PDFs (`scan_of`): the page rendered in grey, turned a degree or so,
blurred, and saved as an image-only PDF (no text layer). The same seed gives the same files.

Run `python tests/certificates/make_corpus.py OUT_DIR [--count N]` to look at the files.
"""

from __future__ import annotations

import argparse
import io
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageFilter

from domain.cecs import format_cecs
from domain.tracker import Organization

ACSM = "American College of Sports Medicine"
TITLES = [
    "Advanced Kettlebell Training",
    "Exercise Is Medicine: Prescribing Physical Activity",
    "Nutrition for Endurance Athletes",
    "Functional Movement Screening Level 1",
    "Resistance Training for Older Adults",
    "Behavior Change Coaching Essentials",
    "Cardiac Rehabilitation Update 2025",
    "Youth Strength and Conditioning",
    "Mobility and Flexibility Programming",
    "Group Exercise Leadership",
]
LONG_TITLES = [
    "Exercise Is Medicine: Prescribing Physical Activity for Adults with Chronic Conditions",
    "Strength and Conditioning for the Tactical Athlete: Programming Principles and Practice",
    "Nutrition, Hydration and Recovery Strategies for Youth and Adolescent Athletes",
]
ACSM_TITLES = [
    "ACSM Health & Fitness Summit",
    "ACSM Annual Meeting",
    "ACSM Certified Personal Trainer Workshop",
]
PROVIDERS = [
    "FitEd Academy",
    "National Strength Institute",
    "Kinetic Learning Group",
    "Coastal Physical Therapy Education",
    "Summit Fitness Seminars",
    "The Cooper Institute",
]
NAMES = ["Jane Doe", "John Smith", "Maria Garcia", "Wei Chen", "Aisha Khan", "Tom O'Brien"]
FONTS = ["helvetica", "times", "courier"]
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def render_date(when: date, style: str) -> str:
    """A date as certificates print it: us, iso, long, day_first, short."""
    month = MONTH_NAMES[when.month - 1]
    if style == "us":
        return f"{when.month:02d}/{when.day:02d}/{when.year}"
    if style == "iso":
        return when.isoformat()
    if style == "long":
        return f"{month} {when.day}, {when.year}"
    if style == "day_first":
        return f"{when.day} {month} {when.year}"
    short = month if len(month) <= 4 else f"{month[:3]}."
    return f"{short} {when.day}, {when.year}"


DATE_STYLES = ["us", "iso", "long", "day_first", "short"]


@dataclass(frozen=True)
class Truth:
    title: str
    provider: str
    completed_on: date
    cecs: Decimal
    organization: Organization


@dataclass(frozen=True)
class Sample:
    name: str
    layout: str
    pdf: bytes
    truth: Truth


def amount_text(rng: random.Random, cecs: Decimal, unit: str) -> str:
    if unit == "ceus":
        ceus = cecs / 10
        return f"{ceus:.2f}".rstrip("0").rstrip(".") + " CEUs"
    number = f"{cecs:.1f}" if rng.random() < 0.5 else format_cecs(cecs)
    return f"{number} {unit}"


class Page:
    def __init__(self, rng: random.Random, landscape: bool) -> None:
        self.rng = rng
        self.pdf = FPDF(orientation="L" if landscape else "P", format="letter")
        self.pdf.set_auto_page_break(False)
        self.pdf.add_page()
        self.font = rng.choice(FONTS)
        self.pdf.set_y(rng.randint(18, 35))

    def line(self, text: str, size: int = 14, *, bold: bool = False, align: str = "C") -> None:
        self.pdf.set_font(self.font, "B" if bold else "", size)
        self.pdf.cell(0, size * 0.6, text, new_x="LMARGIN", new_y="NEXT", align=align)
        self.pdf.ln(self.rng.randint(1, 5))

    def bytes(self) -> bytes:
        return bytes(self.pdf.output())


def _classic(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=True)
    page.line(f"Certificate of {rng.choice(['Completion', 'Achievement'])}", 30, bold=True)
    page.line(rng.choice(["This certifies that", "This is to certify that"]), 14)
    page.line(rng.choice(NAMES), 24, bold=True)
    page.line(rng.choice(["has successfully completed", "has completed"]), 14)
    page.line(truth.title, 20, bold=True)
    page.line(f"Presented by {truth.provider}", 14)
    page.line(f"Date of Completion: {when}", 12)
    page.line(amount, 12)
    return page


def _table(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=False)
    page.line("CERTIFICATE OF COMPLETION", 24, bold=True)
    page.line(f"Awarded to: {rng.choice(NAMES)}", 14, align="L")
    page.line(f"{rng.choice(['Course Title', 'Course', 'Program'])}: {truth.title}", 12, align="L")
    page.line(f"{rng.choice(['Provider', 'Offered by'])}: {truth.provider}", 12, align="L")
    page.line(f"{rng.choice(['Date', 'Completion Date', 'Date Completed'])}: {when}", 12, align="L")
    number, unit = amount.split(" ", 1)
    page.line(f"{unit}: {number}", 12, align="L")
    page.line(f"Certificate ID: {rng.randint(10000, 99999)}", 9, align="L")
    return page


def _sentence(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=True)
    page.line("Certificate of Attendance", 28, bold=True)
    page.line(f"{rng.choice(NAMES)} has attended", 14)
    page.line(truth.title, 18, bold=True)
    page.line(f"offered by {truth.provider} on {when}", 12)
    page.line(f"and is awarded {amount}.", 12)
    return page


def _acsm(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=True)
    page.line(ACSM, 22, bold=True)
    page.line("Certificate of Attendance", 26, bold=True)
    page.line(rng.choice(NAMES), 20)
    page.line("has attended the", 12)
    page.line(truth.title, 18, bold=True)
    page.line(when, 12)
    page.line(f"{amount} awarded", 12)
    return page


def _glued(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=False)
    page.line("CertificateofCompletion", 22, bold=True)
    page.line(f"Coursetitle:{truth.title}", 12, align="L")
    page.line(f"Presentedby:{truth.provider}", 12, align="L")
    page.line(f"Dateofcompletion:{when}", 12, align="L")
    number, unit = amount.split(" ", 1)
    page.line(f"{unit.title().replace(' ', '').replace('Ceus', 'CEUs')}:{number}", 12, align="L")
    return page


def _approved(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=True)
    page.line("Certificate of Completion", 28, bold=True)
    page.line(rng.choice(NAMES), 22, bold=True)
    page.line("has successfully completed the course", 13)
    page.line(f'"{truth.title}"', 18, bold=True)
    page.line(f"Completed on {when}", 12)
    page.line(f"Approved for {amount}", 12)
    page.line(f"Provider: {truth.provider}", 11)
    page.line(f"ACSM Approved Provider #{rng.randint(1000, 9999)}", 9)
    expiry = render_date(truth.completed_on + timedelta(days=730), rng.choice(DATE_STYLES))
    page.line(f"Expiration date: {expiry}", 9)
    return page


def _signature(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    """A long title wrapped over two lines; date and provider over a signature line."""
    page = Page(rng, landscape=True)
    page.line("Certificate of Completion", 28, bold=True)
    page.line(f"presented to {rng.choice(NAMES)}", 16)
    page.line("for successfully completing", 12)
    page.pdf.set_font(page.font, "B", 16)
    page.pdf.set_x(60)
    page.pdf.multi_cell(page.pdf.w - 120, 9, truth.title, align="C", new_x="LMARGIN", new_y="NEXT")
    page.pdf.ln(4)
    page.line(amount, 12)
    page.pdf.set_font(page.font, "", 12)
    page.pdf.set_y(page.pdf.h - 50)
    half = (page.pdf.w - 20) / 2
    page.pdf.cell(half, 8, when, align="C")
    page.pdf.cell(half, 8, truth.provider, align="C", new_x="LMARGIN", new_y="NEXT")
    page.pdf.cell(half, 8, "Date", align="C", border="T")
    page.pdf.cell(half, 8, "Provider", align="C", border="T", new_x="LMARGIN", new_y="NEXT")
    return page


def _webinar(rng: random.Random, truth: Truth, when: str, amount: str) -> Page:
    page = Page(rng, landscape=False)
    page.line("Certificate of Achievement", 26, bold=True)
    page.line(f"presented to {rng.choice(NAMES)}", 16)
    page.line("for completing the webinar", 12)
    page.line(truth.title, 15, bold=True)
    page.line(f"Sponsored by {truth.provider}", 12)
    page.line(f"Awarded {when}", 12)
    number, unit = amount.split(" ", 1)
    page.line(f"CE Credits: {number}" if unit == "Credits" else amount, 12)
    return page


LAYOUTS = {
    "classic": _classic,
    "table": _table,
    "sentence": _sentence,
    "acsm": _acsm,
    "glued": _glued,
    "approved": _approved,
    "signature": _signature,
    "webinar": _webinar,
}


def make_sample(rng: random.Random, index: int, layout: str) -> Sample:
    acsm = layout == "acsm"
    completed_on = date(2023, 1, 1) + timedelta(days=rng.randint(0, 1000))
    cecs = Decimal(rng.randint(1, 40)) / 2
    unit = rng.choice(["CECs", "Contact Hours", "ceus", "Credits"]) if not acsm else "CECs"
    if unit == "ceus" and layout == "glued":
        unit = "CECs"
    truth = Truth(
        title=rng.choice(ACSM_TITLES if acsm else LONG_TITLES if layout == "signature" else TITLES),
        provider=ACSM if acsm else rng.choice(PROVIDERS),
        completed_on=completed_on,
        cecs=cecs,
        organization=Organization.ACSM if acsm else Organization.OTHER,
    )
    when = render_date(completed_on, DATE_STYLES[index % len(DATE_STYLES)])
    page = LAYOUTS[layout](rng, truth, when, amount_text(rng, cecs, unit))
    return Sample(f"{index:03d}-{layout}", layout, page.bytes(), truth)


def make_corpus(count: int = 80, seed: int = 23) -> list[Sample]:
    """`count` certificates, the layouts in turn, the same ones for the same seed."""
    rng = random.Random(seed)
    layouts = list(LAYOUTS)
    return [make_sample(rng, index, layouts[index % len(layouts)]) for index in range(count)]


def render(pdf: bytes, long_side: int, *, grey: bool = False) -> Image.Image:
    """The PDF's first page as an RGB image with `long_side` pixels on its longest side."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        width, height = page.get_size()
        bitmap = page.render(scale=long_side / max(width, height), grayscale=grey)
        image: Image.Image = bitmap.to_pil().convert("RGB")
        page.close()
        return image
    finally:
        document.close()


def _perspective(size: tuple[int, int], rng: random.Random, amount: float) -> list[float]:
    """Coefficients of a slight perspective: each corner moved by up to `amount` of a side."""
    width, height = size
    corners = [(0, 0), (width, 0), (width, height), (0, height)]
    moved = [
        (x + rng.uniform(-amount, amount) * width, y + rng.uniform(-amount, amount) * height)
        for x, y in corners
    ]
    rows: list[list[float]] = []
    targets: list[float] = []
    for (x, y), (u, v) in zip(corners, moved, strict=True):
        rows.append([u, v, 1, 0, 0, 0, -x * u, -x * v])
        rows.append([0, 0, 0, u, v, 1, -y * u, -y * v])
        targets += [x, y]
    return _solve(rows, targets)


def _solve(rows: list[list[float]], targets: list[float]) -> list[float]:
    """Gaussian elimination for the 8×8 system of a perspective transform."""
    size = len(rows)
    matrix = [[*row, target] for row, target in zip(rows, targets, strict=True)]
    for col in range(size):
        pivot = max(range(col, size), key=lambda r: abs(matrix[r][col]))
        matrix[col], matrix[pivot] = matrix[pivot], matrix[col]
        for r in range(size):
            if r != col:
                factor = matrix[r][col] / matrix[col][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[col], strict=True)]
    return [matrix[r][size] / matrix[r][r] for r in range(size)]


def photo_of(
    sample: Sample,
    seed: int = 0,
    *,
    megapixels: float | None = None,
    max_degrees: float = 4.0,
    sideways: bool | None = None,
) -> bytes:
    """A phone photo of the certificate (JPEG): turned, in perspective, blurred, noisy."""
    rng = random.Random(f"{seed}:{sample.name}:photo")
    long_side = int((megapixels * 1e6 * 4 / 3) ** 0.5) if megapixels else 1800
    page = render(sample.pdf, int(long_side * 0.86))
    table = (rng.randint(70, 120), rng.randint(60, 100), rng.randint(50, 80))
    width, height = page.size
    margin = int(long_side * 0.07)
    canvas = Image.new("RGB", (width + 2 * margin, height + 2 * margin), table)
    canvas.paste(page, (margin, margin))
    canvas = canvas.rotate(
        rng.uniform(-max_degrees, max_degrees), Image.Resampling.BICUBIC, fillcolor=table
    )
    canvas = canvas.transform(
        canvas.size,
        Image.Transform.PERSPECTIVE,
        _perspective(canvas.size, rng, 0.02),
        Image.Resampling.BICUBIC,
        fillcolor=table,
    )
    canvas = canvas.filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 1.0) * long_side / 1800))
    exif = Image.Exif()
    if (
        sideways if sideways is not None else rng.random() < 0.25
    ):  # stored sideways: the EXIF orientation says how to turn it
        canvas = canvas.transpose(Image.Transpose.ROTATE_90)
        exif[0x0112] = 6
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=rng.randint(55, 80), exif=exif)
    return out.getvalue()


def scan_of(sample: Sample, seed: int = 0) -> bytes:
    """A scanned copy of the certificate: an image-only PDF (no text layer), grey, ~150 dpi,
    turned a degree or so."""
    rng = random.Random(f"{seed}:{sample.name}:scan")
    page = render(sample.pdf, 1650, grey=True).convert("L")
    page = page.rotate(rng.uniform(-1.5, 1.5), Image.Resampling.BICUBIC, fillcolor=255)
    page = page.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 0.7)))
    out = io.BytesIO()
    page.save(out, "PDF", resolution=150.0)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=80)
    parser.add_argument("--photos", action="store_true", help="also a photo and a scan of each")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for sample in make_corpus(args.count):
        (args.out / f"{sample.name}.pdf").write_bytes(sample.pdf)
        if args.photos:
            (args.out / f"{sample.name}-photo.jpg").write_bytes(photo_of(sample))
            (args.out / f"{sample.name}-scan.pdf").write_bytes(scan_of(sample))
        print(sample.name, sample.truth)


if __name__ == "__main__":
    main()
