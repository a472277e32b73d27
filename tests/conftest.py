"""Every test runs in an empty temporary HOME and cwd, with no real credentials in reach."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

_ISOLATED_PREFIXES = ("AIQUOTA_", "XDG_", "CODEX_", "CLAUDE_", "OPENCODE_", "NEWAPI_")
_ISOLATED_NAMES = {"OPENAI_API_KEY", "NO_COLOR"}


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith(_ISOLATED_PREFIXES) or name in _ISOLATED_NAMES:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    work = tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    monkeypatch.chdir(work)
    return home


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


@pytest.fixture
def work() -> Path:
    return Path.cwd()
