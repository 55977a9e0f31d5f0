"""Create or migrate the schema with Alembic, programmatically (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from storage.database import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# PostgreSQL advisory lock key ("ACSM" + 2): one migration at a time on a database, however
# many processes start at once (storage/exclusive.py uses "ACSM" + 1 for the active bot).
MIGRATION_LOCK = 0x4143_534D_0000_0002


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
    end instead of enforced row by row, as SQLite's documentation advises for table rebuilds).
    Several processes at once migrate once: on PostgreSQL the transaction first takes an
    advisory lock (the others wait for it, then find the schema current); on SQLite the
    transaction begins IMMEDIATE, which serializes writers the same way."""
    engine = create_engine(url, foreign_keys=False)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            await connection.run_sync(_run, alembic_config(url), revision)
    finally:
        await engine.dispose()


class SchemaNotCurrentError(RuntimeError):
    """The database is missing, has no schema of ours, or is not at the current revision.
    `str(e)` is one line for staff."""


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for another engine or an in-memory database)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return None
    if parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory":
        return None
    return Path(parsed.database)


def _revisions(connection: Connection) -> list[str] | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return [row[0] for row in connection.execute(text("SELECT version_num FROM alembic_version"))]


async def check_current(url: str) -> None:
    """Refuse (SchemaNotCurrentError) a database that is missing or not at the current head,
    creating nothing: an SQLite file is looked for before connecting (connecting would create
    it), and nothing is written to a PostgreSQL database."""
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        raise SchemaNotCurrentError(
            f"no database at {path.resolve()} (check DATABASE_URL and the working folder, or "
            "create it with `acsm-bot db upgrade`)"
        )
    engine = create_async_engine(url)  # not create_engine: its pragmas would write (WAL)
    try:
        async with engine.connect() as connection:
            revisions = await connection.run_sync(_revisions)
    except SchemaNotCurrentError:
        raise
    except Exception as exc:
        first = f"{type(exc).__name__}: {exc}".splitlines()[0]
        raise SchemaNotCurrentError(f"cannot open the database: {first}") from exc
    finally:
        await engine.dispose()
    head = head_revision()
    if not revisions:
        raise SchemaNotCurrentError(
            "the database has no ACSM schema (wrong DATABASE_URL? `acsm-bot db upgrade` creates it)"
        )
    if revisions != [head]:
        raise SchemaNotCurrentError(
            f"the database schema is at revision {', '.join(revisions)}, this program needs "
            f"{head}: run `acsm-bot db upgrade` first"
        )
