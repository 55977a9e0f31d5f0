"""What handlers get from bot/: the rules, the turn of the update they handle, chat settings.

bot/ stores a `Dependencies` in `application.bot_data["deps"]`; handlers reach it through
`ChatContext`, so they never import storage/. python-telegram-bot builds a context for each
handler with `from_update`; ours looks up the update's turn there (handlers/turn.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from domain.ports import CertificateReader, Mailer, UnitOfWork
from domain.rules import Rules
from handlers.turn import Turn, Turns

DEPS_KEY = "deps"


@dataclass(frozen=True)
class Dependencies:
    rules: Rules
    payment_provider_token: str | None = None
    checkout_url: str | None = None
    acsm_contact: str = "certification@acsm.org"
    turns: Turns = field(default_factory=Turns)
    mailer: Mailer | None = None  # SMTP_URL set (or the demo's): codes by email are offered
    reader: CertificateReader | None = None  # reads a certificate sent (certificates/)


class ChatContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the domain wiring and the update's turn."""

    _turn: Turn | None = None

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> ChatContext:
        context = super().from_update(update, application)
        deps = application.bot_data.get(DEPS_KEY)
        if isinstance(deps, Dependencies):
            context._turn = deps.turns.of(update)
        return context

    @property
    def deps(self) -> Dependencies:
        deps = self.application.bot_data[DEPS_KEY]
        assert isinstance(deps, Dependencies)
        return deps

    @property
    def rules(self) -> Rules:
        """The rules, with the turn's slow work (domain/slow_work.py) inside an update."""
        turn = self._turn
        if turn is not None and turn.rules is not None:
            return turn.rules
        return self.deps.rules

    @property
    def turn(self) -> Turn:
        """The turn of the update being handled (bot/turns.py opens one around the
        handlers of every update)."""
        assert self._turn is not None, "handlers run inside a turn"
        return self._turn

    def uow(self) -> UnitOfWork:
        """The unit of work of the update's transaction, open; nobody here commits."""
        return self.turn.uow


ChatApplication = Application[
    ExtBot[Any], ChatContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
