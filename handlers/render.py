"""Turn the use cases' answers into chat text (HTML parse mode: everything escaped)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape

from domain.cecs import format_cecs
from domain.cycles import CertState
from domain.money import format_usd
from domain.services.cec_status import CecGroup, CecStatus
from domain.services.certifications import CertificationView
from domain.services.invoices import InvoiceView

STATE_LABELS = {
    CertState.ACTIVE: "active",
    CertState.RENEWAL_OPEN: "renewal open",
    CertState.GRACE: "in grace period (renew with a late fee)",
    CertState.LAPSED: "lapsed",
}


def us_date(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def progress_bar(done: Decimal, total: Decimal, width: int = 10) -> str:
    if total <= 0:
        return "▓" * width
    filled = min(width, int(done * width / total))
    return "▓" * filled + "░" * (width - filled)


def certification_block(view: CertificationView) -> str:
    lines = [
        f"<b>{escape(view.code)}</b> — {escape(view.name)}",
        f"Effective {us_date(view.effective_date)} · thru {us_date(view.thru_date)}",
        f"State: {STATE_LABELS[view.state]}",
    ]
    if view.state is CertState.ACTIVE:
        lines.append(f"Renewal opens {us_date(view.renewal_opens_on)}.")
    elif view.state is CertState.GRACE:
        lines.append(f"Renewable until {us_date(view.grace_ends_on)}.")
    if view.invoice_number:
        lines.append(f"Invoice {escape(view.invoice_number)} issued for this cycle.")
    return "\n".join(lines)


def certifications_text(views: Sequence[CertificationView]) -> str:
    if not views:
        return "You hold no ACSM certifications on file."
    return "<b>My certifications</b>\n\n" + "\n\n".join(certification_block(v) for v in views)


def cec_group_block(group: CecGroup) -> str:
    names = ", ".join(f"{escape(code)}" for code, _ in group.certifications)
    needed = group.still_needed
    lines = [
        f"<b>{names}</b> (thru {us_date(group.thru_date)})",
        f"{progress_bar(group.total, group.required)} {format_cecs(group.total)}"
        f" of {format_cecs(group.required)} CECs",
        cec_sources_line(group),
    ]
    if needed > 0:
        lines.append(
            f"You still need <b>{format_cecs(needed)}</b> CECs out of "
            f"{format_cecs(group.required)} for {names}."
        )
    else:
        lines.append(f"You have all {format_cecs(group.required)} CECs needed for {names}.")
    lines.append(f"Deadline: {us_date(group.thru_date)}, 11:59 PM.")
    if not group.renewal_open:
        lines.append(f"Renewal opens {us_date(group.renewal_opens_on)}.")
    return "\n".join(lines)


def cec_sources_line(group: CecGroup) -> str:
    """Which CECs come from where: ACSM's record, the member's log, numbers typed at renewal."""
    parts = [
        f"ACSM-recorded: {format_cecs(group.acsm_recorded)}",
        f"logged by you: {format_cecs(group.logged)}"
        + (
            f" ({format_cecs(group.logged_acsm)} ACSM, {format_cecs(group.logged_other)} other)"
            if group.logged
            else ""
        ),
    ]
    typed = group.member_entered - group.logged
    if typed > 0:
        parts.append(f"typed at renewal: {format_cecs(typed)} more")
    return " · ".join(parts)


def cec_status_text(status: CecStatus) -> str:
    if not status.groups:
        return "You have no certification in a current cycle: nothing to count CECs for."
    return "<b>CECs</b>\n\n" + "\n\n".join(cec_group_block(g) for g in status.groups)


def invoice_block(invoice: InvoiceView) -> str:
    return "\n".join(
        [
            f"<b>Invoice {escape(invoice.number)}</b> · {us_date(invoice.issued_on)}",
            escape(invoice.description),
            f"Amount {format_usd(invoice.amount_cents)} · Balance {format_usd(invoice.balance_cents)}",
        ]
    )
