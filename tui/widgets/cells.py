"""Building blocks for one-line rows: fixed-width cells and text-drawn quota bars.

Bars are drawn as text rather than ProgressBar widgets: every ProgressBar runs its own
timer, and a screen of them costs CPU and bytes over SSH while nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from rich.cells import cell_len
from textual.content import Content

from providers.model import Window
from tui.format import bar_cells, level, percent
from tui.pace import Pace, window_pace
from tui.pace_text import DEFICIT, RESERVE, marker_cell, pace_kind, pace_sign

FILLED = "█"
EMPTY = "░"
THRESHOLD_TICK = "│"
MARK_STYLE = "$text"
# Where the clock says the bar should end (tui/pace_text.marker_cell).
MARKER = "┃"


def fit(text: str, width: int, *, right: bool = False) -> str:
    """Pad or cut text to exactly `width` terminal cells (cut text ends with …)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        while text and cell_len(text) > width - 1:
            text = text[:-1]
        text = text.rstrip() + "…"  # 'Fable…', never 'Fable …'
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


def level_style(remaining: float | None) -> str:
    return f"$quota-{level(remaining)}"


def bar(
    remaining: float | None,
    width: int,
    *,
    stale: bool = False,
    expected: float | None = None,
    marks: Mapping[int, str] | None = None,
) -> Content:
    """`width` cells, the filled ones what is left. With `expected` (the pace's expected used
    %), a marker in the cell where the clock says the fill should end; `marks` puts a character
    in some cells (cell index → character: alert thresholds, see threshold_marks)."""
    filled, empty = bar_cells(remaining, width)
    style = "$text-disabled" if stale else level_style(remaining)
    at = None if expected is None else marker_cell(expected, width)
    if at is None and not marks:
        return Content.assemble((FILLED * filled, style), (EMPTY * empty, "$text-disabled"))
    cells = [(FILLED, style)] * filled + [(EMPTY, "$text-disabled")] * empty
    for index, char in (marks or {}).items():
        if 0 <= index < width:
            cells[index] = (char, MARK_STYLE)
    if at is not None and 0 <= at < width:
        # On the fill the marker keeps the fill's colour behind it, so the bar reads unbroken.
        mark = "$text-muted" if stale else "bold $foreground"
        cells[at] = (MARKER, f"{mark} on {style}" if at < filled else mark)
    return Content.assemble(*_runs(cells))


def _runs(cells: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Neighbouring cells of one style as one span: fewer spans to draw."""
    runs: list[tuple[str, str]] = []
    for char, style in cells:
        if runs and runs[-1][1] == style:
            runs[-1] = (runs[-1][0] + char, style)
        else:
            runs.append((char, style))
    return runs


def threshold_marks(thresholds: Iterable[float], width: int) -> dict[int, str]:
    """A tick where each remaining threshold sits on a bar of `width` cells: the first cell
    that empties when less than that is left, so the fill reaches the tick as the alert fires."""
    marks: dict[int, str] = {}
    if width < 4:  # too short to tell a tick from the fill
        return marks
    for threshold in thresholds:
        if 0 < threshold < 100:
            marks[min(width - 1, max(1, round(threshold * width / 100)))] = THRESHOLD_TICK
    return marks


SIGN_STYLES = {DEFICIT: "bold $warning", RESERVE: "$success"}


def sign(pace: Pace | None, *, stale: bool = False) -> tuple[str, str]:
    """The overview's pace sign and its colour: ▲ deficit, ▼ reserve, · on track."""
    if pace is None or stale:
        return pace_sign(pace), "$text-disabled"
    return pace_sign(pace), SIGN_STYLES.get(pace_kind(pace), "$text-muted")


SHORT_LABELS = {
    "five_hour": "5h",
    "daily": "day",
    "weekly": "wk",
    "monthly": "mo",
    "premium_interactions": "prem",
    "ai_credits": "AI",  # Copilot's "AI credits" (2026), premium's successor
    "chat": "chat",
    "completions": "comp",
    "mcp_monthly": "mcp",
    "group:claude": "Claude",
    "group:gemini_pro": "G Pro",
    "group:gemini_flash": "Flash",
    "group:other": "Other",
}


def short_label(window: Window, width: int) -> str:
    """The window's label, or a standard abbreviation when the label will not fit: for a
    window of one model or client ('Weekly · Opus', id weekly_opus), the period's abbreviation
    and the name ('wk Opus'); 'Fable only' without its 'only'. Cut, the name is what tells two
    weekly windows apart, so it is the part kept ('Opus' where 'wk Opus' will not fit)."""
    label = window.label
    if len(label) <= width:
        return label
    if window.id in SHORT_LABELS:
        return SHORT_LABELS[window.id]
    head, dot, name = label.rpartition(" · ")
    for base, short in SHORT_LABELS.items():
        if dot and head and window.id.startswith((f"{base}_", f"{base}:")):
            # Narrower still, the name alone ('Opus'): the period is the other window's too.
            return next((t for t in (f"{short} {name}", name) if len(t) <= width), name)
    if label.endswith(" only"):
        return label.removesuffix(" only")
    return label


def cell_width(label_width: int, bar_width: int) -> int:
    """Label, bar, percent and pace sign; with no bar (a narrow pane) no bar. The sign's cell
    is kept when a window has no pace, so the columns do not move as paces come and go."""
    return label_width + 7 + (bar_width + 1 if bar_width else 0)


def window_cell(
    window: Window | None,
    bar_width: int,
    label_width: int,
    *,
    stale: bool,
    at: datetime | None = None,
) -> Content:
    """'5h ██┃███░░  85%▼ ' — label, bar of what is left with the pace's marker, percent left,
    pace sign; '5h    85%▼ ' with no bar. `at` is the answer's fetch time (for the pace)."""
    total = cell_width(label_width, bar_width)
    if window is None:
        return Content(" " * total)
    label = fit(short_label(window, label_width), label_width) + " "
    rest = total - len(label)
    if window.unlimited:
        if bar_width:
            return Content.assemble((label, "$text-muted"), fit("unlimited", rest))
        return Content.assemble((label, "$text-muted"), fit("∞", rest - 2, right=True), "  ")
    remaining = window.remaining_percent
    style = "$text-disabled" if stale else level_style(remaining)
    pace = window_pace(window, at)
    parts: list[Content | tuple[str, str] | str] = [(label, "$text-muted")]
    if bar_width:
        expected = None if pace is None else pace.expected_used_percent
        parts.append(bar(remaining, bar_width, stale=stale, expected=expected))
    parts += [
        (fit(percent(remaining), rest - bar_width - 2, right=True), style),
        sign(pace, stale=stale),
        " ",
    ]
    return Content.assemble(*parts)
