"""Argon2 for the tests: the production cost (argon2-cffi's defaults, 0.1 s of CPU and more
per hash on a loaded machine) would dominate every login. Tests use CHEAP_HASHER; exactly one
test logs in with the production hasher and checks its parameters
(tests/chat/test_login.py::test_login_with_the_production_argon2_cost)."""

from __future__ import annotations

from domain.argon2_hasher import Argon2Hasher

CHEAP_TIME_COST, CHEAP_MEMORY_COST = 1, 1024  # KiB
CHEAP_HASHER = Argon2Hasher(time_cost=CHEAP_TIME_COST, memory_cost=CHEAP_MEMORY_COST)
