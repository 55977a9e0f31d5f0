"""`acsm-bot staff add` on a real database (in this process, tests/cli/run.py): a one-time
enrolment link at STAFF_WEB_URL, valid 24 h, only its hash kept; `staff web` refuses a
database that is not at the current schema."""

from __future__ import annotations

from datetime import timedelta

from domain.staff import token_hash
from storage.database import Database
from tests.cli import run


def staff(database_url: str, *args: str, url: str = "https://staff.example.org/") -> run.Done:
    return run.acsm_bot("staff", *args, env={"DATABASE_URL": database_url, "STAFF_WEB_URL": url})


async def test_staff_add_prints_a_one_time_link(database: Database, database_url: str) -> None:
    done = staff(database_url, "add", "Pat@ACSM.org", "--admin")
    assert done.returncode == 0, done.stderr
    first, link = done.stdout.splitlines()
    assert first.startswith("admin account pat@acsm.org: send this one-time enrolment link")
    assert link.startswith("https://staff.example.org/enrol/")
    token = link.rsplit("/", 1)[1]
    async with database.unit_of_work() as uow:
        account = await uow.staff.by_email("pat@acsm.org")
        (entry,) = await uow.staff.activity(10)
    assert account is not None and account.is_admin
    assert account.enrol_token_hash == token_hash(token)
    assert account.enrol_expires_at is not None
    assert account.enrol_expires_at - account.created_at == timedelta(hours=24)
    assert (entry.email, entry.detail) == ("(command line)", "pat@acsm.org (admin)")
    again = staff(database_url, "add", "pat@acsm.org")  # not enrolled yet: a new link
    assert again.returncode == 0 and again.stdout.startswith("staff account pat@acsm.org")
    async with database.unit_of_work() as uow:
        assert await uow.staff.by_enrol_token(token_hash(token)) is None  # the old one is dead


async def test_staff_add_refuses_a_bad_email(database_url: str) -> None:
    done = staff(database_url, "add", "not an email")
    assert done.returncode == 1
    assert done.stderr.strip() == "acsm-bot: 'not an email' is not an email address"


def test_staff_web_refuses_a_database_without_the_schema(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    done = run.acsm_bot("staff", "web", env={"DATABASE_URL": url})
    assert done.returncode == 1 and "acsm-bot db upgrade" in done.stderr
    bad = run.acsm_bot(
        "staff", "add", "a@b.org", env={"DATABASE_URL": url, "STAFF_WEB_URL": "ftp://x"}
    )
    assert bad.returncode == 1 and "STAFF_WEB_URL" in bad.stderr.upper()
