"""The outside-the-window commands: `status` wall time, `serve` idle CPU and /metrics latency.

    python tests/benchmarks/bench_outside.py [--runs 30] [--idle 60] [--accounts 1000]

- `aiquota-tui status` as tmux runs it: a whole process (`python -m tui status`), wall time over
  --runs runs, from a latest.json of --accounts accounts. Target ≤ 100 ms (issue 17).
- `aiquota-tui serve --demo` (30 accounts), idle: CPU (utime+stime from /proc) over --idle
  seconds once its first round is done. Target ≤ 0.2 % of a core.
- /metrics with --accounts accounts (the demo grown to that size, served in-process on
  127.0.0.1): wall time of a GET over --runs requests. Target ≤ 50 ms.
Exits 1 when a target is missed. Not part of the pytest suite. Linux only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_app import cpu_seconds  # noqa: E402

from providers.discover import build_sources  # noqa: E402
from providers.registry import PROVIDERS  # noqa: E402
from tui.answers import Answers  # noqa: E402
from tui.cache.sink import cache_document  # noqa: E402
from tui.commands.serve import Documents  # noqa: E402
from tui.config import Config  # noqa: E402
from tui.once import dump_document  # noqa: E402
from tui.serve.http import Server  # noqa: E402
from tui.serve.refresher import Refresher  # noqa: E402

STATUS_TARGET_MS = 100.0
SERVE_IDLE_TARGET_PCT = 0.2
METRICS_TARGET_MS = 50.0


def demo_refresher(copies: int) -> Refresher:
    sources = build_sources(list(PROVIDERS), Config(), use_demo=True, demo_copies=copies)
    return Refresher(sources, Config(), Answers())


async def fetched_demo(copies: int) -> Refresher:
    refresher = demo_refresher(copies)
    stop = asyncio.Event()
    task = asyncio.create_task(refresher.run(stop))
    while any(entry.loading for entry in refresher.store.entries.values()):
        await asyncio.sleep(0.2)
    stop.set()
    await task
    return refresher


def bench_status(accounts: int, runs: int) -> list[float]:
    refresher = asyncio.run(fetched_demo(max(1, accounts // 30)))
    snapshots = [entry.shown for entry in refresher.store]
    home = Path(tempfile.mkdtemp(prefix="aiquota-bench-status-"))
    cache = home / ".cache" / "aiquota-tui"
    cache.mkdir(parents=True)
    document = cache_document(snapshots, datetime.now(UTC), 300.0)
    (cache / "latest.json").write_text(dump_document(document))
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)}
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "tui", "status", "--tmux"],
            env=env,
            cwd=home,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        times.append((time.perf_counter() - start) * 1000)
    return times


def bench_serve_idle(seconds: float) -> float:
    home = tempfile.mkdtemp(prefix="aiquota-bench-serve-")
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--demo", "--listen", "127.0.0.1:0"],
        env={"HOME": home, "PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(REPO)},
        cwd=home,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    seen = 0
    for line in process.stderr:  # wait for the first round: 30 accounts answered
        if re.search(r": (ok|ok again|[a-z_]+: )", line) and "listening" not in line:
            seen += 1
        if seen >= 30:
            break
    threading.Thread(target=process.stderr.read, daemon=True).start()
    time.sleep(3)
    before, start = cpu_seconds(process.pid), time.monotonic()
    time.sleep(seconds)
    used = cpu_seconds(process.pid) - before
    elapsed = time.monotonic() - start
    process.terminate()
    process.wait(10)
    return 100 * used / elapsed


def bench_metrics(accounts: int, runs: int) -> tuple[list[float], int]:
    refresher = asyncio.run(fetched_demo(max(1, accounts // 30)))
    documents = Documents(refresher)
    documents.make_now()
    loop = asyncio.new_event_loop()
    server = Server(documents.pages(), None)
    host, port = loop.run_until_complete(server.start("127.0.0.1", 0))
    threading.Thread(target=loop.run_forever, daemon=True).start()
    url = f"http://{host}:{port}/metrics"
    times, size = [], 0
    for _ in range(runs):
        start = time.perf_counter()
        with urllib.request.urlopen(url, timeout=10) as response:
            size = len(response.read())
        times.append((time.perf_counter() - start) * 1000)
    return times, size


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--accounts", type=int, default=1000)
    args = parser.parse_args()
    missed = False
    status = bench_status(args.accounts, args.runs)
    median, worst = statistics.median(status), max(status)
    print(
        f"status --tmux, {args.accounts} accounts: median {median:.0f} ms, worst {worst:.0f} ms (target ≤ {STATUS_TARGET_MS:.0f})"
    )
    missed |= median > STATUS_TARGET_MS
    metrics, size = bench_metrics(args.accounts, args.runs)
    median = statistics.median(metrics)
    print(
        f"GET /metrics, {args.accounts} accounts ({size // 1024} KB): median {median:.1f} ms, worst {max(metrics):.1f} ms (target ≤ {METRICS_TARGET_MS:.0f})"
    )
    missed |= median > METRICS_TARGET_MS
    idle = bench_serve_idle(args.idle)
    print(
        f"serve --demo idle, 30 accounts, {args.idle:.0f} s: {idle:.3f} % of a core (target ≤ {SERVE_IDLE_TARGET_PCT})"
    )
    missed |= idle > SERVE_IDLE_TARGET_PCT
    print(json.dumps({"status_ms": status, "metrics_ms": metrics, "serve_idle_pct": idle}))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
