"""What the bot sends on its own, in the recipient's kept language (the contract's
"Languages"): a member whose Telegram is in Spanish gets the reminder, the audit selection
notice and the verdict notices in Spanish, while an English member of the same run gets
English; /audit, /certifications, /cecs and the free-text answer read no English."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot import audits as staff
from bot.verdicts import schedule_verdict_notices
from domain.audits import Verdict
from domain.clock import FixedClock
from domain.services.audits import decide_audit_now
from tests.chat.conftest import ANN, ChatBot, log_in, quiet
from tests.chat.spanish import english_leaks
from tests.chat.test_audit import PNG, _token, pay_renewal
from tests.chat.test_reminders import at, members_with_chats, sender_of

REASON = "The scan is blurry"  # staff's own words: quoted as written


def after(user: Any, since: int) -> list[str]:
    """Every text and button label the bot sent `user` after message `since`."""
    texts: list[str] = []
    for message in user.messages:
        if message.message_id > since:
            texts += [message.text, *message.buttons]
    return texts


def mark(user: Any) -> int:
    return max((m.message_id for m in user.messages), default=0)


async def reply(user: Any, text: str) -> Any:
    """Send `text`; the bot's first message after it."""
    since = mark(user)
    await user.send(text)
    return await user.wait_for(lambda m: m.message_id > since, timeout=15)


async def test_a_spanish_member_is_reminded_in_spanish_an_english_one_in_english(
    bot: ChatBot, clock: FixedClock
) -> None:
    clock.set(at(date(2025, 12, 20)))
    ana = bot.emulator.new_user("Ana", "Lee", language_code="es")
    await log_in(ana, ANN)
    since = mark(ana)
    shown = await reply(ana, "/reminders")
    assert "Los recordatorios están" in shown.text
    assert shown.buttons == ["Desactivar recordatorios"]
    (english,) = await members_with_chats(bot.emulator, bot.database, 1)
    clock.set(at(date(2026, 12, 1)))
    counts = await sender_of(bot).run()
    assert counts.line() == "sent 2, skipped 0, failed 0"
    reminder = await ana.wait_for(lambda m: "Recordatorio de recertificación" in m.text)
    assert "12/31/2026, 11:59 PM, hora del Este" in reminder.text
    assert "Todavía le faltan <b>15</b> CEC de 45." in reminder.text or (
        "Todavía le faltan 15 CEC de 45." in reminder.text
    )
    assert "Cuota: $45.00." in reminder.text
    assert reminder.buttons == ["Registrar una actividad", "Renovar ahora"]
    told = await english.wait_for(lambda m: "Recertification reminder" in m.text)
    assert "Fee: $45.00." in told.text and told.buttons == ["Log an activity", "Renew now"]
    await quiet(bot.emulator)
    assert english_leaks(after(ana, since)) == []


async def test_a_spanish_member_is_told_of_the_audit_and_its_verdicts_in_spanish(
    bot: ChatBot, emulator: Any
) -> None:
    ana = emulator.new_user("Ana", "Lee", language_code="es")
    await log_in(ana, ANN)
    since = mark(ana)
    await pay_renewal(bot, "100001", "R000001")
    settings = bot.settings.model_copy(update={"telegram_bot_token": _token(emulator)})
    factory = bot.database.unit_of_work
    _, told, failed = await staff.select(settings, factory, bot.rules, 2026, 100, 7)
    assert (told, failed) == (1, 0)
    notice = await ana.wait_for(lambda m: "auditoría aleatoria" in m.text, timeout=15)
    assert "<b>12/28/2026</b>" in notice.text or "12/28/2026" in notice.text
    assert notice.buttons == ["Abrir mi auditoría"]

    await ana.press("Abrir mi auditoría")
    view = await ana.wait_for(lambda m: "Auditoría de su renovación" in m.text, timeout=15)
    assert "Declaró 30 CEC del ACSM y 15 de otras organizaciones." in view.text
    assert "Enviar" in view.buttons
    await ana.send_photo(PNG)
    await ana.wait_for(lambda m: m.text.startswith("Certificado agregado"), timeout=15)
    await ana.press("Enviar")
    short = await ana.wait_for(lambda m: "no están cubiertos" in m.text, timeout=15)
    label = next(b for b in short.buttons if b.startswith("Enviar con"))
    await ana.press(label)
    await ana.wait_for(lambda m: "fue enviada" in m.text, timeout=15)

    application = bot._polling.application
    schedule_verdict_notices(application, factory, bot.rules, every=timedelta(seconds=0.2))
    await decide_audit_now(factory, bot.rules, "100001", Verdict.REJECT, REASON)
    rejected = await ana.wait_for(lambda m: "no pudo aceptar" in m.text, timeout=15)
    assert f"Motivo: {REASON}" in rejected.text and "12/28/2026" in rejected.text
    await decide_audit_now(factory, bot.rules, "100001", Verdict.ACCEPT, None)
    await ana.wait_for(lambda m: "<b>aceptó</b>" in m.text or "y aceptó" in m.text, timeout=15)

    view = await reply(ana, "/audit")
    assert "aceptada por el ACSM" in view.text
    assert "Mis certificaciones" in (await reply(ana, "/certifications")).text
    cecs = (await reply(ana, "/cecs")).text
    assert (await reply(ana, "¿cuántos CECs me faltan?")).text == cecs
    await quiet(emulator)
    assert english_leaks(after(ana, since), allowed=[REASON]) == []


async def test_the_demo_can_make_you_a_spanish_member(tmp_path: Any) -> None:
    """`acsm-bot demo --language es`: the terminal member's Telegram is in Spanish."""
    import asyncio
    import io
    from datetime import UTC, datetime

    import pytest

    from bot.demo import run_demo
    from bot.settings import Settings
    from domain.catalog import Catalog
    from domain.reminders import due_step
    from tests.chat.test_reminders import NY

    today = datetime.now(UTC).astimezone(NY).date()
    if due_step(date(today.year, 12, 31), Catalog.default().reminders, today) is None:
        pytest.skip("Jan 1: the demo's renewal-open member has no reminder due yet")
    lines = ["/login", "LEE100001", "LEE100001", "/remindnow", "/help"]
    stdin = io.StringIO("".join(line + "\n" for line in lines))
    stdout = io.StringIO()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    demo = run_demo(
        settings, database_path=tmp_path / "demo.db", stdin=stdin, stdout=stdout, language_code="es"
    )
    await asyncio.wait_for(demo, 60)
    output = stdout.getvalue()
    assert "Recordatorio de recertificación" in output
    assert "Recordatorios: enviados 1, omitidos 0, fallidos 0" in output
    assert "Recertification reminder" not in output
