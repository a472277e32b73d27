"""Running alert hooks (and notify-send): no shell, at most four at once, ten seconds each.

A hook is the user's program; whatever it does — missing, failing, hanging, printing — must not
touch aiquota-tui: its output goes nowhere (never into `--json`), a hang is killed with its
whole process group, and each kind of failure of each hook is said once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from providers.kit.secrets import scrub
from providers.kit.text import clean_text

HOOK_LIMIT = 10.0  # seconds a hook may run (CONTRACT.md)
AT_ONCE = 4
# Beyond this many waiting runs (a burst of alerts with hooks that hang), new ones are dropped.
MAX_WAITING = 256


@dataclass(frozen=True)
class Job:
    argv: tuple[str, ...]
    env: Mapping[str, str]
    stdin: bytes = b""
    what: str = "alert hook"  # how reports name it: "alert hook", "notify-send"

    @property
    def name(self) -> str:
        return clean_text(scrub(self.argv[0]), 120)


class Runner:
    def __init__(
        self,
        report: Callable[[str], None],
        *,
        limit: float = HOOK_LIMIT,
        at_once: int = AT_ONCE,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self._report = report
        self.limit = limit
        self._at_once = at_once
        self._max_waiting = max_waiting
        self._cond = threading.Condition()
        self._waiting: deque[Job] = deque()
        self._busy = 0
        self._workers = 0
        self._running: set[subprocess.Popen[bytes]] = set()
        self._stopped: set[int] = set()  # pids killed by close(): not failures of theirs
        self._closed = False
        self._reported: set[tuple[str, str]] = set()

    def _say_once(self, job: Job, kind: str, text: str) -> None:
        with self._cond:
            if (job.name, kind) in self._reported:
                return
            self._reported.add((job.name, kind))
        self._report(f"aiquota-tui: {job.what} {job.name} {text}")

    def submit(self, job: Job) -> None:
        """Queue `job`; it runs when one of the four places is free. Never blocks."""
        with self._cond:
            if self._closed:
                return
            if len(self._waiting) >= self._max_waiting:
                full = True
            else:
                full = False
                self._waiting.append(job)
                if self._workers < self._at_once:
                    self._workers += 1
                    threading.Thread(target=self._work, name="aiquota-hook", daemon=True).start()
        if full:
            self._say_once(job, "full", "not run: too many alerts waiting for their hooks")

    def _work(self) -> None:
        while True:
            with self._cond:
                if not self._waiting or self._closed:
                    self._workers -= 1
                    self._cond.notify_all()
                    return
                job = self._waiting.popleft()
                self._busy += 1
            try:
                self._run(job)
            except Exception as error:  # a bug here must not kill the worker silently
                self._say_once(job, "bug", f"could not be run ({type(error).__name__})")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _run(self, job: Job) -> None:
        try:
            process = subprocess.Popen(
                list(job.argv),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env=dict(job.env),
                close_fds=True,
                # Its own process group, so a timeout kills what it started too.
                start_new_session=os.name != "nt",
            )
        except FileNotFoundError:
            self._say_once(job, "missing", "was not found")
            return
        except PermissionError:
            self._say_once(job, "denied", "cannot be run (permission denied)")
            return
        except (OSError, ValueError) as error:
            reason = getattr(error, "strerror", None) or type(error).__name__
            self._say_once(job, "start", f"could not be started ({reason})")
            return
        with self._cond:
            self._running.add(process)
            closed = self._closed
        if closed:
            _kill(process)
        try:
            self._feed(process, job.stdin)
            try:
                code = process.wait(timeout=self.limit)
            except subprocess.TimeoutExpired:
                _kill(process)
                process.wait()
                self._say_once(job, "timeout", f"ran longer than {self.limit:g} s and was stopped")
                return
            if code != 0 and process.pid not in self._stopped:
                self._say_once(job, "failed", f"failed (exit status {code})")
        finally:
            with self._cond:
                self._running.discard(process)

    @staticmethod
    def _feed(process: subprocess.Popen[bytes], data: bytes) -> None:
        """The event on stdin; a hook that never reads it is fine (the payload fits a pipe)."""
        stdin = process.stdin
        if stdin is None:
            return
        with contextlib.suppress(OSError):  # BrokenPipeError: it exited without reading
            stdin.write(data)
        with contextlib.suppress(OSError):
            stdin.close()

    def close(self, timeout: float) -> None:
        """Wait at most `timeout` seconds in all for the runs queued and running; then stop
        the rest (running ones are killed, waiting ones dropped) and say so once."""
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            while self._waiting or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            unfinished = len(self._waiting) + self._busy
            self._waiting.clear()
            self._closed = True
            running = list(self._running)
            self._stopped.update(process.pid for process in running)
        for process in running:
            _kill(process)
        if unfinished:
            with self._cond:
                first = ("", "unfinished") not in self._reported
                self._reported.add(("", "unfinished"))
            if first:
                self._report(
                    f"aiquota-tui: {unfinished} alert hook run(s) stopped: aiquota-tui waits "
                    f"at most {timeout:g} s for its hooks"
                )


def _kill(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(OSError):
        if os.name != "nt":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()


def hook_environment(
    base: Mapping[str, str], event_env: Mapping[str, str], hidden: Sequence[str] | set[str]
) -> dict[str, str]:
    """The user's environment for a hook, without the variables aiquota-tui reads keys from
    (no secret reaches a hook) or stale AIQUOTA_* values, plus the event's variables."""
    hidden_names = set(hidden)
    env = {
        name: value
        for name, value in base.items()
        if name not in hidden_names and not name.startswith("AIQUOTA_")
    }
    env.update(event_env)
    return env
