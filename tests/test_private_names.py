"""The project's own code uses no other library's private names.

A name with a leading underscore (not a dunder) is a library's internal detail: it can change
in any release, so a range in pyproject.toml could resolve to a version that breaks us. Each
.py file of the project's packages (those pyproject.toml's `[tool.setuptools.packages.find]`
includes; migrations are skipped) is parsed, and these are reported as `file:line`:

(a) an attribute `x._name` (or getattr/hasattr/setattr/delattr with "_name") where `_name` is
    defined nowhere in the project's own code; and, even when the project has a namesake,
    `x._name` on a parameter or local annotated with a library class that has `_name`, and
    `self._name` / `super()._name` in a class when only its library base defines `_name`;
(b) `from lib import _name`, `import lib._private`, `from lib._private import x`, for a
    `lib` that is not one of the project's packages;
(c) a class that defines a method `_name` which a library class it inherits from also
    defines (an override of a library's private method). Bases are resolved by importing.

The checker's own tests (below the main ones) feed it small snippets, so it cannot pass by
finding nothing to look at.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import tomllib
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Files being removed in a parallel change (they reach into python-telegram-bot's
# internals). Delete this set when that change is merged: the test below fails as soon as
# one of these files is gone, as a reminder.
PENDING_REMOVAL = frozenset({"bot/fetch_updates.py"})

# Underscore names that are documented public API, not internals.
DOCUMENTED = frozenset(
    {
        "_asdict",  # collections.namedtuple / typing.NamedTuple
        "_field_defaults",
        "_fields",
        "_make",
        "_replace",
        "_exit",  # os._exit
        "_getframe",  # sys._getframe
    }
)

ATTRIBUTE_FUNCTIONS = frozenset({"getattr", "hasattr", "setattr", "delattr"})


def is_private(name: str) -> bool:
    """`_name` and `__mangled` are private; `__dunder__` and `_sunder_` (enum's reserved
    names, documented) are not."""
    if not name.startswith("_") or name.strip("_") == "":
        return False
    if name.startswith("__") and name.endswith("__"):
        return False
    sunder = name.endswith("_") and not name.endswith("__") and not name.startswith("__")
    return not sunder


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


# -- which files ----------------------------------------------------------------------------


def project_packages(root: Path = ROOT) -> frozenset[str]:
    """The top-level packages pyproject.toml ships (`domain*` -> `domain`)."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    names = {pattern.rstrip("*").rstrip(".") for pattern in patterns}
    return frozenset(name for name in names if (root / name / "__init__.py").is_file())


def project_files(root: Path = ROOT) -> list[str]:
    """Every .py file of the project's packages, as a path relative to `root`."""
    files = []
    for package in sorted(project_packages(root)):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts or "__pycache__" in relative.parts:
                continue
            files.append(relative.as_posix())
    return files


def module_name(path: str) -> str:
    parts = list(Path(path).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


# -- (a) and (b): names ---------------------------------------------------------------------


def _own_attribute_stores(tree: ast.AST) -> Iterator[str]:
    """`self._name = …` in a method (or in a function nested in one): the attribute of the
    method's first parameter, whatever it is called (`self`, `cls`, …). A store into any
    other object is not a definition: `engine._x = …` may well be a library's `_x`."""

    def first_parameter(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
        if any(
            isinstance(decorator, ast.Name) and decorator.id == "staticmethod"
            for decorator in function.decorator_list
        ):
            return None
        positional = function.args.posonlyargs + function.args.args
        return positional[0].arg if positional else None

    def walk(node: ast.AST, owner: str | None) -> Iterator[str]:
        for child in ast.iter_child_nodes(node):
            inner = owner
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                inner = first_parameter(child) if isinstance(node, ast.ClassDef) else owner
            elif isinstance(child, ast.ClassDef):
                inner = None
            if (
                isinstance(child, ast.Attribute)
                and isinstance(child.ctx, ast.Store | ast.Del)
                and isinstance(child.value, ast.Name)
                and owner is not None
                and child.value.id == owner
            ):
                yield child.attr
            yield from walk(child, inner)

    yield from walk(tree, None)


def defined_names(trees: Iterable[ast.AST]) -> frozenset[str]:
    """Every name the code itself defines: functions, classes, parameters, assignment and
    loop targets, class attributes and dataclass fields, `self._x = …`, import aliases,
    exception and pattern names, `__slots__` entries."""
    names: set[str] = set()
    for tree in trees:
        names.update(_own_attribute_stores(tree))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
            elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
                names.add(node.name)
            elif isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "__slots__" for target in node.targets
            ):
                names.update(
                    constant.value
                    for constant in ast.walk(node.value)
                    if isinstance(constant, ast.Constant) and isinstance(constant.value, str)
                )
    return frozenset(names)


def _is_outside(module: str | None, packages: frozenset[str]) -> bool:
    return module is not None and module.split(".")[0] not in packages


def private_reaches(
    tree: ast.AST, path: str, defined: frozenset[str], packages: frozenset[str]
) -> list[Finding]:
    """(a) and (b) in one file."""
    found: list[Finding] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(Finding(path, getattr(node, "lineno", 0), what))

    def foreign(name: str) -> bool:
        return is_private(name) and name not in defined and name not in DOCUMENTED

    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and foreign(node.attr):
            report(node, f"attribute {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ATTRIBUTE_FUNCTIONS
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and foreign(node.args[1].value)
        ):
            report(node, f"{node.func.id}(…, {node.args[1].value!r})")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_outside(alias.name, packages) and any(
                    is_private(part) for part in alias.name.split(".")
                ):
                    report(node, f"import {alias.name}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            if not _is_outside(node.module, packages):
                continue
            assert node.module is not None
            if any(is_private(part) for part in node.module.split(".")):
                report(node, f"from {node.module} import …")
                continue
            for alias in node.names:
                if is_private(alias.name):
                    report(node, f"from {node.module} import {alias.name}")
    return found


# -- (c): overridden private methods --------------------------------------------------------


def _bases_of(node: ast.ClassDef, namespace: Mapping[str, Any]) -> list[type]:
    """The classes `node` inherits from, by evaluating its base expressions in `namespace`
    (for a class that is not reachable from the module, e.g. one defined in a function)."""
    classes: list[type] = []
    for expression in node.bases:
        value = eval(  # noqa: S307 (the project's own source, as written)
            compile(ast.Expression(expression), "<base>", "eval"),
            {"__builtins__": builtins},
            dict(namespace),
        )
        if not isinstance(value, type):
            entries = getattr(value, "__mro_entries__", None)
            if entries is None:
                raise TypeError(f"base {ast.unparse(expression)} is not a class")
            classes.extend(cls for cls in entries((value,)) if isinstance(cls, type))
        else:
            classes.append(value)
    return classes


def _ancestors(
    node: ast.ClassDef, owner: Any, namespace: Mapping[str, Any]
) -> tuple[list[type], str | None]:
    """The classes `node` inherits from, all the way up (without `node` itself), and why not
    when they cannot be had."""
    candidate = owner.get(node.name) if isinstance(owner, dict) else getattr(owner, node.name, None)
    if isinstance(candidate, type) and candidate.__name__ == node.name:
        return list(candidate.__mro__[1:]), None
    try:
        bases = _bases_of(node, namespace)
    except Exception as exc:
        return [], f"{type(exc).__name__}: {exc}"
    seen: list[type] = []
    for base in bases:
        seen.extend(cls for cls in base.__mro__ if cls not in seen)
    return seen, None


def _inherited_uses(node: ast.ClassDef) -> Iterator[ast.Attribute]:
    """`self._name` and `super()._name` in the class's own methods (not nested classes)."""

    def walk(parent: ast.AST, first: str | None) -> Iterator[ast.Attribute]:
        for child in ast.iter_child_nodes(parent):
            if isinstance(child, ast.ClassDef):
                continue
            inner = first
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) and parent is node:
                positional = child.args.posonlyargs + child.args.args
                inner = positional[0].arg if positional else None
            if isinstance(child, ast.Attribute) and is_private(child.attr):
                value = child.value
                if (isinstance(value, ast.Name) and first is not None and value.id == first) or (
                    isinstance(value, ast.Call)
                    and isinstance(value.func, ast.Name)
                    and value.func.id == "super"
                ):
                    yield child
            yield from walk(child, inner)

    yield from walk(node, None)


def private_overrides(
    tree: ast.Module, path: str, namespace: Mapping[str, Any], packages: frozenset[str]
) -> list[Finding]:
    """(c) in one file: `namespace` is the imported module's."""
    found: list[Finding] = []

    def visit(node: ast.AST, owner: Any) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                check(child, owner)
                nested = (
                    owner.get(child.name)
                    if isinstance(owner, dict)
                    else getattr(owner, child.name, None)
                )
                visit(child, nested if isinstance(nested, type) else None)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, None)
            else:
                visit(child, owner)

    def check(node: ast.ClassDef, owner: Any) -> None:
        methods = [
            item
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and is_private(item.name)
        ]
        used = list(_inherited_uses(node))
        if not node.bases or not (methods or used):
            return
        ancestors, unresolved = _ancestors(node, owner, namespace)
        if unresolved is not None:
            found.append(
                Finding(path, node.lineno, f"class {node.name}: bases unresolved ({unresolved})")
            )
            return
        libraries = [
            cls for cls in ancestors if cls is not object and _is_outside(cls.__module__, packages)
        ]

        def library_member(name: str) -> str | None:
            owner = next((cls for cls in libraries if name in vars(cls)), None)
            return None if owner is None else f"{owner.__module__}.{owner.__qualname__}.{name}"

        for method in methods:
            member = library_member(method.name)
            if member is not None:
                found.append(
                    Finding(path, method.lineno, f"{node.name}.{method.name} overrides {member}")
                )
        # `self._name` / `super()._name` that only a library base defines (a namesake
        # elsewhere in the project would hide it from rule (a)).
        own = {item.name for item in methods} | {
            name
            for cls in ancestors
            if cls not in libraries and cls is not object
            for name in vars(cls)
        }
        own |= {
            target.id
            for item in node.body
            if isinstance(item, ast.Assign | ast.AnnAssign)
            for target in (item.targets if isinstance(item, ast.Assign) else [item.target])
            if isinstance(target, ast.Name)
        }
        for use in used:
            member = library_member(use.attr)
            if use.attr not in own and member is not None:
                found.append(Finding(path, use.lineno, f"{ast.unparse(use)} is {member}"))

    visit(tree, dict(namespace))
    return found


# -- (a), sharper: a private attribute of an annotated library object ------------------------


def _classes_in(annotation: Any) -> Iterator[type]:
    """The classes an evaluated annotation names: `Bot`, `ExtBot[Any]`, `Bot | None`."""
    if isinstance(annotation, type) and not typing.get_args(annotation):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if isinstance(origin, type) and origin not in (types.UnionType, typing.Union):
        yield origin
        return
    for argument in typing.get_args(annotation):
        yield from _classes_in(argument)


def _file_imports(tree: ast.AST) -> dict[str, Any]:
    """What the file's `from x import y` statements bind, those under `if TYPE_CHECKING:`
    too (an annotation may name a class imported only for the type checker)."""
    bound: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            try:
                module = importlib.import_module(node.module)
            except ImportError:
                continue
            for alias in node.names:
                if hasattr(module, alias.name):
                    bound[alias.asname or alias.name] = getattr(module, alias.name)
    return bound


def typed_reaches(
    tree: ast.Module,
    path: str,
    namespace: Mapping[str, Any],
    defined: frozenset[str],
    packages: frozenset[str],
) -> list[Finding]:
    """`x._name` where `x` is a parameter or local annotated with a library class that has
    `_name`: reported even when the project happens to define a `_name` of its own (the
    plain rule (a) lets that through)."""
    scope = {**_file_imports(tree), **namespace}
    found: list[Finding] = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        arguments = function.args
        annotated = {
            argument.arg: argument.annotation
            for argument in [
                *arguments.posonlyargs,
                *arguments.args,
                *arguments.kwonlyargs,
                *filter(None, [arguments.vararg, arguments.kwarg]),
            ]
            if argument.annotation is not None
        }
        for node in ast.walk(function):
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                annotated[node.target.id] = node.annotation
        for node in ast.walk(function):
            if not (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in annotated
                and is_private(node.attr)
                and node.attr in defined  # otherwise (a) reports it already
            ):
                continue
            expression = annotated[node.value.id]
            if isinstance(expression, ast.Constant) and isinstance(expression.value, str):
                expression = ast.parse(expression.value, mode="eval").body
            try:
                value = eval(  # noqa: S307 (the project's own annotations)
                    compile(ast.Expression(expression), "<annotation>", "eval"),
                    {"__builtins__": builtins},
                    dict(scope),
                )
            except Exception:  # noqa: S112 (an annotation we cannot evaluate: (a) is the rule)
                continue
            for cls in _classes_in(value):
                owner = next((c for c in cls.__mro__ if node.attr in vars(c)), None)
                if owner is not None and _is_outside(cls.__module__, packages):
                    found.append(
                        Finding(
                            path,
                            node.lineno,
                            f"attribute {ast.unparse(node)} "
                            f"({owner.__module__}.{owner.__qualname__}.{node.attr})",
                        )
                    )
                    break
    return found


# -- the project ----------------------------------------------------------------------------


def parse(path: str) -> ast.Module:
    return ast.parse((ROOT / path).read_text(), filename=path)


def checked_files() -> list[str]:
    return list(project_files())


def import_module(path: str) -> types.ModuleType | None:
    """The module, or None for a script (`__main__.py` runs the program when imported)."""
    if Path(path).name == "__main__.py":
        return None
    return importlib.import_module(module_name(path))


def test_every_package_is_checked() -> None:
    packages = project_packages()
    assert {"domain", "storage", "handlers", "bot", "telegram_emulator"} <= packages
    files = checked_files()
    assert {path.split("/")[0] for path in files} == packages
    assert "bot/app.py" in files and "storage/orm.py" in files
    assert not any("migrations" in path for path in files)


def test_no_private_name_of_another_library() -> None:
    files = checked_files()
    trees = {path: parse(path) for path in files}
    packages = project_packages()
    defined = defined_names(trees.values())
    findings: list[Finding] = []
    for path, tree in trees.items():
        findings += private_reaches(tree, path, defined, packages)
        module = import_module(path)
        if module is None:
            assert not any(isinstance(node, ast.ClassDef) for node in ast.walk(tree)), path
            continue
        findings += private_overrides(tree, path, vars(module), packages)
        findings += typed_reaches(tree, path, vars(module), defined, packages)
    assert [str(finding) for finding in sorted(findings)] == []


# -- the checker itself ---------------------------------------------------------------------

SNIPPET_PACKAGES = frozenset({"snippet", "domain"})


def reaches(source: str, *, also_defined: str = "") -> list[str]:
    tree = ast.parse(source)
    defined = defined_names([tree, ast.parse(also_defined)])
    return [f.what for f in private_reaches(tree, "snippet.py", defined, SNIPPET_PACKAGES)]


def overrides(source: str) -> list[str]:
    tree = ast.parse(source)
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(tree, "snippet.py", "exec"), namespace)  # noqa: S102 (the test's own snippets)
    return [f.what for f in private_overrides(tree, "snippet.py", namespace, SNIPPET_PACKAGES)]


@pytest.mark.parametrize(
    "source",
    [
        "import asyncio\nasyncio.get_event_loop()._ready",
        "def f(engine):\n    return engine.sync_engine._run_ddl_visitor",
        "def f(pool):\n    pool._private = 1",  # storing into a library object
        "def f(row):\n    del row._data",
        "def f(x):\n    return getattr(x, '_secret')",
        "def f(x):\n    setattr(x, '_secret', 1)",
        "def f(x):\n    return x.__mangled",
        "class A:\n    def m(self):\n        return self._inherited_from_a_library",
    ],
)
def test_an_attribute_defined_nowhere_in_the_project_is_reported(source: str) -> None:
    assert len(reaches(source)) == 1, reaches(source)


@pytest.mark.parametrize(
    "source",
    [
        "class A:\n    def __init__(self):\n        self._count = 0\n"
        "    def m(self):\n        return self._count",
        "class A:\n    _cache: dict = {}\ndef f(a):\n    return a._cache",
        "from dataclasses import dataclass, field\n@dataclass\nclass A:\n    _items: list = "
        "field(default_factory=list)\ndef f(a):\n    return a._items",
        "class A:\n    def _helper(self):\n        pass\n    def m(self):\n        self._helper()",
        "def _helper():\n    pass\nimport snippet\nsnippet._helper()",
        "class A:\n    __slots__ = ('_x',)\ndef f(a):\n    return a._x",
        "class A:\n    @classmethod\n    def make(klass):\n        klass._made = True\n"
        "def f(a):\n    return a._made",
        "def f(_arg):\n    return _arg",
        "from collections import namedtuple\nP = namedtuple('P', 'x')\nP(1)._replace(x=2)",
        "import os\nos._exit(0)",
        "import enum\nclass C(enum.Enum):\n    A = 1\nC.A._value_",
        "x = object().__class__.__name__",
        "def f(x):\n    return getattr(x, 'public')",
        "def f(x):\n    return hasattr(x, '_mine')\n_mine = 1",
    ],
)
def test_the_project_s_own_underscore_names_are_not_reported(source: str) -> None:
    assert reaches(source) == []


def test_a_name_defined_in_another_file_of_the_project_counts() -> None:
    assert reaches("def f(x):\n    return x._elsewhere") == ["attribute x._elsewhere"]
    defined_elsewhere = "class B:\n    def _elsewhere(self):\n        pass"
    assert reaches("def f(x):\n    return x._elsewhere", also_defined=defined_elsewhere) == []


@pytest.mark.parametrize(
    ("source", "what"),
    [
        ("from asyncio import _get_running_loop", "from asyncio import _get_running_loop"),
        ("from sqlalchemy.engine import _row", "from sqlalchemy.engine import _row"),
        ("import sqlalchemy.util._collections", "import sqlalchemy.util._collections"),
        ("import _thread", "import _thread"),
        ("from telegram.ext._utils.types import CCT", "from telegram.ext._utils.types import …"),
        ("def f():\n    from aiosqlite.core import _x as y", "from aiosqlite.core import _x"),
        (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from a._b import C",
            "from a._b import …",
        ),
    ],
)
def test_a_library_s_private_module_or_name_imported_is_reported(source: str, what: str) -> None:
    assert reaches(source) == [what]


@pytest.mark.parametrize(
    "source",
    [
        "from __future__ import annotations",
        "from domain._internal import thing",  # one of the project's own packages
        "from snippet import _helper",
        "from . import _sibling",  # relative: the project's own
        "from .._pkg import x",
        "import collections.abc as _abc",
        "from sqlalchemy import select as _select",  # a private alias of a public name
    ],
)
def test_the_project_s_own_or_public_imports_are_not_reported(source: str) -> None:
    assert reaches(source) == []


def test_overriding_a_library_s_private_method_is_reported() -> None:
    source = (
        "import logging, json\n"
        "class Quiet(logging.Handler):\n"
        "    def emit(self, record):\n"  # public: fine
        "        pass\n"
        "    def _at_fork_reinit(self):\n"  # logging.Handler's own
        "        pass\n"
        "class Mine(logging.Filterer):\n"
        "    def _not_in_logging(self):\n"
        "        pass\n"
        "class Grand(Quiet):\n"  # a project class in between: the library's is still there
        "    def _at_fork_reinit(self):\n"
        "        pass\n"
        "def factory():\n"
        "    class Local(json.JSONEncoder):\n"  # not reachable from the module: bases evaluated
        "        def _private(self):\n"
        "            pass\n"
        "        def default(self, o):\n"
        "            pass\n"
        "    return Local\n"
    )
    assert overrides(source) == [
        "Quiet._at_fork_reinit overrides logging.Handler._at_fork_reinit",
        "Grand._at_fork_reinit overrides logging.Handler._at_fork_reinit",
    ]


def test_a_locally_defined_subclass_of_a_library_class_is_checked() -> None:
    source = (
        "import logging\n"
        "def factory():\n"
        "    class Local(logging.Handler):\n"
        "        def _at_fork_reinit(self):\n"
        "            pass\n"
        "    return Local\n"
    )
    assert overrides(source) == ["Local._at_fork_reinit overrides logging.Handler._at_fork_reinit"]


def test_overriding_the_project_s_own_private_methods_is_not_reported() -> None:
    source = (
        "import typing\n"
        "T = typing.TypeVar('T')\n"
        "class Base(typing.Generic[T]):\n"
        "    def _hook(self):\n"
        "        pass\n"
        "class Child(Base[int]):\n"
        "    def _hook(self):\n"
        "        pass\n"
        "    class Inner(Base[str]):\n"
        "        def _hook(self):\n"
        "            pass\n"
    )
    assert overrides(source) == []


def test_a_class_whose_bases_cannot_be_resolved_is_reported() -> None:
    source = (
        "def factory(base):\n"
        "    class Local(base):\n"
        "        def _hook(self):\n"
        "            pass\n"
        "    return Local\n"
    )
    [finding] = overrides(source)
    assert finding.startswith("class Local: bases unresolved (NameError")


def test_what_counts_as_private() -> None:
    assert is_private("_x") and is_private("__mangled") and is_private("_x__y")
    assert not is_private("__init__") and not is_private("_value_") and not is_private("x")
    assert not is_private("_") and not is_private("__")


def typed(source: str) -> list[str]:
    tree = ast.parse(source)
    namespace: dict[str, Any] = {"__name__": "snippet"}
    exec(compile(tree, "snippet.py", "exec"), namespace)  # noqa: S102 (the test's own snippets)
    defined = defined_names([tree])
    found = private_reaches(tree, "snippet.py", defined, SNIPPET_PACKAGES)
    found += typed_reaches(tree, "snippet.py", namespace, defined, SNIPPET_PACKAGES)
    return [f.what for f in found]


def test_a_library_object_s_private_attribute_is_reported_despite_a_namesake() -> None:
    namesake = "class Mine:\n    def _at_fork_reinit(self):\n        pass\n"
    source = (
        "from __future__ import annotations\n"
        "import logging\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from logging import Filterer\n"
        "def f(h: logging.Handler, g: logging.Handler | None, *, k: 'Filterer') -> None:\n"
        "    h._at_fork_reinit()\n"
        "    g._at_fork_reinit()\n"
        "    k._at_fork_reinit()\n"  # Filterer has no such method
        "    local: list[logging.Handler] = []\n"
        "    local._at_fork_reinit\n"  # a list has none either
        "def g(m: Mine):\n"
        "    m._at_fork_reinit()\n"  # the project's own
    )
    assert typed(source + namesake) == [
        "attribute h._at_fork_reinit (logging.Handler._at_fork_reinit)",
        "attribute g._at_fork_reinit (logging.Handler._at_fork_reinit)",
    ]


def test_a_private_member_only_a_library_base_defines_is_reported() -> None:
    source = (
        "import logging\n"
        "class Mine(logging.Handler):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self._own = 1\n"
        "    def emit(self, record):\n"
        "        self._at_fork_reinit()\n"  # logging.Handler's, not overridden here
        "        super()._at_fork_reinit()\n"
        "        self._own += 1\n"
        "        self._helper()\n"
        "    def _helper(self):\n"
        "        pass\n"
        "class Other:\n"
        "    def _at_fork_reinit(self):\n"  # a namesake: rule (a) alone would let it through
        "        pass\n"
    )
    assert overrides(source) == [
        "self._at_fork_reinit is logging.Handler._at_fork_reinit",
        "super()._at_fork_reinit is logging.Handler._at_fork_reinit",
    ]
