"""`aiquota-tui status`: one line for a status bar, from latest.json only (CONTRACT.md).

tmux runs this every second or so: it reads the cache the app, `--once` or `serve` wrote,
never the network and never a credential file, and imports neither Textual nor httpx.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import re
import string
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.kit.files import read_text
from providers.kit.text import clean_text
from providers.short_names import SHORT_NAMES
from tui.cache.store import CACHE_FILE_NAME, Document, parse_time, read_cache
from tui.commands.places import user_dir
from tui.pace_sign import pace_sign

APP_NAME = "aiquota-tui"
EXIT_OK, EXIT_USAGE, EXIT_NO_CACHE = 0, 2, 3
EXIT_NO_OUTPUT = 1  # the line could not be written (`> /dev/full`)
NO_DATA = "aiquota: no data — run aiquota-tui or aiquota-tui serve"
DEFAULT_INTERVAL = 300.0
NAME_LIMIT = 40
# Waybar's classes by what is left of the lowest window shown.
CRITICAL_BELOW, WARNING_BELOW = 10.0, 30.0
# The app's quota colours by remaining share (tui/themes.py): plenty ≥ 50, low < 50,
# critical < 20, exhausted 0. Used when the theme names none.
ANSI_COLOURS = {"plenty": "green", "low": "yellow", "critical": "red", "exhausted": "magenta"}
FIELDS = ("p", "provider", "account", "w1", "w2", "left", "reset", "pace")
# A field's format spec may pad or cut (`{account:>8}`, `{account:.6}`), within a status
# line's width: `{w1:>999999999}` would ask for a gigabyte.
_SPEC = re.compile(r"(?:.?[<>^])?(?P<width>\d{0,3})(?:\.(?P<precision>\d{1,3}))?")
MAX_WIDTH = 200
FORMAT_LIMIT, SEP_LIMIT = 500, 50


@dataclass(frozen=True)
class Options:
    format: str | None
    sep: str
    providers: tuple[str, ...]
    accounts: tuple[str, ...]
    all: bool
    tmux: bool
    ascii: bool
    waybar: bool
    stale_after: float | None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiquota-tui status",
        description="One line of what is left, from the cache the app or `serve` keeps: "
        "no network. Fields for --format: {p} {provider} {account} {w1} {w2} {left} {reset} {pace}.",
    )
    parser.add_argument("--format", metavar="F", help="one chunk, e.g. '{p} {w1}·{w2}'")
    parser.add_argument("--sep", metavar="S", default="  ", help="between chunks (two spaces)")
    parser.add_argument("--provider", action="append", default=[], metavar="ID")
    parser.add_argument("--account", action="append", default=[], metavar="NAME")
    parser.add_argument("--all", action="store_true", help="one chunk per account")
    parser.add_argument("--tmux", action="store_true", help="tmux colours (#[fg=…])")
    parser.add_argument("--ascii", action="store_true", help="no character outside ASCII")
    parser.add_argument("--waybar", action="store_true", help="one Waybar JSON object")
    parser.add_argument(
        "--stale-after",
        type=float,
        metavar="S",
        help="data older than S seconds is stale (default: twice the refresh interval)",
    )
    return parser


# ------------------------------------------------------------------ reading the cache


def cache_path() -> Path:
    return user_dir("cache") / CACHE_FILE_NAME


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)  # an integer of 400 digits is no float
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def _left(window: Mapping[str, Any]) -> float | None:
    """% left, within 0-100 whatever the file says (-5 left is nothing left)."""
    left = _number(window.get("remaining_percent"))
    return None if left is None else min(100.0, max(0.0, left))


def _provider(account: Mapping[str, Any]) -> str | None:
    provider = account.get("provider")
    return provider if isinstance(provider, str) and provider else None


def _windows(account: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    windows = account.get("windows")
    if not isinstance(windows, list):
        return []
    return [w for w in windows if isinstance(w, dict) and _left(w) is not None]


def _headroom(account: Mapping[str, Any]) -> float | None:
    lefts = [_left(w) for w in _windows(account)[:2]]
    known = [left for left in lefts if left is not None]
    return min(known) if known else None


def choose(document: Document, options: Options) -> list[Mapping[str, Any]]:
    """The accounts to show: per provider its active account, else the most headroom."""
    # An entry that names no provider is nobody's: it cannot be put in any chunk.
    accounts = [a for a in document.get("accounts", []) if isinstance(a, dict) and _provider(a)]
    if options.providers:
        accounts = [a for a in accounts if a.get("provider") in options.providers]
    if options.accounts:
        wanted = {name.casefold() for name in options.accounts}
        accounts = [a for a in accounts if _text(a.get("account")).casefold() in wanted]
    if options.all:
        return accounts
    # Per provider (the account, whether it is active, its headroom): each account's
    # headroom is worked out once, not again at every comparison (1,000 accounts are read in
    # the time tmux gives a status line).
    chosen: dict[str, tuple[Mapping[str, Any], bool, float | None]] = {}
    for account in accounts:
        provider = _provider(account) or ""
        best = chosen.get(provider)
        if best is not None and best[1]:
            continue  # the first active one stays
        active = _active(account)
        room = None if active else _headroom(account)
        if best is None or active or (room is not None and (best[2] is None or room > best[2])):
            chosen[provider] = (account, active, room if not active else _headroom(account))
    return [account for account, _, _ in chosen.values()]


def _active(account: Mapping[str, Any]) -> bool:
    return account.get("active") is True  # "false" or 1 in a damaged file is not true


# ------------------------------------------------------------------ one chunk


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def whole_number(value: float) -> int:
    """Rounded to a whole, halves up, except onto 0 or 100 from a share that is not exactly
    that (tui/percent.py's rule in whole numbers): 0.4 % left is 1, not "nothing left"."""
    rounded = math.floor(value + 0.5)
    if rounded == 0 and value > 0:
        return 1
    if rounded == 100 and value < 100:
        return 99
    return rounded


def whole(value: float | None) -> str:
    return "" if value is None else str(whole_number(value))


def short_duration(seconds: float) -> str:
    """'45m', '2h10m', '3d4h': as short as a status line needs."""
    minutes = max(0, int(seconds // 60))
    if minutes < 1:
        return "<1m"
    days, minutes = divmod(minutes, 1440)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    return f"{minutes}m"


def _next_reset(windows: Sequence[Mapping[str, Any]], now: datetime) -> str:
    upcoming = [parse_time(w.get("resets_at")) for w in windows[:2]]
    future = [moment for moment in upcoming if moment is not None and moment > now]
    if not future:
        return ""
    return short_duration((min(future) - now).total_seconds())


def _balance_text(account: Mapping[str, Any]) -> str:
    balances = account.get("balances")
    if not isinstance(balances, list):
        return ""
    for balance in balances:
        if not isinstance(balance, dict):
            continue
        amount = _number(balance.get("amount"))
        if amount is None:
            continue
        unit = balance.get("unit") if isinstance(balance.get("unit"), str) else ""
        figure = f"{amount:.2f}" if abs(amount) < 1000 else f"{amount:.0f}"
        return f"${figure}" if unit == "USD" else f"{figure} {unit}".strip()
    return ""


@dataclass(frozen=True)
class Chunk:
    text: str
    lowest: float | None  # the lowest % left shown
    stale: bool


def _short_name(document: Document, provider: str) -> str:
    table = document.get("providers")
    entry = table.get(provider) if isinstance(table, dict) else None
    short = entry.get("short") if isinstance(entry, dict) else None
    if isinstance(short, str) and short:
        return short
    return SHORT_NAMES.get(provider, provider[:3])


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def _plain(text: Any, options: Options, limit: int = NAME_LIMIT) -> str:
    """Text from the file as data: one line, no control character (not yet escaped)."""
    cleaned = clean_text(text, limit) if isinstance(text, str) else ""
    return _ascii(cleaned) if options.ascii else cleaned


def _escape(text: str, options: Options) -> str:
    """Nothing the output's reader takes as a format: Waybar's Pango markup, or tmux's #[…]
    and #(…). Waybar's object is not a tmux line, so --waybar wins over --tmux."""
    if options.waybar:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if options.tmux:
        return text.replace("#", "##")
    return text


def _safe(text: Any, options: Options, limit: int = NAME_LIMIT) -> str:
    return _escape(_plain(text, options, limit), options)


class _FieldFormatter(string.Formatter):
    """Pads or cuts a field (`{account:.3}`) before escaping it: cutting `a&amp;b` or `x##y`
    after would leave half an escape (`a&a`, `x#`) for Waybar or tmux to read."""

    def __init__(self, options: Options) -> None:
        self.options = options

    def format_field(self, value: Any, format_spec: str) -> str:
        return _escape(format(value, format_spec), self.options)


def format_problem(template: str) -> str | None:
    """Why `template` cannot be a chunk, or None. Only our fields, no conversion, no
    attribute or index (`{p.__class__}`), and a spec that pads or cuts within MAX_WIDTH."""
    usage = (
        f"--format {template!r}: use only {{p}} {{provider}} {{account}} "
        "{w1} {w2} {left} {reset} {pace}"
    )
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError:
        return usage + " (a lone { or } is written {{ or }})"
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in FIELDS or conversion is not None:
            return usage
        if spec:
            match = _SPEC.fullmatch(spec)
            sizes = [int(match[g]) for g in ("width", "precision") if match and match[g]]
            if match is None or any(size > MAX_WIDTH for size in sizes):
                return (
                    f"--format {template!r}: a field may only be padded or cut to at most "
                    f"{MAX_WIDTH} characters ({{account:>8}}, {{account:.6}})"
                )
    return None


def chunk(document: Document, account: Mapping[str, Any], options: Options, now: datetime) -> Chunk:
    windows = _windows(account)
    lefts = [_left(w) for w in windows[:2]]
    shown = [left for left in lefts if left is not None]
    first_pace = windows[0].get("pace") if windows else None
    stage = first_pace.get("stage") if isinstance(first_pace, dict) else None
    fields = {
        "p": _plain(_short_name(document, _provider(account) or ""), options),
        "provider": _plain(account.get("provider"), options),
        "account": _plain(account.get("account"), options),
        "w1": whole(lefts[0]) if lefts else "",
        "w2": whole(lefts[1]) if len(lefts) > 1 else "",
        "left": whole(min(shown)) if shown else "",
        "reset": _next_reset(windows, now),
        "pace": pace_sign(stage if isinstance(stage, str) else None, ascii_only=options.ascii),
    }
    template = options.format or _default_format(options, len(shown), account)
    try:  # checked by format_problem before the file was read
        text = _FieldFormatter(options).vformat(template, (), fields)
    except (KeyError, ValueError, IndexError, AttributeError):
        raise UsageError(format_problem(template) or f"--format {template!r}") from None
    if options.ascii:
        text = _ascii(text)
    if options.format is None and not shown:
        text = f"{text} {_safe(_balance_text(account), options) or ('x' if options.ascii else '✗')}"
    stale = _is_stale(document, account, options, now)
    if stale:
        text += "?" if options.ascii else "⚠"
    return Chunk(text, min(shown) if shown else None, stale)


def _default_format(options: Options, windows: int, account: Mapping[str, Any]) -> str:
    dot = "/" if options.ascii else "·"
    head = "{p}:{account}" if options.all else "{p}"
    if windows >= 2:
        return head + " {w1}" + dot + "{w2}"
    if windows == 1:
        return head + " {w1}"
    return head


class UsageError(Exception):
    pass


def _is_stale(
    document: Document, account: Mapping[str, Any], options: Options, now: datetime
) -> bool:
    limit = options.stale_after
    if limit is None:
        interval = _number(document.get("refresh_interval"))
        limit = 2 * (interval if interval is not None and interval > 0 else DEFAULT_INTERVAL)
    fetched = parse_time(account.get("fetched_at"))
    # A time in the future is no sign of fresh data: a file dated 9999 would never turn stale
    # after its writer stopped. As far ahead as the limit allows is a clock's skew.
    return fetched is None or abs((now - fetched).total_seconds()) > limit


# ------------------------------------------------------------------ colours


def _colour_band(left: float | None) -> str:
    if left is None:
        return "plenty"
    if left <= 0:
        return "exhausted"
    if left < 20:
        return "critical"
    if left < 50:
        return "low"
    return "plenty"


def theme_colours() -> dict[str, str]:
    """The saved theme's quota colours, read from its file; the terminal's own colours else."""
    colours = dict(ANSI_COLOURS)
    state = user_dir("state") / "state.toml"
    name = _toml(state).get("theme")
    if not isinstance(name, str) or not name:
        name = "aiquota-dark"
    found = _theme_file(name)
    for key in ANSI_COLOURS:
        value = found.get(key)
        if isinstance(value, str) and _is_colour(value):
            colours[key] = value.strip()
    return colours


def _is_colour(value: str) -> bool:
    text = value.strip()
    if text.startswith("#"):
        return len(text) in (4, 7) and all(c in "0123456789abcdefABCDEF" for c in text[1:])
    return text.isalnum() and len(text) <= 20


def _toml_text(text: str) -> dict[str, Any]:
    import tomllib  # only for --tmux: the plain line does not pay for it

    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return {}


def _toml(path: Path) -> dict[str, Any]:
    read = read_text(path, str(path), limit=256 * 1024)
    return _toml_text(read.data) if read.ok else {}


_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


def _theme_file(name: str) -> dict[str, Any]:
    import themes  # the bundled theme files' package (a plain folder: no importlib.resources)

    # state.toml's name picks a bundled file only when it is a plain name, never a path.
    if _THEME_NAME.fullmatch(name) and ".." not in name and themes.__file__:
        bundled = Path(themes.__file__).parent / f"{name}.toml"
        read = read_text(bundled, str(bundled), limit=256 * 1024)
        if read.ok:
            return _toml_text(read.data)
    folder = user_dir("config") / "themes"
    try:
        paths = sorted(folder.glob("*.toml"))
    except OSError:
        return {}
    for path in paths:
        data = _toml(path)
        if data.get("name") == name:
            return data
    return {}


def tmux_wrap(chunk_: Chunk, colours: Mapping[str, str]) -> str:
    colour = colours[_colour_band(chunk_.lowest)]
    style = f"fg={colour},dim" if chunk_.stale else f"fg={colour}"
    return f"#[{style}]{chunk_.text}#[default]"


# ------------------------------------------------------------------ the outputs


def _tooltip(
    document: Document, accounts: Sequence[Mapping[str, Any]], options: Options, now: datetime
) -> str:
    lines = []
    for account in accounts:
        parts = []
        for window in _windows(account):
            reset = parse_time(window.get("resets_at"))
            when = (
                f" (resets in {short_duration((reset - now).total_seconds())})"
                if reset and reset > now
                else ""
            )
            parts.append(
                f"{_safe(window.get('label'), options)} {whole(_left(window))}% left{when}"
            )
        if not parts:
            parts.append(
                _safe(_balance_text(account), options) or _safe(account.get("status"), options)
            )
        short = _short_name(document, _provider(account) or "")
        name = f"{_safe(short, options)} {_safe(account.get('account'), options)}"
        lines.append(f"{name}: " + ", ".join(parts))
    return "\n".join(lines)


def render(document: Document, options: Options, now: datetime) -> tuple[str, int]:
    accounts = choose(document, options)
    chunks = [chunk(document, account, options, now) for account in accounts]
    if options.waybar:
        lows = [c.lowest for c in chunks if c.lowest is not None]
        lowest = min(lows) if lows else None
        if any(c.stale for c in chunks):
            css = "stale"
        elif lowest is not None and lowest < CRITICAL_BELOW:
            css = "critical"
        elif lowest is not None and lowest < WARNING_BELOW:
            css = "warning"
        else:
            css = "ok"
        payload = {
            "text": options.sep.join(c.text for c in chunks),
            "tooltip": _tooltip(document, accounts, options, now),
            "class": css,
            "percentage": None if lowest is None else whole_number(lowest),
        }
        return json.dumps(payload, ensure_ascii=options.ascii), EXIT_OK
    if options.tmux:
        colours = theme_colours()
        return options.sep.join(tmux_wrap(c, colours) for c in chunks), EXIT_OK
    return options.sep.join(c.text for c in chunks), EXIT_OK


def no_data(options: Options) -> str:
    hint = NO_DATA.replace("—", "-") if options.ascii else NO_DATA
    if options.waybar:
        payload = {"text": hint, "tooltip": hint, "class": "stale", "percentage": None}
        return json.dumps(payload, ensure_ascii=options.ascii)
    return hint


def main(argv: Sequence[str], now: datetime | None = None, path: Path | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:
        return int(stop.code or 0) and EXIT_USAGE
    problem = _argument_problem(args)
    if problem is not None:
        print(f"aiquota-tui status: {clean_text(problem, 600)}", file=sys.stderr)
        return EXIT_USAGE
    # The separator and the format's own text are the user's, but still one line of text:
    # a newline or an ESC in them would break the status bar as one in a name would.
    sep = clean_text(args.sep, SEP_LIMIT)
    options = Options(
        format=None if args.format is None else clean_text(args.format, FORMAT_LIMIT),
        sep=_ascii(sep) if args.ascii else sep,
        providers=tuple(_provider_id(p) for p in args.provider),
        accounts=tuple(args.account),
        all=args.all,
        tmux=args.tmux,
        ascii=args.ascii,
        waybar=args.waybar,
        stale_after=args.stale_after,
    )
    document = read_cache(path or cache_path())
    if document is None:
        _print(no_data(options))
        return EXIT_NO_CACHE
    try:
        line, code = render(document, options, now or datetime.now(UTC))
    except UsageError as error:
        print(f"aiquota-tui status: {error}", file=sys.stderr)
        return EXIT_USAGE
    return code if _print(line) else EXIT_NO_OUTPUT


def _provider_id(text: str) -> str:
    return text.strip().lower()  # as the other commands: --provider Codex is codex


def _argument_problem(args: argparse.Namespace) -> str | None:
    if args.stale_after is not None and not (0 <= args.stale_after < 10**9):
        return "--stale-after must be a number of seconds, 0 or more"
    unknown = [p for p in args.provider if _provider_id(p) not in SHORT_NAMES]
    if unknown:
        return f"--provider {unknown[0]!r}: not a provider id ({', '.join(SHORT_NAMES)})"
    if len(args.sep) > SEP_LIMIT:
        return f"--sep: at most {SEP_LIMIT} characters"
    if args.format is not None and len(args.format) > FORMAT_LIMIT:
        return f"--format: at most {FORMAT_LIMIT} characters"
    return None if args.format is None else format_problem(args.format)


def _print(text: str) -> bool:
    """Write the line; False when it could not be written (said on stderr, no traceback)."""
    stream = sys.stdout
    if stream is None:  # started with stdout closed (`>&-`)
        _say_unwritten("there is no standard output")
        return False
    try:
        try:
            stream.write(text + "\n")
        except UnicodeEncodeError:
            stream.write(text.encode("ascii", "replace").decode("ascii") + "\n")
        stream.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, ValueError) as error:  # `> /dev/full`; ValueError: a closed stream
        _say_unwritten((isinstance(error, OSError) and error.strerror) or type(error).__name__)
        _silence_stdout()
        return False
    return True


def _say_unwritten(why: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        print(f"aiquota-tui status: cannot write the line: {why}", file=sys.stderr)


def _silence_stdout() -> None:
    """The reader went away: point stdout at /dev/null so the flush at exit stays quiet."""
    import os

    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def entry_point(argv: Sequence[str]) -> None:
    sys.exit(main(argv))
