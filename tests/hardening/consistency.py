"""Database invariants every hardening test checks after hostile input, faults and kills.

Plain SQL over the real tables, so a bug in the repositories cannot hide a broken row.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import text

from storage.database import Database

MAX_HALF_CECS = 999 * 2  # CECs are stored in half units

CHECKS: dict[str, str] = {
    "invoice without lines": """
        SELECT number FROM invoices i
        WHERE NOT EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_number = i.number)""",
    "two invoices for one certification cycle": """
        SELECT certification_id FROM invoice_lines
        GROUP BY certification_id, cycle_thru HAVING COUNT(*) > 1""",
    "CECs out of range in a draft": f"""
        SELECT acsm_id FROM renewal_drafts
        WHERE acsm_half_cecs < 0 OR acsm_half_cecs > {MAX_HALF_CECS}
           OR other_half_cecs < 0 OR other_half_cecs > {MAX_HALF_CECS}""",
    "CECs out of range on an invoice": f"""
        SELECT number FROM invoices
        WHERE acsm_half_cecs < 0 OR acsm_half_cecs > {MAX_HALF_CECS}
           OR other_half_cecs < 0 OR other_half_cecs > {MAX_HALF_CECS}""",
    "invoice amount or balance out of range": """
        SELECT number FROM invoices
        WHERE amount_cents <= 0 OR balance_cents < 0 OR balance_cents > amount_cents""",
    "paid invoice with a balance or no payment": """
        SELECT number FROM invoices
        WHERE status = 'paid' AND (balance_cents <> 0 OR payment_charge_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM payments p WHERE p.charge_id = invoices.payment_charge_id))""",
    "open invoice marked with a payment": """
        SELECT number FROM invoices WHERE status <> 'paid' AND payment_charge_id IS NOT NULL""",
    "negative CEC activity": "SELECT id FROM cec_activities WHERE half_cecs < 0",
    "logged CEC activity out of range": """
        SELECT id FROM logged_cec_activities WHERE half_cecs <= 0 OR half_cecs > 200""",
    "proof file not the member's own": """
        SELECT l.id FROM logged_cec_activities l JOIN proof_files p ON p.id = l.proof_id
        WHERE p.acsm_id <> l.acsm_id""",
    "audit certificate not the member's own": """
        SELECT a.id FROM audits a JOIN audit_proofs ap ON ap.audit_id = a.id
        JOIN proof_files p ON p.id = ap.proof_id WHERE p.acsm_id <> a.acsm_id""",
    "submitted audit without a certificate": """
        SELECT id FROM audits a WHERE submitted_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM audit_proofs ap WHERE ap.audit_id = a.id)""",
}


@dataclass(frozen=True)
class Counts:
    invoices: int
    paid_invoices: int
    payments: int


async def broken_rows(database: Database) -> dict[str, list[str]]:
    """Each invariant that some rows break, with (up to 5 of) those rows' keys."""
    broken: dict[str, list[str]] = {}
    async with database.connect() as connection:
        for name, sql in CHECKS.items():
            rows = (await connection.execute(text(sql))).scalars().all()
            if rows:
                broken[name] = [str(r) for r in rows[:5]]
    return broken


async def counts(database: Database) -> Counts:
    async with database.connect() as connection:

        async def one(sql: str) -> int:
            return int((await connection.execute(text(sql))).scalar_one())

        # The sample member Fay (100006) starts with a paid renewal: counted out.
        others = "COALESCE(acsm_id, '') <> '100006'"
        return Counts(
            invoices=await one(f"SELECT COUNT(*) FROM invoices WHERE {others}"),
            paid_invoices=await one(
                f"SELECT COUNT(*) FROM invoices WHERE status = 'paid' AND {others}"
            ),
            payments=await one(f"SELECT COUNT(*) FROM payments WHERE {others}"),
        )


async def replies_sent(database: Database, timeout: float = 30.0) -> None:
    """Wait until no handled update has replies waiting to be sent (each is cleared once
    sent): a kill after this cuts no turn's replies short."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with database.connect() as connection:
            waiting = (
                await connection.execute(
                    text("SELECT COUNT(*) FROM inbox WHERE replies IS NOT NULL")
                )
            ).scalar_one()
        if not waiting:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"{waiting} updates still have replies waiting")
        await asyncio.sleep(0.05)
