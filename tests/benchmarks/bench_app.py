"""The full-screen app in a real pseudo-terminal: first frame, idle CPU, idle output, peak memory.

    python tests/benchmarks/bench_app.py [--duration 30] [--settle 3] [--copies 1] [--launches 5]

Spawns tests/benchmarks/demo_app.py (the demo grown to 24 accounts) on a 120×40 pty with
TERM=xterm-256color, COLORTERM=truecolor (--colorterm "" for 256 colours) and a temporary HOME,
then measures:

  first frame   spawn → the overview's sort line ("accounts · sorted by") appears in the output
  idle CPU      over the idle window, as % of one core: the threads' run time from
                /proc/<pid>/task/*/schedstat (nanoseconds), or utime+stime from /proc/<pid>/stat
                (10 ms ticks) when a thread started or ended in the window (CpuMeter)
  idle output   bytes the app wrote to the terminal per second over the same window
  peak RSS      VmHWM from /proc/<pid>/status at the end

Prints a small table and exits 1 when a target is missed (2 when the app could not be measured).
Not part of the pytest suite (pyproject: norecursedirs = tests/benchmarks). Linux only.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import re
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
LAUNCHER = HERE / "demo_app.py"
MARKER = "accounts · sorted by"

TARGET_FIRST_FRAME_S = 0.6
TARGET_IDLE_CPU_PCT = 1.0
TARGET_IDLE_BYTES_PER_S = 1024.0
TARGET_PEAK_RSS_MB = 80.0

# Escape sequences, so the marker is found even if styling splits the text.
_ESCAPES = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-_]")
_ISOLATED_PREFIXES = ("AIQUOTA_", "XDG_", "CODEX_", "CLAUDE_", "OPENCODE_", "NEWAPI_", "TEXTUAL")
_ISOLATED_NAMES = {"OPENAI_API_KEY", "NO_COLOR", "COLUMNS", "LINES", "TMUX"}
# A cursor move that starts painting a run of cells (not the move to a line's end before "\r").
LINE_PAINT = re.compile(rb"\x1b\[\d+;\d+H(?=[^\r\x1b]|\x1b\[[0-9;]*m)")


@dataclass
class Figures:
    first_frame_s: float | None = None  # the median over all launches
    first_frames: list[float] = field(default_factory=list)
    idle_seconds: float = 0.0
    idle_cpu_pct: float | None = None
    idle_bytes: int = 0
    idle_lines: int = 0
    peak_rss_mb: float | None = None
    exit_code: int | None = None
    cpu_source: str = ""


class Terminal:
    """The master side of a pty with a child attached; drains it so the child never blocks."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, cols: int, rows: int):
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.total = 0
        self.captured = bytearray()  # everything up to the first frame, and the idle window
        self.capture = True
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            cwd=cwd,
            start_new_session=True,
            preexec_fn=_make_controlling_tty,
            close_fds=True,
        )
        os.close(slave)

    def pump(self, timeout: float) -> bytes:
        """Read whatever arrives within timeout; b"" when nothing (or the child is gone)."""
        ready, _, _ = select.select([self.master], [], [], max(0.0, timeout))
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:  # EIO: the child closed its side
            return b""
        self.total += len(data)
        if self.capture:
            self.captured += data
        return data

    def drain_for(self, seconds: float) -> None:
        deadline = time.perf_counter() + seconds
        while (left := deadline - time.perf_counter()) > 0:
            if not self.pump(min(left, 0.25)) and self.process.poll() is not None:
                return

    def close(self) -> int | None:
        with contextlib.suppress(OSError):
            os.write(self.master, b"q")
        deadline = time.perf_counter() + 5.0
        while self.process.poll() is None and time.perf_counter() < deadline:
            self.pump(0.1)
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(3.0)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        with contextlib.suppress(OSError):
            while self.pump(0.05):
                pass
        os.close(self.master)
        return self.process.returncode


def _make_controlling_tty() -> None:
    # Runs in the child after setsid() and after stdin became the pty's slave side:
    # make it the controlling terminal, as a real terminal emulator would.
    with contextlib.suppress(OSError):
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def plain_text(data: bytes) -> str:
    return _ESCAPES.sub(b"", bytes(data)).decode("utf-8", errors="replace")


def cpu_seconds(pid: int) -> float:
    """utime + stime of the whole process (all threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def task_nanoseconds(pid: int) -> dict[str, int] | None:
    """Each thread's time on a CPU so far (/proc/<pid>/task/<tid>/schedstat), nanoseconds."""
    times = {}
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError, ValueError, IndexError):
                times[tid] = int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
    except OSError:
        return None
    return times or None


class CpuMeter:
    """A process's CPU time over a window. utime+stime counts in clock ticks (10 ms): an idle
    app uses a few of them in 30 s, so one tick more or less moved a figure by a sixth. The
    threads' schedstat counts nanoseconds, but forgets a thread that ends; so it is used
    when the same threads ran from start to end, and utime+stime when they did not."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ticks = cpu_seconds(pid)
        self.tasks = task_nanoseconds(pid)

    def used(self) -> tuple[float, str]:
        """(seconds of CPU since the meter started, which count: "schedstat" or "stat")."""
        tasks = task_nanoseconds(self.pid)
        if tasks is not None and self.tasks is not None and tasks.keys() == self.tasks.keys():
            return (sum(tasks.values()) - sum(self.tasks.values())) / 1e9, "schedstat"
        return cpu_seconds(self.pid) - self.ticks, "stat"


def peak_rss_mb(pid: int) -> float | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def child_env(home: Path, colorterm: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_ISOLATED_PREFIXES) and name not in _ISOLATED_NAMES
    }
    env.update(
        HOME=str(home),
        TERM="xterm-256color",
        LANG=env.get("LANG", "C.UTF-8"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("COLORTERM", None)
    if colorterm:
        env["COLORTERM"] = colorterm
    return env


def launch(args: argparse.Namespace, home: Path) -> tuple[Terminal, float | None]:
    """Spawn the app; return once its first frame is out (None: it never came)."""
    argv = [sys.executable, str(LAUNCHER), "--copies", str(args.copies)]
    term = Terminal(argv, child_env(home, args.colorterm), home, args.cols, args.rows)
    deadline = term.started + args.timeout
    while time.perf_counter() < deadline:
        if term.pump(0.05) and MARKER in plain_text(term.captured):
            return term, time.perf_counter() - term.started
        if term.process.poll() is not None:
            break
    return term, None


def measure(args: argparse.Namespace) -> tuple[Figures, Terminal]:
    figures = Figures()
    with tempfile.TemporaryDirectory(prefix="aiquota-bench-home-") as folder:
        home = Path(folder)
        # Start-up is noisy on a small machine: the first frame is the median of several launches.
        for _ in range(max(0, args.launches - 1)):
            term, first_frame = launch(args, home)
            term.close()
            if first_frame is None:
                return figures, term
            figures.first_frames.append(first_frame)

        term, first_frame = launch(args, home)
        try:
            if first_frame is None:
                return figures, term
            figures.first_frames.append(first_frame)
            figures.first_frame_s = statistics.median(figures.first_frames)
            pid = term.process.pid
            term.drain_for(args.settle)
            term.captured.clear()
            meter, bytes_before = CpuMeter(pid), term.total
            idle_start = time.perf_counter()
            term.drain_for(args.duration)
            if term.process.poll() is None:
                figures.idle_seconds = time.perf_counter() - idle_start
                used, figures.cpu_source = meter.used()
                figures.idle_cpu_pct = used / figures.idle_seconds * 100
                figures.idle_bytes = term.total - bytes_before
                figures.idle_lines = len(LINE_PAINT.findall(term.captured))
                figures.peak_rss_mb = peak_rss_mb(pid)
            term.capture = False
        finally:
            figures.exit_code = term.close()
    return figures, term


def report(figures: Figures, args: argparse.Namespace) -> bool:
    """Print the table; True when every target is met."""
    rows: list[tuple[str, str, str, bool | None]] = []

    def row(what: str, target: str, measured: str, ok: bool | None) -> None:
        rows.append((what, target, measured, ok))

    ff = figures.first_frame_s
    row(
        f"time to first frame (median of {len(figures.first_frames)})",
        f"≤ {TARGET_FIRST_FRAME_S:g} s",
        "—" if ff is None else f"{ff:.3f} s",
        ff is not None and ff <= TARGET_FIRST_FRAME_S,
    )
    if len(figures.first_frames) > 1:
        spread = f"{min(figures.first_frames):.3f}–{max(figures.first_frames):.3f} s"
        row("  range over launches", "", spread, None)
    cpu = figures.idle_cpu_pct
    row(
        f"idle CPU ({figures.idle_seconds:.0f} s, {figures.cpu_source or 'stat'})",
        f"≤ {TARGET_IDLE_CPU_PCT:g} %",
        "—" if cpu is None else f"{cpu:.2f} %",
        cpu is not None and cpu <= TARGET_IDLE_CPU_PCT,
    )
    rate = figures.idle_bytes / figures.idle_seconds if figures.idle_seconds else None
    row(
        "idle output",
        f"≤ {TARGET_IDLE_BYTES_PER_S / 1024:g} KB/s",
        "—" if rate is None else f"{rate:,.0f} B/s",
        rate is not None and rate <= TARGET_IDLE_BYTES_PER_S,
    )
    lines = figures.idle_lines / figures.idle_seconds if figures.idle_seconds else None
    row("idle screen lines painted", "(info)", "—" if lines is None else f"{lines:.1f} /s", None)
    rss = figures.peak_rss_mb
    row(
        "peak RSS (VmHWM)",
        f"≤ {TARGET_PEAK_RSS_MB:g} MB",
        "—" if rss is None else f"{rss:.1f} MB",
        rss is not None and rss <= TARGET_PEAK_RSS_MB,
    )
    row("exit code after q", "0", str(figures.exit_code), figures.exit_code == 0)

    print(
        f"bench_app: demo × {args.copies} (30 accounts a copy), "
        f"{args.cols}×{args.rows} pty, COLORTERM={args.colorterm or '(unset)'}, "
        f"settle {args.settle:g} s, cores {os.cpu_count()}"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for what, target, measured, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {what:<{widths[0]}}  {target:<{widths[1]}}  {measured:>{widths[2]}}  {verdict}")
    return all(ok for *_, ok in rows if ok is not None)


def main(argv: list[str] | None = None) -> int:
    if not sys.platform.startswith("linux"):
        print("bench_app: needs Linux (/proc and a pty)", file=sys.stderr)
        return 2
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=30.0, help="idle window, seconds")
    parser.add_argument("--settle", type=float, default=3.0, help="wait after first frame")
    parser.add_argument("--copies", type=int, default=1, help="demo copies (30 accounts each)")
    parser.add_argument(
        "--launches", type=int, default=5, help="launches for the first-frame median"
    )
    parser.add_argument(
        "--colorterm",
        default="truecolor",
        help='COLORTERM for the app; "" for 256 colours (e.g. over SSH, which does not forward it)',
    )
    parser.add_argument("--cols", type=int, default=120)
    parser.add_argument("--rows", type=int, default=40)
    parser.add_argument("--timeout", type=float, default=20.0, help="give up on the first frame")
    parser.add_argument("--dump", type=Path, help="write the idle window's raw output here")
    args = parser.parse_args(argv)

    figures, term = measure(args)
    if args.dump:
        args.dump.write_bytes(bytes(term.captured))
    if figures.first_frame_s is None or figures.idle_cpu_pct is None:
        report(figures, args)
        tail = plain_text(term.captured)[-2000:]
        print(f"bench_app: the app never reached its idle window; its output ended:\n{tail}")
        return 2
    return 0 if report(figures, args) else 1


if __name__ == "__main__":
    sys.exit(main())
