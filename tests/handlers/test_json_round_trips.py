"""What an update keeps in the database as JSON comes back the same: conversation states
(handlers/turn.py) and the replies waiting to be sent (handlers/outbox.py). Here, not in
tests/domain, because both modules import python-telegram-bot."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from domain.services.tracker import NewActivity
from domain.tracker import Organization
from handlers.activity_draft import ActivityDraft
from handlers.outbox import Outbox, Sender
from handlers.receipt_pdf import ReceiptCertification, ReceiptData, ReceiptLine
from handlers.turn import ConversationState

json_scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=30)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def stored(value: Any) -> Any:
    """As the update runner writes it and reads it back."""
    return json.loads(json.dumps(value))


# ---- conversation states ----------------------------------------------------------------------


@given(
    st.text(max_size=20),
    st.text(max_size=40),
    st.dictionaries(st.text(max_size=20), json_values, max_size=6),
)
def test_a_conversation_state_comes_back_the_same(
    name: str, state: str, data: dict[str, Any]
) -> None:
    original = ConversationState(name, state, data)
    assert ConversationState.from_json(stored(original.to_json())) == original


@given(json_values)
def test_a_state_that_is_not_ours_starts_afresh_or_is_read(value: Any) -> None:
    read = ConversationState.from_json(stored(value))
    assert read is None or isinstance(read.state, str)


@settings(max_examples=50)
@given(
    st.text(max_size=10), st.integers() | st.text(min_size=1) | st.lists(json_scalars, min_size=1)
)
def test_a_state_with_foreign_data_starts_afresh(state: str, data: Any) -> None:
    read = ConversationState.from_json({"name": "renewal", "state": state, "data": data})
    assert read is not None and read.data == {}


# ---- replies ----------------------------------------------------------------------------------

texts = st.text(max_size=60)
chat_ids = st.integers(-(10**13), 10**13)
markups = st.none() | st.lists(
    st.lists(
        st.builds(
            InlineKeyboardButton, texts.filter(bool), callback_data=st.text(min_size=1, max_size=64)
        ),
        min_size=1,
        max_size=3,
    ),
    min_size=1,
    max_size=3,
).map(InlineKeyboardMarkup)
receipts = st.builds(
    ReceiptData,
    member_name=texts,
    acsm_id=st.text("0123456789", min_size=6, max_size=6),
    lines=st.lists(
        st.builds(ReceiptLine, st.text(max_size=8), texts, st.integers(0, 10**7)), max_size=3
    ),
    paid_at=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    charge_id=st.text(max_size=20),
    provider_charge_id=st.none() | st.text(max_size=20),
    certifications=st.lists(
        st.builds(ReceiptCertification, st.text(max_size=8), texts, st.dates()), max_size=3
    ),
    timezone=st.sampled_from(["UTC", "America/New_York", "America/Los_Angeles"]),
    issuer_contact=texts,
    language=st.sampled_from(["en", "es"]),
)
# A new message may also carry a reply keyboard ("Share my phone number") or its removal.
reply_keyboards = st.builds(
    ReplyKeyboardMarkup,
    st.lists(
        st.lists(
            st.builds(
                KeyboardButton, texts.filter(bool), request_contact=st.none() | st.just(True)
            ),
            min_size=1,
            max_size=2,
        ),
        min_size=1,
        max_size=2,
    ),
    resize_keyboard=st.none() | st.booleans(),
    one_time_keyboard=st.none() | st.booleans(),
)
message_markups = markups | reply_keyboards | st.just(ReplyKeyboardRemove())
ops = st.one_of(
    st.tuples(st.just("send_message"), chat_ids, texts, message_markups),
    st.tuples(st.just("edit_message"), chat_ids, st.integers(1, 2**31), texts, markups),
    st.tuples(st.just("answer_button"), st.sampled_from(["q1", "q2"]), st.none() | texts),
    st.tuples(st.just("answer_pre_checkout"), st.text(min_size=1, max_size=20), st.none() | texts),
    st.tuples(st.just("delete_message"), chat_ids, st.integers(1, 2**31)),
    st.tuples(
        st.just("send_invoice"),
        chat_ids,
        texts,
        texts,
        st.text(max_size=128),
        st.lists(st.tuples(texts, st.integers(0, 10**9)), min_size=1, max_size=4),
    ),
    st.tuples(st.just("send_receipt"), chat_ids, receipts, texts, texts),
)


def recorded(operations: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    outbox = Outbox()
    for name, *args in operations:
        getattr(outbox, name)(*args)
    return outbox.replies


class RecordingBot:
    """Stands in for the application's bot: what the Sender would ask Telegram to do."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def __getattr__(self, method: str) -> Any:
        async def call(*args: Any, **kwargs: Any) -> None:
            self.calls.append((method, _plain([*args, kwargs])))

        return call


def _plain(value: Any) -> Any:
    """Telegram objects and files as comparable plain values."""
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "input_file_content"):
        return (value.input_file_content, value.filename)
    return value


async def sent(replies: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    bot = RecordingBot()
    await Sender(bot, payment_provider_token="TEST:token").send(replies)  # type: ignore[arg-type]
    return bot.calls


@settings(max_examples=60, deadline=None)  # a receipt embeds its font: ~0.1 s
@given(st.lists(ops, max_size=8))
async def test_replies_kept_in_the_database_are_sent_as_they_would_have_been(
    operations: list[tuple[Any, ...]],
) -> None:
    """A kill after the commit: the redelivered update sends the stored replies; Telegram
    must see the same calls as it would have without the kill."""
    replies = recorded(operations)
    again = stored(replies)
    assert again == replies
    assert await sent(again) == await sent(replies)
    for reply, operation in zip(
        (r for r in again if r["method"] == "sendReceipt"),
        (o for o in operations if o[0] == "send_receipt"),
        strict=True,
    ):
        assert ReceiptData.from_json(reply["receipt"]) == operation[2]


@settings(max_examples=40)
@given(chat_ids, texts, message_markups)
async def test_a_stored_message_keeps_its_kind_of_keyboard(
    chat_id: int, text: str, markup: Any
) -> None:
    """Inline buttons, a reply keyboard or its removal: sent from the database as recorded."""
    outbox = Outbox()
    outbox.send_message(chat_id, text, markup)
    [(method, [_, _, kwargs])] = await sent(stored(outbox.replies))
    assert method == "send_message"
    assert kwargs["reply_markup"] == (markup.to_dict() if markup is not None else None)


# ---- the /addcec wizard's typed draft ---------------------------------------------------------

drafts = st.builds(
    ActivityDraft,
    title=st.none() | st.text(min_size=1, max_size=30),
    provider=st.none() | st.text(min_size=1, max_size=30),
    completed_on=st.none() | st.dates(),
    cecs=st.none() | st.integers(0, 400).map(lambda halves: Decimal(halves) / 2),
    organization=st.none() | st.sampled_from(Organization),
    proof_id=st.none() | st.integers(1, 2**31),
)


@given(drafts)
def test_an_activity_draft_comes_back_the_same(draft: ActivityDraft) -> None:
    assert ActivityDraft.from_json(stored(draft.to_json())) == draft


@given(st.dictionaries(st.sampled_from(["title", "cecs", "completed_on", "proof_id"]), json_values))
def test_a_damaged_draft_reads_back_with_answers_missing_never_fails(data: dict[str, Any]) -> None:
    read = ActivityDraft.from_json(stored(data))
    assert read.activity() is None  # never a half-read activity logged


def test_a_complete_draft_is_the_activity_to_log() -> None:
    draft = ActivityDraft("Squat clinic", "NSCA", date(2026, 3, 15), Decimal("2.5"))
    assert draft.activity() is None  # the organization is still missing
    done = draft.but(organization=Organization.OTHER).activity()
    assert done == NewActivity(
        "Squat clinic", "NSCA", date(2026, 3, 15), Decimal("2.5"), Organization.OTHER
    )


def test_a_receipt_stored_by_the_previous_version_is_still_sent() -> None:
    """Committed before an upgrade, sent after it: the fields added since take defaults."""
    old = {
        "member_name": "Ann Lee",
        "acsm_id": "100001",
        "lines": [["R000001", "Recertification thru 12/31/2029", 4500]],
        "paid_at": "2026-11-28T17:00:00+00:00",
        "charge_id": "tg_1",
    }
    receipt = ReceiptData.from_json(old)
    assert receipt.certifications == [] and receipt.provider_charge_id is None
    assert receipt.local_paid_at() == "11/28/2026 5:00 PM UTC"
    spanish = ReceiptData.from_json({**old, "language": "es", "timezone": "America/New_York"})
    assert spanish.local_paid_at() == "11/28/2026 12:00 EST"  # 17:00 UTC, a 24-hour clock
