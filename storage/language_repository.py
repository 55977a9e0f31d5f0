"""The language kept per Telegram user (domain/languages.py; migration 0016): the table, and
LanguageRepository (domain.ports) in Core on the unit of work's connection. The turn's claim
reads the row in its one statement (storage/inbox.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Mapped, mapped_column

from domain import languages
from domain.languages import KeptLanguage
from storage.orm import Base, UtcDateTime, table
from storage.statements import of_dialect, upsert


class UserLanguageRow(Base):
    """A Telegram user's language: chosen with /language, or Telegram's last seen."""

    __tablename__ = "telegram_user_languages"

    telegram_user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    language: Mapped[str] = mapped_column(String(8))
    chosen: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


LANGUAGES = table(UserLanguageRow)
_GET = select(LANGUAGES.c.language, LANGUAGES.c.chosen).where(
    LANGUAGES.c.telegram_user_id == bindparam("user")
)
_KEEP = upsert(LANGUAGES, ["telegram_user_id"])


def kept_of(language: str | None, chosen: bool | None) -> KeptLanguage | None:
    """A row's two columns as the domain's value (None: no row, or a language not ours)."""
    parsed = languages.parse(language)
    return KeptLanguage(parsed, bool(chosen)) if parsed is not None else None


class SqlLanguageRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection

    async def get(self, telegram_user_id: int) -> KeptLanguage | None:
        row = (await self.connection.execute(_GET, {"user": telegram_user_id})).first()
        return kept_of(row.language, row.chosen) if row is not None else None

    async def keep(self, telegram_user_id: int, kept: KeptLanguage, now: datetime) -> None:
        await self.connection.execute(
            of_dialect(self.connection, _KEEP),
            {
                "telegram_user_id": telegram_user_id,
                "language": kept.language.value,
                "chosen": kept.chosen,
                "changed_at": now,
            },
        )
