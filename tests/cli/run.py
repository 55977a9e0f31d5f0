"""`acsm-bot ...` in this process: bot/cli.py's `main`, as `python -m bot` calls it, under Click's
CliRunner isolation (its own stdout, stderr and environment variables). A real process costs
about a second of imports per command; the few real-process smoke tests left are
tests/cli/test_cli.py's and tests/cli/test_cli_reminders.py's (and tests/hardening/'s).

The command runs in a thread of its own: it calls asyncio.run, which cannot run inside the
event loop of an async test. Call `acsm_bot` from sync code or from a test that needs nothing
of its event loop meanwhile (the test's loop is blocked until the command ends); use
`acsm_bot_async` when the command talks to something on the test's loop (the emulator).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main

_ONE_AT_A_TIME = threading.Lock()  # the environment and the working folder are per process


@dataclass(frozen=True)
class Done:
    """What subprocess.CompletedProcess gave the tests: the exit code and both streams."""

    returncode: int
    stdout: str
    stderr: str


def _invoke(args: tuple[str, ...], env: Mapping[str, str | None], cwd: Path | None) -> Done:
    with _ONE_AT_A_TIME, CliRunner().isolation(env=env) as (out, err, _):
        before = Path.cwd()
        if cwd is not None:
            os.chdir(cwd)
        try:
            main(list(args))
            code = 0
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
        finally:
            os.chdir(before)
        return Done(code, out.getvalue().decode(), err.getvalue().decode())


def acsm_bot(
    *args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None
) -> Done:
    """Run one command; `env` is laid over os.environ (a value None unsets the variable)."""
    result: list[Done] = []
    failure: list[BaseException] = []

    def run() -> None:
        try:
            result.append(_invoke(args, env or {}, cwd))
        except BaseException as exc:  # re-raised in the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="acsm-bot")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]


async def acsm_bot_async(
    *args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None
) -> Done:
    """The same, while the test's event loop keeps running (e.g. the emulator the command
    talks to)."""
    return await asyncio.to_thread(_invoke, args, env or {}, cwd)
