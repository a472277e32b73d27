"""What happens to answers after they arrive, the same for the app, --once, check and serve.

The app, `--once` and `serve` hand every batch of fresh snapshots to one `Answers`; each sink
(the history database, alerts, the status-line cache) takes what it needs. A sink that fails
is reported once and never stops the others or the caller: a full disk must not stop the app.
`--demo` builds no sink that writes a file of the user's.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

import platformdirs

from providers.kit.secrets import scrub
from providers.kit.text import clean_text
from providers.model import AccountSnapshot
from tui.config import APP_NAME, Config

Mode = Literal["app", "once", "check", "serve"]


def state_dir() -> Path:
    """The history database and alert state (platformdirs' user_state_dir)."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def cache_dir() -> Path:
    """The status line's cache (platformdirs' user_cache_dir)."""
    return Path(platformdirs.user_cache_dir(APP_NAME))


@dataclass(frozen=True)
class RunContext:
    """What a sink may need to know about the run that produced the answers."""

    config: Config
    mode: Mode
    demo: bool = False
    # --no-alerts: deliver nothing this run, but keep the alert state current.
    deliver_alerts: bool = True
    refresh_interval: float | None = None
    # Where the app shows a notice; None outside the app.
    notice: Callable[[str, str], None] | None = None
    # The app's own way to write to its terminal (the bell, terminal notifications), so no
    # escape lands inside one of Textual's; None outside the app (they go to /dev/tty).
    terminal: Callable[[str], None] | None = None
    # The history database to use instead of the user's: the demo's own (None: the user's,
    # except in the demo, which then records nothing).
    history_path: Path | None = None


class AnswerSink(Protocol):
    def take(self, snapshots: Sequence[AccountSnapshot], now: datetime) -> None:
        """Called with the snapshots of the accounts just fetched (ok or not)."""

    def close(self, timeout: float) -> None:
        """Finish pending work (hooks) within `timeout` seconds."""


SinkBuilder = Callable[[RunContext], "AnswerSink | None"]

# Each feature names its builder here ("module:function"); a builder returns None when it has
# nothing to do. Named, not imported: this module stays light, and a sink's module may import it.
SINK_BUILDERS: list[str] = [
    "tui.history.sink:build_history_sink",
    "tui.cache.sink:build_cache_sink",
    "tui.alerts.sink:build_alert_sink",
]


def _say(message: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        print(clean_text(scrub(message), 500), file=sys.stderr)


@dataclass
class Answers:
    sinks: list[AnswerSink] = field(default_factory=list)
    report: Callable[[str], None] = _say
    _failed: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _guarded(self, sink: AnswerSink, call: Callable[[], None]) -> None:
        try:
            call()
        except Exception as error:  # a sink's bug or a full disk: report once, go on
            if id(sink) not in self._failed:
                self._failed.add(id(sink))
                name = type(sink).__name__
                self.report(f"aiquota-tui: {name} stopped working ({type(error).__name__})")

    def take(self, snapshots: Sequence[AccountSnapshot], now: datetime) -> None:
        if not snapshots:
            return
        with self._lock:  # one batch at a time: sinks keep state between batches
            for sink in self.sinks:
                self._guarded(sink, lambda sink=sink: sink.take(snapshots, now))

    def announce(self, event: Mapping[str, object]) -> None:
        """An event that is no answer (an automatic switch), for the sinks that take events
        (alerts deliver it, history records it)."""
        with self._lock:
            for sink in self.sinks:
                announce = getattr(sink, "announce", None)
                if announce is not None:
                    self._guarded(sink, lambda announce=announce: announce(event))

    def close(self, timeout: float = 10.0) -> None:
        with self._lock:
            for sink in self.sinks:
                self._guarded(sink, lambda sink=sink: sink.close(timeout))


def build_answers(context: RunContext, report: Callable[[str], None] = _say) -> Answers:
    sinks: list[AnswerSink] = []
    answers = Answers(sinks=sinks, report=report)
    for name in SINK_BUILDERS:
        module_name, _, function = name.partition(":")
        try:
            builder: SinkBuilder = getattr(importlib.import_module(module_name), function)
            sink = builder(context)
        except Exception as error:  # a broken state folder must not stop the run
            report(f"aiquota-tui: {module_name} not started ({type(error).__name__})")
            continue
        if sink is not None:
            sinks.append(sink)
    return answers
