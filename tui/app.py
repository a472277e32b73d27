"""The full-screen app: an overview of every account, a tab per provider, live refresh.

Data flows one way: the store decides what is due, workers fetch through the shared
client, the store records the answer, and only the visible widgets redraw. One 1 Hz
clock drives both the schedule and the countdowns.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingsMap
from textual.content import Content
from textual.driver import Driver
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Static, TabbedContent, TabPane

from providers import demo
from providers.base import Account, DiscoveryContext, Provider, Switcher, SwitchRefused
from providers.collect import fetch_guarded
from providers.discover import NO_ACCOUNTS_HINT, Sources, discover
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.words import plural
from providers.model import AccountSnapshot
from providers.registry import BY_ID, PROVIDERS
from tui.answers import Answers, RunContext, build_answers, state_dir
from tui.config import Config, config_dir
from tui.guarded_app import GuardedApp
from tui.history.store import FILE_NAME as HISTORY_FILE
from tui.history.store import default_path as default_history_path
from tui.screen import QuotaScreen
from tui.screens.confirm import Confirm
from tui.screens.help import HelpScreen, key_text
from tui.screens.history import HistoryScreen
from tui.screens.pickers import AccountPicker, ThemePicker
from tui.state import AppState, default_state_path, load_state, save_state
from tui.store.sorting import sort_entries, sort_key
from tui.store.store import Entry, Store
from tui.switching.auto import (
    AutoSwitch,
    NoneQualifies,
    Switch,
    auto_switches,
    candidates_of,
    switched_event,
)
from tui.themes import bundled_themes, quota_colour_defaults, user_themes
from tui.widgets.detail import ProviderPane, list_prompt
from tui.widgets.footer import QuotaFooter
from tui.widgets.history_feed import HistoryFeed
from tui.widgets.overview import SORT_LABELS, SORTS, OverviewPane

OVERVIEW_TAB = "tab-overview"
# Tab N's key: 1-9, then 0 for tab 10, then alt+1 ... alt+9 for tabs 11-19 (twelve providers
# make thirteen tabs).
TAB_KEYS = (*"123456789", "0", *(f"alt+{n}" for n in range(1, 10)))
# tmux and most terminals send Alt+digit as ESC and the digit, which Textual 8 reads as the
# character macOS types for Option+digit (ESC 1 is "¡"); only terminals with the kitty keyboard
# protocol send "alt+1" itself. The tab keys answer to both.
ALT_DIGIT_AS_READ = {
    "alt+1": "inverted_exclamation_mark", "alt+2": "trade_mark_sign", "alt+3": "pound_sign",
    "alt+4": "cent_sign", "alt+5": "infinity", "alt+6": "section_sign", "alt+7": "pilcrow_sign",
    "alt+8": "bullet", "alt+9": "ª",
}  # fmt: skip
DEFAULT_THEME = "aiquota-dark"
REDISCOVER_SECONDS = 60.0
# Answers arriving together are drawn together, at most this often: with a thousand accounts
# a redraw (and sort) per answer would keep the UI thread busy and key presses waiting.
REDRAW_SECONDS = 0.25
SORTED_BY = "Sorted by "
# How long `s` is left alone before the new order's notice shows.
SORT_NOTICE_SECONDS = 0.25

Clock = Callable[[], datetime]


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def tab_id(provider_id: str) -> str:
    return f"tab-{provider_id}"


class QuotaTabs(TabbedContent):
    """The tabs, whose titles shorten and grow back with the width (QuotaApp._tab_titles)."""

    def on_resize(self) -> None:
        self.app._fit_tab_titles()  # type: ignore[attr-defined]


class QuotaApp(GuardedApp):
    CSS_PATH = str(files("themes") / "app.tcss")
    TITLE = "aiquota-tui"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Keys", id="help"),
        Binding("a", "pick_account", "Find", id="pick_account"),
        Binding("r", "refresh", "Refresh", id="refresh"),
        Binding("R", "refresh_all", "All", id="refresh_all"),
        Binding("s", "sort", "Sort", id="sort"),
        Binding("t", "pick_theme", "Theme", id="pick_theme"),
        Binding("h", "history", "History", id="history"),
        Binding("q", "quit", "Quit", id="quit"),
        # A dashboard has nothing to copy: ctrl+c quits, as people expect of a terminal program.
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True, id="quit_ctrl_c"),
        Binding("right_square_bracket", "next_account", "Next", id="next_account"),
        Binding("left_square_bracket", "previous_account", "Prev", id="previous_account"),
        Binding("tab", "next_tab", "Next tab", show=False, priority=True, id="next_tab"),
        Binding(
            "shift+tab",
            "previous_tab",
            "Previous tab",
            show=False,
            priority=True,
            id="previous_tab",
        ),
        Binding("j,down", "cursor(1)", "Down", show=False, id="down"),
        Binding("k,up", "cursor(-1)", "Up", show=False, id="up"),
        Binding("enter", "open_selected", "Open", show=False, id="open"),
        # The detail beside the account list is not focused (the list is), so its scroll keys
        # are the app's; priority lets them win over the list's own page keys, and where there
        # is no detail (the overview, a dialog) check_action passes the key on.
        *[
            Binding(keys, f"scroll_detail('{how}')", what, show=False, priority=True, id=ident)
            for keys, how, what, ident in (
                ("pagedown,space", "page_down", "Page down", "detail_page_down"),
                ("pageup,shift+space", "page_up", "Page up", "detail_page_up"),
                ("home", "home", "Top", "detail_top"),
                ("end", "end", "Bottom", "detail_bottom"),
            )
        ],
        *[
            Binding(key, f"goto_tab({n})", f"Tab {n}", show=False, id=f"tab_{n}")
            for n, tab_key in enumerate(TAB_KEYS, start=1)
            for key in (tab_key, ALT_DIGIT_AS_READ.get(tab_key))
            if key
        ],
    ]

    # Actions that make no sense while a dialog is open on top of the dashboard.
    _DASHBOARD_ACTIONS = frozenset(
        {
            "help", "pick_account", "refresh", "refresh_all", "sort", "pick_theme",
            "next_account", "previous_account", "next_tab", "previous_tab", "cursor",
            "open_selected", "goto_tab", "scroll_detail", "history",
        }
    )  # fmt: skip

    def __init__(
        self,
        sources: Sources,
        config: Config | None = None,
        *,
        clock: Clock | None = None,
        state_path: Path | None = None,
        store: Store | None = None,
        answers: Answers | None = None,
        deliver_alerts: bool = True,
    ) -> None:
        self.sources = sources
        self.config = config or Config()
        self.clock = clock or _wall_clock
        self.state_path = state_path or default_state_path()
        self.store = store or Store(policy=self.config.refresh_policy())
        self.startup_messages: list[str] = list(self.config.warnings)
        self._sandbox = self._open_sandbox() if sources.demo else None
        self.store.merge(self._discover_pairs() if self._sandbox else sources.pairs)
        self.saved = load_state(self.state_path)
        # Saves ask in turn (_state_wanted counts them); one writes at a time.
        self._state_lock = threading.Lock()
        self._state_wanted = 0
        self._http: HttpSession | None = None
        self._last_discovery = self.clock()
        self._provider_panes: dict[str, ProviderPane] = {}
        # Entries answered since the last redraw, and the one redraw scheduled for them.
        self._changed: dict[str, Entry] = {}
        self._fetches: set[asyncio.Task] = set()  # the fetches in flight
        self._sort_notice: Timer | None = None  # the new order's notice, waiting to show
        self._redraw_timer: Timer | None = None
        # Each order as last sorted (mode -> entry keys in order) and every entry's sort key
        # (mode -> entry key -> sort key): an answer whose new key still falls between its
        # neighbours' leaves the order as it was, so nothing is sorted.
        self._orders: dict[str, dict[str, int]] = {}
        self._sort_keys: dict[str, dict[str, tuple]] = {}
        # mode -> keys of the entries changed since that mode's sort keys were worked out,
        # and the store's generation (its set of accounts) it was sorted for.
        self._changed_keys: dict[str, set[str]] = {}
        self._sorted_generation: dict[str, int] = {}
        # History, alerts and the status-line cache take answers in batches, off the event
        # loop (they write files); answers that arrive while a batch is written wait for the next.
        self._answers = answers
        self._deliver_alerts = deliver_alerts  # --no-alerts: the state is still kept
        self._unhanded: dict[str, AccountSnapshot] = {}
        self._handing = False
        # Opt-in automatic switching ([providers.<id>] auto_switch); in the demo it switches
        # the sandbox's sample files and remembers nothing.
        self._auto_switches, problems = auto_switches(
            sources.providers,
            self.config,
            interval=self.store.policy.interval,
            state_dir=None if sources.demo else state_dir(),
        )
        self.startup_messages += problems
        # The local history: the user's database, the demo's own (in its sandbox), or none.
        self.history_path = self._history_path()
        self.history_feed = HistoryFeed(
            self.history_path, self._start_history_read, self._history_read
        )
        super().__init__()
        self._register_themes()
        if self.config.keys:
            self.set_keymap(dict(self.config.keys))

    # ------------------------------------------------------------------ setup

    def now(self) -> datetime:
        return self.clock()

    def _open_sandbox(self) -> demo.Sandbox | None:
        """The demo's Codex logins as files in a private temporary folder, for the switch."""
        try:
            return demo.Sandbox(self.sources.pairs, self.clock)
        except OSError as error:
            self.startup_messages.append(
                "The demo could not make its temporary folder "
                f"({error.strerror or type(error).__name__}): switching accounts is off."
            )
            return None

    def _history_path(self) -> Path | None:
        """Where history is read and written: in the demo only its sandbox's own database
        (the user's is never opened), else the user's unless [history] enabled = false."""
        if self.sources.demo:
            return self._sandbox.root / HISTORY_FILE if self._sandbox is not None else None
        if not self.config.history_enabled:
            return None
        return default_history_path()

    def _discover_pairs(self) -> list[tuple[Provider, Account]]:
        """Every account found now: the user's, or in the demo its samples (the file-backed ones
        read again from the demo's own folder, never from the user's)."""
        if self._sandbox is not None:
            return self._sandbox.discover(self.sources.pairs)
        if self.sources.demo:
            return list(self.sources.pairs)
        return discover(self.sources.providers, self.config, self.sources.account_dirs)

    def _switch_context(self, provider: Provider, switcher: Switcher) -> DiscoveryContext:
        """Where a switch reads and writes: the user's files, or the demo's copy."""
        if self._sandbox is not None:
            return self._sandbox.context()
        return switcher.context(
            Paths(), self.config.provider(provider.id), self.sources.account_dirs
        )

    def _register_themes(self) -> None:
        for theme in bundled_themes():
            self.register_theme(theme)
        themes, messages = user_themes(config_dir() / "themes")
        for theme in themes:
            self.register_theme(theme)
        self.startup_messages += messages
        wanted = self.saved.theme if self.saved.theme in self.available_themes else DEFAULT_THEME
        self.theme = wanted

    def get_default_screen(self) -> Screen:
        return QuotaScreen(id="_default")  # Textual's, with a compositor that renders less

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver, but on Linux one whose input thread sleeps while no key comes."""
        driver = super().get_driver_class()
        if driver.__name__ == "LinuxDriver" and driver.__module__ == "textual.drivers.linux_driver":
            from tui.driver import QuietLinuxDriver  # imports termios: Linux and macOS only

            return QuietLinuxDriver
        return driver

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Built-in Textual themes know nothing of quota colours; derive them from theirs.
        return quota_colour_defaults(self.current_theme)

    def _providers_with_accounts(self) -> list[str]:
        present = {entry.provider.id for entry in self.store}
        return [p.id for p in self.sources.providers if p.id in present]

    def compose(self) -> ComposeResult:
        names = {p.id: p.name for p in self.sources.providers}
        self.tabs = QuotaTabs(id="tabs", initial=OVERVIEW_TAB)
        self.overview = OverviewPane(names, id="overview")
        provider_ids = self._providers_with_accounts()
        titles = self._tab_titles([OVERVIEW_TAB, *map(tab_id, provider_ids)], OVERVIEW_TAB)
        with self.tabs:
            with TabPane(titles[OVERVIEW_TAB], id=OVERVIEW_TAB):
                yield self.overview
            for provider_id in provider_ids:
                with TabPane(titles[tab_id(provider_id)], id=tab_id(provider_id)):
                    # A pane builds its list and detail after the first frame.
                    pane = ProviderPane(provider_id, id=f"pane-{provider_id}")
                    self._provider_panes[provider_id] = pane
                    yield pane
        if not len(self.store):
            yield Static(Content(self._no_accounts_text()), classes="empty-note", id="no-accounts")
        yield QuotaFooter(compact=True)

    def _tab_titles(self, ids: list[str], active: str) -> dict[str, Content]:
        """'2 Codex' on every tab while they all fit the terminal's width. Past that the tab bar
        would scroll and hide the Overview, so the tabs give up their names (the number is the
        key that reaches them): all but the Overview and the active tab, then all but the active.
        """

        def name(tab: str) -> str:
            if tab == OVERVIEW_TAB:
                return "Overview"
            provider = BY_ID.get(tab.removeprefix("tab-"))
            return provider.name if provider else tab.removeprefix("tab-")

        full = {tab: f"{number} {name(tab)}" for number, tab in enumerate(ids, start=1)}
        short = {tab: str(number) for number, tab in enumerate(ids, start=1)}
        width = self.size.width or 80
        for named in ({*ids}, {OVERVIEW_TAB, active}, {active}):
            titles = {tab: full[tab] if tab in named else short[tab] for tab in ids}
            # A tab is its title plus one cell of padding each side.
            if sum(len(title) + 2 for title in titles.values()) <= width:
                break
        return {tab: Content(title) for tab, title in titles.items()}

    def _fit_tab_titles(self) -> None:
        """Shorten or restore the tab titles for the width and the active tab (see above)."""
        if not self.is_mounted:
            return
        for tab, title in self._tab_titles(self._tab_ids(), self._active_tab()).items():
            try:
                label = self.tabs.get_tab(tab)
            except Exception:  # a tab being added or removed
                continue
            if label.label.plain != title.plain:
                label.label = title

    def _no_accounts_text(self) -> str:
        return NO_ACCOUNTS_HINT + " New logins are picked up within a minute."

    async def on_mount(self) -> None:
        # The store dispatches at most max_in_flight accounts and the session lets as many
        # requests on the wire: one number, so neither queues behind the other.
        in_flight = self.store.policy.max_in_flight
        self._http = HttpSession(
            client=make_client(self.sources.transport, in_flight),
            origins=self.sources.origins,
            clock=self.clock,
            max_in_flight=in_flight,
        )
        self._install_signal_handlers()
        if not self.sources.demo:
            self.run_worker(self._recover_switch_leftovers(), group="switch", exit_on_error=False)
        overview = self.overview
        if self.saved.sort in SORTS:
            overview.sort = self.saved.sort
        self._reorder(force=True)
        self._restore_position()
        for message in self.startup_messages:
            self.notify(message, severity="warning", timeout=10)
        if self._answers is None:
            self._answers = build_answers(
                RunContext(
                    self.config,
                    "app",
                    demo=self.sources.demo,
                    deliver_alerts=self._deliver_alerts,
                    refresh_interval=self.store.policy.interval,
                    notice=self._notice_from_thread,
                    terminal=self._terminal_from_thread,
                    history_path=self.history_path,
                ),
                report=lambda text: self._notice_from_thread(text, "warning"),
            )
        self.set_interval(1.0, self._tick)
        # Paint the first frame before any answer arrives and re-sorts the views.
        self.call_after_refresh(self._tick)
        if not self.is_headless:
            # What start-up made (Textual, httpx, the widgets) lives as long as the app: out
            # of the collector's sight, a full collection while a thousand accounts answer
            # scans only what came after; and collecting the young every 10,000 new objects
            # rather than 700 makes the full collections (each pausing the app, keys
            # included, for up to a tenth of a second) rare: 11 in bench_keys' refresh, then
            # none. Not under tests, where many apps share one process and would never be freed.
            self.call_after_refresh(gc.freeze)
            gc.set_threshold(10_000, 10, 10)

    def _restore_position(self) -> None:
        tab = self.saved.tab
        if tab and tab in self._tab_ids():
            self.tabs.active = tab
        if self.saved.account:
            entry = self.store.get(self.saved.account)
            if entry is not None:
                pane = self._provider_panes.get(entry.provider.id)
                if pane is not None:
                    pane.select_key(entry.key)
                self.overview.select_key(entry.key)
        self._focus_active_tab()

    def _install_signal_handlers(self) -> None:
        """SIGTERM quits cleanly; SIGHUP (the terminal or SSH session went away) too."""
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.add_signal_handler(sig, self._exit_from_signal)
        except (NotImplementedError, RuntimeError, ValueError):
            pass  # not the main thread, or a platform without these signals

    def _exit_from_signal(self) -> None:
        self._save_state()
        self.exit(0)

    async def on_unmount(self) -> None:
        self._save_state()
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGHUP):
                loop.remove_signal_handler(sig)
        except (NotImplementedError, RuntimeError, ValueError):
            pass
        fetches = list(self._fetches)  # stopped before their client closes under them
        for task in fetches:
            task.cancel()
        if fetches:
            await asyncio.gather(*fetches, return_exceptions=True)
        if self._http is not None:
            await self._http.client.aclose()
        if self._answers is not None:
            await asyncio.to_thread(self._answers.close, 2.0)
        if self._sandbox is not None:
            self._sandbox.close()

    # ------------------------------------------------------------------ the clock

    def _tick(self) -> None:
        if not self.is_running:
            return  # shutting down: widgets are being removed under the clock
        now = self.clock()
        if (
            not self.sources.demo
            and (now - self._last_discovery).total_seconds() >= REDISCOVER_SECONDS
        ):
            self._rediscover()
        self._dispatch(now)
        self._redraw_visible(now)

    def _dispatch(self, now: datetime) -> None:
        """Start a fetch for every due account the in-flight cap has room for."""
        for entry in self.store.due(now):
            self.store.begin(entry, now)
            # A task, not a Textual worker: a worker posts three messages to the app for each
            # fetch, into the queue where key presses wait (with a thousand accounts, a
            # burst of 32 answers put a hundred messages ahead of a key).
            task = asyncio.get_running_loop().create_task(self._fetch(entry))
            self._fetches.add(task)
            task.add_done_callback(self._fetches.discard)

    async def _fetch(self, entry: Entry) -> None:
        assert self._http is not None
        snapshot = await fetch_guarded(entry.provider, entry.account, self._http, self.clock)
        try:
            self.store.finish(entry, snapshot, self.clock())
            self._entry_changed(entry)
            self._dispatch(self.clock())  # a freed slot goes to the next due account at once
        except Exception as error:  # as a worker's would be (exit_on_error=False): logged only
            self.log.error(f"an answer could not be taken ({type(error).__name__})")

    def _rediscover(self) -> None:
        """Read the credential files again, off the UI thread (files, SQLite, key_cmd)."""
        self._last_discovery = self.clock()
        self.run_worker(
            self._discover_in_thread(), group="discover", exclusive=True, exit_on_error=False
        )

    async def _discover_in_thread(self) -> None:
        pairs = await asyncio.to_thread(self._discover_pairs)
        changed = self.store.merge(pairs)
        self.overview.answers_arrived()  # new credentials may change what a row shows
        if changed:
            self._sync_provider_tabs()
            self._reorder(force=True, rekey=True)
            if len(self.store):
                for note in self.query("#no-accounts"):
                    note.remove()
        self._dispatch(self.clock())

    def _sync_provider_tabs(self) -> None:
        tabs = self.tabs
        for provider_id in self._providers_with_accounts():
            if provider_id not in self._provider_panes:
                pane = ProviderPane(provider_id, id=f"pane-{provider_id}")
                number = len(self._provider_panes) + 2
                tabs.add_pane(TabPane(Content(f"{number}"), pane, id=tab_id(provider_id)))
                self._provider_panes[provider_id] = pane
        self.call_after_refresh(self._fit_tab_titles)

    # ------------------------------------------------------------------ drawing

    def _active_tab(self) -> str:
        return self.tabs.active or OVERVIEW_TAB

    def _tab_ids(self) -> list[str]:
        return [OVERVIEW_TAB, *(tab_id(p) for p in self._provider_panes)]

    def _active_pane(self) -> ProviderPane | None:
        active = self._active_tab()
        for provider_id, pane in self._provider_panes.items():
            if tab_id(provider_id) == active:
                return pane
        return None

    def _sorted(
        self, entries: list[Entry], mode: str, now: datetime, rekey: bool = False
    ) -> list[Entry]:
        """`mode`'s order, from the sort keys of the last sort but those of the entries that
        changed since (`rekey`: every key worked out again)."""
        keys = self._sort_keys.setdefault(mode, {})
        changed = self._changed_keys.setdefault(mode, set())
        known = None if rekey or not keys else changed
        ordered = sort_entries(entries, mode, self.sources.providers, now, keys, known)
        changed.clear()
        self._orders[mode] = {entry.key: index for index, entry in enumerate(ordered)}
        self._sorted_generation[mode] = self.store.generation
        return ordered

    def _order_moved(self, mode: str, shown: list[Entry], changed: list[Entry]) -> bool:
        """Whether `mode`'s order changed since it was last sorted: accounts came or went, or
        an answer moved an account's sort key past a neighbour's. A list is in order when
        every neighbouring pair is, and only pairs with a changed entry can have changed."""
        keys = self._sort_keys.get(mode)
        places = self._orders.get(mode)
        if keys is None or places is None or len(places) != len(shown):
            return True
        if self._sorted_generation.get(mode) != self.store.generation:
            return True  # accounts came or went since (the same number of them, it may be)
        key = sort_key(mode, self.sources.providers, self.clock())
        for entry in changed:
            keys[entry.key] = key(entry)
        order = list(places)  # dicts keep their insertion order: the sorted order
        for entry in changed:
            place = places[entry.key]
            mine = keys[entry.key]
            if place > 0 and keys[order[place - 1]] > mine:
                return True
            if place + 1 < len(order) and mine > keys[order[place + 1]]:
                return True
        return False

    def _reorder(
        self,
        *,
        force: bool = False,
        changed: Iterable[Entry] = (),
        panes: bool = True,
        rekey: bool = False,
    ) -> None:
        """Sort again where an order changed; `force` redraws the overview's order (and the
        provider tabs', unless `panes` is False: a new overview order leaves theirs alone).
        `changed` are the entries answers changed; `rekey` works every sort key out again
        (after a rediscovery, which may change any entry)."""
        now = self.clock()
        overview = self.overview
        shown = list(self.store)
        changed = list(changed)
        for keys in self._changed_keys.values():  # every order's keys of these are stale
            keys.update(entry.key for entry in changed)
        # Both asked before either sorts: the overview's order may be "provider" too.
        overview_moved = force or self._order_moved(overview.sort, shown, changed)
        panes_moved = (force and panes) or self._order_moved("provider", shown, changed)
        if overview_moved:
            ordered = self._sorted(shown, overview.sort, now, rekey)
            if force or [r.entry.key for r in overview.rows] != [e.key for e in ordered]:
                overview.set_order(ordered, now)
        if not panes_moved:
            return
        by_provider = self._sorted(shown, "provider", now, rekey)
        for provider_id, pane in self._provider_panes.items():
            entries = [e for e in by_provider if e.provider.id == provider_id]
            if (force and panes) or [e.key for e in pane.entries] != [e.key for e in entries]:
                pane.set_entries(entries, now)

    def _entry_changed(self, entry: Entry) -> None:
        """An answer arrived: draw it with the others arriving soon, in one redraw."""
        self._changed[entry.key] = entry
        for keys in self._changed_keys.values():  # a sort before that redraw knows too
            keys.add(entry.key)
        if self._redraw_timer is None:
            self._redraw_timer = self.set_timer(REDRAW_SECONDS, self._redraw_changed)

    @property
    def redraw_pending(self) -> bool:
        """Answers have arrived that the screen does not show yet (a redraw is scheduled)."""
        return self._redraw_timer is not None

    def _redraw_changed(self) -> None:
        self._redraw_timer = None
        changed, self._changed = list(self._changed.values()), {}
        if not changed or not self.is_running:
            return
        self._hand_over([entry.snapshot for entry in changed])
        now = self.clock()
        self._consider_switches(now)
        self._reorder(changed=changed)
        self.overview.answers_arrived(entry.key for entry in changed)
        if self._active_tab() == OVERVIEW_TAB:
            self.overview.redraw(now)
        for entry in changed:
            pane = self._provider_panes.get(entry.provider.id)
            if pane is not None:
                pane.refresh_entry(entry, now)  # a hidden pane only notes it is behind

    def _consider_switches(self, now: datetime) -> None:
        """After answers: an active account under its line moves to the one with most room."""
        if self.sources.demo and self._sandbox is None:
            return
        entries = list(self.store)
        for auto in self._auto_switches:
            decision = auto.decide(
                candidates_of(entries, auto.provider, now, self.store.policy.interval), now
            )
            if isinstance(decision, NoneQualifies):
                self.notify(decision.message, severity="warning", timeout=15)
            elif isinstance(decision, Switch):
                auto.busy = True
                self.run_worker(self._auto_switch(auto, decision), group="switch")

    async def _auto_switch(self, auto: AutoSwitch, decision: Switch) -> None:
        chosen = decision.target.account.path
        assert chosen is not None  # decide() only picks saved files
        context = self._switch_context(decision.provider, decision.switcher)
        try:
            done = await asyncio.to_thread(
                decision.switcher.activate, chosen, context, self.clock()
            )
        except (SwitchRefused, OSError) as error:
            why = str(error) if isinstance(error, SwitchRefused) else (error.strerror or str(error))
            self.notify(f"Automatic switch stopped: {why}", severity="error", timeout=15)
            auto.switched(self.clock())  # the cooldown also spaces out failed attempts
            return
        finally:
            auto.busy = False
        now = self.clock()
        auto.switched(now)
        demo_note = "Demo: " if self._sandbox is not None else ""
        self.notify(f"{demo_note}Switched automatically: {decision.reason}. {done}", timeout=15)
        if self._answers is not None:
            await asyncio.to_thread(self._answers.announce, switched_event(decision, now))
        self._rediscover()

    def _hand_over(self, snapshots: list[AccountSnapshot]) -> None:
        """Give fresh answers to the sinks in a thread, one batch at a time."""
        if self._answers is not None and not getattr(self._answers, "sinks", True):
            return  # no sink to take them (the demo's, say): no thread to start for nothing
        for snapshot in snapshots:
            self._unhanded[snapshot.key] = snapshot
        if self._handing or not self._unhanded or self._answers is None:
            return
        batch, self._unhanded = list(self._unhanded.values()), {}
        self._handing = True
        self.run_worker(self._hand_in_thread(batch), group="answers", exit_on_error=False)

    async def _hand_in_thread(self, batch: list[AccountSnapshot]) -> None:
        answers = self._answers
        assert answers is not None
        try:
            await asyncio.to_thread(answers.take, batch, self.clock())
        finally:
            self._handing = False
        if self._unhanded and self.is_running:
            self._hand_over([])
        self._history_written()

    # ------------------------------------------------------------------ history

    def _history_written(self) -> None:
        """The sinks stored a batch: the detail on screen reads its account's history again
        (only if it changed: HistoryFeed knows)."""
        pane = self._active_pane() if self.is_running and self.history_path else None
        if pane is not None and pane.ready:
            pane.detail.redraw(self.clock())

    def _start_history_read(self, job) -> None:
        self.run_worker(job, group="history", exit_on_error=False)

    def _history_read(self, key: str) -> None:
        if not self.is_running:
            return
        pane = self._active_pane()
        shown = pane.detail.entry if pane is not None and pane.ready else None
        if pane is not None and shown is not None and shown.key == key:
            pane.detail.redraw(self.clock())

    @property
    def history_settled(self) -> bool:
        """No batch is being stored and no history read is under way (for tests)."""
        return not self._handing and not self._unhanded and not self.history_feed.busy

    def action_history(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            self.notify("Select an account to see its history.", timeout=3)
            return
        if self.history_path is None:
            reason = (
                "the demo could not make its folder"
                if self.sources.demo
                else "[history] enabled = false in the config"
            )
            self.notify(f"History is off: {reason}.", timeout=4)
            return
        keys = self.bound_keys()
        self.push_screen(
            HistoryScreen(
                entry.shown,
                entry.key,
                entry.provider.name,
                self.history_path,
                self.clock,
                close_keys=keys.get("history", []),
            )
        )

    def _notice_from_thread(self, text: str, severity: str = "information") -> None:
        """A sink's notice, from whatever thread it runs in. Not markup: it quotes account
        and window names."""
        self._in_app_thread(
            lambda: self.notify(text, severity=severity, timeout=10, markup=False)  # type: ignore[arg-type]
        )

    def _terminal_from_thread(self, text: str) -> None:
        """The bell and terminal notifications, through Textual's own writer so they never
        land inside one of its escape sequences."""

        def write() -> None:
            if self._driver is not None and not self.is_headless:
                self._driver.write(text)

        self._in_app_thread(write)

    def _in_app_thread(self, call: Callable[[], None]) -> None:
        try:
            if threading.get_ident() == self._thread_id:
                call()
            else:
                self.call_from_thread(call)
        except RuntimeError:  # the app is gone
            pass

    def _redraw_visible(self, now: datetime) -> None:
        """Only what is on screen redraws, and each widget only when its text changed."""
        if self._active_tab() == OVERVIEW_TAB:
            self.overview.redraw(now)
        else:
            pane = self._active_pane()
            if pane is not None and pane.ready:
                pane.detail.redraw(now)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        now = self.clock()
        pane = self._active_pane()
        for other in self._provider_panes.values():
            if other is not pane:
                other.hide()
        if pane is not None and not pane.ready:
            await pane.build()
        if pane is not None and not pane.entries:
            self._reorder(force=True)
        if pane is not None:
            pane.reveal(now)  # catches up on what arrived while it was hidden
        self._redraw_visible(now)
        self._focus_active_tab()
        self._fit_tab_titles()
        self.refresh_bindings()

    def _focus_active_tab(self) -> None:
        pane = self._active_pane()
        if pane is not None:
            pane.focus_list()
        else:
            self.set_focus(None)

    def on_provider_pane_chosen(self, message: ProviderPane.Chosen) -> None:
        """enter on an account: for a saved Codex account, offer to make it the CLI's login."""
        entry = message.entry
        account = entry.account
        switcher = entry.provider.switcher()
        if switcher is None:
            return
        if self.sources.demo and self._sandbox is None:
            self.notify(f"The demo has no {switcher.tool} to switch.", timeout=4)
            return
        refusal = switcher.refusal(account)
        if refusal is not None or account.path is None:
            self.notify(refusal or "", timeout=4)
            return
        chosen = account.path
        body = switcher.question(account, demo=self._sandbox is not None)

        def answered(yes: bool | None) -> None:
            if yes:
                self.run_worker(
                    self._switch(entry.provider, switcher, chosen),
                    group="switch",
                    exit_on_error=False,
                )

        self.push_screen(Confirm(switcher.title, body), answered)

    async def _recover_switch_leftovers(self) -> None:
        """Temp files of an interrupted switch may hold the newest tokens: save or remove them."""
        for provider in PROVIDERS:
            switcher = provider.switcher()
            if switcher is None:
                continue
            context = self._switch_context(provider, switcher)
            try:
                rescued = await asyncio.to_thread(switcher.recover, context)
            except OSError:
                continue  # the next switch tries again
            if rescued:
                shown = ", ".join(context.paths.display(path) for path in rescued)
                self.notify(
                    f"Saved the login an interrupted switch left behind to {shown}", timeout=8
                )

    async def _switch(self, provider: Provider, switcher: Switcher, chosen: Path) -> None:
        context = self._switch_context(provider, switcher)
        try:
            done = await asyncio.to_thread(switcher.activate, chosen, context, self.clock())
        except SwitchRefused as refusal:
            self.notify(f"Not switched: {refusal}", severity="warning", timeout=10)
            return
        except OSError as error:
            self.notify(
                f"The switch stopped: {error.strerror or error}", severity="error", timeout=10
            )
            return
        self.notify(f"Demo: {done}" if self._sandbox is not None else done, timeout=8)
        self._rediscover()

    def on_overview_pane_chosen(self, message: OverviewPane.Chosen) -> None:
        self._open(message.key)

    # ------------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._DASHBOARD_ACTIONS and isinstance(self.screen, ModalScreen):
            return False
        if action in {"next_account", "previous_account"} and self.is_mounted:
            try:
                return self._active_pane() is not None
            except Exception:
                return True
        if action == "scroll_detail":
            if not self.is_mounted or isinstance(self.screen, ModalScreen):
                return False  # a dialog's own list pages itself
            pane = self._active_pane()
            return pane.ready if pane is not None else bool(self.store)
        return True

    def action_scroll_detail(self, how: str) -> None:
        pane = self._active_pane()
        if pane is None:
            # The overview has no detail: the same keys move its selection a page, or to
            # the first or last row (a thousand accounts are not walked with j).
            self.overview.move_by(how)
        elif pane.ready:
            pane.detail.scroll_by_key(how)

    def selected_entry(self) -> Entry | None:
        pane = self._active_pane()
        if pane is not None:
            return pane.selected_entry()
        key = self.overview.selected_key()
        return self.store.get(key) if key else None

    def action_goto_tab(self, number: int) -> None:
        ids = self._tab_ids()
        if 1 <= number <= len(ids):
            self.tabs.active = ids[number - 1]

    def _step_tab(self, delta: int) -> None:
        ids = self._tab_ids()
        current = ids.index(self._active_tab()) if self._active_tab() in ids else 0
        self.tabs.active = ids[(current + delta) % len(ids)]

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def _step_account(self, delta: int) -> None:
        pane = self._active_pane()
        if pane is not None:
            pane.move(delta)
        else:
            self.overview.move(delta)

    def action_next_account(self) -> None:
        self._step_account(1)

    def action_previous_account(self) -> None:
        self._step_account(-1)

    def action_cursor(self, delta: int) -> None:
        # Only reached when no list has focus (a focused list moves itself).
        pane = self._active_pane()
        if pane is not None:
            pane.move(delta, wrap=False)
            pane.focus_list()
        else:
            self.overview.move(delta)

    def action_open_selected(self) -> None:
        if self._active_pane() is None:
            key = self.overview.selected_key()
            if key:
                self._open(key)

    def _open(self, key: str) -> None:
        """Show an account in its provider tab."""
        entry = self.store.get(key)
        if entry is None:
            return
        pane = self._provider_panes.get(entry.provider.id)
        if pane is None:
            return
        self.tabs.active = tab_id(entry.provider.id)
        pane.select_key(key)
        pane.focus_list()

    def action_refresh(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        self.store.request_now(entry, self.clock())
        self.notify(f"Refreshing {entry.provider.name} {entry.shown.account}…", timeout=2)
        self._tick()

    def action_refresh_all(self) -> None:
        now = self.clock()
        if not self.sources.demo:
            self._rediscover()
        for entry in self.store.entries.values():  # merged ones too: they may part again
            self.store.request_now(entry, now)
        self.notify(f"Refreshing {plural(len(self.store), 'account')}…", timeout=2)
        self._tick()

    def action_sort(self) -> None:
        overview = self.overview
        overview.sort = SORTS[(SORTS.index(overview.sort) + 1) % len(SORTS)]
        self._reorder(force=True, panes=False)
        self._save_state_soon()
        # The order is shown at once (the rows, and the line above them); its notice follows
        # once `s` is left alone for a moment. A notice comes and goes with a layout of the
        # whole screen: pressed in a row, notices were most of what a press cost (bench_keys:
        # p95 34 ms without them, over 100 ms with).
        if self._sort_notice is not None:
            self._sort_notice.stop()
        self._sort_notice = self.set_timer(SORT_NOTICE_SECONDS, self._notify_sort)

    def _notify_sort(self) -> None:
        """The order's notice; it replaces the last one's, which no longer says what is shown."""
        self._sort_notice = None
        for notice in [n for n in self._notifications if n.message.startswith(SORTED_BY)]:
            self._unnotify(notice, refresh=False)
        self.notify(f"{SORTED_BY}{SORT_LABELS[self.overview.sort]}", timeout=2)

    def bound_keys(self) -> dict[str, list[str]]:
        """Binding id -> the keys bound to it now, after the config's [keys] remaps."""
        bindings = BindingsMap(self.BINDINGS)
        if self._keymap:
            bindings.apply_keymap(self._keymap)
        keys: dict[str, list[str]] = {}
        read_as = set(ALT_DIGIT_AS_READ.values())
        for key, key_bindings in bindings.key_to_bindings.items():
            for binding in key_bindings:
                # How Textual reads alt+N is not a key of its own for people (see above).
                if binding.id and key not in read_as:
                    keys.setdefault(binding.id, []).append(key)
        return keys

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.bound_keys(), self.COMMAND_PALETTE_BINDING))

    def action_pick_account(self) -> None:
        candidates = []
        for entry in sort_entries(
            list(self.store), "provider", self.sources.providers, self.clock()
        ):
            shown = entry.shown
            text = f"{entry.provider.name} {shown.account} {shown.plan or ''}"
            prompt = Content.assemble(
                (f"{entry.provider.name:<12}", "$text-muted"), list_prompt(entry)
            )
            candidates.append((entry.key, text, prompt))

        def chosen(key: str | None) -> None:
            if key:
                self.overview.select_key(key)
                self._open(key)

        self.push_screen(AccountPicker(candidates), chosen)

    def action_pick_theme(self) -> None:
        names = sorted(self.available_themes)

        def chosen(name: str | None) -> None:
            if name:
                self.theme = name
                self._save_state()

        self.push_screen(ThemePicker(names, self.theme), chosen)

    async def action_quit(self) -> None:
        self._save_state()
        self.exit(0)

    # The command palette's own entries: (title, what it does, the binding id, which is also
    # the action's name). The hint names the bound keys, so a [keys] remap shows there too.
    _PALETTE_COMMANDS = (
        ("Refresh selected account", "Fetch the selected account now", "refresh"),
        ("Refresh all accounts", "Fetch every account now", "refresh_all"),
        ("Change overview order", "Provider, most remaining, soonest reset", "sort"),
        ("Find account", "Fuzzy-find an account and jump to it", "pick_account"),
        ("Choose theme", "Preview and pick a theme", "pick_theme"),
        ("Account history", "The selected account's windows over 7 or 30 days", "history"),
        ("Next tab", "Go to the next tab", "next_tab"),
        ("Previous tab", "Go to the previous tab", "previous_tab"),
        ("Next account", "Next account in this provider tab", "next_account"),
        ("Previous account", "Previous account in this provider tab", "previous_account"),
        ("Keys", "Show every key", "help"),
    )  # fmt: skip

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        keys = self.bound_keys()  # after [keys] remaps, so the hints name the keys that work
        for title, help_text, binding_id in self._PALETTE_COMMANDS:
            bound = ", ".join(key_text(key) for key in keys.get(binding_id, []))
            yield SystemCommand(
                title,
                f"{help_text} ({bound})" if bound else help_text,
                getattr(self, f"action_{binding_id}"),
            )
        for number, tab in enumerate(self._tab_ids(), start=1):
            title = "Overview" if tab == OVERVIEW_TAB else BY_ID[tab.removeprefix("tab-")].name
            yield SystemCommand(
                f"Go to {title}", f"Tab {number}", lambda n=number: self.action_goto_tab(n)
            )

    # ------------------------------------------------------------------ state

    def _current_state(self) -> AppState | None:
        if not self.is_running and not self.is_mounted:
            return None
        try:
            overview = self.overview
            entry = self.selected_entry()
            return AppState(
                theme=self.theme,
                sort=overview.sort,
                tab=self._active_tab(),
                account=entry.key if entry else None,
            )
        except Exception:
            return None  # the screen is already gone; the last save stands

    def _save_state(self) -> None:
        state = self._current_state()
        if state is not None and state != self.saved:
            self._state_wanted += 1
            self._write_state(state, self._state_wanted)

    def _save_state_soon(self) -> None:
        """Save the state from a thread: a key that saves it (s) need not wait for the disk
        (the file is fsynced; on a busy disk that took longer than the key's redraw)."""
        state = self._current_state()
        if state is not None and state != self.saved:
            self._state_wanted += 1
            wanted = self._state_wanted
            self.run_worker(
                asyncio.to_thread(self._write_state, state, wanted),
                group="state",
                exit_on_error=False,
            )

    def _write_state(self, state: AppState, wanted: int) -> None:
        """Write `state`, unless a newer one was asked for since: the last asked is the one
        the file keeps, whichever thread gets here first."""
        with self._state_lock:
            if wanted != self._state_wanted or state == self.saved:
                return
            if save_state(state, self.state_path) is None:
                self.saved = state
