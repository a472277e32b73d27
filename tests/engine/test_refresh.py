"""The refresh schedule, with a fake clock: interval, backoff, Retry-After, resets, the cap."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.base import Account
from providers.claude.provider import ClaudeProvider
from providers.codex.provider import CodexProvider
from providers.collect import later_duplicates
from providers.model import AccountSnapshot, Status, Window
from tui.store.schedule import RefreshPolicy, backoff
from tui.store.store import Store

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
CODEX = CodexProvider()


class FakeClaude(ClaudeProvider):
    id = "claude"
    name = "Claude"


def account(label: str, provider: str = "codex") -> Account:
    return Account(
        provider=provider, label=label, source=f"account/{label}.auth.json", identity=f"id-{label}"
    )


def snap(
    acc: Account, status: Status = Status.OK, *, windows=(), retry_after=None
) -> AccountSnapshot:
    return AccountSnapshot(
        acc.provider, acc.label, acc.source, False, status,
        message=None if status is Status.OK else "x",
        windows=tuple(windows), fetched_at=T0, retry_after=retry_after, key=acc.key,
    )  # fmt: skip


def store_with(*accounts: Account, policy: RefreshPolicy | None = None) -> Store:
    store = Store(policy=policy or RefreshPolicy())
    store.merge([(FakeClaude() if a.provider == "claude" else CODEX, a) for a in accounts])
    return store


def fetch(store: Store, acc: Account, result: AccountSnapshot, now: datetime) -> None:
    entry = store.get(acc.key)
    store.begin(entry, now)
    store.finish(entry, result, now)


def test_everything_is_due_at_start_and_nothing_twice() -> None:
    a, b = account("a"), account("b")
    store = store_with(a, b)
    due = store.due(T0)
    assert {e.key for e in due} == {a.key, b.key}
    for entry in due:
        store.begin(entry, T0)
    assert store.due(T0) == []  # in flight: never fetched twice at once


def test_success_schedules_the_next_round_at_the_interval() -> None:
    a = account("a")
    store = store_with(a, policy=RefreshPolicy(interval=300))
    fetch(store, a, snap(a), T0)
    assert store.get(a.key).next_due == T0 + timedelta(seconds=300)
    assert store.due(T0 + timedelta(seconds=299)) == []
    assert len(store.due(T0 + timedelta(seconds=300))) == 1


def test_a_window_reset_brings_the_next_fetch_forward() -> None:
    a = account("a")
    store = store_with(a, policy=RefreshPolicy(interval=300))
    resets = T0 + timedelta(seconds=100)
    fetch(
        store,
        a,
        snap(a, windows=[Window("five_hour", "5h", used_percent=100, resets_at=resets)]),
        T0,
    )
    assert store.get(a.key).next_due == resets + timedelta(seconds=30)


def test_failures_back_off_exponentially_up_to_thirty_minutes() -> None:
    policy = RefreshPolicy()
    assert [backoff(n, policy) for n in range(1, 9)] == [30, 60, 120, 240, 480, 960, 1800, 1800]
    a = account("a")
    store = store_with(a, policy=policy)
    now = T0
    waits = []
    for _ in range(8):
        fetch(store, a, snap(a, Status.UNREACHABLE), now)
        waits.append((store.get(a.key).next_due - now).total_seconds())
        now = store.get(a.key).next_due
    assert waits == [30, 60, 120, 240, 480, 960, 1800, 1800]


def test_success_resets_the_backoff_and_keeps_problem_start_until_then() -> None:
    a = account("a")
    store = store_with(a)
    fetch(store, a, snap(a, Status.UNREACHABLE), T0)
    fetch(store, a, snap(a, Status.UNREACHABLE), T0 + timedelta(seconds=30))
    entry = store.get(a.key)
    assert entry.failures == 2 and entry.problem_since == T0
    fetch(store, a, snap(a), T0 + timedelta(seconds=90))
    assert entry.failures == 0 and entry.problem_since is None


def test_retry_after_is_honoured_when_longer_than_the_backoff() -> None:
    a = account("a")
    store = store_with(a)
    fetch(store, a, snap(a, Status.RATE_LIMITED, retry_after=600), T0)
    assert store.get(a.key).next_due == T0 + timedelta(seconds=600)


def test_claude_rate_limit_without_retry_after_waits_five_minutes() -> None:
    c = account("c", provider="claude")
    store = store_with(c)
    fetch(store, c, snap(c, Status.RATE_LIMITED), T0)
    assert store.get(c.key).next_due == T0 + timedelta(seconds=300)


def test_stale_data_is_kept_while_errors_come_in() -> None:
    a = account("a")
    store = store_with(a)
    good = snap(a, windows=[Window("five_hour", "5h", used_percent=40)])
    fetch(store, a, good, T0)
    fetch(store, a, snap(a, Status.UNREACHABLE), T0 + timedelta(seconds=300))
    entry = store.get(a.key)
    assert entry.stale
    assert entry.shown is good
    assert entry.snapshot.status is Status.UNREACHABLE


def test_manual_refresh_skips_the_backoff() -> None:
    a = account("a")
    store = store_with(a)
    for _ in range(5):
        fetch(store, a, snap(a, Status.ERROR), T0)
    entry = store.get(a.key)
    assert entry.next_due > T0 + timedelta(minutes=5)
    store.request_now(entry, T0 + timedelta(seconds=1))
    assert store.due(T0 + timedelta(seconds=1)) == [entry]


def test_manual_refresh_never_polls_claude_faster_than_once_a_minute() -> None:
    c = account("c", provider="claude")
    store = store_with(c)
    fetch(store, c, snap(c), T0)
    entry = store.get(c.key)
    store.request_now(entry, T0 + timedelta(seconds=10))
    assert entry.next_due == T0 + timedelta(seconds=60)
    assert store.due(T0 + timedelta(seconds=10)) == []


def test_claude_interval_floor_applies_even_when_a_reset_is_near() -> None:
    c = account("c", provider="claude")
    store = store_with(c, policy=RefreshPolicy(interval=300))
    soon = T0 + timedelta(seconds=5)
    fetch(
        store, c, snap(c, windows=[Window("five_hour", "5h", used_percent=1, resets_at=soon)]), T0
    )
    assert store.get(c.key).next_due == T0 + timedelta(seconds=60)


def test_the_in_flight_cap_limits_how_many_start() -> None:
    accounts = [account(f"a{i}") for i in range(10)]
    store = store_with(*accounts, policy=RefreshPolicy(max_in_flight=3))
    first = store.due(T0)
    assert len(first) == 3
    for entry in first:
        store.begin(entry, T0)
    assert store.due(T0) == []
    store.finish(first[0], snap(first[0].account), T0)
    assert len(store.due(T0)) == 1


def test_rediscovery_adds_removes_and_updates_accounts() -> None:
    a, b, c = account("a"), account("b"), account("c")
    store = store_with(a, b)
    fetch(store, a, snap(a), T0)
    entry_a = store.get(a.key)
    changed = store.merge([(CODEX, a), (CODEX, c)])
    assert changed
    assert [e.key for e in store] == [a.key, c.key]
    assert store.get(a.key) is entry_a  # history survives rediscovery
    assert not store.merge([(CODEX, a), (CODEX, c)])


def test_rediscovered_credentials_are_fetched_at_once_and_show_the_new_active_marker() -> None:
    from dataclasses import replace

    a = account("a")
    store = store_with(a)
    fetch(store, a, snap(a), T0)
    entry = store.get(a.key)
    assert entry.next_due is not None and not entry.shown.active
    assert store.merge([(CODEX, replace(a, active=True))])  # the views must redraw
    assert entry.next_due is None
    assert entry.shown.active and entry.snapshot.active


def test_a_source_whose_answer_names_an_earlier_account_is_merged_into_it() -> None:
    first, second, other = account("hosts"), account("env"), account("apps")
    store = store_with(first, second, other)
    fetch(store, first, replace(snap(first), identity="github:mona"), T0)
    fetch(store, second, replace(snap(second), identity="github:mona"), T0)
    fetch(store, other, replace(snap(other), identity="github:octocat"), T0)
    assert [e.key for e in store] == [first.key, other.key]  # the first source wins
    assert len(store) == 2
    # the merged one is still fetched, so it can part again when its answer changes
    later = T0 + timedelta(hours=1)
    assert second.key in {e.key for e in store.due(later)}
    fetch(store, second, replace(snap(second), identity="github:hubot"), later)
    assert [e.key for e in store] == [first.key, second.key, other.key]


# --------------------------------------------------------------------------- odd delays (issue 11)

DAY_LATER = T0 + timedelta(days=1)


@pytest.mark.parametrize("retry_after", [1e12, math.inf, 1e308, -math.inf, math.nan])
def test_any_retry_after_schedules_the_account_within_a_day(retry_after: float) -> None:
    """1e12 and inf raised OverflowError here: next_due stayed in the past, asked every second."""
    a = account("a")
    store = store_with(a)
    fetch(store, a, snap(a, Status.RATE_LIMITED, retry_after=retry_after), T0)
    entry = store.get(a.key)
    assert not entry.in_flight
    assert T0 + timedelta(seconds=30) <= entry.next_due <= DAY_LATER
    assert store.due(T0 + timedelta(seconds=1)) == []


def test_a_nan_retry_after_is_the_normal_backoff() -> None:
    a = account("a")
    store = store_with(a)
    fetch(store, a, snap(a, Status.UNREACHABLE, retry_after=math.nan), T0)
    assert store.get(a.key).next_due == T0 + timedelta(seconds=30)


def test_a_reset_at_the_end_of_time_schedules_the_next_round() -> None:
    """resets_at + 30 s overflowed for a window resetting at datetime.max."""
    a = account("a")
    store = store_with(a, policy=RefreshPolicy(interval=300))
    end = datetime.max.replace(tzinfo=UTC)
    fetch(store, a, snap(a, windows=[Window("w", "W", used_percent=5, resets_at=end)]), T0)
    assert store.get(a.key).next_due == T0 + timedelta(seconds=300)


def test_recording_an_answer_cannot_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever goes wrong computing the next time, the account gets one: the normal backoff."""

    def overflow(*args: object) -> datetime:
        raise OverflowError("date value out of range")

    monkeypatch.setattr("tui.store.store.next_after_failure", overflow)
    monkeypatch.setattr("tui.store.store.next_after_success", overflow)
    a, b = account("a"), account("b")
    store = store_with(a, b)
    fetch(store, a, snap(a, Status.RATE_LIMITED, retry_after=60), T0)
    fetch(store, b, snap(b), T0)
    assert store.get(a.key).next_due == T0 + timedelta(seconds=30)
    assert store.get(b.key).next_due == T0 + timedelta(seconds=300)
    assert store.get(b.key).last_good is not None


@pytest.mark.parametrize("interval", [math.inf, 1e300, math.nan])
def test_any_interval_from_the_config_schedules_within_a_day(interval: float) -> None:
    """A config's `interval = inf` (TOML allows it) overflowed the timedelta in the store."""
    a = account("a")
    store = store_with(a, policy=RefreshPolicy(interval=interval))
    fetch(store, a, snap(a), T0)
    assert T0 + timedelta(seconds=30) <= store.get(a.key).next_due <= DAY_LATER


def _due_by_scanning(store: Store, now: datetime) -> list:
    """What due() answers, worked out the plain way: every entry looked at."""
    room = store.policy.max_in_flight - sum(1 for e in store.entries.values() if e.in_flight)
    ready = [
        entry
        for entry in store.entries.values()
        if not entry.in_flight and (entry.next_due is None or entry.next_due <= now)
    ]
    ready.sort(key=lambda e: e.next_due or datetime.min.replace(tzinfo=UTC))
    return ready[: max(room, 0)]


@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["due", "begin", "finish", "fail", "now", "merge", "later"]),
            st.integers(0, 11),
        ),
        max_size=80,
    )
)
def test_due_answers_as_a_scan_of_every_account_would(steps) -> None:
    """The store keeps its accounts in a queue by due time, and who shares an identity with
    whom, rather than looking at all of them on every answer: whatever happens, it names the
    same accounts in the same order, and merges the same ones."""
    accounts = [account(f"a{i}") for i in range(12)]
    store = store_with(*accounts[:8], policy=RefreshPolicy(max_in_flight=3))
    now = T0
    for action, n in steps:
        entries = list(store.entries.values())
        entry = entries[n % len(entries)] if entries else None
        if action == "due":
            for begun in store.due(now)[: n % 3]:
                store.begin(begun, now)
        elif action == "begin" and entry is not None and not entry.in_flight:
            store.begin(entry, now)
        elif action in ("finish", "fail") and entry is not None and entry.in_flight:
            status = Status.OK if action == "finish" else Status.UNREACHABLE
            # Answers name one of three identities, so sources turn out to be one account.
            answer = replace(snap(entry.account, status), identity=f"who{n % 3}")
            store.finish(entry, answer, now)
        elif action == "now" and entry is not None:
            store.request_now(entry, now)
        elif action == "merge":
            chosen = [a for i, a in enumerate(accounts) if (n >> (i % 4)) & 1 or i == n]
            store.merge([(CODEX, a) for a in chosen])
        elif action == "later":
            now += timedelta(seconds=30 * n)
        assert store.due(now) == _due_by_scanning(store, now)
        assert store.due(now) == _due_by_scanning(store, now)  # asking changes nothing
        # ... and it merges the same sources as looking at every account after each answer.
        entries = list(store.entries.values())
        marks = [
            (e.provider.id, e.last_good.identity) if e.last_good and e.last_good.identity else None
            for e in entries
        ]
        assert [e.merged for e in entries] == later_duplicates(marks)
