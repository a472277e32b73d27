"""`aiquota-tui serve`: refresh every account in the background and answer over HTTP.

The app's refresh loop (tui/serve/refresher.py) without a screen, feeding the same history,
alerts and status-line cache; `/metrics` for Prometheus, `/usage` (the --json document),
`/healthz`. Loopback only unless a token file is given: quota data says who works on what.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from providers.collect import ordered
from providers.discover import bad_origin_overrides, build_sources
from providers.kit.files import read_text
from providers.kit.secrets import remember, scrub
from providers.kit.text import clean_text
from providers.registry import BY_ID, select
from tui.answers import RunContext, build_answers
from tui.cli import EXIT_OK, EXIT_USAGE, _provider_id
from tui.config import load_user_config
from tui.once import document_of, dump_document
from tui.serve.http import Pages, Server, is_loopback, parse_listen, url_host
from tui.serve.metrics import exposition, families
from tui.serve.refresher import Refresher

DEFAULT_LISTEN = "127.0.0.1:9464"
MAX_TOKEN_FILE_BYTES = 4096
STOP_WITHIN = 1.5  # seconds for the sinks (hooks) after SIGTERM; systemd waits longer


def log(message: str) -> None:
    """One line per event on stderr, for journald: never a secret, never a control character."""
    with contextlib.suppress(OSError, ValueError):
        print(f"aiquota-tui serve: {clean_text(scrub(message), 500)}", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aiquota-tui serve",
        description="Refresh every account in the background, as the app does, without a "
        "screen; answer GET /metrics (Prometheus), /usage (the --json document) and /healthz.",
    )
    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT|off",
        help=f"where to answer HTTP (default {DEFAULT_LISTEN}); off for none",
    )
    parser.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="every request but /healthz needs 'Authorization: Bearer <the file's token>'",
    )
    parser.add_argument("--config", type=Path, metavar="FILE", help="the config file")
    parser.add_argument(
        "--provider", action="append", metavar="ID", type=_provider_id, choices=list(BY_ID)
    )
    parser.add_argument("--account-dir", action="append", default=[], type=Path, metavar="DIR")
    parser.add_argument("--demo", action="store_true", help="built-in sample data, no network")
    return parser


# Shorter tokens are accepted (the file is the user's choice) but said to be guessable.
SHORT_TOKEN = 16


def _read_token(path: Path) -> str:
    """The file's one word: surrounding whitespace, a final newline or CRLF and a BOM are
    not part of it. Printable ASCII only, as a header carries it byte for byte."""
    read = read_text(path.expanduser(), str(path), limit=MAX_TOKEN_FILE_BYTES, what="a token file")
    if not read.ok:
        raise ValueError(f"--token-file: {read.problem}")
    token = read.data.lstrip("\ufeff").strip()
    if not token:
        raise ValueError(f"--token-file {path}: the file is empty; write the token in it")
    if any(c.isspace() for c in token) or not (token.isascii() and token.isprintable()):
        raise ValueError(
            f"--token-file {path}: the token must be one word of printable ASCII characters"
        )
    remember(token)
    if len(token) < SHORT_TOKEN:
        log(f"--token-file: a token of {len(token)} characters is easy to guess; use 32 or more")
    return token


class Documents:
    """/metrics and /usage as bytes, made again when the data changed (in a thread)."""

    def __init__(self, refresher: Refresher) -> None:
        self.refresher = refresher
        self.metrics = b""
        self.usage = b"{}"
        self._dirty = True
        self._making: asyncio.Task[None] | None = None

    def gather(self) -> Callable[[], tuple[bytes, bytes]]:
        """What the documents are made of, taken now on the loop's thread (where the store
        changes), and the work of writing them, for a thread."""
        entries = list(self.refresher.store)
        pairs = [(entry.snapshot, entry.shown) for entry in entries]
        errors = dict(self.refresher.errors)
        success = dict(self.refresher.last_success)
        current = {entry.key for entry in entries}
        gone = {k: s for k, s in self.refresher.failed.items() if k not in current}
        # /usage says what --once would say now (the status and message of the latest
        # answer) with the figures last known, as /metrics does: account_up 0 and the last
        # good windows, never a status "ok" for an account that just failed.
        reported = [
            shown
            if latest is shown
            else replace(shown, status=latest.status, message=latest.message)
            for latest, shown in pairs
        ]
        providers = self.refresher.sources.providers
        interval = self.refresher.store.policy.interval

        def make() -> tuple[bytes, bytes]:
            metrics = exposition(families(pairs, errors, success, gone))
            document = document_of(ordered(reported, providers), datetime.now(UTC))
            document["refresh_interval"] = interval
            return metrics, (dump_document(document) + "\n").encode()

        return make

    def make_now(self) -> None:
        self.metrics, self.usage = self.gather()()

    def changed(self) -> None:
        self._dirty = True
        if self._making is None or self._making.done():
            self._making = asyncio.get_running_loop().create_task(self._make())

    async def _make(self) -> None:
        while self._dirty:
            self._dirty = False
            self.metrics, self.usage = await asyncio.to_thread(self.gather())

    def pages(self) -> Pages:
        return Pages(
            metrics=lambda: (self.metrics, "text/plain; version=0.0.4; charset=utf-8"),
            usage=lambda: (self.usage, "application/json"),
            health=lambda: (b"ok\n", "text/plain"),
        )


async def serve(refresher: Refresher, listen: tuple[str, int] | None, token: str | None) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(sig, stop.set)
    documents = Documents(refresher)
    documents.make_now()
    refresher.on_change = documents.changed
    server = Server(documents.pages(), token)
    if listen is not None:
        try:
            host, port = await server.start(*listen)
        except OSError as error:
            log(f"cannot listen on {listen[0]}:{listen[1]}: {error.strerror or error}")
            return EXIT_USAGE
        log(f"listening on http://{url_host(host)}:{port} (/metrics, /usage, /healthz)")
    log(f"refreshing {len(refresher.store)} accounts every {refresher.store.policy.interval:g} s")
    try:
        await refresher.run(stop)
    finally:
        await server.close()
        await asyncio.to_thread(refresher.answers.close, STOP_WITHIN)
    log("stopped")
    return EXIT_OK


def main(argv: Sequence[str]) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv))
    except SystemExit as stop:
        return 0 if not stop.code else EXIT_USAGE
    try:
        listen = parse_listen(args.listen)
        token = _read_token(args.token_file) if args.token_file is not None else None
    except ValueError as error:
        log(str(error))
        return EXIT_USAGE
    if listen is not None and token is None and not is_loopback(listen[0]):
        log(
            f"--listen {listen[0]}: anything but a loopback address needs --token-file, "
            "or anyone who can reach it reads every account's quota"
        )
        return EXIT_USAGE
    config = load_user_config(args.config, log, prefix="")
    if config is None:
        return EXIT_USAGE
    providers = select(args.provider)
    if not args.demo:
        problems = bad_origin_overrides(providers, os.environ)
        for problem in problems:
            log(problem)
        if problems:
            return EXIT_USAGE
    for folder in args.account_dir:
        if not folder.expanduser().is_dir():
            log(f"--account-dir {folder}: not a folder")
            return EXIT_USAGE
    sources = build_sources(
        providers,
        config,
        use_demo=args.demo,
        account_dirs=[folder.expanduser() for folder in args.account_dir],
    )
    policy = config.refresh_policy()
    context = RunContext(
        config, "serve", demo=args.demo, refresh_interval=policy.interval, notice=_notice
    )
    answers = build_answers(context, report=log)
    refresher = Refresher(sources, config, answers, log=log)
    return asyncio.run(serve(refresher, listen, token))


def _notice(text: str, severity: str = "information") -> None:
    log(text)


def entry_point(argv: Sequence[str]) -> None:
    try:
        code = main(argv)
    except KeyboardInterrupt:
        code = EXIT_OK
    sys.exit(code)
