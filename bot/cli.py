"""`acsm-bot` (also `python -m bot`): run the bot, the demo, and the staff commands.

Every command exits 0 on success and non-zero with a one-line reason on stderr otherwise.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click
from pydantic import ValidationError

from bot.logging_setup import configure_logging
from bot.settings import Settings

if TYPE_CHECKING:
    from domain.imports import MembersImport

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _ascii_only(value: Any, param: click.Parameter | None, ctx: click.Context | None) -> None:
    """int() and float() read '２０２５' or '٢٠٢٥': numbers take ASCII digits only."""
    if isinstance(value, str) and not value.isascii():
        raise click.BadParameter(f"{value!r} is not a number (ASCII digits only)", ctx, param)


class AsciiIntRange(click.IntRange):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _ascii_only(value, param, ctx)
        return super().convert(value, param, ctx)


class AsciiFloatRange(click.FloatRange):
    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _ascii_only(value, param, ctx)
        return super().convert(value, param, ctx)


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
@click.option(
    "--language",
    type=click.Choice(["en", "es"]),
    default="en",
    show_default=True,
    help="Your Telegram language in the demo (es: the bot answers in Spanish).",
)
def demo(language: str) -> None:
    from bot.demo import run_demo

    configure_logging("WARNING")
    try:
        asyncio.run(run_demo(settings(), language_code=language))
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
@click.option(
    "--as-of",
    "as_of_text",
    metavar="YYYY-MM-DD",
    help="The date of the file's data (default: the file's modification time). Email and "
    "phone a member changed in the chat on or after it are kept.",
)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def members_import(file: Path, as_of_text: str | None, dry_run: bool) -> None:
    from domain.catalog import Catalog
    from domain.clock import SystemClock
    from domain.services.imports import import_members

    config = settings()
    catalog = Catalog.load(config.acsm_catalog_file)
    as_of, as_of_source = file_as_of(file, as_of_text, config.timezone)
    text = read_text(file)

    async def go() -> MembersImport:
        database = await open_database(config.database_url)
        try:
            return await import_members(
                database.unit_of_work,
                catalog,
                text,
                now=SystemClock().now(),
                as_of=as_of,
                dry_run=dry_run,
            )
        finally:
            await database.dispose()

    result = asyncio.run(go())
    fail_on(result.errors)
    if dry_run:
        for change in result.changes:
            click.echo(change)
    for kept in result.kept:
        click.echo(kept)
    for voided in result.voided:
        click.echo(voided)
    kept = (
        f"; kept {plural(result.kept_contacts, 'contact')} and"
        f" {plural(result.kept_thru_dates, 'thru date')}"
        " changed in the chat"
    )
    if result.voided:
        voided = plural(len(result.voided), "open invoice")
        kept += f"; {'would void' if dry_run else 'voided'} {voided} whose cycle moved"
    counts = (
        f"{plural(len(result.members), 'member')} ({result.new_members} new,"
        f" {result.changed_members} changed), {plural(len(result.certifications), 'certification')}"
        f" ({result.new_certifications}"
        f" new, {result.changed_certifications} changed){kept}; the file is as of"
        f" {as_of:%Y-%m-%d %H:%M} UTC ({as_of_source})"
    )
    if dry_run:
        click.echo(f"dry run, nothing written: would import {counts}")
    else:
        click.echo(f"imported {counts}")


@members.command("unlock", help="Lift a login lock on a member's account (and its Telegram users).")
@click.argument("acsm_id")
def members_unlock(acsm_id: str) -> None:
    from bot.app import make_rules
    from domain.services.identity import Unlocked, unlock_member

    config = settings()

    async def go() -> Unlocked:
        database = await open_database(config.database_url)
        try:
            async with database.unit_of_work() as uow:
                return await unlock_member(uow, make_rules(config), acsm_id)
        finally:
            await database.dispose()

    try:
        done = asyncio.run(go())
    except LookupError as exc:
        raise CommandError(str(exc.args[0])) from exc
    users = done.telegram_users
    click.echo(
        f"unlocked member {done.acsm_id} ({done.member_name}):"
        f" forgot {plural(done.failures, 'failed login')} of the account"
        f" and the lock of {plural(len(users), 'Telegram user')}"
        + (f" ({', '.join(users)})" if users else "")
    )


def file_as_of(file: Path, as_of_text: str | None, zone: ZoneInfo) -> tuple[datetime, str]:
    """--as-of YYYY-MM-DD is the start of that day in ACSM_TIMEZONE; without it, the file's
    modification time."""
    if as_of_text is None:
        when = datetime.fromtimestamp(file.stat().st_mtime, UTC)
        return when, "its modification time"
    try:
        day = date.fromisoformat(as_of_text.strip())
    except ValueError as exc:
        raise CommandError(f"--as-of {as_of_text[:20]!r} is not a date (YYYY-MM-DD)") from exc
    return datetime.combine(day, time(0), zone).astimezone(UTC), f"--as-of {day:%Y-%m-%d}"


@cli.group(help="Continuing education credits recorded by ACSM.")
def cecs() -> None:
    pass


@cecs.command("import", help="Add or correct ACSM-recorded CEC activities from a CSV file.")
@click.argument("file", type=FILE)
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
def cecs_import(file: Path, dry_run: bool) -> None:
    """Streamed: a file of any size in bounded memory (domain/services/imports.py). Bad rows
    go to stderr and corrections to stdout as they are found."""
    from domain.clock import SystemClock
    from domain.services.imports import CecsCounts, import_cecs
    from storage.import_staging import SqliteImportStaging

    config = settings()
    check_utf8(file)

    async def go() -> CecsCounts:
        database = await open_database(config.database_url)
        try:
            with (
                file.open(encoding="utf-8", newline="") as lines,
                SqliteImportStaging() as staging,
            ):
                return await import_cecs(
                    database.unit_of_work,
                    lines,
                    staging,
                    now=SystemClock().now(),
                    timezone=config.timezone,
                    dry_run=dry_run,
                    on_bad_row=lambda line: click.echo(line, err=True),
                    on_updated=click.echo,
                )
        finally:
            await database.dispose()

    try:
        result = asyncio.run(go())
    except UnicodeDecodeError as exc:  # the file changed while it was read
        raise CommandError(f"the file is not UTF-8 ({exc.reason})") from exc
    if result.bad_rows:
        raise CommandError(f"{plural(result.bad_rows, 'bad row')}: nothing was imported")
    counts = (
        f"{plural(result.activities, 'CEC activity', 'CEC activities')}"
        f" ({result.new_activities} new,"
        f" {result.updated} updated, {result.unchanged} already recorded)"
    )
    if dry_run:
        click.echo(f"dry run, nothing written: would import {counts}")
    else:
        click.echo(f"imported {counts}")


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
            async with database.unit_of_work() as uow:
                return await export_invoices(uow, file)
        finally:
            await database.dispose()

    click.echo(f"wrote {plural(asyncio.run(go()), 'invoice')} to {file}")


@cli.group(help="Audits of paid renewals.")
def audit() -> None:
    pass


@audit.command("select", help="Pick paid renewals of cycles that ended 12/31/YYYY for audit.")
@click.option("--year", type=AsciiIntRange(2000, 2200), required=True)
@click.option("--percent", type=AsciiFloatRange(0, 100, min_open=True), required=True)
@click.option(
    "--seed", type=AsciiIntRange(), default=None, help="The same seed picks the same renewals."
)
def audit_select(year: int, percent: float, seed: int | None) -> None:
    from bot import audits
    from bot.app import make_rules

    config = settings()

    async def go() -> tuple[Any, Any]:
        database = await open_database(config.database_url)
        try:
            return await audits.select_and_tell(
                config, database.unit_of_work, make_rules(config), year, percent, seed
            )
        finally:
            await database.dispose()

    selection, delivery = asyncio.run(go())
    told, failed = delivery.told, delivery.failed
    click.echo(
        f"selected {len(selection.picked)} of {plural(selection.candidates, 'paid renewal')} of"
        f" cycles ending 12/31/{year} ({len(selection.new)} new); told {plural(told, 'chat')},"
        f" {failed} not told"
    )
    if delivery.unreached:
        click.echo(
            f"could not tell {plural(len(delivery.unreached), 'member')} (their audit waits"
            " for them in /audit once they log in):"
        )
    for member in delivery.unreached:
        name = " ".join(member.name.split())  # one line each, whatever the name holds
        click.echo(f"  {member.acsm_id}  {name}: {member.reason}")


@audit.command("status", help="One line per audit: ACSM ID, name, selected on, due on, state.")
def audit_status() -> None:
    from bot import audits
    from bot.app import make_rules

    config = settings()

    async def go() -> list[list[str]]:
        database = await open_database(config.database_url)
        try:
            return await audits.status(database.unit_of_work, make_rules(config))
        finally:
            await database.dispose()

    rows = [audits.STATUS_COLUMNS, *asyncio.run(go())]  # a header row, then one per audit
    widths = [max(len(row[i]) for row in rows) for i in range(len(audits.STATUS_COLUMNS) - 1)]
    for row in rows:
        click.echo("  ".join([*(v.ljust(w) for v, w in zip(row, widths, strict=False)), row[-1]]))


@audit.command("decide", help="Accept or reject a submitted audit; the member is told in the chat.")
@click.argument("acsm_id")
@click.argument("verdict", type=click.Choice(["accept", "reject"]))
@click.option("--reason", default=None, help="Why (required to reject); the member reads it.")
def audit_decide(acsm_id: str, verdict: str, reason: str | None) -> None:
    from bot.app import make_rules
    from domain.audits import Verdict
    from domain.errors import DomainError
    from domain.services.audits import decide_audit_now

    config = settings()
    chosen = Verdict.ACCEPT if verdict == "accept" else Verdict.REJECT

    async def go() -> Any:
        database = await open_database(config.database_url)
        try:
            return await decide_audit_now(
                database.unit_of_work, make_rules(config), acsm_id, chosen, reason
            )
        finally:
            await database.dispose()

    try:
        audit = asyncio.run(go())
    except DomainError as exc:
        raise CommandError(" ".join(str(exc).split())) from exc
    click.echo(
        f"audit of member {audit.acsm_id} {audit.verdict.value}; the member is told in the chat"
        " while the bot runs"
    )


@audit.command("export", help="DIR/audits.csv and each member's proof files in DIR/<acsm_id>/.")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def audit_export(directory: Path) -> None:
    from bot import audits
    from bot.app import make_rules

    config = settings()

    async def go() -> tuple[int, int]:
        database = await open_database(config.database_url)
        try:
            return await audits.export(database.unit_of_work, make_rules(config), directory)
        finally:
            await database.dispose()

    from storage.files import UnsafePathError

    try:
        count, files = asyncio.run(go())
    except UnsafePathError as exc:
        raise CommandError(exc.strerror or str(exc)) from exc
    click.echo(f"wrote {plural(count, 'audit')} and {plural(files, 'file')} to {directory}")


@cli.group(help="Staff of the web console.")
def staff() -> None:
    pass


@staff.command("add", help="Create a staff account; prints a one-time enrolment link (24 h).")
@click.argument("email")
@click.option("--admin", is_flag=True, help="May add staff in the console too.")
def staff_add(email: str, admin: bool) -> None:
    from bot.app import make_rules
    from domain.errors import DomainError
    from domain.services.staff import NewStaff, add_staff

    config = settings()

    async def go() -> NewStaff:
        database = await open_database(config.database_url)
        try:
            async with database.unit_of_work() as uow:
                return await add_staff(uow, make_rules(config), email, admin=admin)
        finally:
            await database.dispose()

    try:
        new = asyncio.run(go())
    except DomainError as exc:
        raise CommandError(" ".join(str(exc).split())) from exc
    role = "admin" if new.account.is_admin else "staff"
    click.echo(
        f"{role} account {new.account.email}: send this one-time enrolment link (valid 24 h)"
        " to that person only:"
    )
    click.echo(f"{config.staff_web_url}/enrol/{new.enrol_token}")


@staff.command("web", help="Serve the staff web console (STAFF_WEB_* settings).")
def staff_web() -> None:
    from staff_web.app import serve

    config = settings()
    configure_logging(config.log_level)
    database_check = open_database(config.database_url)  # refuse a schema not current
    asyncio.run(_dispose(database_check))
    serve(config)


async def _dispose(opening: Any) -> None:
    database = await opening
    await database.dispose()


@cli.group(help="Reminders before Dec 31.")
def reminders() -> None:
    pass


@reminders.command("send", help="Send the reminders due now (for cron).")
@click.option("--dry-run", is_flag=True, help="List what is due; send and record nothing.")
def reminders_send(dry_run: bool) -> None:
    from bot.app import make_rules
    from bot.reminders import Counts, ReminderSender
    from bot.retries import RetryingRateLimiter
    from domain.services.reminders import DueReminder, unreachable_reminders

    config = settings()
    token = config.telegram_bot_token
    if token is not None and not token.get_secret_value():
        token = None
    if token is None and not dry_run:
        raise CommandError("TELEGRAM_BOT_TOKEN is not set (see .env.example)")
    rules = make_rules(config)

    unreached: list[DueReminder] = []

    async def go() -> Counts:
        from telegram.ext import ExtBot

        database = await open_database(config.database_url)
        try:
            unreached.extend(await unreachable_reminders(database.unit_of_work, rules))
            bot: ExtBot[int] = ExtBot(
                token.get_secret_value() if token else "0:dry-run",
                base_url=config.telegram_api_base_url,
                base_file_url=config.telegram_api_base_file_url,
                rate_limiter=RetryingRateLimiter(),
            )
            sender = ReminderSender(bot, database.unit_of_work, rules)
            if dry_run:
                plan = await sender.plan()
                for due in plan.due:
                    click.echo(
                        f"due: member {due.acsm_id}, cycle thru {due.thru_date:%m/%d/%Y}, {due.step}"
                    )
                for due, reason in plan.skipped:
                    click.echo(
                        f"skipped: member {due.acsm_id}, cycle thru {due.thru_date:%m/%d/%Y},"
                        f" {due.step}: {reason}"
                    )
                return Counts(skipped=len(plan.skipped), sent=len(plan.due))
            async with bot:
                return await sender.run()
        finally:
            await database.dispose()

    counts = asyncio.run(go())
    members = sorted({due.acsm_id for due in unreached})
    if dry_run:
        for due in unreached:
            click.echo(
                f"not reachable: member {due.acsm_id}, cycle thru {due.thru_date:%m/%d/%Y},"
                f" {due.step}: {NOT_LOGGED_IN}"
            )
    if members:  # not in the counts below: no chat to send to, nothing recorded
        listed = f": {', '.join(members)}" if dry_run else " (--dry-run lists them)"
        click.echo(
            f"{plural(len(members), 'member')} with a reminder due "
            f"{'is' if len(members) == 1 else 'are'} not reachable, {NOT_LOGGED_IN}{listed}"
        )
    if dry_run:
        click.echo(
            f"dry run, nothing sent or recorded: would send {counts.sent}; "
            f"sent 0, skipped {counts.skipped}, failed 0"
        )
    else:
        click.echo(counts.line())


async def open_database(url: str):  # type: ignore[no-untyped-def]
    """Open a database that is at the current schema revision; refuse (a one-line reason,
    exit 1) one that is missing, has no schema of ours, or is at another revision. Nothing is
    created or migrated here: only `db upgrade` (and `run`/`demo`) do that."""
    from storage.database import Database
    from storage.migrate import SchemaNotCurrentError, check_current

    try:
        await check_current(url)
    except SchemaNotCurrentError as exc:
        raise CommandError(str(exc)) from exc
    return Database(url)


def read_text(file: Path) -> str:
    from domain.imports import RowError, decode

    try:
        return decode(file.read_bytes())
    except RowError as exc:
        raise CommandError(str(exc)) from exc


def check_utf8(file: Path) -> None:
    """A one-line reason naming the first byte that is not UTF-8, read a block at a time."""
    import codecs

    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0  # bytes given to the decoder before this block
    with file.open("rb") as stream:
        while block := stream.read(1 << 20):
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                raise CommandError(
                    f"the file is not UTF-8 (byte {offset - pending + exc.start})"
                ) from exc
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            raise CommandError(
                f"the file is not UTF-8 (byte {offset - exc.end + exc.start})"
            ) from exc


def fail_on(errors: Sequence[str]) -> None:
    if not errors:
        return
    for error in errors:
        click.echo(error, err=True)
    raise CommandError(f"{plural(len(errors), 'bad row')}: nothing was imported")


NOT_LOGGED_IN = "never logged in from a chat (or logged out since)"


def plural(count: int, one: str, many: str | None = None) -> str:
    """1 member, 2 members; 1 CEC activity, 3 CEC activities."""
    return f"{count} {one if count == 1 else many or one + 's'}"


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: click's messages become one line on stderr."""
    from bot.logging_setup import mask  # a reason may quote DATABASE_URL or an email

    try:
        cli.main(args=list(argv) if argv is not None else None, standalone_mode=False)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        click.echo(mask(f"acsm-bot: {exc.format_message()}"), err=True)
        sys.exit(exc.exit_code or 1)
    except Exception as exc:  # a reason, not a traceback, for staff
        click.echo(mask(f"acsm-bot: {type(exc).__name__}: {exc}".splitlines()[0]), err=True)
        sys.exit(1)
