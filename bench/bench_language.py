"""What speaking the member's language costs per update (issue 25: at most 3%).

One bot process (bench/cost_bot.py, the real Application on SQLite, or PostgreSQL with
--postgres) answers "how many CECs do I still need?" in a closed loop, as in
bench/bench_cost.py, alternately for 100 English and 100 Spanish members (Telegram
`language_code` "en" / "es"; the same data each), several times in alternating order so that
the machine's load falls on both alike. Printed:

- CPU ms per update for each language (medians of the rounds) and the Spanish surcharge;
- from a cProfile of Spanish members' updates: the time per update spent in the
  catalog (i18n/: choosing the speaker, looking sentences up, filling placeholders) and in
  choosing the member's language (domain/languages.py). The English path runs the same
  functions (its catalog is empty: each lookup returns the English), so this share bounds
  what the languages add to an update. The language itself is read in the claim's
  statement (no extra query: tests/chat/test_cost.py).

Run: `make bench` (or `python bench/bench_language.py [--rounds N] [--postgres URL]`).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import pstats
import signal
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_cost import (  # noqa: E402
    COST_MEMBERS,
    QUESTION,
    REPLY_TIMEOUT,
    SMALL,
    add_members,
    bench_database,
    closed_loop,
    running,
)
from storage.database import Database  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from telegram_emulator import TelegramEmulator  # noqa: E402

LANGUAGE_FILES = ("/i18n/", "/domain/languages.py")


def i18n_share(path: Path) -> tuple[float, float]:
    """(seconds in the language functions, seconds in all) of a profile: the cumulative time
    of each entry into i18n/ or domain/languages.py from outside them (so nothing is counted
    twice), beside the profile's total."""
    stats = pstats.Stats(str(path))
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]

    def ours(key: Any) -> bool:
        return any(part in key[0] for part in LANGUAGE_FILES)

    spent = 0.0
    for key, (_cc, _nc, _tt, _ct, callers) in table.items():
        if not ours(key):
            continue
        for caller, (_ccc, _cnc, _ctt, caller_ct) in callers.items():
            if not ours(caller):
                spent += caller_ct
    total = max((ct for (_cc, _nc, _tt, ct, _callers) in table.values()), default=0.0)
    return spent, total


async def rounds_of(bot: Any, users: list[Any], rounds: int) -> float:
    """CPU ms per update over `rounds` questions from each of `users`."""
    cpu = bot.cpu_seconds()
    answered = await closed_loop(users, rounds, None)
    return (bot.cpu_seconds() - cpu) / answered * 1000


async def run(db: str, url: str, tmp: Path, repeats: int, rounds: int) -> None:
    await upgrade(url)
    database = Database(url)
    await add_members(database, 0, SMALL)
    try:
        async with TelegramEmulator(spec=None) as emulator:
            # add_members logs the first members in as the emulator's users, in order.
            english = [emulator.new_user(f"E{i}") for i in range(COST_MEMBERS)]
            spanish = [emulator.new_user(f"S{i}", language_code="es") for i in range(COST_MEMBERS)]
            async with running("acsm", emulator, tmp, url) as bot:
                await closed_loop(english + spanish, 1, None)  # warm up; languages kept
                await spanish[0].send(QUESTION)
                answer = (await spanish[0].next_message(timeout=REPLY_TIMEOUT)).text
                assert "You still need" not in answer, f"not Spanish: {answer!r}"
                cost: dict[str, list[float]] = {"en": [], "es": []}
                for repeat in range(repeats):
                    order = [("en", english), ("es", spanish)]
                    for language, users in order if repeat % 2 == 0 else order[::-1]:
                        cost[language].append(await rounds_of(bot, users, rounds))
                bot.signal(signal.SIGUSR1)
                await closed_loop(spanish, rounds, None)
                bot.signal(signal.SIGUSR2)
                await asyncio.sleep(1)
                spent, total = i18n_share(bot.profile)
    finally:
        await database.dispose()
    en, es = statistics.median(cost["en"]), statistics.median(cost["es"])
    updates = COST_MEMBERS * rounds
    print(f"\n{db}: {repeats} × {updates} updates per language (medians)")
    print(f"  English members  {en:6.2f} CPU ms/update  (runs: {fmt(cost['en'])})")
    print(f"  Spanish members  {es:6.2f} CPU ms/update  (runs: {fmt(cost['es'])})")
    print(f"  Spanish / English: {es / en - 1:+.1%}")
    if total:
        per_update = spent * 1000 / updates
        print(
            f"  profile (Spanish members, {updates} updates): {per_update:.3f} ms per update "
            f"in i18n/ and domain/languages.py (profiled wall time, an upper bound) = "
            f"{per_update / es:.2%} of an update's CPU"
        )


def fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", default=None, help="also on this PostgreSQL server")
    parser.add_argument("--repeats", type=int, default=6, help="alternations per language")
    parser.add_argument("--rounds", type=int, default=3, help="questions per member per run")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        for db in ["sqlite"] + (["postgres"] if args.postgres else []):
            async with bench_database(db, tmp, args.postgres) as url:
                await run(db, url, tmp, args.repeats, args.rounds)


if __name__ == "__main__":
    asyncio.run(main())
