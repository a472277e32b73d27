"""The wheel users install holds every module and data file the program loads.

The editable install reads the source tree, so every other test passes even when a wheel is
missing half the program (it once lacked tui/screens and tui/widgets). This builds the real
wheel, offline, from a copy of the tree and compares it with the files on disk.
"""

from __future__ import annotations

import email.parser
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("providers", "tui", "themes")
# What a working tree holds that is not the project: a build must not see it (a stale build/
# folder is even copied into the wheel by setuptools, which would hide a missing package).
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv*", "venv", "build", "dist", "*.egg-info", "__pycache__", "*.pyc",
    ".pytest_cache", ".ruff_cache", ".hypothesis",
)  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    source = tmp_path_factory.mktemp("source") / "aiquota-tui"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    out = tmp_path_factory.mktemp("wheel")
    # No isolation and no index: the venv's setuptools builds it, nothing is downloaded.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation",
         "--no-index", "--disable-pip-version-check", "-q", "-w", str(out)],
        check=True, cwd=out,
    )  # fmt: skip
    (built,) = out.glob("aiquota_tui-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def _dist_info(wheel: zipfile.ZipFile) -> str:
    (folder,) = {PurePosixPath(n).parts[0] for n in wheel.namelist() if ".dist-info/" in n}
    return folder


def _files_on_disk() -> set[str]:
    """Every file of the three packages, .py or data, as a wheel names it."""
    found = set()
    for package in PACKAGES:
        for path in (REPO / package).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                found.add(path.relative_to(REPO).as_posix())
    return found


def test_every_module_and_data_file_is_in_the_wheel(wheel: zipfile.ZipFile) -> None:
    on_disk = _files_on_disk()
    assert {"tui/screens/help.py", "tui/widgets/overview.py", "themes/app.tcss"} <= on_disk
    missing = sorted(on_disk - set(wheel.namelist()))
    assert not missing, f"not in the wheel (pyproject.toml's packaging): {missing}"


def test_the_wheel_holds_only_the_program(wheel: zipfile.ZipFile) -> None:
    tops = {PurePosixPath(name).parts[0] for name in wheel.namelist()}
    assert tops == {*PACKAGES, _dist_info(wheel)}


def test_the_wheel_names_its_licence_and_ships_it(wheel: zipfile.ZipFile) -> None:
    dist_info = _dist_info(wheel)
    metadata = email.parser.Parser().parsestr(wheel.read(f"{dist_info}/METADATA").decode())
    assert metadata["License-Expression"] == "MIT"
    shipped = wheel.read(f"{dist_info}/licenses/LICENSE").decode()
    assert shipped == (REPO / "LICENSE").read_text()
    assert shipped.startswith("MIT License")


def test_the_wheel_installs_the_command(wheel: zipfile.ZipFile) -> None:
    entry_points = wheel.read(f"{_dist_info(wheel)}/entry_points.txt").decode()
    assert "aiquota-tui = tui.entry:entry_point" in entry_points
