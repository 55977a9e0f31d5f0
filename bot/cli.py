"""`acsm-bot` (also `python -m bot`): run the bot, the demo, and the staff commands.

Every command exits 0 on success and non-zero with a one-line reason on stderr otherwise.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

import click
from pydantic import ValidationError

from bot.logging_setup import configure_logging
from bot.settings import Settings

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


class CommandError(click.ClickException):
    """A one-line reason, exit code 1."""


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CommandError(f"setting {first['loc'][0]}: {first['msg']}") from exc


@click.group(help="ACSM recertification bot.")
def cli() -> None:
    pass


@cli.command(help="Run the bot on Telegram (long polling, or --webhook).")
@click.option("--webhook", is_flag=True, help="Serve Telegram webhooks (WEBHOOK_* settings).")
def run(webhook: bool) -> None:
    from bot.runner import run_bot

    config = settings()
    configure_logging(config.log_level)
    run_bot(config, webhook=webhook)


@cli.command(help="Try the bot in a terminal chat with the built-in Telegram emulator.")
def demo() -> None:
    from bot.demo import run_demo

    configure_logging("WARNING")
    try:
        asyncio.run(run_demo(settings()))
    except KeyboardInterrupt:
        click.echo("\nBye.")


@cli.group(help="The database schema.")
def db() -> None:
    pass


@db.command("upgrade", help="Create or migrate the schema (Alembic).")
def db_upgrade() -> None:
    from storage.migrate import upgrade

    url = settings().database_url
    asyncio.run(upgrade(url))
    click.echo("schema is up to date")


@cli.group(help="Members and their certifications.")
def members() -> None:
    pass


@members.command("import", help="Upsert members and certifications from a CSV file.")
@click.argument("file", type=FILE)
def members_import(file: Path) -> None:
    from domain.catalog import Catalog
    from domain.services.imports import import_members

    config = settings()
    catalog = Catalog.load(config.acsm_catalog_file)
    text = read_text(file)

    async def go() -> tuple[list[str], int, int]:
        database = await open_database(config.database_url)
        try:
            result = await import_members(database.uow_factory(), catalog, text)
        finally:
            await database.dispose()
        return result.errors, len(result.members), len(result.certifications)

    errors, member_count, cert_count = asyncio.run(go())
    fail_on(errors)
    click.echo(f"imported {member_count} members, {cert_count} certifications")


@cli.group(help="Continuing education credits recorded by ACSM.")
def cecs() -> None:
    pass


@cecs.command("import", help="Add ACSM-recorded CEC activities from a CSV file.")
@click.argument("file", type=FILE)
def cecs_import(file: Path) -> None:
    from domain.services.imports import import_cecs

    config = settings()
    text = read_text(file)

    async def go() -> tuple[list[str], int]:
        database = await open_database(config.database_url)
        try:
            result = await import_cecs(database.uow_factory(), text)
        finally:
            await database.dispose()
        return result.errors, len(result.activities)

    errors, count = asyncio.run(go())
    fail_on(errors)
    click.echo(f"imported {count} CEC activities (already recorded ones are skipped)")


@cli.group(help="Invoices, for the finance team.")
def invoices() -> None:
    pass


@invoices.command("export", help="Write every invoice with its status and payment ids.")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, path_type=Path))
def invoices_export(file: Path) -> None:
    from bot.exports import export_invoices

    config = settings()

    async def go() -> int:
        database = await open_database(config.database_url)
        try:
            return await export_invoices(database.uow_factory(), file)
        finally:
            await database.dispose()

    click.echo(f"wrote {asyncio.run(go())} invoices to {file}")


async def open_database(url: str):  # type: ignore[no-untyped-def]
    """Migrate first (create or upgrade the schema), then open."""
    from storage.database import Database
    from storage.migrate import upgrade

    await upgrade(url)
    return Database(url)


def read_text(file: Path) -> str:
    from domain.imports import RowError, decode

    try:
        return decode(file.read_bytes())
    except RowError as exc:
        raise CommandError(str(exc)) from exc


def fail_on(errors: Sequence[str]) -> None:
    if not errors:
        return
    for error in errors:
        click.echo(error, err=True)
    raise CommandError(f"{len(errors)} bad row(s): nothing was imported")


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: click's messages become one line on stderr."""
    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(f"acsm-bot: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code or 1)
    except Exception as exc:  # a reason, not a traceback, for staff
        click.echo(f"acsm-bot: {type(exc).__name__}: {exc}".splitlines()[0], err=True)
        sys.exit(1)
