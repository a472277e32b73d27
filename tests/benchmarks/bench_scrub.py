"""How long `scrub` takes on one server message with many remembered secrets.

    python tests/benchmarks/bench_scrub.py [--secrets 1000] [--repeat 2000]

Remembers N random secrets of two sizes (API keys of 51 characters and JWT-sized tokens of
1,500), then times scrub() on 2 KB messages: prose with nothing to find, prose holding a
base64 blob (decoded at four alignments), and prose echoing one secret three ways (verbatim,
percent-encoded, split over lines). Reports the median per message, the index size and the
memory it takes (tracemalloc). Target: under 1 ms per message, every case.
Exits 1 when a target is missed or a planted secret survives.
Not part of the pytest suite (pyproject: norecursedirs = tests/benchmarks).
"""

from __future__ import annotations

import argparse
import base64
import random
import statistics
import string
import sys
import time
import tracemalloc
import urllib.parse
from collections.abc import Callable

from providers.kit import secrets

TARGET_MS = 1.0
ALPHABET = string.ascii_letters + string.digits + "-_"
WORDS = [
    "the",
    "quota",
    "for",
    "this",
    "account",
    "was",
    "exceeded",
    "please",
    "try",
    "again",
    "later",
    "or",
    "contact",
    "support",
]


def random_text(rng: random.Random, size: int) -> str:
    words: list[str] = []
    while sum(len(w) + 1 for w in words) < size:
        words.append(rng.choice(WORDS))
    return " ".join(words)[:size]


def random_secret(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(size))


def median_ms(run: Callable[[], str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--secrets", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args(argv)
    rng = random.Random(7)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    planted = []
    for index in range(args.secrets):
        value = random_secret(rng, 51 if index % 2 else 1500)
        secrets.remember(value)
        planted.append(value)
    index_bytes = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()

    target = planted[1]
    prose = random_text(rng, 2048)
    blob = base64.b64encode(rng.randbytes(900)).decode()
    echo = (
        f"{prose[:1500]} rejected {target} url {urllib.parse.quote(target)} split "
        f"{target[:20]}\n  {target[20:]}"
    )
    cases = {
        "2 KB prose, nothing to find": prose,
        "2 KB with a 1.2 KB base64 blob": f"{prose[:800]} {blob}",
        "2 KB echoing a secret three ways": echo[:2048],
    }
    failures = []
    rows = []
    for name, text in cases.items():
        ms = median_ms(lambda text=text: secrets.scrub(text), args.repeat)
        rows.append((name, f"< {TARGET_MS:g} ms", f"{ms:.3f} ms", ms < TARGET_MS))
        if ms >= TARGET_MS:
            failures.append(name)
    if target[:12] in secrets.scrub(echo) or target[-12:] in secrets.scrub(echo):
        failures.append("a planted secret survived")
    print(
        f"scrub, {args.secrets} remembered secrets (half 51, half 1,500 characters), "
        f"{len(secrets._INDEX)} index entries, {index_bytes / 1e6:.1f} MB"
    )
    for what, goal, measured, ok in rows:
        print(f"  {what:<34}  {goal:<8}  {measured:>10}  {'ok' if ok else 'MISSED'}")
    for problem in failures:
        print(f"  problem: {problem}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
