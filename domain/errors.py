"""Errors the use cases raise; `str(error)` is readable by a member, in English.

An error's sentence is a template with named placeholders and its values:
`InvalidInputError("{what} is empty.", what="The title")`. Handlers say it in the member's
language (`turn.explain(error)`: the template translated, then filled in); the error classes
are extraction keywords of the catalog (i18n/, `make translations`), so a template written
in a `raise` is in the catalog without further marking. Values that are themselves sentences
are marked with `N_` and translated by the handler too."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.renewal_rules import Refusal


def N_(message: str) -> str:
    """Mark a sentence for translation (it is translated where it is shown)."""
    return message


class DomainError(Exception):
    """Base of every error a handler may show to the member: `template` (English, with
    `{named}` placeholders) and `values`; `str()` is the English sentence."""

    def __init__(self, template: str = "", /, **values: object) -> None:
        self.template = template
        self.values = values
        super().__init__(template.format(**values) if values else template)


class NotLoggedInError(DomainError):
    def __init__(self, message: str = N_("Please log in first with /login.")) -> None:
        super().__init__(message)


class InvalidInputError(DomainError):
    """Bad email, phone, password, username... re-ask the member."""


class NotFoundError(DomainError):
    """The thing named does not exist or belongs to someone else (same error on purpose)."""

    def __init__(self, message: str = N_("Not found."), /, **values: object) -> None:
        super().__init__(message, **values)


class RefusedError(DomainError):
    """A rule refuses the request; `.reason` says which and why."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.message, **reason.values)
        self.reason = reason


class ProofNeededError(InvalidInputError):
    """The member logged in with the default credentials and has not yet proven who they are
    (an emailed code or their own phone number): no change of username, password or contact
    details until they do."""

    def __init__(self) -> None:
        super().__init__(
            N_(
                "First prove who you are: you logged in with the default credentials, which are "
                "printed on ACSM records."
            )
        )
