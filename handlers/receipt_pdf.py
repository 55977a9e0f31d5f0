"""The payment receipt as a PDF (fpdf2)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fpdf import FPDF

from domain.money import format_usd


@dataclass(frozen=True)
class ReceiptLine:
    number: str
    description: str
    amount_cents: int


@dataclass(frozen=True)
class ReceiptData:
    member_name: str
    acsm_id: str
    lines: Sequence[ReceiptLine]
    paid_at: datetime
    charge_id: str

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "member_name": self.member_name,
            "acsm_id": self.acsm_id,
            "lines": [[line.number, line.description, line.amount_cents] for line in self.lines],
            "paid_at": self.paid_at.isoformat(),
            "charge_id": self.charge_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReceiptData:
        return cls(
            member_name=data["member_name"],
            acsm_id=data["acsm_id"],
            lines=[ReceiptLine(str(n), str(d), int(c)) for n, d, c in data["lines"]],
            paid_at=datetime.fromisoformat(data["paid_at"]),
            charge_id=data["charge_id"],
        )


def _drawable(text: str) -> str:
    """The core PDF fonts draw Latin-1 (fpdf2's default core_fonts_encoding): replace what
    they cannot (a name in another script, a euro sign) with '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def build_receipt(data: ReceiptData) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_title("ACSM recertification receipt")
    pdf.set_author("American College of Sports Medicine")
    pdf.set_creation_date(data.paid_at)  # the same receipt is the same file, whenever built
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, "American College of Sports Medicine (ACSM)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, "Receipt - Recertification", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for label, value in (
        ("Member", data.member_name),
        ("ACSM ID", data.acsm_id),
        ("Payment date", data.paid_at.strftime("%m/%d/%Y %H:%M UTC")),
        ("Charge ID", data.charge_id),
    ):
        pdf.cell(40, 7, f"{label}:")
        pdf.cell(0, 7, _drawable(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(30, 8, "Invoice", border="B")
    pdf.cell(120, 8, "Description", border="B")
    pdf.cell(0, 8, "Amount", border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    for line in data.lines:
        pdf.cell(30, 8, _drawable(line.number))
        pdf.cell(120, 8, _drawable(line.description))
        pdf.cell(0, 8, format_usd(line.amount_cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(150, 10, "Total paid (USD)", border="T")
    pdf.cell(0, 10, format_usd(data.total_cents), border="T", align="R")
    return bytes(pdf.output())
