"""A member whose Telegram is in Spanish renews in Spanish (the contract's "Languages"): the
renewal's steps, a wrong number typed, the invoice, /invoices, the Telegram invoice paid with
a provider token, the confirmation and the PDF receipt: from /start to the receipt, no
English sentence (the issue's "done when")."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from tests.chat.conftest import ANN, CARA, EVE, ask, log_in, press, shows
from tests.chat.spanish import english_leaks, everything_shown

NAMES = ("Ann Lee", "ACSM Certified Personal Trainer")  # as ACSM writes them


async def test_a_spanish_member_renews_pays_and_gets_a_spanish_receipt(bot, emulator) -> None:
    ana = emulator.new_user("Ann", "Lee", language_code="es")
    welcome = await ask(ana, "/start")
    assert "inicie sesión" in welcome.text, welcome.text
    await log_in(ana, ANN)
    contact = await ask(ana, "/renew")
    assert "Paso 1 de 5 · Datos de contacto" in contact.text
    assert "¿Son correctos?" in contact.text
    cpr = await press(ana, "Sí, son correctos")
    assert "Paso 2 de 5 · RCP/DEA" in cpr.text and "¿La suya está vigente?" in cpr.text
    acsm = await press(ana, "Sí, está vigente")
    assert "Paso 3 de 5 · CEC del ACSM" in acsm.text and "Necesita 45 CEC en total" in acsm.text
    wrong = await ask(ana, "doce")
    assert "no es un número" in wrong.text and "Escriba un número de CEC" in wrong.text
    other = await ask(ana, "30")
    assert "Paso 4 de 5 · Otras organizaciones" in other.text
    ack = await ask(ana, "15")
    assert "Paso 5 de 5 · Declaración" in ack.text and "Cuota: $45.00" in ack.text
    assert "CEC declarados: 45 de 45 requeridos" in ack.text
    invoice = await press(ana, "☐ Lo declaro")
    assert "Gracias. Su factura:" in invoice.text
    assert "Recertificación hasta el 12/31/2029" in invoice.text
    found = re.search(r"Factura (R\d{6})", invoice.text)
    assert found, invoice.text
    number = found.group(1)
    assert await shows(ana, lambda m: "☑ Lo declaro" in m.buttons)  # the box ticked
    listing = await ask(ana, "/invoices")
    assert "Mis facturas" in listing.text
    assert "Total seleccionado: $45.00" in listing.text
    telegram_invoice = await press(ana, "Añadir al carrito")
    assert telegram_invoice.invoice["title"] == "Recertificación del ACSM"
    assert telegram_invoice.invoice["description"] == f"Facturas {number}"
    # Telegram shows the pre-checkout refusal to the member: in Spanish too.
    tampered = await ana.pay(telegram_invoice, total_amount=100)
    assert not tampered.approved and tampered.answered
    assert tampered.error_message == (
        "El importe cambió: se deben $45.00. Seleccione sus facturas de nuevo, por favor."
    )
    result = await ana.pay(telegram_invoice)
    assert result.approved, result.error_message
    confirmation = await ana.next_message()
    assert "Pago recibido. ¡Gracias!" in confirmation.text
    assert "CPT: ahora vigente hasta el 12/31/2029" in confirmation.text
    receipt = await ana.next_message()
    assert receipt.text == "Su recibo" and receipt.file_id is not None
    twice = await ana.pay(telegram_invoice)
    assert not twice.approved and twice.error_message is not None
    assert twice.error_message.startswith(f"Ya pagadas: {number}.")
    paid = await ask(ana, "/invoices")
    assert "No hay facturas pendientes." in paid.text and f"Recibo {number}" in paid.buttons

    shown = everything_shown(ana.messages)  # from /start: the login's messages too
    leaks = english_leaks([*shown, tampered.error_message, twice.error_message], allowed=NAMES)
    assert leaks == [], leaks

    pdf = PdfReader(io.BytesIO(emulator.file_bytes(receipt.file_id)))
    text = " ".join(pdf.pages[0].extract_text().split())
    for expected in (
        "Recibo - Recertificación",
        "Emitido por: American College of Sports Medicine",
        "Miembro: Ann Lee",
        "Forma de pago: Pago por Telegram, cobrado por el proveedor de pagos",
        f"{number} Recertificación hasta el 12/31/2029 $45.00",
        "Total pagado (USD) $45.00",
        "CPT - ACSM Certified Personal Trainer: vigente hasta el 12/31/2029",
    ):
        assert expected in text, text
    charge_ids = [str(v) for k, v in result.successful_payment.items() if k.endswith("charge_id")]
    issuer = "American College of Sports Medicine"
    assert english_leaks([text], allowed=(*NAMES, issuer, *charge_ids)) == []  # ids are random
    fonts = {
        str(font["/BaseFont"])
        for page in pdf.pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert all("DejaVuSans" in font for font in fonts), fonts  # embedded, not a core font


JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4


async def test_refusals_and_a_newer_cpr_card_are_explained_in_spanish(bot, emulator) -> None:
    eve = emulator.new_user("Eve", "Moss", language_code="es")
    await log_in(eve, EVE)
    after_login = len(eve.messages)
    await ask(eve, "/renew")
    cpr = await press(eve, "Sí, son correctos")
    assert "En nuestros registros: venció el 01/31/2025." in cpr.text
    assert cpr.buttons == ["Sí, está vigente", "No", "Tengo una tarjeta más reciente"]
    refused = await press(eve, "Sí, está vigente")  # the Refusal's template, in Spanish
    assert "Su certificación de RCP/DEA registrada venció el 01/31/2025." in refused.text
    asked = await press(eve, "Tengo una tarjeta más reciente")
    assert "MM/DD/AAAA" in asked.text
    past = await ask(eve, "01/15/2026")
    assert "01/15/2026 ya pasó" in past.text and "Escriba de nuevo la fecha" in past.text
    unreadable = await ask(eve, "next june")
    assert "No puedo leer esa fecha: escríbala como MM/DD/AAAA" in unreadable.text
    card = await ask(eve, "2028-06-30")
    assert "Tarjeta más reciente, vence el 06/30/2028." in card.text
    await eve.send_photo(JPEG)
    kept = await eve.next_message(timeout=15)
    assert "Tarjeta de RCP/DEA guardada (vence el 06/30/2028). Gracias." in kept.text
    assert "Paso 3 de 5" in kept.text
    cancelled = await ask(eve, "/cancel")
    assert cancelled.text.startswith("Renovación cancelada.")
    cara = emulator.new_user("Cara", "Nguyen", language_code="es")
    await log_in(cara, CARA)
    cara_after_login = len(cara.messages)
    lapsed = await ask(cara, "/renew")
    assert lapsed.text.startswith("Esta certificación caducó")
    assert "certification@acsm.org" in lapsed.text  # ACSM_CONTACT, filled in
    shown = everything_shown(eve.messages[after_login:] + cara.messages[cara_after_login:])
    assert english_leaks(shown, allowed=("Eve Moss", "Cara Nguyen")) == []
