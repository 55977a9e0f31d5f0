"""The /addcec wizard's answers so far, typed: kept as JSON in the member's conversation
(handlers/turn.py) between messages, read back into these fields, never as a loose dict."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from domain.services.tracker import NewActivity
from domain.tracker import Organization


@dataclass(frozen=True)
class ActivityDraft:
    title: str | None = None
    provider: str | None = None
    completed_on: date | None = None
    cecs: Decimal | None = None
    organization: Organization | None = None
    proof_id: int | None = None  # a certificate sent first, kept until the activity is logged
    same_as: int | None = None  # the ACSM-recorded activity the member said this is
    pending_cecs: Decimal | None = None  # converted from hours or CEUs, not yet confirmed
    # What the certificate sent was read to say (issue 23), as text: title, provider,
    # completed_on (ISO), cecs, organization, printed (the amount as printed when converted);
    # offered as buttons at each step after Edit.
    read: dict[str, str] = field(default_factory=dict)
    filling: bool = False  # Save pressed: only what is missing is asked, then it is logged

    def but(self, **changes: Any) -> ActivityDraft:
        return replace(self, **changes)

    def activity(self) -> NewActivity | None:
        """The activity to log, or None while an answer is missing."""
        if (
            self.title is None
            or self.provider is None
            or self.completed_on is None
            or self.cecs is None
            or self.organization is None
        ):
            return None
        return NewActivity(
            self.title, self.provider, self.completed_on, self.cecs, self.organization
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["completed_on"] = self.completed_on.isoformat() if self.completed_on else None
        data["cecs"] = str(self.cecs) if self.cecs is not None else None
        data["organization"] = self.organization.value if self.organization else None
        data["pending_cecs"] = str(self.pending_cecs) if self.pending_cecs is not None else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ActivityDraft:
        """What was kept; an answer that does not read back (an older version's, or damaged)
        is simply missing, and its question is asked again."""
        return cls(
            title=_text(data.get("title")),
            provider=_text(data.get("provider")),
            completed_on=_parsed(date.fromisoformat, data.get("completed_on")),
            cecs=_parsed(Decimal, data.get("cecs")),
            organization=_parsed(Organization, data.get("organization")),
            proof_id=_id(data.get("proof_id")),
            same_as=_id(data.get("same_as")),
            pending_cecs=_parsed(Decimal, data.get("pending_cecs")),
            read=_texts(data.get("read")),
            filling=data.get("filling") is True,
        )


def _texts(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if isinstance(k, str) and isinstance(v, str) and v}


def _id(value: object) -> int | None:
    return value if type(value) is int else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _parsed(parse: Any, value: object) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return parse(value)
    except (ValueError, InvalidOperation):
        return None
