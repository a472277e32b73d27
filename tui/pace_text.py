"""How a window's pace (tui/pace.py) is shown: where the bar's marker goes, the overview's sign,
the detail's words, and which accounts earn the overview's "runs out before reset" warning.

No Textual here (like tui/format.py), so every rule is a plain function to test.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from providers.base import Provider
from providers.model import AccountSnapshot, Window
from tui.format import countdown, fitting, headline_windows, percent
from tui.history.forecast import Forecast
from tui.pace import ON_TRACK, Pace, window_pace

# The overview's sign after a window's % left: using faster than the clock, slower, on track.
DEFICIT, RESERVE = "deficit", "reserve"
SIGNS = {DEFICIT: "▲", RESERVE: "▼", ON_TRACK: "·"}

# The overview's warning after the status word, longest first: the word itself is never cut.
EARLY_FORMS = (" · runs out before reset", " · runs out early", " · runs out")

# Windows long enough that running out early costs days, not hours (the time issue).
LONG_IDS = ("weekly", "monthly")
LONG_SUFFIXES = (":weekly", ":monthly")
LONG_SECONDS = 6 * 86400


def pace_kind(pace: Pace) -> str:
    """deficit, reserve or on_track: the stage without its degree."""
    if pace.stage == ON_TRACK:
        return ON_TRACK
    return DEFICIT if pace.deficit else RESERVE


def pace_sign(pace: Pace | None) -> str:
    """'▲', '▼', '·', or a space when the window has no pace (its cell keeps its place)."""
    return " " if pace is None else SIGNS[pace_kind(pace)]


def marker_cell(expected_used: float, width: int) -> int | None:
    """The cell of a `width`-cell bar where the clock says the bar should end, or None for a
    bar too short to tell. The app's bars show what is LEFT, filled from the left, so the
    expected end is at (100 − expected used) % of the width: a fill reaching past the marker
    is a reserve, one stopping short of it a deficit."""
    if width < 2:
        return None
    expected_left = 100.0 - max(0.0, min(100.0, expected_used))
    return min(width - 1, int(expected_left / 100.0 * width))


def pace_words(
    pace: Pace | None,
    fetched_at: datetime | None,
    resets_at: datetime | None,
    now: datetime,
    width: int | None = None,
) -> str | None:
    """'12% in deficit · runs out in 2h 30m (resets in 5h 10m)', 'on track · lasts until
    reset', '8% in reserve · lasts until reset'; None without a pace, or once the window it
    was told for has reset. The pace is the fetch's, but the countdowns run on `now`: the
    running-out moment is the fetch time plus the eta. Within `width`, the reset (which the
    window's title shows too) gives way first."""
    if pace is None or fetched_at is None or resets_at is None or resets_at <= now:
        return None
    kind = pace_kind(pace)
    head = "on track" if kind == ON_TRACK else f"{percent(abs(pace.delta_percent))} in {kind}"
    if pace.lasts_until_reset or pace.eta_seconds is None:
        return f"{head} · lasts until reset"
    if pace.eta_seconds <= 0:
        runs = "used up"
    else:
        left = (fetched_at + timedelta(seconds=pace.eta_seconds) - now).total_seconds()
        runs = f"runs out in {countdown(left)}" if left > 0 else "runs out now"
    resets = f"(resets in {countdown((resets_at - now).total_seconds())})"
    return fitting((f"{head} · {runs} {resets}", f"{head} · {runs}"), width)


def _span(seconds: float) -> str:
    """A lookback's length in one unit: '50m', '28h', '5d'."""
    if seconds < 90 * 60:
        return f"{round(seconds / 60)}m"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)}h"
    return f"{round(seconds / 86400)}d"


def forecast_words(
    forecast: Forecast | None, now: datetime, width: int | None = None
) -> str | None:
    """'at the last 50m's rate: runs out in 1h 05m', '… lasts until reset', 'no use in the
    last 50m'; None without a forecast or once the window it was told for has reset."""
    if forecast is None or forecast.resets_at <= now.timestamp():
        return None
    span = _span(forecast.lookback_seconds)
    if forecast.idle:
        return fitting((f"no use in the last {span}", f"no use in {span}"), width)
    if forecast.runs_out_at is None:
        verdict = "lasts until reset"
    else:
        left = forecast.runs_out_at - now.timestamp()
        verdict = f"runs out in {countdown(left)}" if left > 0 else "runs out now"
    return fitting((f"at the last {span}'s rate: {verdict}", f"last {span}: {verdict}"), width)


def long_window(window: Window) -> bool:
    """A weekly or monthly window: by id (namespaced ones too) or by a length of 6 days or more."""
    return (
        window.id in LONG_IDS
        or window.id.endswith(LONG_SUFFIXES)
        or (window.window_seconds or 0) >= LONG_SECONDS
    )


def runs_out_early(snapshot: AccountSnapshot, provider: Provider | None = None) -> bool:
    """Will a weekly or monthly window of this answered account run out before it resets?

    Only the two windows the overview shows count, as for "exhausted" (tui/format.py): a
    per-model extra (Claude's Opus week) running short leaves the account usable, and a
    warning beside two calm bars and signs would point at nothing on the row."""
    if not snapshot.ok:
        return False
    for window in headline_windows(snapshot, provider):
        if window is None or not long_window(window):
            continue
        pace = window_pace(window, snapshot.fetched_at)
        if pace is not None and not pace.lasts_until_reset:
            return True
    return False
