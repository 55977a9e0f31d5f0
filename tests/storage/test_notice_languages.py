"""The language a notice is written in comes with the chat it goes to: the reminders' and the
audits' chat queries read the language kept for each Telegram user (English when none)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.languages import KeptLanguage, Language
from domain.model import TelegramLink
from domain.ports import UnitOfWorkFactory
from tests.storage.helpers import seed_member

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def test_chats_come_with_their_kept_language(uow_factory: UnitOfWorkFactory) -> None:
    await seed_member(uow_factory, "1")
    await seed_member(uow_factory, "2")
    async with uow_factory() as uow:
        for user, acsm_id, minutes in ((11, "1", 5), (12, "1", 1), (13, "1", 0), (21, "2", 0)):
            seen = NOW + timedelta(minutes=minutes)
            await uow.sessions.save(TelegramLink(user, acsm_id, 0, NOW, seen))
        await uow.languages.keep(11, KeptLanguage(Language.ES, False), NOW)
        await uow.languages.keep(13, KeptLanguage(Language.EN, True), NOW)
    async with uow_factory() as uow:
        assert await uow.audits.telegram_chats("1") == [
            (11, Language.ES),
            (12, Language.EN),  # nothing kept: English
            (13, Language.EN),
        ]
        recipients = {r.acsm_id: r for r in await uow.reminders.recipients()}
        assert (recipients["1"].chat_id, recipients["1"].language) == (11, Language.ES)
        assert (recipients["2"].chat_id, recipients["2"].language) == (21, Language.EN)
        one = await uow.reminders.recipient("1")
        assert one is not None and one.language is Language.ES
        await uow.languages.keep(11, KeptLanguage(Language.EN, True), NOW)  # /language
    async with uow_factory() as uow:
        one = await uow.reminders.recipient("1")
        assert one is not None and (one.chat_id, one.language) == (11, Language.EN)
