"""One active bot per database, with real `acsm-bot run` processes against the emulator.

PostgreSQL (skipped without ACSM_TEST_POSTGRES_URL): two processes, one active and one
standing by; SIGKILL the active one in the middle of an update, or cut its database
connection, and the other takes over within 10 s: every message of the member's is answered,
none twice. Several processes migrating a fresh database at once migrate it once.
SQLite: a second process is refused with a clear reason; after a SIGKILL the next one starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.database import Database
from storage.migrate import head_revision
from telegram_emulator import TelegramEmulator
from tests.conftest import POSTGRES_URL, _admin, unique_name, url_of
from tests.hardening.test_kill import (
    REPLY_TIMEOUT,
    ROOT,
    START_TIMEOUT,
    BotProcess,
    emulator,
)

__all__ = ["emulator"]  # the fixture, from the kill tests

TAKEOVER_LIMIT = 10.0  # seconds from the active one's death to the standby's first answer
HELP = "/help"

needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="ACSM_TEST_POSTGRES_URL not set")


class Instance(BotProcess):
    """One `acsm-bot run`, in a folder of its own (its logs), started active or standing by."""

    def __init__(self, emulator: TelegramEmulator, database_url: str, workdir: Path) -> None:
        workdir.mkdir()
        super().__init__(emulator, database_url, workdir)

    def launch(self) -> None:
        log = (self.workdir / f"bot-{self.starts}.log").open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", *self.args],
            cwd=self.workdir,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.starts += 1

    async def until_logged(self, fragment: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while fragment not in self.log_tail():
            assert self.process is not None and self.process.poll() is None, self.log_tail()
            assert time.monotonic() < deadline, f"{fragment!r} not logged: {self.log_tail()}"
            await asyncio.sleep(0.05)

    def log_tail(self) -> str:
        logs = sorted(self.workdir.glob("bot-*.log"))
        return logs[-1].read_text(errors="replace") if logs else ""


@pytest.fixture
def instances(tmp_path: Path) -> Iterator[list[Instance]]:
    started: list[Instance] = []
    yield started
    for instance in started:
        instance.stop()


def answers(user: object) -> int:
    return sum(1 for m in user.messages if m.from_bot)  # type: ignore[attr-defined]


async def processed_count(url: str) -> int:
    database = Database(url)
    try:
        async with database.connect() as connection:
            return int(
                await connection.scalar(
                    text("SELECT COUNT(*) FROM inbox WHERE done_at IS NOT NULL")
                )
                or 0
            )
    finally:
        await database.dispose()


async def active_and_standby(
    emulator: TelegramEmulator, url: str, tmp_path: Path, instances: list[Instance], **env: str
) -> tuple[Instance, Instance]:
    first = Instance(emulator, url, tmp_path / "a")
    first.env |= env
    instances.append(first)
    await first.start()
    await first.until_logged("active: this process holds")
    second = Instance(emulator, url, tmp_path / "b")
    instances.append(second)
    second.launch()
    await second.until_logged("standby: another acsm-bot run is active")
    return first, second


@pytest.mark.slow
@needs_postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_the_standby_takes_over_a_killed_active_one(
    emulator: TelegramEmulator, database_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    first, second = await active_and_standby(emulator, database_url, tmp_path, instances)
    ann = emulator.new_user("Ann", "Lee")
    for sent in range(1, 3):
        await ann.send(HELP)
        await emulator.wait_until(lambda n=sent: answers(ann) == n, timeout=REPLY_TIMEOUT)
    await emulator.settle(timeout=REPLY_TIMEOUT)

    # The active one is killed mid-update: committed, its reply caught in flight and lost.
    hold = emulator.hold_next(match=lambda method, params: method == "sendMessage")
    await ann.send(HELP)
    await asyncio.wait_for(hold.arrived.wait(), REPLY_TIMEOUT)
    first.kill()
    killed = time.monotonic()
    hold.release()  # lost with the process
    for _ in range(4):  # the member goes on writing during the switch
        await ann.send(HELP)
    await emulator.wait_until(lambda: answers(ann) >= 3, timeout=TAKEOVER_LIMIT + 5)
    took = time.monotonic() - killed
    await emulator.wait_until(lambda: answers(ann) >= 7, timeout=REPLY_TIMEOUT)
    await emulator.settle(timeout=REPLY_TIMEOUT, quiet=0.5)
    print(f"\nstandby answered {took:.1f} s after the active one was killed")
    assert took < TAKEOVER_LIMIT
    assert answers(ann) == 7  # all seven answered, none twice
    assert await processed_count(database_url) == 7
    assert "active: this process holds" in second.log_tail()
    assert second.process is not None and second.process.poll() is None

    # A clean stop hands over at once; a standby told to stop just exits.
    third = Instance(emulator, database_url, tmp_path / "c")
    instances.append(third)
    third.launch()
    await third.until_logged("standby: another acsm-bot run is active")
    second.process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(second.process.wait, 30) == 0
    await third.until_logged("active: this process holds", timeout=TAKEOVER_LIMIT)
    await ann.send(HELP)
    await emulator.wait_until(lambda: answers(ann) == 8, timeout=REPLY_TIMEOUT)
    fourth = Instance(emulator, database_url, tmp_path / "d")
    instances.append(fourth)
    fourth.launch()
    await fourth.until_logged("standby: another acsm-bot run is active")
    assert fourth.process is not None
    fourth.process.send_signal(signal.SIGTERM)
    assert await asyncio.to_thread(fourth.process.wait, 10) == 0


class Proxy:
    """A TCP relay to PostgreSQL that can be cut, as a network failure would."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.target)
        self._writers += [writer, up_writer]

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await source.read(65536):
                    sink.write(data)
                    await sink.drain()
            sink.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    async def cut(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in self._writers:
            writer.transport.abort()
        self._writers.clear()


@pytest.fixture
async def proxy() -> AsyncIterator[Proxy]:
    assert POSTGRES_URL
    url = make_url(POSTGRES_URL)
    relay = Proxy(url.host or "127.0.0.1", url.port or 5432)
    await relay.start()
    yield relay
    with contextlib.suppress(Exception):
        await relay.cut()


@needs_postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_an_active_one_that_loses_its_database_connection_steps_down(
    emulator: TelegramEmulator,
    database_url: str,
    tmp_path: Path,
    instances: list[Instance],
    proxy: Proxy,
) -> None:
    through_proxy = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    first, second = await active_and_standby(
        emulator,
        database_url,
        tmp_path,
        instances,
        DATABASE_URL=through_proxy.render_as_string(hide_password=False),
    )
    ann = emulator.new_user("Ann", "Lee")
    await ann.send(HELP)
    await emulator.wait_until(lambda: answers(ann) == 1, timeout=REPLY_TIMEOUT)
    await emulator.settle(timeout=REPLY_TIMEOUT)

    await proxy.cut()
    cut = time.monotonic()
    assert first.process is not None
    assert await asyncio.to_thread(first.process.wait, 20) == 1  # it stopped, non-zero
    assert "lost the connection that holds the leader lock" in first.log_tail()
    await ann.send(HELP)
    await emulator.wait_until(lambda: answers(ann) == 2, timeout=TAKEOVER_LIMIT + 5)
    took = time.monotonic() - cut
    await emulator.settle(timeout=REPLY_TIMEOUT, quiet=0.5)
    print(f"\nstandby answered {took:.1f} s after the active one lost its database")
    assert took < TAKEOVER_LIMIT
    assert answers(ann) == 2
    assert "active: this process holds" in second.log_tail()


@pytest.fixture
def fresh_postgres() -> Iterator[str]:
    """An empty database: nothing migrated yet."""
    assert POSTGRES_URL
    name = unique_name("fresh_")
    asyncio.run(_admin(POSTGRES_URL, f'CREATE DATABASE "{name}"'))
    try:
        yield url_of(name)
    finally:
        asyncio.run(_admin(POSTGRES_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@needs_postgres
def test_several_processes_migrating_at_once_migrate_once(
    fresh_postgres: str, tmp_path: Path
) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_postgres, "PYTHONPATH": str(ROOT)}
    upgrades = [
        subprocess.Popen(
            [sys.executable, "-m", "bot", "db", "upgrade"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(3)
    ]
    outcomes = [(p.wait(60), p.stdout.read().decode() if p.stdout else "") for p in upgrades]
    assert all(code == 0 for code, _ in outcomes), outcomes
    assert all("schema is up to date" in out for _, out in outcomes), outcomes

    async def versions() -> list[str]:
        database = Database(fresh_postgres)
        try:
            async with database.connect() as connection:
                rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
                return [row[0] for row in rows]
        finally:
            await database.dispose()

    assert asyncio.run(versions()) == [head_revision()]


@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_sqlite_refuses_a_second_process(
    emulator: TelegramEmulator, database_url: str, tmp_path: Path, instances: list[Instance]
) -> None:
    first = Instance(emulator, database_url, tmp_path / "a")
    instances.append(first)
    await first.start()
    second = Instance(emulator, database_url, tmp_path / "b")
    instances.append(second)
    second.launch()
    assert second.process is not None
    assert await asyncio.to_thread(second.process.wait, 60) == 1
    lines = second.log_tail().strip().splitlines()
    assert len(lines) == 1, lines
    assert "another acsm-bot run (pid" in lines[0]
    assert "SQLite allows one running bot" in lines[0]

    ann = emulator.new_user("Ann", "Lee")  # the first one carries on
    await ann.send(HELP)
    await emulator.wait_until(lambda: answers(ann) == 1, timeout=REPLY_TIMEOUT)
    first.kill()  # SIGKILL: the kernel frees the lock, no stale lock blocks a restart
    third = Instance(emulator, database_url, tmp_path / "c")
    instances.append(third)
    await third.start()
    await ann.send(HELP)
    await emulator.wait_until(lambda: answers(ann) == 2, timeout=REPLY_TIMEOUT)
