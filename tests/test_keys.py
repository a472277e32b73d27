"""API keys given as key, key_env or key_cmd, and the config rules around them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from providers import keys
from providers.base import DiscoveryContext
from providers.model import Status
from providers.paths import Paths
from tui.cli import main
from tui.config import ConfigError, load_config


@pytest.fixture(autouse=True)
def fresh_command_cache(monkeypatch):
    monkeypatch.setattr(keys, "_COMMAND_RESULTS", {})


def context(settings: dict, env: dict | None = None) -> DiscoveryContext:
    return DiscoveryContext(paths=Paths({**os.environ, **(env or {})}), settings=settings)


def accounts(settings: dict, env: dict | None = None, **kwargs):
    return keys.key_accounts("zhipu", context(settings, env), **kwargs)


def test_key_in_the_config() -> None:
    [account] = accounts({"key": "zk-config-000000000000", "name": "work"})
    assert account.label == "work" and account.source == "config"
    assert account.secret.reveal() == "zk-config-000000000000"


def test_key_env_reads_the_named_variable() -> None:
    [account] = accounts({"key_env": "MY_GLM_KEY"}, {"MY_GLM_KEY": "zk-env-0000000000000"})
    assert account.source == "env:MY_GLM_KEY" and account.secret.reveal() == "zk-env-0000000000000"


def test_key_env_unset_is_an_account_with_a_clear_problem() -> None:
    [account] = accounts({"key_env": "NOT_SET_ANYWHERE"})
    assert account.problem.status is Status.AUTH_EXPIRED
    assert "$NOT_SET_ANYWHERE" in account.problem.message and "key_env" in account.problem.message


def test_key_cmd_runs_without_a_shell_once(tmp_path: Path) -> None:
    counter = tmp_path / "runs"
    script = tmp_path / "secret.py"
    script.write_text(
        "import pathlib, sys\n"
        f"p = pathlib.Path({str(counter)!r}); p.write_text(p.read_text() + 'x' if p.exists() else 'x')\n"
        "print('zk-from-command-000000; not a shell')\n"
    )
    settings = {"key_cmd": [sys.executable, str(script)]}
    [account] = accounts(settings)
    [again] = accounts(settings)
    assert account.secret.reveal() == "zk-from-command-000000; not a shell"  # no shell split it
    assert again.secret == account.secret
    assert counter.read_text() == "x"  # the password manager is asked once per process


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["/no/such/command"], "not found"),
        ([sys.executable, "-c", "import sys; sys.exit(3)"], "exited with status 3"),
        ([sys.executable, "-c", "pass"], "printed no key"),
    ],
)
def test_failing_key_cmd_is_an_account_with_the_reason(argv, words) -> None:
    [account] = accounts({"key_cmd": argv})
    assert account.secret is None
    assert words in account.problem.message


def test_key_cmd_output_never_reaches_a_message() -> None:
    argv = [sys.executable, "-c", "import sys; print('CANARY-KEY-123456789'); sys.exit(1)"]
    [account] = accounts({"key_cmd": argv})
    assert "CANARY" not in account.problem.message


def test_same_key_in_config_env_and_opencode_is_one_account(home: Path) -> None:
    auth = home / ".local/share/opencode/auth.json"
    auth.parent.mkdir(parents=True)
    auth.write_text(
        json.dumps({"zhipuai-coding-plan": {"type": "api", "key": "zk-same-0000000000"}})
    )
    found = accounts(
        {"key": "zk-same-0000000000"},
        {"ZHIPU_API_KEY": "zk-same-0000000000"},
        env_names=["ZHIPU_API_KEY"],
        opencode_keys=["zhipuai-coding-plan"],
    )
    assert [(a.label, a.source) for a in found] == [("config", "config")]


def write_config(path: Path, text: str, mode: int = 0o600) -> Path:
    path.write_text(text)
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[providers.zhipu]\nkey = "a"\nkey_env = "B"\n', "only one of key, key_env and key_cmd"),
        ("[providers.zhipu]\nkey_cmd = []\n", "key_cmd must name a command"),
        ("[providers.zhipu]\nkey_cmd = [1]\n", "list of strings"),
        ('[[newapi]]\nname = "a"\nkey = "k"\n', "needs base_url"),
        ('[[newapi]]\nbase_url = "https://a"\n', "needs one of key, key_env or key_cmd"),
        ('[[newapi]]\nbase_url = "https://a"\nkey = "k"\nquota_per_usd = 0\n', "above 0"),
        (
            '[[newapi]]\nname = "x"\nbase_url = "https://a"\nkey = "k"\n[[newapi]]\nname = "x"\nbase_url = "https://b"\nkey = "k"\n',
            "same name",
        ),
        ("newapi = 3\n", "[[newapi]]"),
    ],
)
def test_key_settings_are_checked(tmp_path: Path, text: str, words: str) -> None:
    path = write_config(tmp_path / "config.toml", text)
    with pytest.raises(ConfigError) as error:
        load_config(
            path, explicit=True, known_providers={"zhipu": keys.API_KEY_SETTINGS, "newapi": {}}
        )
    assert words in str(error.value)


def test_newapi_gateways_reach_the_provider_as_instances(tmp_path: Path) -> None:
    path = write_config(
        tmp_path / "config.toml",
        '[[newapi]]\nname = "home"\nbase_url = "https://a.example"\nkey_env = "HOME_KEY"\n'
        '[[newapi]]\nbase_url = "https://b.example"\nkey_cmd = ["pass", "b"]\nquota_per_usd = 1000\n',
    )
    config = load_config(path, explicit=True, known_providers={"newapi": {}})
    instances = config.provider("newapi")["instances"]
    assert [i["name"] for i in instances] == ["home", "https://b.example"]
    assert instances[1]["quota_per_usd"] == 1000


def test_a_key_in_a_config_others_can_read_is_reported_once(tmp_path: Path, capsys) -> None:
    path = write_config(
        tmp_path / "config.toml", '[providers.zhipu]\nkey = "zk-0000000000000"\n', 0o644
    )
    main(["--once", "--json", "--config", str(path), "--provider", "codex"])
    err = capsys.readouterr().err
    assert err.count("can be read by other users") == 1 and "chmod 600" in err
    assert "zk-0000000000000" not in err
    path.chmod(0o600)
    main(["--once", "--json", "--config", str(path), "--provider", "codex"])
    assert "can be read by other users" not in capsys.readouterr().err


def test_key_env_and_key_cmd_in_a_readable_config_are_not_reported(tmp_path: Path, capsys) -> None:
    path = write_config(tmp_path / "config.toml", '[providers.zhipu]\nkey_env = "X"\n', 0o644)
    main(["--once", "--json", "--config", str(path), "--provider", "codex"])
    assert "can be read by other users" not in capsys.readouterr().err


def test_the_first_account_without_a_name_of_its_own_is_called_default() -> None:
    from providers.base import Account, name_the_unnamed

    def acc(label: str, named: bool) -> Account:
        return Account(provider="zhipu", label=label, source=label, named=named)

    labels = [
        a.label
        for a in name_the_unnamed([acc("team", True), acc("env", False), acc("opencode", False)])
    ]
    assert labels == ["team", "default", "opencode"]  # later ones still say where they came from
    # A provider that already has a "default" (Claude Code's login) keeps the others as they are.
    kept = name_the_unnamed([acc("default", True), acc("opencode", False)])
    assert [a.label for a in kept] == ["default", "opencode"]
