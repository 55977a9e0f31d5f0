"""`acsm-bot audit select|status|export` on a real database (in this process,
tests/cli/run.py)."""

from __future__ import annotations

import hashlib
import os
import stat
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from domain.model import Invoice, InvoiceLine, InvoiceStatus, TelegramLink
from storage.database import Database
from telegram_emulator import TelegramEmulator
from tests.cli import run
from tests.cli.run import Done, acsm_bot_async
from tests.storage.helpers import seed_member

PDF = b"%PDF-1.4\n" + bytes(range(256))


def acsm_bot(database_url: str, *args: str) -> Done:
    return run.acsm_bot(*args, env={"DATABASE_URL": database_url, "TELEGRAM_BOT_TOKEN": None})


async def test_select_status_export(database: Database, database_url: str, tmp_path: Path) -> None:
    for acsm_id in ("111", "222", "333"):
        certs = await seed_member(database.unit_of_work, acsm_id)
        async with database.unit_of_work() as uow:
            await uow.invoices.add(
                Invoice(
                    f"R000{acsm_id}", acsm_id, date(2026, 11, 1), "Recertification thru 12/31/2029",
                    4500, 0, [InvoiceLine(certs[0].id or 0, "CPT", certs[0].thru_date,
                                          date(2029, 12, 31))],
                    status=InvoiceStatus.PAID, acsm_cecs=Decimal(45),
                )
            )  # fmt: skip
    refused = acsm_bot(database_url, "audit", "select", "--year", "2026", "--percent", "0")
    assert refused.returncode != 0 and "--percent" in refused.stderr
    for option, other_digits in (("--year", "２０２６"), ("--percent", "٥٠"), ("--seed", "３")):
        numbers = {"--year": "2026", "--percent": "50", "--seed": "3", option: other_digits}
        refused = acsm_bot(
            database_url, "audit", "select", *(x for kv in numbers.items() for x in kv)
        )
        assert refused.returncode != 0 and "ASCII digits only" in refused.stderr, refused.stderr
    first = acsm_bot(
        database_url, "audit", "select", "--year", "2026", "--percent", "50", "--seed", "3"
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith(
        "selected 2 of 3 paid renewals of cycles ending 12/31/2026 (2 new)"
    )
    again = acsm_bot(
        database_url, "audit", "select", "--year", "2026", "--percent", "50", "--seed", "3"
    )
    assert "(0 new)" in again.stdout  # the same seed picks the same renewals
    status = acsm_bot(database_url, "audit", "status")
    header, *lines = status.stdout.splitlines()
    assert header.split() == ["acsm_id", "name", "selected_on", "due_on", "state"]
    assert status.returncode == 0 and len(lines) == 2
    assert all(line.endswith("pending") and "Ann Abbott" in line for line in lines)
    assert {line.index("Ann Abbott") for line in lines} == {header.index("name")}  # aligned
    out = tmp_path / "new" / "dir"
    exported = acsm_bot(database_url, "audit", "export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert "wrote 2 audits and 0 files" in exported.stdout
    assert first.stdout.startswith("selected 2 of 3 paid renewals")
    header = (out / "audits.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("acsm_id,name,selected_on,due_on,state,files,")  # first, in order


async def selected_with_a_proof(database: Database) -> str:
    """Member 111's paid renewal selected for audit, one PDF attached; its file name."""
    from bot.app import make_rules
    from bot.settings import Settings
    from domain.services.audits import select_audits
    from domain.tracker import ProofFile

    certs = await seed_member(database.unit_of_work, "111")
    async with database.unit_of_work() as uow:
        await uow.invoices.add(
            Invoice(
                "R000111", "111", date(2026, 11, 1), "Recertification thru 12/31/2029",
                4500, 0, [InvoiceLine(certs[0].id or 0, "CPT", certs[0].thru_date,
                                      date(2029, 12, 31))],
                status=InvoiceStatus.PAID, acsm_cecs=Decimal(45),
            )
        )  # fmt: skip
    rules = make_rules(Settings(database_url="sqlite+aiosqlite://"))
    await select_audits(database.unit_of_work, rules, 2026, 100, 1)
    async with database.unit_of_work() as uow:
        (audit,) = await uow.audits.for_member("111")
        proof = await uow.proofs.add(
            ProofFile("111", hashlib.sha256(PDF).hexdigest(), "application/pdf", len(PDF),
                      datetime(2027, 1, 5, tzinfo=UTC)),
            PDF,
        )  # fmt: skip
        assert proof.id is not None
        assert await uow.audits.attach(audit.id or 0, proof.id)
    return proof.file_name


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


async def test_export_folders_are_owner_only_and_planted_symlinks_are_not_followed(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    name = await selected_with_a_proof(database)
    out = tmp_path / "out"
    (out / "111").mkdir(parents=True)
    os.chmod(out, 0o755)  # noqa: S103 - an existing folder the export makes 0700
    victims = {n: tmp_path / n for n in ("victim-table", "victim-proof")}
    for victim in victims.values():
        victim.write_text("precious", encoding="utf-8")
    (out / "audits.csv").symlink_to(victims["victim-table"])
    (out / "111" / name).symlink_to(victims["victim-proof"])
    before = os.umask(0o022)
    try:
        done = acsm_bot(database_url, "audit", "export", str(out))
        fresh = acsm_bot(database_url, "audit", "export", str(tmp_path / "fresh"))
    finally:
        os.umask(before)
    assert done.returncode == 0, done.stderr
    assert "wrote 1 audit and 1 file" in done.stdout
    assert all(v.read_text(encoding="utf-8") == "precious" for v in victims.values())
    assert (out / "111" / name).read_bytes() == PDF and not (out / "111" / name).is_symlink()
    assert not (out / "audits.csv").is_symlink()
    assert fresh.returncode == 0, fresh.stderr
    for root in (out, tmp_path / "fresh"):
        assert (mode(root), mode(root / "111")) == (0o700, 0o700)
        assert (mode(root / "audits.csv"), mode(root / "111" / name)) == (0o600, 0o600)
        assert sorted(p.name for p in root.rglob("*")) == sorted(["111", "audits.csv", name])


async def test_a_symlinked_member_folder_is_refused(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    await selected_with_a_proof(database)
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "111").symlink_to(elsewhere, target_is_directory=True)
    done = acsm_bot(database_url, "audit", "export", str(out))
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        f"acsm-bot: {out / '111'} is a symbolic link: not followed"
    ]
    assert list(elsewhere.iterdir()) == []


async def test_select_lists_the_members_it_could_not_tell(
    database: Database, database_url: str
) -> None:
    """Issue 21: `audit select` said "told 0 chats" and staff never learnt who was not told.
    Now each member told in no chat is listed with the reason."""
    for acsm_id in ("111", "222", "333"):
        certs = await seed_member(database.unit_of_work, acsm_id)
        async with database.unit_of_work() as uow:
            await uow.invoices.add(
                Invoice(
                    f"R000{acsm_id}", acsm_id, date(2026, 11, 1), "Recertification thru 12/31/2029",
                    4500, 0, [InvoiceLine(certs[0].id or 0, "CPT", certs[0].thru_date,
                                          date(2029, 12, 31))],
                    status=InvoiceStatus.PAID, acsm_cecs=Decimal(45),
                )
            )  # fmt: skip
    async with TelegramEmulator() as emulator:
        told, blocker = emulator.new_user("Ann"), emulator.new_user("Ann")
        now = datetime.now(UTC)
        async with database.unit_of_work() as uow:
            for user, acsm_id in ((told, "111"), (blocker, "222")):  # 333 never logged in
                user.chat.started = True
                await uow.sessions.save(TelegramLink(user.id, acsm_id, 0, now, now))
        blocker.block()
        env = {
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": emulator.token,
            "TELEGRAM_API_BASE_URL": emulator.base_url,
        }
        args = ("audit", "select", "--year", "2026", "--percent", "100")
        done = await acsm_bot_async(*args, env=env)
        assert done.returncode == 0, done.stderr
        assert done.stdout.splitlines() == [
            "selected 3 of 3 paid renewals of cycles ending 12/31/2026 (3 new); told 1 chat,"
            " 1 not told",
            "could not tell 2 members (their audit waits for them in /audit once they log in):",
            "  222  Ann Abbott: blocked the bot",
            "  333  Ann Abbott: never logged in from a chat (or logged out since)",
        ]
        assert "selected for a random audit" in told.messages[0].text
        again = await acsm_bot_async(*args, env=env)  # nobody new: nobody to list
        assert again.stdout.splitlines()[1:] == []


async def test_export_lists_what_was_reported_and_which_file_proves_which_activity(
    database: Database, database_url: str, tmp_path: Path
) -> None:
    """Issue 22: audits.csv keeps its columns first and adds what was reported, what the
    files cover, each logged activity with its certificate's file, and what each file
    proves (or why it proves nothing). Every cell goes through the CSV-neutralising writer,
    and each new cell starts with a date, a number or the ACSM ID: a title can never start
    one."""
    import csv

    from domain.tracker import LoggedActivity, Organization, new_proof

    attached_name = await selected_with_a_proof(database)  # R000111: 45 typed at renewal
    at = datetime(2027, 1, 5, tzinfo=UTC)
    async with database.unit_of_work() as uow:
        (audit,) = await uow.audits.for_member("111")
        attached = audit.proof_ids[0]
        later = await uow.proofs.add(new_proof("111", PDF + b"later", at), PDF + b"later")
        spare = await uow.proofs.add(new_proof("111", PDF + b"spare", at), PDF + b"spare")
        loose = await uow.proofs.add(new_proof("111", PDF + b"loose", at), PDF + b"loose")
        for title, day, cecs, proof in (
            ("=HYPERLINK(1)", date(2025, 3, 1), "15", attached),  # proven, inside the cycle
            ("Spring workshop", date(2027, 1, 2), "6", later.id),  # after the cycle
            ("Rowing clinic", date(2026, 5, 1), "2.5", spare.id),  # certificate not attached
            ("Reading", date(2026, 6, 1), "1", None),
        ):
            await uow.logged_cecs.add(
                LoggedActivity("111", title, "NSCA", day, Decimal(cecs), Organization.OTHER, at,
                               proof)
            )  # fmt: skip
        for proof_id in (later.id, loose.id):
            assert await uow.audits.attach(audit.id or 0, proof_id or 0)
    out = tmp_path / "out"
    done = acsm_bot(database_url, "audit", "export", str(out))
    assert done.returncode == 0, done.stderr
    with (out / "audits.csv").open(encoding="utf-8", newline="") as handle:
        header, row = list(csv.reader(handle))
    assert header == [
        "acsm_id", "name", "selected_on", "due_on", "state", "files",
        "reported_acsm_cecs", "reported_other_cecs", "reported_cecs", "covered_cecs",
        "short_cecs", "activities", "proofs",
    ]  # fmt: skip
    table = dict(zip(header, row, strict=True))
    files = [f"111/{attached_name}", f"111/{later.file_name}", f"111/{loose.file_name}"]
    assert table["files"] == ";".join(files)
    assert [table[c] for c in header[6:11]] == ["45", "0", "45", "15", "30"]
    assert table["activities"].splitlines() == [
        f"03/01/2025 =HYPERLINK(1) (NSCA), 15 CECs other: {files[0]}",  # not a cell's start
        "05/01/2026 Rowing clinic (NSCA), 2.5 CECs other: certificate in the log, not attached",
        "06/01/2026 Reading (NSCA), 1 CECs other: no certificate",
    ]
    assert table["proofs"].splitlines() == [
        f"{files[0]}: =HYPERLINK(1) (03/01/2025, 15 CECs)",
        f"{files[1]}: Spring workshop (01/02/2027, 6 CECs) OUTSIDE the audited cycle: not counted",
        f"{files[2]}: not the certificate of a logged activity",
    ]
