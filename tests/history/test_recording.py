"""What the history keeps: the 0.5-point / reset / 15-minute rule, balances, retention, events,
all on a clock the test moves."""

from __future__ import annotations

import sqlite3
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from support.clock import FROZEN, FakeClock
from support.history_samples import HOUR, KEY, rows, snapshot, window_rows

from providers.model import Status
from tui.history import rules
from tui.history.events import recent_events, record_event
from tui.history.recorder import Recorder
from tui.history.sink import HistorySink
from tui.history.store import open_writer


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "history.sqlite3"


@pytest.fixture
def sink(path: Path):
    said: list[str] = []
    sink = HistorySink(path, said.append)
    sink.said = said  # type: ignore[attr-defined]
    yield sink
    sink.close(1.0)


def test_the_first_answer_is_stored_whole(sink, path: Path) -> None:
    sink.take([snapshot(five=10.0, week=20.0)], FROZEN)
    found = rows(path)
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in found] == [
        ("codex", KEY, "work", "five_hour", 10.0),
        ("codex", KEY, "work", "weekly", 20.0),
    ]
    assert found[0][5] == "2026-11-22 14:00:00"  # resets_at
    assert found[0][6] == 5 * HOUR
    assert found[0][7] == "2026-11-22 12:00:00"  # fetched_at
    assert rows(path, "balance_history") == [
        ("codex", KEY, "work", "credits", 14.5, "credits", "2026-11-22 12:00:00")
    ]
    assert sink.said == []


def test_a_value_is_stored_when_it_moved_half_a_point_or_15_minutes_passed(sink, path) -> None:
    clock = FakeClock()
    used = [10.0, 10.4, 10.5, 10.6, 10.9, 10.9, 10.9]
    for value in used:
        sink.take([snapshot(clock(), five=value)], clock())
        clock.advance(60)  # one answer a minute
    assert [u for _, u in window_rows(path, "five_hour")] == [10.0, 10.5]
    # The weekly window did not move: one sample, until 15 minutes have passed since it.
    assert len(window_rows(path, "weekly")) == 1
    clock.now = FROZEN + timedelta(minutes=14, seconds=59)
    sink.take([snapshot(clock())], clock())
    assert len(window_rows(path, "weekly")) == 1
    clock.now = FROZEN + timedelta(minutes=15)
    sink.take([snapshot(clock())], clock())
    assert [at for at, _ in window_rows(path, "weekly")] == [
        "2026-11-22 12:00:00",
        "2026-11-22 12:15:00",
    ]


def test_a_new_reset_is_stored_but_a_reset_that_drifts_with_each_answer_is_not(sink, path) -> None:
    clock = FakeClock()
    sink.take([snapshot(clock(), five=0.0)], clock())
    clock.advance(60)
    # "Resets in N seconds" read a minute later: the same reset, a minute further on.
    drifted = FROZEN + timedelta(hours=2, minutes=1)
    sink.take([snapshot(clock(), five=0.0, five_resets=drifted)], clock())
    assert len(window_rows(path, "five_hour")) == 1
    clock.advance(60)
    sink.take([snapshot(clock(), five=0.0, five_resets=FROZEN + timedelta(hours=7))], clock())
    assert len(window_rows(path, "five_hour")) == 2


def test_a_weekly_reset_moved_by_an_hour_is_a_changed_reset(sink, path) -> None:
    clock = FakeClock()
    sink.take([snapshot(clock(), week=20.0)], clock())
    clock.advance(60)
    moved = replace_reset(snapshot(clock(), week=20.0), "weekly", timedelta(hours=1))
    sink.take([moved], clock())
    assert len(window_rows(path, "weekly")) == 2


def replace_reset(shot, window_id: str, by: timedelta):
    from dataclasses import replace

    windows = tuple(
        replace(w, resets_at=w.resets_at + by) if w.id == window_id else w for w in shot.windows
    )
    return replace(shot, windows=windows)


def test_the_same_answer_again_or_an_older_one_is_not_stored_twice(sink, path) -> None:
    sink.take([snapshot(FROZEN, five=10.0)], FROZEN)
    sink.take([snapshot(FROZEN, five=50.0)], FROZEN + timedelta(minutes=20))  # a cache re-read
    sink.take([snapshot(FROZEN - timedelta(hours=1), five=70.0)], FROZEN)
    assert [u for _, u in window_rows(path, "five_hour")] == [10.0]


def test_only_good_answers_are_recorded_and_unknown_values_are_skipped(sink, path) -> None:
    sink.take([snapshot(status=Status.UNREACHABLE)], FROZEN)
    assert not path.exists()  # no good answer yet: no database either
    sink.take([snapshot(five=None, credits=None)], FROZEN)
    assert [r[3] for r in rows(path)] == ["weekly"]
    assert rows(path, "balance_history") == []


def test_balances_follow_the_same_rule(sink, path) -> None:
    clock = FakeClock()
    for amount in (100.0, 99.8, 99.4, 99.4):
        sink.take([snapshot(clock(), credits=amount)], clock())
        clock.advance(60)
    # 0.5 % of 100 is the smallest move that counts.
    assert [r[4] for r in rows(path, "balance_history")] == [100.0, 99.4]


def test_a_renamed_account_keeps_its_series(sink, path) -> None:
    sink.take([snapshot(FROZEN, five=1.0)], FROZEN)
    later = FROZEN + timedelta(minutes=1)
    sink.take([snapshot(later, five=5.0, label="work@example.com")], later)
    assert {r[2] for r in rows(path)} == {"work@example.com"}
    assert len(window_rows(path, "five_hour")) == 2


def test_a_key_that_looks_like_a_secret_is_never_stored(sink, path) -> None:
    secret_key = "codex/sk-abcdefghijklmnopqrstuvwx/work"
    sink.take([snapshot(key=secret_key), snapshot(key=KEY)], FROZEN)
    assert {r[1] for r in rows(path)} == {KEY}
    assert b"sk-abcdefghijkl" not in path.read_bytes()


def _samples_per_hour(path: Path, hour_from: int, hour_to: int) -> list[int]:
    connection = sqlite3.connect(path)
    try:
        return [
            connection.execute(
                "SELECT count(*) FROM window_samples WHERE series = 1 AND at >= ? AND at < ?",
                (hour * 1000, (hour + HOUR) * 1000),
            ).fetchone()[0]
            for hour in range(hour_from, hour_to, HOUR)
        ]
    finally:
        connection.close()


def _recorder(path: Path) -> Recorder:
    return Recorder(open_writer(path, FROZEN, lambda text: None))


def test_retention_raw_for_90_days_then_one_an_hour_then_gone_after_two_years(path) -> None:
    recorder = _recorder(path)
    start = FROZEN - timedelta(days=800)
    # A sample every 10 minutes (the value always moving) over 800 days, but only around
    # three moments: 795 days ago, 100 days ago, and the last day.
    for around in (
        start + timedelta(days=5),
        FROZEN - timedelta(days=100),
        FROZEN - timedelta(hours=23),
    ):
        moment = around
        samples = []
        for step in range(6 * 20):  # 20 hours
            moment = around + timedelta(minutes=10 * step)
            samples.append(snapshot(moment, five=float(step % 100)))
        for each in samples:
            recorder.record([each], each.fetched_at)
    base = int((FROZEN - timedelta(days=100)).timestamp())
    assert _samples_per_hour(path, base, base + 20 * HOUR) == [6] * 20
    # Pruning thins a day of history per run, at most once an hour: run it as time passes.
    clock = FakeClock()
    runs = 0
    for _ in range(40):
        if recorder.prune(clock()):
            runs += 1
        clock.advance(HOUR)
    assert runs == 40
    assert _samples_per_hour(path, base, base + 20 * HOUR) == [1] * 20
    recent = int((FROZEN - timedelta(hours=23)).timestamp())
    assert _samples_per_hour(path, recent, recent + 20 * HOUR) == [6] * 20  # raw: kept whole
    gone = int((start + timedelta(days=5)).timestamp())
    assert _samples_per_hour(path, gone, gone + 20 * HOUR) == [0] * 20  # older than 730 days


def test_pruning_runs_at_most_once_an_hour_and_the_time_is_shared(path) -> None:
    first, second = _recorder(path), _recorder(path)  # two processes
    assert first.prune(FROZEN)
    assert not second.prune(FROZEN + timedelta(minutes=59))
    assert second.prune(FROZEN + timedelta(minutes=60))


def test_the_sink_prunes_by_itself(path, sink) -> None:
    old = FROZEN - timedelta(days=rules.KEEP_DAYS + 1)
    sink.take([snapshot(old)], old)
    assert len(window_rows(path, "weekly")) == 1
    sink.take([snapshot(FROZEN)], FROZEN)
    assert [at for at, _ in window_rows(path, "weekly")] == ["2026-11-22 12:00:00"]


def test_events_are_stored_scrubbed_and_read_back(path) -> None:
    detail = {"window": "weekly", "remaining_percent": 9.5, "token": "sk-abcdefghijklmnopqrstu"}
    assert record_event("quota_low", "codex", "work", FROZEN, detail, path=path)
    assert record_event(
        "account_switched", "codex", "side", FROZEN + timedelta(seconds=1), {}, path=path
    )
    found = recent_events(FROZEN - timedelta(minutes=1), path=path)
    assert [(e.kind, e.provider, e.account, e.at) for e in found] == [
        ("quota_low", "codex", "work", FROZEN),
        ("account_switched", "codex", "side", FROZEN + timedelta(seconds=1)),
    ]
    assert found[0].detail["remaining_percent"] == 9.5
    assert "sk-abcdefghijklmnopqrstu" not in str(found[0].detail)
    assert [e.kind for e in recent_events(FROZEN, ["account_switched"], path=path)] == [
        "account_switched"
    ]


def test_an_event_that_cannot_be_stored_is_false_not_an_exception(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert not record_event("quota_low", "codex", "work", FROZEN, {}, path=blocker / "h.sqlite3")
    assert recent_events(FROZEN, path=blocker / "h.sqlite3") == []


def test_keep_window_rule_as_numbers() -> None:
    last = rules.WindowSample(at=0, used_percent=10.0, resets_at=7200, window_seconds=18000)
    same = rules.WindowSample(at=60, used_percent=10.0, resets_at=7200, window_seconds=18000)
    assert not rules.keep_window(last, same)
    assert rules.keep_window(last, rules.WindowSample(60, 9.5, 7200, 18000))  # down counts too
    assert not rules.keep_window(last, rules.WindowSample(60, 10.49, 7200, 18000))
    assert rules.keep_window(last, rules.WindowSample(60, 10.0, None, 18000))
    assert rules.keep_window(last, rules.WindowSample(60, 10.0, 7200, 3600))
    assert rules.keep_window(last, rules.WindowSample(900, 10.0, 7200, 18000))
    assert rules.keep_window(None, same)


@pytest.mark.parametrize(("before", "after"), [(9.7, 10.2), (0.2, 0.7), (15.9, 16.4), (64.1, 63.6)])
def test_a_half_point_move_in_one_decimal_figures_is_stored(before: float, after: float) -> None:
    # 10.2 - 9.7 is 0.4999999999999982 in floating point: the move is still half a point.
    last = rules.WindowSample(at=0, used_percent=before, resets_at=7200, window_seconds=18000)
    assert rules.keep_window(last, rules.WindowSample(60, after, 7200, 18000))


def test_a_second_writer_waits_briefly_instead_of_failing(path: Path, sink) -> None:
    sink.take([snapshot(FROZEN, five=1.0)], FROZEN)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another process writing right now
    other.execute("INSERT INTO meta (name, value) VALUES ('x', 1)")
    reader = sqlite3.connect(path)
    assert reader.execute("SELECT count(*) FROM window_samples").fetchone()[0] == 2
    reader.close()
    later = FROZEN + timedelta(minutes=1)
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        sink.take([snapshot(later, five=5.0)], later)  # waits for the lock, then writes
    finally:
        release.join()
        other.close()
    assert [u for _, u in window_rows(path, "five_hour")] == [1.0, 5.0]
    assert sink.said == []


def test_a_writer_holding_the_lock_too_long_costs_a_batch_not_a_report(
    path: Path, monkeypatch
) -> None:
    from tui.history import store

    monkeypatch.setattr(store, "BUSY_MS", 50)
    first = HistorySink(path, lambda text: None)
    first.take([snapshot(FROZEN, five=1.0)], FROZEN)
    first.close(1.0)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    said: list[str] = []
    for opened in (False, True):  # opening the database, and writing to an open one
        sink = HistorySink(path, said.append)
        if opened:
            other.execute("COMMIT")
            sink.take([snapshot(FROZEN, five=1.0)], FROZEN)  # opens it
            other.execute("BEGIN IMMEDIATE")
        later = FROZEN + timedelta(minutes=1)
        sink.take([snapshot(later, five=5.0)], later)
        assert said == []
        sink.close(1.0)
    other.execute("COMMIT")
    other.close()
    sink = HistorySink(path, said.append)
    later = FROZEN + timedelta(minutes=2)
    sink.take([snapshot(later, five=5.0)], later)
    sink.close(1.0)
    assert [u for _, u in window_rows(path, "five_hour")] == [1.0, 5.0] and said == []


def test_the_history_screen_draws_a_balance_as_it_was_spent(sink, path: Path) -> None:
    from dataclasses import replace

    from textual.content import Content

    from tui.history.query import account_history
    from tui.screens.history import history_content

    clock = FakeClock()
    start = clock()
    for amount in (100.0, 80.0, 60.0, 40.0):
        sink.take([snapshot(clock(), credits=amount)], clock())
        clock.advance(6 * HOUR)
    sink.close(1.0)
    found = account_history(path, KEY, int(clock().timestamp()) - 7 * 86400)
    assert [p.amount for p in found.amounts("credits")] == [100.0, 80.0, 60.0, 40.0]
    # A balance-only account: no window at all, and the balance is still charted.
    shown = replace(snapshot(start + timedelta(hours=18), credits=40.0), windows=())
    only_balance = replace(found, windows={})
    body = history_content(shown, only_balance, clock(), 7, 80, 2)
    assert isinstance(body, Content)
    lines = body.plain.split("\n")
    assert lines[0].startswith("Credits  now 40 · low 40 · high 100")  # the label names the unit
    chart = "".join(lines[1:3])
    assert any(block in chart for block in "▁▂▃▄▅▆▇█")
    assert max(len(line) for line in lines) <= 80
    # The chart falls as the balance was spent: the first filled column is the fullest.
    filled = [column for column in zip(*lines[1:3], strict=True) if "".join(column).strip()]
    heights = ["".join(column) for column in filled]
    assert heights[0] != heights[-1]


def test_a_balance_that_the_file_says_is_infinite_is_skipped(path: Path) -> None:
    from tui.history.query import account_history

    sink = HistorySink(path, lambda _: None)
    sink.take([snapshot(credits=50.0)], FROZEN)
    sink.close(1.0)
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE balance_samples SET amount = 1e999")
    found = account_history(path, KEY, int(FROZEN.timestamp()) - 86400)
    assert found.amounts("credits") == ()
