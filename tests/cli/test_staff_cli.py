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


def test_staff_web_serves_the_console(sqlite_template: object, tmp_path: object) -> None:
    """A real `python -m bot staff web` process: it listens where the settings say, serves
    the sign-in page with the security headers, and its access log leaves out enrolment
    tokens."""
    import os
    import shutil
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request
    from pathlib import Path

    assert isinstance(tmp_path, Path) and isinstance(sqlite_template, Path)
    db = tmp_path / "acsm.db"
    shutil.copy(sqlite_template, db)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "STAFF_WEB_PORT": str(port),
        "LOG_LEVEL": "INFO",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "staff", "web"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/signin", timeout=5) as page:
                    headers, body = page.headers, page.read().decode()
                break
            except (urllib.error.URLError, ConnectionError):
                assert process.poll() is None, process.stdout.read() if process.stdout else ""
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.2)
        assert ">Authentication code</label>" in body
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        secret_path = "/enrol/AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{secret_path}", timeout=5)
        except urllib.error.HTTPError as refused:
            assert refused.code == 404
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert f"staff console on http://127.0.0.1:{port}" in output
    assert "GET /enrol/… 404" in output and "AbCdEfGhIjKl" not in output
