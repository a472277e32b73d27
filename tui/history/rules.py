"""What history keeps: the sampling rule and the retention, as plain functions of numbers.

A sample is stored when the value moved at least MOVE_POINTS, the reset changed, or
EVERY_SECONDS passed since the last stored one (per window), so a week of a 30-account app
stays small while every change shows. Raw samples are kept RAW_DAYS, then one an hour for
KEEP_DAYS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from providers.model import Balance, Window

MOVE_POINTS = 0.5
# 10.2 − 9.7 is 0.4999999999999982 in binary floating point: a half-point move by the
# service's one-decimal figures must count, so the comparison allows for that noise.
_MOVE_NOISE = 1e-9
EVERY_SECONDS = 15 * 60
# Services that say "resets in N seconds" move the reset a little with every answer: only a
# move beyond this (or a share of a long window: 50 minutes of a week) is a new reset. A
# weekly reset moved by an hour is one.
RESET_SLACK_SECONDS = 300
RESET_SLACK_SHARE = 0.005
# A balance has no points: a move of this share of its size (or of its limit) counts.
BALANCE_MOVE_SHARE = 0.005

HOUR = 3600
DAY = 86400
RAW_DAYS = 90
KEEP_DAYS = 730
PRUNE_EVERY_SECONDS = HOUR
# One prune thins at most this much raw history: a long backlog is worked off an hour at a time.
THIN_CHUNK_SECONDS = DAY


@dataclass(frozen=True)
class WindowSample:
    at: float  # Unix seconds of the answer (its fetched_at)
    used_percent: float
    resets_at: int | None
    window_seconds: int | None


@dataclass(frozen=True)
class BalanceSample:
    at: float
    amount: float
    unit: str | None
    limit: float | None = None  # not stored: only sizes the move that counts


def _seconds(value: float | None) -> int | None:
    if value is None or not math.isfinite(value):
        return None
    return int(value)


def window_sample(window: Window, at: float) -> WindowSample | None:
    """The window as a sample, or None when it has nothing to draw (unlimited, unknown)."""
    used = window.used_percent
    if window.unlimited or used is None or not math.isfinite(used):
        return None
    resets = None
    if window.resets_at is not None:
        try:
            resets = int(window.resets_at.timestamp())
        except (OverflowError, ValueError, OSError):
            resets = None
    length = window.window_seconds
    if isinstance(length, bool) or not isinstance(length, int) or length <= 0:
        length = None
    return WindowSample(at=at, used_percent=float(used), resets_at=resets, window_seconds=length)


def balance_sample(balance: Balance, at: float) -> BalanceSample | None:
    amount = balance.amount
    if balance.unlimited or amount is None or not math.isfinite(amount):
        return None
    limit = balance.limit if balance.limit is not None and math.isfinite(balance.limit) else None
    return BalanceSample(at=at, amount=float(amount), unit=balance.unit, limit=limit)


def reset_changed(before: int | None, after: int | None, length: int | None) -> bool:
    if before is None or after is None:
        return before != after
    slack = max(RESET_SLACK_SECONDS, RESET_SLACK_SHARE * (length or 0))
    return abs(after - before) > slack


def keep_window(last: WindowSample | None, new: WindowSample) -> bool:
    """Whether `new` is stored after `last` (the newest stored sample of the same window)."""
    if last is None:
        return True
    if new.at <= last.at:
        return False  # the same answer again (a cache not rewritten), or an older one
    return (
        abs(new.used_percent - last.used_percent) >= MOVE_POINTS - _MOVE_NOISE
        or reset_changed(last.resets_at, new.resets_at, new.window_seconds or last.window_seconds)
        or new.window_seconds != last.window_seconds
        or new.at - last.at >= EVERY_SECONDS
    )


def keep_balance(last: BalanceSample | None, new: BalanceSample) -> bool:
    if last is None:
        return True
    if new.at <= last.at:
        return False
    size = max(abs(last.amount), abs(new.amount), abs(new.limit or 0.0))
    moved = abs(new.amount - last.amount)
    return (
        (moved >= BALANCE_MOVE_SHARE * size if size else moved > 0)
        or new.unit != last.unit
        or new.at - last.at >= EVERY_SECONDS
    )
