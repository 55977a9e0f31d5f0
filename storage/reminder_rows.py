"""Tables of the reminders (migration 0006): preferences, blocked chats, reminders sent."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.orm import Base, UtcDateTime


class ReminderSettingRow(Base):
    """A member's /reminders choice; no row = on (the default)."""

    __tablename__ = "reminder_settings"

    acsm_id: Mapped[str] = mapped_column(
        ForeignKey("members.acsm_id", ondelete="CASCADE"), primary_key=True
    )
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime())


class BlockedChatRow(Base):
    """A chat that answered 403 (the member blocked the bot); deleted when they write again."""

    __tablename__ = "reminder_blocked_chats"

    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    blocked_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ReminderSentRow(Base):
    """One reminder per member, cycle and step: the unique key is the claim. Written (status
    "sending") before the message goes out and committed first, so two senders or a restart
    never send it twice; then "sent", "failed" (Telegram refused it for good) or "unknown"
    (a timeout: it may have been delivered, so it is not sent again)."""

    __tablename__ = "reminders_sent"
    __table_args__ = (UniqueConstraint("acsm_id", "cycle_thru", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    acsm_id: Mapped[str] = mapped_column(ForeignKey("members.acsm_id", ondelete="CASCADE"))
    cycle_thru: Mapped[date] = mapped_column(Date)
    step: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    claimed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
