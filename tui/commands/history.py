"""`aiquota-tui history`: the samples of the local history database, as a table, JSON or CSV.

    aiquota-tui history [--provider ID] [--account NAME] [--window ID] [--since 7d]
                        [--json | --csv] [--config FILE]

Exit 0 (no database yet is an empty answer), 2 for bad arguments or an unusable config.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from providers.kit.secrets import scrub
from providers.kit.text import clean_text
from tui.history.query import BalanceRow, SampleRow, read_rows
from tui.history.store import HistoryUnavailable, default_path
from tui.once import iso_utc

EXIT_OK = 0
EXIT_USAGE = 2
SCHEMA = 1
DEFAULT_SINCE = "7d"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_SINCE = re.compile(r"^\s*(\d{1,7})\s*([smhd])\s*$", re.IGNORECASE)
MAX_SINCE_SECONDS = 10 * 366 * 86400
SAMPLE_COLUMNS = (
    "provider", "account", "window", "used_percent", "resets_at", "window_seconds", "at",
)  # fmt: skip
BALANCE_COLUMNS = ("provider", "account", "balance", "amount", "unit", "at")


def since_seconds(text: str) -> int:
    """'7d', '12h', '30m', '90s' as seconds; argparse turns the ValueError into exit 2."""
    match = _SINCE.match(text)
    if not match:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a duration: a whole number and s, m, h or d, e.g. 7d or 12h"
        )
    seconds = int(match.group(1)) * _UNITS[match.group(2).lower()]
    if not 0 < seconds <= MAX_SINCE_SECONDS:
        raise argparse.ArgumentTypeError(f"{text!r}: give a duration between 1s and 3660d")
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiquota-tui history",
        description="Samples from the local history database (default: the last 7 days).",
        epilog=(
            f"database:\n  {default_path()}\n"
            "  a sample when a value moved 0.5 points, its reset changed, or 15 minutes\n"
            "  passed; every sample for 90 days, then one an hour for two years.\n"
            "  [history] enabled = false in config.toml stops recording.\n\n"
            "exit status:\n  0 (no database yet: nothing printed), 2 bad arguments"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--provider",
        action="append",
        default=[],
        metavar="ID",
        help="only this provider (repeatable)",
    )
    parser.add_argument(
        "--account",
        action="append",
        default=[],
        metavar="NAME",
        help="only the account of this name (repeatable)",
    )
    parser.add_argument(
        "--window",
        action="append",
        default=[],
        metavar="ID",
        help="only this window (or balance) id, e.g. five_hour, weekly (repeatable)",
    )
    parser.add_argument(
        "--since",
        type=since_seconds,
        default=since_seconds(DEFAULT_SINCE),
        metavar="AGE",
        help="how far back: a number and s, m, h or d (default: 7d)",
    )
    formats = parser.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true", help="one JSON document (schema 1)")
    formats.add_argument("--csv", action="store_true", help="the window samples as CSV")
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="the config file, for its [history] (default: config.toml in the user config dir)",
    )
    return parser


def _say(message: str) -> None:
    print(clean_text(scrub(message), 1000), file=sys.stderr)


def _number(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits) + 0.0


def sample_json(row: SampleRow) -> dict[str, Any]:
    return {
        "provider": row.provider,
        "account": row.account,
        "window": row.window,
        "used_percent": _number(row.used_percent, 6),
        "resets_at": _iso(row.resets_at),
        "window_seconds": row.window_seconds,
        "at": _iso(row.at),
    }


def balance_json(row: BalanceRow) -> dict[str, Any]:
    return {
        "provider": row.provider,
        "account": row.account,
        "balance": row.balance,
        "amount": _number(row.amount, 10),
        "unit": row.unit,
        "at": _iso(row.at),
    }


def _iso(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    try:
        return iso_utc(datetime.fromtimestamp(seconds, UTC))
    except (OverflowError, ValueError, OSError):
        return None


def json_text(
    samples: Sequence[SampleRow], balances: Sequence[BalanceRow], *, ascii_only: bool
) -> str:
    document = {
        "schema": SCHEMA,
        "samples": [sample_json(row) for row in samples],
        "balances": [balance_json(row) for row in balances],
    }
    return json.dumps(document, indent=2, ensure_ascii=ascii_only, allow_nan=False)


# A spreadsheet opening the CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...), +cmd|...): names come from services and files, so such a text cell is
# written with a leading ' (OWASP's advice), which shows as the text itself. Numbers and times
# are ours and never start with one.
_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_LEADS):
        return "'" + value
    return value


def csv_text(samples: Sequence[SampleRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SAMPLE_COLUMNS)
    for row in samples:
        shown = sample_json(row)
        writer.writerow([_csv_cell(shown[column]) for column in SAMPLE_COLUMNS])
    return out.getvalue()


def _local(seconds: int | None) -> str:
    if seconds is None:
        return "-"
    try:
        return datetime.fromtimestamp(seconds, UTC).astimezone().strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError, OSError):
        return _iso(seconds) or "-"


def _columns(rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for row in rows:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


def _used_text(used: float) -> str:
    """One decimal, but (as tui/percent.py rules) never 100.0% or 0.0% for a share that is
    not exactly that: 99.99 % used is "99.9%", not a spent window."""
    text = f"{used:.1f}"
    if text in ("100.0", "0.0", "-0.0") and used != float(text):
        text = f"{math.floor(used * 10) / 10 if used > 50 else math.ceil(used * 10) / 10:.1f}"
    return f"{text}%"


def table_text(samples: Sequence[SampleRow], balances: Sequence[BalanceRow]) -> str:
    """Local times, one sample a line, grouped by account and window as the JSON is."""
    lines: list[str] = []
    if samples:
        rows = [("TIME", "PROVIDER", "ACCOUNT", "WINDOW", "USED", "RESETS")]
        rows += [
            (
                _local(row.at),
                row.provider,
                row.account,
                row.window,
                _used_text(row.used_percent),
                _local(row.resets_at),
            )
            for row in samples
        ]
        lines += _columns(rows, right={4})
    if balances:
        if lines:
            lines.append("")
        rows = [("TIME", "PROVIDER", "ACCOUNT", "BALANCE", "AMOUNT", "UNIT")]
        rows += [
            (
                _local(row.at),
                row.provider,
                row.account,
                row.balance,
                f"{row.amount:,.2f}",
                row.unit or "",
            )
            for row in balances
        ]
        lines += _columns(rows, right={4})
    return "\n".join(lines)


def _stdout_is_utf8() -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or ""
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8")


def _write_csv(text: str, utf8: bool) -> None:
    """CSV has no escapes: on a stdout that cannot encode a name (PYTHONIOENCODING=ascii, a
    Latin-1 locale) a UnicodeEncodeError took the command down. Such a CSV is written as
    UTF-8 bytes (what spreadsheets and csv readers expect), or with ? when there is no buffer."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    buffer = getattr(sys.stdout, "buffer", None)
    if utf8 or _encodes(text, encoding):
        _write(text)
    elif buffer is None:
        _write(text.encode(encoding, "replace").decode(encoding))
    else:
        try:
            sys.stdout.flush()
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        except BrokenPipeError:  # as in _write
            pass


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _write(text: str) -> None:
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `| head`: the reader went away, not an error of ours
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):
            pass


def _history_enabled(config_path: Path | None) -> bool | None:
    """[history] enabled from the config; None (and a sentence said) when it is unusable."""
    from tui.config import load_user_config

    config = load_user_config(config_path, _say)
    return None if config is None else config.history_enabled


def main(argv: Sequence[str], *, now: datetime | None = None, path: Path | None = None) -> int:
    args = build_parser().parse_args(list(argv))
    config_path = args.config.expanduser() if args.config is not None else None
    enabled = _history_enabled(config_path)
    if enabled is None:
        return EXIT_USAGE
    path = path or default_path()
    if not enabled:
        _say("aiquota-tui: history is off ([history] enabled = false): nothing new is recorded")
    moment = now or datetime.now(UTC)
    since = int(moment.timestamp()) - args.since
    try:
        samples, balances = read_rows(
            path,
            since,
            providers=[p.strip().lower() for p in args.provider],
            accounts=args.account,
            windows=args.window,
        )
    except HistoryUnavailable as problem:
        _say(f"aiquota-tui: {problem}")
        samples, balances = [], []
    except Exception as error:  # sqlite3.Error and the like: an answer, not a traceback
        _say(f"aiquota-tui: cannot read the history in {path} ({type(error).__name__})")
        samples, balances = [], []
    utf8 = _stdout_is_utf8()
    if args.json:
        _write(json_text(samples, balances, ascii_only=not utf8) + "\n")
    elif args.csv:
        _write_csv(csv_text(samples), utf8)
    elif samples or balances:
        text = table_text(samples, balances)
        if not utf8:
            encoding = getattr(sys.stdout, "encoding", None) or "ascii"
            text = text.encode(encoding, "replace").decode(encoding)
        _write(text + "\n")
    else:
        _say(
            f"aiquota-tui: no history yet ({path})"
            if not path.exists()
            else "aiquota-tui: no samples in that range"
        )
    return EXIT_OK


def entry_point(argv: list[str]) -> None:
    try:
        code: int | str | None = main(argv)
    except KeyboardInterrupt:
        code = 130
    except SystemExit as stop:  # argparse: --help, or bad arguments (exit 2 with a sentence)
        code = stop.code
    except Exception as error:  # a bug: a scrubbed report, never a raw traceback
        from tui.crash import crash_report

        print(crash_report(error), file=sys.stderr)
        code = 1
    sys.exit(code)
