"""Imports know what the bot did, take corrections, and refuse bad fields with their line —
run as staff run them (`python -m bot ...`), on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import os
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from domain.imports import CHUNK_ROWS
from domain.model import InvoiceStatus, RenewalDraft
from storage.database import Database
from tests.cli.test_cli import GOOD_MEMBERS, MEMBERS_HEADER, acsm_bot, write
from tests.storage.helpers import invoice

CHANGED_AT = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
CEC_HEADER = "acsm_id,completed_on,title,provider,cecs"


async def chat_did_things(database: Database) -> None:
    """As the chat would leave it: Ann changed her email and phone on Nov 20 and paid the
    renewal of her CPT (thru 12/31/2026 -> 12/31/2029)."""
    async with database.unit_of_work() as uow:
        ann = await uow.members.get("123456")
        assert ann is not None
        ann.email, ann.phone, ann.contact_changed_at = "ann@chat.org", "+13175550199", CHANGED_AT
        await uow.members.save(ann)
        cpt = next(c for c in await uow.certifications.for_member("123456") if c.code == "CPT")
        paid = invoice("R000001", [cpt])
        await uow.invoices.add(paid)
        paid.status, paid.balance_cents = InvoiceStatus.PAID, 0
        paid.paid_at, paid.payment_charge_id = CHANGED_AT, "tg-1"
        await uow.invoices.save(paid)
        cpt.thru_date = date(2029, 12, 31)
        await uow.certifications.save(cpt)


async def ann(database: Database) -> tuple[str, str | None, date]:
    async with database.unit_of_work() as uow:
        member = await uow.members.get("123456")
        certs = {c.code: c for c in await uow.certifications.for_member("123456")}
    assert member is not None
    return member.email, member.phone, certs["CPT"].thru_date


async def test_an_older_file_keeps_what_the_member_did_in_the_chat(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    first = acsm_bot(database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS)))
    assert first.returncode == 0, first.stderr
    await chat_did_things(database)
    older = write(tmp_path, "older.csv", GOOD_MEMBERS)
    done = acsm_bot(database_url, "members", "import", "--as-of", "2026-11-01", str(older))
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0] == (
        "line 2: kept the email and phone member 123456 changed in the chat at 2026-11-20 15:00"
        " UTC (the file is as of 2026-11-01 04:00 UTC)"
    )
    assert out[1] == (
        "line 2: kept CPT of member 123456 thru 12/31/2029: a renewal paid in the chat on"
        " 2026-11-20 extended it (the file says 12/31/2026)"
    )
    assert "kept 1 contact and 1 thru date changed in the chat" in out[-1]
    assert await ann(database) == ("ann@chat.org", "+13175550199", date(2029, 12, 31))

    # The default as-of date is the file's modification time.
    old_time = datetime(2026, 11, 2, tzinfo=UTC).timestamp()
    os.utime(older, (old_time, old_time))
    done = acsm_bot(database_url, "members", "import", str(older))
    assert done.returncode == 0, done.stderr
    assert "(the file is as of 2026-11-02 00:00 UTC)" in done.stdout
    assert "(its modification time)" in done.stdout
    assert await ann(database) == ("ann@chat.org", "+13175550199", date(2029, 12, 31))

    # A file newer than the chat change: a dry run shows what would change, writes nothing.
    dry = acsm_bot(
        database_url, "members", "import", "--dry-run", "--as-of", "2026-11-21", str(older)
    )
    assert dry.returncode == 0, dry.stderr
    assert "line 2: member 123456: email, phone" in dry.stdout.splitlines()
    assert dry.stdout.splitlines()[-1].startswith("dry run, nothing written: would import")
    assert await ann(database) == ("ann@chat.org", "+13175550199", date(2029, 12, 31))
    # ... and the real import: the file's contact wins; the paid renewal still does.
    done = acsm_bot(database_url, "members", "import", "--as-of", "2026-11-21", str(older))
    assert done.returncode == 0, done.stderr
    assert "kept 0 contacts and 1 thru date" in done.stdout
    assert await ann(database) == ("ann@example.com", "+13175550100", date(2029, 12, 31))


async def test_a_dry_run_writes_nothing_and_a_thru_date_without_paid_renewal_follows_the_file(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, "m.csv", GOOD_MEMBERS)
    dry = acsm_bot(database_url, "members", "import", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[:3] == [
        "line 2: new member 123456",
        "line 4: new member 777",
        "line 2: new CPT of member 123456, thru 12/31/2026",
    ]
    async with database.unit_of_work() as uow:
        assert await uow.members.count() == 0
    assert acsm_bot(database_url, "members", "import", str(path)).returncode == 0
    # staff correct a thru date backwards: no paid renewal, so the file wins
    earlier = GOOD_MEMBERS.replace("2024-01-01,2026-12-31", "2023-01-01,2025-12-31")
    done = acsm_bot(database_url, "members", "import", str(write(tmp_path, "fix.csv", earlier)))
    assert done.returncode == 0, done.stderr
    assert "kept" not in done.stdout.split(";")[0]
    assert (await ann(database))[2] == date(2025, 12, 31)


def test_a_bad_as_of_date_is_one_line(database_url: str, tmp_path: Path) -> None:
    path = write(tmp_path, "m.csv", GOOD_MEMBERS)
    done = acsm_bot(database_url, "members", "import", "--as-of", "11/01/2026", str(path))
    assert done.returncode != 0
    assert done.stderr.strip() == "acsm-bot: --as-of '11/01/2026' is not a date (YYYY-MM-DD)"


async def test_member_fields_are_validated_with_their_line(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    bad = (
        f"{MEMBERS_HEADER}\n"
        "1,Ann,Lee,<b>x</b>@evil.com,,CPT,2024-01-01,2026-12-31,\n"
        "2,Bo,Li,bo@example.com,٣١٧٥٥٥٠١٠٠,CPT,2024-01-01,2026-12-31,\n"
        "3,Cy\x00,Do,cy@example.com,,CPT,2024-01-01,2026-12-31,\n"
        "４,Di,Ek,di@example.com,,CPT,2024-01-01,2026-12-31,\n"
        f"5,{'x' * 101},Fu,fu@example.com,,CPT,2024-01-01,2026-12-31,\n"
        "6,Ed,Fu,用户@例子.广告,+44 20 7946 0958,CPT,2024-01-01,2026-12-31,\n"
        f"7,Fa,Gu,fa@example.com,,CPT,2024-01-01,2026-12-31,{'9' * 10_000_001}\n"
    )
    done = acsm_bot(database_url, "members", "import", str(write(tmp_path, "bad.csv", bad)))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[0] == "line 2: email '<b>x</b>@evil.com' is not an email address"
    assert lines[1].startswith("line 3: phone: That does not look like a phone number")
    assert lines[2] == "line 4: first_name contains a control character or line break (U+0000)"
    assert lines[3] == "line 5: acsm_id '４' is not digits"
    assert lines[4] == "line 6: first_name is longer than 100 characters"
    assert lines[5].startswith("line 8: a field is longer than 131072 characters")
    assert lines[-1] == "acsm-bot: 6 bad rows: nothing was imported"
    assert "Error: field larger than field limit" not in done.stderr
    async with database.unit_of_work() as uow:
        assert await uow.members.count() == 0
    good = f"{MEMBERS_HEADER}\n6,Ed,Fu,用户@例子.广告,(317) 555-0100,CPT,2024-01-01,2026-12-31,\n"
    done = acsm_bot(database_url, "members", "import", str(write(tmp_path, "ok.csv", good)))
    assert done.returncode == 0, done.stderr
    async with database.unit_of_work() as uow:
        ed = await uow.members.get("6")
    assert ed is not None and (ed.email, ed.phone) == ("用户@例子.广告", "+13175550100")


async def recorded(database: Database) -> dict[str, Decimal]:
    async with database.unit_of_work() as uow:
        return {
            a.title: a.cecs
            for a in await uow.cecs.for_member("123456", date(2000, 1, 1), date(2100, 1, 1))
        }


async def test_cec_imports_take_corrections_and_refuse_bad_rows(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    acsm_bot(database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS)))
    first = f"{CEC_HEADER}\n123456,2025-03-01,Strength workshop,ACSM,7.5\n123456,2025-03-02,Webinar,NSCA,2\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "c1.csv", first)))
    assert done.returncode == 0, done.stderr
    assert "imported 2 CEC activities (2 new, 0 updated, 0 already recorded)" in done.stdout
    corrected = first.replace("NSCA,2", "NSCA,3.5")
    path = write(tmp_path, "c2.csv", corrected)
    dry = acsm_bot(database_url, "cecs", "import", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.splitlines()[0] == (
        "line 3: updated 'Webinar' (NSCA, 2025-03-02) of member 123456: 2 -> 3.5 CECs"
    )
    assert await recorded(database) == {"Strength workshop": Decimal("7.5"), "Webinar": 2}
    done = acsm_bot(database_url, "cecs", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert "(0 new, 1 updated, 1 already recorded)" in done.stdout
    assert await recorded(database) == {
        "Strength workshop": Decimal("7.5"),
        "Webinar": Decimal("3.5"),
    }
    tomorrow = date.today() + timedelta(days=2)
    bad = (
        f"{CEC_HEADER}\n"
        "123456,2025-04-01,Course,ACSM,2\n"  # 2
        "123456,2025-04-01,Course,ACSM,2.5\n"  # 3: same key, other CECs
        f"123456,{tomorrow:%Y-%m-%d},Future,ACSM,1\n"  # 4
        "123456,2023-12-31,Too early,ACSM,1\n"  # 5: before the first cycle (2024-01-01)
        "123456,2025-04-02,Marathon,ACSM,100.5\n"  # 6
        "123456,2025-04-03,Sci,ACSM,1e2\n"  # 7
        "123456,2025-04-03,Inf,ACSM,Infinity\n"  # 8
        "123456,2025-04-03,Nan,ACSM,NaN\n"  # 9
        "123456,2025-04-03,Wide,ACSM,１０\n"  # 10
        "123456,2025-04-03,Tab\tbed,ACSM,1\n"  # 11
        "777,2025-04-03,No cycle yet,ACSM,1\n"  # 12: EP from 2025-01-01: fine
        "123456,2025-04-01,Course,ACSM,2\n"  # 13: line 2 again, same CECs: counted once
    )
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "bad.csv", bad)))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert lines[:-1] == [
        "line 3: the same activity as line 2 with other CECs (2 on line 2, 2.5 on line 3): keep one",
        f"line 4: completed_on {tomorrow:%Y-%m-%d} is in the future",
        "line 5: completed_on 2023-12-31 is before member 123456's first cycle (from 2024-01-01)",
        "line 6: cecs: 100.5 for one activity is more than 100: a typing error?",
        "line 7: cecs: '1e2' is not a number: type digits such as 12 or 12.5",
        "line 8: cecs: 'Infinity' is not a number: type digits such as 12 or 12.5",
        "line 9: cecs: 'NaN' is not a number: type digits such as 12 or 12.5",
        "line 10: cecs: '１０' is not a number: type digits such as 12 or 12.5",
        "line 11: title contains a control character or line break (U+0009)",
    ]
    assert await recorded(database) == {
        "Strength workshop": Decimal("7.5"),
        "Webinar": Decimal("3.5"),
    }
    huge = f"{CEC_HEADER}\n123456,2025-04-01,{'x' * 10_000_000},ACSM,2\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "huge.csv", huge)))
    assert done.returncode != 0
    assert done.stderr.startswith("line 2: a field is longer than 131072 characters")


async def test_a_file_of_several_chunks_is_checked_whole_before_anything_is_written(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """`cecs import` streams the file CHUNK_ROWS rows at a time: a bad row on the last line,
    or a repeat on the last line of an activity of the first chunk with other CECs, still
    means nothing is imported; the good file is then imported whole, and a dry run counts
    across chunks."""
    acsm_bot(database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS)))
    count = 2 * CHUNK_ROWS + 7  # three chunks
    rows = [f"123456,2025-04-01,Course {n},ACSM,{n % 4 + 1}" for n in range(count)]
    good = "\n".join([CEC_HEADER, *rows]) + "\n"
    last_bad = good + "123456,2025-04-01,Course last,ACSM,1e2\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "b1.csv", last_bad)))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"line {count + 2}: cecs: '1e2' is not a number: type digits such as 12 or 12.5",
        "acsm-bot: 1 bad row: nothing was imported",
    ]
    assert await recorded(database) == {}
    repeated = good + "123456,2025-04-01,Course 0,ACSM,3.5\n"  # line 2 said 1
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "b2.csv", repeated)))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[0] == (
        f"line {count + 2}: the same activity as line 2 with other CECs (1 on line 2, 3.5 on"
        f" line {count + 2}): keep one"
    )
    assert await recorded(database) == {}
    twice = good + "123456,2025-04-01,Course 0,ACSM,1\n"  # the same row again: counted once
    path = write(tmp_path, "good.csv", twice)
    dry = acsm_bot(database_url, "cecs", "import", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert f"would import {count} CEC activities ({count} new, 0 updated" in dry.stdout
    assert await recorded(database) == {}
    done = acsm_bot(database_url, "cecs", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert f"imported {count} CEC activities ({count} new, 0 updated" in done.stdout
    stored = await recorded(database)
    assert len(stored) == count and stored["Course 5"] == 2
    corrected = good.replace("Course 10006,ACSM,3", "Course 10006,ACSM,4")
    dry = acsm_bot(database_url, "cecs", "import", "--dry-run",
                   str(write(tmp_path, "c.csv", corrected)))  # fmt: skip
    assert dry.stdout.splitlines() == [
        f"line {10006 + 2}: updated 'Course 10006' (ACSM, 2025-04-01) of member 123456:"
        " 3 -> 4 CECs",
        f"dry run, nothing written: would import {count} CEC activities (0 new, 1 updated,"
        f" {count - 1} already recorded)",
    ]


def test_a_file_that_is_not_utf8_names_its_first_bad_byte(
    database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes(f"{CEC_HEADER}\n123456,2025-04-01,Caf".encode() + b"\xe9,ACSM,1\n")
    done = acsm_bot(database_url, "cecs", "import", str(path))
    assert done.returncode != 0
    offset = len(CEC_HEADER) + 1 + len("123456,2025-04-01,Caf")
    assert done.stderr.strip() == f"acsm-bot: the file is not UTF-8 (byte {offset})"


async def test_impossible_years_are_bad_rows_with_their_line(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """Only 1950–2100 is plausible, in every date column of every import."""
    bad = (
        f"{MEMBERS_HEADER}\n"
        "1,Ann,Lee,ann@example.com,,CPT,1949-12-31,2026-12-31,\n"  # 2
        "2,Bo,Li,bo@example.com,,CPT,2024-01-01,2101-12-31,\n"  # 3
        "3,Cy,Do,cy@example.com,,CPT,2024-01-01,2026-12-31,0002-05-01\n"  # 4
        "4,Di,Ek,di@example.com,,CPT,01/01/0002,12/31/2026,\n"  # 5
        "5,Ed,Fu,ed@example.com,,CPT,2097-01-01,2100-12-31,2100-12-31\n"  # 6: fine
        "6,Fa,Gu,fa@example.com,,CPT,1950-01-01,1952-12-31,1950-01-01\n"  # 7: fine
    )
    done = acsm_bot(database_url, "members", "import", str(write(tmp_path, "bad.csv", bad)))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "line 2: effective_date '1949-12-31' is not a plausible date (years 1950–2100)",
        "line 3: thru_date '2101-12-31' is not a plausible date (years 1950–2100)",
        "line 4: cpr_aed_expires '0002-05-01' is not a plausible date (years 1950–2100)",
        "line 5: effective_date '01/01/0002' is not a plausible date (years 1950–2100)",
        "acsm-bot: 4 bad rows: nothing was imported",
    ]
    assert (
        acsm_bot(
            database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS))
        ).returncode
        == 0
    )
    cecs = f"{CEC_HEADER}\n123456,0002-01-01,Course,ACSM,2\n123456,2025-04-01,Course,ACSM,2\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "c.csv", cecs)))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines()[0] == (
        "line 2: completed_on '0002-01-01' is not a plausible date (years 1950–2100)"
    )
    # A certification stored before this check (thru 12/31/0002): a line, not a crash.
    async with database.unit_of_work() as uow:
        cpt = next(c for c in await uow.certifications.for_member("123456") if c.code == "CPT")
        cpt.effective_date, cpt.thru_date = date(1, 1, 1), date(2, 12, 31)
        await uow.certifications.save(cpt)
    good = f"{CEC_HEADER}\n123456,2025-04-01,Course,ACSM,2\n777,2025-04-01,Course,ACSM,2\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "c2.csv", good)))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "line 2: member 123456's CPT certification is stored with thru date 0002-12-31, not"
        " a plausible date (years 1950–2100): correct it with `members import` first",
        "acsm-bot: 1 bad row: nothing was imported",
    ]


async def test_counts_are_singular_for_one(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    one = f"{MEMBERS_HEADER}\n777,Bo,Li,bo@example.com,,EP,2025-01-01,2027-12-31,\n"
    done = acsm_bot(database_url, "members", "import", "--as-of", "2026-11-01",
                    str(write(tmp_path, "m.csv", one)))  # fmt: skip
    assert done.stdout.startswith(
        "imported 1 member (1 new, 0 changed), 1 certification (1 new, 0 changed); kept 0"
        " contacts and 0 thru dates changed in the chat"
    ), done.stdout
    cec = f"{CEC_HEADER}\n777,2025-04-01,Course,ACSM,2\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "c.csv", cec)))
    assert "imported 1 CEC activity (1 new," in done.stdout
    bad = f"{CEC_HEADER}\n777,2025-04-01,Course,ACSM,x\n"
    done = acsm_bot(database_url, "cecs", "import", str(write(tmp_path, "b.csv", bad)))
    assert done.stderr.strip().splitlines()[-1] == "acsm-bot: 1 bad row: nothing was imported"
    done = acsm_bot(database_url, "invoices", "export", str(tmp_path / "i.csv"))
    assert done.stdout.startswith("wrote 0 invoices to")


async def chat_opened_an_invoice(database: Database) -> None:
    """As the chat would leave it: Ann renewed her CPT (thru 12/31/2026) and has not paid
    the invoice yet; her finished renewal draft shows it."""
    async with database.unit_of_work() as uow:
        cpt = next(c for c in await uow.certifications.for_member("123456") if c.code == "CPT")
        await uow.invoices.add(invoice("R000001", [cpt]))
        await uow.drafts.save(
            RenewalDraft(
                "123456", [cpt.id or 0], True, True, Decimal(40), Decimal(5), acknowledged=True
            )
        )


async def test_an_import_that_moves_a_cycle_voids_its_open_invoice(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """Issue 22: staff import Ann's mail renewal (CPT thru 12/31/2029) while the invoice she
    opened in the chat for the cycle ending 12/31/2026 is still open. Before, the invoice
    stayed payable and a payment renewed nothing."""
    first = acsm_bot(database_url, "members", "import", str(write(tmp_path, "m.csv", GOOD_MEMBERS)))
    assert first.returncode == 0, first.stderr
    await chat_opened_an_invoice(database)
    mailed = GOOD_MEMBERS.replace(
        "Personal Trainer,2024-01-01,2026-12-31", "Personal Trainer,2027-01-01,2029-12-31"
    )
    path = write(tmp_path, "mail.csv", mailed)
    voided = (
        "line 2: {} invoice R000001 of member 123456 (CPT is now thru 12/31/2029; it renewed"
        " the cycle ending 12/31/2026): the member is told in the chat"
    )
    dry = acsm_bot(database_url, "members", "import", "--dry-run", str(path))
    assert dry.returncode == 0, dry.stderr
    assert voided.format("would void") in dry.stdout.splitlines()
    assert "; would void 1 open invoice whose cycle moved;" in dry.stdout
    async with database.unit_of_work() as uow:
        still = await uow.invoices.get("R000001")
    assert still is not None and still.status is InvoiceStatus.OPEN  # a dry run writes nothing

    done = acsm_bot(database_url, "members", "import", str(path))
    assert done.returncode == 0, done.stderr
    assert voided.format("voided") in done.stdout.splitlines()
    assert "; voided 1 open invoice whose cycle moved;" in done.stdout.splitlines()[-1]
    async with database.unit_of_work() as uow:
        void = await uow.invoices.get("R000001")
        draft = await uow.drafts.get("123456")
        cpt = next(c for c in await uow.certifications.for_member("123456") if c.code == "CPT")
    assert void is not None and void.status is InvoiceStatus.VOID and void.balance_cents == 0
    assert void.void_reason == "CPT is now thru 12/31/2029"
    assert draft is None  # its DONE step would show an invoice that is gone
    assert cpt.thru_date == date(2029, 12, 31)
    # Importing the same file again voids nothing more.
    again = acsm_bot(database_url, "members", "import", str(path))
    assert again.returncode == 0 and "void" not in again.stdout

    out = tmp_path / "invoices.csv"
    assert acsm_bot(database_url, "invoices", "export", str(out)).returncode == 0
    (row,) = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert (row["number"], row["status"], row["amount"], row["balance"]) == (
        "R000001",
        "void",
        "50.00",
        "0.00",
    )
