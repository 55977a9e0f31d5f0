"""Turn the use cases' answers into chat text (HTML parse mode: everything escaped), in the
member's language (`says`: the turn, or an i18n Speaker)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from html import escape

from domain.cecs import format_cecs
from domain.cycles import CertState
from domain.invoices import description_parts
from domain.money import format_usd
from domain.services.cec_status import CecGroup, CecStatus
from domain.services.certifications import CertificationView
from domain.services.invoices import InvoiceView
from i18n import N_, Says

STATE_LABELS = {
    CertState.ACTIVE: N_("active"),
    CertState.RENEWAL_OPEN: N_("renewal open"),
    CertState.GRACE: N_("in grace period (renew with a late fee)"),
    CertState.LAPSED: N_("lapsed"),
}


def us_date(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def progress_bar(done: Decimal, total: Decimal, width: int = 10) -> str:
    if total <= 0:
        return "▓" * width
    filled = min(width, int(done * width / total))
    return "▓" * filled + "░" * (width - filled)


def certification_block(view: CertificationView, says: Says) -> str:
    lines = [
        f"<b>{escape(view.code)}</b> — {escape(view.name)}",
        says.gettext(
            "Effective {effective} · thru {thru}",
            effective=us_date(view.effective_date),
            thru=us_date(view.thru_date),
        ),
        says.gettext("State: {state}", state=says.gettext(STATE_LABELS[view.state])),
    ]
    if view.state is CertState.ACTIVE:
        lines.append(says.gettext("Renewal opens {date}.", date=us_date(view.renewal_opens_on)))
    elif view.state is CertState.GRACE:
        lines.append(says.gettext("Renewable until {date}.", date=us_date(view.grace_ends_on)))
    if view.invoice_number:
        lines.append(
            says.gettext(
                "Invoice {number} issued for this cycle.", number=escape(view.invoice_number)
            )
        )
    return "\n".join(lines)


def certifications_text(views: Sequence[CertificationView], says: Says) -> str:
    if not views:
        return says.gettext("You hold no ACSM certifications on file.")
    blocks = "\n\n".join(certification_block(v, says) for v in views)
    return says.gettext("<b>My certifications</b>") + "\n\n" + blocks


def cec_group_block(group: CecGroup, says: Says) -> str:
    names = ", ".join(f"{escape(code)}" for code, _ in group.certifications)
    needed = group.still_needed
    required = format_cecs(group.required)
    lines = [
        says.gettext("<b>{names}</b> (thru {date})", names=names, date=us_date(group.thru_date)),
        progress_bar(group.total, group.required)
        + " "
        + says.gettext(
            "{done} of {required} CECs", done=format_cecs(group.total), required=required
        ),
        cec_sources_line(group, says),
    ]
    if needed > 0:
        lines.append(
            says.gettext(
                "You still need <b>{needed}</b> CECs out of {required} for {names}.",
                needed=format_cecs(needed),
                required=required,
                names=names,
            )
        )
    else:
        lines.append(
            says.gettext(
                "You have all {required} CECs needed for {names}.", required=required, names=names
            )
        )
    lines.append(says.gettext("Deadline: {date}, 11:59 PM.", date=us_date(group.thru_date)))
    if not group.renewal_open:
        lines.append(says.gettext("Renewal opens {date}.", date=us_date(group.renewal_opens_on)))
    return "\n".join(lines)


def cec_sources_line(group: CecGroup, says: Says) -> str:
    """Which CECs come from where: ACSM's record, the member's log, numbers typed at renewal."""
    logged = says.gettext("logged by you: {logged}", logged=format_cecs(group.logged))
    if group.logged:
        logged += " " + says.gettext(
            "({acsm} ACSM, {other} other)",
            acsm=format_cecs(group.logged_acsm),
            other=format_cecs(group.logged_other),
        )
    parts = [says.gettext("ACSM-recorded: {cecs}", cecs=format_cecs(group.acsm_recorded)), logged]
    typed = group.member_entered - group.logged
    if typed > 0:
        parts.append(says.gettext("typed at renewal: {cecs} more", cecs=format_cecs(typed)))
    return " · ".join(parts)


def cec_status_text(status: CecStatus, says: Says) -> str:
    if not status.groups:
        return says.gettext(
            "You have no certification in a current cycle: nothing to count CECs for."
        )
    blocks = "\n\n".join(cec_group_block(g, says) for g in status.groups)
    return says.gettext("<b>CECs</b>") + "\n\n" + blocks


def invoice_block(invoice: InvoiceView, says: Says) -> str:
    return "\n".join(
        [
            says.gettext(
                "<b>Invoice {number}</b> · {date}",
                number=escape(invoice.number),
                date=us_date(invoice.issued_on),
            ),
            escape(invoice_description(invoice.description, says)),
            says.gettext(
                "Amount {amount} · Balance {balance}",
                amount=format_usd(invoice.amount_cents),
                balance=format_usd(invoice.balance_cents),
            ),
        ]
    )


def invoice_description(description: str, says: Says) -> str:
    """An invoice's stored description (domain/invoices.py, English) in the member's language."""
    parts = description_parts(description)
    return says.gettext(parts[0], **parts[1]) if parts else description
