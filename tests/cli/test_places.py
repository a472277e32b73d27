"""status finds the cache where platformdirs says, without importing it on Linux."""

from __future__ import annotations

import sys
from pathlib import Path

import platformdirs
import pytest

from tui.commands.places import user_dir


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the XDG rule is Linux's")
@pytest.mark.parametrize("kind", ["cache", "state", "config"])
@pytest.mark.parametrize("value", [None, "", "   ", "/tmp/xdg-here"])
def test_the_xdg_rule_is_platformdirs_rule(kind: str, value: str | None, monkeypatch) -> None:
    variable = {"cache": "XDG_CACHE_HOME", "state": "XDG_STATE_HOME", "config": "XDG_CONFIG_HOME"}[
        kind
    ]
    if value is None:
        monkeypatch.delenv(variable, raising=False)
    else:
        monkeypatch.setenv(variable, value)
    expected = Path(getattr(platformdirs, f"user_{kind}_dir")("aiquota-tui"))
    assert user_dir(kind) == expected
