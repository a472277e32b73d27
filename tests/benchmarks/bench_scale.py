"""`--once --json` over 1,000 saved Codex accounts against a local server answering after 300 ms.

    python tests/benchmarks/bench_scale.py [--accounts 1000] [--latency 0.3] [--max-in-flight 32]
                                           [--repeat 1]

Targets (issue 13):

  every account ok      a healthy server, however many accounts wait for a slot
  wall time             ≤ 1.3 × the physical floor, ceil(accounts / max_in_flight) × latency
                        (the whole process: interpreter start-up, discovery, output)
  peak memory           ≤ 150 MB (ru_maxrss of the child, from wait4)

The child is `python -c "tui.cli.main(['--once', '--json', '--config', …])"` with the accounts
saved as HOME/account/accN.auth.json, cwd=HOME, AIQUOTA_CODEX_URL pointing at the server and a
config whose [refresh] max_in_flight is --max-in-flight. The server is bench_refresh's: a
ThreadingHTTPServer in its own process (a thread per connection, backlog 128), so 32 slow
requests at once cost it a sleeping thread each and it is never the bottleneck; it records the
most requests it held at once, which must not exceed max_in_flight.
Not part of the pytest suite (pyproject: norecursedirs = tests/benchmarks).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from bench_refresh import isolated_env, running_server, write_account_files  # noqa: E402

TARGET_FLOOR_RATIO = 1.3
TARGET_RSS_MB = 150.0
ONCE_CODE = (
    "import sys; from tui.cli import main; "
    "sys.exit(main(['--once', '--json', '--config', sys.argv[1]]))"
)


@dataclass
class OnceRun:
    seconds: float
    code: int
    maxrss_mb: float
    cpu: float  # user + system seconds of the child
    statuses: dict[str, int]
    listed: int
    first_problem: str | None
    stderr: str


def run_once(home: Path, config: Path, server_url: str) -> OnceRun:
    """One child, waited for with wait4 so its own peak RSS is known (not the server's)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", ONCE_CODE, str(config)],
            cwd=home,
            env=isolated_env(home, server_url),
            stdout=out,
            stderr=err,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait again
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode(errors="replace")
    try:
        listed = json.loads(stdout).get("accounts", [])
    except json.JSONDecodeError:
        listed = []
    statuses: dict[str, int] = {}
    for account in listed:
        statuses[account.get("status")] = statuses.get(account.get("status"), 0) + 1
    problem = next((a.get("message") for a in listed if a.get("status") != "ok"), None)
    return OnceRun(
        seconds,
        child.returncode,
        usage.ru_maxrss / 1024,
        usage.ru_utime + usage.ru_stime,
        statuses,
        len(listed),
        problem,
        stderr,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.3, help="server delay, seconds")
    parser.add_argument("--max-in-flight", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args(argv)
    floor = math.ceil(args.accounts / args.max_in_flight) * args.latency

    runs: list[OnceRun] = []
    peaks: list[int] = []
    with (
        running_server(args.latency) as server,
        tempfile.TemporaryDirectory(prefix="aiquota-bench-scale-") as folder,
    ):
        home = Path(folder)
        write_account_files(home, args.accounts)
        config = home / "config.toml"
        config.write_text(f"[refresh]\nmax_in_flight = {args.max_in_flight}\n")
        for _ in range(args.repeat):
            server.reset_counts()
            runs.append(run_once(home, config, server.url))
            peaks.append(server.peak.value)

    worst = max(runs, key=lambda r: r.seconds)
    all_ok = all(r.code == 0 and r.statuses == {"ok": args.accounts} for r in runs)
    rss = max(r.maxrss_mb for r in runs)
    rows = [
        (
            "every account ok",
            f"{args.accounts} ok",
            " / ".join(", ".join(f"{n} {s}" for s, n in r.statuses.items()) for r in runs),
            all_ok,
        ),
        (
            "wall time, whole process (worst run)",
            f"≤ {TARGET_FLOOR_RATIO:g} × {floor:.1f} s",
            f"{worst.seconds:.2f} s ({worst.seconds / floor:.2f} × floor)",
            worst.seconds <= TARGET_FLOOR_RATIO * floor,
        ),
        ("  runs", "", " / ".join(f"{r.seconds:.2f}" for r in runs) + " s", None),
        ("  CPU of the child (user + system)", "", f"{worst.cpu:.2f} s", None),
        (
            "peak memory (ru_maxrss)",
            f"≤ {TARGET_RSS_MB:g} MB",
            f"{rss:.0f} MB",
            rss <= TARGET_RSS_MB,
        ),
        (
            "requests in flight at the server (peak)",
            f"≤ {args.max_in_flight}",
            str(max(peaks)),
            max(peaks) <= args.max_in_flight,
        ),
    ]
    print(
        f"bench_scale: --once --json, {args.accounts} Codex accounts, "
        f"{args.latency * 1000:.0f} ms per request, max_in_flight {args.max_in_flight}, "
        f"127.0.0.1, cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}"
    )
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for what, target, measured, ok in rows:
        verdict = "" if ok is None else ("ok" if ok else "MISSED")
        print(f"  {what:<{widths[0]}}  {target:<{widths[1]}}  {measured:>{widths[2]}}  {verdict}")
    for run in runs:
        if run.first_problem or run.code != 0:
            print(f"  problem: exit {run.code}, {run.listed} listed; first: {run.first_problem}")
            if run.stderr.strip():
                print(f"  stderr: {run.stderr.strip()[:300]}")
    return 0 if all(ok for *_, ok in rows if ok is not None) else 1


if __name__ == "__main__":
    sys.exit(main())
