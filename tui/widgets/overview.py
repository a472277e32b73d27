"""The Overview tab: one row per account across every provider, sortable."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message

from providers.kit.words import plural
from providers.model import Balance, Status, Window
from tui.format import (
    AGELESS,
    STATUS_WORDS,
    exhausted_text,
    exhausted_windows,
    fitting,
    headline_windows,
    next_reset,
    number,
    status_word,
    until,
)
from tui.pace_text import EARLY_FORMS, runs_out_early
from tui.store.store import Entry
from tui.units import unit_suffix
from tui.widgets.cells import cell_width, fit, window_cell
from tui.widgets.difftext import DiffText
from tui.widgets.lines import LineColumn

SORTS = ("provider", "remaining", "reset")
SORT_LABELS = {"provider": "provider", "remaining": "most remaining", "reset": "soonest reset"}


@dataclass(frozen=True)
class Needs:
    """How wide the text columns would like to be, from the rows shown (no width is wasted)."""

    provider: int = 11
    account: int = 20
    plan: int = 10
    label: int = 7  # the widest label of a window shown
    status: int = 12  # the widest status word ("rate-limited"): never cut
    status_full: int = 12  # the widest whole status ("offline 3m (stale)")

    @classmethod
    def of(cls, needs: list[Needs]) -> Needs:
        if not needs:
            return cls()
        return cls(
            provider=max(n.provider for n in needs),
            account=max(n.account for n in needs),
            plan=max(n.plan for n in needs),
            label=max(n.label for n in needs),
            status=max(n.status for n in needs),
            status_full=max(n.status_full for n in needs),
        )


# The widest any column grows: past these, extra width goes to the bars and the status.
MAX_PROVIDER, MAX_ACCOUNT, MAX_PLAN, MAX_LABEL, MAX_STATUS = 12, 32, 16, 12, 26
MAX_BAR = 24


@dataclass(frozen=True)
class Columns:
    provider: int
    account: int
    plan: int
    label: int
    bar: int
    reset: int
    status: int = 12

    @classmethod
    def for_width(cls, width: int, needs: Needs | None = None) -> Columns:
        """Columns for a pane `width` cells wide, grown stage by stage in order of importance.

        Read backwards, the stages are what a narrower pane gives up first: the bars' length
        past 4 cells; names, plan and status past a comfortable width; longer labels; then the
        bars altogether (the % left stays); then the plan; then the names' length (cut with …).
        The status word is never given up: whatever is left over widens the status column.
        """
        needs = needs or Needs()
        provider = min(needs.provider, MAX_PROVIDER)
        account = min(needs.account, MAX_ACCOUNT)
        plan = min(max(needs.plan, len("PLAN")), MAX_PLAN) if needs.plan else 0
        label = max(4, min(needs.label, MAX_LABEL))
        status = min(needs.status_full, MAX_STATUS)
        # (column, width to grow to, the least width it is shown at once it appears)
        stages = [
            [("provider", min(provider, 7), 0), ("account", min(account, 8), 0)],
            [("account", min(account, 20), 0), ("provider", min(provider, 8), 0)],
            [("plan", min(plan, 10), min(plan, 6))],
            [("bar", 4, 3)],
            [("label", min(label, 7), 0), ("reset", 9, 0), ("status", min(status, 18), 0)],
            [("provider", provider, 0), ("account", account, 0), ("plan", plan, min(plan, 6))],
            [("status", status, 0), ("label", label, 0), ("reset", 10, 0)],
            [("bar", MAX_BAR, 3)],
        ]
        usable = width - 1  # the scrollbar's reserved column
        sizes = {
            "provider": min(provider, 4),
            "account": min(account, 6),
            "plan": 0,
            "label": 4,
            "bar": 0,
            "reset": 7,
            "status": needs.status,
        }
        for stage in stages:
            for name, target, least in stage:
                while sizes[name] < target:
                    trial = {**sizes, name: max(sizes[name] + 1, least)}
                    if cls(**trial).width() > usable:
                        break
                    sizes = trial
        columns = cls(**sizes)
        return replace(columns, status=max(columns.status, usable - columns.row_width()))

    def width(self) -> int:
        return self.row_width() + self.status

    def row_width(self) -> int:
        """Everything but the status: provider, account, plan, two windows, reset."""
        plan = self.plan + 1 if self.plan else 0
        return (
            self.provider
            + 1
            + self.account
            + 1
            + plan
            + 2 * self.window_width()
            + 1
            + self.reset
            + 1
        )

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


# Exhausted is the most alarming state, so it takes the theme's strongest colour: every
# bundled theme (and the derived quota colours in tui/themes.py) mutes $quota-exhausted
# towards the background, which would make a used-up account the calmest row on screen.
EXHAUSTED_STYLE = "bold $error"


def status_style(entry: Entry, exhausted: Sequence[Window] | None = None) -> str:
    """The status's colour; `exhausted` is the row's cached exhausted_windows, when known."""
    if entry.loading:
        return "$text-muted"
    status = entry.snapshot.status
    if status is Status.OK:
        if exhausted is None:
            exhausted = exhausted_windows(entry.snapshot, entry.provider)
        return EXHAUSTED_STYLE if exhausted else "$success"
    if status in (Status.RATE_LIMITED, Status.UNREACHABLE):
        return "$warning"
    return "$error"


def row_main(entry: Entry, columns: Columns, provider_name: str) -> Content:
    """Provider, account, plan and the two windows: changes only when an answer arrives."""
    shown = entry.shown
    stale = entry.stale
    first, second = headline_windows(shown, entry.provider)
    # A long name is cut before the active marker, so the marker always shows.
    name = (
        f"{fit(shown.account, columns.account - 2).rstrip()} ●" if shown.active else shown.account
    )
    parts: list[Content | tuple[str, str] | str] = [
        (fit(provider_name, columns.provider), "$text-muted"),
        " ",
        (fit(name, columns.account), "bold" if shown.active else ""),
        " ",
    ]
    if columns.plan:
        parts += [(fit(shown.plan or "", columns.plan), "$text-muted"), " "]
    if first is None and shown.balances:
        # Balance-only accounts (DeepSeek, Moonshot, pay-as-you-go): the balances instead.
        text = " · ".join(balance_text(balance) for balance in shown.balances[:2])
        parts += [(fit(text, 2 * columns.window_width()), "$text-disabled" if stale else ""), " "]
        return Content.assemble(*parts)
    parts += [
        window_cell(first, columns.bar, columns.label, stale=stale, at=shown.fetched_at),
        window_cell(second, columns.bar, columns.label, stale=stale, at=shown.fetched_at),
        " ",
    ]
    return Content.assemble(*parts)


def balance_text(balance: Balance) -> str:
    """'USD balance 129.47 USD' → 'USD balance 129.47 USD' (label, amount, unit)."""
    if balance.unlimited:
        return f"{balance.label} unlimited"
    unit = unit_suffix(balance.label, balance.unit)
    return f"{balance.label} {number(balance.amount)}{unit}"


def row_reset(reset: datetime | None, now: datetime, columns: Columns) -> Content:
    return Content(fit(until(reset, now) if reset else "", columns.reset) + " ")


def status_text(
    entry: Entry,
    now: datetime,
    width: int | None = None,
    exhausted: Sequence[Window] | None = None,
    early: bool | None = None,
) -> str:
    """The longest form of the status that fits `width`: 'offline 3m (stale)', 'offline 3m',
    'offline'; 'ok · runs out before reset' … 'ok · runs out' when a weekly or monthly window
    will run out early (`early`: the row's cached runs_out_early; the columns make room for
    its shortest form). The word itself is always kept; only what follows it gives way."""
    if entry.loading:
        return "loading…"
    snapshot = entry.snapshot
    text = exhausted_text(snapshot, now, width, entry.provider, windows=exhausted)
    if text is not None:
        return text
    word = status_word(snapshot.status, entry.problem_since, now)
    forms: tuple[str, ...] = (f"{word} (stale)", word) if entry.stale else (word,)
    if early is None:
        early = runs_out_early(snapshot, entry.provider)
    if early:
        forms = (*(word + form for form in EARLY_FORMS), word)
    return fitting((*forms, STATUS_WORDS[snapshot.status]), width)


def row_status(
    entry: Entry,
    now: datetime,
    width: int | None = None,
    exhausted: Sequence[Window] | None = None,
    early: bool | None = None,
) -> Content:
    text = status_text(entry, now, width, exhausted, early)
    content = Content.styled(text, status_style(entry, exhausted))
    warning = text.find(EARLY_FORMS[-1])
    if warning > 0:  # the warning in the warning colour, the word in the status's own
        content = content.stylize("$warning", warning)
    return content


def row_needs(
    entry: Entry, provider_name: str, exhausted: Sequence[Window], early: bool = False
) -> Needs:
    """The widths this row's text would like; the status's longest form is reckoned with the
    widest age and countdown, so the layout does not move as they tick."""
    shown = entry.shown
    if entry.loading:
        word = full = "loading…"
    elif exhausted:
        word, full = "exhausted", "exhausted · resets 23h 59m"
    else:
        word = STATUS_WORDS[entry.snapshot.status]
        full = word if entry.snapshot.status in AGELESS else f"{word} 59m"
        if entry.stale:
            full += " (stale)"
        if early:
            # Its shortest form is as needed as the word: a pane too narrow for it would hide
            # the one thing a calm-looking row has to say. The longer forms only take the
            # width left over, not the bars' (the status grows before the bars do).
            word = full = word + EARLY_FORMS[-1]
    return Needs(
        provider=cell_len(provider_name),
        account=cell_len(shown.account) + (2 if shown.active else 0),
        plan=cell_len(shown.plan or ""),
        label=max(
            (cell_len(w.label) for w in headline_windows(shown, entry.provider) if w), default=0
        ),
        status=len(word),
        status_full=len(full),
    )


def row_content(entry: Entry, now: datetime, columns: Columns, provider_name: str) -> Content:
    """The whole row as one line (what the three cells show side by side)."""
    return Content.assemble(
        row_main(entry, columns, provider_name),
        row_reset(next_reset(entry.shown, now, entry.provider), now, columns),
        row_status(entry, now, columns.status),
    )


class OverviewRow:
    """One account's line: its entry and the cached drawing of its quota cells."""

    def __init__(self, entry: Entry, provider_name: str) -> None:
        self.entry = entry
        self.provider_name = provider_name
        self.main = Content("")
        self.reset = Content("")
        self.status = Content("")
        # What the quota cells were drawn from: rebuilt only when this changes.
        self._main_source: tuple[object, ...] | None = None
        self._reset_at: datetime | None = None
        self._answer_source: tuple[object, ...] | None = None
        self.needs = Needs()
        self.exhausted: list[Window] = []
        self.early = False  # runs_out_early, reckoned when an answer arrives
        # The pane's redraw this row was last drawn in, and the three lines last handed to
        # the columns: what is on screen for this row, if it is on screen.
        self.drawn_in = -1
        self.lines: tuple[Content, Content, Content] | None = None

    @property
    def plain(self) -> str:
        return self.main.plain + self.reset.plain + self.status.plain

    def update_needs(self) -> Needs:
        """The widths this row would like (and whether it is exhausted), worked out again only
        when an answer changed the entry: this runs every second for every row."""
        entry = self.entry
        source = (entry.snapshot, entry.shown, entry.stale, entry.loading)
        if source != self._answer_source:
            self._answer_source = source
            self.exhausted = (
                [] if entry.loading else exhausted_windows(entry.snapshot, entry.provider)
            )
            self.early = not entry.loading and runs_out_early(entry.snapshot, entry.provider)
            self.needs = row_needs(entry, self.provider_name, self.exhausted, self.early)
        return self.needs

    def redraw(self, now: datetime, columns: Columns) -> None:
        """Runs every second for every row, so the per-answer work is cached."""
        self.update_needs()
        entry = self.entry
        source = (entry.shown, entry.stale, entry.loading, columns, self.provider_name)
        if source != self._main_source:
            self._main_source = source
            self._reset_at = next_reset(entry.shown, now, entry.provider)
            self.main = row_main(entry, columns, self.provider_name)
        self.reset = row_reset(self._reset_at, now, columns)
        self.status = row_status(entry, now, columns.status, self.exhausted, self.early)


SELECTED = "on $accent 20%"


def _cell(content: Content, width: int, selected: bool) -> Content:
    content = content.pad_right(max(0, width - content.cell_length))
    return content.stylize(SELECTED) if selected else content


class OverviewTable(Horizontal, can_focus=False):
    """The rows, drawn as three column widgets rather than a widget per row.

    Textual repaints from a widget's left edge to the last changed cell and renders
    every widget a change overlaps; with the countdowns in a column of their own, a
    tick repaints a few cells of one narrow widget instead of whole rows. Each column
    draws only the lines on screen (LineColumn), asking `line(column, row)` for them.
    """

    class Clicked(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, line: Callable[[int, int], Content], **kwargs) -> None:
        super().__init__(**kwargs)
        # Held rather than queried: the app's clock can draw before these are mounted.
        self.main_column = LineColumn(lambda y: line(0, y), id="overview-main")
        self.reset_column = LineColumn(lambda y: line(1, y), id="overview-reset")
        self.status_column = LineColumn(lambda y: line(2, y), id="overview-status")
        self.columns = (self.main_column, self.reset_column, self.status_column)

    def compose(self) -> ComposeResult:
        yield self.main_column
        yield self.reset_column
        yield self.status_column

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.post_message(self.Clicked(offset.y))


class OverviewPane(Vertical):
    """Sort line, column header and the rows."""

    class Chosen(Message):
        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, provider_names: dict[str, str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.provider_names = provider_names
        self.rows: list[OverviewRow] = []
        self.selected = 0
        # Until the user moves, the selection stays on the top row as rows re-sort.
        self.user_moved = False
        self.sort = "provider"
        self._width = 120
        self.needs = Needs()
        self.columns = Columns.for_width(self._width, self.needs)
        self._sort_line = ""
        self._drawn_widths: tuple[int, int] | None = None
        self._row_needs: list[Needs] = []
        self._now: datetime | None = None
        # Answers arrived since the rows' widths were last reckoned (worked out only then:
        # with a thousand rows, every second was too often).
        self._answers = True
        self._pass = 0  # counts redraws, so a row scrolled into view is drawn once for each
        # Held rather than queried, so a redraw before the children mount is not an error.
        self.sort_text = DiffText(id="overview-sort")
        self.header_text = DiffText(id="overview-header")
        self.table = OverviewTable(self._line, id="overview-table")
        self.scroll = VerticalScroll(id="overview-rows", can_focus=False)

    def compose(self) -> ComposeResult:
        yield self.sort_text
        yield self.header_text
        with self.scroll:
            yield self.table

    def on_mount(self) -> None:
        # Rows scrolled into view are drawn for the time of the last redraw.
        self.watch(self.scroll, "scroll_y", self._scrolled, init=False)

    def _scrolled(self) -> None:
        if self._now is not None:
            self.redraw(self._now)

    def on_resize(self) -> None:
        self._width = self.size.width
        self._relayout()
        if self._now is not None:
            self.redraw(self._now)

    def _relayout(self) -> None:
        """Columns for the pane's width and the rows' text; rows redraw when they change."""
        columns = Columns.for_width(self._width, self.needs)
        if columns != self.columns:
            self.columns = columns
            self.header_text.show(header(columns))

    def answers_arrived(self) -> None:
        """Entries changed: the next redraw reckons the rows' widths again."""
        self._answers = True

    def set_order(self, entries: list[Entry], now: datetime) -> None:
        """Show entries in this order; a row keeps its cached drawing when it moves."""
        selected_key = self.selected_key()
        by_key = {row.entry.key: row for row in self.rows}
        rows = []
        for entry in entries:
            row = by_key.get(entry.key)
            if row is None or row.entry is not entry:
                row = OverviewRow(
                    entry, self.provider_names.get(entry.provider.id, entry.provider.id)
                )
            rows.append(row)
        self.rows = rows
        self._answers = True
        for row in rows:
            row.lines = None  # it may have moved: what its line showed is another row's
        for column in self.table.columns:
            column.set_count(len(rows))
        keys = [row.entry.key for row in rows]
        if self.user_moved and selected_key in keys:
            self.selected = keys.index(selected_key)
        self.selected = min(self.selected, max(0, len(rows) - 1))
        self.header_text.show(header(self.columns))
        self.redraw(now)
        self._scroll_to_selected()

    def redraw(self, now: datetime) -> None:
        self._now = now
        self._pass += 1
        count = plural(len(self.rows), "account")
        sort_line = f"{count} · sorted by {SORT_LABELS[self.sort]} (s to change)"
        if sort_line != self._sort_line:
            self._sort_line = sort_line
            self.sort_text.show(Content.styled(sort_line, "$text-muted"))
        if self._answers:
            self._answers = False
            row_needs = [row.update_needs() for row in self.rows]
            if row_needs != self._row_needs:  # the same objects unless an answer changed one
                self._row_needs = row_needs
                needs = Needs.of(row_needs)
                if needs != self.needs:
                    # An answer brought a longer name, a plan or a problem: the columns grow.
                    self.needs = needs
                    self._relayout()
        columns = self.columns
        widths = self._widths()
        if self.rows and self._drawn_widths != widths[:2]:
            self._drawn_widths = widths[:2]
            self.table.main_column.styles.width = widths[0]
            self.table.reset_column.styles.width = widths[1]
            for column in self.table.columns:
                column.refresh()
        # Only the rows on screen are drawn; the others are drawn when scrolled to.
        for index in self._visible():
            row = self.rows[index]
            before = row.lines
            row.drawn_in = self._pass
            row.redraw(now, columns)
            row.lines = self._lines(index)
            if before is None:
                continue  # not drawn yet: its line renders when Textual asks for it
            for column, old, new in zip(self.table.columns, before, row.lines, strict=True):
                if old != new:
                    column.line_changed(index, old, new)

    def _widths(self) -> tuple[int, int, int]:
        """The three columns' widths: the quota cells, the countdown and a space, the status
        (padded to the width the columns leave it: the widget's own size lags a relayout)."""
        columns = self.columns
        return (columns.row_width() - columns.reset - 1, columns.reset + 1, columns.status)

    def _visible(self) -> range:
        """The rows on screen (all of them, up to a screenful, before the first layout)."""
        scroll = self.scroll
        height = scroll.scrollable_content_region.height if scroll.is_mounted else 0
        top = int(scroll.scroll_y) if scroll.is_mounted else 0
        return range(min(top, len(self.rows)), min(top + (height or 60) + 1, len(self.rows)))

    def _lines(self, index: int) -> tuple[Content, Content, Content]:
        row = self.rows[index]
        selected = index == self.selected
        widths = self._widths()
        return (
            _cell(row.main, widths[0], selected),
            _cell(row.reset, widths[1], selected),
            _cell(row.status, widths[2], selected),
        )

    def _line(self, column: int, index: int) -> Content:
        """What Textual draws for a row in view: drawn now if it was not drawn for this time."""
        if not 0 <= index < len(self.rows):
            return Content("")
        row = self.rows[index]
        if self._now is not None and row.drawn_in != self._pass:
            row.drawn_in = self._pass
            row.redraw(self._now, self.columns)
        row.lines = self._lines(index)
        return row.lines[column]

    def selected_key(self) -> str | None:
        if 0 <= self.selected < len(self.rows):
            return self.rows[self.selected].entry.key
        return None

    def move(self, delta: int) -> None:
        if not self.rows:
            return
        self.user_moved = True
        self.selected = max(0, min(len(self.rows) - 1, self.selected + delta))
        self._after_selection()

    def select_key(self, key: str) -> None:
        for index, row in enumerate(self.rows):
            if row.entry.key == key:
                self.user_moved = True
                self.selected = index
                self._after_selection()
                return

    def _after_selection(self) -> None:
        for column in self.table.columns:
            column.refresh()  # the highlight moved: only the lines on screen are drawn again
        if self._now is not None:
            self.redraw(self._now)
        self._scroll_to_selected()

    def _scroll_to_selected(self) -> None:
        scroll = self.scroll
        if not scroll.is_mounted:
            return
        height = scroll.scrollable_content_region.height
        if not height:
            return
        if self.selected < scroll.scroll_y:
            scroll.scroll_to(y=self.selected, animate=False)
        elif self.selected >= scroll.scroll_y + height:
            scroll.scroll_to(y=self.selected - height + 1, animate=False)

    def on_overview_table_clicked(self, message: OverviewTable.Clicked) -> None:
        message.stop()
        if 0 <= message.index < len(self.rows):
            self.select_key(self.rows[message.index].entry.key)
            self.post_message(self.Chosen(self.rows[message.index].entry.key))
