"""The `aiquota-tui` command: arguments, --once table, --json, exit codes (CONTRACT.md)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from providers import __version__
from providers.base import DiscoveryContext, Provider, Switcher, SwitchRefused
from providers.collect import fetch_all, ordered
from providers.discover import NO_ACCOUNTS_HINT, Sources, bad_origin_overrides, build_sources
from providers.kit.http import MAX_IN_FLIGHT, HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.secrets import scrub
from providers.kit.text import clean_text
from providers.model import AccountSnapshot
from providers.registry import BY_ID, select
from tui import once
from tui.answers import Answers, RunContext, build_answers
from tui.config import Config, default_config_path, load_user_config
from tui.crash import crash_report
from tui.switching.best import best, headroom, judge
from tui.switching.rules import switch_rules

EXIT_OK = 0
EXIT_NOT_ALL_OK = 1
EXIT_USAGE = 2
SAY_LIMIT = 1000


def _provider_id(text: str) -> str:
    """Provider ids are lower case; `--provider Codex` means codex, not a usage error."""
    return text.strip().lower()


def _epilog() -> str:
    """What --help says beyond the options: where things are, and what the exit codes mean."""
    return f"""\
config file:
  {default_config_path()}
  (another one with --config FILE)

environment:
  AIQUOTA_<ID>_URL  send provider ID's requests (ID in upper case) elsewhere:
                    AIQUOTA_CODEX_URL=http://127.0.0.1:8123 replaces the scheme,
                    host and port, keeps the path (and wins over base_url)
  COLUMNS           the width --once fits its table to (default: the terminal's,
                    80 into a pipe or a file); --wide: each account on one line

exit status:
  --once      0 every account is ok; 1 at least one is not (its status says
              why); 2 bad arguments or an unreadable config file
  --activate  0 switched (or already active); 1 refused, nothing written
              (best: none qualifies); 2 not a name, or
              no saved account of that name
  check       0 every window has --min-left; 1 one has less; 2 bad arguments;
              3 an account could not be read
  the app     2 when it has no terminal to draw on (output to a file or a
              pipe, TERM=dumb): use --once or --json there

keys: press ? in the app."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiquota-tui",
        description="How much of each AI subscription quota is left, per provider and account.",
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--demo", action="store_true", help="use built-in sample data: no credentials, no network"
    )
    parser.add_argument(
        "--once", action="store_true", help="fetch every account once, print a table, exit"
    )
    parser.add_argument(
        "--wide",
        action="store_true",
        help="with --once: every account on one line, nothing cut, whatever the width",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --once: print one JSON document (schema 1) instead",
    )
    parser.add_argument(
        "--provider",
        action="append",
        metavar="ID",
        type=_provider_id,
        choices=list(BY_ID),
        help=f"only this provider (repeatable): {', '.join(BY_ID)}",
    )
    parser.add_argument(
        "--account-dir",
        action="append",
        default=[],
        metavar="DIR",
        type=Path,
        help="a folder of saved Codex accounts <name>.auth.json (repeatable); ./account is used when it exists",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        type=Path,
        help="the config file (default: config.toml in the user config dir)",
    )
    parser.add_argument(
        "--activate",
        metavar="NAME",
        help="make the saved Codex account NAME (account/NAME.auth.json) the Codex CLI's login, "
        "saving the current login back first; `best`: the account with the most room left",
    )
    parser.add_argument(
        "--no-alerts",
        action="store_true",
        help="deliver no alert this run, in the app or with --once (the alert state is still "
        "kept current)",
    )
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        help="do not capture the mouse (keeps terminal text selection)",
    )
    parser.add_argument("--version", action="version", version=f"aiquota-tui {__version__}")
    return parser


def _say(message: str) -> None:
    """Messages for people: stderr, never a secret, never a control character (they quote
    config keys, file names and switch results)."""
    print(clean_text(scrub(message), SAY_LIMIT), file=sys.stderr)


async def _fetch(sources: Sources, max_in_flight: int) -> list[AccountSnapshot]:
    async with make_client(sources.transport, max_in_flight) as client:
        http = HttpSession(client=client, origins=sources.origins, max_in_flight=max_in_flight)
        return await fetch_all(sources.pairs, http)


def _stdout_is_utf8() -> bool:
    encoding = getattr(sys.stdout, "encoding", None) or ""
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8")


def _write_stdout(text: str) -> bool:
    """Write and flush; False when the output could not be written (said on stderr once,
    never a traceback: `> /dev/full`, a closed stdout). A reader that went away
    (`| head -1`) is not an error of ours."""
    stream = sys.stdout
    if stream is None:  # started with stdout closed (`>&-`)
        _say("aiquota-tui: there is no standard output to write to")
        return False
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        _silence_stdout()
    except (OSError, ValueError) as error:  # ValueError: a closed stream
        _say(f"aiquota-tui: cannot write the output: {_why(error)}")
        _silence_stdout()
        return False
    return True


def _why(error: Exception) -> str:
    return (isinstance(error, OSError) and error.strerror) or type(error).__name__


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the flush at exit does not fail a second time (the Python
    docs' recipe for SIGPIPE)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests' capture)
        pass


def run_once(
    sources: Sources,
    *,
    as_json: bool,
    wide: bool = False,
    max_in_flight: int = MAX_IN_FLIGHT,
    answers: Answers | None = None,
) -> int:
    snapshots = ordered(asyncio.run(_fetch(sources, max_in_flight)), sources.providers)
    if answers is not None:
        # History, alerts and the cache before the output: cron users get their alerts, and
        # the hooks' time limit (close) bounds how long the run lasts.
        answers.take(snapshots, datetime.now(UTC))
        answers.close(timeout=10.0)
    utf8 = _stdout_is_utf8()
    if as_json:
        # On a stdout that cannot encode everything, escape instead: the same JSON, in ASCII.
        document = once.json_document(snapshots, datetime.now(UTC), ascii_only=not utf8)
        _write_stdout(document + "\n")
    elif snapshots:
        width = None if wide else once.output_width(sys.stdout, os.environ)
        text = scrub(once.table(snapshots, width))
        if not utf8:
            encoding = getattr(sys.stdout, "encoding", None) or "ascii"
            text = text.encode(encoding, "replace").decode(encoding)  # "?" beats a traceback
        _write_stdout(text + "\n")
    else:
        _say(NO_ACCOUNTS_HINT)
    return EXIT_OK if all(snapshot.ok for snapshot in snapshots) else EXIT_NOT_ALL_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.json:
        args.once = True  # --json only makes sense as a one-shot answer
    for folder in args.account_dir:
        if not folder.expanduser().is_dir():
            parser.error(f"--account-dir {folder}: not a folder")
    providers = select(args.provider)
    config = load_user_config(args.config, _say)
    if config is None:
        return EXIT_USAGE
    if args.activate is not None:
        if args.demo:  # the demo touches none of your files; --activate writes ~/.codex
            _say(
                "aiquota-tui: --activate changes your real Codex login, so it does not go "
                "with --demo (the demo's own switch is enter in the app, on sample files)"
            )
            return EXIT_USAGE
        return run_activate(args.activate, config, [f.expanduser() for f in args.account_dir])
    if not args.demo:  # the demo makes no requests, so an override cannot mislead it
        problems = bad_origin_overrides(providers, os.environ)
        for problem in problems:
            _say(f"aiquota-tui: {problem}")
        if problems:
            return EXIT_USAGE
    sources = build_sources(
        providers,
        config,
        use_demo=args.demo,
        account_dirs=[folder.expanduser() for folder in args.account_dir],
    )
    if args.once:
        # The same cap on requests in flight as the app's ([refresh] max_in_flight).
        policy = config.refresh_policy()
        context = RunContext(
            config,
            "once",
            demo=args.demo,
            deliver_alerts=not args.no_alerts,
            refresh_interval=policy.interval,
        )
        return run_once(
            sources,
            as_json=args.json,
            wide=args.wide,
            max_in_flight=policy.max_in_flight,
            answers=build_answers(context, report=_say),
        )
    return _run_app(sources, config, mouse=not args.no_mouse, deliver_alerts=not args.no_alerts)


BEST = "best"  # --activate best: the name is reserved for the account with the most room


def run_activate(name: str, config: Config, account_dirs: list[Path]) -> int:
    """--activate NAME: 0 switched (or already active), 1 refused, 2 no such saved account."""
    provider = BY_ID["codex"]  # the contract: --activate is Codex's
    switcher = provider.switcher()
    assert switcher is not None
    if name == BEST:
        return run_activate_best(provider, switcher, config, account_dirs)
    problem = switcher.name_problem(name)
    if problem:  # before any lookup: `../../x` must never reach the file system
        _say(f"aiquota-tui: {problem}")
        return EXIT_USAGE
    paths = Paths()
    context = switcher.context(paths, config.provider(provider.id), account_dirs)
    chosen = switcher.find(name, context)
    if chosen is None:
        folders = switcher.folders(context)
        where = ", ".join(paths.display(folder) for folder in folders) or "no account folder found"
        known = _known(switcher.names(context))
        _say(f"aiquota-tui: no saved {provider.name} account {name!r} ({where}); {known}")
        return EXIT_USAGE
    done = _switch(switcher, chosen, context)
    if done is None:
        return EXIT_NOT_ALL_OK
    _say(done)
    return EXIT_OK


def _switch(switcher: Switcher, chosen: Path, context: DiscoveryContext) -> str | None:
    """Activate `chosen`; what was done, or None once the refusal or failure has been said."""
    try:
        return switcher.activate(chosen, context)
    except SwitchRefused as refusal:
        _say(f"aiquota-tui: not switched: {refusal}")
    except OSError as error:
        _say(f"aiquota-tui: the switch stopped: {error.strerror or type(error).__name__}")
    return None


def run_activate_best(
    provider: Provider, switcher: Switcher, config: Config, account_dirs: list[Path]
) -> int:
    """--activate best: fetch every saved account, activate the one with the most headroom.

    0 switched or the active one is already best, 1 none qualifies (nothing written)."""
    settings = config.provider(provider.id)
    rules, problems = switch_rules(settings)
    for problem in problems:
        _say(f"aiquota-tui: [providers.{provider.id}] {problem}")
    sources = build_sources([provider], config, use_demo=False, account_dirs=account_dirs)
    accounts = {account.key: account for _, account in sources.pairs}
    in_flight = config.refresh_policy().max_in_flight
    snapshots = asyncio.run(_fetch(sources, in_flight))
    # Accounts a switch can land on: the active login and the saved files (not OpenCode's).
    usable = [
        s for s in snapshots if accounts[s.key].active or switcher.refusal(accounts[s.key]) is None
    ]
    chosen = best(usable, rules.target_min)
    if chosen is None:
        _say(f"aiquota-tui: no saved {provider.name} account qualifies; nothing was changed.")
        for snapshot in usable or snapshots:
            reason = judge(snapshot, rules.target_min).reason
            _say(f"  {snapshot.account}: {reason}")
        if not usable:
            _say(f"  {NO_ACCOUNTS_HINT}")
        return EXIT_NOT_ALL_OK
    why = f"{headroom(chosen):.0f}% left in its lower window"
    account = accounts[chosen.key]
    if account.active:
        _say(f"aiquota-tui: '{chosen.account}' is already active and has the most room ({why}).")
        return EXIT_OK
    assert account.path is not None  # refusal() said it is a saved file
    context = switcher.context(Paths(), settings, account_dirs)
    done = _switch(switcher, account.path, context)
    if done is None:
        return EXIT_NOT_ALL_OK
    _say(f"{done.rstrip('.')}. It has the most room: {why}.")  # describe() ends without a stop
    return EXIT_OK


def _is_terminal(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # a closed stream
        return False


def _no_full_screen_reason() -> str | None:
    """Why the full-screen app cannot run here, or None when it can.

    Textual reads keys from stdin, draws on stderr and takes its size from stdout: with any of
    them not a terminal it draws an 80x24 screen into a file or waits for keys that never come.
    TERM=dumb (or none, outside Windows, whose consoles set no TERM) says escapes are not
    understood, as `top` and `less` also conclude."""
    streams = (("output", sys.stdout), ("input", sys.stdin), ("error output", sys.stderr))
    for label, stream in streams:
        if not _is_terminal(stream):
            return f"its standard {label} is not one"
    term = os.environ.get("TERM", "")
    if term == "dumb":
        return "TERM=dumb cannot show it"
    if not term and os.name != "nt":
        return "TERM is not set"
    return None


KNOWN_NAMES_SHOWN = 20


def _known(names: list[str]) -> str:
    """The names --activate would accept, for a user who mistyped one."""
    if not names:
        return "there are no saved accounts"
    shown = [name if name.isprintable() else repr(name) for name in names[:KNOWN_NAMES_SHOWN]]
    if len(names) > KNOWN_NAMES_SHOWN:
        shown.append(f"+{len(names) - KNOWN_NAMES_SHOWN} more")
    return "saved accounts: " + ", ".join(shown)


def _run_app(sources: Sources, config: Config, *, mouse: bool, deliver_alerts: bool = True) -> int:
    reason = _no_full_screen_reason()
    if reason is not None:
        _say(
            f"aiquota-tui: the full-screen app needs a terminal and {reason}; "
            "use --once for a table or --json for JSON."
        )
        return EXIT_USAGE
    from tui.app import QuotaApp  # Textual is only imported for the full-screen app

    app = QuotaApp(sources, config, deliver_alerts=deliver_alerts)
    app.run(mouse=mouse)
    return app.return_code or EXIT_OK


def entry_point() -> None:
    try:
        code: int | str | None = main()
    except KeyboardInterrupt:
        code = 130
    except SystemExit as stop:  # argparse's --help, --version and usage errors
        code = stop.code
    except BrokenPipeError:  # stdout's reader went away mid-write (`--help | head -1`)
        _silence_stdout()
        code = EXIT_OK
    except Exception as error:  # a bug: Python's exit code, but a scrubbed report
        print(crash_report(error), file=sys.stderr)
        code = 1
    try:
        if sys.stdout is not None:
            sys.stdout.flush()  # here, not at interpreter exit, where a failure prints a traceback
    except (OSError, ValueError):
        _silence_stdout()
    sys.exit(code)
