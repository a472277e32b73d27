"""The `?` screen: every key as it is bound now (after [keys] remaps) and what the marks mean."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.content import Content
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

# The help's rows: the binding ids whose keys are shown, then what they do. Keys come from the
# app's bindings at the time the help opens, so a remap in config.toml shows here as it is.
ROWS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("next_tab", "previous_tab"), "next / previous tab"),
    (("next_account", "previous_account"), "next / previous account in a provider tab"),
    (("down", "up"), "move in lists"),
    (
        ("detail_page_down", "detail_page_up"),
        "a page down / up: the account's detail, or the overview's rows",
    ),
    (
        ("detail_top", "detail_bottom"),
        "the detail's top / bottom, or the overview's first / last row",
    ),
    (("open",), "open the selected overview row in its provider tab"),
    (("pick_account",), "find an account across every provider and jump to it"),
    (("refresh",), "refresh the selected account now"),
    (("refresh_all",), "refresh every account now (and look for new logins)"),
    (("sort",), "change the overview order"),
    (("history",), "the selected account's history: every window over 7 days (30 with d)"),
    (("pick_theme",), "choose a theme"),
    (("help",), "this help"),
    (("quit", "quit_ctrl_c"), "quit"),
)

# The list's own key (Textual's OptionList "select"), which no [keys] entry can move.
SWITCH_ROW = (
    "enter",
    "on a saved account in the Codex tab: make it the Codex CLI's login (asks first; the "
    "current login is saved back to its file)",
)

MARKS = (
    ("●", "the account a CLI is signed in to now (for Codex, the login in its auth.json)"),
    (
        "42%",
        "beside an account in a provider tab's list: the lower % left of its first two "
        "windows (the two the overview shows), coloured like the bars",
    ),
    ("✗", "a problem that needs you: expired or refused login, an answer we cannot read"),
    ("!", "a passing problem: offline or rate-limited; it is retried by itself"),
    (
        "┃",
        "in a bar: where the clock says the bar should end by now (its window's pace); a fill "
        "reaching past it is a reserve, one stopping short of it a deficit",
    ),
    (
        "▲ ▼ ·",
        "after a window's % left in the overview: used faster than its clock (a deficit), "
        "slower (a reserve), on track",
    ),
    ("runs out", "in the overview's status: a weekly or monthly window runs out before it resets"),
)

_TAB_ID = re.compile(r"^tab_(\d+)$")


def key_text(key: str) -> str:
    """'ctrl+r', '?', ']', 'pgdn': a key as people read it."""
    *modifiers, name = key.split("+")
    shown = {"enter": "enter", "escape": "esc"}.get(name) or format_key(name)
    return "+".join([*modifiers, shown])


def _tab_rows(keys: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
    """('1–9', 'tabs 1–9'), ('0', 'tab 10'): each tab's keys, runs of digits joined."""
    pairs = sorted(
        (int(match.group(1)), key)
        for binding_id, bound in keys.items()
        if (match := _TAB_ID.match(binding_id))
        for key in bound
    )
    groups: list[list[tuple[int, str]]] = []
    for number, key in pairs:
        if groups and _follows(groups[-1][-1], (number, key)):
            groups[-1].append((number, key))
        else:
            groups.append([(number, key)])
    rows = []
    for group in groups:
        (first, first_key), (last, last_key) = group[0], group[-1]
        if first == last:
            rows.append((key_text(first_key), f"tab {first}"))
        else:
            rows.append((f"{key_text(first_key)}–{key_text(last_key)}", f"tabs {first}–{last}"))
    if rows:
        key, what = rows[0]
        rows[0] = (key, f"{what}, in the tab bar's order (1 = Overview)")
    return rows


def _follows(previous: tuple[int, str], current: tuple[int, str]) -> bool:
    """Tab n+1 on the key after tab n's (1 then 2, alt+3 then alt+4)."""
    (number, key), (next_number, next_key) = previous, current
    if next_number != number + 1 or not key[-1:].isdigit() or not next_key[-1:].isdigit():
        return False
    return key[:-1] == next_key[:-1] and int(next_key[-1]) == int(key[-1]) + 1


def key_rows(keys: Mapping[str, Sequence[str]], palette_key: str) -> list[tuple[str, str]]:
    """(keys, what they do) for the help, from `keys`: binding id -> the keys bound now."""
    rows = _tab_rows(keys)
    for ids, what in ROWS:
        # One binding's keys joined by ",", the bindings of a pair ("next / previous") by "/".
        bound = [", ".join(key_text(key) for key in keys.get(binding_id, ())) for binding_id in ids]
        if any(bound):
            rows.append((" / ".join(part for part in bound if part), what))
        if ids == ("open",):
            rows.append(SWITCH_ROW)
    rows.append((key_text(palette_key), "command palette: every action by name"))
    return rows


def _table(rows: Sequence[tuple[str, str]]) -> Grid:
    # Content(...) throughout: a key from config.toml is data, never markup.
    cells = [
        Static(Content.styled(text, "bold") if column == 0 else Content(text))
        for row in rows
        for column, text in enumerate(row)
    ]
    return Grid(*cells, classes="help-table")


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen #help-box { width: 90; }
    HelpScreen .help-table {
        grid-size: 2;
        grid-columns: 22 1fr;
        grid-gutter: 0 1;
        height: auto;
        grid-rows: auto;
        margin: 1 0;
    }
    HelpScreen .help-table Static { height: auto; }
    """

    BINDINGS = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
    ]

    def __init__(self, keys: Mapping[str, Sequence[str]], palette_key: str = "ctrl+p") -> None:
        super().__init__()
        self.rows = key_rows(keys, palette_key)

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-box", classes="dialog"):
            yield Static(Content.styled("Keys", "bold $accent"))
            yield _table(self.rows)
            yield Static(Content.styled("Marks in the lists", "bold $accent"))
            yield _table(MARKS)
            yield Static(
                Content.styled(
                    "Bars show what is left: plenty, low (<50%), critical (<20%), none.",
                    "$text-muted",
                )
            )
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()  # the arrows and page keys scroll a long help
