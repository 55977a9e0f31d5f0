"""Delivery guarantees, driven through the emulator with the real Application:

- money first: a payment is recorded whatever conversation the member is in;
- one update, one transaction: a failure at any write of an update leaves nothing, and the
  update is tried again until it succeeds (once);
- members in parallel, each member in order;
- getUpdates errors (409 Conflict, 5xx, 429) never stop the polling;
- a poison update is parked after a few attempts, the member told once, the chat goes on.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import OperationalError

import bot.dispatcher
from bot.errors import DATABASE_DOWN, PARKED
from storage import inbox
from storage.database import Database
from tests.chat.conftest import ANN, BOB, ask, log_in, press, prove_identity, quiet, shows
from tests.hardening.consistency import broken_rows, counts

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE)", re.IGNORECASE)
# Clearing earlier updates' sent replies: bookkeeping done by whichever transaction comes
# next (or one of its own: bot/reply_clearing.py), not a write of the update under test.
CLEARING = re.compile(r"^\s*UPDATE inbox SET replies=", re.IGNORECASE)


@pytest.fixture(autouse=True)
def quick_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bot.dispatcher, "BACKOFF_BASE", 0.05)
    monkeypatch.setattr(bot.dispatcher, "MAX_ATTEMPTS", 3)


async def invoice_for_cep(bob: Any) -> Any:
    """Bob renews CEP alone and puts its invoice in the cart: the Telegram invoice message."""
    await log_in(bob, BOB)
    choose = await ask(bob, "/renew")
    await bob.press(next(b for b in choose.buttons if "CEP —" in b and "RCEP" not in b))
    await shows(bob, lambda m: sum(b.startswith("☑") for b in m.buttons) == 1)
    await press(bob, "Continue")
    await press(bob, "Yes, correct")
    await press(bob, "Yes, it is current")
    await ask(bob, "45")
    await ask(bob, "15")
    invoice = await press(bob, "☐ I acknowledge")
    number = re.search(r"R\d{6}", invoice.text)
    assert number, invoice.text
    listing = await ask(bob, "/invoices")
    await bob.press(next(b for b in listing.buttons if number.group(0) in b))
    await shows(bob, lambda m: "Selected total: $55.00" in m.text)
    cart = await press(bob, "Add to cart")
    assert cart.invoice is not None
    return cart


RENEWAL_STEPS = [  # (state reached, how to get there, what it shows)
    ("renew:contact", "/renew", "Contact details"),
    ("renew:edit_email", "press:Edit email", "Type your email"),
    ("renew:cpr", "press:Yes, correct", "Step 2 of 5"),
    ("renew:acsm_cecs", "press:Yes, it is current", "Step 3 of 5"),
    ("renew:other_cecs", "45", "Step 4 of 5"),
    ("renew:acknowledge", "15", "Step 5 of 5"),
]
NEXT = {  # in each state: what Bob answers next, and what that must show
    "renew:contact": ("press:Yes, correct", "Step 2 of 5"),
    "renew:edit_email": ("bob@example.com", "Email updated"),
    "renew:cpr": ("press:Yes, it is current", "Step 3 of 5"),
    "renew:acsm_cecs": ("45", "Step 4 of 5"),
    "renew:other_cecs": ("15", "Step 5 of 5"),
    "renew:acknowledge": ("press:☐ I acknowledge", "Invoice R"),
}


async def act(user: Any, action: str) -> Any:
    if action.startswith("press:"):
        return await press(user, action.removeprefix("press:"))
    return await ask(user, action)


async def renewal_of_rcep(bob: Any, until: str) -> None:
    """Start renewing RCEP (CEP is invoiced already) and stop in state `until`."""
    if until == "renew:edit_email":
        await prove_identity(bob)  # logged in with the default credentials
    for state, action, shown in RENEWAL_STEPS:
        if state == "renew:edit_email" and until != state:
            continue
        reply = await act(bob, action)
        assert shown in reply.text, (state, reply.text)
        if state == until:
            return


async def enter_state(bob: Any, state: str) -> tuple[str, str]:
    """Put Bob in `state`; returns (what he types or presses next, what that must show)."""
    if state == "login:username":
        await ask(bob, "/logout")
        await ask(bob, "/login")
        return BOB[0], "password"
    if state == "login:password":
        await ask(bob, "/logout")
        await ask(bob, "/login")
        await ask(bob, BOB[0])
        return BOB[1], "Welcome"
    if state == "password:old":
        await prove_identity(bob)  # logged in with the default credentials
        await ask(bob, "/password")
        await press(bob, "My password")
        return BOB[1], "new password"
    await renewal_of_rcep(bob, state)
    return NEXT[state]


@pytest.mark.parametrize(
    "state",
    [
        "login:username",
        "login:password",
        "password:old",
        "renew:contact",
        "renew:edit_email",
        "renew:cpr",
        "renew:acsm_cecs",
        "renew:other_cecs",
        "renew:acknowledge",
    ],
)
async def test_a_payment_is_recorded_in_every_conversation_state(
    bot, emulator, database, state: str
) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    cart = await invoice_for_cep(bob)
    answer, shows_next = await enter_state(bob, state)
    paid = await bob.pay(cart, timeout=15)
    assert paid.approved, paid.error_message
    confirmation = await bob.next_message(timeout=15)
    assert "CEP: now valid thru 12/31/2029" in confirmation.text
    # The receipt, or (logged out meanwhile) where to get it.
    receipt = await bob.next_message(timeout=15)
    assert receipt.file_id is not None or "get your receipt" in receipt.text
    # The conversation was not disturbed: it takes the next answer at the same step.
    reply = await act(bob, answer)
    assert shows_next in reply.text, reply.text
    await quiet(emulator)
    total = await counts(database)
    assert (total.paid_invoices, total.payments) == (1, 1)
    assert not any("Please answer the question above" in m.text for m in bob.messages)


@pytest.fixture
def failing_writes(database: Database) -> Iterator[dict[str, Any]]:
    """Arm to make write number N of an update fail on attempt N (N = 1, 2, …): a crash
    between every pair of writes, one attempt after another, until an attempt has fewer
    writes than its number and succeeds."""
    plan: dict[str, Any] = {"armed": False, "attempt": 0, "writes": 0, "failed": []}

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not plan["armed"]:
            return
        if statement.lstrip().upper().startswith("SELECT INBOX.UPDATE_ID, (SELECT"):
            plan["attempt"] += 1  # the claim: a new attempt of the update
            plan["writes"] = 0
            return
        if not WRITES.match(statement) or CLEARING.match(statement):
            return
        plan["writes"] += 1
        if plan["writes"] == plan["attempt"]:
            plan["failed"].append(statement.split("(")[0].strip()[:40])
            raise OperationalError(statement[:40], {}, Exception("injected: disk I/O error"))

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    yield plan
    event.remove(database.engine.sync_engine, "before_cursor_execute", before)


async def test_a_failure_at_every_write_of_a_payment_leaves_one_payment(
    bot, emulator, database, failing_writes
) -> None:
    bob = emulator.new_user("Bob", "Diaz")
    cart = await invoice_for_cep(bob)
    await quiet(emulator)
    query_answered = asyncio.Event()

    async def pay() -> Any:
        result = await bob.pay(cart, timeout=30)
        query_answered.set()
        return result

    # Arm once the pre-checkout is answered: the successful payment is the update that fails.
    paying = asyncio.ensure_future(pay())
    await emulator.wait_until(lambda: emulator.calls_to("answerPreCheckoutQuery"), timeout=15)
    failing_writes["armed"] = True
    paid = await paying
    assert paid.approved
    await shows(bob, lambda m: "Payment received" in m.text)
    await quiet(emulator)
    failing_writes["armed"] = False
    print(f"\nfailed writes, one per attempt: {failing_writes['failed']}")
    # payment, its invoice, invoice, certification, draft, done with replies
    assert len(failing_writes["failed"]) >= 6
    total = await counts(database)
    assert (total.invoices, total.paid_invoices, total.payments) == (1, 1, 1)
    assert await broken_rows(database) == {}
    assert sum("Payment received" in m.text for m in bob.messages) == 1
    assert sum(m.text == DATABASE_DOWN for m in bob.messages) == 1  # told once
    await bob.send("/certifications")
    certs = await shows(bob, lambda m: "My certifications" in m.text)
    assert certs.text.count("thru 12/31/2029") == 1  # CEP extended once; RCEP not


async def test_members_in_parallel_each_member_in_order(bot, emulator) -> None:
    ann, bob = emulator.new_user("Ann", "Lee"), emulator.new_user("Bob", "Diaz")
    await log_in(ann, ANN)
    await log_in(bob, BOB)
    await quiet(emulator)
    hold = emulator.hold_next(
        match=lambda method, params: str(params.get("chat_id")) == str(ann.id)
    )
    await ann.send("/cecs")
    await ann.send("/help")
    help_id = max(emulator.updates.history)
    await asyncio.wait_for(hold.arrived.wait(), 15)
    # Ann's first reply is stuck in flight; Bob is answered meanwhile (his update came after
    # Ann's /help: that one is stored and in hand, ahead of his in the same worker pool)…
    assert "still need" in (await ask(bob, "/cecs")).text
    async with bot.database.connect() as connection:
        waiting = [p.received.update_id for p in await inbox.pending(connection)]
    # …and Ann's second message waits for her first.
    assert help_id in waiting
    assert not any("/renew" in m.text for m in ann.messages[-2:])
    hold.release(execute=True)
    first = await ann.next_message(timeout=15)
    second = await ann.next_message(timeout=15)
    assert "still need" in first.text and "/renew" in second.text


async def kept_replies(database: Database) -> dict[int, int]:
    """Update id -> how many of its replies are kept (committed, not yet cleared)."""
    async with database.transaction() as (connection, _):
        return {update_id: len(replies) for update_id, replies in await inbox.unsent(connection)}


async def test_sent_replies_are_cleared_by_the_next_turns_transaction(
    bot, emulator, database
) -> None:
    """A reply, once sent, is cleared in the transaction of the next turn (here the same
    chat's next update), not in one of its own; what is left is cleared when the bot stops."""
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await quiet(emulator)
    assert await kept_replies(database) == {}
    clearer = bot.processing.runner.clearer
    clearer.after = 3600.0  # no transaction of their own while the test runs
    await ask(ann, "/help")
    first = max(emulator.updates.history)
    await emulator.wait_until(lambda: first in clearer.pending, timeout=15)
    assert await kept_replies(database) == {first: 1}  # sent, kept until a commit clears it
    await ask(ann, "/cecs")
    second = max(emulator.updates.history)
    await emulator.wait_until(lambda: second in clearer.pending, timeout=15)
    assert await kept_replies(database) == {second: 1}  # /help's went with /cecs's commit
    await bot.stop()
    assert await kept_replies(database) == {}


async def test_twenty_members_logging_in_at_once(bot, emulator) -> None:
    """All answered, the last soon after the first. Argon2 is cheap here as in every chat test
    (this measures the bot, not the hash: 20 real argon2id checks need ~3 s of CPU on 2 cores
    whatever the bot does). The floor is Telegram's own limit: 20 deletions + 20 welcomes are
    40 calls, which python-telegram-bot's rate limiter spreads at 30 a second (1.3 s)."""
    users = [emulator.new_user(f"M{i}", "Lee") for i in range(20)]
    for user in users:
        await ask(user, "/login")
        await ask(user, ANN[0])
    for user in users:
        await user.send(ANN[1])

    async def welcomed(user: Any) -> float:
        await user.wait_for(lambda m: "Welcome" in m.text, timeout=30)
        return time.monotonic()

    answered = await asyncio.gather(*(welcomed(user) for user in users))
    spread = max(answered) - min(answered)
    print(f"\n20 logins: first to last answer {spread * 1000:.0f} ms")
    assert spread < 2.0


@pytest.mark.parametrize(
    ("status", "description"),
    [
        (409, "Conflict: terminated by other getUpdates request"),
        (502, "Bad Gateway"),
        (429, "Too Many Requests: retry after 1"),
        (400, "Bad Request: something Telegram never said before"),
    ],
)
async def test_polling_survives_errors_on_get_updates(
    bot, emulator, status: int, description: str
) -> None:
    ann = emulator.new_user("Ann", "Lee")
    emulator.fail_next("getUpdates", status=status, times=3, description=description)
    reply = await ask(ann, "/help")
    assert "/renew" in reply.text
    assert [c.status for c in emulator.calls_to("getUpdates")][:3] == [status] * 3


async def test_a_poison_update_is_parked_and_the_chat_goes_on(bot, emulator, database) -> None:
    ann = emulator.new_user("Ann", "Lee")
    await log_in(ann, ANN)
    await quiet(emulator)
    poison = {"armed": True}

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if poison["armed"] and "FROM certifications" in statement:
            raise ValueError("a bug that fails this update every time")

    event.listen(database.engine.sync_engine, "before_cursor_execute", before)
    try:
        assert (await ask(ann, "/certifications")).text == PARKED
        poison["armed"] = False
        assert "still need" in (await ask(ann, "/cecs")).text
    finally:
        event.remove(database.engine.sync_engine, "before_cursor_execute", before)
    await quiet(emulator)
    assert sum(m.text == PARKED for m in ann.messages) == 1
    async with database.connect() as connection:
        (parked,) = await inbox.parked(connection)
        payload = (
            await connection.execute(text("SELECT payload FROM inbox WHERE parked_at IS NOT NULL"))
        ).scalar_one()
    assert parked > 0 and "/certifications" not in str(payload)  # nothing typed is kept
