"""`acsm-bot audit decide` on a real database (in this process, tests/cli/run.py): a verdict
on a submitted audit only, a reason to reject, deciding again; each verdict leaves a notice
for the running bot to send."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.audits import Verdict
from storage.database import Database
from tests.cli.test_audit_cli import acsm_bot, selected_with_a_proof
from tests.storage.helpers import seed_member


async def submitted(database: Database) -> None:
    await selected_with_a_proof(database)
    async with database.unit_of_work() as uow:
        (audit,) = await uow.audits.for_member("111")
        audit.submitted_at = datetime(2027, 1, 6, tzinfo=UTC)
        await uow.audits.save(audit)


async def notices(database: Database) -> list[tuple[Verdict, str | None]]:
    async with database.unit_of_work() as uow:
        return [(n.verdict, n.reason) for n in await uow.audits.unsent_notices(10)]


async def test_accept(database: Database, database_url: str) -> None:
    await submitted(database)
    done = acsm_bot(database_url, "audit", "decide", "111", "accept")
    assert done.returncode == 0, done.stderr
    assert "audit of member 111 accepted" in done.stdout
    status = acsm_bot(database_url, "audit", "status")
    assert status.stdout.splitlines()[1].endswith("accepted")
    assert await notices(database) == [(Verdict.ACCEPT, None)]


async def test_reject_needs_a_reason(database: Database, database_url: str) -> None:
    await submitted(database)
    for reason in ((), ("--reason", "   ")):
        refused = acsm_bot(database_url, "audit", "decide", "111", "reject", *reason)
        assert refused.returncode != 0
        assert "a reason is required to reject" in refused.stderr
        assert len(refused.stderr.strip().splitlines()) == 1
    assert await notices(database) == []
    status = acsm_bot(database_url, "audit", "status")
    assert status.stdout.splitlines()[1].endswith("submitted")


async def test_unknown_member_and_no_audit(database: Database, database_url: str) -> None:
    await submitted(database)
    await seed_member(database.unit_of_work, "222")
    unknown = acsm_bot(database_url, "audit", "decide", "999", "accept")
    assert unknown.returncode != 0 and "no member with ACSM ID 999" in unknown.stderr
    none = acsm_bot(database_url, "audit", "decide", "222", "accept")
    assert none.returncode != 0 and "member 222 has no audit" in none.stderr
    assert await notices(database) == []


async def test_not_submitted_is_refused(database: Database, database_url: str) -> None:
    await selected_with_a_proof(database)  # selected, a file attached, not submitted
    refused = acsm_bot(database_url, "audit", "decide", "111", "accept")
    assert refused.returncode != 0
    assert "is pending: nothing submitted to decide" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1
    assert await notices(database) == []


async def test_decide_again(database: Database, database_url: str) -> None:
    await submitted(database)
    first = acsm_bot(database_url, "audit", "decide", "111", "reject", "--reason", "Blurry scan")
    assert first.returncode == 0, first.stderr
    assert acsm_bot(database_url, "audit", "status").stdout.splitlines()[1].endswith("rejected")
    again = acsm_bot(database_url, "audit", "decide", "111", "accept")
    assert again.returncode == 0, again.stderr
    assert acsm_bot(database_url, "audit", "status").stdout.splitlines()[1].endswith("accepted")
    async with database.unit_of_work() as uow:
        (audit,) = await uow.audits.for_member("111")
    assert audit.verdict is Verdict.ACCEPT and audit.decision_reason is None
    assert audit.decided_at is not None
    assert await notices(database) == [(Verdict.REJECT, "Blurry scan"), (Verdict.ACCEPT, None)]
