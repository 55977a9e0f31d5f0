"""Long answers cut into messages (handlers/paging.py): every page fits one Telegram message,
is valid HTML (parsed the way the emulator parses what Telegram accepts), is cut between
whole lines, repeats its section's headings, and has at most so many buttons; /mycecs and
/audit at their worst (300-character titles of characters HTML escaping lengthens)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.audits import AuditState, Coverage, Proven
from domain.languages import Language
from domain.services.audits import AuditView
from domain.services.tracker import ActivityView, CycleLog
from domain.tracker import Organization, ProofFile
from handlers.audit import audit_answer
from handlers.paging import Line, page_text, paginate, units
from handlers.tracker import mycecs_answer, mycecs_pages
from i18n import Says, speaker
from telegram_emulator.formatting import parse_text

WORST = '"&<>' * 75  # 300 characters, each escaped to 4-6: the longest line there can be

lines_strategy = st.lists(
    st.builds(
        Line,
        text=st.text(min_size=1, max_size=120),
        button=st.none() | st.just(("🗑", "mc:del:1")),
        context=st.lists(st.text(min_size=1, max_size=20), max_size=2).map(tuple),
    )
    | st.builds(Line, text=st.text(min_size=1, max_size=60), heading=st.just(True))
    | st.just(Line("")),
    max_size=80,
)


@given(lines_strategy, st.integers(200, 600), st.integers(1, 5))
def test_pages_fit_keep_every_line_in_order_and_cap_buttons(
    lines: list[Line], room: int, per_page: int
) -> None:
    pages = paginate(lines, room=room, buttons_per_page=per_page)
    assert pages == paginate(lines, room=room, buttons_per_page=per_page)  # the same each time
    kept = [line for page in pages for line in page if any(line is x for x in lines)]
    assert [x for x in kept if x.text] == [x for x in lines if x.text]
    for number, page in enumerate(pages, start=1):
        assert units(page_text(page)) <= room
        assert sum(line.button is not None for line in page) <= per_page
        if page:
            assert page[0].text and page[-1].text
        if number < len(pages):  # only the answer's own end may be a heading
            assert not page[-1].heading or all(line.heading for line in page)


def activity(n: int, text: str, *, logged: bool) -> ActivityView:
    return ActivityView(
        source="logged" if logged else "acsm",
        title=f"{n} {text}"[:300],
        provider=text[:200],
        completed_on=date(2025, 1, 1),
        cecs=Decimal("1.5"),
        organization=Organization.OTHER,
        id=n if logged else None,
        proof_id=n if logged else None,
        deletable=logged,
    )


EN, ES = speaker(Language.EN), speaker(Language.ES)


def all_pages(logs: list[CycleLog], says: Says) -> list[tuple[str, list[str]]]:
    count = len(mycecs_pages(logs, says))
    pages = []
    for number in range(1, count + 1):
        text, markup = mycecs_answer(logs, says, number)
        assert markup is not None
        data = [str(b.callback_data) for row in markup.inline_keyboard for b in row]
        pages.append((text, data))
    return pages


@pytest.mark.parametrize("says", [EN, ES], ids=["en", "es"])
def test_mycecs_at_its_worst_every_page_is_one_valid_message(says: Says) -> None:
    logs = [
        CycleLog(
            codes=["CEP", "RCEP"][: c + 1],
            thru_date=date(2026 + c, 12, 31),
            window_start=date(2024, 1, 1),
            recorded=[activity(1000 * c + i, WORST, logged=False) for i in range(30)],
            logged=[activity(1000 * c + 500 + i, WORST, logged=True) for i in range(25)],
        )
        for c in range(2)
    ]
    pages = all_pages(logs, says)
    assert len(pages) > 10
    deletes: list[str] = []
    for number, (text, data) in enumerate(pages, start=1):
        assert units(text) <= 4096
        shown, entities = parse_text(text, "HTML")  # raises on a split tag or entity
        assert len(shown) <= 4096 and entities
        title = says.gettext("<b>My CECs</b>")
        assert text.startswith(
            says.gettext(
                "{title} · page {page} of {pages}", title=title, page=number, pages=len(pages)
            )
        )
        page_deletes = [d for d in data if d.startswith(("mc:del:", "mc:one:"))]  # 🗑 or 📎
        assert len(page_deletes) <= 10
        assert all(d.endswith(f":{number}") for d in page_deletes)
        deletes += page_deletes
        assert (f"mc:page:{number + 1}" in data) == (number < len(pages))
        assert (f"mc:page:{number - 1}" in data) == (number > 1)
    ids = sorted(int(d.split(":")[2]) for d in deletes)
    assert ids == sorted(a.id or 0 for log in logs for a in log.logged)
    # A page past the end is the last page; 0 is the first.
    assert mycecs_answer(logs, says, 999)[0] == pages[-1][0]
    assert mycecs_answer(logs, says, 0)[0] == pages[0][0]


def test_a_short_list_is_one_message_as_before() -> None:
    log = CycleLog(["CPT"], date(2026, 12, 31), date(2024, 1, 1), [], [])
    text, markup = mycecs_answer([log], EN)
    assert text == (
        "<b>My CECs</b>\n\n<b>CPT</b> — cycle 01/01/2024 to 12/31/2026\n"
        "<i>Recorded by ACSM: 0</i>\n• none yet\n<i>Logged by you: 0 (0 ACSM, 0 other)</i>\n"
        "• none yet: /addcec\nTotal: <b>0</b> CECs"
    )
    assert markup is not None and [b.text for row in markup.inline_keyboard for b in row] == [
        "Log an activity"
    ]


def test_an_audit_at_its_worst_is_one_valid_message() -> None:
    """Every file the certificate of many long-titled activities outside the cycle, each
    named: still one valid message (whole lines left out and counted)."""
    proof = ProofFile("1", "ab" * 32, "application/pdf", 10, datetime(2026, 1, 1, tzinfo=UTC), 7)
    outside = [
        Proven(7 + i % 3, WORST, date(2026, 3, 1), Decimal(2), counts=False) for i in range(100)
    ]
    view = AuditView(
        id=1,
        cycle_thru=date(2025, 12, 31),
        due_on=date(2026, 2, 1),
        state=AuditState.PENDING,
        reported=[activity(i, WORST, logged=True) for i in range(40)],
        typed_acsm=Decimal(30),
        typed_other=Decimal(15),
        attached=[proof] * 100,
        loggable=[],
        coverage=Coverage(Decimal(45), outside, unmatched=[8, 9]),
        window_start=date(2023, 1, 1),
    )
    text, markup = audit_answer(view, speaker(Language.EN))
    assert units(text) <= 4096
    shown, entities = parse_text(text, "HTML")
    assert entities and "more" in shown and "Submit" in str(markup)
