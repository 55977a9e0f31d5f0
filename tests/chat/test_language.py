"""Languages (the contract's "Languages"): a member whose Telegram is in Spanish is answered
in Spanish, /language switches both ways and the choice outlives a restart; the command menu
is set per language; Spanish free text reaches the same answers as English."""

from __future__ import annotations

from sqlalchemy import select

from handlers.menu import HELP
from storage.database import Database
from storage.language_repository import UserLanguageRow
from tests.chat.conftest import ANN, ask, log_in, shows

HELP_ES_START = "Ayudo a los profesionales certificados por el ACSM"


async def kept(database: Database, user_id: int) -> tuple[str, bool] | None:
    async with database.unit_of_work() as uow:
        row = (
            await uow.connection.execute(
                select(UserLanguageRow.language, UserLanguageRow.chosen).where(
                    UserLanguageRow.telegram_user_id == user_id
                )
            )
        ).first()
    return (row.language, row.chosen) if row is not None else None


async def test_a_spanish_telegram_is_answered_in_spanish_and_english_stays_english(
    bot, emulator, database
) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es-MX")
    assert (await ask(ana, "/help")).text.startswith(HELP_ES_START)
    start = await ask(ana, "/start")
    assert "inicie sesión" in start.text and "Iniciar sesión" in start.buttons
    assert await kept(database, ana.id) == ("es", False)  # for reminders and notices
    ann = emulator.new_user("Ann", "Lee", language_code="en")
    assert (await ask(ann, "/help")).text == HELP
    nobody = emulator.new_user("Kim", "Park", language_code=None)  # Telegram gave none
    assert (await ask(nobody, "/help")).text == HELP


async def test_language_switches_both_ways_and_is_remembered_after_a_restart(
    bot, emulator, database
) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es")
    shown = await ask(ana, "/language")
    assert "Idioma: Español" in shown.text
    assert shown.buttons == ["English", "Español"]
    await ana.press("English")  # the /language message becomes the answer
    await shows(ana, lambda m: "in English" in m.text)
    assert await kept(database, ana.id) == ("en", True)
    assert (await ask(ana, "/help")).text == HELP  # chosen beats Telegram's "es"
    await bot.restart()
    assert (await ask(ana, "/help")).text == HELP
    await ask(ana, "/language")
    await ana.press("Español")
    await shows(ana, lambda m: "en español" in m.text)
    assert (await ask(ana, "/help")).text.startswith(HELP_ES_START)
    assert await kept(database, ana.id) == ("es", True)


async def test_the_command_menu_is_set_in_english_and_in_spanish(bot, emulator) -> None:
    english = emulator.commands_menu()
    spanish = emulator.commands_menu(language_code="es")
    assert "language" in english and english == spanish  # the same commands, names kept
    descriptions = {c["command"]: c["description"] for c in emulator.commands[("default", "es")]}
    assert descriptions["cecs"] == "¿Cuántos CEC me faltan?"
    assert descriptions["language"] == "Inglés o español"


async def test_spanish_free_text_reaches_the_same_answers(bot, emulator) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es")
    await log_in(ana, ANN)
    cecs = (await ask(ana, "/cecs")).text
    assert "Le faltan" in cecs and "CEC de 45" in cecs
    for question in ("¿cuántos CECs me faltan?", "cuantos creditos necesito"):
        assert (await ask(ana, question)).text == cecs
    certifications = await ask(ana, "/certifications")
    assert "Mis certificaciones" in certifications.text
    assert any(label.startswith("Renovar ") for label in certifications.buttons)
    assert (await ask(ana, "mis certificaciones")).text == certifications.text
    assert (await ask(ana, "ayuda")).text.startswith(HELP_ES_START)
    menu = await ask(ana, "menú")
    assert menu.buttons == ["Mis certificaciones", "CEC que faltan", "Renovar", "Facturas"]
