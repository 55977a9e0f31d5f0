"""`acsm-bot demo` driven in-process through its terminal chat (a fake stdin): what the
README promises a newcomer can do there."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from pypdf import PdfReader

from bot.demo import run_demo
from bot.settings import Settings


async def demo(tmp_path: Path, lines: list[str]) -> str:
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    await asyncio.wait_for(
        run_demo(settings, database_path=tmp_path / "demo.db", stdin=stdin, stdout=stdout), 90
    )
    return stdout.getvalue()


async def test_the_demo_sends_a_certificate_pdf_and_saves_the_receipt_pdf(tmp_path: Path) -> None:
    certificate = tmp_path / "my certificate.pdf"
    certificate.write_bytes(b"%PDF-1.4\n% a workshop certificate\n")
    lines = [
        "/login",
        "PAR100006",  # Fay Park: her last renewal is paid
        "PAR100006",
        "/addcec",
        "Strength workshop",
        "ACSM",
        "today",
        "2",
        "#1",  # ACSM
        f"/send {certificate}",
        "/invoices",
        "#1",  # Receipt R100006
    ]
    output = await demo(tmp_path, lines)
    folder = (tmp_path / "demo-files").resolve()
    assert f"Files the bot sends are saved in {folder}/" in output
    assert "  (sent my certificate.pdf as a file, application/pdf)" in output
    assert "Logged with its certificate: Strength workshop (ACSM)" in output
    receipt = folder / "ACSM-receipt-R100006.pdf"
    assert f"  saved {receipt}" in output
    data = receipt.read_bytes()
    assert data.startswith(b"%PDF")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    text = " ".join(text.split())
    assert "Fay Park" in text and "R100006" in text
    assert "CPT - ACSM Certified Personal Trainer: valid thru 12/31/" in text
    assert "Provider charge ID: sample-provider-charge-100006" in text
    assert "10:00 AM EST" in text  # paid 15:00 UTC, shown in ACSM_TIMEZONE
