"""domain/slow_work.py: awaited slow work (a certificate read in the process pool) is asked
for inside a turn (WorkNeeded), done between two attempts, and found by the next attempt;
outside a turn it simply runs."""

from __future__ import annotations

import pytest

from domain.slow_work import InThread, Prepared, WorkNeeded


async def test_awaited_work_is_done_between_attempts_and_found_by_the_next() -> None:
    calls: list[str] = []

    async def read() -> str:
        calls.append("read")
        return "what the certificate says"

    prepared = Prepared()
    with pytest.raises(WorkNeeded) as needed:
        await prepared.wait(("certificate", "abc"), read)
    assert calls == [] and needed.value.awaited
    await prepared.do(needed.value)
    assert calls == ["read"] and len(prepared) == 1
    assert await prepared.wait(("certificate", "abc"), read) == "what the certificate says"
    assert calls == ["read"]  # not read a second time
    with pytest.raises(WorkNeeded):  # another file: another reading
        await prepared.wait(("certificate", "def"), read)


async def test_outside_a_turn_awaited_work_just_runs() -> None:
    async def read() -> int:
        return 42

    assert await InThread().wait("key", read) == 42
