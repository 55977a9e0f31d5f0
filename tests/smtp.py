"""A real SMTP server on this machine for the tests (aiosmtpd, in its own thread): it keeps
every message it receives."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

CODE = re.compile(r"^\s+([0-9]{6})\s*$", re.MULTILINE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Inbox:
    """What the server received: (envelope recipients, the parsed message)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for rcpt, message in self.received if address in rcpt]

    def last_code(self, address: str) -> str:
        """The code in the latest email to `address`."""
        messages = self.to(address)
        assert messages, f"no email to {address}: {self.received}"
        body = messages[-1].get_content()
        found = CODE.search(body)
        assert found, body
        return found.group(1)


@contextmanager
def smtp_server(**server_kwargs: Any) -> Iterator[tuple[str, int, Inbox]]:
    """(host, port, inbox) of an SMTP server listening on 127.0.0.1 for the block."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **server_kwargs)
    controller.start()
    try:
        yield "127.0.0.1", port, inbox
    finally:
        controller.stop()
