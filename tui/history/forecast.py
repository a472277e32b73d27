"""A window's forecast from its recent rate, where the history covers enough of it.

The pace (tui/pace.py) extrapolates the average since the window began; a burst an hour ago
or a quiet night skews it. This looks at the last sixth of the window (at least half an hour:
50 minutes of a five-hour window, 28 hours of a week) and asks where that rate leads. It is
shown beside the pace, never instead of it: the JSON's pace stays the linear one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from providers.model import Window
from tui.history.chart import GAP_SECONDS, period_of
from tui.history.query import Point

LOOKBACK_SHARE = 1 / 6
MIN_LOOKBACK_SECONDS = 30 * 60
# The samples must reach this far back into the lookback, or the rate is a guess.
COVERED_SHARE = 2 / 3
# Less than this many points an hour of the lookback reads as no use at all.
IDLE_POINTS = 0.1


@dataclass(frozen=True)
class Forecast:
    lookback_seconds: float
    rate_per_hour: float  # used-% points an hour over the lookback
    runs_out_at: float | None  # Unix seconds; None when it lasts until the reset (or no use)
    resets_at: float

    @property
    def idle(self) -> bool:
        return self.rate_per_hour < IDLE_POINTS


def recent_forecast(window: Window, points: Sequence[Point], now: datetime) -> Forecast | None:
    """The forecast at the rate of the lookback before the newest point, or None: no period
    known, no history reaching far enough back into the current period, or no use left."""
    period = period_of(window, now)
    used = window.used_percent
    if period is None or window.unlimited or used is None or not math.isfinite(used):
        return None
    if used >= 100:
        return None  # used up: the bar and the pace say so
    start, length = period
    resets_at = start + length
    current = [p for p in points if start <= p.at <= now.timestamp()]
    if not current:
        return None
    newest = current[-1]  # the answer on screen, when the caller added it (with_live)
    if newest.used_percent >= 100:
        return None
    lookback = max(MIN_LOOKBACK_SECONDS, length * LOOKBACK_SHARE)
    since = newest.at - lookback
    anchor = _anchor(current, since, lookback)
    if anchor is None:
        return None
    anchor_at, anchor_used = anchor
    rate = max(0.0, newest.used_percent - anchor_used) / (newest.at - anchor_at) * 3600
    if rate < IDLE_POINTS:
        return Forecast(lookback, rate, None, resets_at)
    runs_out_at = newest.at + (100.0 - newest.used_percent) / rate * 3600
    return Forecast(lookback, rate, runs_out_at if runs_out_at < resets_at else None, resets_at)


def _anchor(current: Sequence[Point], since: float, lookback: float) -> tuple[float, float] | None:
    """(moment, used %) where the rate is measured from: the value at the lookback's start,
    between the samples either side of it (the one before at most GAP_SECONDS earlier: a
    longer gap is time nobody watched), or else the oldest sample after it when the samples
    still cover most of the lookback."""
    before = [point for point in current if point.at <= since]
    after = [point for point in current if point.at > since]
    if before and after and since - before[-1].at <= GAP_SECONDS:
        low, high = before[-1], after[0]
        share = (since - low.at) / (high.at - low.at)
        return since, low.used_percent + (high.used_percent - low.used_percent) * share
    if len(after) < 2 or current[-1].at - after[0].at < lookback * COVERED_SHARE:
        return None
    return float(after[0].at), after[0].used_percent
