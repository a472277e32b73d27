"""Pace: is a window being used faster than its clock, and will it last until it resets?

From the window alone, at the fetch time t, with length L, reset R and used % u (the time
issue's formula): elapsed e = L − (R − t); expected x = 100·e/L; delta = u − x; eta =
(100 − u) / (u / e). No pace when e < 3 % of L, R − t > L (clock skew), R ≤ t, or L or R unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime

from providers.model import AccountSnapshot, Window

# One name for the on-track stage, shared with the status line's sign (tui/pace_sign.py).
from tui.pace_sign import ON_TRACK

# (largest |delta| for the stage, name when using faster than the clock, name when slower)
_STAGES: tuple[tuple[float, str, str], ...] = (
    (2.0, ON_TRACK, ON_TRACK),
    (6.0, "slight_deficit", "slight_reserve"),
    (12.0, "deficit", "reserve"),
    (math.inf, "large_deficit", "large_reserve"),
)
# Too early in a window to tell a rate from noise.
MIN_ELAPSED_SHARE = 0.03
# --json prints used_percent to this many decimals (tui/once.py _clean).
SHOWN_PERCENT_DIGITS = 6


@dataclass(frozen=True)
class Pace:
    expected_used_percent: float
    delta_percent: float  # used − expected: above 0 is a deficit (faster than the clock)
    stage: str
    eta_seconds: float | None  # until 100 % at the average rate; None when nothing is used
    lasts_until_reset: bool
    seconds_to_reset: float

    @property
    def deficit(self) -> bool:
        return self.stage.endswith("deficit")


def stage_of(delta: float) -> str:
    for bound, faster, slower in _STAGES:
        if abs(delta) <= bound:
            return faster if delta > 0 else slower
    return _STAGES[-1][1] if delta > 0 else _STAGES[-1][2]  # NaN never gets here


def _eta(used: float, elapsed: float) -> float | None:
    """(100 − u) / (u / e); None for a share so small (a server's 1e-320) that the rate
    underflows to zero or the eta overflows: as good as nothing used, not a crash."""
    rate = used / elapsed
    if rate <= 0:
        return None
    eta = (100.0 - used) / rate
    return eta if math.isfinite(eta) else None


def window_pace(window: Window, at: datetime | None) -> Pace | None:
    """The window's pace as of `at` (its fetch time), or None when it cannot be told."""
    length = window.window_seconds
    used = window.used_percent
    if (
        at is None
        or window.resets_at is None
        or not length
        or length <= 0
        or used is None
        or window.unlimited
        or not math.isfinite(used)
    ):
        return None
    to_reset = (window.resets_at - at).total_seconds()
    if to_reset <= 0 or to_reset > length:
        return None
    elapsed = length - to_reset
    if elapsed < MIN_ELAPSED_SHARE * length:
        return None
    expected = 100.0 * elapsed / length
    delta = used - expected
    if used >= 100:
        eta: float | None = 0.0
    elif used <= 0:
        eta = None
    else:
        eta = _eta(used, elapsed)
    lasts = used <= 0 or eta is None or eta >= to_reset
    return Pace(
        expected_used_percent=expected,
        delta_percent=delta,
        stage=stage_of(delta),
        eta_seconds=eta,
        lasts_until_reset=lasts,
        seconds_to_reset=to_reset,
    )


def snapshot_pace(snapshot: AccountSnapshot, window: Window) -> Pace | None:
    return window_pace(window, snapshot.fetched_at)


def as_shown(window: Window, at: datetime | None) -> Pace | None:
    """The pace from the figures as --json prints them (times to the whole second, used % to
    6 decimals as tui/once.py rounds it), so that a reader working the formula out from the
    document gets the same numbers: a used 1e-7 % printed as 0.0 has no eta, as 0 has."""
    if at is None or window.resets_at is None:
        return None
    used = window.used_percent
    if used is not None and math.isfinite(used):
        used = round(used, SHOWN_PERCENT_DIGITS) + 0.0
    whole = replace(window, resets_at=window.resets_at.replace(microsecond=0), used_percent=used)
    return window_pace(whole, at.replace(microsecond=0))


def pace_json(pace: Pace | None) -> dict[str, object] | None:
    """The `pace` key of a window in --json (CONTRACT.md): 0.1 rounding, whole-second eta."""
    if pace is None:
        return None
    return {
        "expected_used_percent": round(pace.expected_used_percent, 1) + 0.0,
        "delta_percent": round(pace.delta_percent, 1) + 0.0,
        "stage": pace.stage,
        "eta_seconds": None if pace.eta_seconds is None else round(pace.eta_seconds),
        "lasts_until_reset": pace.lasts_until_reset,
    }
