"""The Overview tab: one row per account across every provider, sortable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message

from providers.model import Status
from tui.format import headline_windows, next_reset, status_word, until
from tui.store import Entry
from tui.widgets.difftext import DiffText
from tui.widgets.cells import cell_width, fit, window_cell

SORTS = ("provider", "remaining", "reset")
SORT_LABELS = {"provider": "provider", "remaining": "most remaining", "reset": "soonest reset"}


@dataclass(frozen=True)
class Columns:
    provider: int
    account: int
    plan: int
    label: int
    bar: int
    reset: int

    @classmethod
    def for_width(cls, width: int) -> Columns:
        if width >= 116:
            return cls(provider=11, account=20, plan=10, label=6, bar=14, reset=9)
        if width >= 96:
            return cls(provider=9, account=16, plan=8, label=3, bar=10, reset=8)
        return cls(provider=7, account=14, plan=0, label=3, bar=7, reset=8)

    def window_width(self) -> int:
        return cell_width(self.label, self.bar)


def header(columns: Columns) -> Content:
    provider = "PROVIDER" if columns.provider >= 8 else "PROV"
    parts = [fit(provider, columns.provider), " ", fit("ACCOUNT", columns.account), " "]
    if columns.plan:
        parts += [fit("PLAN", columns.plan), " "]
    parts += [
        fit("QUOTA LEFT", columns.window_width()),
        fit("", columns.window_width()),
        " ",
        fit("RESET", columns.reset),
        " ",
        "STATUS",
    ]
    return Content.styled("".join(parts), "bold $text-muted")


def status_style(entry: Entry) -> str:
    if entry.loading:
        return "$text-muted"
    status = entry.snapshot.status
    if status is Status.OK:
        return "$success"
    if status in (Status.RATE_LIMITED, Status.UNREACHABLE):
        return "$warning"
    return "$error"


def row_content(entry: Entry, now: datetime, columns: Columns, provider_name: str) -> Content:
    shown = entry.shown
    stale = entry.stale
    first, second = headline_windows(shown)
    name = f"{shown.account} ●" if shown.active else shown.account
    status = (
        "loading…"
        if entry.loading
        else status_word(entry.snapshot.status, entry.problem_since, now)
    )
    if stale and entry.snapshot.status is not Status.OK:
        status += " (stale)"
    parts: list[Content | tuple[str, str] | str] = [
        (fit(provider_name, columns.provider), "$text-muted"),
        " ",
        (fit(name, columns.account), "bold" if shown.active else ""),
        " ",
    ]
    if columns.plan:
        parts += [(fit(shown.plan or "", columns.plan), "$text-muted"), " "]
    parts += [
        window_cell(first, columns.bar, columns.label, stale=stale),
        window_cell(second, columns.bar, columns.label, stale=stale),
        " ",
        fit(until(next_reset(shown, now), now) if shown.windows else "", columns.reset),
        " ",
        (status, status_style(entry)),
    ]
    return Content.assemble(*parts)


class OverviewRow(DiffText, can_focus=False):
    """One account's line. It redraws only when its text would change."""

    class Chosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, entry: Entry, provider_name: str) -> None:
        super().__init__(classes="overview-row")
        self.entry = entry
        self.provider_name = provider_name

    def redraw(self, now: datetime, columns: Columns) -> None:
        self.show(row_content(self.entry, now, columns, self.provider_name))

    def on_click(self) -> None:
        self.post_message(self.Chosen(self.entry.key))


class OverviewPane(Vertical):
    """Sort line, column header and the rows."""

    def __init__(self, provider_names: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.provider_names = provider_names
        self.rows: list[OverviewRow] = []
        self.selected = 0
        # Until the user moves, the selection stays on the top row as rows re-sort.
        self.user_moved = False
        self.sort = "provider"
        self.columns = Columns.for_width(120)

    def compose(self) -> ComposeResult:
        yield DiffText(id="overview-sort")
        yield DiffText(id="overview-header")
        yield VerticalScroll(id="overview-rows", can_focus=False)

    def on_resize(self) -> None:
        columns = Columns.for_width(self.size.width)
        if columns != self.columns:
            self.columns = columns
            self.query_one("#overview-header", DiffText).show(header(columns))
            for row in self.rows:
                row.redraw(self.app.now(), columns)  # type: ignore[attr-defined]

    def set_order(self, entries: list[Entry], now: datetime) -> None:
        """Show entries in this order. Rows are reused, so a re-sort costs no remounting."""
        if len(entries) != len(self.rows):
            self.set_rows(entries, now)
            return
        selected_key = self.selected_key()
        for row, entry in zip(self.rows, entries, strict=True):
            row.entry = entry
            row.provider_name = self.provider_names.get(entry.provider.id, entry.provider.id)
        keys = [entry.key for entry in entries]
        if self.user_moved and selected_key in keys:
            self.selected = keys.index(selected_key)
        self.redraw(now)
        self._mark_selected()

    def set_rows(self, entries: list[Entry], now: datetime) -> None:
        """Rebuild the rows (the set of accounts or their order changed)."""
        container = self.query_one("#overview-rows", VerticalScroll)
        selected_key = self.selected_key()
        self.rows = [
            OverviewRow(e, self.provider_names.get(e.provider.id, e.provider.id)) for e in entries
        ]
        container.remove_children()
        container.mount_all(self.rows)
        keys = [row.entry.key for row in self.rows]
        if self.user_moved and selected_key in keys:
            self.selected = keys.index(selected_key)
        self.selected = min(self.selected, max(0, len(self.rows) - 1))
        self.query_one("#overview-header", DiffText).show(header(self.columns))
        self.redraw(now)
        self._mark_selected()

    def redraw(self, now: datetime) -> None:
        sort_line = f"{len(self.rows)} accounts · sorted by {SORT_LABELS[self.sort]} (s to change)"
        self.query_one("#overview-sort", DiffText).show(Content.styled(sort_line, "$text-muted"))
        for row in self.rows:
            row.redraw(now, self.columns)

    def selected_key(self) -> str | None:
        if 0 <= self.selected < len(self.rows):
            return self.rows[self.selected].entry.key
        return None

    def move(self, delta: int) -> None:
        if not self.rows:
            return
        self.user_moved = True
        self.selected = max(0, min(len(self.rows) - 1, self.selected + delta))
        self._mark_selected()

    def select_key(self, key: str) -> None:
        for index, row in enumerate(self.rows):
            if row.entry.key == key:
                self.user_moved = True
                self.selected = index
                self._mark_selected()
                return

    def _mark_selected(self) -> None:
        for index, row in enumerate(self.rows):
            row.set_class(index == self.selected, "-selected")
        if self.rows:
            self.rows[self.selected].scroll_visible(animate=False)
