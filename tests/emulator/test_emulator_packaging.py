"""The emulator stands alone: its Bot API spec ships inside the package, also in a wheel."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Run from the wheel alone: the editable install's finder is removed first.
FROM_WHEEL = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f)]
sys.path.insert(0, sys.argv[1])
import telegram_emulator.spec as spec
assert spec.__file__.startswith(sys.argv[1]), spec.__file__
loaded = spec.load_spec(required=True)
print(loaded.version, len(loaded.methods), sep="|")
"""


PIP_WHEEL = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"  # pip builds in the tree: build a copy, leave ours clean
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "tests", "build", "*.db"))
    subprocess.run(
        [*PIP_WHEEL, "--wheel-dir", str(out), str(source)],
        check=True,
        capture_output=True,
        cwd=out,
    )
    (found,) = out.glob("acsm_bot-*.whl")
    return found


def test_the_wheel_carries_the_spec_and_its_licence(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    for part in ("api.json", "LICENSE", "README.md"):
        assert f"telegram_emulator/data/{part}" in names


def test_the_spec_loads_from_the_installed_wheel(wheel: Path, tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", FROM_WHEEL, str(wheel)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    version, methods = result.stdout.strip().split("|")
    assert "10.1" in version and int(methods) > 100
