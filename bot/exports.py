"""`acsm-bot invoices export FILE.csv`: every invoice with its status and payment ids, then
every payment that extended nothing (status `payment_flagged`, the reason as description)
for staff to sort out.

`csv_export` is the one way the staff exports write CSV (this one and `audit export`'s
table): every cell of every row goes through `cell`, so none is run as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from domain.cecs import format_cecs
from domain.ports import UnitOfWork
from storage.files import folder_of, replaced_file

COLUMNS = [
    "number",
    "acsm_id",
    "issued_on",
    "description",
    "certifications",
    "amount",
    "late_fee",
    "balance",
    "status",
    "acsm_cecs",
    "other_cecs",
    "telegram_payment_charge_id",
    "paid_at",
    "provider_payment_charge_id",  # last: readers of the older columns by position still work
]


# OWASP "CSV Injection": a cell starting with one of these is read as a formula by
# spreadsheets; a leading single quote makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


class SafeCsvWriter:
    """csv.writer whose every cell is neutralised by `cell`."""

    def __init__(self, handle: TextIO) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[str]) -> None:
        self._writer.writerow([cell(value) for value in row])


@contextmanager
def csv_export(path: Path | str, folder: int | None = None) -> Iterator[SafeCsvWriter]:
    """An owner-only CSV file (UTF-8) written through a `SafeCsvWriter`: `path` is a name in
    the open `folder`, or (None) a path staff named. A symlink there is replaced, not
    followed; the file appears whole or not at all (storage/files.py)."""
    if folder is None:
        path = Path(path)
        with folder_of(path) as parent, csv_export(path.name, parent) as writer:
            yield writer
        return
    with (
        replaced_file(folder, str(path)) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle,
    ):
        yield SafeCsvWriter(handle)


def dollars(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


async def export_invoices(uow: UnitOfWork, path: Path) -> int:
    """Write the CSV (UTF-8, header row, owner-only file, no cell a spreadsheet would run as
    a formula) from the caller's open unit of work; return how many invoices were written."""
    count = 0
    providers = await uow.payments.provider_charge_ids()
    with csv_export(path) as writer:
        writer.writerow(COLUMNS)
        async for invoice in uow.invoices.iterate_all():
            row = [
                invoice.number,
                invoice.acsm_id,
                invoice.issued_on.isoformat(),
                invoice.description,
                " ".join(line.code for line in invoice.lines),
                dollars(invoice.amount_cents),
                dollars(invoice.late_fee_cents),
                dollars(invoice.balance_cents),
                invoice.status.value,
                format_cecs(invoice.acsm_cecs),
                format_cecs(invoice.other_cecs),
                invoice.payment_charge_id or "",
                invoice.paid_at.isoformat() if invoice.paid_at else "",
                providers.get(invoice.payment_charge_id or "", ""),
            ]
            writer.writerow(row)
            count += 1
        for payment in await uow.payments.flagged():
            writer.writerow(
                [
                    "",
                    payment.acsm_id or "",
                    payment.paid_at.date().isoformat(),
                    payment.note or "",
                    "",
                    dollars(payment.total_cents) if payment.currency == "USD" else "",
                    "",
                    "",
                    "payment_flagged",
                    "",
                    "",
                    payment.charge_id,
                    payment.paid_at.isoformat(),
                    payment.provider_charge_id,
                ]
            )
    return count
