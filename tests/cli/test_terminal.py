"""The real program in a pseudo-terminal: it draws, and gives the terminal back on every exit."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LEAVE_ALT_SCREEN = b"\x1b[?1049l"


class Terminal:
    def __init__(
        self,
        home: Path,
        *args: str,
        columns: int = 100,
        rows: int = 30,
        extra_env: dict | None = None,
    ) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        env = {
            "HOME": str(home),
            "PATH": os.environ.get("PATH", ""),
            "TERM": "screen-256color",
            "LANG": "C.UTF-8",
            "PYTHONPATH": str(REPO),
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tui", "--demo", *args],
            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=home, start_new_session=True,
        )  # fmt: skip
        os.close(slave)
        self.output = b""

    def read_until(self, needle: bytes, timeout: float = 15) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:
                    return needle in self.output
                if not chunk:
                    break
                self.output += chunk
                if needle in self.output:
                    return True
        return needle in self.output

    def wait(self, timeout: float = 10) -> int | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read_until(b"\x00never", timeout=0.1)
            code = self.process.poll()
            if code is not None:
                return code
        return None

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.master)


@pytest.fixture
def terminal(home: Path):
    opened: list[Terminal] = []

    def start(*args: str, env: dict | None = None) -> Terminal:
        term = Terminal(home, *args, extra_env=env)
        opened.append(term)
        assert term.read_until(b"sorted by"), term.output[-2000:]
        return term

    yield start
    for term in opened:
        term.close()


def test_q_quits_and_restores_the_terminal(terminal) -> None:
    term = terminal()
    os.write(term.master, b"q")
    assert term.wait() == 0
    assert LEAVE_ALT_SCREEN in term.output


def test_ctrl_c_quits_and_restores_the_terminal(terminal) -> None:
    term = terminal()
    os.write(term.master, b"\x03")
    assert term.wait() == 0
    assert LEAVE_ALT_SCREEN in term.output


def test_sigterm_quits_cleanly(terminal) -> None:
    term = terminal()
    term.process.send_signal(signal.SIGTERM)
    assert term.wait() == 0
    assert LEAVE_ALT_SCREEN in term.output


def test_the_app_exits_when_its_terminal_goes_away(terminal) -> None:
    term = terminal()
    term.process.send_signal(
        signal.SIGHUP
    )  # what the kernel and sshd send when the terminal closes
    assert term.wait() is not None


def test_no_mouse_does_not_ask_for_mouse_reports(terminal) -> None:
    term = terminal("--no-mouse")
    assert b"\x1b[?1000h" not in term.output
    os.write(term.master, b"q")
    assert term.wait() == 0


def test_mouse_is_captured_by_default(terminal) -> None:
    term = terminal()
    assert b"\x1b[?1000h" in term.output
    os.write(term.master, b"q")
    assert term.wait() == 0


def test_no_color_is_honoured(terminal) -> None:
    """Textual's NO_COLOR mode is monochrome: only greys (and black and white) remain."""
    term = terminal(env={"NO_COLOR": "1"})
    # Only whole sequences count: the read may stop in the middle of "38;5;254".
    indexes = {int(n) for n in re.findall(rb"[34]8;5;(\d+)[;m]", term.output)}
    assert indexes and indexes <= {0, 7, 15, 16, 231, *range(232, 256)}
    assert b"38;2;" not in term.output
    os.write(term.master, b"q")
    assert term.wait() == 0
