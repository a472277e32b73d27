"""The `h` screen: every window of one account over the last 7 days (30 with `d`), from the
local history database, in the bars' colours, with resets marked; then its balances as amounts.

The database is read in a worker thread when the screen opens and when the range changes;
a resize only redraws what was read. Nothing runs while the screen is just shown.
"""

from __future__ import annotations

import asyncio
import math
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from providers.model import AccountSnapshot, Balance
from tui.format import number, percent
from tui.history import chart
from tui.history.query import AccountHistory, BalancePoint, Point, account_history
from tui.history.store import HistoryUnavailable
from tui.units import unit_suffix
from tui.widgets.history_lines import (
    RESET_MARK,
    axis_line,
    chart_lines,
    live_point,
    with_live,
)

RANGES = (7, 30)
DAY = 86400
# Windows shorter than this reset too often for a marker each: their drops show the resets.
MARKED_LENGTH = DAY
TALL_SCREEN = 36
# A balance has no "good" or "bad" level of its own: its chart is in one colour.
BALANCE_STYLE = "$primary"


def _label(snapshot: AccountSnapshot, window_id: str) -> str:
    window = snapshot.window(window_id)
    return window.label if window is not None else window_id


def window_block(
    label: str,
    points: Sequence[Point],
    start: float,
    end: float,
    width: int,
    rows: int,
    length: int | None,
) -> list[Content]:
    """A window's title line, its chart and its line of day labels and reset marks."""
    step = (end - start) / width
    values = chart.columns(points, start, step, width)
    moments = chart.resets(points, start, end)
    resets = {chart.column_of(moment, start, step) for moment in moments}
    seen = [value for value in values if value is not None]
    facts = []
    if points:
        facts.append(f"now {percent(points[-1].used_percent)} used")
    if seen:
        facts.append(f"peak {percent(max(seen))}")
    if moments:
        facts.append(f"{len(moments)} reset{'s' if len(moments) != 1 else ''}")
    title = Content.assemble(
        (label, "bold"), ("  " + " · ".join(facts) if facts else "  no samples", "$text-muted")
    )
    lines = [title, *chart_lines(values, rows)]
    labels = chart.day_labels(start, end, width)
    marked = bool(resets) and (length is None or length >= MARKED_LENGTH)
    if marked:
        # A label a reset falls on gives way whole: '28 ▲ov' reads as neither.
        labels = [
            (column, text)
            for column, text in labels
            if not any(column <= reset < column + len(text) for reset in resets)
        ]
    axis = axis_line(labels, width)
    if marked:
        axis = _with_marks(axis.plain, resets, width)
    lines.append(axis)
    return lines


def balance_block(
    label: str,
    points: Sequence[BalancePoint],
    start: float,
    end: float,
    width: int,
    rows: int,
    balance: Balance | None,
) -> list[Content]:
    """A balance's title line (now, lowest, highest), its chart of the amount and its day line."""
    limit = balance.limit if balance is not None else None
    unit = unit_suffix(label, points[-1].unit if points else None)
    scale = chart.balance_scale(points, limit)
    values = chart.balance_columns(points, start, (end - start) / width, width, scale)
    inside = [point.amount for point in points if start <= point.at <= end]
    facts = []
    if points:
        now = f"now {number(points[-1].amount)}"
        facts.append(f"{now} of {number(limit)}{unit}" if limit is not None else now + unit)
    if inside:
        facts.append(f"low {number(min(inside))}")
        facts.append(f"high {number(max(inside))}")
    title = Content.assemble(
        (label, "bold"), ("  " + " · ".join(facts) if facts else "  no samples", "$text-muted")
    )
    axis = axis_line(chart.day_labels(start, end, width), width)
    return [title, *chart_lines(values, rows, style=BALANCE_STYLE), axis]


def _live_amount(balance: Balance, at: datetime | None) -> BalancePoint | None:
    """The balance on screen as the newest point, like a window's live point."""
    amount = balance.amount
    if at is None or amount is None or balance.unlimited or not math.isfinite(amount):
        return None
    return BalancePoint(int(at.timestamp()), float(amount), balance.unit)


def _balance_blocks(
    snapshot: AccountSnapshot,
    history: AccountHistory,
    start: float,
    end: float,
    width: int,
    rows: int,
) -> list[list[Content]]:
    shown = {balance.id: balance for balance in snapshot.balances}
    ids = [balance.id for balance in snapshot.balances]
    ids += sorted(balance_id for balance_id in history.balances if balance_id not in ids)
    blocks = []
    for balance_id in ids:
        balance = shown.get(balance_id)
        points = list(history.amounts(balance_id))
        live = _live_amount(balance, snapshot.fetched_at) if balance is not None else None
        if live is not None and (not points or live.at > points[-1].at):
            points.append(live)
        if not any(start <= point.at <= end for point in points):
            continue
        label = balance.label if balance is not None else balance_id
        blocks.append(balance_block(label, points, start, end, width, rows, balance))
    return blocks


def _with_marks(axis: str, resets: set[int], width: int) -> Content:
    """The day labels with ▲ where a reset fell (no label is under a mark: see above)."""
    cells = list(axis.ljust(width))
    parts: list[tuple[str, str]] = []
    for column, character in enumerate(cells):
        mark = column in resets
        text, style = (RESET_MARK, "$accent") if mark else (character, "$text-muted")
        if parts and parts[-1][1] == style:
            parts[-1] = (parts[-1][0] + text, style)
        else:
            parts.append((text, style))
    return Content.assemble(*parts)


def history_content(
    snapshot: AccountSnapshot,
    history: AccountHistory | None,
    now: datetime,
    days: int,
    width: int,
    rows: int,
    problem: str | None = None,
) -> Content:
    width = max(20, width)
    if problem is not None:
        return Content.styled(problem, "$text-muted")
    if history is None:
        return Content.styled("Reading the history…", "$text-muted")
    end = now.timestamp()
    start = end - days * DAY
    ids = [window.id for window in snapshot.windows]
    ids += sorted(window_id for window_id in history.windows if window_id not in ids)
    blocks: list[list[Content]] = []
    for window_id in ids:
        window = snapshot.window(window_id)
        points = list(history.points(window_id))
        if window is not None:
            points = with_live(points, live_point(window, snapshot.fetched_at))
        if not any(start <= point.at <= end for point in points):
            continue
        length = window.window_seconds if window is not None else points[-1].window_seconds
        blocks.append(
            window_block(_label(snapshot, window_id), points, start, end, width, rows, length)
        )
    blocks += _balance_blocks(snapshot, history, start, end, width, rows)
    if not blocks:
        return Content.styled(
            f"No history of this account in the last {days} days yet: a sample is stored "
            "with every answer that moved (and every 15 minutes).",
            "$text-muted",
        )
    lines: list[Content] = []
    for block in blocks:
        if lines:
            lines.append(Content(""))
        lines.extend(block)
    return Content("\n").join(lines)


class HistoryScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HistoryScreen { align: center top; }
    HistoryScreen #history-box {
        width: 100%;
        height: 1fr;
        padding: 0 1;
        background: $background;
        scrollbar-size-vertical: 1;
        scrollbar-gutter: stable;
    }
    HistoryScreen #history-title { height: 1; }
    HistoryScreen #history-note { height: 1; margin-bottom: 1; }
    HistoryScreen #history-body { width: 100%; }
    """

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        # One key, two bindings: the footer names the range the key switches to.
        Binding("d", "show_days(30)", "30 days"),
        Binding("d", "show_days(7)", "7 days"),
    ]

    def __init__(
        self,
        snapshot: AccountSnapshot,
        key: str,
        provider_name: str,
        path: Path,
        clock: Callable[[], datetime],
        *,
        close_keys: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.key = key
        self.provider_name = provider_name
        self.path = path
        self.clock = clock
        self.days = RANGES[0]
        self.close_keys = {key for key in close_keys if key not in ("escape", "q")}
        self.history: AccountHistory | None = None
        self.problem: str | None = None
        self.read_at = clock()
        self.reading = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="history-box"):
            yield Static(id="history-title")
            yield Static(id="history-note")
            yield Static(id="history-body")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#history-box").focus()  # arrows and page keys scroll many windows
        self._load()

    def on_key(self, event: events.Key) -> None:
        if event.key in self.close_keys:  # the key that opened it ([keys] history) closes it
            event.stop()
            self.dismiss()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_days":
            return parameters[0] != self.days
        return True

    def action_show_days(self, days: int) -> None:
        if days in RANGES and days != self.days:
            self.days = days
            self.refresh_bindings()
            self._load()

    def _load(self) -> None:
        self.read_at = self.clock()
        self.reading = True
        self._draw()
        self.run_worker(self._read(self.days), group="history", exclusive=True, exit_on_error=False)

    async def _read(self, days: int) -> None:
        since = math.floor(self.read_at.timestamp()) - days * DAY
        try:
            found = await asyncio.to_thread(account_history, self.path, self.key, since)
            self.problem = None
        except HistoryUnavailable as problem:
            found, self.problem = None, f"The history cannot be read: {problem}."
        except (sqlite3.Error, OSError) as error:
            found, self.problem = None, f"The history cannot be read ({type(error).__name__})."
        finally:
            self.reading = False
        if days == self.days:
            self.history = found
            self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        if not self.is_mounted:
            return
        box = self.query_one("#history-box")
        width = (box.scrollable_content_region.width or self.app.size.width) - 1
        rows = 3 if self.app.size.height >= TALL_SCREEN else 2
        title = Content.assemble(
            ("History", "bold $accent"),
            (f"  {self.snapshot.account}", "bold"),
            (f" · {self.provider_name}", "$text-muted"),
        )
        as_of = self.read_at.astimezone().strftime("%H:%M")
        shows = (
            f"used %, coloured like the bars · {RESET_MARK} a reset"
            if self.snapshot.windows or not self.snapshot.balances
            else "amounts, from the lowest to the highest"
        )
        note = Content.styled(f"Last {self.days} days, as of {as_of} · {shows}", "$text-muted")
        self.query_one("#history-title", Static).update(title)
        self.query_one("#history-note", Static).update(note)
        history = self.history  # the last read stays until the next is back
        body = history_content(
            self.snapshot, history, self.read_at, self.days, width, rows, self.problem
        )
        self.query_one("#history-body", Static).update(body)
