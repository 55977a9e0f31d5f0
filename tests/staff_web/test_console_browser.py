"""The staff console in a real browser: Debian's chromium (/usr/bin/chromium) driven by
Playwright, never a downloaded browser, against the real application served on a free port
and the real database. Enrol, sign in with a TOTP code, reject with a reason, accept, search a
member, import a file. The SQLite run saves screenshots of the main pages into
docs/staff-console/ (docs/staff-console.md shows them)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from domain import totp
from domain.audits import Verdict
from domain.clock import FixedClock
from domain.rules import Rules
from domain.services import staff
from staff_web.app import make_app
from storage.database import Database
from tests.staff_web.conftest import PASSWORD, Staff, submitted_audit
from tests.staff_web.test_console_pages import MEMBERS_CSV

CHROMIUM = Path("/usr/bin/chromium")
FIXED_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "staff-console"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="no /usr/bin/chromium (apt-get install chromium); browsers are never downloaded",
)


@pytest.fixture
async def console_url(database: Database, rules: Rules) -> AsyncIterator[str]:
    runner = web.AppRunner(make_app(database, rules, "http://127.0.0.1"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        await runner.cleanup()


@pytest.fixture
async def page(database_url: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            context = await browser.new_context(viewport={"width": 1100, "height": 760})
            tab = await context.new_page()
            tab.set_default_timeout(15_000)
            tab.shots = database_url.startswith("sqlite")  # once per suite, not per engine
            yield tab
        finally:
            await browser.close()


async def shot(page: Any, name: str) -> None:
    """docs/staff-console/NAME.png (written whole, then renamed: workers never see half)."""
    if not page.shots:
        return
    await page.wait_for_function("() => [...document.images].every(i => i.complete)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    partial = SHOTS / f".{name}.{os.getpid()}.png"
    await page.screenshot(path=str(partial), full_page=True)
    partial.replace(SHOTS / f"{name}.png")


async def browser_sign_in(page: Any, url: str, who: Staff, clock: FixedClock) -> None:
    clock.advance(timedelta(seconds=30))  # a code not used yet
    await page.goto(f"{url}/signin")
    await page.get_by_label("Email").fill(who.email)
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Authentication code").fill(totp.code_at(who.secret, clock.now()))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{url}/audits")


async def test_enrol_then_sign_in(
    page: Any, console_url: str, database: Database, rules: Rules, clock: FixedClock
) -> None:
    async with database.unit_of_work() as uow:
        new = await staff.add_staff(uow, rules, "pat@acsm.org", admin=True)
        new.account.totp_secret = FIXED_SECRET  # the same screenshot every run
        await uow.staff.save(new.account)
    await page.goto(f"{console_url}/enrol/{new.enrol_token}")
    assert await page.locator(".qr svg").count() == 1
    secret = "".join((await page.locator("#secret").inner_text()).split())
    assert secret == FIXED_SECRET
    await shot(page, "enrol")
    await page.get_by_label("Password", exact=True).fill(PASSWORD)
    await page.get_by_label("Password again").fill(PASSWORD)
    await page.get_by_label("Authentication code").fill(totp.code_at(secret, clock.now()))
    await page.get_by_role("button", name="Set password and authenticator").click()
    await page.get_by_text("Your password and authenticator are set.").wait_for()
    await page.goto(f"{console_url}/signin")
    await page.get_by_label("Email").fill("pat@acsm.org")
    await shot(page, "sign-in")
    await browser_sign_in(page, console_url, Staff("pat@acsm.org", secret), clock)
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(f"{console_url}/signin")
    await page.goto(f"{console_url}/audits")
    assert page.url == f"{console_url}/signin"  # signed out: back to the sign-in page


async def test_reject_with_a_reason_then_accept(
    page: Any, console_url: str, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    audit_id = await submitted_audit(database, rules)
    await browser_sign_in(page, console_url, pat, clock)
    await shot(page, "audits")
    await page.get_by_role("link", name="Ann Abbott (111)").click()
    await page.wait_for_url(f"{console_url}/audits/{audit_id}")
    image = page.locator(".proof img")
    await image.wait_for()
    assert await image.evaluate("img => img.complete && img.naturalWidth") == 240  # served
    assert await page.get_by_role("link", name="Open PDF").count() == 1
    await shot(page, "audit")
    await page.get_by_label("Reason").fill("The PDF certificate is blank: send the real one.")
    await page.get_by_role("button", name="Reject").click()
    await page.locator(".reason").wait_for()
    assert await page.locator(".facts .state").inner_text() == "rejected"
    await shot(page, "audit-rejected")
    async with database.unit_of_work() as uow:
        (notice,) = await uow.audits.unsent_notices(10)
    assert notice.verdict is Verdict.REJECT
    assert notice.reason == "The PDF certificate is blank: send the real one."
    await page.get_by_role("button", name="Accept").click()
    await page.locator(".facts .state", has_text="accepted").wait_for()
    async with database.unit_of_work() as uow:
        verdicts = [n.verdict for n in await uow.audits.unsent_notices(10)]
    assert verdicts == [Verdict.REJECT, Verdict.ACCEPT]
    await page.get_by_role("link", name="Activity").click()
    await page.get_by_text("audit of member 111 accepted").wait_for()
    await shot(page, "activity")


async def test_search_a_member(
    page: Any, console_url: str, database: Database, rules: Rules, clock: FixedClock, pat: Staff
) -> None:
    await submitted_audit(database, rules)
    await browser_sign_in(page, console_url, pat, clock)
    await page.get_by_role("link", name="Members").click()
    await page.get_by_label("ACSM ID, name or email").fill("abbott")
    await page.get_by_role("button", name="Search").click()
    await page.get_by_role("link", name="Ann Abbott").click()
    await page.get_by_role("heading", name="Ann Abbott (111)").wait_for()
    assert "111" not in page.url and "abbott" not in page.url.lower()
    assert await page.get_by_text("R000111").count() == 1
    await shot(page, "member")


async def test_import_members(
    page: Any,
    console_url: str,
    database: Database,
    clock: FixedClock,
    pat: Staff,
    tmp_path: Path,
) -> None:
    csv = tmp_path / "members.csv"
    csv.write_text(MEMBERS_CSV, encoding="utf-8")
    await browser_sign_in(page, console_url, pat, clock)
    await page.get_by_role("link", name="Imports").click()
    await page.get_by_label("Members and certifications").check()
    await page.get_by_label("CSV file").set_input_files(str(csv))
    await page.get_by_role("button", name="Check the file").click()
    await page.get_by_text("line 2: new member 555").wait_for()
    await shot(page, "import-dry-run")
    async with database.unit_of_work() as uow:
        assert await uow.members.get("555") is None
    await page.get_by_role("button", name="Confirm and import").click()
    await page.get_by_text("Done: members: imported 1 members").wait_for()
    async with database.unit_of_work() as uow:
        member = await uow.members.get("555")
    assert member is not None and member.full_name == "Dee Dunn"
