"""Renewal by CECs, one step at a time; the draft is saved after every step.

choose -> contact -> CPR/AED -> ACSM CECs -> other CECs -> acknowledge -> invoice (DONE).
The step is derived from the saved draft, so a restart resumes exactly where it was.

An expired (or unknown) CPR/AED date on file does not end it: at the CPR/AED step the member
may give a newer card, its expiry date (saved in the draft, step CPR_CARD) then a photo or
PDF of it, kept like a certificate; the card is recorded, the member's expiry on file
becomes the new one, and the renewal goes on to the CEC steps.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from domain import cycles
from domain.cecs import parse_cecs
from domain.cpr_cards import CprAedCard, card_expiry, check_card_expiry
from domain.errors import InvalidInputError, NotFoundError, RefusedError
from domain.identity import mask_email, mask_phone
from domain.invoices import new_invoice, unique_invoice_number
from domain.model import Certification, Invoice, InvoiceLine, Member, RenewalDraft
from domain.ports import DuplicateInvoiceError, UnitOfWork
from domain.renewal_rules import (
    Refusal,
    cecs_short_by,
    cpr_refusal,
    late_fee_cents,
    renewal_fee_cents,
    required_cecs,
    window_refusal,
)
from domain.rules import Rules
from domain.services.cec_status import cycle_cecs
from domain.services.certifications import (
    CertificationView,
    certification_views,
    sorted_certifications,
    state_of,
)
from domain.services.invoices import InvoiceView
from domain.services.session import needs_proof, require_member, require_proven
from domain.services.tracker import store_proof
from domain.validation import check_email, check_phone, readable_phone

MAX_ADD_TRIES = 5


class RenewalStep(StrEnum):
    CHOOSE = "choose"
    # A Renew button for one certification while others share its window: renew them
    # together (one invoice, the combined fee) or only this one? Never saved in a draft.
    TOGETHER = "together"
    CONTACT = "contact"
    CPR = "cpr"
    CPR_CARD = "cpr_card"  # a newer card's expiry typed: waiting for its photo or PDF
    ACSM_CECS = "acsm_cecs"
    OTHER_CECS = "other_cecs"
    ACKNOWLEDGE = "acknowledge"
    DONE = "done"


@dataclass(frozen=True)
class Contact:
    """The contact details as shown to the member: masked (`masked`) until a member who
    logged in with the default credentials has proven who they are."""

    full_name: str
    email: str
    phone: str | None
    masked: bool = False

    def hidden(self) -> Contact:
        return replace(
            self, email=mask_email(self.email), phone=mask_phone(self.phone), masked=True
        )


@dataclass(frozen=True)
class RenewalProgress:
    step: RenewalStep
    choices: list[CertificationView]  # at CHOOSE: the renewable certifications
    certifications: list[CertificationView]  # being renewed
    contact: Contact
    cpr_aed_expires: date | None
    required_cecs: Decimal  # highest among the certifications renewed
    acsm_recorded: Decimal  # ACSM-recorded CECs in the cycle
    acsm_cecs: Decimal | None  # typed by the member
    other_cecs: Decimal | None  # typed by the member
    short_by: Decimal | None = None  # set (with the typed numbers) when they fell short
    fee_cents: int = 0  # without the late fee
    late_fee_cents: int = 0
    new_thru: date | None = None
    invoice: InvoiceView | None = None
    logged_acsm: Decimal = Decimal(0)  # logged by the member in the cycle (/addcec), ACSM
    logged_other: Decimal = Decimal(0)  # logged by the member, other organizations
    together_fee_cents: int = 0  # at TOGETHER: the fee of `choices` renewed together
    cpr_new_expires: date | None = None  # at CPR_CARD: the newer card's expiry, typed
    cpr_current: bool = True  # the CPR/AED expiry on file is known and not past (today)

    @property
    def newer_card_offered(self) -> bool:
        """At the CPR/AED step: may the member give a newer card? (the date on file is past
        or unknown)"""
        return not self.cpr_current

    @property
    def suggested_acsm(self) -> Decimal:
        """What the ACSM step offers as a button: recorded + logged ACSM CECs."""
        return self.acsm_recorded + self.logged_acsm


STEP_ORDER = list(RenewalStep)


def step_of(draft: RenewalDraft) -> RenewalStep:
    if not draft.certification_ids:
        return RenewalStep.CHOOSE
    if not draft.contact_confirmed:
        return RenewalStep.CONTACT
    if not draft.cpr_confirmed:
        return RenewalStep.CPR if draft.cpr_new_expires is None else RenewalStep.CPR_CARD
    if draft.acsm_cecs is None:
        return RenewalStep.ACSM_CECS
    if draft.other_cecs is None:
        return RenewalStep.OTHER_CECS
    if not draft.acknowledged:
        return RenewalStep.ACKNOWLEDGE
    return RenewalStep.DONE


def reached(draft: RenewalDraft, step: RenewalStep) -> bool:
    return STEP_ORDER.index(step_of(draft)) >= STEP_ORDER.index(step)


# ---- reading the member's certifications -------------------------------------------------


async def member_certs(uow: UnitOfWork, member: Member) -> list[Certification]:
    return sorted_certifications(await uow.certifications.for_member(member.acsm_id))


def pick(certs: list[Certification], ids: list[int]) -> list[Certification]:
    """The member's certifications with these ids; NotFoundError for any other id."""
    by_id = {c.id: c for c in certs}
    missing = [i for i in ids if i not in by_id]
    if missing or not ids:
        raise NotFoundError("Certification not found.")
    return [by_id[i] for i in sorted(set(ids))]


async def existing_invoice(uow: UnitOfWork, certs: list[Certification]) -> Invoice | None:
    for cert in certs:
        assert cert.id is not None
        invoice = await uow.invoices.for_cycle(cert.id, cert.thru_date)
        if invoice is not None:
            return invoice
    return None


def refuse_window(rules: Rules, certs: list[Certification]) -> None:
    states = [(state_of(rules, c), cycles.renewal_opens_on(c.thru_date)) for c in certs]
    refusal = window_refusal(states, rules.acsm_contact)
    if refusal is not None:
        raise RefusedError(refusal)
    if len({c.thru_date for c in certs}) > 1:
        raise InvalidInputError(
            "Certifications with different thru dates are renewed separately: choose those "
            "sharing one thru date."
        )


def why_nothing_renewable(rules: Rules, certs: list[Certification]) -> Refusal:
    if not certs:
        return Refusal.nothing_to_renew()
    waiting = [c for c in certs if state_of(rules, c) is cycles.CertState.ACTIVE]
    if waiting:
        return Refusal.not_yet_open(min(cycles.renewal_opens_on(c.thru_date) for c in waiting))
    return Refusal.lapsed(rules.acsm_contact)


# ---- building the answer -------------------------------------------------------------------


def contact_of(member: Member) -> Contact:
    return Contact(
        full_name=member.full_name, email=member.email, phone=readable_phone(member.phone)
    )


async def progress_of(
    uow: UnitOfWork,
    rules: Rules,
    member: Member,
    draft: RenewalDraft,
    choices: list[Certification] | None = None,
) -> RenewalProgress:
    certs = [c for c in await member_certs(uow, member) if c.id in draft.certification_ids]
    types = [rules.catalog.get(c.code) for c in certs]
    thru = certs[0].thru_date if certs else None
    step = step_of(draft)
    invoice = await existing_invoice(uow, certs) if step is RenewalStep.DONE else None
    cecs = await cycle_cecs(uow, member.acsm_id, certs)
    return RenewalProgress(
        step=step,
        choices=await certification_views(uow, rules, choices or []),
        certifications=await certification_views(uow, rules, certs),
        contact=contact_of(member),
        cpr_aed_expires=member.cpr_aed_expires,
        required_cecs=required_cecs(types),
        acsm_recorded=cecs.recorded,
        acsm_cecs=draft.acsm_cecs,
        other_cecs=draft.other_cecs,
        fee_cents=renewal_fee_cents(types, rules.catalog),
        late_fee_cents=late_fee_cents([state_of(rules, c) for c in certs], rules.catalog),
        new_thru=cycles.new_thru_date(thru) if thru else None,
        invoice=InvoiceView.of(invoice) if invoice else None,
        logged_acsm=cecs.logged_acsm,
        logged_other=cecs.logged_other,
        cpr_new_expires=draft.cpr_new_expires,
        cpr_current=cpr_current(rules, member),
    )


async def done_progress(
    uow: UnitOfWork, rules: Rules, member: Member, invoice: Invoice
) -> RenewalProgress:
    """The answer when the cycle already has its invoice: that invoice, never a second."""
    draft = RenewalDraft(
        acsm_id=member.acsm_id,
        certification_ids=[line.certification_id for line in invoice.lines],
        contact_confirmed=True,
        cpr_confirmed=True,
        acsm_cecs=invoice.acsm_cecs,
        other_cecs=invoice.other_cecs,
        acknowledged=True,
    )
    progress = await progress_of(uow, rules, member, draft)
    return replace(
        progress,
        invoice=InvoiceView.of(invoice),
        fee_cents=invoice.amount_cents - invoice.late_fee_cents,
        late_fee_cents=invoice.late_fee_cents,
        new_thru=max(line.new_thru for line in invoice.lines),
    )


async def save_draft(uow: UnitOfWork, rules: Rules, draft: RenewalDraft) -> None:
    draft.updated_at = rules.clock.now()
    await uow.drafts.save(draft)


async def load_draft(uow: UnitOfWork, member: Member) -> RenewalDraft:
    draft = await uow.drafts.get(member.acsm_id)
    if draft is None:
        raise NotFoundError("No renewal in progress: start one with /renew.")
    return draft


P = ParamSpec("P")
R = TypeVar("R", RenewalProgress, RenewalProgress | None)


def _shown(
    use_case: Callable[Concatenate[UnitOfWork, Rules, int, P], Awaitable[R]],
) -> Callable[Concatenate[UnitOfWork, Rules, int, P], Awaitable[R]]:
    """A use case whose answer shows the contact details masked until the member has proven
    who they are (a login with the default credentials proves nothing)."""

    @functools.wraps(use_case)
    async def shown(
        uow: UnitOfWork, rules: Rules, telegram_user_id: int, /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        progress = await use_case(uow, rules, telegram_user_id, *args, **kwargs)
        if progress is None:
            return progress
        found = await uow.sessions.get_with_member(telegram_user_id)
        if found is None or needs_proof(found[1], found[0]):
            return replace(progress, contact=progress.contact.hidden())
        return progress

    return shown


# ---- use cases ------------------------------------------------------------------------------


@_shown
async def start_renewal(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, certification_ids: list[int] | None
) -> RenewalProgress:
    """Begin (or resume) renewing. None: the only renewable certification, or CHOOSE when
    several are open. RefusedError when not open yet / lapsed / nothing to renew. When the
    cycle already has an invoice: step DONE with that invoice."""
    member = await require_member(uow, rules, telegram_user_id)
    certs = await member_certs(uow, member)
    if certification_ids is None:
        progress = await _start_any(uow, rules, member, certs)
    elif len(set(certification_ids)) == 1:
        progress = await _start_one(uow, rules, member, certs, pick(certs, certification_ids)[0])
    else:
        progress = await _start_chosen(uow, rules, member, pick(certs, certification_ids))
    return progress


async def companions(
    uow: UnitOfWork, rules: Rules, certs: list[Certification], cert: Certification
) -> list[Certification]:
    """The member's other certifications renewable in the same window as `cert` (same thru
    date, open or in grace) whose cycle has no invoice yet."""
    return [
        other
        for other in certs
        if other.id != cert.id
        and other.thru_date == cert.thru_date
        and cycles.is_renewable(state_of(rules, other))
        and await existing_invoice(uow, [other]) is None
    ]


async def _start_one(
    uow: UnitOfWork, rules: Rules, member: Member, certs: list[Certification], cert: Certification
) -> RenewalProgress:
    """A Renew button for one certification: its cycle's invoice if there is one; the renewal
    in progress that includes it; else, when others can be renewed in the same window, the
    offer to renew them together (step TOGETHER; nothing saved); else renew it alone."""
    invoice = await existing_invoice(uow, [cert])
    if invoice is not None:
        return await done_progress(uow, rules, member, invoice)
    refuse_window(rules, [cert])
    draft = await uow.drafts.get(member.acsm_id)
    in_progress = (
        draft is not None and cert.id in draft.certification_ids and not draft.acknowledged
    )
    if draft is not None and in_progress and not await _stale(uow, rules, member, draft):
        return await progress_of(uow, rules, member, draft)
    others = await companions(uow, rules, certs, cert)
    if not others:
        return await _start_chosen(uow, rules, member, [cert])
    alone = RenewalDraft(acsm_id=member.acsm_id, certification_ids=[cert.id or 0])
    progress = await progress_of(uow, rules, member, alone, choices=[cert, *others])
    types = [rules.catalog.get(c.code) for c in [cert, *others]]
    return replace(
        progress,
        step=RenewalStep.TOGETHER,
        together_fee_cents=renewal_fee_cents(types, rules.catalog),
    )


@_shown
async def renew_together(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, certification_id: int
) -> RenewalProgress:
    """Renew this certification together with every other one renewable in its window now
    (computed at the press, never read from the button): one invoice, the combined fee."""
    member = await require_member(uow, rules, telegram_user_id)
    certs = await member_certs(uow, member)
    (cert,) = pick(certs, [certification_id])
    invoice = await existing_invoice(uow, [cert])
    if invoice is not None:
        return await done_progress(uow, rules, member, invoice)
    refuse_window(rules, [cert])
    together = [cert, *await companions(uow, rules, certs, cert)]
    return await _start_chosen(uow, rules, member, pick(certs, [c.id or 0 for c in together]))


async def _start_any(
    uow: UnitOfWork, rules: Rules, member: Member, certs: list[Certification]
) -> RenewalProgress:
    renewable = [c for c in certs if cycles.is_renewable(state_of(rules, c))]
    if not renewable:
        raise RefusedError(why_nothing_renewable(rules, certs))
    open_ = [c for c in renewable if await existing_invoice(uow, [c]) is None]
    if not open_:
        invoice = await existing_invoice(uow, renewable)
        assert invoice is not None
        return await done_progress(uow, rules, member, invoice)
    if len(open_) == 1:
        return await _start_chosen(uow, rules, member, open_)
    draft = RenewalDraft(acsm_id=member.acsm_id)
    await save_draft(uow, rules, draft)
    return await progress_of(uow, rules, member, draft, choices=open_)


async def _start_chosen(
    uow: UnitOfWork, rules: Rules, member: Member, chosen: list[Certification]
) -> RenewalProgress:
    invoice = await existing_invoice(uow, chosen)
    if invoice is not None:
        return await done_progress(uow, rules, member, invoice)
    refuse_window(rules, chosen)
    ids = [c.id for c in chosen if c.id is not None]
    draft = await uow.drafts.get(member.acsm_id)
    if draft is None or sorted(draft.certification_ids) != ids or draft.acknowledged:
        draft = RenewalDraft(acsm_id=member.acsm_id, certification_ids=ids)
        await save_draft(uow, rules, draft)
    return await progress_of(uow, rules, member, draft)


@_shown
async def choose_certifications(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, certification_ids: list[int]
) -> RenewalProgress:
    """Renew these together (they must share a thru date)."""
    member = await require_member(uow, rules, telegram_user_id)
    chosen = pick(await member_certs(uow, member), certification_ids)
    return await _start_chosen(uow, rules, member, chosen)


@_shown
async def renewal_progress(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int
) -> RenewalProgress | None:
    """Where the member's renewal stands (None when there is no draft)."""
    member = await require_member(uow, rules, telegram_user_id)
    draft = await uow.drafts.get(member.acsm_id)
    if draft is not None and await _stale(uow, rules, member, draft):
        await uow.drafts.delete(member.acsm_id)
        draft = None
    if draft is None:
        return None
    choices = None
    if step_of(draft) is RenewalStep.CHOOSE:
        certs = await member_certs(uow, member)
        renewable = [c for c in certs if cycles.is_renewable(state_of(rules, c))]
        choices = [c for c in renewable if await existing_invoice(uow, [c]) is None]
    return await progress_of(uow, rules, member, draft, choices)


async def _stale(uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft) -> bool:
    """A draft left behind: its certifications are gone or no longer renewable (lapsed, or
    extended by a payment) while no invoice was issued from it."""
    if step_of(draft) is RenewalStep.DONE or not draft.certification_ids:
        return False
    certs = [c for c in await member_certs(uow, member) if c.id in draft.certification_ids]
    if len(certs) != len(set(draft.certification_ids)):
        return True
    return not all(cycles.is_renewable(state_of(rules, c)) for c in certs)


@_shown
async def update_contact(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    *,
    email: str | None = None,
    phone: str | None = None,
) -> RenewalProgress:
    """Change the email and/or phone ('-' or empty removes the phone); InvalidInputError when
    either is refused (domain/validation.py). Records when the contact changed, so that a
    later `members import` of an older file does not overwrite it. ProofNeededError until a
    member who logged in with the default credentials has proven who they are."""
    member = await require_proven(uow, rules, telegram_user_id)
    draft = await load_draft(uow, member)
    before = (member.email, member.phone)
    if email is not None:
        member.email = check_email(email)
    if phone is not None:
        member.phone = check_phone(phone)
    if (member.email, member.phone) != before:  # imports keep what the member changed
        member.contact_changed_at = rules.clock.now()
    await uow.members.save(member)
    return await progress_of(uow, rules, member, draft)


async def may_edit_contact(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> None:
    """Before asking for a new email or phone: ProofNeededError when `update_contact` would
    refuse it for want of proof."""
    await require_proven(uow, rules, telegram_user_id)


async def _advance(
    uow: UnitOfWork,
    rules: Rules,
    telegram_user_id: int,
    at: RenewalStep,
    change: _Change,
) -> RenewalProgress:
    """Apply one step's change to the draft when the renewal has reached that step."""
    member = await require_member(uow, rules, telegram_user_id)
    draft = await load_draft(uow, member)
    if reached(draft, at) and step_of(draft) is not RenewalStep.DONE:
        await change(uow, rules, member, draft)
        await save_draft(uow, rules, draft)
    return await progress_of(uow, rules, member, draft)


class _Change(Protocol):
    async def __call__(
        self, uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft
    ) -> None: ...


@_shown
async def confirm_contact(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> RenewalProgress:
    async def change(uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft) -> None:
        draft.contact_confirmed = True

    return await _advance(uow, rules, telegram_user_id, RenewalStep.CONTACT, change)


@_shown
async def confirm_cpr(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> RenewalProgress:
    """The member confirms a current CPR/AED; RefusedError when the expiry on file is past."""

    async def change(uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft) -> None:
        today = cycles.local_today(rules.timezone, rules.clock.now())
        refusal = cpr_refusal(member.cpr_aed_expires, today)
        if refusal is not None:
            raise RefusedError(refusal)
        draft.cpr_confirmed = True
        draft.cpr_new_expires = None

    return await _advance(uow, rules, telegram_user_id, RenewalStep.CPR, change)


AT_CPR = (RenewalStep.CPR, RenewalStep.CPR_CARD)


async def _at_cpr(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int
) -> tuple[Member, RenewalDraft]:
    """The member and their draft, which must be at the CPR/AED step (or waiting for a newer
    card's file); NotFoundError otherwise (a stale button: the renewal moved on)."""
    member = await require_member(uow, rules, telegram_user_id)
    draft = await load_draft(uow, member)
    if step_of(draft) not in AT_CPR:
        raise NotFoundError("Your renewal is past the CPR/AED step.")
    return member, draft


def cpr_current(rules: Rules, member: Member) -> bool:
    today = cycles.local_today(rules.timezone, rules.clock.now())
    return member.cpr_aed_expires is not None and member.cpr_aed_expires >= today


@_shown
async def offer_newer_card(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> RenewalProgress:
    """ "I have a newer card": at the CPR/AED step, or later while the expiry on file is not
    current (it passed before the acknowledgement, or an import changed it: the renewal goes
    back to the CPR/AED step, the CECs typed kept); NotFoundError otherwise (a stale button).
    An expiry typed before is forgotten: the date is asked again."""
    member = await require_member(uow, rules, telegram_user_id)
    draft = await load_draft(uow, member)
    step = step_of(draft)
    later = reached(draft, RenewalStep.ACSM_CECS) and step is not RenewalStep.DONE
    if step not in AT_CPR and not (later and not cpr_current(rules, member)):
        raise NotFoundError("Your renewal is past the CPR/AED step.")
    if draft.cpr_new_expires is not None or draft.cpr_confirmed:
        draft.cpr_new_expires = None
        draft.cpr_confirmed = False
        await save_draft(uow, rules, draft)
    return await progress_of(uow, rules, member, draft)


@_shown
async def enter_cpr_expiry(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, text: str
) -> RenewalProgress:
    """The newer card's expiry date, typed (InvalidInputError: not a date, past, or an
    implausible year; ask again). Saved in the draft: the step becomes CPR_CARD."""
    member, draft = await _at_cpr(uow, rules, telegram_user_id)
    today = cycles.local_today(rules.timezone, rules.clock.now())
    draft.cpr_new_expires = card_expiry(text, today)
    await save_draft(uow, rules, draft)
    return await progress_of(uow, rules, member, draft)


@_shown
async def add_cpr_card(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, data: bytes
) -> RenewalProgress:
    """The photo or PDF of the newer card: stored like a certificate (ProofRejectedError:
    wrong type, empty, too big, over the quota; nothing stored), the card recorded with the
    expiry typed, the member's CPR/AED expiry on file set to it, and the CPR/AED step done.
    When no expiry waits for a file (the renewal moved on meanwhile): nothing is stored and
    the renewal is shown where it is. When the expiry typed has passed meanwhile (a day
    went by): InvalidInputError, and the date is asked again."""
    member = await require_member(uow, rules, telegram_user_id)
    draft = await load_draft(uow, member)
    expires = draft.cpr_new_expires
    if step_of(draft) is not RenewalStep.CPR_CARD or expires is None:
        return await progress_of(uow, rules, member, draft)
    today = cycles.local_today(rules.timezone, rules.clock.now())
    try:
        check_card_expiry(expires, today)
    except InvalidInputError:
        draft.cpr_new_expires = None
        await save_draft(uow, rules, draft)
        raise
    proof = await store_proof(uow, rules, member.acsm_id, data)
    assert proof.id is not None
    now = rules.clock.now()
    await uow.cpr_cards.add(CprAedCard(member.acsm_id, expires, proof.id, now))
    member.cpr_aed_expires = expires
    await uow.members.save(member)
    draft.cpr_new_expires = None
    draft.cpr_confirmed = True
    await save_draft(uow, rules, draft)
    return await progress_of(uow, rules, member, draft)


@_shown
async def enter_acsm_cecs(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, text: str
) -> RenewalProgress:
    """The ACSM CECs the member reports (InvalidCecAmountError: ask again)."""
    value = parse_cecs(text)

    async def change(uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft) -> None:
        draft.acsm_cecs = value
        draft.other_cecs = None

    return await _advance(uow, rules, telegram_user_id, RenewalStep.ACSM_CECS, change)


@_shown
async def enter_other_cecs(
    uow: UnitOfWork, rules: Rules, telegram_user_id: int, text: str
) -> RenewalProgress:
    """CECs from other organizations. When ACSM + other CECs fall short of the requirement:
    `short_by` is set (with the numbers typed), the step goes back to ACSM_CECS, nothing is
    created."""
    value = parse_cecs(text)
    member = await require_member(uow, rules, telegram_user_id)
    draft = await load_draft(uow, member)
    if step_of(draft) is not RenewalStep.OTHER_CECS:
        return await progress_of(uow, rules, member, draft)
    progress = await _take_other_cecs(uow, rules, member, draft, value)
    return progress


async def _take_other_cecs(
    uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft, value: Decimal
) -> RenewalProgress:
    acsm = draft.acsm_cecs or Decimal(0)
    draft.other_cecs = value
    progress = await progress_of(uow, rules, member, draft)
    short = cecs_short_by(acsm, value, progress.required_cecs)
    if short > 0:
        draft.acsm_cecs = None
        draft.other_cecs = None
        progress = replace(
            progress, step=RenewalStep.ACSM_CECS, short_by=short, acsm_cecs=acsm, other_cecs=value
        )
    await save_draft(uow, rules, draft)
    return progress


@_shown
async def acknowledge(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> RenewalProgress:
    """The member ticks the acknowledgement: the invoice is issued (step DONE). Idempotent: a
    second call, or a concurrent one, shows the same invoice. Rules are checked again (the
    clock may have moved: lapsed, CPR expired) and refuse with RefusedError."""

    async def change(uow: UnitOfWork, rules: Rules, member: Member, draft: RenewalDraft) -> None:
        if step_of(draft) is not RenewalStep.ACKNOWLEDGE:
            return
        certs = pick(await member_certs(uow, member), draft.certification_ids)
        await issue_invoice(uow, rules, member, certs, draft)
        draft.acknowledged = True

    return await _advance(uow, rules, telegram_user_id, RenewalStep.ACKNOWLEDGE, change)


async def issue_invoice(
    uow: UnitOfWork, rules: Rules, member: Member, certs: list[Certification], draft: RenewalDraft
) -> Invoice:
    """The cycle's invoice: the existing one, else a new one after checking every rule."""
    existing = await existing_invoice(uow, certs)
    if existing is not None:
        return existing
    check_rules(rules, member, certs, draft)
    for _ in range(MAX_ADD_TRIES):
        invoice = await draft_invoice(uow, rules, member, certs, draft)
        try:
            await uow.invoices.add(invoice)
            return invoice
        except DuplicateInvoiceError:
            existing = await existing_invoice(uow, certs)
            if existing is not None:
                return existing  # a concurrent acknowledge won: show its invoice
    raise RuntimeError("could not store a new invoice")


def check_rules(
    rules: Rules, member: Member, certs: list[Certification], draft: RenewalDraft
) -> None:
    refuse_window(rules, certs)
    today = cycles.local_today(rules.timezone, rules.clock.now())
    refusal = cpr_refusal(member.cpr_aed_expires, today)
    required = required_cecs([rules.catalog.get(c.code) for c in certs])
    short = cecs_short_by(draft.acsm_cecs or Decimal(0), draft.other_cecs or Decimal(0), required)
    if refusal is None and short > 0:
        refusal = Refusal.cecs_short(short, required)
    if refusal is not None:
        raise RefusedError(refusal)


async def draft_invoice(
    uow: UnitOfWork, rules: Rules, member: Member, certs: list[Certification], draft: RenewalDraft
) -> Invoice:
    types = [rules.catalog.get(c.code) for c in certs]
    lines = [
        InvoiceLine(c.id, c.code, c.thru_date, cycles.new_thru_date(c.thru_date))
        for c in certs
        if c.id is not None
    ]
    return new_invoice(
        number=await unique_invoice_number(rules.new_invoice_number, uow.invoices.number_exists),
        acsm_id=member.acsm_id,
        issued_on=cycles.local_today(rules.timezone, rules.clock.now()),
        lines=lines,
        fee_cents=renewal_fee_cents(types, rules.catalog),
        late_fee_cents=late_fee_cents([state_of(rules, c) for c in certs], rules.catalog),
        acsm_cecs=draft.acsm_cecs or Decimal(0),
        other_cecs=draft.other_cecs or Decimal(0),
    )


async def cancel_renewal(uow: UnitOfWork, rules: Rules, telegram_user_id: int) -> None:
    """Forget the draft (an invoice already issued stays)."""
    member = await require_member(uow, rules, telegram_user_id)
    await uow.drafts.delete(member.acsm_id)
