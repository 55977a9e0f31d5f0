"""The staff web console's refusals, over HTTP (aiohttp's test client) against the real
application and database: nothing without a session, no form without its anti-forgery token,
the lock after five wrong codes, the 30-minute idle end, cookie flags and security headers."""

from __future__ import annotations

from datetime import timedelta

from aiohttp.test_utils import TestClient

from domain import totp
from domain.clock import FixedClock
from domain.rules import Rules
from domain.staff import token_hash
from storage.database import Database
from tests.staff_web.conftest import (
    PASSWORD,
    Staff,
    csrf_of,
    enrolled,
    make_client,
    sign_in,
    submitted_audit,
)

PROTECTED_PAGES = ("/", "/audits", "/audits/1", "/files/1", "/members", "/imports", "/activity")


async def test_nothing_is_served_without_a_session(
    client: TestClient, database: Database, rules: Rules
) -> None:
    audit_id = await submitted_audit(database, rules)
    for path in (*PROTECTED_PAGES, f"/audits/{audit_id}", "/staff", "/members/anything"):
        response = await client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"] in ("/signin", "/audits"), path
    for path in (f"/audits/{audit_id}/decide", "/members", "/imports", "/staff", "/signout"):
        response = await client.post(path, data={"verdict": "accept"}, allow_redirects=False)
        assert response.status == 401, path
    async with database.unit_of_work() as uow:
        assert await uow.audits.unsent_notices(10) == []  # nothing was decided
    page = await client.get("/signin")
    assert page.status == 200
    text = await page.text()
    for label in ("Email", "Password", "Authentication code"):
        assert f">{label}</label>" in text
    css = await client.get("/static/console.css")
    assert css.status == 200 and css.content_type == "text/css"


async def test_security_headers_and_cookie_flags(
    database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    async with make_client(database, rules, "https://staff.example.org") as client:
        page = await client.get("/signin")
        for response in (page, await client.get("/audits", allow_redirects=False)):
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
        form_cookie = page.headers["Set-Cookie"]
        clock.advance(timedelta(seconds=30))
        token = csrf_of(await page.text())
        signed = await client.post(  # a Secure cookie is not sent over http: sent by hand
            "/signin",
            headers={"Cookie": f"staff_form={token}"},
            data={
                "csrf": token,
                "email": pat.email,
                "password": PASSWORD,
                "code": totp.code_at(pat.secret, clock.now()),
            },
            allow_redirects=False,
        )
        assert signed.status == 303 and signed.headers["Location"] == "/audits"
        session_cookie = signed.headers["Set-Cookie"]
    for cookie in (form_cookie, session_cookie):
        flags = {part.strip().lower() for part in cookie.split(";")}
        assert {"httponly", "samesite=strict", "secure", "path=/"} <= flags, cookie
    async with make_client(database, rules) as plain:  # http: not Secure (it would be lost)
        cookie = (await plain.get("/signin")).headers["Set-Cookie"]
        assert "secure" not in cookie.lower() and "httponly" in cookie.lower()


async def test_every_form_needs_its_anti_forgery_token(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    audit_id = await submitted_audit(database, rules)
    page = await client.get("/signin")
    signin = {
        "email": pat.email,
        "password": PASSWORD,
        "code": totp.code_at(pat.secret, clock.now()),
    }
    for csrf in ({}, {"csrf": "forged"}):
        refused = await client.post("/signin", data={**signin, **csrf})
        assert refused.status == 403
    assert page.status == 200
    token = await sign_in(client, pat, clock)
    # another session's token is no better than none
    async with make_client(database, rules) as other:
        other_token = await sign_in(other, pat, clock)
    assert other_token != token
    decide = f"/audits/{audit_id}/decide"
    for path, data in (
        (decide, {"verdict": "accept"}),
        ("/members", {"query": "111"}),
        ("/imports", {"kind": "members", "text": "x", "confirm": "yes"}),
        ("/staff", {"email": "new@acsm.org"}),
        ("/signout", {}),
    ):
        for csrf in ({}, {"csrf": "forged"}, {"csrf": other_token}):
            refused = await client.post(path, data={**data, **csrf}, allow_redirects=False)
            assert refused.status == 403, (path, csrf)
    async with database.unit_of_work() as uow:
        assert await uow.audits.unsent_notices(10) == []
        assert await uow.staff.by_email("new@acsm.org") is None
    still = await client.get("/audits")  # not signed out by the forged sign-out
    assert still.status == 200 and still.url.path == "/audits"
    accepted = await client.post(decide, data={"verdict": "accept", "csrf": token})
    assert accepted.status == 200 and accepted.url.path == f"/audits/{audit_id}"
    async with database.unit_of_work() as uow:
        assert len(await uow.audits.unsent_notices(10)) == 1


async def test_five_wrong_codes_lock_the_account(
    client: TestClient, database: Database, clock: FixedClock, pat: Staff
) -> None:
    csrf = csrf_of(await (await client.get("/signin")).text())
    right = totp.code_at(pat.secret, clock.now())
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    answers = []
    for _ in range(5):
        response = await client.post(
            "/signin",
            data={"csrf": csrf, "email": pat.email, "password": PASSWORD, "code": wrong},
        )
        answers.append((response.status, await response.text()))
        clock.advance(timedelta(seconds=1))
    assert all(status == 401 for status, _ in answers)
    assert all("Wrong email, password or authentication code." in t for _, t in answers[:4])
    assert "Too many failed attempts" in answers[4][1]
    clock.advance(timedelta(seconds=30))
    locked = await client.post(
        "/signin",
        data={
            "csrf": csrf,
            "email": pat.email,
            "password": PASSWORD,
            "code": totp.code_at(pat.secret, clock.now()),
        },
        allow_redirects=False,
    )
    assert locked.status == 401 and "Too many failed attempts" in await locked.text()
    assert "Set-Cookie" not in locked.headers or "staff_session" not in locked.headers["Set-Cookie"]
    clock.advance(timedelta(minutes=15))  # the window is over
    await sign_in(client, pat, clock)


async def test_idle_30_minutes_signs_out(
    client: TestClient, database: Database, clock: FixedClock, pat: Staff
) -> None:
    await sign_in(client, pat, clock)
    session = client.session.cookie_jar.filter_cookies(client.make_url("/"))["staff_session"]
    clock.advance(timedelta(minutes=29, seconds=59))
    assert (await client.get("/activity")).url.path == "/activity"  # the idle time restarts
    clock.advance(timedelta(minutes=29, seconds=59))
    assert (await client.get("/members")).url.path == "/members"
    clock.advance(timedelta(minutes=30))
    gone = await client.get("/members", allow_redirects=False)
    assert gone.status == 303 and gone.headers["Location"] == "/signin"
    async with database.unit_of_work() as uow:
        assert await uow.staff.session(token_hash(session.value)) is None


async def test_sign_out_ends_the_session(
    client: TestClient, database: Database, clock: FixedClock, pat: Staff
) -> None:
    token = await sign_in(client, pat, clock)
    session = client.session.cookie_jar.filter_cookies(client.make_url("/"))["staff_session"]
    out = await client.post("/signout", data={"csrf": token}, allow_redirects=False)
    assert out.status == 303 and out.headers["Location"] == "/signin"
    async with database.unit_of_work() as uow:
        assert await uow.staff.session(token_hash(session.value)) is None
    client.session.cookie_jar.update_cookies({"staff_session": session.value})  # replayed
    again = await client.get("/audits", allow_redirects=False)
    assert again.status == 303 and again.headers["Location"] == "/signin"


async def test_enrolment_link_is_one_time(
    client: TestClient, database: Database, rules: Rules, clock: FixedClock
) -> None:
    from domain.services import staff

    async with database.unit_of_work() as uow:
        new = await staff.add_staff(uow, rules, "kim@acsm.org", admin=False)
    page = await client.get(f"/enrol/{new.enrol_token}")
    text = await page.text()
    assert page.status == 200 and "<svg" in text
    secret = new.account.totp_secret
    assert secret is not None and secret[:4] in text
    data = {
        "csrf": csrf_of(text),
        "password": PASSWORD,
        "again": PASSWORD + "!",
        "code": totp.code_at(secret, clock.now()),
    }
    differ = await client.post(f"/enrol/{new.enrol_token}", data=data)
    assert differ.status == 400 and "The two passwords differ." in await differ.text()
    done = await client.post(f"/enrol/{new.enrol_token}", data={**data, "again": PASSWORD})
    assert done.status == 200 and "Sign in now" in await done.text()
    used = await client.get(f"/enrol/{new.enrol_token}")
    assert used.status == 404
    await sign_in(client, Staff("kim@acsm.org", secret), clock)
    await enrolled(database, rules, clock, "lee@acsm.org")  # the helper agrees
