"""A member's question reads through indexes only, however many members there are.

SQLite's planner, without statistics, scanned every certification to answer one member's
question (it chose to read certifications in id order for the ORDER BY) and built a
temporary index on invoice_lines each time (the partial unique index is used only when the
query states its predicate in the index's form, `NOT invoice_lines.voided`). With 50,000
members that was ~4 ms of CPU per question. The plans of the statements every question runs
are checked here on SQLite; PostgreSQL's planner proves the partial index's predicate itself
(and on tiny tables rightly prefers a sequential scan, so its plans say nothing here).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.dialects import sqlite

from storage import inbox, invoice_repositories, member_repositories, session_repositories
from storage.database import Database

STATEMENTS: dict[str, Any] = {
    "the claim": inbox._CLAIM,
    "the session with the member's records": session_repositories._SESSION_AND_RECORDS,
    "a member's certifications": member_repositories._MEMBERS_CERTIFICATIONS,
    "a cycle's invoice": invoice_repositories._CYCLE_INVOICE,
    "a window's recorded and logged CECs": member_repositories._LOGGED_THEN_RECORDED,
}


@pytest.mark.parametrize("name", STATEMENTS)
async def test_a_questions_statements_search_indexes_and_scan_nothing(
    database: Database, name: str
) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner is the one that needs the predicate in the index's form")
    sql = str(STATEMENTS[name].compile(dialect=sqlite.dialect()))
    async with database.engine.connect() as connection:
        rows = await connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql, tuple([1] * sql.count("?"))
        )
        plan = [str(row[-1]) for row in rows.all()]
    assert [step for step in plan if step.startswith("SCAN") or "AUTOMATIC" in step] == [], plan
    assert any(step.startswith("SEARCH") for step in plan), plan
