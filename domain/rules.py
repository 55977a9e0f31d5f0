"""What the rules need from the outside world, bundled once and passed to every use case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from domain.catalog import Catalog
from domain.clock import Clock
from domain.invoices import random_invoice_number
from domain.ports import PasswordHasher
from domain.renewal_rules import DEFAULT_CONTACT
from domain.slow_work import InThread, SlowWork


@dataclass(frozen=True)
class Rules:
    clock: Clock
    catalog: Catalog
    timezone: ZoneInfo
    hasher: PasswordHasher
    session_idle: timedelta = timedelta(days=30)
    max_failed_logins: int = 5
    failed_login_window: timedelta = timedelta(minutes=15)
    new_invoice_number: Callable[[], str] = field(default=random_invoice_number)
    slow: SlowWork = field(default_factory=InThread)  # argon2: see domain/slow_work.py
    acsm_contact: str = DEFAULT_CONTACT  # how members reach ACSM (ACSM_CONTACT): in refusals
