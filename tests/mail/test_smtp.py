"""SMTP_URL parsing and the SMTP mailer against a real local SMTP server (aiosmtpd)."""

from __future__ import annotations

import aiosmtplib
import pytest

from domain.ports import MailMessage
from mail.smtp import SmtpConfig, SmtpConfigError, SmtpMailer, check_sender, parse_smtp_url
from tests.smtp import smtp_server

MESSAGE = MailMessage(to="ann@example.com", subject="Your code", text="Your code:\n\n    123456\n")


def test_smtps_is_implicit_tls_and_smtp_requires_starttls_off_this_machine() -> None:
    tls = parse_smtp_url("smtps://user:p%40ss@mail.example.com:465")
    assert (tls.host, tls.port, tls.implicit_tls, tls.start_tls) == (
        "mail.example.com",
        465,
        True,
        False,
    )
    assert (tls.username, tls.password) == ("user", "p@ss")
    starttls = parse_smtp_url("smtp://user:pass@mail.example.com:587")
    assert (starttls.port, starttls.implicit_tls, starttls.start_tls) == (587, False, True)
    assert parse_smtp_url("smtp://mail.example.com").port == 587
    for local in ("smtp://localhost:25", "smtp://127.0.0.1:1025"):
        assert not parse_smtp_url(local).start_tls  # plain SMTP on this machine only


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://mail.example.com", "smtps://"),
        ("smtp://", "no host"),
        ("smtps://mail.example.com:465/inbox", "no path"),
        ("smtp://mail.example.com:99999", "not a URL"),
    ],
)
def test_unusable_urls_are_refused_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(SmtpConfigError, match=reason):
        parse_smtp_url(url)


def test_mail_from_is_required_and_an_address() -> None:
    with pytest.raises(SmtpConfigError, match="MAIL_FROM"):
        check_sender(None)
    with pytest.raises(SmtpConfigError, match="not an email address"):
        check_sender("ACSM bot")
    assert check_sender(" ACSM <bot@acsm.org> ") == "ACSM <bot@acsm.org>"


async def test_a_message_reaches_a_local_smtp_server() -> None:
    with smtp_server() as (host, port, inbox):
        mailer = SmtpMailer.from_settings(f"smtp://{host}:{port}", "ACSM <bot@acsm.example>")
        await mailer.send(MESSAGE)
    [(recipients, email)] = inbox.received
    assert recipients == ["ann@example.com"]
    assert email["From"] == "ACSM <bot@acsm.example>" and email["Subject"] == "Your code"
    assert inbox.last_code("ann@example.com") == "123456"


async def test_starttls_required_is_never_skipped() -> None:
    """smtp:// to another machine requires STARTTLS: a server that does not offer it gets
    nothing (the message is not sent in plain text)."""
    with smtp_server() as (host, port, inbox):
        config = SmtpConfig(host=host, port=port, implicit_tls=False, start_tls=True)
        with pytest.raises(aiosmtplib.SMTPException, match="STARTTLS"):
            await SmtpMailer(config, "bot@acsm.example").send(MESSAGE)
    assert inbox.received == []


def test_run_refuses_an_unusable_smtp_setting(monkeypatch, tmp_path) -> None:
    from click.testing import CliRunner

    from bot.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:x")
    monkeypatch.setenv("SMTP_URL", "smtp://mail.example.com:587")
    monkeypatch.delenv("MAIL_FROM", raising=False)
    result = CliRunner().invoke(cli, ["run"])
    assert result.exit_code != 0
    assert "MAIL_FROM" in str(result.exception) or "MAIL_FROM" in result.output
