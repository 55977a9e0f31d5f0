"""The payment receipt as a PDF (fpdf2): the issuer and how to reach it, the member, what was
paid (invoices, the certifications renewed and their new thru dates), when (in ACSM's time
zone, with its abbreviation) and how (Telegram payment, with both charge ids)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fpdf import FPDF

from domain.invoices import description_parts
from domain.languages import DEFAULT, parse
from domain.money import format_usd
from i18n import N_, speaker

ISSUER = "American College of Sports Medicine"
PAYMENT_METHOD = N_("Telegram payment, charged by the payment provider")


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
    language: str = "en"  # the member's (domain/languages.py): the receipt is in it

    @property
    def total_cents(self) -> int:
        return sum(line.amount_cents for line in self.lines)

    def local_paid_at(self) -> str:
        """ "11/20/2025 10:00 AM EST" ("11/20/2025 10:00 EST" in Spanish): in the receipt's
        time zone, with its abbreviation."""
        local = self.paid_at.astimezone(ZoneInfo(self.timezone))
        clock = speaker(parse(self.language) or DEFAULT).clock(local)
        return f"{local:%m/%d/%Y} {clock} {local:%Z}"

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
            "language": self.language,
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
            language=str(data.get("language", "en")),
        )


# DejaVu Sans (fonts/LICENSE-DejaVu.txt), embedded: every Spanish letter, any Latin name
FONTS = Path(__file__).parent / "fonts"
FONT = "DejaVuSans"


def _field(pdf: FPDF, label: str, value: str) -> None:
    pdf.cell(45, 7, f"{label}:")
    pdf.multi_cell(0, 7, value, new_x="LMARGIN", new_y="NEXT")


def build_receipt(data: ReceiptData) -> bytes:
    """The receipt in the member's language (`data.language`), drawn with an embedded font."""
    says = speaker(parse(data.language) or DEFAULT)
    pdf = FPDF(format="Letter")
    pdf.add_font(FONT, "", FONTS / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", FONTS / "DejaVuSans-Bold.ttf")
    pdf.set_title(says.gettext("ACSM recertification receipt"))
    pdf.set_author(ISSUER)
    pdf.set_lang(data.language)
    pdf.set_creation_date(data.paid_at)  # the same receipt is the same file, whenever built
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.cell(0, 10, f"{ISSUER} (ACSM)", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 12)
    pdf.cell(0, 8, says.gettext("Receipt - Recertification"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _field(pdf, says.gettext("Issued by"), ISSUER)
    if data.issuer_contact:
        _field(pdf, says.gettext("Contact"), data.issuer_contact)
    _field(pdf, says.gettext("Member"), data.member_name)
    _field(pdf, says.gettext("ACSM ID"), data.acsm_id)
    _field(pdf, says.gettext("Payment date"), data.local_paid_at())
    _field(pdf, says.gettext("Payment method"), says.gettext(PAYMENT_METHOD))
    _field(pdf, says.gettext("Telegram charge ID"), data.charge_id)
    if data.provider_charge_id:
        _field(pdf, says.gettext("Provider charge ID"), data.provider_charge_id)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 12)
    pdf.cell(30, 8, says.gettext("Invoice"), border="B")
    pdf.cell(120, 8, says.gettext("Description"), border="B")
    pdf.cell(0, 8, says.gettext("Amount"), border="B", align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 12)
    for line in data.lines:
        pdf.cell(30, 8, line.number)
        parts = description_parts(line.description)
        pdf.cell(120, 8, says.gettext(parts[0], **parts[1]) if parts else line.description)
        pdf.cell(0, 8, format_usd(line.amount_cents), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.cell(150, 10, says.gettext("Total paid (USD)"), border="T")
    pdf.cell(0, 10, format_usd(data.total_cents), border="T", align="R")
    if data.certifications:
        pdf.ln(14)
        pdf.cell(0, 8, says.gettext("Certifications renewed"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 12)
        for cert in data.certifications:
            pdf.multi_cell(
                0,
                7,
                says.gettext(
                    "{code} - {name}: valid thru {date}",
                    code=cert.code,
                    name=cert.name,
                    date=cert.new_thru.strftime("%m/%d/%Y"),
                ),
                new_x="LMARGIN",
                new_y="NEXT",
            )
    return bytes(pdf.output())
