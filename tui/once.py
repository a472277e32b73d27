"""The one-shot outputs: the plain table and the schema-1 JSON document (CONTRACT.md)."""

from __future__ import annotations

import json
import os
import re
import textwrap
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

from providers.kit.text import BIDI_CONTROLS
from providers.kit.values import finite
from providers.model import AccountSnapshot, Balance, Window
from tui.format import number, slot_window
from tui.pace import as_shown, pace_json
from tui.percent import percent_text
from tui.units import unit_suffix

SCHEMA_VERSION = 1


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    # isoformat, not strftime: glibc's %Y does not pad years before 1000 to four digits.
    plain = moment.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return f"{plain.isoformat()}Z"


def _finite(value: float | None) -> float | None:
    """Strict JSON has no NaN or Infinity, and -0.0 means nothing here: both become honest values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = finite(value)
    if value == 0:
        return type(value)(0)  # -0.0 → 0.0; ints stay ints
    return value


def _clean(value: float | None, digits: int = 6) -> float | None:
    """Numbers without float noise (34.3508, not 34.35080000000001).

    Percentages keep 6 decimals; amounts and counts keep 10, enough for tiny crypto balances.
    """
    value = _finite(value)
    if value is None or isinstance(value, int):
        return value
    return round(value, digits) + 0.0  # + 0.0: round(-0.0000001) is -0.0


def _as_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _used_percent(window: Window) -> float | None:
    return None if window.unlimited else _as_float(_clean(window.used_percent))


def _remaining_percent(window: Window) -> float | None:
    # A non-finite used share has no meaningful remainder: both are unknown.
    if _used_percent(window) is None:
        return None
    return _as_float(_clean(window.remaining_percent))


def _window_json(window: Window, fetched_at: datetime | None = None) -> dict[str, Any]:
    return {
        "id": window.id,
        "label": window.label,
        "used_percent": _used_percent(window),
        "remaining_percent": _remaining_percent(window),
        "resets_at": iso_utc(window.resets_at),
        "window_seconds": _finite(window.window_seconds),
        "used": _clean(window.used, 10),
        "limit": _clean(window.limit, 10),
        "unit": window.unit,
        "unlimited": window.unlimited,
        "binding": window.binding,
        "pace": pace_json(as_shown(window, fetched_at)),
    }


def _balance_json(balance: Balance) -> dict[str, Any]:
    return {
        "id": balance.id,
        "label": balance.label,
        "amount": _clean(balance.amount, 10),
        "limit": _clean(balance.limit, 10),
        "unit": balance.unit,
        "unlimited": balance.unlimited,
    }


def snapshot_json(snapshot: AccountSnapshot) -> dict[str, Any]:
    return {
        "provider": snapshot.provider,
        "account": snapshot.account,
        "active": snapshot.active,
        "source": snapshot.source,
        "plan": snapshot.plan,
        "status": snapshot.status.value,
        "message": None if snapshot.ok else (snapshot.message or snapshot.status.value),
        "fetched_at": iso_utc(snapshot.fetched_at),
        "windows": [_window_json(window, snapshot.fetched_at) for window in snapshot.windows],
        "balances": [_balance_json(balance) for balance in snapshot.balances],
    }


def json_document(
    snapshots: Sequence[AccountSnapshot], generated_at: datetime, *, ascii_only: bool = False
) -> str:
    """The schema-1 document. `ascii_only` escapes non-ASCII text (\\u00b7) for a stdout that
    cannot encode it (LANG=C without UTF-8 mode, PYTHONIOENCODING=ascii): still the same JSON."""
    return dump_document(document_of(snapshots, generated_at), ascii_only=ascii_only)


def document_of(snapshots: Sequence[AccountSnapshot], generated_at: datetime) -> dict[str, Any]:
    return {
        "schema": SCHEMA_VERSION,
        "generated_at": iso_utc(generated_at),
        "accounts": [snapshot_json(snapshot) for snapshot in snapshots],
    }


def dump_document(
    document: dict[str, Any], *, ascii_only: bool = False, compact: bool = False
) -> str:
    """A document as strict JSON text, with every character a terminal could act on escaped.

    `compact` for files only programs read (the status-line cache): json's C encoder only
    works without indentation, and the indented Python one took 0.3 s for 1,000 accounts."""
    # allow_nan=False: every number was made finite above; strict JSON must never hold NaN.
    layout: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    text = json.dumps(document, ensure_ascii=ascii_only, allow_nan=False, **layout)
    # ensure_ascii=False lets DEL, C1 controls (U+009B is a CSI), U+2028/2029 (line breaks
    # to JavaScript) and bidi controls through raw. Snapshots are cleaned of them already;
    # escaping them anyway keeps a `cat` of the document harmless whatever reached it.
    return _JSON_ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_JSON_ESCAPED = re.compile(f"[\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")


def _percent(value: float | None) -> str:
    return percent_text(value, missing="-")


# The weekly reset, shortest last. The shorter forms drop the year and then the weekday, which a
# reset within the coming week does not need; a reset further away keeps its year and gives up
# its time instead, so a date is never shown without the year it needs.
_RESET_FORMS = ("%a %Y-%m-%d %H:%M", "%a %m-%d %H:%M", "%m-%d %H:%M")
_FAR_FORMS = ("%a %Y-%m-%d %H:%M", "%a %Y-%m-%d", "%Y-%m-%d")
_NEAR = timedelta(days=150)


def _local(moment: datetime | None, form: int = 0, now: datetime | None = None) -> str:
    if moment is None:
        return "-"
    try:
        local = moment.astimezone()
        far = form > 0 and abs(local - (now or datetime.now(UTC))) > _NEAR
        return local.strftime((_FAR_FORMS if far else _RESET_FORMS)[form])
    except (OverflowError, ValueError, OSError):  # a date at the edge of what datetime holds
        text = iso_utc(moment) or "-"
        return text if form == 0 else text[: len("YYYY-MM-DD")]


def _display_width(text: str) -> int:
    """Terminal columns: wide and full-width characters (CJK, many emoji) take two, combining
    marks none. unicodedata, not wcwidth or rich: --once imports neither."""
    return sum(_char_width(char) for char in text)


def _char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in "WF" else 1


def _cut(text: str, width: int | None) -> str:
    """`text` within `width` columns, ending in … when something had to go (None: uncut).
    Counted forward once, not shortened a character at a time: a huge name stays cheap."""
    if width is None or _display_width(text) <= width:
        return text
    kept, used = [], 0
    for char in text:
        used += _char_width(char)
        if used > width - _display_width(_CUT):
            break
        kept.append(char)
    return "".join(kept).rstrip() + _CUT  # "octocat…", not "octocat …"


_TABLE_WINDOWS = ("five_hour", "weekly")  # the ids the 5H and WEEK columns are for
_COLUMN_NAMES = ("5H", "WEEK")  # how OTHER names those columns when a stand-in fills one
DEFAULT_WIDTH = 80  # what a table gets when its width cannot be known (a pipe, a file)
_HEADERS = ("PROVIDER", "ACCOUNT", "PLAN", "5H LEFT", "WEEK LEFT", "WEEK RESETS")
_SHORT_HEADERS = ("PROVIDER", "ACCOUNT", "PLAN", "5H", "WEEK", "WEEK RESETS")
_ACCOUNT, _PLAN = 1, 2  # the two columns that are cut when nothing else is left to give up
_RIGHT_ALIGNED = {3, 4}
_GAP = "  "
_INDENT = "  "  # lines that belong to the row above them
_CUT = "…"  # the app's own mark; a stdout that cannot encode it gets "?" (cli.run_once)
_ACTIVE = " *"  # after the account a CLI is signed in to; never cut away


def output_width(stream: TextIO, env: Mapping[str, str]) -> int:
    """COLUMNS when it is set to a number (as every tool honours it), else the width of the
    terminal the table goes to, else 80: a pipe or a file gets the same table whichever
    terminal started the command, and `COLUMNS=200 aiquota-tui --once | less` still works."""
    columns = env.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        if stream.isatty():
            # The stream's own descriptor, not sys.__stdout__ as shutil.get_terminal_size asks.
            size = os.get_terminal_size(stream.fileno()).columns
            if size > 0:  # a fresh pseudo-terminal may not have a size yet
                return size
    except (OSError, ValueError, AttributeError):  # closed, or no descriptor (a StringIO)
        pass
    return DEFAULT_WIDTH


def _window_summary(window: Window) -> str:
    """'Premium 40% left', 'Premium 254% over', 'Chat unlimited'."""
    if window.unlimited:
        return f"{window.label} unlimited"
    used = _clean(window.used_percent)
    if used is not None and used > 100:
        return f"{window.label} {_percent(used - 100)} over"
    count = _clean(window.used, 10)
    if used is None and count is not None:
        # A count with no allowance to weigh it against (a pooled seat's AI credits, §3 2026):
        # what was used, not a share nobody knows.
        return f"{window.label} {number(count)}{unit_suffix(window.label, window.unit, count)} used"
    return f"{window.label} {_percent(_remaining_percent(window))} left"


def _balance_summary(balance: Balance) -> str:
    """'Credits 14.5', 'Available 8,587,700 quota': the unit once, not again after a label naming it."""
    if balance.unlimited:
        return f"{balance.label} unlimited"
    amount_value = _clean(balance.amount, 10)  # tui.format.number crashes on NaN / infinity
    if amount_value is None:
        return f"{balance.label} ?"
    return f"{balance.label} {number(amount_value)}{unit_suffix(balance.label, balance.unit)}"


def _columns(snapshot: AccountSnapshot) -> tuple[Window | None, Window | None]:
    """The windows the 5H and WEEK columns show: the account's own, or a window the provider
    listed ahead of it to stand in for it (tui.format.slot_window: the limit that binds now,
    or a model's limit fuller than the plain one)."""
    five_hour, weekly = (slot_window(snapshot.windows, own) for own in _TABLE_WINDOWS)
    return five_hour, weekly


def _slot_cell(window: Window | None) -> str:
    return _percent(_remaining_percent(window) if window else None)


def _stand_ins(columns: Sequence[Window | None]) -> list[str]:
    """'WEEK: Fable only (binds now)' for each column a stand-in fills: its share is in the
    column, its name here, first under OTHER so that no cut takes it away."""
    items = []
    for window, own_id, name in zip(columns, _TABLE_WINDOWS, _COLUMN_NAMES, strict=True):
        if window is not None and window.id != own_id:
            items.append(f"{name}: {window.label}" + (" (binds now)" if window.binding else ""))
    return items


def _others(snapshot: AccountSnapshot) -> list[str]:
    """What stands in the 5H and WEEK columns when it is not their own window, the windows
    they do not show (monthly, per-model, a plain weekly a scoped limit stands in for, …),
    then balances, briefly."""
    shown = _columns(snapshot)
    items = [_window_summary(w) for w in snapshot.windows if all(w is not one for one in shown)]
    return _stand_ins(shown) + items + [_balance_summary(b) for b in snapshot.balances]


def _others_within(items: Sequence[str], room: int) -> str | None:
    """As many items as fit in `room`, then '+N more'; None when not even the first one fits."""
    if not items:
        return "-"
    for shown in range(len(items), 0, -1):
        rest = len(items) - shown
        text = ", ".join(items[:shown]) + (f", +{rest} more" if rest else "")
        if _display_width(text) <= room:
            return text
    return None


def _others_cut(items: Sequence[str], room: int) -> str:
    """Like _others_within, but always an answer: the first item itself is cut when it must be."""
    text = _others_within(items, room)
    if text is not None:
        return text
    tail = f", +{len(items) - 1} more" if len(items) > 1 else ""
    return _cut(items[0], max(room - len(tail), 2)) + tail


@dataclass(frozen=True)
class _Layout:
    """How the columns before STATUS are drawn: the narrowing steps below, one per table."""

    form: int = 0  # which of _RESET_FORMS
    headers: tuple[str, ...] = _HEADERS
    gap: str = _GAP
    cut: bool = False  # share what the other columns leave between ACCOUNT and PLAN
    account: int | None = None  # their widths once shared (None: uncut)
    plan: int | None = None


# Tried in order until the table fits. Each step gives up less than the next: the reset's year,
# its weekday, the word LEFT (the README says what the columns are); only then are names cut,
# and last the gaps narrowed. Nothing before STATUS moves to another line, so columns stay put.
_STEPS = (
    _Layout(),
    _Layout(form=1),
    _Layout(form=2),
    _Layout(form=2, headers=_SHORT_HEADERS),
    _Layout(form=2, headers=_SHORT_HEADERS, cut=True),
    _Layout(form=2, headers=_SHORT_HEADERS, cut=True, gap=" "),
)


def _account_cell(name: str, active: bool, width: int | None) -> str:
    """The name, cut to `width` when given, with the active mark kept whole after it."""
    if not active:
        return _cut(name, width)
    return _cut(name, None if width is None else width - len(_ACTIVE)) + _ACTIVE


@dataclass(frozen=True)
class _Row:
    provider: str
    account: str
    active: bool
    plan: str
    five_hour: str
    weekly: str
    resets_at: datetime | None
    others: list[str]
    status: str
    message: str | None  # None exactly when the status is ok

    def cells(self, layout: _Layout, now: datetime) -> tuple[str, ...]:
        """One per header of `layout`."""
        return (
            self.provider,
            _account_cell(self.account, self.active, layout.account),
            _cut(self.plan, layout.plan),
            self.five_hour,
            self.weekly,
            _local(self.resets_at, layout.form, now),
        )

    @property
    def status_and_message(self) -> str:
        """'ok', or 'auth_expired: Access token expired …' for the one-line layout."""
        return f"{self.status}: {self.message}" if self.message else self.status


def _row(snapshot: AccountSnapshot) -> _Row:
    five_hour, weekly = _columns(snapshot)
    return _Row(
        provider=snapshot.provider,
        account=snapshot.account,
        active=snapshot.active,
        plan=snapshot.plan or "-",
        five_hour=_slot_cell(five_hour),
        weekly=_slot_cell(weekly),
        resets_at=weekly.resets_at if weekly else None,
        others=_others(snapshot),
        status=snapshot.status.value,
        message=None if snapshot.ok else (snapshot.message or None),
    )


def _widths(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Each column as wide as its widest cell, so every row has the same columns."""
    return [
        max(_display_width(header), *(_display_width(row[i]) for row in rows))
        for i, header in enumerate(headers)
    ]


def _span(widths: Sequence[int], gap: str) -> int:
    return sum(widths) + len(gap) * (len(widths) - 1)


def _aligned(headers: Sequence[str], rows: Sequence[Sequence[str]], gap: str = _GAP) -> list[str]:
    """The header line and one line per row, in columns as wide as their widest cell."""
    widths = _widths(headers, rows)

    def line(cells: Sequence[str]) -> str:
        parts = []
        for i, cell in enumerate(cells):
            pad = " " * (widths[i] - _display_width(cell))
            parts.append(pad + cell if i in _RIGHT_ALIGNED else cell + pad)
        return gap.join(parts).rstrip()

    return [line(headers), *(line(row) for row in rows)]


def _wide(rows: Sequence[_Row], now: datetime) -> list[str]:
    """Everything on the row's one line, uncut, however long it gets (--wide)."""
    cells = [
        (
            *row.cells(_STEPS[0], now),
            ", ".join(row.others) or "-",
            row.status_and_message,
        )
        for row in rows
    ]
    return _aligned((*_HEADERS, "OTHER", "STATUS"), cells)


def _with_status(layout: _Layout, rows: Sequence[_Row], now: datetime) -> list[int]:
    """The column widths of `layout` with STATUS after them."""
    cells = [(*row.cells(layout, now), row.status) for row in rows]
    return _widths((*layout.headers, "STATUS"), cells)


def _share(room: int, account: int, plan: int) -> tuple[int, int]:
    """ACCOUNT's and PLAN's widths in `room` columns when both do not fit: a plan is a word or
    two, so it gets what it needs up to a third and the account the rest; neither goes below
    its header."""
    plan_width = min(plan, max(len("PLAN"), room // 3))
    account_width = min(account, max(len("ACCOUNT"), room - plan_width))
    return account_width, min(plan, max(len("PLAN"), room - account_width))


def _layout(rows: Sequence[_Row], width: int, now: datetime) -> tuple[_Layout, list[int]]:
    """The first of _STEPS whose columns (with STATUS) fit `width`, else the narrowest."""
    for layout in _STEPS:
        widths = _with_status(layout, rows, now)
        if layout.cut:
            room = width - (_span(widths, layout.gap) - widths[_ACCOUNT] - widths[_PLAN])
            account, plan = _share(room, widths[_ACCOUNT], widths[_PLAN])
            layout = replace(layout, account=account, plan=plan)
            widths = _with_status(layout, rows, now)
        if _span(widths, layout.gap) <= width:
            break
    return layout, widths


def _fitted(rows: Sequence[_Row], width: int, now: datetime) -> list[str]:
    """The table within `width` columns where it can be (see _STEPS). STATUS keeps just the
    status word and a problem's message goes on indented lines under its row; OTHER stays a
    column, cut with '+N more', when every row's first item fits, else it too goes under its
    row."""
    layout, widths = _layout(rows, width, now)
    room = width - _span(widths, layout.gap) - len(layout.gap)  # for OTHER and its gap
    others = [_others_within(row.others, room) for row in rows]
    inline = room >= len("OTHER") and all(text is not None for text in others)
    if inline:
        cells = [
            (*row.cells(layout, now), text or "-", row.status)
            for row, text in zip(rows, others, strict=True)
        ]
        lines = _aligned((*layout.headers, "OTHER", "STATUS"), cells, layout.gap)
    else:
        cells = [(*row.cells(layout, now), row.status) for row in rows]
        lines = _aligned((*layout.headers, "STATUS"), cells, layout.gap)
    out = lines[:1]
    for row, line in zip(rows, lines[1:], strict=True):
        out.append(line)
        if row.others and not inline:
            out.append(_INDENT + _others_cut(row.others, width - len(_INDENT)))
        if row.message:
            out += textwrap.wrap(
                row.message,
                width=max(width, 2 * len(_INDENT) + 1),
                initial_indent=_INDENT,
                subsequent_indent=_INDENT,
                break_long_words=False,  # a path or a command stays whole, to copy
                break_on_hyphens=False,
            ) or [_INDENT + row.message]
    return out


def table(
    snapshots: Sequence[AccountSnapshot], width: int | None = None, now: datetime | None = None
) -> str:
    """Account, five-hour % left, weekly % left, weekly reset (local time), other windows, status.

    Within `width` columns (see _fitted), or with `width` None every account on one line, uncut.
    `now` decides which resets are near enough to be shown without their year.
    """
    now = now or datetime.now(UTC)
    rows = [_row(snapshot) for snapshot in snapshots]
    out = _wide(rows, now) if width is None else _fitted(rows, width, now)
    if any(snapshot.active for snapshot in snapshots):
        out.append("* the account a CLI is signed in to now")
    return "\n".join(out)
