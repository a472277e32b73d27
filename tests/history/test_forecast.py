"""The forecast from the recent rate: which samples it measures from, when it says nothing,
and its words; on a fixed clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from support.clock import FROZEN

from providers.model import Window
from tui.history.forecast import recent_forecast
from tui.history.query import Point
from tui.pace_text import forecast_words

HOUR = 3600
NOW = FROZEN
T = int(NOW.timestamp())


def five_hour(used: float, resets_in: float = 2 * HOUR) -> Window:
    return Window(
        "five_hour",
        "5h",
        used,
        resets_at=NOW + timedelta(seconds=resets_in),
        window_seconds=5 * HOUR,
    )


def rising(per_hour: float, start_used: float, minutes: int, every: int = 15) -> list[Point]:
    """Samples every `every` minutes over the last `minutes`, rising `per_hour` points an hour."""
    return [
        Point(T - m * 60, start_used + per_hour * (minutes - m) / 60, None, 5 * HOUR)
        for m in range(minutes, -1, -every)
    ]


def test_a_steady_rate_over_the_lookback_gives_its_exhaustion_time() -> None:
    # 50 minutes is a sixth of five hours; 30 points an hour from 40 % reaches 100 % in 1h 20m
    # after the newest sample (at 70 %), before the reset in two hours.
    points = rising(30.0, 40.0, 60)
    window = five_hour(points[-1].used_percent)
    forecast = recent_forecast(window, points, NOW)
    assert forecast is not None
    assert forecast.lookback_seconds == 50 * 60
    assert forecast.rate_per_hour == pytest.approx(30.0)
    assert forecast.runs_out_at == pytest.approx(T + 1 * HOUR)
    assert forecast_words(forecast, NOW) == "at the last 50m's rate: runs out in 1h 00m"
    assert forecast_words(forecast, NOW, width=30) == "last 50m: runs out in 1h 00m"


def test_a_slow_rate_lasts_until_the_reset_and_no_rise_is_no_use() -> None:
    slow = rising(2.0, 40.0, 60)
    forecast = recent_forecast(five_hour(slow[-1].used_percent), slow, NOW)
    assert forecast is not None and forecast.runs_out_at is None
    assert forecast_words(forecast, NOW) == "at the last 50m's rate: lasts until reset"
    flat = rising(0.0, 40.0, 60)
    forecast = recent_forecast(five_hour(40.0), flat, NOW)
    assert forecast is not None and forecast.idle
    assert forecast_words(forecast, NOW) == "no use in the last 50m"


def test_too_little_history_says_nothing() -> None:
    # Twenty minutes of samples cover less than two thirds of the 50-minute lookback.
    short = rising(30.0, 40.0, 20, every=5)
    assert recent_forecast(five_hour(short[-1].used_percent), short, NOW) is None
    assert recent_forecast(five_hour(50.0), [], NOW) is None
    # No period known (no length), used up, or the samples are from an earlier period.
    unknown = Window("five_hour", "5h", 50.0, resets_at=NOW + timedelta(hours=2))
    assert recent_forecast(unknown, rising(30.0, 40.0, 60), NOW) is None
    assert recent_forecast(five_hour(100.0), rising(30.0, 40.0, 60), NOW) is None
    earlier = [
        Point(T - 4 * HOUR, 10.0, None, 5 * HOUR),
        Point(T - 3 * HOUR - 1, 20.0, None, 5 * HOUR),
    ]
    assert recent_forecast(five_hour(20.0), earlier, NOW) is None


def test_a_sample_long_before_the_lookback_is_not_taken_for_its_start() -> None:
    # The app was closed for hours: the last sample before the lookback is 3 h old, so what
    # happened meanwhile is unknown and is not charged to the last 50 minutes.
    points = [Point(T - 3 * HOUR - 50 * 60, 10.0, None, 5 * HOUR), Point(T, 60.0, None, 5 * HOUR)]
    window = five_hour(60.0, resets_in=HOUR)
    assert recent_forecast(window, points, NOW) is None


def test_the_words_count_down_and_stop_at_the_reset() -> None:
    points = rising(30.0, 40.0, 60)
    forecast = recent_forecast(five_hour(points[-1].used_percent), points, NOW)
    later = NOW + timedelta(minutes=30)
    assert forecast_words(forecast, later) == "at the last 50m's rate: runs out in 30m 00s"
    assert forecast_words(forecast, NOW + timedelta(hours=1, seconds=1)).endswith("runs out now")
    assert forecast_words(forecast, NOW + timedelta(hours=2)) is None
    assert forecast_words(None, NOW) is None
