"""API keys given as key, key_env or key_cmd, and the config rules around them."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from providers.base import DiscoveryContext
from providers.discover import discover
from providers.kit import keys
from providers.kit.paths import Paths
from providers.model import Status
from providers.registry import select
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
        "print('zk-from-command-000000;$HOME|not-a-shell')\n"
    )
    settings = {"key_cmd": [sys.executable, str(script)]}
    [account] = accounts(settings)
    [again] = accounts(settings)
    assert account.secret.reveal() == "zk-from-command-000000;$HOME|not-a-shell"  # no shell
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


# --------------------------------------------------------------------------- running key_cmds

BARRIER = """\
import pathlib, sys, time
folder, me, everyone = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
(folder / me).touch()
give_up = time.monotonic() + 15
while len(list(folder.iterdir())) < everyone:
    if time.monotonic() > give_up:
        sys.exit(1)  # the others never started while this one ran: they run one by one
    time.sleep(0.01)
print(f"sk-barrier-{me}-000000000000")
"""


def test_every_key_cmd_of_a_discovery_runs_at_once(tmp_path: Path) -> None:
    """Each command waits until all have started: run one after another, the first gives up
    (exit 1). Several slow password managers so cost one wait before the first frame, not one
    each, across providers and within one ([[newapi]] gateways)."""
    script, folder = tmp_path / "barrier.py", tmp_path / "started"
    script.write_text(BARRIER)
    folder.mkdir()

    def command(me: str) -> str:
        return json.dumps([sys.executable, str(script), str(folder), me, "4"])

    config = write_config(
        tmp_path / "config.toml",
        f"[providers.zhipu]\nkey_cmd = {command('zhipu')}\n"
        f"[providers.deepseek]\nkey_cmd = {command('deepseek')}\n"
        f'[[newapi]]\nname = "a"\nbase_url = "https://a.example"\nkey_cmd = {command("a")}\n'
        f'[[newapi]]\nname = "b"\nbase_url = "https://b.example"\nkey_cmd = {command("b")}\n',
    )
    providers = select(["zhipu", "deepseek", "newapi"])
    loaded = load_config(
        config, explicit=True, known_providers={p.id: p.settings for p in providers}
    )
    pairs = discover(providers, loaded, [], env=dict(os.environ))
    assert [(a.provider, a.problem) for _, a in pairs] == [
        ("zhipu", None),
        ("newapi", None),
        ("newapi", None),
        ("deepseek", None),
    ]
    assert sorted(a.secret.reveal() for _, a in pairs) == [
        f"sk-barrier-{me}-000000000000" for me in ("a", "b", "deepseek", "zhipu")
    ]


def running(pid: int) -> bool:
    """A zombie is not running: it only waits to be reaped, maybe by a container's init."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rpartition(")")[2].split()[0] not in ("Z", "X")


def alive(pid: int) -> bool:
    """Still running 10 s on. SIGKILL is sent by the time the key_cmd's problem is known, but
    a process on a busy machine takes a moment to die; one that was never sent it lives on."""
    give_up = time.monotonic() + 10
    while running(pid):
        if time.monotonic() > give_up:
            return True
        time.sleep(0.02)
    return False


linux_only = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


@linux_only
def test_a_hung_key_cmd_is_killed_at_the_timeout_with_what_it_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keys, "KEY_CMD_TIMEOUT", 1.0)
    pids = tmp_path / "pids"
    # The shell waits on a child of its own: killing the shell alone would leave it running.
    argv = ["sh", "-c", f"sleep 60 >/dev/null & echo $! > {pids}; echo $$ >> {pids}; wait"]
    [account] = accounts({"key_cmd": argv})
    assert account.secret is None
    assert account.problem.message == "[providers.zhipu] key_cmd: sh did not finish within 1 s"
    started = [int(line) for line in pids.read_text().split()]
    assert len(started) == 2 and not any(alive(pid) for pid in started)


@linux_only
def test_a_key_cmd_printing_100_mb_is_refused_and_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "pid"
    flood = "import sys; sys.stdout.write('a' * 100_000_000)"
    argv = ["sh", "-c", f'echo $$ > {pid_file}; exec {sys.executable} -c "{flood}"']
    [account] = accounts({"key_cmd": argv})
    assert account.secret is None
    assert (
        account.problem.message
        == "[providers.zhipu] key_cmd: sh printed more than 64 KB, not a key"
    )
    assert not alive(int(pid_file.read_text()))


@pytest.mark.parametrize(
    ("printed", "words"),
    [
        (b"sk-canary-0000 1111\n", "spaces, control or non-ASCII characters"),
        (b"sk-canary-0000\tx\n", "spaces, control or non-ASCII characters"),
        (b"sk-canary-\x1b]52;c;AAAA\x07\n", "spaces, control or non-ASCII characters"),
        ("sk-canary-\u202e0000\n".encode(), "spaces, control or non-ASCII characters"),
        (b"sk-canary-" + b"0" * 5000, "longer than 4096 characters"),
        (b"sk-canary-\xff\xfe", "not UTF-8 text"),
        (b"  \n\n", "printed no key"),
    ],
    ids=["space", "tab", "escape", "bidi", "long", "not_utf8", "blank"],
)
def test_an_implausible_key_is_refused_without_showing_it(printed: bytes, words: str) -> None:
    argv = [sys.executable, "-c", f"import sys; sys.stdout.buffer.write({printed!r})"]
    [account] = accounts({"key_cmd": argv})
    assert account.secret is None
    assert words in account.problem.message
    assert "canary" not in account.problem.message


def test_a_key_on_the_first_of_several_lines_is_taken(tmp_path: Path) -> None:
    """pass prints the password, then the rest of the entry: the first line is the key."""
    argv = [sys.executable, "-c", "print('  sk-first-000000000000\\r\\nuser: me\\nurl: x y')"]
    [account] = accounts({"key_cmd": argv})
    assert account.problem is None and account.secret.reveal() == "sk-first-000000000000"
