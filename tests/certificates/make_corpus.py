"""A corpus of certificate PDFs with a text layer, each with its truth.

Made with fpdf2 from a seed: several layouts (a centred landscape certificate, a labelled
table, one sentence, ACSM's own certificate of attendance, OCR-glued labels, an approved
provider's certificate with an expiry date and a certificate number to mislead), the three
core fonts, sizes, and the wordings and date formats certificates use. Used by
tests/certificates/test_pdf_reading.py and bench/bench_reading.py.

Run `python tests/certificates/make_corpus.py OUT_DIR [--count N]` to look at the files.
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=80)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for sample in make_corpus(args.count):
        (args.out / f"{sample.name}.pdf").write_bytes(sample.pdf)
        print(sample.name, sample.truth)


if __name__ == "__main__":
    main()
