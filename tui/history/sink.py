"""The history's sink on the answers seam (tui/answers.py): every good answer is sampled.

The database is opened at the first batch with a good answer (a run with none never
creates it). A database that cannot be written is reported once and tried again at most
every RETRY_SECONDS; it never stops the app or --once. A damaged one met while writing is
set aside and a new one started, once per run. `--demo` records only into the database its
sandbox owns (RunContext.history_path), never into the user's.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from providers.model import AccountSnapshot
from tui.history import changes
from tui.history.events import record_event
from tui.history.recorder import Recorder
from tui.history.store import (
    HistoryBusy,
    HistoryUnavailable,
    default_path,
    is_busy,
    is_damage,
    open_writer,
)

if TYPE_CHECKING:
    from tui.answers import RunContext

RETRY_SECONDS = 600.0


class HistorySink:
    def __init__(
        self,
        path: Path,
        report: Callable[[str], None],
        *,
        prepare: Callable[[Recorder, Sequence[AccountSnapshot], datetime], None] | None = None,
    ) -> None:
        self.path = path
        self._report = report
        # The demo's: fill in a week of samples before an account's first answer is stored.
        self._prepare = prepare
        self._recorder: Recorder | None = None
        self._reported = False
        self._failed_at: datetime | None = None
        self._set_aside_once = False
        self._lock = threading.Lock()

    def take(self, snapshots: Sequence[AccountSnapshot], now: datetime) -> None:
        good = [snapshot for snapshot in snapshots if snapshot.ok]
        if not good:
            return
        with self._lock:
            recorder = self._open(now)
            if recorder is None:
                return
            try:
                if self._prepare is not None:
                    self._prepare(recorder, good, now)
                recorder.record(good, now)
                recorder.prune(now)
            except sqlite3.Error as error:
                self._write_failed(error, now)
                return
        changes.bump(self.path, [snapshot.key for snapshot in good])

    def _open(self, now: datetime) -> Recorder | None:
        if self._recorder is not None:
            return self._recorder
        if self._failed_at is not None and (now - self._failed_at).total_seconds() < RETRY_SECONDS:
            return None
        try:
            connection = open_writer(self.path, now, self._notice)
        except HistoryBusy:
            return None  # another process is writing: this batch is skipped, not reported
        except HistoryUnavailable as problem:
            self._failed(str(problem), now)
            return None
        self._failed_at = None
        self._recorder = Recorder(connection)
        return self._recorder

    def _write_failed(self, error: sqlite3.Error, now: datetime) -> None:
        self._close()
        if is_busy(error):
            return  # another process holds the lock longer than we wait: skip this batch
        if is_damage(error) and not self._set_aside_once:
            # Damage found while writing: the next batch opens the file again, which sets it
            # aside and starts a new one (only once a run, should the disk keep damaging it).
            self._set_aside_once = True
            self._mark_damaged(now)
            return
        self._failed(f"history is not recorded: cannot write {self.path} ({error})", now)

    def _mark_damaged(self, now: datetime) -> None:
        from tui.history.store import set_aside

        try:
            aside = set_aside(self.path, now)
        except OSError:
            self._failed(f"history is not recorded: {self.path} is damaged", now)
            return
        self._notice(
            f"The history database {self.path} was damaged: moved it to {aside.name} and "
            "started a new one."
        )

    def _failed(self, sentence: str, now: datetime) -> None:
        self._failed_at = now
        if not self._reported:
            self._reported = True
            self._report(f"aiquota-tui: {sentence}")

    def _notice(self, text: str) -> None:
        self._report(f"aiquota-tui: {text}")

    def _close(self) -> None:
        if self._recorder is not None:
            with contextlib.suppress(sqlite3.Error):
                self._recorder.connection.close()
            self._recorder = None

    def announce(self, event: Mapping[str, Any]) -> None:
        """An event beside the answers (an automatic switch): one row in the events table."""
        kind = event.get("event")
        at = event.get("at")
        if not isinstance(kind, str) or not isinstance(at, datetime):
            return
        detail = {
            key: value.isoformat() if isinstance(value, datetime) else value
            for key, value in event.items()
            if key not in ("event", "provider", "account", "at")
        }
        provider, account = event.get("provider"), event.get("account")
        record_event(
            kind,
            provider if isinstance(provider, str) else None,
            account if isinstance(account, str) else None,
            at,
            detail,
            path=self.path,
            notice=self._notice,
        )

    def close(self, timeout: float) -> None:
        with self._lock:
            self._close()


def history_enabled(context: RunContext) -> bool:
    return context.config.history_enabled


def _reporter(context: RunContext) -> Callable[[str], None]:
    """A sentence to the app's notices, or to stderr outside the app."""
    notice = context.notice
    if notice is not None:
        return lambda text: notice(_sentence(text.removeprefix("aiquota-tui: ")), "warning")
    from tui.answers import _say

    return _say


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_history_sink(context: RunContext) -> HistorySink | None:
    """The sink for this run: the user's database, the demo's own, or none."""
    report = _reporter(context)
    if context.demo:
        if context.history_path is None:
            return None  # never the user's database
        from tui.history.demo import Backfill

        return HistorySink(context.history_path, report, prepare=Backfill())
    if not history_enabled(context):
        return None
    return HistorySink(context.history_path or default_path(), report)
