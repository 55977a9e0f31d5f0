"""A newer CPR/AED card, given in the renewal when the expiry on file is past (or unknown).

The member types the new card's expiry date (read like /addcec's dates: MM/DD/YYYY or
YYYY-MM-DD, ASCII digits only) and sends a photo or PDF of the card, kept like a certificate
(domain/tracker.py's proof files: JPEG, PNG or PDF by content, up to 10 MB). The expiry must
be today or later (the card is current) and within a few years (a card is valid for about
two years: a later year is a typing error).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain import cycles
from domain.errors import N_, InvalidInputError
from domain.tracker import parse_typed_date

MAX_YEARS_AHEAD = 5  # CPR/AED cards are valid for two years; 2031 typed for 2027 is refused
DATE_FORMATS = N_("MM/DD/YYYY (e.g. 06/30/2027) or YYYY-MM-DD")


@dataclass(frozen=True)
class CprAedCard:
    """A CPR/AED card the member gave in the chat: its expiry and the stored file."""

    acsm_id: str
    expires: date
    proof_id: int  # domain/tracker.py ProofFile: the photo or PDF of the card
    uploaded_at: datetime
    id: int | None = None  # assigned by storage


def parse_card_expiry(text: str) -> date:
    """A typed expiry date (InvalidInputError with the reason when it is no date)."""
    return parse_typed_date(text, DATE_FORMATS)


def check_card_expiry(expires: date, today: date) -> date:
    """The card must be current (expiring today or later) and its year plausible."""
    if expires < today:
        raise InvalidInputError(
            "{date} is past: a card that expired then is not current, and a "
            "current CPR/AED certification is required to renew.",
            date=expires.strftime("%m/%d/%Y"),
        )
    if expires > cycles.add_years(today, MAX_YEARS_AHEAD):
        raise InvalidInputError(
            "{date} is more than {years} years away: CPR/AED cards are "
            "valid for about two years. Check the year on the card.",
            date=expires.strftime("%m/%d/%Y"),
            years=MAX_YEARS_AHEAD,
        )
    return expires


def card_expiry(text: str, today: date) -> date:
    """A typed expiry date, read and checked (InvalidInputError: the reason, ask again)."""
    return check_card_expiry(parse_card_expiry(text), today)
