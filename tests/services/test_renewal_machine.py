"""The renewal as a state machine: hypothesis drives the real use cases (domain/services/
renewal.py) on a real SQLite database, in any order, while the clock moves through the cycle
and staff change the CPR/AED expiry on file, and checks that no invoice ever appears without:

- the member's acknowledgement (an invoice appears only during `acknowledge`);
- a contact and a CPR/AED confirmation since the last cancel, and a CPR/AED card not known
  to have expired on the day of the invoice;
- ACSM + other CECs the member typed that reach the highest requirement of what is renewed;
- the cycle being renewable that day (renewal open, or grace — then with the late fee);

and that the amount is the contract's (a written-out fee table), the new thru date three
years on, one invoice per cycle. The expectations come from tables and the calendar walk of
tests/domain/calendar_walks.py, not from domain/renewal_rules.py.

Cost: each example copies the migrated SQLite file and runs up to 25 steps; 30 examples run
in about 10 s here, so max_examples is kept at 30 (raise it locally with
RENEWAL_MACHINE_EXAMPLES to hunt longer).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Awaitable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from domain.catalog import Catalog
from domain.cecs import InvalidCecAmountError
from domain.clock import FixedClock
from domain.cycles import CertState
from domain.errors import InvalidInputError, NotFoundError, RefusedError
from domain.model import Invoice
from domain.rules import Rules
from domain.services import auth, renewal
from storage.database import Database
from tests.domain.calendar_walks import contract_state
from tests.services.service_helpers import FAST_HASHER, activity, cert, member, prove, turn

T = TypeVar("T")

ACSM_ID, TG = "100001", 1
DEFAULT_LOGIN = "ABB100001"
THRU_2026, THRU_2027 = date(2026, 12, 31), date(2027, 12, 31)
CERTS = {"CPT": THRU_2026, "CEP": THRU_2026, "GEI": THRU_2027}
REQUIRED = {"CPT": Decimal(45), "CEP": Decimal(60), "GEI": Decimal(45)}
FEE = {  # cents, without the late fee: what may be renewed together (one thru date)
    frozenset({"CPT"}): 4500,
    frozenset({"CEP"}): 5500,
    frozenset({"CPT", "CEP"}): 5500 + 500,
    frozenset({"GEI"}): 4500,
}
LATE_FEE = 8000
NEW_THRU = {THRU_2026: date(2029, 12, 31), THRU_2027: date(2030, 12, 31)}
ZONES = ["America/New_York", "UTC", "Pacific/Auckland", "America/Sao_Paulo", "Pacific/Kiritimati"]
MOMENTS = [  # UTC instants where the 2026 cycle's rules change, give or take a time zone
    datetime(2026, 11, 28, 17),  # renewal open
    datetime(2026, 12, 31, 22),  # Dec 31 in New York, Jan 1 in Auckland
    datetime(2027, 1, 1, 3),  # still Dec 31 in New York, grace in UTC
    datetime(2027, 3, 1, 12),  # grace: the late fee
    datetime(2027, 6, 30, 3, 59),  # June 30 in New York, July 1 in Auckland
    datetime(2027, 6, 30, 20),  # the last hours of grace in New York
]
pauses = st.sampled_from(
    [timedelta(0), timedelta(hours=4), timedelta(days=1), timedelta(days=30)]
) | st.timedeltas(timedelta(0), timedelta(days=90))
EXAMPLES = int(os.environ.get("RENEWAL_MACHINE_EXAMPLES", "50"))

amounts = st.one_of(
    st.integers(0, 130).map(lambda halves: str(Decimal(halves) / 2)),
    st.sampled_from(["45", "60", "15", "0", "22,5"]),
    st.sampled_from(["", "abc", "-1", "1000", "12.25", "1e2"]),  # refused: asked again
)
choices = st.sampled_from([["CEP", "CPT"], ["CPT"], ["GEI"], ["CEP"], ["CPT", "GEI"]])
cpr_dates = st.sampled_from([None, date(2028, 6, 1)]) | st.dates(
    date(2025, 6, 1), date(2028, 6, 30)
)


class RenewalMachine(RuleBasedStateMachine):
    def __init__(self, template: Path, workdir: Path) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.path = workdir / f"{uuid.uuid4().hex}.db"
        shutil.copy(template, self.path)
        self.database = Database(f"sqlite+aiosqlite:///{self.path}")
        self.invoices: dict[str, Invoice] = {}
        self.history: list[tuple[str, bool]] = []  # (use case, completed without refusal)
        self.typed: dict[str, set[Decimal]] = {"acsm": set(), "other": set()}
        self.cpr: date | None = None

    def run(self, work: Awaitable[T]) -> T:
        return self.loop.run_until_complete(work)

    def teardown(self) -> None:
        self.run(self.database.dispose())
        self.loop.close()
        self.path.unlink(missing_ok=True)

    # ---- set-up -------------------------------------------------------------------------

    @initialize(
        zone=st.sampled_from(ZONES),
        start=st.sampled_from(MOMENTS) | st.datetimes(datetime(2025, 12, 1), datetime(2027, 8, 31)),
        cpr=cpr_dates,
    )
    def seed(self, zone: str, start: datetime, cpr: date | None) -> None:
        self.zone = ZoneInfo(zone)
        self.clock = FixedClock(start.replace(tzinfo=UTC, fold=0))
        self.rules = Rules(
            clock=self.clock,
            catalog=Catalog.default(),
            timezone=self.zone,
            hasher=FAST_HASHER,
            session_idle=timedelta(days=3650),  # the clock jumps months: stay logged in
        )
        self.cpr = cpr

        async def seed() -> None:
            async with self.database.unit_of_work() as uow:
                await uow.members.upsert_many(
                    [member(ACSM_ID, "Abbott", cpr=cpr)],
                    [cert(ACSM_ID, code, thru) for code, thru in CERTS.items()],
                )
                await uow.cecs.add_many([activity(ACSM_ID, date(2024, 5, 5), "20")])
            login = await turn(
                self.database.unit_of_work, auth.login, self.rules, TG, DEFAULT_LOGIN, DEFAULT_LOGIN
            )
            assert login.ok
            await prove(self.database.unit_of_work, self.rules, TG)  # to change the contact
            async with self.database.unit_of_work() as uow:
                certs = await uow.certifications.for_member(ACSM_ID)
            self.ids = {c.code: c.id for c in certs}

        self.run(seed())

    # ---- what the member (and the world) does ---------------------------------------------

    def call(self, name: str, work: Awaitable[Any]) -> Any:
        """Run one use case; a refusal or a re-ask is an answer, anything else a failure."""
        before = set(self.invoices)
        try:
            result = self.run(work)
            self.history.append((name, True))
        except (RefusedError, NotFoundError, InvalidInputError, InvalidCecAmountError):
            result = None
            self.history.append((name, False))
        self.check_new_invoices(name, before)
        return result

    @rule(codes=st.none() | choices)
    def start(self, codes: list[str] | None) -> None:
        ids = None if codes is None else [self.ids[c] for c in codes]
        self.call(
            "start", turn(self.database.unit_of_work, renewal.start_renewal, self.rules, TG, ids)
        )

    @rule(codes=choices)
    def choose(self, codes: list[str]) -> None:
        ids = [self.ids[c] for c in codes]
        self.call(
            "choose",
            turn(self.database.unit_of_work, renewal.choose_certifications, self.rules, TG, ids),
        )

    @rule(email=st.sampled_from(["pat@example.org", "not an email"]))
    def change_email(self, email: str) -> None:
        self.call(
            "update_contact",
            turn(self.database.unit_of_work, renewal.update_contact, self.rules, TG, email=email),
        )

    @rule()
    def confirm_contact(self) -> None:
        self.call(
            "confirm_contact",
            turn(self.database.unit_of_work, renewal.confirm_contact, self.rules, TG),
        )

    @rule()
    def confirm_cpr(self) -> None:
        self.call(
            "confirm_cpr", turn(self.database.unit_of_work, renewal.confirm_cpr, self.rules, TG)
        )

    @rule(text=amounts)
    def enter_acsm(self, text: str) -> None:
        if self.call(
            "enter_acsm",
            turn(self.database.unit_of_work, renewal.enter_acsm_cecs, self.rules, TG, text),
        ):
            self.typed["acsm"].add(Decimal(text.replace(",", ".")))

    @rule(text=amounts)
    def enter_other(self, text: str) -> None:
        if self.call(
            "enter_other",
            turn(self.database.unit_of_work, renewal.enter_other_cecs, self.rules, TG, text),
        ):
            self.typed["other"].add(Decimal(text.replace(",", ".")))

    @rule(acsm=amounts, other=amounts)
    def fill_in(self, acsm: str, other: str) -> None:
        """The steps between choosing and acknowledging, in a row (as most members do)."""
        self.confirm_contact()
        self.confirm_cpr()
        self.enter_acsm(acsm)
        self.enter_other(other)

    @rule(
        codes=choices,
        acsm=amounts,
        other=amounts,
        meanwhile=st.none() | st.tuples(cpr_dates, pauses),
    )
    def renew(
        self,
        codes: list[str],
        acsm: str,
        other: str,
        meanwhile: tuple[date | None, timedelta] | None,
    ) -> None:
        """A whole renewal, step by step (each step checked on its own); before the member
        acknowledges, perhaps an import changes the CPR/AED expiry and time passes."""
        self.start(codes)
        self.fill_in(acsm, other)
        if meanwhile is not None:
            self.staff_import_changes_cpr(meanwhile[0])
            self.time_passes(meanwhile[1])
        self.acknowledge()

    @rule()
    def acknowledge(self) -> None:
        self.call(
            "acknowledge", turn(self.database.unit_of_work, renewal.acknowledge, self.rules, TG)
        )
        event("acknowledged: an invoice" if self.invoices else "acknowledged: none yet")

    @rule()
    def resume(self) -> None:
        self.call(
            "progress", turn(self.database.unit_of_work, renewal.renewal_progress, self.rules, TG)
        )

    @rule()
    def cancel(self) -> None:
        self.call(
            "cancel", turn(self.database.unit_of_work, renewal.cancel_renewal, self.rules, TG)
        )

    @rule(
        delta=st.one_of(
            st.timedeltas(timedelta(minutes=1), timedelta(days=2)),
            st.timedeltas(timedelta(days=2), timedelta(days=120)),
        )
    )
    def time_passes(self, delta: timedelta) -> None:
        self.clock.advance(delta)

    @rule(cpr=cpr_dates)
    def staff_import_changes_cpr(self, cpr: date | None) -> None:
        async def change() -> None:
            async with self.database.unit_of_work() as uow:
                found = await uow.members.get(ACSM_ID)
                assert found is not None
                found.cpr_aed_expires = cpr
                await uow.members.save(found)

        self.run(change())
        self.cpr = cpr

    # ---- what must hold ----------------------------------------------------------------------

    def since_last_cancel(self) -> list[tuple[str, bool]]:
        cancels = [i for i, (name, ok) in enumerate(self.history) if name == "cancel" and ok]
        return self.history[cancels[-1] + 1 :] if cancels else self.history

    def check_new_invoices(self, name: str, before: set[str]) -> None:
        async def load() -> list[Invoice]:
            async with self.database.unit_of_work() as uow:
                return await uow.invoices.for_member(ACSM_ID)

        now = self.clock.now()
        today = now.astimezone(self.zone).date()
        for invoice in self.run(load()):
            self.invoices.setdefault(invoice.number, invoice)
            if invoice.number in before:
                continue
            assert name == "acknowledge", f"an invoice without acknowledgement ({name})"
            done = {step for step, ok in self.since_last_cancel() if ok}
            assert {"confirm_contact", "confirm_cpr"} <= done, done
            assert self.cpr is None or self.cpr >= today, (self.cpr, today)
            codes = frozenset(line.code for line in invoice.lines)
            assert invoice.acsm_cecs in self.typed["acsm"]
            assert invoice.other_cecs in self.typed["other"]
            assert invoice.acsm_cecs + invoice.other_cecs >= max(REQUIRED[c] for c in codes)
            states = {contract_state(line.cycle_thru, self.zone, now) for line in invoice.lines}
            assert states <= {CertState.RENEWAL_OPEN, CertState.GRACE}, states
            late = LATE_FEE if CertState.GRACE in states else 0
            assert (invoice.late_fee_cents, invoice.amount_cents) == (late, FEE[codes] + late)
            assert invoice.balance_cents == invoice.amount_cents
            assert invoice.issued_on == today
            assert all(line.new_thru == NEW_THRU[line.cycle_thru] for line in invoice.lines)

    @invariant()
    def one_invoice_per_cycle(self) -> None:
        cycles = [
            (line.certification_id, line.cycle_thru)
            for invoice in self.invoices.values()
            for line in invoice.lines
        ]
        assert len(cycles) == len(set(cycles))


@pytest.mark.timeout(900)  # a failure shrinks for minutes; cut off, it would look flaky
def test_no_invoice_without_acknowledgement_cpr_and_enough_cecs(
    sqlite_template: Path, tmp_path: Path
) -> None:
    run_state_machine_as_test(
        lambda: RenewalMachine(sqlite_template, tmp_path),
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
