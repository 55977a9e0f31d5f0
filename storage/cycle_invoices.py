"""Which invoice renews which certification cycle, as far as one unit of work has read.

Reading a member's certifications also reads, in the same statement, the number of the
invoice renewing each one's current cycle (usually none). Asked for that cycle's invoice
next, the invoice repository then needs no statement when there is none, and one when there
is. What the unit of work adds is learnt; a failed add is forgotten (a concurrent
transaction may have won the cycle: it is read again). The hints live as long as one unit of
work: the next use case reads afresh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

Cycle = tuple[int, date]  # (certification id, the cycle's thru date)


class CycleInvoices:
    def __init__(self) -> None:
        self._numbers: dict[Cycle, str | None] = {}

    def learn(self, cycle: Cycle, number: str | None) -> None:
        self._numbers[cycle] = number

    def known(self, cycle: Cycle) -> bool:
        return cycle in self._numbers

    def number(self, cycle: Cycle) -> str | None:
        """The invoice's number (None: none); only for a `known` cycle."""
        return self._numbers[cycle]

    def forget(self, cycles: Iterable[Cycle]) -> None:
        for cycle in cycles:
            self._numbers.pop(cycle, None)
