"""Settings from the environment or a `.env` file (see .env.example)."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_base_file_url: str = "https://api.telegram.org/file/bot"
    database_url: str = "sqlite+aiosqlite:///acsm.db"
    payment_provider_token: SecretStr | None = None
    checkout_url: str | None = None
    acsm_timezone: str = "America/New_York"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: SecretStr | None = None
    reminder_time: str = "10:00"  # HH:MM in ACSM_TIMEZONE: the running bot sends reminders
    acsm_contact: str = "certification@acsm.org"  # how members reach ACSM where the bot cannot help
    smtp_url: SecretStr | None = None  # smtps://user:pass@host:465 or smtp://…:587 (mail/smtp.py)
    mail_from: str | None = None  # the sender of those emails
    staff_web_listen: str = "127.0.0.1"  # where `acsm-bot staff web` listens
    staff_web_port: int = Field(default=8082, ge=1, le=65535)
    staff_web_url: str = "http://127.0.0.1:8082"  # the console's public address (links, cookies)
    # Additions beyond the contract's table (all optional):
    acsm_catalog_file: Path | None = None
    session_idle_minutes: int = Field(default=60 * 24 * 30, ge=1)
    log_level: str = "INFO"
    # Reading a certificate (photo, PDF, scan): seconds one reading may take, workers at once
    certificate_reading_seconds: float = Field(default=8.0, gt=0)
    certificate_readers: int = Field(default=1, ge=1)
    certificate_reader_memory_mb: int = Field(default=500, ge=0)  # a reading's peak; 0: no cap

    @field_validator("acsm_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value

    @field_validator("reminder_time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        hours, _, minutes = value.strip().partition(":")
        digits = hours.isdigit() and minutes.isdigit() and (hours + minutes).isascii()
        if not (digits and len(minutes) == 2):
            raise ValueError("expected HH:MM, e.g. 10:00")
        time(int(hours), int(minutes))  # raises when out of range
        return f"{int(hours):02d}:{minutes}"

    @field_validator("staff_web_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        scheme, _, rest = url.partition("://")
        if scheme not in ("http", "https") or not rest or any(c.isspace() for c in rest):
            raise ValueError(
                "expected an http:// or https:// address, e.g. https://staff.example.org"
            )
        return url

    @property
    def staff_web_secure(self) -> bool:
        """Cookies are Secure when the console's public address is https."""
        return self.staff_web_url.startswith("https://")

    @property
    def reminder_clock_time(self) -> time:
        hours, minutes = self.reminder_time.split(":")
        return time(int(hours), int(minutes))

    @property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.acsm_timezone)

    @property
    def session_idle(self) -> timedelta:
        return timedelta(minutes=self.session_idle_minutes)
