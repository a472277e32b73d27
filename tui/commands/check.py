"""`aiquota-tui check`: a guard for scripts — is there at least N % left everywhere selected?

    aiquota-tui check --provider codex --min-left 20 && run-the-long-job

Fetches the selected accounts once (recording history and evaluating alerts as `--once` does)
and exits 0 when every selected window of every selected account has at least N % left, 1 when
one has less (named on stderr), 3 when an account could not be read and none is low, 2 for bad
arguments (a --window that no selected account has among them: a typo must not pass). A low
window wins over an unreadable account: it is the surer answer.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from providers.collect import ordered
from providers.discover import bad_origin_overrides, build_sources
from providers.model import AccountSnapshot
from providers.registry import BY_ID, select
from tui import once
from tui.answers import RunContext, build_answers
from tui.cli import EXIT_OK, EXIT_USAGE, _fetch, _provider_id, _say, _stdout_is_utf8, _write_stdout
from tui.config import load_user_config
from tui.percent import percent_text

EXIT_LOW = 1
EXIT_UNREADABLE = 3


def _percent(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise argparse.ArgumentTypeError("must be a percentage from 0 to 100")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiquota-tui check",
        description="Fetch the selected accounts once; exit 0 when every selected window has "
        "at least N %% left, 1 when one has less, 3 when an account could not be read, "
        "2 for bad arguments.",
    )
    parser.add_argument("--min-left", type=_percent, required=True, metavar="N")
    parser.add_argument(
        "--provider", action="append", metavar="ID", type=_provider_id, choices=list(BY_ID)
    )
    parser.add_argument("--account", action="append", default=[], metavar="NAME")
    parser.add_argument("--window", action="append", default=[], metavar="ID")
    parser.add_argument("--json", action="store_true", help="the --once --json document + check")
    parser.add_argument("--config", type=Path, metavar="FILE")
    parser.add_argument("--account-dir", action="append", default=[], type=Path, metavar="DIR")
    parser.add_argument("--no-alerts", action="store_true", help="deliver no alert this run")
    return parser


@dataclass(frozen=True)
class Failing:
    snapshot: AccountSnapshot
    window: str
    remaining: float


def verdict(
    snapshots: Sequence[AccountSnapshot], min_left: float, windows: Sequence[str]
) -> tuple[list[Failing], list[AccountSnapshot]]:
    """The windows under the line, and the accounts that could not be read."""
    failing: list[Failing] = []
    unreadable: list[AccountSnapshot] = []
    for snapshot in snapshots:
        if not snapshot.ok:
            unreadable.append(snapshot)
            continue
        for window in snapshot.windows:
            if windows and window.id not in windows:
                continue
            left = window.remaining_percent
            if left is not None and left < min_left:
                failing.append(Failing(snapshot, window.id, left))
    return failing, unreadable


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:
        return EXIT_OK if not stop.code else EXIT_USAGE
    for folder in args.account_dir:
        if not folder.expanduser().is_dir():
            _say(f"aiquota-tui check: --account-dir {folder}: not a folder")
            return EXIT_USAGE
    config = load_user_config(args.config, _say)
    if config is None:
        return EXIT_USAGE
    providers = select(args.provider)
    problems = bad_origin_overrides(providers, os.environ)
    for problem in problems:
        _say(f"aiquota-tui check: {problem}")
    if problems:
        return EXIT_USAGE
    sources = build_sources(
        providers, config, use_demo=False, account_dirs=[f.expanduser() for f in args.account_dir]
    )
    if args.account:
        known = sorted({account.label for _, account in sources.pairs}, key=str.casefold)
        wanted = {name.casefold() for name in args.account}
        sources.pairs[:] = [p for p in sources.pairs if p[1].label.casefold() in wanted]
        if not sources.pairs and known:
            # A typo in a guard's --account is a usage error, like one in --window: say which
            # names exist rather than report an unreadable account that was never asked.
            _say(
                f"aiquota-tui check: --account {', '.join(args.account)}: "
                f"no such account (the accounts: {_listed(known)})"
            )
            if args.json:
                _print_json([], args.min_left, [], datetime.now(UTC), passed=False)
            return EXIT_USAGE
    if not sources.pairs:
        _say("aiquota-tui check: no accounts found")
        if args.json:  # a script that reads the verdict gets one
            _print_json([], args.min_left, [], datetime.now(UTC), passed=False)
        return EXIT_UNREADABLE
    policy = config.refresh_policy()
    snapshots = ordered(asyncio.run(_fetch(sources, policy.max_in_flight)), sources.providers)
    now = datetime.now(UTC)
    context = RunContext(
        config, "check", deliver_alerts=not args.no_alerts, refresh_interval=policy.interval
    )
    answers = build_answers(context, report=_say)
    answers.take(snapshots, now)
    answers.close(timeout=10.0)
    failing, unreadable = verdict(snapshots, args.min_left, args.window)
    for item in failing:
        _say(
            f"aiquota-tui check: {item.snapshot.provider}/{item.snapshot.account} {item.window} "
            f"has {percent_text(item.remaining)} left, under {args.min_left:g}%"
        )
    for snapshot in unreadable:
        _say(
            f"aiquota-tui check: {snapshot.provider}/{snapshot.account} could not be read "
            f"({snapshot.status.value}): {snapshot.message or ''}".rstrip(": ")
        )
    # A --window that no readable account has checks nothing: a typo must not pass a guard.
    # (An unreadable account may have it: that is exit 3, said above.)
    absent = [w for w in args.window if not any(s.window(w) for s in snapshots if s.ok)]
    if absent and not unreadable:
        known = sorted({w.id for s in snapshots for w in s.windows})
        _say(
            f"aiquota-tui check: --window {', '.join(absent)}: no selected account has it "
            f"(their windows: {', '.join(known) or 'none'})"
        )
    if args.json:
        passed = not failing and not unreadable and not absent
        _print_json(snapshots, args.min_left, failing, now, passed=passed)
    if failing:
        return EXIT_LOW
    if unreadable:
        return EXIT_UNREADABLE
    if absent:
        return EXIT_USAGE
    return EXIT_OK


def _listed(names: Sequence[str], most: int = 20) -> str:
    """Names for a message (which _say makes safe): no more than `most` of them."""
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _print_json(
    snapshots: Sequence[AccountSnapshot],
    min_left: float,
    failing: Sequence[Failing],
    now: datetime,
    *,
    passed: bool,
) -> None:
    document = once.document_of(snapshots, now)
    document["check"] = {
        "min_left": min_left,
        "passed": passed,
        "failing": [
            {
                "provider": f.snapshot.provider,
                "account": f.snapshot.account,
                "window": f.window,
                "remaining_percent": round(f.remaining, 6) + 0.0,
            }
            for f in failing
        ],
    }
    _write_stdout(once.dump_document(document, ascii_only=not _stdout_is_utf8()) + "\n")


def entry_point(argv: Sequence[str]) -> None:
    try:
        code = main(argv)
    except KeyboardInterrupt:
        code = 130
    with contextlib.suppress(BrokenPipeError):
        sys.stdout.flush()
    sys.exit(code)
