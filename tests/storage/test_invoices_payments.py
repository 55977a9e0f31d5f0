"""Invoices and payments, including the unique keys under concurrency."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy.exc import StatementError

from domain.invoices import void_invoice
from domain.model import InvoiceStatus
from domain.ports import DuplicateInvoiceError, UnitOfWorkFactory
from tests.storage.helpers import NEW_THRU, THRU, invoice, payment, seed_member


async def test_invoice_round_trip_and_lookups(uow_factory: UnitOfWorkFactory) -> None:
    cep, rcep = await seed_member(uow_factory, "123456", ("CEP", "RCEP"))
    first = invoice("R000001", [cep, rcep])
    async with uow_factory() as uow:
        await uow.invoices.add(first)
    async with uow_factory() as uow:
        assert await uow.invoices.get("R000001") == first
        assert await uow.invoices.get("R999999") is None
        assert await uow.invoices.for_cycle(rcep.id or 0, THRU) == first
        assert await uow.invoices.for_cycle(rcep.id or 0, NEW_THRU) is None
        assert await uow.invoices.number_exists("R000001")
        assert not await uow.invoices.number_exists("R000002")
        assert await uow.invoices.for_member("123456") == [first]
        assert await uow.invoices.for_member("777") == []


async def test_paying_an_invoice_saves_status_and_aware_time(
    uow_factory: UnitOfWorkFactory,
) -> None:
    (cpt,) = await seed_member(uow_factory)
    open_invoice = invoice("R000001", [cpt])
    async with uow_factory() as uow:
        await uow.invoices.add(open_invoice)
    paid = replace(
        open_invoice,
        status=InvoiceStatus.PAID,
        balance_cents=0,
        payment_charge_id="tg-1",
        paid_at=datetime(2026, 11, 28, 15, 0, 1, 5, tzinfo=UTC),
    )
    async with uow_factory() as uow:
        await uow.invoices.save(paid)
    async with uow_factory() as uow:
        loaded = await uow.invoices.get("R000001")
        every = [i async for i in uow.invoices.iterate_all()]
    assert loaded == paid and every == [paid]
    assert loaded.paid_at is not None and loaded.paid_at.tzinfo == UTC


async def test_naive_datetimes_are_refused(uow_factory: UnitOfWorkFactory) -> None:
    (cpt,) = await seed_member(uow_factory)
    naive = replace(invoice("R000001", [cpt]), paid_at=datetime(2026, 11, 28, 15, 0))
    with pytest.raises(StatementError, match="naive datetime"):
        async with uow_factory() as uow:
            await uow.invoices.add(naive)


async def test_a_second_invoice_for_the_cycle_is_refused_and_the_uow_survives(
    uow_factory: UnitOfWorkFactory,
) -> None:
    cpt, cet = await seed_member(uow_factory, "123456", ("CPT", "CET"))
    async with uow_factory() as uow:
        await uow.invoices.add(invoice("R000001", [cpt]))
    async with uow_factory() as uow:
        with pytest.raises(DuplicateInvoiceError):
            await uow.invoices.add(invoice("R000002", [cet, cpt]))  # CPT's cycle is taken
        with pytest.raises(DuplicateInvoiceError):
            await uow.invoices.add(invoice("R000001", [cet]))  # the number is taken
        await uow.invoices.add(invoice("R000003", [cet]))  # same unit of work, still usable
    async with uow_factory() as uow:
        numbers = [i.number for i in await uow.invoices.for_member("123456")]
    assert numbers == ["R000001", "R000003"]


async def add_invoice(uow_factory: UnitOfWorkFactory, number: str, certs: list) -> bool:
    async with uow_factory() as uow:
        try:
            await uow.invoices.add(invoice(number, certs))
        except DuplicateInvoiceError:
            return False
        return True


async def test_concurrent_adds_for_one_cycle_create_one_invoice(
    uow_factory: UnitOfWorkFactory, queued_on_sqlite: Any
) -> None:
    (cpt,) = await seed_member(uow_factory)
    for round_ in range(5):
        numbers = [f"R{round_}0000{n}" for n in range(4)]
        outcomes = await asyncio.gather(
            *(queued_on_sqlite(add_invoice(uow_factory, n, [cpt])) for n in numbers)
        )
        assert outcomes.count(True) == (1 if round_ == 0 else 0)
    async with uow_factory() as uow:
        assert len(await uow.invoices.for_member("123456")) == 1


async def seed_invoices(uow_factory: UnitOfWorkFactory) -> None:
    cpt, cet = await seed_member(uow_factory, "123456", ("CPT", "CET"))
    async with uow_factory() as uow:
        await uow.invoices.add(invoice("R000001", [cpt]))
        await uow.invoices.add(invoice("R000002", [cet]))


async def test_payment_is_added_once(uow_factory: UnitOfWorkFactory) -> None:
    await seed_invoices(uow_factory)
    paid = payment("tg-1", ["R000002", "R000001"])
    async with uow_factory() as uow:
        assert await uow.payments.add_once(paid)
        assert not await uow.payments.add_once(replace(paid, total_cents=1, invoice_numbers=[]))
    async with uow_factory() as uow:
        assert await uow.payments.get("tg-1") == paid
        assert await uow.payments.get("tg-2") is None


async def add_payment(uow_factory: UnitOfWorkFactory, charge_id: str) -> bool:
    async with uow_factory() as uow:
        new = await uow.payments.add_once(payment(charge_id, ["R000001", "R000002"]))
        return new


async def test_concurrent_add_once_inserts_one_payment(
    uow_factory: UnitOfWorkFactory, queued_on_sqlite: Any
) -> None:
    await seed_invoices(uow_factory)
    outcomes = await asyncio.gather(
        *(queued_on_sqlite(add_payment(uow_factory, "tg-same")) for _ in range(4))
    )
    assert sorted(outcomes) == [False, False, False, True]
    again = await asyncio.gather(
        *(queued_on_sqlite(add_payment(uow_factory, f"tg-{n}")) for n in range(3))
    )
    assert again == [True, True, True]
    async with uow_factory() as uow:
        found = await uow.payments.get("tg-same")
    assert found is not None and found.invoice_numbers == ["R000001", "R000002"]


async def test_a_void_invoice_frees_its_cycles_for_a_new_invoice(
    uow_factory: UnitOfWorkFactory,
) -> None:
    cep, rcep = await seed_member(uow_factory, "123456", ("CEP", "RCEP"))
    both = invoice("R000001", [cep, rcep])
    async with uow_factory() as uow:
        await uow.invoices.add(both)
        assert [i.number for i in await uow.invoices.open_for_members(["123456", "9"])] == [
            "R000001"
        ]
    voided_at = datetime(2026, 11, 29, 15, 0, 1, 7, tzinfo=UTC)
    async with uow_factory() as uow:
        loaded = await uow.invoices.get("R000001")
        assert loaded is not None
        assert await uow.invoices.for_cycle(rcep.id or 0, THRU) == loaded  # read, then voided
        void_invoice(loaded, voided_at, "CEP is now thru 12/31/2029")
        await uow.invoices.save(loaded)
        assert await uow.invoices.for_cycle(rcep.id or 0, THRU) is None  # not a stale hint
    async with uow_factory() as uow:
        void = await uow.invoices.get("R000001")
        assert void == loaded and void.status is InvoiceStatus.VOID and void.balance_cents == 0
        assert void.voided_at == voided_at and void.void_reason == "CEP is now thru 12/31/2029"
        assert await uow.invoices.for_cycle(rcep.id or 0, THRU) is None
        assert await uow.invoices.open_for_members(["123456"]) == []
        await uow.invoices.add(invoice("R000002", [rcep]))  # RCEP's cycle is free again
        with pytest.raises(DuplicateInvoiceError):
            await uow.invoices.add(invoice("R000003", [rcep]))  # but only once
    async with uow_factory() as uow:
        certs = {c.code: c for c in await uow.certifications.for_member("123456")}
        renewing = await uow.invoices.for_cycle(certs["RCEP"].id or 0, THRU)
        assert renewing is not None and renewing.number == "R000002"
        assert await uow.invoices.for_cycle(certs["CEP"].id or 0, THRU) is None
        numbers = [i.number for i in await uow.invoices.for_member("123456")]
    assert numbers == ["R000001", "R000002"]


async def test_void_invoices_are_told_once(uow_factory: UnitOfWorkFactory) -> None:
    cpt, cet = await seed_member(uow_factory, "123456", ("CPT", "CET"))
    at = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
    async with uow_factory() as uow:
        for number, cert in (("R000001", cpt), ("R000002", cet)):
            voided = invoice(number, [cert])
            await uow.invoices.add(voided)
            void_invoice(voided, at, f"{cert.code} is now thru 12/31/2029")
            await uow.invoices.save(voided)
        await uow.invoices.add(invoice("R000003", [cpt]))  # open: nothing to tell
        untold = await uow.invoices.voided_untold("123456")
        assert [i.number for i in untold] == ["R000001", "R000002"]
        assert await uow.invoices.voided_untold("777") == []
        await uow.invoices.void_told(["R000002"], at)
    async with uow_factory() as uow:
        assert [i.number for i in await uow.invoices.voided_untold("123456")] == ["R000001"]
        await uow.invoices.void_told(["R000001", "R000002"], at)
        assert await uow.invoices.voided_untold("123456") == []
