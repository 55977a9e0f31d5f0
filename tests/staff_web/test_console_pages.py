"""What staff do in the console, over HTTP against the real application and database: a
verdict reaches the member through the notice the bot sends, proof files are served with
their real type, members are found without member data in any address, imports are checked
first and written only when confirmed, and every action is in the activity log."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.verdicts import verdict_text
from domain.audits import Verdict
from domain.clock import FixedClock
from domain.languages import Language
from domain.rules import Rules
from domain.services.audits import unsent_verdict_notices
from domain.staff import Action
from i18n import speaker
from storage.database import Database
from tests.staff_web.conftest import PDF, PNG, Staff, make_client, sign_in, submitted_audit


async def test_reject_in_the_console_reaches_the_member(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    audit_id = await submitted_audit(database, rules)
    async with database.unit_of_work() as uow:  # the member is logged in from a chat
        from domain.model import TelegramLink

        await uow.sessions.save(TelegramLink(4242, "111", 1, clock.now(), clock.now()))
    csrf = await sign_in(client, pat, clock)
    listing = await (await client.get("/audits")).text()
    assert f'href="/audits/{audit_id}"' in listing and "Ann Abbott (111)" in listing
    assert "submitted" in listing and "01/10/2027" in listing  # selected on
    page = await (await client.get(f"/audits/{audit_id}")).text()
    assert "Strength coaching summit" in page and "7.5" in page  # the CECs reported
    member_link = page.split('<a href="/members/')[1].split('"')[0]
    member_page = await client.get(f"/members/{member_link}")
    assert member_page.status == 200 and "R000111" in await member_page.text()
    assert '<img src="/files/' in page and "Open PDF" in page
    no_reason = await client.post(
        f"/audits/{audit_id}/decide", data={"csrf": csrf, "verdict": "reject", "reason": " "}
    )
    assert no_reason.status == 400 and "a reason is required to reject" in await no_reason.text()
    rejected = await client.post(
        f"/audits/{audit_id}/decide",
        data={"csrf": csrf, "verdict": "reject", "reason": "The PDF <b>is</b> blank"},
    )
    text = await rejected.text()
    assert rejected.status == 200 and "rejected" in text
    assert "The PDF &lt;b&gt;is&lt;/b&gt; blank" in text  # escaped
    (to_send,) = await unsent_verdict_notices(database.unit_of_work)
    assert to_send.chat_ids == [4242]
    assert to_send.notice.verdict is Verdict.REJECT
    assert to_send.notice.reason == "The PDF <b>is</b> blank"
    told = verdict_text(to_send.notice, speaker(Language.EN))
    assert "The PDF &lt;b&gt;is&lt;/b&gt; blank" in told and "/audit" in told
    activity = await (await client.get("/activity")).text()
    assert "audit of member 111 rejected: The PDF &lt;b&gt;is&lt;/b&gt; blank" in activity
    assert "pat@acsm.org" in activity


async def test_proof_files_are_served_with_their_type_to_a_session_only(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    audit_id = await submitted_audit(database, rules)
    async with database.unit_of_work() as uow:
        (audit,) = await uow.audits.for_member("111")
    image_id, pdf_id = audit.proof_ids
    assert (await client.get(f"/files/{pdf_id}", allow_redirects=False)).status == 303
    await sign_in(client, pat, clock)
    for proof_id, kind, data, name in (
        (image_id, "image/png", PNG, f"proof-{image_id}.png"),
        (pdf_id, "application/pdf", PDF, f"proof-{pdf_id}.pdf"),
    ):
        served = await client.get(f"/files/{proof_id}")
        assert served.status == 200 and served.content_type == kind
        assert served.headers["Content-Disposition"] == f'inline; filename="{name}"'
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert await served.read() == data
    assert (await client.get("/files/999999")).status == 404
    assert audit_id


async def test_member_search_is_posted_and_pages_are_opaque(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    await submitted_audit(database, rules)
    csrf = await sign_in(client, pat, clock)
    for query in ("111", "ann abbott", "M111@EXAMPLE.COM"):
        found = await client.post("/members", data={"csrf": csrf, "query": query})
        text = await found.text()
        assert found.url.path == "/members" and found.url.query_string == ""
        assert "Ann Abbott" in text, query
    ref = text.split('href="/members/')[1].split('"')[0]
    assert "111" not in ref and "abbott" not in ref.lower()
    page = await client.get(f"/members/{ref}")
    body = await page.text()
    assert page.status == 200
    for shown in (
        "CPT",
        "R000111",
        "Strength coaching summit",
        "submitted",
        "$50.00 USD",
        "prov-tg-111",
    ):
        assert shown in body, shown
    async with make_client(database, rules) as other:  # another session: the ref means nothing
        await sign_in(other, pat, clock)
        assert (await other.get(f"/members/{ref}")).status == 404
    none = await client.post("/members", data={"csrf": csrf, "query": "nobody at all"})
    assert "No member matches." in await none.text()


MEMBERS_CSV = (
    "acsm_id,first_name,last_name,email,phone,certification,effective_date,thru_date,"
    "cpr_aed_expires\n"
    "555,Dee,Dunn,dee@example.com,,CPT,2024-01-01,2026-12-31,\n"
)
BAD_CSV = MEMBERS_CSV + "556,Eve,Eck,not-an-email,,CPT,2024-01-01,2026-12-31,\n"
CECS_CSV = "acsm_id,completed_on,title,provider,cecs\n555,2025-02-03,Kettlebells,ACSM,2.5\n"


async def test_imports_are_checked_then_confirmed(
    client: TestClient, database: Database, clock: FixedClock, pat: Staff
) -> None:
    csrf = await sign_in(client, pat, clock)

    async def upload(kind: str, text: str) -> tuple[int, str]:
        from aiohttp import FormData

        form = FormData()
        form.add_field("csrf", csrf)
        form.add_field("kind", kind)
        form.add_field("file", text.encode(), filename="file.csv", content_type="text/csv")
        response = await client.post("/imports", data=form)
        return response.status, await response.text()

    status, bad = await upload("members", BAD_CSV)
    assert status == 400 and "line 3: " in bad and "nothing would be imported" in bad
    assert "Confirm and import" not in bad
    status, dry = await upload("members", MEMBERS_CSV)
    assert status == 200
    assert "would import 1 members (1 new, 0 changed), 1 certifications (1 new" in dry
    assert "line 2: new member 555" in dry and "Confirm and import" in dry
    async with database.unit_of_work() as uow:
        assert await uow.members.get("555") is None  # a dry run writes nothing
    confirmed = await client.post(
        "/imports", data={"csrf": csrf, "kind": "members", "confirm": "yes", "text": MEMBERS_CSV}
    )
    assert confirmed.status == 200 and "imported 1 members" in await confirmed.text()
    status, cecs = await upload("cecs", CECS_CSV)
    assert status == 200 and "would import 1 CEC activities (1 new" in cecs
    done = await client.post(
        "/imports", data={"csrf": csrf, "kind": "cecs", "confirm": "yes", "text": CECS_CSV}
    )
    assert "imported 1 CEC activities" in await done.text()
    async with database.unit_of_work() as uow:
        assert (await uow.members.get("555")) is not None
        assert len(await uow.cecs.for_members(["555"])) == 1
        log = [(e.action, e.detail) for e in await uow.staff.activity(10)]
    assert [d for a, d in log if a is Action.IMPORT] == [
        "CECs: imported 1 CEC activities (1 new, 0 updated, 0 already recorded)",
        "members: imported 1 members (1 new, 0 changed), 1 certifications (1 new, 0 changed)",
    ]


async def test_only_an_admin_adds_staff_in_the_console(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    from tests.staff_web.conftest import enrolled

    kim = await enrolled(database, rules, clock, "kim@acsm.org", admin=False)
    csrf = await sign_in(client, pat, clock)
    added = await client.post("/staff", data={"csrf": csrf, "email": "new@acsm.org"})
    text = await added.text()
    assert added.status == 200 and "http://127.0.0.1/enrol/" in text
    async with make_client(database, rules) as other:
        kim_csrf = await sign_in(other, kim, clock)
        refused = await other.post("/staff", data={"csrf": kim_csrf, "email": "x@acsm.org"})
        assert refused.status == 400 and "Only an admin adds staff." in await refused.text()
    async with database.unit_of_work() as uow:
        assert await uow.staff.by_email("new@acsm.org") is not None
        assert await uow.staff.by_email("x@acsm.org") is None
