"""SMTP_URL → an aiosmtplib mailer.

    smtps://user:pass@host:465   implicit TLS
    smtp://user:pass@host:587    STARTTLS, required, unless the host is this machine
                                 (localhost, 127.0.0.1, ::1), where plain SMTP is allowed

Anything else is refused when the bot starts, with a one-line reason (`SmtpConfigError`).
User and password are percent-decoded (a password with '@' is written '%40').
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

import aiosmtplib

from domain.ports import MailMessage

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
TIMEOUT = 30.0  # seconds


class SmtpConfigError(ValueError):
    """SMTP_URL or MAIL_FROM cannot be used; `str()` is the one-line reason."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    implicit_tls: bool  # smtps://
    start_tls: bool  # smtp:// to another machine: STARTTLS required
    username: str | None = field(default=None)
    password: str | None = field(default=None, repr=False)


def parse_smtp_url(url: str) -> SmtpConfig:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise SmtpConfigError(f"SMTP_URL is not a URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise SmtpConfigError("SMTP_URL must start with smtps:// (TLS) or smtp:// (STARTTLS)")
    host = parts.hostname
    if not host:
        raise SmtpConfigError("SMTP_URL has no host (smtps://user:pass@host:465)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise SmtpConfigError("SMTP_URL takes no path or query: smtps://user:pass@host:465")
    implicit = scheme == "smtps"
    local = host.lower() in LOCAL_HOSTS
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    return SmtpConfig(
        host=host,
        port=port or (465 if implicit else 587 if not local else 25),
        implicit_tls=implicit,
        start_tls=not implicit and not local,
        username=username,
        password=password,
    )


def check_sender(mail_from: str | None) -> str:
    """MAIL_FROM: an address, or 'Name <address>'."""
    if not mail_from or not mail_from.strip():
        raise SmtpConfigError("SMTP_URL is set but MAIL_FROM is not (the sender's address)")
    _, address = parseaddr(mail_from)
    if "@" not in address:
        raise SmtpConfigError(f"MAIL_FROM {mail_from[:60]!r} is not an email address")
    return mail_from.strip()


class SmtpMailer:
    """Sends each message in its own SMTP session (codes are rare: no pool to keep alive).
    STARTTLS is required on smtp:// to another machine: aiosmtplib refuses to go on in plain
    text if the server does not offer it. Certificates are verified (the system's CAs)."""

    def __init__(
        self, config: SmtpConfig, sender: str, tls_context: ssl.SSLContext | None = None
    ) -> None:
        self.config = config
        self.sender = sender
        self.tls_context = tls_context or ssl.create_default_context()

    @classmethod
    def from_settings(cls, smtp_url: str, mail_from: str | None) -> SmtpMailer:
        return cls(parse_smtp_url(smtp_url), check_sender(mail_from))

    def envelope(self, message: MailMessage) -> EmailMessage:
        email = EmailMessage()
        name, address = parseaddr(self.sender)
        email["From"] = formataddr((name, address)) if name else address
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(domain=address.rpartition("@")[2] or None)
        email.set_content(message.text)
        return email

    async def send(self, message: MailMessage) -> None:
        config = self.config
        tls = config.implicit_tls or config.start_tls
        await aiosmtplib.send(
            self.envelope(message),
            hostname=config.host,
            port=config.port,
            username=config.username,
            password=config.password,
            use_tls=config.implicit_tls,
            start_tls=config.start_tls,  # True: required; False: plain (this machine only)
            tls_context=self.tls_context if tls else None,
            timeout=TIMEOUT,
        )
