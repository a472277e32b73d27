"""The full-screen app refuses where it cannot draw, in one sentence that names --once / --json.

`aiquota-tui > out.txt` once laid itself out at 80x24 into the file and `TERM=dumb` still got
full-screen escapes. The one-shot answers (--once, --json) are made for exactly those places
and keep working there.
"""

from __future__ import annotations

import contextlib
import io
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

import tui.app
from tui.cli import main

REPO = Path(__file__).resolve().parents[2]
ENTER_ALT_SCREEN = b"\x1b[?1049h"


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records a start of the app instead of drawing: without a refusal the test fails, not hangs."""
    runs: list[bool] = []
    monkeypatch.setattr(tui.app.QuotaApp, "run", lambda self, **_: runs.append(True))
    return runs


def pretend_terminal(monkeypatch: pytest.MonkeyPatch) -> dict[str, FakeTerminal]:
    """stdin, stdout and stderr are terminals, and TERM names a capable one.

    Called in the test's body: pytest puts its own capture back in sys.std* after fixtures."""
    fakes = {name: FakeTerminal() for name in ("stdin", "stdout", "stderr")}
    for name, fake in fakes.items():
        monkeypatch.setattr(sys, name, fake)
    monkeypatch.setenv("TERM", "xterm-256color")
    return fakes


def assert_refused(code: int, stdout: str, stderr: str, started: list[bool]) -> None:
    assert code == 2
    assert not started
    assert stdout == ""
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "--once" in lines[0] and "--json" in lines[0]
    assert lines[0].startswith("aiquota-tui: the full-screen app needs a terminal")


def test_stdout_not_a_terminal_is_refused(capsys, started) -> None:
    code = main(["--demo"])  # capsys's stdout is a file, as in `aiquota-tui > out.txt`
    out, err = capsys.readouterr()
    assert_refused(code, out, err, started)
    assert "standard output is not one" in err


@pytest.mark.parametrize(("name", "label"), [("stdin", "input"), ("stderr", "error output")])
def test_other_standard_streams_not_terminals_are_refused(
    monkeypatch, started, name, label
) -> None:
    streams = pretend_terminal(monkeypatch)
    # Textual reads keys from stdin and draws on stderr: a file there is as hopeless.
    monkeypatch.setattr(sys, name, io.StringIO())
    code = main(["--demo"])
    assert_refused(code, streams["stdout"].getvalue(), sys.stderr.getvalue(), started)
    assert f"standard {label} is not one" in sys.stderr.getvalue()


@pytest.mark.parametrize("term", ["dumb", "", None])
def test_a_terminal_that_cannot_do_full_screen_is_refused(monkeypatch, started, term) -> None:
    streams = pretend_terminal(monkeypatch)
    if term is None:
        monkeypatch.delenv("TERM")
    else:
        monkeypatch.setenv("TERM", term)
    code = main(["--demo"])
    assert_refused(code, streams["stdout"].getvalue(), streams["stderr"].getvalue(), started)
    assert ("TERM=dumb" if term == "dumb" else "TERM is not set") in streams["stderr"].getvalue()


def test_a_real_terminal_starts_the_app(monkeypatch, started) -> None:
    streams = pretend_terminal(monkeypatch)
    assert main(["--demo"]) == 0
    assert started == [True]
    assert streams["stderr"].getvalue() == ""


@pytest.mark.parametrize("args", [["--once"], ["--once", "--json"], ["--json"]])
def test_the_one_shot_answers_work_where_the_app_is_refused(
    monkeypatch, capsys, started, args
) -> None:
    monkeypatch.setenv("TERM", "dumb")
    code = main(["--demo", *args])  # stdout is not a terminal either
    out, err = capsys.readouterr()
    assert code == 1  # the demo's broken accounts, as always
    assert "work" in out
    assert "full-screen" not in err
    assert not started


def _run_on_pty(*, term: str, stdout_file: Path | None = None) -> tuple[int, bytes]:
    """The real program, with a pseudo-terminal for whatever stdout_file does not replace."""
    master, slave = pty.openpty()
    env = {"HOME": os.environ["HOME"], "PATH": os.environ.get("PATH", ""), "TERM": term,
           "LANG": "C.UTF-8", "PYTHONPATH": str(REPO)}  # fmt: skip
    with contextlib.ExitStack() as stack:
        stdout = stack.enter_context(stdout_file.open("wb")) if stdout_file else slave
        process = subprocess.Popen(
            [sys.executable, "-m", "tui", "--demo"],
            stdin=slave, stdout=stdout, stderr=slave, env=env, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        try:
            code = process.wait(timeout=20)
        finally:
            if process.poll() is None:  # the app started after all: fail, don't hang
                process.kill()
                process.wait()
    output = b""
    with contextlib.suppress(OSError):  # EIO: the terminal's other end is closed and drained
        while chunk := os.read(master, 65536):
            output += chunk
    os.close(master)
    return code, output


def test_redirected_stdout_leaves_the_file_empty_and_the_terminal_clean(tmp_path: Path) -> None:
    out_file = tmp_path / "out.txt"
    code, terminal = _run_on_pty(term="xterm-256color", stdout_file=out_file)
    assert code == 2
    assert out_file.read_bytes() == b""
    assert ENTER_ALT_SCREEN not in terminal
    assert b"--once" in terminal and b"--json" in terminal


def test_term_dumb_on_a_real_terminal_draws_nothing() -> None:
    code, terminal = _run_on_pty(term="dumb")
    assert code == 2
    assert ENTER_ALT_SCREEN not in terminal
    assert b"TERM=dumb" in terminal and b"--once" in terminal
