"""Fixtures for the use-case tests: rules with a fixed clock, members seeded through the real
storage (`uow_factory` comes from tests/conftest.py: a migrated SQLite file, and PostgreSQL too
when ACSM_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import pytest

from domain.catalog import Catalog
from domain.clock import FixedClock
from domain.rules import Rules
from tests.services.service_helpers import FAST_HASHER, NY, TODAY_NOON, UowFactory, seed


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY_NOON)


@pytest.fixture
def rules(clock: FixedClock) -> Rules:
    return Rules(clock=clock, catalog=Catalog.default(), timezone=NY, hasher=FAST_HASHER)


@pytest.fixture
async def seeded(uow_factory: UowFactory) -> UowFactory:
    await seed(uow_factory)
    return uow_factory
