"""The history the detail view draws: read in a worker thread, kept until it changes.

Nothing here runs on its own: the detail asks when it redraws (which the app's 1 Hz clock
and new answers make it do anyway). An account's history is read again only when this
process wrote to it since (tui/history/changes) or a longer stretch is asked for; the read
runs off the event loop, and the view redraws when it is back. Until then the view draws
what it has, or no sparkline: a slow disk never holds a key press.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.content import Content

from providers.model import AccountSnapshot, Window
from tui.history import changes
from tui.history.chart import period_of
from tui.history.forecast import Forecast, recent_forecast
from tui.history.query import AccountHistory, account_history
from tui.history.store import HistoryUnavailable
from tui.widgets.history_lines import WEEK, live_point, window_sparkline, with_live

# Accounts whose history is kept in memory at once (paging through 1,000 accounts must not
# hold a week of each).
KEEP_ACCOUNTS = 32
KEEP_LINES = 512


class HistoryFeed:
    def __init__(
        self,
        path: Path | None,
        run: Callable[[Any], object],
        on_read: Callable[[str], None],
    ) -> None:
        """`run` starts a coroutine as a worker (App.run_worker); `on_read(key)` is called on
        the event loop when an account's history has been read."""
        self.path = path
        self._run = run
        self._on_read = on_read
        self._data: OrderedDict[str, tuple[int, AccountHistory]] = OrderedDict()
        self._reading: set[str] = set()
        self._lines: dict[tuple, Content | None] = {}
        self._forecasts: dict[tuple, Forecast | None] = {}

    @property
    def busy(self) -> bool:
        """A read is under way (tests wait for it; nothing else needs to)."""
        return bool(self._reading)

    def history(self, key: str, since: int) -> AccountHistory | None:
        """What is known of the account since `since`, reading it again when it is stale."""
        if self.path is None:
            return None
        stamp = changes.stamp(self.path, key)
        cached = self._data.get(key)
        fresh = cached is not None and cached[0] == stamp and cached[1].since <= since
        if cached is not None:
            self._data.move_to_end(key)
        if not fresh and key not in self._reading:
            self._reading.add(key)
            self._run(self._read(key, since, stamp))
        return cached[1] if cached is not None else None

    async def _read(self, key: str, since: int, stamp: int) -> None:
        assert self.path is not None
        try:
            found = await asyncio.to_thread(account_history, self.path, key, since)
        except (HistoryUnavailable, sqlite3.Error, OSError):
            found = AccountHistory(since=since)  # the writer sets a bad file aside
        finally:
            self._reading.discard(key)
        self._data[key] = (stamp, found)
        self._data.move_to_end(key)
        while len(self._data) > KEEP_ACCOUNTS:
            self._data.popitem(last=False)
        with contextlib.suppress(Exception):  # the app may be closing
            self._on_read(key)

    def since_for(self, snapshot: AccountSnapshot, now: datetime) -> int:
        """The earliest start of the account's current periods (a week for windows with none)."""
        starts = [now.timestamp() - WEEK]
        for window in snapshot.windows:
            period = period_of(window, now)
            if period is not None:
                starts.append(period[0])
        return math.floor(min(starts))

    def sparkline(
        self,
        key: str,
        snapshot: AccountSnapshot,
        window: Window,
        now: datetime,
        width: int,
        *,
        stale: bool = False,
    ) -> Content | None:
        """The window's sparkline for the detail view, or None (no history, or not read yet)."""
        history = self.history(key, self.since_for(snapshot, now))
        if history is None:
            return None
        points = history.points(window.id)
        period = period_of(window, now)
        # The line changes when a new column starts, not every second: cache by column.
        start = period[0] if period else 0.0
        column = int((now.timestamp() - start) // 60)
        cache_key = (
            key, window.id, width, id(history), snapshot.fetched_at, window.used_percent,
            window.resets_at, column, stale,
        )  # fmt: skip
        if cache_key not in self._lines:
            if len(self._lines) > KEEP_LINES:
                self._lines.clear()
            self._lines[cache_key] = window_sparkline(
                window, points, now, width, snapshot.fetched_at, stale=stale
            )
        return self._lines[cache_key]

    def forecast(
        self, key: str, snapshot: AccountSnapshot, window: Window, now: datetime
    ) -> Forecast | None:
        """The window's forecast from its recent rate (tui/history/forecast.py), from the
        history already read; None until it is, or where it covers too little."""
        history = self.history(key, self.since_for(snapshot, now))
        if history is None:
            return None
        # The detail redraws every second; the forecast only changes with the data, and
        # with the minute (samples come no faster): worked out once for each.
        cache_key = (
            "forecast", key, window.id, id(history), snapshot.fetched_at, window.used_percent,
            window.resets_at, int(now.timestamp() // 60),
        )  # fmt: skip
        if cache_key not in self._forecasts:
            if len(self._forecasts) > KEEP_LINES:
                self._forecasts.clear()
            points = with_live(history.points(window.id), live_point(window, snapshot.fetched_at))
            self._forecasts[cache_key] = recent_forecast(window, points, now)
        return self._forecasts[cache_key]
