"""Building blocks for one-line rows: fixed-width cells and text-drawn quota bars.

Bars are drawn as text rather than ProgressBar widgets: every ProgressBar runs its own
timer, and a screen of them costs CPU and bytes over SSH while nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from rich.cells import cell_len
from textual.content import Content

from providers.model import Window
from tui.format import bar_cells, level, percent

FILLED = "█"
EMPTY = "░"
THRESHOLD_TICK = "│"
MARK_STYLE = "$text"


def fit(text: str, width: int, *, right: bool = False) -> str:
    """Pad or cut text to exactly `width` terminal cells (cut text ends with …)."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        while text and cell_len(text) > width - 1:
            text = text[:-1]
        text += "…"
    pad = " " * (width - cell_len(text))
    return pad + text if right else text + pad


def level_style(remaining: float | None) -> str:
    return f"$quota-{level(remaining)}"


def bar(
    remaining: float | None,
    width: int,
    *,
    stale: bool = False,
    marks: Mapping[int, str] | None = None,
) -> Content:
    """`width` cells, the filled ones what is left; `marks` puts a character in some cells
    (cell index → character: alert thresholds, see threshold_marks)."""
    filled, empty = bar_cells(remaining, width)
    style = "$text-disabled" if stale else level_style(remaining)
    if not marks:
        return Content.assemble((FILLED * filled, style), (EMPTY * empty, "$text-disabled"))
    cells = [(FILLED, style)] * filled + [(EMPTY, "$text-disabled")] * empty
    for index, char in marks.items():
        if 0 <= index < width:
            cells[index] = (char, MARK_STYLE)
    return Content.assemble(*cells)


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
    """The window's label, or a standard abbreviation when the label will not fit."""
    if len(window.label) <= width:
        return window.label
    return SHORT_LABELS.get(window.id, window.label)


def cell_width(label_width: int, bar_width: int) -> int:
    """Label, bar and percent; with no bar (a narrow pane) just the label and the percent."""
    return label_width + 6 + (bar_width + 1 if bar_width else 0)


def window_cell(window: Window | None, bar_width: int, label_width: int, *, stale: bool) -> Content:
    """'5h ██████░░  85% ' — label, bar of what is left, percent left; '5h    85% ' with no bar."""
    total = cell_width(label_width, bar_width)
    if window is None:
        return Content(" " * total)
    label = fit(short_label(window, label_width), label_width) + " "
    rest = total - len(label)
    if window.unlimited:
        if bar_width:
            return Content.assemble((label, "$text-muted"), fit("unlimited", rest))
        return Content.assemble((label, "$text-muted"), fit("∞", rest - 1, right=True), " ")
    remaining = window.remaining_percent
    style = "$text-disabled" if stale else level_style(remaining)
    parts: list[Content | tuple[str, str] | str] = [(label, "$text-muted")]
    if bar_width:
        parts.append(bar(remaining, bar_width, stale=stale))
    parts += [(fit(percent(remaining), rest - bar_width - 1, right=True), style), " "]
    return Content.assemble(*parts)
