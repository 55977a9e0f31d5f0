"""A member whose Telegram is in Spanish logs in, forgets the password (a code emailed, in
Spanish, read from a real SMTP server), proves who they are and changes the password with
/password: every message, button and email reads in Spanish, with no English sentence of
the catalog (tests/chat/spanish.py)."""

from __future__ import annotations

from pydantic import SecretStr

from tests.chat.conftest import ANN, SAMPLE_PHONE, ask, log_in, press
from tests.chat.spanish import english_leaks
from tests.smtp import Inbox

ANN_EMAIL = "ann.lee@example.com"
TELEGRAM_PHONE = "13175550100"
OWN_PASSWORD = "una frase de mi propia cosecha"
NEW_PASSWORD = "otra frase bastante larga"
# What is the member's own and reads the same in any language: their name, username, email.
ALLOWED = ("Ann Lee", "Ann", ANN[0], ANN_EMAIL, "a***@e***.com")


def everything_read(user, mail: Inbox) -> list[str]:
    """Every bot message and button of the chat, the reply keyboard, and every email."""
    texts = []
    for message in user.messages:
        texts.append(message.text)
        texts += message.buttons
    texts += [button["text"] for row in user.reply_keyboard for button in row]
    for _, email in mail.received:
        texts += [str(email["Subject"]), email.get_content()]
    return texts


async def test_a_spanish_member_logs_in_resets_proves_and_changes_the_password(
    bot, emulator, mail
) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es", phone_number=TELEGRAM_PHONE)
    # Username, then a wrong password: asked again, in Spanish.
    assert "Su usuario del ACSM" in (await ask(ana, "/login")).text
    prompt = await ask(ana, ANN[0])
    assert "Ahora su contraseña" in prompt.text and prompt.buttons == ["¿Olvidó su contraseña?"]
    wrong = await ask(ana, "not my password")
    assert "Usuario o contraseña incorrectos." in wrong.text and ana.sent[-1].deleted
    assert "Su usuario del ACSM" in wrong.text  # asked again, from the username
    # The right (default) password.
    await ask(ana, ANN[0])
    welcome = await ask(ana, ANN[1])
    assert "¡Bienvenido/a, Ann Lee!" in welcome.text and "contraseña predeterminada" in welcome.text
    assert welcome.buttons == ["Mis certificaciones", "CEC que faltan", "Renovar", "Facturas"]

    # /password after a default login: first prove who you are (the offer, in Spanish).
    refused = await ask(ana, "/password")
    assert "Primero compruebe su identidad" in refused.text
    assert refused.buttons == ["Enviarme un código por correo"]
    share = await ana.next_message()
    assert "Compartir mi número de teléfono" in share.text
    assert [[b["text"] for b in row] for row in ana.reply_keyboard] == [
        ["Compartir mi número de teléfono"]
    ]
    sent = await press(ana, "Enviarme un código por correo")
    assert "Envié un código de 6 dígitos a a***@e***.com" in sent.text
    assert sent.buttons == ["Enviar un código nuevo"]
    [proof_email] = mail.to(ANN_EMAIL)
    assert proof_email["Subject"] == "Su código del bot de recertificación del ACSM"
    assert "para comprobar que es usted en el chat" in proof_email.get_content()
    code = mail.last_code(ANN_EMAIL)
    wrong_code = f"{(int(code) + 1) % 1_000_000:06d}"
    assert "Le quedan 4 intentos." in (await ask(ana, wrong_code)).text
    assert "Escriba los 6 dígitos" in (await ask(ana, "doce")).text
    assert "ha comprobado su identidad" in (await ask(ana, code)).text

    # /password: the current password, then the new one typed twice.
    choose = await ask(ana, "/password")
    assert "¿Qué desea cambiar?" in choose.text
    assert choose.buttons == ["Mi contraseña", "Mi usuario"]
    assert "contraseña actual" in (await press(ana, "Mi contraseña")).text
    assert "nueva contraseña" in (await ask(ana, ANN[1])).text
    short = await ask(ana, "corta")
    assert "Use al menos 10 caracteres" in short.text and "Escriba otra" in short.text
    assert "misma contraseña nueva" in (await ask(ana, OWN_PASSWORD)).text
    assert "no coinciden" in (await ask(ana, OWN_PASSWORD + "!")).text
    await ask(ana, OWN_PASSWORD)
    changed = await ask(ana, OWN_PASSWORD)
    assert "Su contraseña ha cambiado." in changed.text and ana.sent[-1].deleted
    assert "Ha cerrado sesión." in (await ask(ana, "/logout")).text

    # "Forgot password?": a code by email (in Spanish), then the new password typed twice.
    await ask(ana, "/login")
    await ask(ana, ANN[0])
    emailed = await press(ana, "¿Olvidó su contraseña?")
    assert "acabo de enviar un código de 6 dígitos" in emailed.text
    reset_email = mail.to(ANN_EMAIL)[-1]
    assert "para establecer una nueva contraseña" in reset_email.get_content()
    accepted = await ask(ana, mail.last_code(ANN_EMAIL))
    assert "Código aceptado" in accepted.text
    await ask(ana, NEW_PASSWORD)
    done = await ask(ana, NEW_PASSWORD)
    assert "Su nueva contraseña está establecida, Ann Lee" in done.text
    assert done.buttons == ["Mis certificaciones", "CEC que faltan", "Renovar", "Facturas"]
    await ask(ana, "/logout")
    assert "¡Bienvenido/a, Ann Lee!" in (await log_in(ana, (ANN[0], NEW_PASSWORD))).text

    assert len(mail.received) == 2
    assert english_leaks(everything_read(ana, mail), allowed=ALLOWED) == []


async def test_a_failed_email_is_told_in_spanish(bot, emulator) -> None:
    """The notice that the code's email failed is sent after the turn: in the member's
    language all the same."""
    bot.settings = bot.settings.model_copy(
        update={"smtp_url": SecretStr("smtp://127.0.0.1:9"), "mail_from": "bot@acsm.example"}
    )
    await bot.restart()
    ana = emulator.new_user("Ana", "Lee", language_code="es")
    await ask(ana, "/login")
    await ask(ana, ANN[0])
    await press(ana, "¿Olvidó su contraseña?")
    told = await ana.next_message(timeout=15)
    assert "el correo con su código no se pudo enviar" in told.text
    assert english_leaks(m.text for m in ana.messages) == []


async def test_a_spanish_member_s_slips_at_login_are_answered_in_spanish(
    bot, emulator, mail
) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es")
    assert "No había iniciado sesión." in (await ask(ana, "/logout")).text
    assert "Primero inicie sesión" in (await ask(ana, "/password")).text
    # `/login USERNAME PASSWORD` and a username with a space: deleted, asked one at a time.
    deleted = await ask(ana, f"/login {ANN[0]} {ANN[1]}")
    assert "Eliminé ese mensaje" in deleted.text and ana.sent[-1].deleted
    await ana.next_message()  # the username question
    spaced = await ask(ana, f"{ANN[0]} {ANN[1]}")
    assert "Los usuarios no llevan espacios" in spaced.text and ana.sent[-1].deleted
    assert "Inicio de sesión cancelado." in (await ask(ana, "/cancel")).text
    # Five wrong passwords lock the account: said in Spanish, with "Forgot password?".
    for _ in range(5):
        await ask(ana, "/login")
        await ask(ana, ANN[0])
        locked = await ask(ana, "not-the-password")
    assert "Demasiados intentos fallidos" in locked.text
    assert "pulse «¿Olvidó su contraseña?»" in locked.text
    assert "¿Necesita ayuda? Comuníquese con el ACSM" in locked.text
    assert english_leaks((m.text for m in ana.messages), allowed=ALLOWED) == []


async def test_a_spanish_member_s_phone_proof_and_edits_are_answered_in_spanish(
    bot, emulator, mail
) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es", phone_number=TELEGRAM_PHONE)
    mallory = emulator.new_user("Mallory", phone_number="+1 317 555 0142")
    # An edited message at the login's password step: deleted (it may hold a password).
    await ask(ana, "/login")
    typed = await ana.send(ANN[0])
    await ana.next_message()
    await ana.edit(typed.message_id, "LEE100002")
    edited = await ana.next_message(timeout=15)
    assert "Solo leo mensajes nuevos" in edited.text and "La eliminé" in edited.text
    await ask(ana, "/cancel")
    await log_in(ana, ANN)
    # The phone-number proof: someone else's contact, then a number not on file, then hers.
    await ask(ana, "/password")
    await ana.next_message()
    await ana.share_contact(SAMPLE_PHONE, first_name="Mallory", user_id=mallory.id)
    assert "Ese no es su propio contacto" in (await ana.next_message()).text
    await ana.share_contact("+1 317 555 0199")
    other = await ana.next_message()
    assert "no es el que el ACSM tiene registrado" in other.text
    assert "Pulse «Enviarme un código por correo» arriba" in other.text
    await ask(ana, "/password")
    await ana.next_message()
    await ana.press_keyboard("Compartir mi número de teléfono")
    assert "ha comprobado su identidad" in (await ana.next_message()).text
    assert (
        "Ya ha comprobado su identidad." in (await press(ana, "Enviarme un código por correo")).text
    )
    # Now proven: her own username, a bad one first.
    await ask(ana, "/password")
    assert "usuario que desea" in (await press(ana, "Mi usuario")).text
    bad = await ask(ana, "ab")
    assert "Use de 3 a 32 caracteres" in bad.text and "Escriba otro, o /cancel." in bad.text
    done = await ask(ana, "ana.lee")
    assert "Listo: ahora puede iniciar sesión como ana.lee" in done.text
    assert english_leaks((m.text for m in ana.messages), allowed=ALLOWED) == []
