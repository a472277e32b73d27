"""Refreshing 50 Codex accounts against a local server that takes 300 ms per request.

    python tests/benchmarks/bench_refresh.py [--accounts 50] [--latency 0.3] [--repeat 3]

Two figures:

  app refresh   the app's own loop (tui.store.store.Store with the default RefreshPolicy, so its
                max_in_flight cap applies): store.due → store.begin → fetch_snapshot in an
                asyncio task → store.finish, a freed slot dispatching the next due account at
                once, as QuotaApp._dispatch/_fetch do. Timed from the first dispatch until
                every account has a snapshot; every snapshot must be ok. Target ≤ 1 s.
  --once --json `python -c "tui.cli.main(['--once', '--json'])"` as a subprocess, with the
                accounts saved as HOME/account/accN.auth.json, cwd=HOME and
                AIQUOTA_CODEX_URL pointing at the server. Wall time including interpreter
                start-up; reported alongside the bare start-up (import tui.cli) for scale.

The server is a ThreadingHTTPServer on 127.0.0.1 (listen backlog 128), in its own process, that
answers GET /backend-api/wham/usage with a valid usage document after sleeping the latency.
Prints a small table and exits 1 when a target is missed.
Not part of the pytest suite (pyproject: norecursedirs = tests/benchmarks).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from providers.base import Account  # noqa: E402
from providers.collect import fetch_snapshot  # noqa: E402
from providers.demo import fake_jwt  # noqa: E402
from providers.kit.http import HttpSession, make_client  # noqa: E402
from providers.kit.secrets import Secret  # noqa: E402
from providers.registry import BY_ID  # noqa: E402
from tui.store.store import Entry, Store  # noqa: E402

TARGET_REFRESH_S = 1.0
USAGE_PATH = "/backend-api/wham/usage"
TEN_YEARS = 10 * 365 * 24 * 3600
_ISOLATED_PREFIXES = ("AIQUOTA_", "XDG_", "CODEX_", "CLAUDE_", "OPENCODE_", "NEWAPI_")


# --------------------------------------------------------------------------- the fake server


class UsageServer(ThreadingHTTPServer):
    request_queue_size = 128
    daemon_threads = True

    def __init__(self, latency: float, peak: Synchronized) -> None:
        super().__init__(("127.0.0.1", 0), UsageHandler)
        self.latency = latency
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = peak  # shared with the benchmark process


class UsageHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real service
    server: UsageServer

    def do_GET(self) -> None:
        server = self.server
        with server.lock:
            server.in_flight += 1
            server.peak.value = max(server.peak.value, server.in_flight)
        try:
            time.sleep(server.latency)
            if self.path != USAGE_PATH or not self.headers.get("ChatGPT-Account-Id"):
                self._send(404, {"detail": "not here"})
            else:
                self._send(200, usage_document(time.time()))
        finally:
            with server.lock:
                server.in_flight -= 1

    def _send(self, code: int, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def usage_document(now: float) -> dict:
    def window(used: float, seconds: int, resets_in: int) -> dict:
        return {
            "used_percent": used,
            "limit_window_seconds": seconds,
            "reset_after_seconds": resets_in,
            "reset_at": int(now + resets_in),
        }

    return {
        "plan_type": "plus",
        "rate_limit": {
            "limit_reached": False,
            "primary_window": window(25, 5 * 3600, 2 * 3600),
            "secondary_window": window(40, 7 * 86400, 3 * 86400),
        },
        "credits": {"has_credits": False, "unlimited": False, "balance": "0"},
    }


def serve(latency: float, peak: Synchronized, port: Connection) -> None:
    server = UsageServer(latency, peak)
    port.send(server.server_address[1])
    server.serve_forever(poll_interval=0.05)


@dataclass
class ServerHandle:
    url: str
    peak: Synchronized

    def reset_counts(self) -> None:
        self.peak.value = 0


@contextmanager
def running_server(latency: float) -> Iterator[ServerHandle]:
    """The server in its own process, so its threads never compete with the client for the GIL."""
    context = multiprocessing.get_context("spawn")
    peak = context.Value("i", 0)
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=serve, args=(latency, peak, send), daemon=True)
    process.start()
    try:
        deadline = time.monotonic() + 20
        while not receive.poll(0.1):
            if not process.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake server did not start")
        yield ServerHandle(f"http://127.0.0.1:{receive.recv()}", peak)
    finally:
        process.terminate()
        process.join(5)


# --------------------------------------------------------------------------- accounts


def token_for(index: int) -> tuple[str, str]:
    account_id = f"acct-bench-{index:03d}"
    token = fake_jwt(
        {
            "exp": int(time.time() + TEN_YEARS),
            "https://api.openai.com/auth": {"chatgpt_account_id": account_id},
            "https://api.openai.com/profile": {"email": f"acc{index}@example.com"},
        }
    )
    return account_id, token


def accounts(count: int) -> list[Account]:
    result = []
    for index in range(count):
        account_id, token = token_for(index)
        result.append(
            Account(
                provider="codex",
                label=f"acc{index}",
                source=f"account/acc{index}.auth.json",
                secret=Secret(token),
                identity=account_id,
                extra={"account_id": account_id, "email": f"acc{index}@example.com"},
            )
        )
    return result


# --------------------------------------------------------------------------- the app's loop


async def app_refresh(count: int, server_url: str) -> tuple[float, Store]:
    """All accounts once, the way QuotaApp schedules them; returns (seconds, store)."""
    provider = BY_ID["codex"]
    store = Store()  # the default RefreshPolicy, with its max_in_flight cap
    store.merge((provider, account) for account in accounts(count))
    http = HttpSession(client=make_client(), origins={"codex": server_url})
    all_done = asyncio.Event()
    workers: set[asyncio.Task[None]] = set()

    def clock() -> datetime:
        return datetime.now(UTC)

    def dispatch(now: datetime) -> None:  # QuotaApp._dispatch
        for entry in store.due(now):
            store.begin(entry, now)
            task = asyncio.create_task(fetch(entry))
            workers.add(task)
            task.add_done_callback(workers.discard)

    async def fetch(entry: Entry) -> None:  # QuotaApp._fetch
        snapshot = await fetch_snapshot(entry.provider, entry.account, http, clock)
        store.finish(entry, snapshot, clock())
        if not any(e.loading for e in store):
            all_done.set()
        dispatch(clock())  # a freed slot goes to the next due account at once

    async def tick() -> None:  # the app's 1 Hz clock also dispatches
        while True:
            await asyncio.sleep(1.0)
            dispatch(clock())

    try:
        started = time.perf_counter()
        dispatch(clock())
        ticker = asyncio.create_task(tick())
        await asyncio.wait_for(all_done.wait(), timeout=60)
        elapsed = time.perf_counter() - started
        ticker.cancel()
    finally:
        await http.client.aclose()
    return elapsed, store


# --------------------------------------------------------------------------- --once --json


def write_account_files(home: Path, count: int) -> None:
    folder = home / "account"
    folder.mkdir(parents=True)
    for index in range(count):
        account_id, token = token_for(index)
        document = {
            "OPENAI_API_KEY": None,
            "tokens": {
                "access_token": token,
                "refresh_token": f"rt-bench-refresh-token-{index:04d}",
                "id_token": fake_jwt({"email": f"acc{index}@example.com"}),
                "account_id": account_id,
            },
            "last_refresh": "2026-11-22T10:00:00Z",
        }
        (folder / f"acc{index}.auth.json").write_text(json.dumps(document))


def isolated_env(home: Path, server_url: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_ISOLATED_PREFIXES)}
    env.pop("OPENAI_API_KEY", None)
    env.update(HOME=str(home), TZ="UTC", PYTHONPATH=str(ROOT))
    if server_url:
        env["AIQUOTA_CODEX_URL"] = server_url
    return env


ONCE_CODE = "import sys; from tui.cli import main; sys.exit(main(['--once', '--json']))"
IMPORT_CODE = "import tui.cli"


def run_once_json(home: Path, server_url: str) -> tuple[float, int, dict | None, str]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", ONCE_CODE],
        cwd=home,
        env=isolated_env(home, server_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.perf_counter() - started
    try:
        document = json.loads(done.stdout)
    except json.JSONDecodeError:
        document = None
    return elapsed, done.returncode, document, done.stderr


def startup_only(home: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", IMPORT_CODE], cwd=home, env=isolated_env(home, None), check=True
    )
    return time.perf_counter() - started


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.3, help="server delay, seconds")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement")
    args = parser.parse_args(argv)

    rows: list[tuple[str, str, str, bool | None]] = []
    problems: list[str] = []
    with running_server(args.latency) as server:
        # The app's loop.
        times, peaks = [], []
        for _ in range(args.repeat):
            server.reset_counts()
            elapsed, store = asyncio.run(app_refresh(args.accounts, server.url))
            times.append(elapsed)
            peaks.append(server.peak.value)
            bad = [e for e in store if not e.snapshot.ok]
            if len(store) != args.accounts or bad:
                problems.append(
                    f"app refresh: {len(bad)} of {len(store)} not ok"
                    + (f" (first: {bad[0].snapshot.message})" if bad else "")
                )
        median = statistics.median(times)
        cap = Store().policy.max_in_flight
        rows.append(
            (
                f"app refresh, {args.accounts} accounts (median of {args.repeat})",
                f"≤ {TARGET_REFRESH_S:g} s",
                f"{median:.3f} s",
                median <= TARGET_REFRESH_S and not problems,
            )
        )
        rows.append(("  runs", "", " / ".join(f"{t:.3f}" for t in times) + " s", None))
        rows.append(
            (
                "  requests in flight at the server (peak)",
                f"cap {cap}",
                str(max(peaks)),
                None,
            )
        )

        # The one-shot command line.
        with tempfile.TemporaryDirectory(prefix="aiquota-bench-home-") as folder:
            home = Path(folder)
            write_account_files(home, args.accounts)
            once_times = []
            for _ in range(args.repeat):
                elapsed, code, document, stderr = run_once_json(home, server.url)
                once_times.append(elapsed)
                listed = (document or {}).get("accounts", [])
                not_ok = [a for a in listed if a.get("status") != "ok"]
                if code != 0 or len(listed) != args.accounts or not_ok:
                    problems.append(
                        f"--once --json: exit {code}, {len(listed)} accounts, "
                        f"{len(not_ok)} not ok; stderr: {stderr.strip()[:300]}"
                    )
            startup = statistics.median(startup_only(home) for _ in range(args.repeat))
        once_median = statistics.median(once_times)
        rows.append(
            (
                f"--once --json, {args.accounts} accounts (median)",
                "(report)",
                f"{once_median:.3f} s",
                None if not problems else False,
            )
        )
        rows.append(("  of which start-up (import tui.cli)", "", f"{startup:.3f} s", None))

    print(
        f"bench_refresh: {args.accounts} Codex accounts, {args.latency * 1000:.0f} ms per request, "
        f"127.0.0.1, cores {os.cpu_count()}"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for what, target, measured, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {what:<{widths[0]}}  {target:<{widths[1]}}  {measured:>{widths[2]}}  {verdict}")
    for problem in problems:
        print(f"  problem: {problem}")
    return 0 if all(ok for *_, ok in rows if ok is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
