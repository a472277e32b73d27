"""History as chart columns, reset marks and block characters; the demo's made-up week."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import datetime, timedelta

from support.clock import FROZEN
from support.history_samples import DAY, HOUR, snapshot

from tui.history import chart
from tui.history.demo import DAYS, STEP_SECONDS, balance_week, window_week
from tui.history.query import Point
from tui.widgets.history_lines import window_sparkline


def test_each_column_shows_the_highest_value_sampled_in_it() -> None:
    points = [Point(0, 10.0, None, None), Point(30, 40.0, None, None), Point(70, 20.0, None, None)]
    assert chart.columns(points, 0, 60, 2) == [40.0, 20.0]


def test_a_column_without_a_sample_carries_the_last_value_until_its_reset_or_a_long_gap() -> None:
    hour = 3600
    points = [Point(0, 30.0, resets_at=hour, window_seconds=5 * hour)]
    values = chart.columns(points, 0, hour / 2, 6)  # half-hour columns over three hours
    # Reset at 1 h: nothing used after it; past 90 minutes without a sample, nothing known.
    assert values == [30.0, 30.0, 0.0, 0.0, None, None]
    no_reset = [Point(0, 30.0, None, None)]
    assert chart.columns(no_reset, 0, hour / 2, 6) == [30.0, 30.0, 30.0, 30.0, None, None]


def test_a_point_before_the_range_gives_the_first_columns_their_value() -> None:
    points = [Point(-600, 12.0, None, None), Point(120, 14.0, None, None)]
    assert chart.columns(points, 0, 60, 3) == [12.0, 12.0, 14.0]


def test_resets_are_found_from_reset_times_and_from_drops() -> None:
    points = [
        Point(0, 80.0, resets_at=100, window_seconds=1000),
        Point(150, 5.0, resets_at=1100, window_seconds=1000),
        Point(200, 6.0, None, None),
        Point(300, 50.0, None, None),
        Point(400, 35.0, None, None),  # a drop of 15 points: a reset
    ]
    assert chart.resets(points, 0, 1000) == [100, 400]
    assert chart.resets(points, 200, 1000) == [400]


def test_cells_fill_each_column_in_eighths_of_the_rows() -> None:
    assert chart.cells([0.0, 50.0, 100.0, None], 1) == [["▁", "▄", "█", " "]]
    assert chart.cells([0.0, 50.0, 100.0, 75.0], 2) == [[" ", " ", "█", "▄"], ["▁", "█", "█", "█"]]
    assert chart.cells([250.0], 1) == [["█"]]  # overage stays within the chart


def test_day_labels_fall_on_local_midnights_and_never_overlap() -> None:
    start = datetime(2026, 11, 16, 6, 0).astimezone().timestamp()  # TZ=UTC in the tests
    labels = chart.day_labels(start, start + 7 * DAY, 70)
    assert [text for _, text in labels] == ["Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Mon"]
    assert labels[0][0] == 18 * 70 // (7 * 24)  # midnight is 18 hours in
    month = chart.day_labels(start, start + 30 * DAY, 70)
    ends = [column + len(text) for column, text in month]
    assert all(end + 1 < column for end, (column, _) in zip(ends, month[1:], strict=False))


def test_the_sparkline_covers_the_period_so_far_and_ends_at_the_answer() -> None:
    answer = snapshot(FROZEN, week=60.0)
    weekly = answer.window("weekly")
    assert weekly is not None
    start = weekly.resets_at.timestamp() - 7 * DAY  # four days into the week
    points = [
        Point(int(start + hour * HOUR), min(59.0, hour / 2), None, 7 * DAY) for hour in range(96)
    ]
    line = window_sparkline(weekly, points, FROZEN, 60, FROZEN)
    assert line is not None
    spark, suffix = line.plain[: -len(" since Wed 12:00")], line.plain[-len(" since Wed 12:00") :]
    assert suffix == " since Wed 12:00"
    drawn = spark.rstrip()
    assert len(drawn) == math.ceil(len(spark) * 4 / 7)  # 4 of the week's 7 days so far
    assert drawn[0] == "▁" and drawn[-1] == "▅"  # 60 % now, from the answer itself
    assert window_sparkline(weekly, [], FROZEN, 60, FROZEN) is None  # no history: no line


def test_the_demo_week_is_the_same_every_time_and_ends_at_the_answer() -> None:
    answer = snapshot(FROZEN, five=42.0, week=30.0)
    at = int(FROZEN.timestamp())
    for window in answer.windows:
        week = list(window_week(answer.key, window, at))
        assert week == list(window_week(answer.key, window, at))
        assert len(week) == DAYS * DAY // STEP_SECONDS
        assert week[0].at == at - DAYS * DAY and week[-1].at < at
        assert all(0 <= sample.used_percent <= 100 for sample in week)
        current = [s for s in week if s.resets_at == int(window.resets_at.timestamp())]
        assert current and max(s.used_percent for s in current) <= window.used_percent
        # Within a period the value only climbs; it drops at resets.
        for before, after in itertools.pairwise(week):
            if before.resets_at == after.resets_at:
                assert after.used_percent >= before.used_percent
    other = list(window_week("codex/acc-other/other", answer.windows[0], at))
    assert other != list(window_week(answer.key, answer.windows[0], at))
    credits = list(balance_week(answer.key, answer.balances[0], at))
    assert credits[-1].amount >= 14.5 and credits[0].amount >= credits[-1].amount


def test_a_window_with_no_known_period_wanders_to_its_value() -> None:
    answer = snapshot(FROZEN)
    window = replace(answer.windows[0], resets_at=None, window_seconds=None)
    week = list(window_week(answer.key, window, int(FROZEN.timestamp())))
    assert abs(week[-1].used_percent - window.used_percent) <= 1
    assert all(sample.resets_at is None for sample in week)
    assert (FROZEN - timedelta(days=7)).timestamp() == week[0].at


def test_a_balance_spans_its_limit_or_else_its_lowest_to_highest_amount() -> None:
    from tui.history.query import BalancePoint

    spent = [BalancePoint(0, 165.0, "USD"), BalancePoint(60, 129.0, "USD")]
    low, high = chart.balance_scale(spent, None)
    assert high == 165.0 and 120.0 < low < 129.0  # the lowest is a sliver, not the floor
    assert chart.balance_scale(spent, 200.0) == (0.0, 200.0)  # a limit fills like a bar
    assert chart.balance_scale(spent, 100.0) == (0.0, 165.0)  # over its limit: all of it shows
    assert chart.balance_scale([BalancePoint(0, 5.0, None)], None) == (0.0, 5.0)  # flat: full
    values = chart.balance_columns(spent, 0, 30, 4, chart.balance_scale(spent, None))
    assert values[0] == 100.0 and values[2] is not None and values[2] < 25.0
