"""Create or migrate the schema with Alembic, programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection

from storage.database import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url)
    return config


class MigrationError(RuntimeError):
    """The migrated data break a foreign key (nothing was committed)."""


def _run(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)
    if connection.dialect.name == "sqlite":  # foreign keys were off: check them all now
        broken = connection.execute(text("PRAGMA foreign_key_check")).fetchall()
        if broken:
            raise MigrationError(f"foreign keys broken by the migration: {broken[:5]}")


async def upgrade(url: str, revision: str = "head") -> None:
    """Create or migrate the schema, in one transaction (SQLite: foreign keys checked at the
    end instead of enforced row by row, as SQLite's documentation advises for table rebuilds)."""
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run, alembic_config(url), revision)
    finally:
        await engine.dispose()
