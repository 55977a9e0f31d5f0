"""Errors the use cases raise; `str(error)` is readable by a member."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from domain.renewal_rules import Refusal


class DomainError(Exception):
    """Base of every error a handler may show to the member as is."""


class NotLoggedInError(DomainError):
    def __init__(self, message: str = "Please log in first with /login.") -> None:
        super().__init__(message)


class InvalidInputError(DomainError):
    """Bad email, phone, password, username... re-ask the member."""


class NotFoundError(DomainError):
    """The thing named does not exist or belongs to someone else (same error on purpose)."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(message)


class RefusedError(DomainError):
    """A rule refuses the request; `.reason` says which and why."""

    def __init__(self, reason: Refusal) -> None:
        super().__init__(reason.message)
        self.reason = reason


class ProofNeededError(InvalidInputError):
    """The member logged in with the default credentials and has not yet proven who they are
    (an emailed code or their own phone number): no change of username, password or contact
    details until they do."""

    def __init__(self) -> None:
        super().__init__(
            "First prove who you are: you logged in with the default credentials, which are "
            "printed on ACSM records."
        )
