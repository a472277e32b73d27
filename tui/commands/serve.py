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
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from providers.collect import ordered
from providers.discover import bad_origin_overrides, build_sources
from providers.kit.files import read_text
from providers.kit.secrets import remember, scrub
from providers.kit.text import clean_text
from providers.registry import BY_ID, provider_settings, select
from tui.answers import RunContext, build_answers
from tui.cli import EXIT_OK, EXIT_USAGE, _provider_id
from tui.config import ConfigError, load_config
from tui.once import document_of, dump_document
from tui.serve.http import Pages, Server, is_loopback, parse_listen
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


def _read_token(path: Path) -> str:
    read = read_text(path.expanduser(), str(path), limit=MAX_TOKEN_FILE_BYTES, what="a token file")
    if not read.ok:
        raise ValueError(f"--token-file: {read.problem}")
    token = read.data.strip()
    if len(token) < 16 or any(c.isspace() for c in token):
        raise ValueError("--token-file: the token must be one word of at least 16 characters")
    remember(token)
    return token


class Documents:
    """/metrics and /usage as bytes, made again when the data changed (in a thread)."""

    def __init__(self, refresher: Refresher) -> None:
        self.refresher = refresher
        self.metrics = b""
        self.usage = b"{}"
        self._dirty = True
        self._making: asyncio.Task[None] | None = None

    def make_now(self) -> None:
        entries = list(self.refresher.store)
        pairs = [(entry.snapshot, entry.shown) for entry in entries]
        errors = dict(self.refresher.errors)
        success = dict(self.refresher.last_success)
        shown = ordered([entry.shown for entry in entries], self.refresher.sources.providers)
        metrics = exposition(families(pairs, errors, success))
        document = document_of(shown, datetime.now(UTC))
        document["refresh_interval"] = self.refresher.store.policy.interval
        self.metrics, self.usage = metrics, (dump_document(document) + "\n").encode()

    def changed(self) -> None:
        self._dirty = True
        if self._making is None or self._making.done():
            self._making = asyncio.get_running_loop().create_task(self._make())

    async def _make(self) -> None:
        while self._dirty:
            self._dirty = False
            await asyncio.to_thread(self.make_now)

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
        log(f"listening on http://{host}:{port} (/metrics, /usage, /healthz)")
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
    config_path = args.config.expanduser() if args.config is not None else None
    try:
        config = load_config(
            config_path, explicit=config_path is not None, known_providers=provider_settings()
        )
    except ConfigError as error:
        log(str(error))
        return EXIT_USAGE
    for warning in config.warnings:
        log(warning)
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
