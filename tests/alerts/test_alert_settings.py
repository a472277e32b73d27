"""[alerts] in config.toml: the issue's example read as written; a bad value is a warning and
its default, never an exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from providers.registry import provider_settings
from tui.alerts.settings import AlertSettings, Rules
from tui.config import Config, load_config

EXAMPLE = """
[alerts]
remaining = [50, 20]
depleted = true
restored = true
predictive = false
problems = true
bell = true
notify = "auto"
[alerts.providers.codex]
remaining = [30, 10]
[[alerts.hook]]
command = ["/usr/bin/notify-send", "aiquota"]
"""


def load(tmp_path: Path, text: str) -> Config:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path, explicit=True, known_providers=provider_settings())


def test_no_alerts_table_is_the_defaults(tmp_path: Path) -> None:
    config = load(tmp_path, "")
    assert config.alerts == AlertSettings()
    assert config.alerts.rules == Rules(remaining=(50, 20), predictive=False)
    assert config.alerts.notify == "auto" and config.alerts.bell and not config.alerts.hooks
    assert Config().alerts == AlertSettings()


def test_the_issues_example(tmp_path: Path) -> None:
    config = load(tmp_path, EXAMPLE)
    assert config.warnings == ()
    alerts = config.alerts
    assert alerts.rules_for("claude").remaining == (50, 20)
    assert alerts.rules_for("codex").remaining == (30, 10)
    assert alerts.hooks == (("/usr/bin/notify-send", "aiquota"),)


def test_a_providers_table_keeps_what_it_does_not_say(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        "[alerts]\ndepleted = false\npredictive = true\n[alerts.providers.codex]\nproblems = false\n",
    )
    codex = config.alerts.rules_for("codex")
    assert (codex.depleted, codex.predictive, codex.problems) == (False, True, False)
    assert codex.remaining == (50, 20)


def test_thresholds_are_sorted_and_distinct(tmp_path: Path) -> None:
    config = load(tmp_path, "[alerts]\nremaining = [10, 50.5, 10, 100]\n")
    assert config.alerts.rules.remaining == (100, 50.5, 10)
    assert load(tmp_path, "[alerts]\nremaining = []\n").alerts.rules.remaining == ()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[alerts]\nremaining = [0]\n", "remaining must be a list of percentages"),
        ("[alerts]\nremaining = [120]\n", "remaining must be a list"),
        ("[alerts]\nremaining = 20\n", "remaining must be a list"),
        ('[alerts]\nremaining = ["20"]\n', "remaining must be a list"),
        ("[alerts]\nremaining = [true]\n", "remaining must be a list"),
        ("[alerts]\nremaining = [nan]\n", "remaining must be a list"),
        ('[alerts]\nbell = "yes"\n', "bell must be true or false"),
        ("[alerts]\ndepleted = 1\n", "depleted must be true or false"),
        ('[alerts]\nnotify = "loud"\n', 'notify must be one of "auto"'),
        ("[alerts]\nsound = true\n", "unknown setting 'sound' in [alerts]"),
        ("alerts = 5\n", "'alerts' must be a table"),
        (
            "[alerts.providers.nosuch]\nremaining = [5]\n",
            "unknown provider [alerts.providers.nosuch]",
        ),
        ("[alerts.providers]\ncodex = 3\n", "[alerts.providers.codex] must be a table"),
        (
            "[alerts.providers.codex]\nbell = false\n",
            "unknown setting 'bell' in [alerts.providers.codex]",
        ),
        ('[[alerts.hook]]\ncommand = "notify-send hi"\n', "command must be a list of strings"),
        ("[[alerts.hook]]\ncommand = []\n", "command must be a list of strings"),
        ("[[alerts.hook]]\ncommand = [1]\n", "command must be a list of strings"),
        ('[[alerts.hook]]\ncmd = ["x"]\n', "unknown setting 'cmd' in [[alerts.hook]] number 1"),
        ("[alerts]\nhook = 3\n", "[[alerts.hook]]"),
    ],
)
def test_bad_values_are_warnings_and_defaults(tmp_path: Path, text: str, words: str) -> None:
    config = load(tmp_path, text)  # never raises
    assert any(words in warning for warning in config.warnings), config.warnings
    defaults = AlertSettings()
    assert config.alerts.rules.remaining == defaults.rules.remaining
    assert config.alerts.bell == defaults.bell and config.alerts.notify == defaults.notify
    assert config.alerts.hooks == ()


def test_one_bad_hook_leaves_the_good_ones(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        '[[alerts.hook]]\ncommand = "x"\n[[alerts.hook]]\ncommand = ["~/bin/hook", "-v"]\n',
    )
    assert config.alerts.hooks == (("~/bin/hook", "-v"),)
    assert len(config.warnings) == 1


def test_one_bad_value_keeps_the_good_ones_beside_it(tmp_path: Path) -> None:
    config = load(tmp_path, '[alerts]\nremaining = "x"\nbell = false\nnotify = "off"\n')
    assert (config.alerts.bell, config.alerts.notify) == (False, "off")
