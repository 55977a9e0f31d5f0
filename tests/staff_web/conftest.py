"""Fixtures for the staff web console: the real aiohttp application (staff_web/app.py) on the
real database (SQLite, and PostgreSQL with ACSM_TEST_POSTGRES_URL), a fixed clock, staff
accounts enrolled through the use cases, and a member with a submitted audit."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from aiohttp.test_utils import TestClient, TestServer

from domain import totp
from domain.catalog import Catalog
from domain.clock import FixedClock
from domain.model import Invoice, InvoiceLine, InvoiceStatus
from domain.rules import Rules
from domain.services import staff
from domain.services.audits import select_audits
from domain.tracker import LoggedActivity, Organization, ProofFile
from staff_web.app import make_app
from storage.database import Database
from tests.hashing import CHEAP_HASHER
from tests.storage.helpers import payment, seed_member

NOW = datetime(2027, 1, 10, 15, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
PDF = b"%PDF-1.4\n" + bytes(range(256))
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def png(width: int = 240, height: int = 150) -> bytes:
    """A small valid PNG: a grey certificate-like card with a dark frame."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    def pixel(x: int, y: int) -> int:
        frame = min(x, y, width - 1 - x, height - 1 - y) < 6
        line = 30 <= y < height - 30 and y % 18 < 3 and 24 <= x < width - 24
        return 0x30 if frame or line else 0xE8

    rows = b"".join(b"\x00" + bytes(pixel(x, y) for x in range(width)) for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PNG = png()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def rules(clock: FixedClock) -> Rules:
    from zoneinfo import ZoneInfo

    return Rules(
        clock=clock,
        catalog=Catalog.default(),
        timezone=ZoneInfo("America/New_York"),
        hasher=CHEAP_HASHER,
    )


@dataclass
class Staff:
    email: str
    secret: str


async def enrolled(
    database: Database, rules: Rules, clock: FixedClock, email: str, admin: bool = False
) -> Staff:
    async with database.unit_of_work() as uow:
        new = await staff.add_staff(uow, rules, email, admin=admin)
    secret = new.account.totp_secret
    assert secret is not None
    async with database.unit_of_work() as uow:
        code = totp.code_at(secret, clock.now())
        await staff.enrol(uow, rules, new.enrol_token, PASSWORD, PASSWORD, code)
    clock.advance(timedelta(seconds=30))  # the enrolment's code is used up
    return Staff(email, secret)


@pytest.fixture
async def pat(database: Database, rules: Rules, clock: FixedClock) -> Staff:
    return await enrolled(database, rules, clock, "pat@acsm.org", admin=True)


def make_client(database: Database, rules: Rules, url: str = "http://127.0.0.1") -> TestClient:
    return TestClient(TestServer(make_app(database, rules, url)))


@pytest.fixture
async def client(database: Database, rules: Rules) -> AsyncIterator[TestClient]:
    async with make_client(database, rules) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html[:500]
    return found.group(1)


async def sign_in(client: TestClient, who: Staff, clock: FixedClock) -> str:
    """Signs in (the session cookie stays in the client); the session's anti-forgery token."""
    form = await client.get("/signin")
    clock.advance(timedelta(seconds=30))  # a fresh code each time
    done = await client.post(
        "/signin",
        data={
            "csrf": csrf_of(await form.text()),
            "email": who.email,
            "password": PASSWORD,
            "code": totp.code_at(who.secret, clock.now()),
        },
    )
    assert done.status == 200 and done.url.path == "/audits", await done.text()
    return csrf_of(await done.text())


async def submitted_audit(database: Database, rules: Rules) -> int:
    """Member 111 (Ann Abbott): a paid renewal of the cycle ending 12/31/2026 selected for
    audit, a logged activity with a PNG certificate and a PDF attached, submitted; its id."""
    certs = await seed_member(database.unit_of_work, "111")
    async with database.unit_of_work() as uow:
        await uow.invoices.add(
            Invoice(
                "R000111", "111", date(2026, 11, 1), "Recertification thru 12/31/2029",
                4500, 0, [InvoiceLine(certs[0].id or 0, "CPT", certs[0].thru_date,
                                      date(2029, 12, 31))],
                status=InvoiceStatus.PAID, acsm_cecs=Decimal(45),
                payment_charge_id="tg-111", paid_at=datetime(2026, 11, 2, 14, 30, tzinfo=UTC),
            )
        )  # fmt: skip
        assert await uow.payments.add_once(payment("tg-111", ["R000111"], "111"))
    await select_audits(database.unit_of_work, rules, 2026, 100, 1)
    async with database.unit_of_work() as uow:
        (audit,) = await uow.audits.for_member("111")
        assert audit.id is not None
        received = rules.clock.now()
        for data, kind in ((PNG, "image/png"), (PDF, "application/pdf")):
            sha = hashlib.sha256(data).hexdigest()
            proof = await uow.proofs.add(ProofFile("111", sha, kind, len(data), received), data)
            assert proof.id is not None
            assert await uow.audits.attach(audit.id, proof.id)
            if kind == "image/png":
                await uow.logged_cecs.add(
                    LoggedActivity(
                        "111", "Strength coaching summit", "NSCA", date(2025, 3, 4),
                        Decimal("7.5"), Organization.OTHER, received, proof_id=proof.id,
                    )
                )  # fmt: skip
        audit.submitted_at = received
        await uow.audits.save(audit)
        return audit.id
