"""Every test runs in an empty temporary HOME and cwd, with no real credentials in reach."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from support.memory import forget_everything

from providers.registry import PROVIDERS

# Property tests are reproducible wherever they run: the same examples in every run, on every
# machine, so a red CI run is a real bug that the next run shows again, never a lucky draw.
# "ci" is the default everywhere (CI=true or not); HYPOTHESIS_PROFILE=hunt is for long random
# searches by hand (AIQUOTA_FUZZ_EXAMPLES sets how long). Profiles must be loaded here, before
# the test modules build their settings(...) objects at import: an attribute a test leaves
# unset (derandomize, database, …) is copied from the profile active at that moment.
settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=100,
    deadline=None,
    database=None,  # nothing saved between runs: a run depends on the code alone
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "hunt",
    settings.get_profile("ci"),
    derandomize=False,
    max_examples=int(os.environ.get("AIQUOTA_FUZZ_EXAMPLES", "5000")),
    database=settings.get_profile("default").database,  # failures found are replayed first
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_ISOLATED_PREFIXES = (
    "AIQUOTA_", "XDG_", "CODEX_", "CLAUDE_", "OPENCODE_", "NEWAPI_", "COPILOT_", "GOOGLE_", "GEMINI_",
    "ANTIGRAVITY_", "APPDATA",
)  # fmt: skip
# A developer's real keys must never reach a test: they could make a test call a real service.
_ISOLATED_SUFFIXES = ("_API_KEY", "_API_TOKEN", "_CLIENT_ID", "_CLIENT_SECRET", "_BASE_URL")
_ISOLATED_NAMES = {"NO_COLOR", "GH_TOKEN", "GITHUB_TOKEN"}
# And every variable a provider declares it reads, whatever its name: a new provider's key is
# kept out of the tests by its own declaration.
_DECLARED = {name for provider in PROVIDERS for name in provider.env_names}


def _isolated(name: str) -> bool:
    return (
        name.startswith(_ISOLATED_PREFIXES)
        or name.endswith(_ISOLATED_SUFFIXES)
        or name in _ISOLATED_NAMES
        or name in _DECLARED
    )


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if _isolated(name):
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


@pytest.fixture(autouse=True)
def quiet_alerts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Alerts of a test never reach the developer's terminal or desktop: no bell or escape on
    /dev/tty, no notify-send (auto picks the desktop only in a graphical session). Tests of
    those ways give their own writer and environment."""
    from tui.alerts import sink
    from tui.alerts.terminal import NoTerminal

    def no_terminal(text: str) -> None:
        raise NoTerminal

    monkeypatch.setattr(sink, "write_tty", no_terminal)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "TMUX"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fresh_secrets() -> None:
    """Each test starts with no remembered secrets, as a new process does: a 12-character run
    of an earlier test's secret ("-antigravity-secret") would otherwise mask a path in this one.
    Nor any token a provider exchanged and kept in memory (Google, Copilot) in an earlier test."""
    forget_everything()


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


@pytest.fixture
def work() -> Path:
    return Path.cwd()
