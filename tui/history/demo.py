"""The demo's week of sample history, made up from the demo accounts' own answers.

Before a demo account's first answer is stored, the seven days before it are filled in:
every window climbs through its periods and drops at each reset, ending exactly at the
value the answer shows; every balance is spent down to its amount. The numbers come from a
generator seeded by the account's key and the window's id, so each run of the demo shows the
same history. They go into the database the demo's sandbox owns, never the user's.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

from providers.model import AccountSnapshot, Balance, Window
from tui.history import rules
from tui.history.recorder import Recorder, safe_key, safe_text
from tui.history.rules import BalanceSample, WindowSample

DAYS = 7
STEP_SECONDS = 15 * 60  # one sample a step, as the 15-minute rule keeps while nothing moves
# A demo grown for benchmarks (thousands of copies) gets history for its first accounts only.
MAX_ACCOUNTS = 40


class Backfill:
    """The sink's `prepare` in the demo: fills in the week before each account's first answer,
    for accounts with no history yet (at most MAX_ACCOUNTS of them)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def __call__(
        self, recorder: Recorder, snapshots: Sequence[AccountSnapshot], now: datetime
    ) -> None:
        for snapshot in snapshots:
            key = safe_key(snapshot.key)
            if key is None or key in self._seen or len(self._seen) >= MAX_ACCOUNTS:
                continue
            self._seen.add(key)
            if not recorder.has_samples(key):
                fill_account(recorder, snapshot, now)


def fill_account(recorder: Recorder, snapshot: AccountSnapshot, now: datetime) -> None:
    key = safe_key(snapshot.key)
    if key is None:
        return
    at = int((snapshot.fetched_at or now).astimezone(UTC).timestamp())
    label = safe_text(snapshot.account) or key
    for window in snapshot.windows:
        samples = list(window_week(key, window, at))
        if samples:
            recorder.add_window_samples(snapshot.provider, key, label, window.id, samples)
    for balance in snapshot.balances:
        found = list(balance_week(key, balance, at))
        if found:
            recorder.add_balance_samples(snapshot.provider, key, label, balance.id, found)


def _steps(at: int) -> list[int]:
    """The sample times: every STEP_SECONDS over the week before `at`, the last a step early."""
    first = at - DAYS * rules.DAY
    return list(range(first, at - STEP_SECONDS + 1, STEP_SECONDS))


def window_week(key: str, window: Window, at: int) -> Iterator[WindowSample]:
    sample = rules.window_sample(window, at)
    if sample is None:
        return
    length, resets = sample.window_seconds, sample.resets_at
    if not length or resets is None or resets <= at or resets - at > length:
        yield from _wander(key, window.id, sample)
        return
    seed = f"{key}\0{window.id}"
    curves: dict[int, tuple[float, list[float]]] = {}

    def period(number: int) -> tuple[float, list[float]]:
        """Period `number` before the current one (0): its peak and its climb (0 to 1)."""
        if number not in curves:
            rng = random.Random(f"{seed}\0{number}")
            steps = max(2, length // STEP_SECONDS)
            idle = length <= 6 * rules.HOUR and rng.random() < 0.35  # a night, a day off
            climb = [0.0 if rng.random() < 0.45 else rng.expovariate(1.0) for _ in range(steps)]
            total = sum(climb) or 1.0
            running, cumulative = 0.0, []
            for part in climb:
                running += part
                cumulative.append(running / total)
            peak = 0.0 if idle else rng.uniform(25, 100)
            curves[number] = (peak, cumulative)
        return curves[number]

    now_share = (at - (resets - length)) / length
    for moment in _steps(at):
        number = math.ceil((resets - length - moment) / length) if moment < resets - length else 0
        start = resets - length - number * length
        share = (moment - start) / length
        peak, cumulative = period(number)
        climbed = cumulative[min(len(cumulative) - 1, int(share * len(cumulative)))]
        if number == 0:
            # The current period climbs to the answer's value, never past it.
            reached = cumulative[min(len(cumulative) - 1, int(now_share * len(cumulative)))]
            used = sample.used_percent * (climbed / reached if reached else share / now_share)
            used = min(used, sample.used_percent)
        else:
            used = peak * climbed
        yield WindowSample(
            at=moment,
            used_percent=round(used, 1),
            resets_at=start + length,
            window_seconds=length,
        )


def _wander(key: str, window_id: str, sample: WindowSample) -> Iterator[WindowSample]:
    """A window with no known period: a gentle walk that ends at the answer's value."""
    rng = random.Random(f"{key}\0{window_id}\0walk")
    steps = _steps(sample.at)
    value = sample.used_percent
    values = []
    for _ in steps:
        values.append(value)
        value = max(0.0, min(100.0, value - rng.uniform(-0.4, 0.6)))
    for moment, used in zip(steps, reversed(values), strict=True):
        yield WindowSample(
            at=moment, used_percent=round(used, 1), resets_at=None, window_seconds=None
        )


def balance_week(key: str, balance: Balance, at: int) -> Iterator[BalanceSample]:
    """Spent down to today's amount: going back in time, the amount grows."""
    found = rules.balance_sample(balance, at)
    if found is None:
        return
    rng = random.Random(f"{key}\0{balance.id}\0balance")
    scale = max(abs(found.amount), abs(found.limit or 0.0), 1.0)
    steps = _steps(at)[::4]  # hourly is enough for money
    amount = found.amount
    amounts = []
    for _ in steps:
        amounts.append(amount)
        if rng.random() < 0.3:
            amount += rng.uniform(0, 0.01) * scale
    for moment, value in zip(steps, reversed(amounts), strict=True):
        yield BalanceSample(at=moment, amount=round(value, 2), unit=found.unit)
