"""History as columns of a chart: which value each column shows, where resets fall, where the
day labels go, and which block character each cell is. Plain functions of numbers: the widgets
colour the result (tui/widgets/history_lines.py).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from datetime import datetime, time, timedelta

from providers.model import Window
from tui.history.query import BalancePoint, Point

BLOCKS = "▁▂▃▄▅▆▇█"
# A column with no sample of its own shows the last value for this long at most: the
# 15-minute rule stores a sample at least that often while anything runs, so a longer gap
# means nothing was watching, and the chart shows it blank rather than guess.
GAP_SECONDS = 90 * 60
# A drop this large with no reset time known is taken for a reset.
RESET_DROP_POINTS = 10.0


def period_of(window: Window, now: datetime) -> tuple[float, float] | None:
    """(start, length) of the window's current period, when its reset and length are known
    and the reset is still ahead within one length."""
    length = window.window_seconds
    if window.resets_at is None or not length or length <= 0:
        return None
    try:
        resets = window.resets_at.timestamp()
    except (OverflowError, ValueError, OSError):
        return None
    moment = now.timestamp()
    if not 0 < resets - moment <= length:
        return None
    return resets - length, float(length)


def columns(points: Sequence[Point], start: float, step: float, count: int) -> list[float | None]:
    """Per column [start + i·step, start + (i+1)·step) the highest used % sampled in it. A
    column without a sample carries the last value on (0 once that sample's reset has
    passed), for GAP_SECONDS at most; None where nothing is known. `points` oldest first."""
    values: list[float | None] = [None] * max(0, count)
    index = 0
    last: Point | None = None
    for column in range(len(values)):
        low = start + column * step
        high = low + step
        best: float | None = None
        while index < len(points) and points[index].at < high:
            point = points[index]
            if point.at >= low:
                best = point.used_percent if best is None else max(best, point.used_percent)
            last = point
            index += 1
        if best is not None:
            values[column] = best
        elif last is not None and low - last.at <= GAP_SECONDS:
            passed = last.resets_at is not None and low >= last.resets_at
            values[column] = 0.0 if passed else last.used_percent
    return values


def balance_scale(points: Sequence[BalancePoint], limit: float | None) -> tuple[float, float]:
    """The amounts a balance chart spans. With a limit: 0 to the limit (or more, if it went
    over), the way a bar fills. Without one, the lowest to the highest amount seen, the lowest
    a sliver above the floor, so a balance spent a little a day still shows its slope (the
    title says the lowest and highest in numbers)."""
    amounts = [point.amount for point in points]
    if limit is not None and math.isfinite(limit) and limit > 0:
        return min([0.0, *amounts]), max([limit, *amounts])
    if not amounts:
        return 0.0, 1.0
    low, high = min(amounts), max(amounts)
    spread = high - low
    if spread <= 0:
        return min(0.0, low), max(high, 0.0) or 1.0
    return low - spread / 8, high


def balance_columns(
    points: Sequence[BalancePoint],
    start: float,
    step: float,
    count: int,
    scale: tuple[float, float],
) -> list[float | None]:
    """columns() for a balance: each column's highest amount as a share (0–100) of the scale."""
    low, high = scale
    as_points = [
        Point(point.at, (point.amount - low) / (high - low) * 100.0, None, None) for point in points
    ]
    return columns(as_points, start, step, count)


def resets(points: Sequence[Point], start: float, end: float) -> list[float]:
    """When the window reset between start and end: a sample's reset time that passed before
    the next sample, or (no reset time known) the moment the value dropped by
    RESET_DROP_POINTS or more."""
    found: list[float] = []
    for before, after in itertools.pairwise(points):
        moment: float | None = None
        if before.resets_at is not None:
            if after.at >= before.resets_at:
                moment = before.resets_at
        elif after.used_percent <= before.used_percent - RESET_DROP_POINTS:
            moment = after.at
        if moment is not None and start <= moment < end:
            found.append(moment)
    return found


def column_of(moment: float, start: float, step: float) -> int:
    return int((moment - start) // step)


def cells(values: Sequence[float | None], rows: int = 1) -> list[list[str]]:
    """The block characters of a chart `rows` high, top row first: each column is filled to its
    share of 100 % in eighths of a row; anything known shows at least a sliver."""
    rows = max(1, rows)
    eighths_in_all = 8 * rows
    grid = [[" "] * len(values) for _ in range(rows)]
    for column, value in enumerate(values):
        if value is None or not math.isfinite(value):
            continue
        filled = round(max(0.0, min(100.0, value)) / 100 * eighths_in_all)
        filled = max(1, filled)
        for row in range(rows):  # row 0 is the bottom here
            part = max(0, min(8, filled - 8 * row))
            if part:
                grid[rows - 1 - row][column] = BLOCKS[part - 1]
    return grid


def day_labels(start: float, end: float, width: int) -> list[tuple[int, str]]:
    """(column, label) at local midnights between start and end, as many as fit with a space
    between: weekdays over a week or so, dates over longer ranges."""
    if width <= 0 or end <= start:
        return []
    step = (end - start) / width
    long_range = end - start > 9 * 86400
    try:
        day = datetime.fromtimestamp(start).date() + timedelta(days=1)  # local dates
    except (OverflowError, ValueError, OSError):
        return []
    labels: list[tuple[int, str]] = []
    free_from = 0
    while True:
        # A local midnight by the calendar, so a daylight-saving change keeps labels on it.
        midnight = datetime.combine(day, time()).astimezone()
        moment = midnight.timestamp()
        if moment >= end:
            break
        column = int((moment - start) // step)
        text = midnight.strftime("%d %b" if long_range else "%a")
        if column >= free_from and column + len(text) <= width:
            labels.append((column, text))
            free_from = column + len(text) + 2
        day += timedelta(days=1)
    return labels
