"""CI: an installed `aiquota-tui --demo` draws its first frame on a real terminal and quits on `q`.

Usage: python .ci/smoke_pty.py /path/to/venv/bin/aiquota-tui

The program runs on a 120x40 pseudo-terminal (TERM=xterm-256color) in an empty temporary HOME,
with no PYTHONPATH, so only what the wheel installed can be imported. Exits 0 when the first
frame appeared and `q` ended the program with 0 and gave the terminal back; otherwise it says
which step failed, shows the end of what the program wrote, and exits 1.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time

COLUMNS, ROWS = 120, 40
FIRST_FRAME = (b"Overview", b"sorted by")  # the tab bar and the overview's title
LEAVE_ALT_SCREEN = b"\x1b[?1049l"
FIRST_FRAME_SECONDS = 20
QUIT_SECONDS = 5


class Smoke:
    def __init__(self, program: str, home: str) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLUMNS, 0, 0))
        env = {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "TERM": "xterm-256color", "LANG": "C.UTF-8", "TZ": "UTC"}  # fmt: skip
        self.process = subprocess.Popen(
            [program, "--demo"], stdin=slave, stdout=slave, stderr=slave, env=env, cwd=home,
            start_new_session=True,  # its own session: the pty is its controlling terminal
        )  # fmt: skip
        os.close(slave)
        self.output = b""

    def read_for(self, seconds: float, done) -> bool:
        """Collect output until done(output) holds or the time is up; True when it held."""
        deadline = time.monotonic() + seconds
        while not done(self.output) and time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.1)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # EIO: the program closed its end
                chunk = b""
            if not chunk:
                return done(self.output)
            self.output += chunk
        return done(self.output)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        os.close(self.master)


def fail(step: str, smoke: Smoke) -> int:
    tail = smoke.output[-3000:].decode("utf-8", "replace")
    printable = "".join(c if c.isprintable() or c == "\n" else " " for c in tail)
    print(f"CI smoke: FAILED: {step}\n--- the program's last output ---\n{printable}\n---")
    return 1


def main(program: str) -> int:
    home = tempfile.mkdtemp(prefix="aiquota-smoke-")
    smoke = Smoke(program, home)
    try:
        if not smoke.read_for(FIRST_FRAME_SECONDS, lambda out: all(t in out for t in FIRST_FRAME)):
            with contextlib.suppress(subprocess.TimeoutExpired):  # let a crash be reaped
                smoke.process.wait(timeout=1)
            ended = smoke.process.poll()
            why = f"it ended with exit code {ended}" if ended is not None else "still running"
            return fail(f"no first frame within {FIRST_FRAME_SECONDS} s ({why})", smoke)
        started = time.monotonic()
        os.write(smoke.master, b"q")
        smoke.read_for(QUIT_SECONDS, lambda _: smoke.process.poll() is not None)
        try:  # the output ends when the terminal closes, a moment before the exit is reaped
            code = smoke.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return fail(f"still running {QUIT_SECONDS} s after q", smoke)
        if code != 0:
            return fail(f"q ended it with exit code {code}", smoke)
        if LEAVE_ALT_SCREEN not in smoke.output:
            return fail("it did not leave the alternate screen", smoke)
        print(f"CI smoke: first frame drawn, q quit with 0 in {time.monotonic() - started:.1f} s")
        return 0
    finally:
        smoke.stop()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        sys.exit(f"CI smoke: not a program: {sys.argv[1:]}\n{__doc__}")
    sys.exit(main(os.path.abspath(sys.argv[1])))  # it runs in the temporary HOME
