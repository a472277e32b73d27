"""A provider tab: the account list and the selected account's detail."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widget import MountError
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from providers.model import Balance, Status, Window
from tui.format import (
    ago,
    countdown,
    exhausted_text,
    fitting,
    grouped,
    number,
    percent,
    status_word,
)
from tui.pace import Pace, window_pace
from tui.pace_text import forecast_words, pace_kind, pace_words
from tui.store.store import Entry
from tui.units import unit_suffix
from tui.widgets.cells import SIGN_STYLES, bar, fit, level_style, threshold_marks
from tui.widgets.difftext import DiffText
from tui.widgets.overview import EXHAUSTED_STYLE, status_style

if TYPE_CHECKING:
    from tui.widgets.history_feed import HistoryFeed

STATUS_GLYPH = {
    Status.OK: "",
    Status.AUTH_EXPIRED: " ✗",
    Status.FORBIDDEN: " ✗",
    Status.RATE_LIMITED: " !",
    Status.UNREACHABLE: " !",
    Status.BAD_RESPONSE: " ✗",
    Status.ERROR: " ✗",
}


def list_prompt(entry: Entry, width: int | None = None) -> Content:
    """'● work 85%' — active marker, name, the least remaining share, a glyph for trouble.
    Within `width` cells the name is what gets cut, so the share and the glyph stay in sight
    ('hedy@exam… 74%', not 'hedy@example.com…')."""
    shown = entry.shown
    lefts = [w.remaining_percent for w in shown.windows[:2] if w.remaining_percent is not None]
    least = min(lefts) if lefts else None
    marker = "● " if shown.active else "  "
    glyph = "" if entry.loading else STATUS_GLYPH[entry.snapshot.status]
    share = f" {percent(least)}" if least is not None else ""
    name = shown.account
    if width is not None:
        room = width - len(marker) - len(share) - len(glyph)
        if room >= 4 and cell_len(name) > room:
            name = fit(name, room)
    return Content.assemble(
        (marker, "$accent"),
        name,
        (share, level_style(least)),
        (glyph, status_style(entry)),
    )


class AccountList(OptionList):
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    # Set once the user moves in this list; until then the top account stays selected
    # while the list re-sorts as answers arrive.
    touched = False

    def on_key(self) -> None:
        self.touched = True

    def on_resize(self) -> None:
        # The prompts are cut to the list's width (list_prompt): a new width, new prompts.
        if isinstance(self.parent, ProviderPane):
            self.parent.reprompt()

    def on_mouse_down(self) -> None:
        self.touched = True


def _local_time(moment: datetime, now: datetime) -> str:
    local = moment.astimezone()
    if (moment - now).total_seconds() < 20 * 3600:
        return local.strftime("%H:%M")
    return local.strftime("%a %d %b %H:%M")


def _expected(pace: Pace | None) -> float | None:
    return None if pace is None else pace.expected_used_percent


def pace_line(
    pace: Pace | None, window: Window, at: datetime | None, now: datetime, width: int, stale: bool
) -> Content | None:
    """'12% in deficit · runs out in 2h 30m (resets in 5h 10m)', coloured like the overview's
    sign; None when the window has no pace."""
    words = pace_words(pace, at, window.resets_at, now, width)
    if words is None or pace is None:
        return None
    style = "$text-disabled" if stale else SIGN_STYLES.get(pace_kind(pace), "$text-muted")
    return Content.styled(words, style)


def window_lines(
    window: Window,
    now: datetime,
    width: int,
    stale: bool,
    at: datetime | None = None,
    thresholds: Sequence[float] = (),
) -> list[Content]:
    """Label and reset, the bar with % used/left (the pace's marker and a tick at each alert
    threshold), the pace in words, used/limit and length. `at` is the answer's fetch time, when
    the pace was told."""
    pace = window_pace(window, at)
    reset = ""
    if window.resets_at is not None:
        left = countdown((window.resets_at - now).total_seconds())
        # On a narrow pane the local time gives way first, so the title never wraps.
        room = width - min(len(window.label), 12) - 1
        reset = fitting(
            (f"resets in {left} · {_local_time(window.resets_at, now)}", f"resets in {left}", left),
            room,
        )
    title_width = max(min(len(window.label), 12), width - len(reset) - 1)
    lines = [
        Content.assemble((fit(window.label, title_width), "bold"), " ", (reset, "$text-muted"))
    ]
    facts = []
    if window.unlimited:
        lines.append(Content.styled("unlimited", "$quota-plenty"))
    else:
        remaining = window.remaining_percent
        # Each share padded to "100%": bars of one detail end in one column, so their alert
        # ticks line up from window to window ('3% used' and '23% used' alike).
        numbers = f" {percent(window.used_percent):>4} used · {percent(remaining):>4} left"
        bar_width = max(8, width - len(numbers))
        lines.append(
            Content.assemble(
                bar(
                    remaining,
                    bar_width,
                    stale=stale,
                    expected=_expected(pace),
                    marks=threshold_marks(thresholds, bar_width),
                ),
                (numbers, "$text-disabled" if stale else level_style(remaining)),
            )
        )
        words = pace_line(pace, window, at, now, width, stale)
        if words is not None:
            lines.append(words)
    if window.used is not None or window.limit is not None:
        if window.limit is not None and not window.unlimited:
            unit = unit_suffix(window.label, window.unit, window.limit)
            facts.append(f"{number(window.used)} of {number(window.limit)}{unit} used")
        else:
            unit = unit_suffix(window.label, window.unit, window.used)
            facts.append(f"{number(window.used)}{unit} used")
    if window.window_seconds:
        facts.append(f"{_length(window.window_seconds)} window")
    if window.binding:
        facts.append("the limit that binds now")  # the service says so (PROVIDERS.md §0)
    if facts:
        lines.append(Content.styled(" · ".join(facts), "$text-muted"))
    return lines


def group_line(
    window: Window, now: datetime, width: int, stale: bool, at: datetime | None = None
) -> Content:
    """'Claude        ████░░  42% left · 2h 13m' — a family's least remaining and first reset."""
    remaining = window.remaining_percent
    reset = f" · {countdown((window.resets_at - now).total_seconds())}" if window.resets_at else ""
    numbers = f" {percent(remaining)} left{reset}"
    label = fit(window.label, 14)
    bar_width = max(6, width - len(label) - 24)
    return Content.assemble(
        (label, "bold"),
        bar(remaining, bar_width, stale=stale, expected=_expected(window_pace(window, at))),
        (numbers, "$text-disabled" if stale else level_style(remaining)),
    )


def _length(seconds: int) -> str:
    if seconds % 86400 == 0:
        days = seconds // 86400
        return f"{days}-day"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}-hour"
    return f"{seconds // 60}-minute"


def balance_line(balance: Balance, width: int) -> Content:
    unit = unit_suffix(balance.label, balance.unit).strip()
    if balance.unlimited:
        value = "unlimited"
    elif balance.limit is not None:
        value = f"{number(balance.amount)} of {number(balance.limit)} {unit}"
    else:
        value = f"{number(balance.amount)} {unit}"
    return Content.assemble(
        (fit(balance.label, max(10, width - len(value) - 1)), ""), " ", (value.strip(), "bold")
    )


def data_age(entry: Entry, now: datetime) -> str:
    """How old the data on screen is, which is not when we last asked: after a failed try the
    last good data stays shown, and its age is what matters ("data from 12m ago · last try
    failed 1m ago"); an account that never answered says so."""
    if entry.loading:
        return "loading…"
    latest = entry.snapshot
    tried = entry.last_attempt or latest.fetched_at
    if latest.ok:
        # fetched_at is when the data was current (for a cache, when it was written).
        return f"updated {ago(latest.fetched_at or tried, now)}"
    if entry.last_good is not None:
        return (
            f"data from {ago(entry.last_good.fetched_at, now)} · last try failed {ago(tried, now)}"
        )
    return f"never answered · last try {ago(tried, now)}"


def detail_content(
    entry: Entry | None,
    now: datetime,
    width: int,
    thresholds: Sequence[float] = (),
    history: HistoryFeed | None = None,
) -> Content:
    """The account's detail; `thresholds` ([alerts] remaining for its provider) are ticked
    on its windows' bars; `history` draws each window's sparkline."""
    if entry is None:
        return Content.styled("No account selected.", "$text-muted")
    shown = entry.shown
    width = max(30, width)
    lines: list[Content] = []
    title = [(shown.account, "bold")]
    if shown.active:
        title.append(("  ● active", "$accent"))
    lines.append(Content.assemble(*title))
    facts = [shown.plan or "plan unknown", shown.source, data_age(entry, now)]
    lines.append(Content.styled(" · ".join(facts), "$text-muted"))
    snapshot = entry.snapshot
    exhausted = None if entry.loading else exhausted_text(snapshot, now, provider=entry.provider)
    if exhausted:
        lines += [Content(""), Content.styled(exhausted, EXHAUSTED_STYLE)]
    if not entry.loading and not snapshot.ok:
        word = status_word(snapshot.status, entry.problem_since, now)
        lines.append(Content(""))
        lines.append(
            Content.assemble(
                (f"{word}: ", f"bold {status_style(entry)}"),
                (snapshot.message or "", status_style(entry)),
            )
        )
        if entry.stale and entry.last_good is not None:
            lines.append(
                Content.styled(
                    f"Showing the last good data, from {ago(entry.last_good.fetched_at, now)} (stale).",
                    "$text-muted italic",
                )
            )
        if entry.next_due is not None and entry.next_due > now:
            lines.append(
                Content.styled(
                    f"Next try in {countdown((entry.next_due - now).total_seconds())} (r to retry now).",
                    "$text-muted",
                )
            )
    if entry.loading:
        lines += [Content(""), Content.styled("Fetching…", "$text-muted")]
    groups = grouped(entry.provider, shown.windows)
    if groups is not None:
        lines += [Content(""), Content.styled("By group", "bold")]
        lines.extend(
            group_line(window, now, width, entry.stale, shown.fetched_at) for _, window in groups
        )
        lines += [Content(""), Content.styled("By model", "bold")]
    for window in shown.windows:
        lines.append(Content(""))
        lines.extend(window_lines(window, now, width, entry.stale, shown.fetched_at, thresholds))
        # The window's current period so far, from the local history (tui/history).
        spark = (
            history.sparkline(entry.key, shown, window, now, width, stale=entry.stale)
            if history
            else None
        )
        if spark is not None:
            lines.append(spark)
        # Beside the pace (the average since the window began): where the recent rate leads.
        recent = forecast_words(
            history.forecast(entry.key, shown, window, now) if history else None, now, width
        )
        if recent is not None:
            lines.append(Content.styled(recent, "$text-disabled" if entry.stale else "$text-muted"))
    if not shown.windows and not entry.loading and shown.ok:
        lines += [
            Content(""),
            Content.styled(
                "The service reported no quota windows for this account.", "$text-muted"
            ),
        ]
    if shown.balances:
        lines += [Content(""), Content.styled("Balances", "bold")]
        lines.extend(balance_line(balance, width) for balance in shown.balances)
    if shown.details:
        lines += [Content(""), Content.styled("Details", "bold")]
        for label, value in shown.details:
            lines.append(
                Content.assemble(fit(label, max(10, width - len(value) - 1)), " ", (value, "bold"))
            )
    return Content("\n").join(lines)


class DetailView(VerticalScroll, can_focus=False):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.entry: Entry | None = None
        self.body = DiffText(classes="detail-body")

    def compose(self) -> ComposeResult:
        yield self.body

    def show(self, entry: Entry | None, now: datetime) -> None:
        if entry is not self.entry:
            self.entry = entry
            self.scroll_home(animate=False)
        self.redraw(now)

    def redraw(self, now: datetime) -> None:
        width = self.scrollable_content_region.width or 60
        history = getattr(self.app, "history_feed", None)
        self.body.show(detail_content(self.entry, now, width - 1, self._thresholds(), history))

    def _thresholds(self) -> Sequence[float]:
        config = getattr(self.app, "config", None)
        if self.entry is None or config is None:
            return ()
        return config.alerts.rules_for(self.entry.provider.id).remaining

    def on_resize(self) -> None:
        # After the refresh under way: a relayout the new text asks for from inside this one
        # could be lost, and the text kept the height it wrapped to at the width before.
        self.call_after_refresh(lambda: self.redraw(self.app.now()))  # type: ignore[attr-defined]

    def scroll_by_key(self, how: str) -> None:
        """page_down, page_up, home or end, from the app's keys: the detail is never focused
        (the account list is), so without these an account taller than the screen could only
        be read with the mouse."""
        scroll = {
            "page_down": self.scroll_page_down,
            "page_up": self.scroll_page_up,
            "home": self.scroll_home,
            "end": self.scroll_end,
        }[how]
        scroll(animate=False)


class ProviderPane(Horizontal):
    """The account list beside the detail of the highlighted account."""

    class Chosen(Message):
        """enter (or a click) on an account in the list."""

        def __init__(self, entry: Entry) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, provider_id: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.provider_id = provider_id
        self.entries: list[Entry] = []
        # What the list shows, which lags `entries` while the pane is hidden: a hidden tab
        # does no per-account work, and catches up in reveal() when it is shown.
        self._listed: list[Entry] = []
        self.showing = False
        self.behind = False
        # Answers (and selections) can arrive before the pane's children exist; until then
        # they wait here.
        self.ready = False
        self._pending_key: str | None = None
        self._pending_focus = False
        # Created now (cheap), mounted by build().
        self._account_list = AccountList(id=f"list-{provider_id}", classes="account-list")
        self._detail = DetailView(id=f"detail-{provider_id}", classes="detail")

    BUILD_DELAY = 0.5

    def on_mount(self) -> None:
        # A hidden tab builds its list and detail a moment after start (or when shown):
        # a dozen of them built up front would delay the first frame.
        self._building = False
        self.set_timer(self.BUILD_DELAY, self.build)

    async def build(self) -> None:
        if self.ready or self._building or not self.is_attached or not self.app.is_running:
            return  # built already, or the app is closing
        self._building = True
        try:
            await self.mount(self._account_list, self._detail)
        except MountError:
            return  # closed while we waited for the first frame
        self.ready = True
        self.set_entries(self.entries, self.app.now())  # type: ignore[attr-defined]
        if self._pending_key is not None:
            key, self._pending_key = self._pending_key, None
            self.select_key(key)  # kept for reveal() while the pane is hidden
        if self._pending_focus:
            self.focus_list()

    def focus_list(self) -> None:
        if self.ready:
            self.account_list.focus()
        else:
            self._pending_focus = True

    # Held rather than queried: while the app shuts down its clock can still tick after
    # the children have been removed, and a query would then raise.
    @property
    def account_list(self) -> AccountList:
        return self._account_list

    @property
    def detail(self) -> DetailView:
        return self._detail

    def hide(self) -> None:
        self.showing = False

    def reveal(self, now: datetime) -> None:
        """The tab is shown: draw what arrived while it was hidden."""
        self.showing = True
        if self.ready and self.behind:
            self.set_entries(self.entries, now)
        if self.ready and self._pending_key is not None:
            key, self._pending_key = self._pending_key, None
            self.select_key(key)

    def set_entries(self, entries: list[Entry], now: datetime) -> None:
        self.entries = entries
        if not self.ready or not self.showing:
            self.behind = True
            return
        self.behind = False
        selected = self.selected_key()
        self._listed = entries
        width = self.prompt_width(len(entries))
        options = [Option(list_prompt(entry, width), id=entry.key) for entry in entries]
        account_list = self.account_list
        account_list.set_options(options)
        keys = [entry.key for entry in entries]
        if entries:
            keep = account_list.touched and selected in keys
            account_list.highlighted = keys.index(selected) if keep else 0
        self.detail.show(self.selected_entry(), now)

    def refresh_entry(self, entry: Entry, now: datetime) -> None:
        if not self.showing:
            self.behind = True
            return
        if self.ready and any(e is entry for e in self._listed):
            width = self.prompt_width(len(self._listed))
            self.account_list.replace_option_prompt(entry.key, list_prompt(entry, width))
            if self.selected_entry() is entry:
                self.detail.redraw(now)

    def prompt_width(self, count: int) -> int | None:
        """The cells a prompt has in the list: its width less border and padding, and less
        the scrollbar when `count` options are more than it shows. None before layout."""
        listing = self.account_list
        width = listing.size.width
        if not width:
            return None
        width -= listing.styles.gutter.width
        if count > listing.size.height:
            width -= listing.styles.scrollbar_size_vertical
        return max(1, width)

    def reprompt(self) -> None:
        """Every prompt again at the list's width now (it was resized)."""
        if not self.ready or not self.showing or self.behind:
            return
        width = self.prompt_width(len(self._listed))
        for entry in self._listed:
            self.account_list.replace_option_prompt(entry.key, list_prompt(entry, width))

    def selected_key(self) -> str | None:
        entry = self.selected_entry()
        return entry.key if entry else None

    def selected_entry(self) -> Entry | None:
        index = self.account_list.highlighted if self.ready else None
        if index is None or not (0 <= index < len(self._listed)):
            return None
        return self._listed[index]

    def select_key(self, key: str) -> bool:
        if not self.ready or self.behind:
            self._pending_key = key
            return any(entry.key == key for entry in self.entries)
        for index, entry in enumerate(self._listed):
            if entry.key == key:
                self.account_list.touched = True
                self.account_list.highlighted = index
                return True
        return False

    def move(self, delta: int, *, wrap: bool = True) -> None:
        listed = self._listed
        if not listed or not self.ready:
            return
        self.account_list.touched = True
        current = self.account_list.highlighted or 0
        if wrap:
            self.account_list.highlighted = (current + delta) % len(listed)
        else:
            self.account_list.highlighted = max(0, min(len(listed) - 1, current + delta))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.detail.show(self.selected_entry(), self.app.now())  # type: ignore[attr-defined]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        entry = self.selected_entry()
        if entry is not None:
            self.post_message(self.Chosen(entry))
