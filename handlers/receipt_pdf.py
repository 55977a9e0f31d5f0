"""The payment receipt as a PDF (fpdf2): the issuer and how to reach it, the member, what was
paid (invoices, the certifications renewed and their new thru dates), when (in ACSM's time
zone, with its abbreviation) and how (Telegram payment, with both charge ids)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from domain.money import format_usd

ISSUER = "American College of Sports Medicine"
PAYMENT_METHOD = "Telegram payment, charged by the payment provider"


@dataclass(frozen=True)
class ReceiptLine:
    number: str
    description: str
    amount_cents: int


@dataclass(frozen=True)
class ReceiptCertification:
    code: str
    name: str
    new_thru: date


@dataclass(frozen=True)
class ReceiptData:
    member_name: str
    acsm_id: str
    lines: Sequence[ReceiptLine]
    paid_at: datetime
    charge_id: str  # Telegram's
    provider_charge_id: str | None = None
    certifications: Sequence[ReceiptCertification] = field(default_factory=list)
    timezone: str = "UTC"  # ACSM_TIMEZONE: the payment time is shown there
    issuer_contact: str = ""  # ACSM_CONTACT

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def local_paid_at(self) -> str:
        """ "11/20/2025 10:00 AM EST": in the receipt's time zone, with its abbreviation."""
        local = self.paid_at.astimezone(ZoneInfo(self.timezone))
        return local.strftime("%m/%d/%Y %I:%M %p %Z")

    def to_json(self) -> dict[str, Any]:
        return {
            "member_name": self.member_name,
            "acsm_id": self.acsm_id,
            "lines": [[line.number, line.description, line.amount_cents] for line in self.lines],
            "paid_at": self.paid_at.isoformat(),
            "charge_id": self.charge_id,
            "provider_charge_id": self.provider_charge_id,
            "certifications": [
                [c.code, c.name, c.new_thru.isoformat()] for c in self.certifications
            ],
            "timezone": self.timezone,
            "issuer_contact": self.issuer_contact,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ReceiptData:
        """Also reads a receipt stored (committed, not yet sent) by an older version."""
        return cls(
            member_name=data["member_name"],
            acsm_id=data["acsm_id"],
            lines=[ReceiptLine(str(n), str(d), int(c)) for n, d, c in data["lines"]],
            paid_at=datetime.fromisoformat(data["paid_at"]),
            charge_id=data["charge_id"],
            provider_charge_id=data.get("provider_charge_id"),
            certifications=[
                ReceiptCertification(str(code), str(name), date.fromisoformat(thru))
                for code, name, thru in data.get("certifications", [])
            ],
            timezone=str(data.get("timezone", "UTC")),
            issuer_contact=str(data.get("issuer_contact", "")),
        )


def _drawable(text: str) -> str:
    """The core PDF fonts draw Latin-1 (fpdf2's default core_fonts_encoding): replace what
    they cannot (a name in another script, a euro sign) with '?'."""
    return text.encode("latin-1", "replace").decode("latin-1")


def _field(pdf: FPDF, label: str, value: str) -> None:
    pdf.cell(45, 7, f"{label}:")
    pdf.multi_cell(0, 7, _drawable(value), new_x="LMARGIN", new_y="NEXT")


def build_receipt(data: ReceiptData) -> bytes:
    pdf = FPDF(format="Letter")
    pdf.set_title("ACSM recertification receipt")
    pdf.set_author(ISSUER)
    pdf.set_creation_date(data.paid_at)  # the same receipt is the same file, whenever built
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.cell(0, 10, f"{ISSUER} (ACSM)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 8, "Receipt - Recertification", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _field(pdf, "Issued by", ISSUER)
    if data.issuer_contact:
        _field(pdf, "Contact", data.issuer_contact)
    _field(pdf, "Member", data.member_name)
    _field(pdf, "ACSM ID", data.acsm_id)
    _field(pdf, "Payment date", data.local_paid_at())
    _field(pdf, "Payment method", PAYMENT_METHOD)
    _field(pdf, "Telegram charge ID", data.charge_id)
    if data.provider_charge_id:
        _field(pdf, "Provider charge ID", data.provider_charge_id)
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
    if data.certifications:
        pdf.ln(14)
        pdf.cell(0, 8, "Certifications renewed", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 12)
        for cert in data.certifications:
            pdf.multi_cell(
                0,
                7,
                _drawable(
                    f"{cert.code} - {cert.name}: valid thru {cert.new_thru.strftime('%m/%d/%Y')}"
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())
