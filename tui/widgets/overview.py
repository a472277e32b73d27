"""The Overview tab: one row per account across every provider, sortable."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget

from providers.kit.words import plural
from providers.model import Balance, Status, Window
from tui.format import (
    AGELESS,
    STATUS_WORDS,
    age_steady,
    exhausted_text,
    exhausted_windows,
    fitting,
    headline_windows,
    next_reset,
    number,
    status_word,
    until,
    until_steady,
    usable_again,
)
from tui.pace_text import EARLY_FORMS, runs_out_early
from tui.store.store import Entry
from tui.units import unit_suffix
from tui.widgets.cells import cell_width, fit, window_cell
from tui.widgets.difftext import DiffText, changed_regions

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
    account = "ACCOUNT" if columns.account >= 7 else "ACCT"  # not 'ACCOU…' at 60 columns
    parts = [fit(provider, columns.provider), " ", fit(account, columns.account), " "]
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


def reset_cell(text: str, columns: Columns) -> Content:
    """The reset column's cell for a countdown text ('3h 12m', '' when nothing resets)."""
    return Content(fit(text, columns.reset) + " ")


def row_reset(reset: datetime | None, now: datetime, columns: Columns) -> Content:
    return reset_cell(until(reset, now) if reset else "", columns)


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


def status_steady_until(
    entry: Entry, now: datetime, exhausted: Sequence[Window] | None = None
) -> datetime | None:
    """When status_text(entry, t, …) may next read differently from at `now`, t going on from
    now; None: not before another answer. The 1 Hz clock works a row's status out again only
    then, so this must follow status_text: it reads the time in two places, an exhausted
    account's countdown to its reset and the age of a problem. (A new part of the status that
    changes with the time must say here when it does.)"""
    if entry.loading:
        return None
    snapshot = entry.snapshot
    if exhausted is None:
        exhausted = exhausted_windows(snapshot, entry.provider)
    if exhausted:
        freed = usable_again(exhausted)
        return None if freed is None or freed <= now else until_steady(freed, now)
    if snapshot.status in AGELESS or entry.problem_since is None:
        return None
    return age_steady(entry.problem_since, now)


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


def same_content(a: Content, b: Content) -> bool:
    """Content's own == compares the text only; a cell that changed colour changed too."""
    return a is b or (a.plain == b.plain and a.spans == b.spans)


class OverviewRow:
    """One account's line: its entry, the text of its three cells, and their drawing cached.

    The cells are main (provider, account, plan, the two windows: row_main), reset (the
    countdown: reset_cell) and status (row_status). Each is rebuilt only when what it is
    made of changed, and drawn (a Strip) only when it was rebuilt, so a row that moves to
    another line, or is drawn again after a scroll, costs a join of three cached strips.
    """

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
        # What the row was last drawn for: the pane's count of answers, its columns, the time;
        # and until when its countdown and status read the same (None: until an answer).
        self._columns: Columns | None = None
        self.drawn_answers = -1  # set by the pane after each redraw
        self.queued: datetime | None = None  # the steady moment it waits under in the heap
        self._drawn_at: datetime | None = None
        self.steady: datetime | None = None
        # The three cells last put on screen for it (padded to their widths, highlighted when
        # selected), if it is on screen.
        self.lines: tuple[Content, ...] | None = None
        # Per cell: (the cell it was made from, width, selected, the padded cell).
        self._padded: list[tuple[Content, int, bool, Content] | None] = [None, None, None]
        self._last_padded: tuple | None = None  # (main, reset, status, widths, selected, cells)
        # Per column widget, per cell: (the padded cell, width on screen, the widget's style
        # epoch, its strip).
        self._strips: dict[str | None, list[tuple[Content, int, int, Strip] | None]] = {}

    @property
    def plain(self) -> str:
        return self.main.plain + self.reset.plain + self.status.plain

    def update_needs(self) -> Needs:
        """The widths this row would like (and whether it is exhausted), worked out again only
        when an answer changed the entry."""
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

    def current(self, now: datetime, answers: int, columns: Columns) -> bool:
        """Whether the row as drawn is the row for `now`: no answer since (the pane counts
        them), the same columns, and its countdown and status still read the same. The 1 Hz
        clock redraws only the rows that are not: on an idle screen, those counting seconds."""
        drawn_at = self._drawn_at
        steady = self.steady
        return (
            self.drawn_answers == answers
            and self._columns is columns
            and drawn_at is not None
            and drawn_at <= now
            and (steady is None or now < steady)
        )

    def redraw(self, now: datetime, columns: Columns) -> None:
        """The row's cells for `now`; a cell whose text did not change keeps its Content (the
        same object: nothing to draw)."""
        self.update_needs()
        entry = self.entry
        source = (entry.shown, entry.stale, entry.loading, columns, self.provider_name)
        if source != self._main_source:
            self._main_source = source
            self._reset_at = next_reset(entry.shown, now, entry.provider)
            self.main = row_main(entry, columns, self.provider_name)
        reset_at = self._reset_at
        reset = reset_cell(until(reset_at, now) if reset_at else "", columns)
        if not same_content(reset, self.reset):
            self.reset = reset
        status = row_status(entry, now, columns.status, self.exhausted, self.early)
        if not same_content(status, self.status):
            self.status = status
        # Until when both read the same: the sooner of the two moments either may change.
        moments = [
            moment
            for moment in (
                until_steady(reset_at, now) if reset_at else None,
                status_steady_until(entry, now, self.exhausted),
            )
            if moment is not None
        ]
        self.steady = min(moments) if moments else None
        self._columns = columns
        self._drawn_at = now

    def padded(self, widths: tuple[int, int, int], selected: bool) -> tuple[Content, ...]:
        """The three cells padded to their columns' widths, highlighted when selected."""
        last = self._last_padded
        if (
            last is not None
            and last[0] is self.main
            and last[1] is self.reset
            and last[2] is self.status
            and last[3] == widths
            and last[4] == selected
        ):
            return last[5]
        cells = []
        for column, (content, width) in enumerate(
            zip((self.main, self.reset, self.status), widths, strict=True)
        ):
            cached = self._padded[column]
            if cached is None or cached[0] is not content or cached[1:3] != (width, selected):
                cached = (content, width, selected, _cell(content, width, selected))
                self._padded[column] = cached
            cells.append(cached[3])
        padded = tuple(cells)
        self._last_padded = (self.main, self.reset, self.status, widths, selected, padded)
        return padded

    def strip(self, view: RowColumn, cells: Sequence[Content], widths: Sequence[int]) -> Strip:
        """The row's line in `view`: each cell drawn at its width on screen (cached), side by
        side."""
        parts = []
        cache = view.text_selection is None  # a selection is drawn into the strips: no cache
        strips = self._strips.setdefault(view.id, [None] * len(cells))
        for column, (cell, width) in enumerate(zip(cells, widths, strict=True)):
            cached = strips[column]
            if (
                not cache
                or cached is None
                or cached[0] is not cell
                or cached[1:3] != (width, view.epoch)
            ):
                cached = (cell, width, view.epoch, view.cell_strip(cell, width))
                strips[column] = cached
            parts.append(cached[3])
        return Strip.join(parts)


SELECTED = "on $accent 20%"


def _cell(content: Content, width: int, selected: bool) -> Content:
    content = content.pad_right(max(0, width - content.cell_length))
    return content.stylize(SELECTED) if selected else content


class RowColumn(Widget):
    """A column of one-line rows as tall as the rows, in the scrolling container: Textual asks
    it only for the lines on screen (render_line), and its owner draws them (`line`)."""

    DEFAULT_CSS = """
    RowColumn {
        height: auto;
        /* One line per row; a status too long for the pane ends in an ellipsis. */
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def __init__(self, line: Callable[[RowColumn, int, int], Strip], **kwargs) -> None:
        super().__init__(**kwargs)
        self._line = line  # (this column, row index, width) -> the row's line, drawn on demand
        self._count = 0
        # Bumped when the styles change (a theme, say): the rows' cached strips are redrawn.
        self.epoch = 0
        self._rich_styles: dict[tuple[Style, Style, int], RichStyle] = {}

    def set_count(self, count: int) -> None:
        """How many rows there are: the widget's height, so the container can scroll."""
        if count != self._count:
            self._count = count
            self.styles.height = count

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._count

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.epoch += 1

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not 0 <= y < self._count:
            return Strip.blank(width, self.visual_style.rich_style)
        return self._line(self, y, width)

    def cell_strip(self, content: Content, width: int) -> Strip:
        """One cell drawn `width` cells wide (padded, or cut with … when wider).

        A cell that fits is drawn as Textual's Visual.to_strips draws one line of Content
        aligned left (Content.render, each piece's style with its offset, padded), without
        its wrapping and link machinery: a fifth of the time for a countdown, the same strip.
        """
        if width <= 0:
            return Strip([])
        style = self.visual_style
        styles = self.styles
        if (
            content.cell_length > width
            or self.text_selection is not None
            or styles.text_align not in ("left", "start")
            or tuple(styles.content_align) != ("left", "top")
        ):
            strips = Visual.to_strips(self, content, width, 1, style, pad=True)
            return strips[0] if strips else Strip.blank(width, style.rich_style)
        segments = []
        x = 0
        rich_styles = self._rich_styles
        if len(rich_styles) > 4096:
            rich_styles.clear()
        for text, text_style in content.render(style, end="", parse_style=self._get_style):
            # The same few styles at the same few offsets, row after row: each made once.
            key = (style, text_style, x)
            rich = rich_styles.get(key)
            if rich is None:
                rich = rich_styles[key] = (style + text_style).rich_style_with_offset(x, 0)
            segments.append(Segment(text, rich))
            x += len(text)
        pad = (style + Style(reverse=False)).rich_style
        return Strip(segments, content.cell_length).extend_cell_length(width, pad)

    def refresh_cells(self, regions: Sequence[Region]) -> None:
        """Repaint these cells (y: the row)."""
        if self.is_mounted and regions:  # refresh() with no region would repaint everything
            self.refresh(*regions)


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
        self._sort_line_for: tuple[int, str] | None = None  # (rows, sort) the line says
        self._rows_height: int | None = None  # the rows' viewport, once laid out
        self._widths_for: tuple[Columns, tuple[int, int, int]] | None = None
        self._drawn_widths: tuple[int, int, int] | None = None
        self._rows_by_key: dict[str, OverviewRow] = {}
        # Answers arrived for these rows (or for any: _needs_all) since widths were reckoned.
        self._needs_all = True
        self._needs_keys: set[str] = set()
        self._now: datetime | None = None
        # Answers arrived since the rows' widths were last reckoned (worked out only then:
        # with a thousand rows, every second was too often).
        self._answers = True
        # Counts the batches of answers (and new orders): a row drawn before the last one is
        # drawn again, and so is one whose countdown or status changed with the time.
        self._answer_count = 0
        # What the rows on screen were last all drawn for (answers, columns, selection, rows
        # on screen, order) and when; and a heap of (when its text next changes, row index)
        # of those whose countdown or status changes with the time.
        self._drawn_state: tuple | None = None
        self._drawn_at: datetime | None = None
        self._due: list[tuple[datetime, int]] = []
        self._order = 0  # counts set_order calls
        self._answered: set[str] = set()  # keys of the rows answers changed since the redraw
        self._places: dict[str, int] = {}  # key -> the row's index
        # Held rather than queried, so a redraw before the children mount is not an error.
        self.sort_text = DiffText(id="overview-sort")
        self.header_text = DiffText(id="overview-header")
        self.scroll = VerticalScroll(id="overview-rows", can_focus=False)
        # The rows as two column widgets: every cell of every row, and over it, where the reset
        # column is, the countdowns. Textual writes a change from the left edge of the widget
        # it is in (to the last changed cell): a countdown ticking in a widget of its own sends
        # its own few cells, and the edge it makes lets a new status start at the status.
        self.lines_view = RowColumn(self._line, id="overview-lines")
        self.resets_view = RowColumn(self._line, id="overview-resets")

    def compose(self) -> ComposeResult:
        yield self.sort_text
        yield self.header_text
        with self.scroll:
            yield self.lines_view
            yield self.resets_view

    def on_mount(self) -> None:
        # Rows scrolled into view are drawn for the time of the last redraw.
        self.watch(self.scroll, "scroll_y", self._scrolled, init=False)

    def _scrolled(self) -> None:
        if self._now is not None:
            self.redraw(self._now)

    def on_resize(self) -> None:
        self._width = self.size.width
        self._rows_height = None
        self._relayout()
        if self._now is not None:
            self.redraw(self._now)

    def _relayout(self) -> None:
        """Columns for the pane's width and the rows' text; rows redraw when they change."""
        columns = Columns.for_width(self._width, self.needs)
        if columns != self.columns:
            self.columns = columns
            self.header_text.show(header(columns))

    def answers_arrived(self, keys: Iterable[str] | None = None) -> None:
        """These entries changed (None: any may have): the next redraw reckons their rows'
        widths again, and the columns' when one of those changed."""
        self._answers = True
        if keys is None:
            self._needs_all = True
            self._answer_count += 1  # every row is drawn again
        else:
            keys = set(keys)
            self._needs_keys |= keys
            self._answered |= keys
            for key in keys:  # these rows are drawn again
                row = self._rows_by_key.get(key)
                if row is not None:
                    row.drawn_answers = -1

    def set_order(self, entries: list[Entry], now: datetime) -> None:
        """Show entries in this order; a row keeps its cached drawing when it moves."""
        selected_key = self.selected_key()
        by_key = self._rows_by_key
        rows = []
        new_rows = len(entries) != len(self.rows)
        for entry in entries:
            row = by_key.get(entry.key)
            if row is None or row.entry is not entry:
                row = OverviewRow(
                    entry, self.provider_names.get(entry.provider.id, entry.provider.id)
                )
                new_rows = True
            row.lines = None  # it may have moved: what its line showed is another row's
            rows.append(row)
        self.rows = rows
        self._order += 1
        self._places = {row.entry.key: index for index, row in enumerate(rows)}
        if new_rows:  # the same rows in another order need no widths reckoned again
            self._rows_by_key = {row.entry.key: row for row in rows}
            self._answers = True
            self._needs_all = True
        for view in (self.lines_view, self.resets_view):
            view.set_count(len(rows))
            view.refresh()  # every line on screen is drawn again
        if self.user_moved and selected_key is not None:
            self.selected = next(
                (i for i, row in enumerate(rows) if row.entry.key == selected_key), self.selected
            )
        self.selected = min(self.selected, max(0, len(rows) - 1))
        self.header_text.show(header(self.columns))
        self.redraw(now)
        self._scroll_to_selected()

    def redraw(self, now: datetime) -> None:
        self._now = now
        if (len(self.rows), self.sort) != self._sort_line_for:
            self._sort_line_for = (len(self.rows), self.sort)
            count = plural(len(self.rows), "account")
            sort_line = f"{count} · sorted by {SORT_LABELS[self.sort]} (s to change)"
            self.sort_text.show(Content.styled(sort_line, "$text-muted"))
        if self._answers:
            self._answers = False
            if self._needs_all:
                changed_rows: Iterable[OverviewRow] = self.rows
            else:
                changed_rows = [
                    row for key in self._needs_keys if (row := self._rows_by_key.get(key))
                ]
            grew = self._needs_all
            self._needs_all = False
            self._needs_keys = set()
            for row in changed_rows:
                before = row.needs
                grew |= row.update_needs() is not before
            if grew:  # a row's widths changed: the columns' may have
                needs = Needs.of([row.needs for row in self.rows])
                if needs != self.needs:
                    # An answer brought a longer name, a plan or a problem: the columns grow.
                    self.needs = needs
                    self._relayout()
        columns = self.columns
        widths = self._widths()
        starts = self._starts()
        if self.rows and self._drawn_widths != widths:
            self._drawn_widths = widths
            resets = self.resets_view.styles
            resets.offset = (starts[1], 0)
            resets.width = widths[1]
            self.lines_view.refresh()
            self.resets_view.refresh()
        # Only the rows on screen are drawn (the others when scrolled to), and of those only
        # the ones an answer, a new layout or the time changed. When neither the layout nor
        # the order did, only those rows are even looked at: the ones answers changed, and
        # those due in self._due, whose countdown or status the time has changed.
        answers = self._answer_count
        selected = self.selected
        visible = self._visible()
        state = (answers, columns, selected, visible, self._order)
        drawn_at = self._drawn_at
        self._drawn_at = now
        answered, self._answered = self._answered, set()
        full = not (state == self._drawn_state and drawn_at is not None and now >= drawn_at)
        if full:
            self._drawn_state = state
            self._due = []
            indices: Iterable[int] = visible
        else:
            places = self._places
            changed = (places.get(key) for key in answered)
            indices = dict.fromkeys(
                [*self._due_rows(now), *(i for i in changed if i is not None and i in visible)]
            )
        rows = self.rows
        due = self._due
        # The cells that changed, in each widget's own coordinates: repainted in one call each.
        lines: list[Region] = []
        resets: list[Region] = []
        for index in indices:
            row = rows[index]
            before = row.lines
            self._draw(row, now, answers, columns)
            if full:
                row.queued = None  # the heap it was queued in is gone
            if row.steady is not None and row.steady != row.queued:
                heapq.heappush(due, (row.steady, index))
                row.queued = row.steady
            row.lines = row.padded(widths, index == selected)
            if before is None or before is row.lines:
                continue  # not drawn yet (its line renders when Textual asks), or unchanged
            for column, (start, old, new) in enumerate(zip(starts, before, row.lines, strict=True)):
                if old is new:
                    continue
                changed = changed_regions(old, new, new.cell_length)
                if changed is None:  # a change of style or width: the whole cell
                    changed = [Region(0, 0, max(old.cell_length, new.cell_length), 1)]
                if column == 1:  # the countdown, in a widget of its own
                    resets += (region.translate((0, index)) for region in changed)
                else:
                    lines += (region.translate((start, index)) for region in changed)
        self.resets_view.refresh_cells(resets)
        self.lines_view.refresh_cells(lines)

    def _due_rows(self, now: datetime) -> list[int]:
        """The rows on screen whose countdown or status the time has changed by `now`."""
        due = self._due
        rows = self.rows
        indices = []
        while due and due[0][0] <= now:
            steady, index = heapq.heappop(due)
            if index < len(rows) and rows[index].queued == steady:  # else queued again since
                rows[index].queued = None
                indices.append(index)
        return indices

    @staticmethod
    def _draw(row: OverviewRow, now: datetime, answers: int, columns: Columns) -> None:
        """Bring a row up to `now`, unless it is current already."""
        if not row.current(now, answers, columns):
            row.redraw(now, columns)
            row.drawn_answers = answers

    def _widths(self) -> tuple[int, int, int]:
        """The three cells' widths: the quota cells, the countdown and a space, the status
        (padded to the width the columns leave it: the widget's own size lags a relayout)."""
        columns = self.columns
        cached = self._widths_for
        if cached is None or cached[0] is not columns:
            widths = (columns.row_width() - columns.reset - 1, columns.reset + 1, columns.status)
            cached = self._widths_for = (columns, widths)
        return cached[1]

    def _starts(self) -> tuple[int, int, int]:
        """Where each cell starts on a line."""
        widths = self._widths()
        return (0, widths[0], widths[0] + widths[1])

    def status_span(self) -> tuple[int, int]:
        """The status cells' first and last-but-one screen column (a region's x and right)."""
        region = self.lines_view.region
        start = region.x + self._starts()[2]
        return (min(start, region.right), region.right)

    def _screen_widths(self, width: int) -> tuple[int, int, int]:
        """The cells' widths on a line `width` cells wide: the status takes what is left (cut
        with … when its text is wider), as the quota cells and the countdown never are."""
        main, reset, _ = self._widths()
        return (main, reset, max(0, width - main - reset))

    def _visible(self) -> range:
        """The rows on screen (all of them, up to a screenful, before the first layout)."""
        scroll = self.scroll
        if not scroll.is_mounted:
            height, top = 0, 0
        else:
            # The rows' height changes only when the pane is resized (on_resize forgets it):
            # looked up every second, it was a fifth of what the clock's second cost.
            height = self._rows_height
            if height is None:
                height = scroll.scrollable_content_region.height
                self._rows_height = height or None
            top = int(scroll.scroll_y)
        return range(min(top, len(self.rows)), min(top + (height or 60) + 1, len(self.rows)))

    def _line(self, view: RowColumn, index: int, width: int) -> Strip:
        """What Textual draws for a row in view: drawn now if it was not drawn for this time.
        The lines widget draws the whole row (its countdown hidden under the other's)."""
        blank = view.visual_style.rich_style
        if not 0 <= index < len(self.rows):
            return Strip.blank(width, blank)
        row = self.rows[index]
        if self._now is not None:
            self._draw(row, self._now, self._answer_count, self.columns)
        row.lines = row.padded(self._widths(), index == self.selected)
        if view is self.resets_view:
            strip = row.strip(view, row.lines[1:2], (width,))
        else:
            strip = row.strip(view, row.lines, self._screen_widths(width))
        return strip.crop_extend(0, width, blank)

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

    def move_by(self, how: str) -> None:
        """page_down / page_up by the rows on screen, home / end to the first / last row."""
        if not self.rows:
            return
        scroll = self.scroll
        page = scroll.scrollable_content_region.height if scroll.is_mounted else 0
        page = max(1, page - 1)  # the row at the edge stays in sight, as a pager keeps a line
        steps = {
            "page_down": page,
            "page_up": -page,
            "home": -len(self.rows),
            "end": len(self.rows),
        }
        if how in steps:
            self.move(steps[how])

    def select_key(self, key: str) -> None:
        for index, row in enumerate(self.rows):
            if row.entry.key == key:
                self.user_moved = True
                self.selected = index
                self._after_selection()
                return

    def _after_selection(self) -> None:
        # The rows whose highlight came or went are repainted by the redraw (their cells'
        # styles changed); a row off screen is drawn with the right one when scrolled to.
        if self._now is not None:
            self.redraw(self._now)
        else:
            self.lines_view.refresh()
            self.resets_view.refresh()
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

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self.lines_view)  # None: not on a row
        if offset is not None and 0 <= offset.y < len(self.rows):
            event.stop()
            key = self.rows[offset.y].entry.key
            self.select_key(key)
            self.post_message(self.Chosen(key))
