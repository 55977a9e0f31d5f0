"""No sentence a member sees stays outside the catalog.

The catalog test (test_catalog.py) checks what pybabel extracts; this one looks for what it
cannot extract. It reads the code that speaks to members (handlers/ and the bot's own
messages) with `ast` and fails on:

- a string literal that reads as words ("Please log in first") and is not the argument of
  a mark (`gettext`, `ngettext`, `N_`) or of a member-facing error, nor a docstring, a log
  line, an internal exception (`raise RuntimeError(...)`, `assert`) or a comparison with
  what Telegram answered;
- an f-string or a concatenation given as a member-facing error's sentence, anywhere in
  domain/, handlers/ or bot/ (pybabel skips those: the Spanish member would read English).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.i18n.test_catalog import ERRORS, ROOT

MARKS = {"gettext", "ngettext", "N_"}
LOGGING = {"debug", "info", "warning", "error", "exception", "critical", "log"}
# Two words of letters with a space between: a sentence or a label, not a key or a code.
WORDS = re.compile(r"[^\W\d_]{2,}[^\n]*\s[^\W\d_]{2,}")

# The code whose strings reach members: every handler, and the bot's own messages.
MEMBER_FACING = [
    *sorted((ROOT / "handlers").glob("*.py")),
    ROOT / "bot" / "errors.py",
    ROOT / "bot" / "reminders.py",
    ROOT / "bot" / "verdicts.py",
    ROOT / "bot" / "audits.py",
]
# What these modules write for staff (the CLI, logs, the audit export), not for members:
# functions and constants by name.
STAFF_ONLY = {
    "bot/reminders.py": {"line"},  # the counts `acsm-bot reminders run` prints and logs
    "bot/audits.py": {  # why a notice did not reach a member, and the export's cells
        "NOT_LOGGED_IN",
        "BLOCKED",
        "NO_BOT",
        "deliver",
        "activity_cell",
        "proofs_cell",
    },
}
# Words that are not sentences for translation, each with why.
NOT_SENTENCES = {
    "American College of Sports Medicine",  # a name: the receipt's issuer, as ACSM writes it
}


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def _name(function: ast.expr) -> str:
    if isinstance(function, ast.Name):
        return function.id
    if isinstance(function, ast.Attribute):
        return function.attr
    return ""


def _docstrings(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                yield first.value


def _exempt(tree: ast.AST, staff_only: set[str]) -> set[int]:
    """Nodes whose strings are not member-facing sentences to look at."""
    exempt = {id(node) for node in _docstrings(tree)}
    for node in ast.walk(tree):
        inside: list[ast.AST] = []
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in staff_only:
            inside = [node]
        elif isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id in staff_only for t in node.targets
        ):
            inside = [node.value]
        elif isinstance(node, ast.Call) and _name(node.func) in MARKS | set(ERRORS) | LOGGING:
            inside = [*node.args, *node.keywords]
        elif isinstance(node, ast.Raise) and node.exc is not None:
            raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if _name(raised) not in ERRORS:  # RuntimeError(...): for us, not for the member
                inside = [node.exc]
        elif isinstance(node, ast.Assert) and node.msg is not None:
            inside = [node.msg]
        elif isinstance(node, ast.Compare):  # `"not modified" in exc.message`: Telegram's text
            inside = [node.left, *node.comparators]
        for part in inside:
            exempt.update(id(child) for child in ast.walk(part))
    return exempt


def unmarked_sentences(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    exempt = _exempt(tree, STAFF_ONLY.get(_where(path), set()))
    inside_fstrings = {
        id(value)
        for node in ast.walk(tree)
        if isinstance(node, ast.JoinedStr)
        for value in node.values
    }
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if id(node) in exempt or id(node) in inside_fstrings:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.JoinedStr):
            text = "".join(
                v.value if isinstance(v, ast.Constant) else "{}" for v in node.values
            ).strip()
        else:
            continue
        if WORDS.search(text) and text not in NOT_SENTENCES:
            found.append((node.lineno, f"{_where(path)}:{node.lineno}: {text[:70]!r}"))
    return [line for _, line in sorted(found)]


def fstring_errors(path: Path) -> list[str]:
    """Member-facing errors whose sentence is built in the code (an f-string, `+`, `%`,
    `.format`): pybabel cannot extract it, so it would stay English."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and _name(node.func) in ERRORS and node.args):
            continue
        sentence = node.args[0]
        if isinstance(sentence, ast.Constant | ast.Name | ast.Attribute):
            continue  # a literal template, or a constant marked N_ where it is defined
        if isinstance(sentence, ast.Call) and _name(sentence.func) in MARKS:
            continue
        found.append(f"{_where(path)}:{node.lineno}: {ast.unparse(sentence)[:70]}")
    return found


@pytest.mark.parametrize("path", MEMBER_FACING, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_sentence_a_member_sees_is_outside_the_catalog(path: Path) -> None:
    assert unmarked_sentences(path) == []


# The staff console's use cases: the console speaks English to staff (docs/staff-console.md).
STAFF_MODULES = {"domain/services/staff.py"}


def test_no_member_facing_error_builds_its_sentence_in_the_code() -> None:
    paths = [
        p
        for package in ("domain", "handlers", "bot")
        for p in (ROOT / package).rglob("*.py")
        if _where(p) not in STAFF_MODULES
    ]
    assert [line for path in sorted(paths) for line in fstring_errors(path)] == []


def test_the_checks_find_what_they_look_for(tmp_path: Path) -> None:
    """Both checks fail on the mistakes they exist for, and pass the marked forms."""
    code = tmp_path / "sample.py"
    code.write_text(
        '"""A module docstring is not a sentence for members."""\n'
        "def ask(turn, n, log):\n"
        '    turn.say("Please log in first.")\n'
        '    turn.say(turn.gettext("Welcome back, {name}.", name="Ann"))\n'
        '    log.info("sent %s replies", n)\n'
        '    label = f"Renew {n} now"\n'
        '    raise InvalidInputError(f"{n} is not a date.")\n'
    )
    found = unmarked_sentences(code)
    errors = fstring_errors(code)
    assert [line.split(": ", 1)[1] for line in found] == [
        "'Please log in first.'",
        "'Renew {} now'",
    ]
    assert len(errors) == 1 and "is not a date" in errors[0]
