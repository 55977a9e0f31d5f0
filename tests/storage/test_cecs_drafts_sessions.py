"""CEC activities, renewal drafts, Telegram sessions and failed logins."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from domain.model import CecActivity, RenewalDraft, TelegramLink
from domain.ports import UnitOfWorkFactory
from tests.storage.helpers import seed_member

PLUS_5 = timezone(timedelta(hours=5, minutes=30))


async def test_cecs_are_exact_and_imported_once(uow_factory: UnitOfWorkFactory) -> None:
    await seed_member(uow_factory, "123456")
    activities = [
        CecActivity("123456", date(2024, 1, 1), "First day", "ACSM", Decimal("0.5")),
        CecActivity("123456", date(2025, 6, 1), "Workshop", "ACSM", Decimal("12.5")),
        CecActivity("123456", date(2025, 6, 1), "Workshop", "NSCA", Decimal(999)),
        CecActivity("123456", date(2026, 12, 31), "Last day", "ACSM", Decimal(3)),
        CecActivity("123456", date(2027, 1, 1), "Next cycle", "ACSM", Decimal(1)),
    ]
    for _ in range(2):  # the second import changes nothing
        async with uow_factory() as uow:
            await uow.cecs.add_many(activities)
    async with uow_factory() as uow:
        found = await uow.cecs.for_member("123456", date(2024, 1, 1), date(2026, 12, 31))
        other = await uow.cecs.for_member("777", date(2000, 1, 1), date(2100, 1, 1))
    assert found == activities[:4]
    assert sum(a.cecs for a in found) == Decimal("1015")
    assert all(isinstance(a.cecs, Decimal) for a in found)
    assert other == []


async def test_draft_round_trip_and_delete(uow_factory: UnitOfWorkFactory) -> None:
    certs = await seed_member(uow_factory, "123456", ("CEP", "RCEP"))
    draft = RenewalDraft(
        "123456",
        [c.id or 0 for c in certs],
        contact_confirmed=True,
        cpr_confirmed=True,
        acsm_cecs=Decimal("40.5"),
        other_cecs=None,
        updated_at=datetime(2026, 11, 28, 20, 0, tzinfo=PLUS_5),
    )
    async with uow_factory() as uow:
        await uow.drafts.save(draft)
    async with uow_factory() as uow:
        loaded = await uow.drafts.get("123456")
        assert loaded == draft
        assert loaded is not None and loaded.updated_at is not None
        assert loaded.updated_at.utcoffset() == timedelta(0)
        draft.other_cecs, draft.acknowledged = Decimal("19.5"), True
        await uow.drafts.save(draft)
    async with uow_factory() as uow:
        assert await uow.drafts.get("123456") == draft
        await uow.drafts.delete("123456")
    async with uow_factory() as uow:
        assert await uow.drafts.get("123456") is None


async def test_sessions_round_trip_aware_and_delete(uow_factory: UnitOfWorkFactory) -> None:
    await seed_member(uow_factory, "123456")
    await seed_member(uow_factory, "777")
    at = datetime(2026, 11, 28, 23, 59, 59, 999999, tzinfo=PLUS_5)
    links = [
        TelegramLink(10**12, "123456", 0, at, at + timedelta(minutes=5)),
        TelegramLink(2, "123456", 1, at, at),
        TelegramLink(3, "777", 0, at, at),
    ]
    async with uow_factory() as uow:
        for link in links:
            await uow.sessions.save(link)
    async with uow_factory() as uow:
        big = await uow.sessions.get(10**12)
        assert big == links[0]
        assert big is not None and big.last_seen_at.tzinfo == UTC
        links[1].last_seen_at = at + timedelta(days=1)
        await uow.sessions.save(links[1])
        await uow.sessions.delete(3)
    async with uow_factory() as uow:
        assert await uow.sessions.get(2) == links[1]
        assert await uow.sessions.get(3) is None
        await uow.sessions.delete_for_member("123456")
    async with uow_factory() as uow:
        assert await uow.sessions.get(10**12) is None and await uow.sessions.get(2) is None


async def test_a_session_is_read_with_its_members_certifications_and_draft(
    uow_factory: UnitOfWorkFactory,
) -> None:
    certs = await seed_member(uow_factory, "123456", ("CEP", "RCEP"))
    await seed_member(uow_factory, "777", ())
    at = datetime(2026, 11, 28, 12, tzinfo=UTC)
    draft = RenewalDraft("123456", [certs[1].id or 0], acsm_cecs=Decimal("12.5"), updated_at=at)
    async with uow_factory() as uow:
        await uow.sessions.save(TelegramLink(1, "123456", 0, at, at))
        await uow.sessions.save(TelegramLink(2, "777", 0, at, at))
        await uow.drafts.save(draft)
    async with uow_factory() as uow:
        found = await uow.sessions.get_with_records(1)
        assert found is not None
        assert (found.link, found.member) == await uow.sessions.get_with_member(1)
        assert found.certifications == await uow.certifications.for_member("123456")
        assert [c.code for c in found.certifications] == ["CEP", "RCEP"]
        assert found.draft == draft
        bare = await uow.sessions.get_with_records(2)  # no certification, no draft
        assert bare is not None and (bare.certifications, bare.draft) == ([], None)
        assert bare.member.acsm_id == "777"
        assert await uow.sessions.get_with_records(3) is None


async def test_login_failures_window_and_clear(uow_factory: UnitOfWorkFactory) -> None:
    now = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
    times = [now - timedelta(minutes=m) for m in (20, 15, 1)]
    async with uow_factory() as uow:
        for at in times:
            await uow.login_attempts.record_failure("account:123456", at.astimezone(PLUS_5))
        await uow.login_attempts.record_failure("telegram:42", now)
    async with uow_factory() as uow:
        since = await uow.login_attempts.failures_since(
            "account:123456", now - timedelta(minutes=15)
        )
        assert since == times[1:]
        assert all(t.tzinfo == UTC for t in since)
        await uow.login_attempts.clear("account:123456")
    async with uow_factory() as uow:
        assert await uow.login_attempts.failures_since("account:123456", now - timedelta(1)) == []
        assert await uow.login_attempts.failures_since("telegram:42", now) == [now]


async def test_the_factory_commits_a_clean_block_and_rolls_back_a_failed_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    await seed_member(uow_factory, "123456")
    async with uow_factory() as uow:
        await uow.login_attempts.record_failure("k", datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(RuntimeError):
        async with uow_factory() as uow:
            await uow.login_attempts.record_failure("k", datetime(2026, 1, 2, tzinfo=UTC))
            raise RuntimeError("fails after writing")
    async with uow_factory() as uow:
        await uow.login_attempts.record_failure("k", datetime(2026, 1, 3, tzinfo=UTC))
    async with uow_factory() as uow:
        found = await uow.login_attempts.failures_since("k", datetime(2000, 1, 1, tzinfo=UTC))
    assert found == [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 3, tzinfo=UTC)]
