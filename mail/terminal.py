"""The demo's mailer: each email is printed in the terminal instead of sent."""

from __future__ import annotations

from typing import TextIO

from domain.ports import MailMessage


class PrintingMailer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    async def send(self, message: MailMessage) -> None:
        body = "\n".join(f"  │ {line}" for line in message.text.splitlines())
        self.out.write(f"\n  ┌─ email to {message.to}: {message.subject}\n{body}\n  └─\n")
        self.out.flush()
