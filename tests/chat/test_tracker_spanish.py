"""A member whose Telegram is in Spanish keeps the CEC log in Spanish (the contract's
"Languages"): /addcec through every question (a wrong date and a wrong amount re-asked, an
amount in CEUs confirmed, ACSM or another organization, the certificate), an activity ACSM
recorded, one logged twice, a file on its own, /mycecs, an entry's certificate sent back, an
activity deleted, a stale page, leaving for another conversation. No English reaches her after
the login (the login's messages belong to another part and are not checked here); the texts
of the domain's errors shown are the tracker domain's (translated there)."""

from __future__ import annotations

from tests.chat.conftest import ANN, CARA, ask, log_in, press, quiet, shows
from tests.chat.spanish import english_leaks, everything_shown
from tests.chat.test_reading import KETTLEBELL, NUTRITION, READING, text_pdf
from tests.chat.test_reading import reading_bot as reading_bot  # the fixture

PDF = b"%PDF-1.7\n%certificate of completion\n" + bytes(range(256)) * 8
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01" + bytes(range(256)) * 4
SQUATS = "Taller de sentadillas"


async def test_a_spanish_member_logs_lists_and_deletes_activities_in_spanish(bot, emulator) -> None:
    ana = emulator.new_user("Ann", "Lee", language_code="es")
    await log_in(ana, ANN)
    after_login = len(ana.messages)
    seen: list[str] = []  # what an edit replaced since, and the buttons' short answers

    # /addcec, every question; a wrong date and a wrong amount are asked again.
    first = await ask(ana, "/addcec")
    assert first.text == (
        "Registremos una actividad de CEC. ¿Cuál era su título? (/cancel para detenerse)"
    )
    assert (await ask(ana, SQUATS)).text == "¿Quién la impartió (organización o empresa)?"
    assert "¿Cuándo la completó? MM/DD/YYYY" in (await ask(ana, "NSCA")).text
    future = await ask(ana, "12/01/2026")
    assert "12/01/2026 es una fecha futura" in future.text
    assert future.text.endswith("\nEscriba la fecha de nuevo, o /cancel.")
    unreadable = await ask(ana, "el martes")
    assert "No puedo leer esa fecha" in unreadable.text
    assert unreadable.text.endswith("\nEscriba la fecha de nuevo, o /cancel.")
    amount = await ask(ana, "03/15/2026")
    assert amount.text.startswith("¿Cuántos CEC otorgó? (en pasos de 0.5")
    zero = await ask(ana, "0")
    assert "Una actividad otorga al menos 0.5 CEC." in zero.text
    assert zero.text.endswith("\nEscriba los CEC de nuevo, p. ej., 2 o 1.5.")
    confirm = await ask(ana, "0.2 CEUs")
    assert "(1 hora de contacto = 1 CEC; 1 CEU = 10 horas de contacto)" in confirm.text
    assert confirm.text.endswith("¿Registro 2 CEC?")
    assert confirm.buttons == ["Sí, 2 CEC", "No, lo escribo de nuevo"]
    again = await press(ana, "No, lo escribo de nuevo")
    assert again.text.startswith("¿Cuántos CEC otorgó?")
    seen.append(ana.chat.live(confirm.message_id).text)  # "De acuerdo, eso no."
    await ask(ana, "0.2 CEUs")
    organization = await press(ana, "Sí, 2 CEC")
    assert organization.text == "¿Fue una actividad del ACSM o de otra organización?"
    assert organization.buttons == ["ACSM", "Otra organización"]
    proof = await press(ana, "Otra organización")
    assert proof.text == (
        "Último paso: envíe el certificado como foto o PDF (hasta 10 MB), u omítalo."
    )
    assert proof.buttons == ["Omitir el certificado"]
    await ana.send_document("certificado.pdf", PDF, "application/pdf")
    done = await ana.next_message(timeout=15)
    assert done.text == (
        f"Registrada con su certificado: {SQUATS} (NSCA), 03/15/2026, 2 CEC "
        "(otra organización).\n\n/mycecs muestra sus actividades, /cecs las suma."
    )
    assert done.buttons == ["Registrar otra"]

    # An activity ACSM recorded (Workshop 1, 12 CECs on 03/10/2025): counted once.
    await press(ana, "Registrar otra")
    await ask(ana, "workshop 1")
    await ask(ana, "ACSM")
    same = await ask(ana, "2025-03-10")
    assert same.text.startswith("El ACSM ya registró una actividad de ese día")
    assert "• Workshop 1 — ACSM, 03/10/2025, 12 CEC" in same.text
    assert same.buttons == ["La misma actividad: Workshop 1", "Es otra"]
    certificate = await press(ana, "La misma actividad: Workshop 1")
    assert certificate.text.startswith("Envíe su certificado para guardarlo con ella")
    once = await press(ana, "Omitir el certificado")
    assert once.text.startswith(
        "Registrada: workshop 1 (ACSM), 03/10/2025, 12 CEC (ACSM). Es la actividad que "
        "registró el ACSM, contada una sola vez."
    )

    # The same activity logged twice: asked first.
    await ask(ana, "/addcec")
    await ask(ana, "TALLER DE SENTADILLAS")
    await ask(ana, "NSCA")
    await ask(ana, "03/15/2026")
    twin = await ask(ana, "2")
    assert twin.text == (
        f"Ya registró esta actividad: {SQUATS} (NSCA), 03/15/2026, 2 CEC. "
        "¿La registro otra vez (contaría dos veces)?"
    )
    assert twin.buttons == ["Es la misma: no registrarla otra vez", "Es otra: registrarla"]
    await ana.press("Es la misma: no registrarla otra vez")
    kept_once = await shows(ana, lambda m: m.text.startswith("No se registró otra vez"))
    assert f"{SQUATS} figura una sola vez en su registro" in kept_once.text

    # A file on its own, nothing read on it: kept, and offered to an activity logged.
    await ana.send_photo(JPEG)
    unread = await ana.next_message(timeout=15)
    assert unread.text == (
        "No pude leer un certificado en ese archivo. Lo guardo como el certificado de la "
        "actividad que registre ahora."
    )
    assert unread.buttons == ["Agregarlo a una actividad que registré"]
    assert (await ana.next_message()).text.startswith("Registremos una actividad de CEC")
    await ana.press("Agregarlo a una actividad que registré")
    choices = await shows(ana, lambda m: m.text == "¿De qué actividad es este certificado?")
    assert choices.buttons[-1] == "Registrar una actividad nueva con él"
    seen.append("\n".join([choices.text, *choices.buttons]))
    await ana.press(choices.buttons[0])
    attached = await shows(ana, lambda m: m.text.startswith("Certificado guardado con:"))
    assert attached.text.endswith("/mycecs la muestra.")

    # /addcec set aside for another conversation (the renewal), then cancelled.
    await ask(ana, "/addcec")
    left = await ask(ana, "/renew")
    assert left.text == (
        "El registro de esa actividad se detuvo: no se registró nada. /addcec vuelve a empezar."
    )
    assert (await ana.next_message()).text.startswith("Paso 1 de 5")
    await ana.send("/addcec")  # the renewal is set aside in turn (its line is the renewal's)
    while not (await ana.next_message()).text.startswith("Registremos una actividad de CEC"):
        pass
    cancelled = await ask(ana, "/cancel")
    assert cancelled.text == "No se registró nada. /addcec para empezar de nuevo."

    # /mycecs, an entry's certificate sent back, a deletion (asked first), a stale page.
    listing = await ask(ana, "/mycecs")
    assert listing.text.startswith("Mis CEC\n\nCPT — ciclo del 01/01/2024 al 12/31/2026")
    assert "Registrados por el ACSM: 30" in listing.text
    assert "Registrados por usted: 2 (0 del ACSM, 2 de otras)" in listing.text
    assert f"{SQUATS} — NSCA · 2 · otra organización · 📎 certificado" in listing.text
    assert "Total: 32 CEC" in listing.text
    assert listing.buttons[-1] == "Registrar una actividad"
    await ana.press(f"📎 {SQUATS} (2)")
    entry = await shows(ana, lambda m: "📎 Envíeme el certificado" in m.buttons)
    assert entry.buttons == ["📎 Envíeme el certificado", "🗑 Eliminarla", "◀ Volver a la lista"]
    seen.append("\n".join([entry.text, *entry.buttons]))
    await ana.press("📎 Envíeme el certificado")
    sent = await ana.next_message(timeout=15)
    assert sent.text == f"Certificado: {SQUATS}" and emulator.file_bytes(sent.file_id) == PDF
    await ana.press("🗑 Eliminarla")
    asked = await shows(ana, lambda m: m.text.startswith("¿Eliminar esta actividad"))
    assert asked.text.startswith("¿Eliminar esta actividad de su registro?\n")
    assert asked.buttons == ["Sí, eliminarla", "No, conservarla"]
    seen.append("\n".join([asked.text, *asked.buttons]))
    await ana.press("No, conservarla")
    await shows(ana, lambda m: m.message_id == listing.message_id and "Mis CEC" in m.text)
    await ana.press(f"📎 {SQUATS} (2)")
    await shows(ana, lambda m: "🗑 Eliminarla" in m.buttons)
    await ana.press("🗑 Eliminarla")
    await shows(ana, lambda m: m.text.startswith("¿Eliminar esta actividad"))
    await ana.press("Sí, eliminarla")
    deleted = await ana.callback_answer(timeout=15) or ""
    assert deleted == f"Eliminada: {SQUATS}"
    redrawn = await shows(
        ana, lambda m: m.message_id == listing.message_id and SQUATS not in m.text
    )
    assert "Mis CEC" in redrawn.text
    await ana.press_data(listing.message_id, "mc:page:9")
    stale = await ana.callback_answer(timeout=15) or ""
    assert stale == "Su lista cambió: ahora tiene 1 página."
    await quiet(emulator)

    shown = everything_shown(ana.messages[after_login:])
    leaks = english_leaks([*shown, *seen, deleted, stale], allowed=("Ann Lee",))
    assert leaks == [], leaks


async def test_a_spanish_member_logged_out_or_lapsed_is_answered_in_spanish(bot, emulator) -> None:
    cara = emulator.new_user("Cara", "Nguyen", language_code="es")
    assert (await ask(cara, "/addcec")).text == "Primero inicie sesión: /login"
    await log_in(cara, CARA)
    answer = await ask(cara, "/addcec")
    # Why (the tracker domain's sentence), then how to reach ACSM (this chat's).
    why, _, how = answer.text.partition("\n\n")
    assert "12/31/2025" in why
    assert (
        how == "Para restablecer su certificación, comuníquese con el ACSM: certification@acsm.org."
    )
    assert english_leaks([how]) == []


READ = "Esto es lo que leí en el certificado:"


async def test_a_certificate_read_is_saved_or_edited_in_spanish(reading_bot, emulator) -> None:
    ana = emulator.new_user("Ann", "Lee", language_code="es")
    await log_in(ana, ANN)
    after_login = len(ana.messages)
    pdf = text_pdf(
        "Certificate of Completion",
        "Jane Doe has successfully completed",
        "Core Stability 101",
        "Date of completion: 06/01/2023",
        "2 CECs",
    )
    await ana.send_document("core.pdf", pdf, "application/pdf")
    review = await ana.next_message(timeout=READING)
    assert review.text.startswith(READ + "\n")
    assert review.text.endswith(
        "\n\nGuardar la registra con este archivo como su certificado (antes se pregunta lo "
        "que no se leyó). Editar repasa cada respuesta. No se registra nada antes de guardar."
    )
    assert review.buttons == ["Guardar", "Editar", "Cancelar"]
    attach = await ana.next_message(timeout=15)
    assert attach.text == "¿O es el certificado de una actividad que ya registró?"
    assert attach.buttons == ["Agregarlo a una actividad que registré"]
    assert (await press(ana, "Guardar")).text == "¿Quién la impartió (organización o empresa)?"
    refused = await ask(ana, "FitEd Academy")
    assert refused.text.startswith("La fecha de finalización, 06/01/2023: 06/01/2023 está fuera")
    assert refused.text.endswith("\n¿Cuándo la completó? MM/DD/YYYY, YYYY-MM-DD o hoy.")
    organization = await ask(ana, "06/01/2026")
    assert organization.text == "¿Fue una actividad del ACSM o de otra organización?"
    done = await press(ana, "Otra organización")
    assert done.text.startswith(
        "Registrada con su certificado: Core Stability 101 (FitEd Academy), 06/01/2026, 2 CEC "
        "(otra organización)."
    )

    # Edit: every question again, each value read offered as a button.
    await ask(ana, "/addcec")
    await ana.send_document("nutrition.pdf", NUTRITION.pdf, "application/pdf")
    assert (await ana.next_message(timeout=READING)).buttons == ["Guardar", "Editar", "Cancelar"]
    title = await press(ana, "Editar")
    assert title.text == "¿Cuál era su título? (/cancel para detenerse)"
    assert title.buttons == ["Nutrition for Endurance Athletes"]
    going = await shows(ana, lambda m: m.text.startswith("Repasémosla"))
    assert going.text == "Repasémosla: pulse el valor leído o escriba otro."
    await press(ana, "Nutrition for Endurance Athletes")
    await press(ana, "Kinetic Learning Group")
    cecs = await press(ana, "09/02/2025")
    assert cecs.buttons == ["4.5 CEC"]
    organization = await press(ana, "4.5 CEC")
    assert organization.buttons == ["ACSM", "Otra organización (según lo leído)"]
    done = await press(ana, "Otra organización (según lo leído)")
    assert done.text.startswith("Registrada con su certificado: Nutrition for Endurance Athletes")

    # A third file, cancelled from its review.
    await ana.send_document("kettlebell.pdf", KETTLEBELL.pdf, "application/pdf")
    await ana.next_message(timeout=READING)
    await ana.next_message(timeout=15)  # "¿O es el certificado de una actividad…?"
    cancelled = await press(ana, "Cancelar")
    assert cancelled.text == "No se registró nada. /addcec para empezar de nuevo."
    await quiet(emulator)

    titles = ("Core Stability 101", "Nutrition for Endurance Athletes", "Ann Lee")
    shown = everything_shown(ana.messages[after_login:])  # the lines of what was read too
    leaks = english_leaks(shown, allowed=titles)
    assert leaks == [], leaks
