"""Where an alert goes: a notice in the app, the bell, a terminal or desktop notification, and
every hook. Each way is tried on its own; a way that fails is said once and the others go on.

People get at most a few alerts of one batch one by one and a count of the rest (a first run
over fifty low accounts is one glance, not fifty toasts); hooks get every alert.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os.path import expanduser

from tui.alerts import text
from tui.alerts.events import AlertEvent
from tui.alerts.hooks import Job, Runner, hook_environment
from tui.alerts.terminal import BEL, NoTerminal, notification

APP_NAME = "aiquota-tui"
SHOWN_PER_BATCH = 3  # alerts shown one by one to a person; the rest are counted
GRAPHICAL = ("DISPLAY", "WAYLAND_DISPLAY")

Notice = Callable[[str, str], None]
TerminalWrite = Callable[[str], None]


@dataclass
class Delivery:
    report: Callable[[str], None]
    notice: Notice | None = None
    # Writes to the terminal the user sees (None: no terminal to write to).
    terminal: TerminalWrite | None = None
    bell: bool = False
    terminal_notify: bool = False
    tmux: bool = False
    # notify-send's path for desktop notifications; "" when desktop was asked for but it is
    # not there (said once, at the first alert); None when not asked for.
    notify_send: str | None = None
    hooks: tuple[tuple[str, ...], ...] = ()
    runner: Runner | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    hidden: frozenset[str] = frozenset()
    _reported: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _say_once(self, kind: str, message: str) -> None:
        with self._lock:
            if kind in self._reported:
                return
            self._reported.add(kind)
        self.report(message)

    def deliver(self, events: Sequence[AlertEvent]) -> None:
        if not events:
            return
        shown = list(events[:SHOWN_PER_BATCH])
        more = len(events) - len(shown)
        people = [
            (text.title(e), text.body(e), text.SEVERITY.get(e.event, "warning")) for e in shown
        ]
        if more:
            people.append((APP_NAME, f"and {more} more alert{'s' if more > 1 else ''}", "warning"))
        for step in (self._notices, self._terminal, self._desktop):
            try:
                step(people)
            except Exception as error:  # one way failing never stops the others
                way = step.__name__.strip("_")
                self._say_once(way, f"aiquota-tui: alert {way} stopped ({type(error).__name__})")
        try:
            self._hooks(events)
        except Exception as error:
            self._say_once("hooks", f"aiquota-tui: alert hooks stopped ({type(error).__name__})")

    def _notices(self, people: list[tuple[str, str, str]]) -> None:
        if self.notice is None:
            return
        for title, body, severity in people:
            self.notice(f"{title}: {body}", severity)

    def _terminal(self, people: list[tuple[str, str, str]]) -> None:
        if self.terminal is None or not (self.bell or self.terminal_notify):
            return
        out = BEL if self.bell else ""  # one ring for the batch
        if self.terminal_notify:
            out += "".join(notification(title, body, tmux=self.tmux) for title, body, _ in people)
        try:
            self.terminal(out)
        except NoTerminal:
            return  # cron, a service: skipped without a word
        except OSError as error:
            reason = error.strerror or type(error).__name__
            self._say_once(
                "terminal",
                f"aiquota-tui: the terminal bell and notifications are skipped: {reason}",
            )

    def _desktop(self, people: list[tuple[str, str, str]]) -> None:
        if self.notify_send is None or self.runner is None:
            return
        if not self.notify_send:
            self._say_once(
                "notify-send",
                "aiquota-tui: desktop notifications are skipped: notify-send was not found "
                '(install libnotify, or set notify = "terminal" in [alerts])',
            )
            return
        env = hook_environment(self.environ, {}, self.hidden)
        for title, body, severity in people:
            urgency = "critical" if severity == "error" else "normal"
            argv = (
                self.notify_send,
                f"--app-name={APP_NAME}",
                f"--urgency={urgency}",
                "--",
                title,
                body,
            )
            self.runner.submit(Job(argv, env, what="notify-send"))

    def _hooks(self, events: Sequence[AlertEvent]) -> None:
        if not self.hooks or self.runner is None:
            return
        for event in events:
            env = hook_environment(self.environ, event.environment(), self.hidden)
            payload = event.payload_json()
            for argv in self.hooks:
                self.runner.submit(Job(argv, env, payload))


def choose_notify(
    notify: str, environ: Mapping[str, str], which: Callable[[str], str | None] = shutil.which
) -> tuple[bool, str | None]:
    """(terminal notifications, notify-send path or "" when missing or None) for `notify`:
    "auto" is the desktop in a graphical session that has notify-send, else the terminal."""
    if notify == "off":
        return False, None
    if notify == "terminal":
        return True, None
    found = which("notify-send") or ""
    if notify == "desktop":
        return False, found
    if found and any(environ.get(name) for name in GRAPHICAL):
        return False, found
    return True, None


def expand_hook(argv: tuple[str, ...]) -> tuple[str, ...]:
    """`~/bin/hook` works as it would in a shell; nothing else is interpreted."""
    return (expanduser(argv[0]), *argv[1:])
