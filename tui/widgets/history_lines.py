"""History drawn as text: sparklines and block charts in the bars' colours, reset markers, day
labels. The numbers come from tui/history/chart.py; here they only get their colours.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from textual.content import Content

from providers.model import Window
from tui.history import chart
from tui.history.chart import period_of
from tui.history.query import Point
from tui.widgets.cells import level_style

RESET_MARK = "▲"
WEEK = 7 * 86400


def _style(value: float | None) -> str:
    # The bars' colours: by what is left (tui/format.level).
    return "" if value is None else level_style(100.0 - value)


def _coloured(
    characters: Sequence[str],
    values: Sequence[float | None],
    stale: bool = False,
    style: str | None = None,
) -> Content:
    """One line, neighbouring cells of one colour joined into one span; greyed like a stale
    bar when the data on screen is an old answer; in one `style` (a balance) when given."""
    parts: list[tuple[str, str]] = []
    for character, value in zip(characters, values, strict=True):
        if character == " ":
            cell_style = ""
        elif stale:
            cell_style = "$text-disabled"
        else:
            cell_style = style if style is not None else _style(value)
        if parts and parts[-1][1] == cell_style:
            parts[-1] = (parts[-1][0] + character, cell_style)
        else:
            parts.append((character, cell_style))
    return Content.assemble(*parts)


def chart_lines(
    values: Sequence[float | None],
    rows: int = 1,
    *,
    stale: bool = False,
    style: str | None = None,
) -> list[Content]:
    """The chart `rows` high, top row first; one row is a sparkline. Coloured by what is
    left, like the bars, unless one `style` is given."""
    return [_coloured(row, values, stale, style) for row in chart.cells(values, rows)]


def marker_line(resets: set[int], width: int) -> Content:
    marks = "".join(RESET_MARK if column in resets else " " for column in range(width))
    return Content.styled(marks.rstrip(), "$accent")


def axis_line(labels: Sequence[tuple[int, str]], width: int) -> Content:
    line = [" "] * width
    for column, text in labels:
        for offset, character in enumerate(text):
            if column + offset < width:
                line[column + offset] = character
    return Content.styled("".join(line).rstrip(), "$text-muted")


def _clock_text(moment: float, now: datetime) -> str:
    local = datetime.fromtimestamp(moment).astimezone()
    if abs(now.timestamp() - moment) < 20 * 3600:
        return local.strftime("%H:%M")
    return local.strftime("%a %H:%M")


def live_point(window: Window, at: datetime | None) -> Point | None:
    """The answer on screen as the newest point: the chart ends where the bar is."""
    used = window.used_percent
    if at is None or used is None or window.unlimited or not math.isfinite(used):
        return None
    resets = int(window.resets_at.timestamp()) if window.resets_at is not None else None
    return Point(int(at.timestamp()), float(used), resets, window.window_seconds)


def with_live(points: Sequence[Point], live: Point | None) -> list[Point]:
    found = list(points)
    if live is not None and (not found or live.at > found[-1].at):
        found.append(live)
    return found


def window_sparkline(
    window: Window,
    points: Sequence[Point],
    now: datetime,
    width: int,
    fetched_at: datetime | None,
    *,
    stale: bool = False,
) -> Content | None:
    """'▁▁▂▃▃▅▆  since 09:40': the window's current period so far, one column a stretch of
    the period's length / width (so the line grows to the right until the reset); over the
    last week for a window with no known period. None when history has nothing for it."""
    period = period_of(window, now)
    moment = now.timestamp()
    if period is not None:
        start, length = period
        suffix = f" since {_clock_text(start, now)}"
    else:
        start, length = moment - WEEK, float(WEEK)
        suffix = " last 7 days"
    if not any(start <= point.at <= moment for point in points):
        return None
    room = width - len(suffix)
    if room < 8:
        return None
    step = length / room
    count = max(1, min(room, math.ceil((moment - start) / step)))
    shown = with_live(points, live_point(window, fetched_at))
    values = chart.columns(shown, start, step, count)
    line = chart_lines(values, 1, stale=stale)[0]
    return Content.assemble(line, " " * (room - count), (suffix, "$text-muted"))
