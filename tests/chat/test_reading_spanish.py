"""A member whose Telegram is in Spanish sends a certificate on its own (a text PDF): what
was read is shown in Spanish, line by line (handlers/reading.py), with Guardar, Editar and
Cancelar; Guardar logs it. No English reaches the member after the login, except what the
certificate itself says (its title, provider and amount as printed: never translated)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from storage.orm import LoggedCecRow, ProofFileRow
from tests.chat.conftest import ANN, log_in, press
from tests.chat.spanish import english_leaks, everything_shown
from tests.chat.test_reading import READING, text_pdf
from tests.chat.test_reading import reading_bot as reading_bot  # the fixture
from tests.chat.test_tracker import count, uow_logged

PRINTED = ("Functional Training Basics", "FitEd Academy", "0.2 CEUs")
CERTIFICATE = text_pdf(
    "Certificate of Completion",
    "Jane Doe has successfully completed",
    PRINTED[0],
    f"Provider: {PRINTED[1]}",
    "Date of completion: 03/14/2026",
    PRINTED[2],
)


async def test_a_certificate_read_is_shown_and_saved_in_spanish(reading_bot, emulator) -> None:
    ana = emulator.new_user("Ann", "Lee", language_code="es")
    await log_in(ana, ANN)
    after_login = len(ana.messages)
    await ana.send_document("functional.pdf", CERTIFICATE, "application/pdf")
    review = await ana.next_message(timeout=READING)
    assert review.text.startswith("Esto es lo que leí en el certificado:\n"), review.text
    for line in (
        f"Título: {PRINTED[0]}",
        f"Proveedor: {PRINTED[1]}",
        "Fecha de finalización: 03/14/2026",
        f"CEC: 2 ({PRINTED[2]} según el certificado)",
        "ACSM u otra organización: otra organización",
    ):
        assert f"\n{line}\n" in review.text, (line, review.text)
    assert review.buttons == ["Guardar", "Editar", "Cancelar"]
    await ana.next_message(timeout=15)  # "¿O es el certificado de una actividad…?"
    assert await count(reading_bot, LoggedCecRow) == 0  # nothing before Guardar

    done = await press(ana, "Guardar")
    assert done.text.startswith(
        f"Registrada con su certificado: {PRINTED[0]} ({PRINTED[1]}), 03/14/2026, 2 CEC "
        "(otra organización)."
    ), done.text
    assert review.buttons == []  # the review stays, its buttons gone
    [logged] = await uow_logged(reading_bot, "100001")
    assert (logged.title, logged.provider) == PRINTED[:2]
    assert (logged.completed_on, logged.cecs) == (date(2026, 3, 14), Decimal(2))
    assert logged.proof_id is not None and await count(reading_bot, ProofFileRow) == 1

    leaks = english_leaks(everything_shown(ana.messages[after_login:]), allowed=PRINTED)
    assert leaks == [], leaks
