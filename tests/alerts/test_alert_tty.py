"""`--once --json` with a real controlling terminal (a pseudo-terminal): the bell and the
notifications reach the terminal, stdout holds the JSON document and nothing else."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply

ROOT = Path(__file__).resolve().parents[2]
# The child takes the pseudo-terminal as its controlling terminal, as a login shell would.
CHILD = """
import fcntl, sys, termios
fcntl.ioctl(0, termios.TIOCSCTTY, 0)
from tui.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_with_a_terminal(
    args: list[str], env: dict[str, str], tmp_path: Path
) -> tuple[int, bytes, str]:
    master, slave = pty.openpty()
    stdout = tmp_path / "stdout"
    with stdout.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", CHILD, *args],
            stdin=slave,
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=tmp_path,
            start_new_session=True,
        )
    os.close(slave)
    seen = b""
    while True:
        ready, _, _ = select.select([master], [], [], 30)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed its side
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    code = process.wait(timeout=30)
    return code, seen, stdout.read_text()


@pytest.mark.parametrize("tmux", [False, True])
def test_once_json_rings_the_terminal_and_keeps_stdout_clean(
    home: Path, tmp_path: Path, tmux: bool
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    config = tmp_path / "config.toml"
    config.write_text('[alerts]\nbell = true\nnotify = "terminal"\n')
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
        "TZ": "UTC",
    }
    if tmux:
        env["TMUX"] = "/tmp/tmux-1000/default,1,0"
    with LocalServer(lambda seen: Reply(body=usage_answer(85, 10))) as server:
        env["AIQUOTA_CODEX_URL"] = server.url
        code, terminal, stdout = run_with_a_terminal(
            ["--once", "--json", "--config", str(config)], env, tmp_path
        )
    assert code == 0
    document = json.loads(stdout)  # nothing but the document
    assert document["accounts"][0]["windows"][0]["remaining_percent"] == 15.0
    assert b"\x1b" not in stdout.encode() and "\a" not in stdout
    assert terminal.startswith(b"\a")
    if tmux:
        assert b"\x1bPtmux;\x1b\x1b]777;notify;Codex quota low;" in terminal
        assert b"\x1bPtmux;\x1b\x1b]9;Codex quota low: " in terminal
    else:
        assert b"\x1b]777;notify;Codex quota low;" in terminal
        assert b"\x1b]9;Codex quota low: " in terminal


def test_without_a_terminal_as_under_cron_they_are_skipped_without_a_word(
    home: Path, tmp_path: Path
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    config = tmp_path / "config.toml"
    config.write_text('[alerts]\nbell = true\nnotify = "terminal"\n')
    env = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}",
    }
    with LocalServer(lambda seen: Reply(body=usage_answer(85, 10))) as server:
        env["AIQUOTA_CODEX_URL"] = server.url
        done = subprocess.run(
            [sys.executable, "-m", "tui", "--once", "--json", "--config", str(config)],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=env,
            cwd=tmp_path,
            start_new_session=True,  # no controlling terminal, as under cron
            timeout=60,
        )
    assert done.returncode == 0 and done.stderr == b""
    json.loads(done.stdout)
    assert (home / ".local/state/aiquota-tui/alerts.toml").is_file()  # evaluated all the same
