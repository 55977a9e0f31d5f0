"""What handlers get from bot/: the rules, a fresh unit of work per use case, chat settings.

bot/ stores a `Dependencies` in `application.bot_data["deps"]`; handlers reach it through
`ChatContext`, so they never import storage/.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from domain.ports import UnitOfWork, UnitOfWorkFactory
from domain.rules import Rules
from handlers.scope import current_scope

DEPS_KEY = "deps"


@dataclass(frozen=True)
class Dependencies:
    rules: Rules
    uow_factory: UnitOfWorkFactory
    payment_provider_token: str | None = None
    checkout_url: str | None = None


class ChatContext(CallbackContext[ExtBot[Any], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the domain wiring."""

    @property
    def deps(self) -> Dependencies:
        deps = self.application.bot_data[DEPS_KEY]
        assert isinstance(deps, Dependencies)
        return deps

    @property
    def rules(self) -> Rules:
        return self.deps.rules

    def uow(self) -> UnitOfWork:
        """A unit of work for one use case: inside an update, a savepoint of the update's
        one transaction; outside one (jobs), a transaction of its own."""
        scope = current_scope()
        return scope.uow_factory() if scope is not None else self.deps.uow_factory()


ChatApplication = Application[
    ExtBot[Any], ChatContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any
]
