"""The console at scale (issue 24), over HTTP against the real application and database: the
audit list comes a page at a time (latest selection first, every audit on exactly one page)
and each kind of member search finds what it should, with a plan that uses an index
(bench/bench_console.py times both with 1,000,000 members)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import event

from domain.audits import Audit, AuditState, Verdict
from domain.clock import FixedClock
from domain.model import Invoice, InvoiceStatus
from domain.rules import Rules
from storage.database import Database
from tests.staff_web.conftest import Staff, sign_in
from tests.storage.helpers import member

AUDIT_LINK = re.compile(r'href="/audits/(\d+)"')
ROW = re.compile(r'href="/audits/(\d+)".*?class="state state-(\w+)"', re.DOTALL)


async def audits(
    database: Database, count: int, due: Callable[[int, date], date] | None = None
) -> dict[int, date]:
    """`count` members, each with a paid invoice selected for audit on a day of its own
    (due 60 days later, or on due(k, day)); the audits' ids and selection days."""
    selected: dict[int, date] = {}
    async with database.unit_of_work() as uow:
        for k in range(count):
            acsm_id = f"{500 + k}"
            await uow.members.save(member(acsm_id, last_name=f"Member{k:03d}"))
            number = f"R{k:06d}"
            await uow.invoices.add(
                Invoice(
                    number, acsm_id, date(2026, 11, 1), "Recertification", 4500, 0, [],
                    status=InvoiceStatus.PAID,
                )
            )  # fmt: skip
            day = date(2026, 1, 1) + timedelta(days=(k * 37) % count)  # not in id order
            due_on = due(k, day) if due is not None else day + timedelta(days=60)
            audit = Audit(acsm_id, number, date(2026, 12, 31), day, due_on)
            assert await uow.audits.add(audit)
            assert audit.id is not None
            selected[audit.id] = day
    return selected


async def test_the_audit_list_comes_fifty_a_page_latest_selection_first(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    selected = await audits(database, 120)
    await sign_in(client, pat, clock)
    pages = []
    for page in (1, 2, 3):
        text = await (await client.get(f"/audits?page={page}")).text()
        assert f"Page {page} of 3 (120 audits)" in text
        assert ('rel="prev"' in text) == (page > 1) and ('rel="next"' in text) == (page < 3)
        pages.append([int(found) for found in AUDIT_LINK.findall(text)])
    assert [len(ids) for ids in pages] == [50, 50, 20]
    shown = [audit_id for ids in pages for audit_id in ids]
    assert sorted(shown) == sorted(selected)  # each audit once
    assert shown == sorted(selected, key=lambda i: (selected[i], i), reverse=True)
    first = await (await client.get("/audits")).text()
    assert [int(f) for f in AUDIT_LINK.findall(first)] == pages[0]
    past_the_end = await (await client.get("/audits?page=99")).text()
    assert "Page 3 of 3" in past_the_end
    nonsense = await client.get("/audits?page=-2x")
    assert nonsense.status == 200 and "Page 1 of 3" in await nonsense.text()


async def test_the_state_filter_shows_exactly_the_audits_in_that_state(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    today = clock.now().date()  # 01/10/2027: the other audits are overdue (due in 2026)
    selected = await audits(
        database, 60, lambda k, day: today + timedelta(days=k) if k % 5 == 1 else day
    )
    async with database.unit_of_work() as uow:  # every state, spread over the list
        for k, audit_id in enumerate(sorted(selected)):
            audit = await uow.audits.get(audit_id)
            assert audit is not None
            if k % 5 in (2, 3, 4):
                audit.submitted_at = clock.now()
            if k % 5 in (3, 4):
                audit.verdict = Verdict.ACCEPT if k % 5 == 3 else Verdict.REJECT
                audit.decided_at = clock.now()
            await uow.audits.save(audit)
    await sign_in(client, pat, clock)

    async def listed(query: str) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        page = 1
        while True:
            text = await (await client.get(f"/audits?{query}page={page}")).text()
            found += [(int(i), state) for i, state in ROW.findall(text)]
            if 'rel="next"' not in text:
                return found
            page += 1

    everything = await listed("")
    assert len(everything) == 60
    assert {state for _, state in everything} == {s.value for s in AuditState}
    for state in AuditState:
        only = await listed(f"state={state.value}&")
        assert only == [row for row in everything if row[1] == state.value], state
    assert "No accepted audits." not in await (await client.get("/audits?state=accepted")).text()


@contextmanager
def statements(database: Database) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements run meanwhile, with their parameters as the driver got them."""
    seen: list[tuple[str, Any]] = []

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = database.engine.sync_engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


async def plan(database: Database, statement: str, parameters: Any) -> str:
    async with database.engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            await connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            rows = await connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        else:
            rows = await connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        return "\n".join(str(row[-1]) for row in rows.all())


async def test_each_kind_of_member_search_finds_its_members_through_an_index(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    async with database.unit_of_work() as uow:
        await uow.members.save(member("7001", first_name="Ann", last_name="Abbott"))
        await uow.members.save(member("7002", first_name="Bob", last_name="ABBOTSON"))
        await uow.members.save(member("7003", first_name="Ann", last_name="Babbott"))
        await uow.members.save(member("70", first_name="Cy", last_name="Cole", email="Cy@X.org"))
        for k in range(60):
            await uow.members.save(member(f"{8000 + k}", first_name="Dee", last_name=f"Z{k:02d}"))
    csrf = await sign_in(client, pat, clock)

    async def search(query: str) -> list[str]:
        text = await (await client.post("/members", data={"csrf": csrf, "query": query})).text()
        return re.findall(r"<tr><td>(\d+)</td>", text)

    with statements(database) as seen:
        assert await search("7001") == ["7001"]  # the ACSM ID is exact: "70" is not a prefix
        assert await search("70") == ["70"]
        assert await search("abbot") == ["7002", "7001"]  # ABBOTSON < ABBOTT, any case
        assert await search("  ann   ABB ") == ["7001"]  # "first last": not Babbott
        assert await search("cy@x") == ["70"]  # the start of an email, any case
        assert await search("bbott") == []  # a prefix, not anywhere in the name
        assert await search("Zzyzx") == []
        assert await search("z") == [f"{8000 + k}" for k in range(50)]  # 50 at most
    refs = []
    for _ in range(2):  # one reference per member in a session, the same each search
        text = await (await client.post("/members", data={"csrf": csrf, "query": "z"})).text()
        refs.append(re.findall(r'href="/members/([^"]+)"', text))
    assert refs[0] == refs[1] and len(set(refs[0])) == 50
    page = await client.get(f"/members/{refs[0][0]}")
    assert page.status == 200 and "Z00" in await page.text()
    searches = [(s, p) for s, p in seen if "FROM members" in s and "lower(" in s]
    assert searches
    for statement, parameters in searches:
        used = await plan(database, statement, parameters)
        assert "ix_members_lower_last_name" in used or "ix_members_lower_email" in used, (
            statement,
            used,
        )
