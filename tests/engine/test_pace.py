"""The pace formula of the time issue, exactly, with a fixed clock."""

from datetime import UTC, datetime, timedelta

import pytest

from providers.model import Window
from tui.pace import pace_json, stage_of, window_pace

T = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
WEEK = 604800


def weekly(used: float | None, to_reset: float, length: int | None = WEEK) -> Window:
    return Window("weekly", "Weekly", used, T + timedelta(seconds=to_reset), length)


def test_half_the_week_gone_and_sixty_percent_used_is_a_deficit() -> None:
    pace = window_pace(weekly(60.0, WEEK / 2), T)
    assert pace is not None
    assert pace.expected_used_percent == 50.0
    assert pace.delta_percent == pytest.approx(10.0)
    assert pace.stage == "deficit"
    elapsed = WEEK / 2
    assert pace.eta_seconds == pytest.approx(40.0 / (60.0 / elapsed))
    assert pace.lasts_until_reset is False


def test_slow_use_lasts_until_the_reset() -> None:
    pace = window_pace(weekly(20.0, WEEK / 2), T)
    assert pace is not None and pace.stage == "large_reserve" and pace.lasts_until_reset


def test_json_rounds_and_keeps_the_stage_of_the_unrounded_delta() -> None:
    # delta 2.04 rounds to 2.0 but is past the on-track bound of 2.
    used = 50.0 + 2.04
    document = pace_json(window_pace(weekly(used, WEEK / 2), T))
    assert document == {
        "expected_used_percent": 50.0,
        "delta_percent": 2.0,
        "stage": "slight_deficit",
        "eta_seconds": round((100 - used) / (used / (WEEK / 2))),
        "lasts_until_reset": False,
    }


def test_nothing_used_has_no_eta_and_lasts() -> None:
    pace = window_pace(weekly(0.0, WEEK / 2), T)
    assert pace is not None and pace.eta_seconds is None and pace.lasts_until_reset


def test_spent_window_runs_out_now() -> None:
    pace = window_pace(weekly(100.0, WEEK / 4), T)
    assert pace is not None and pace.eta_seconds == 0 and not pace.lasts_until_reset


@pytest.mark.parametrize(
    "window",
    [
        weekly(10.0, WEEK * 0.99),  # under 3 % of the window gone
        weekly(10.0, WEEK + 60),  # reset further than a window away: clock skew
        weekly(10.0, 0),  # already reset
        weekly(10.0, -60),
        weekly(10.0, WEEK / 2, None),  # no length
        weekly(None, WEEK / 2),
        Window("weekly", "Weekly", 10.0, None, WEEK),
    ],
)
def test_no_pace_when_it_cannot_be_told(window: Window) -> None:
    assert window_pace(window, T) is None


@pytest.mark.parametrize(
    ("delta", "stage"),
    [
        (0.0, "on_track"),
        (2.0, "on_track"),
        (-2.0, "on_track"),
        (2.01, "slight_deficit"),
        (-6.0, "slight_reserve"),
        (6.5, "deficit"),
        (-12.0, "reserve"),
        (12.1, "large_deficit"),
        (-40.0, "large_reserve"),
    ],
)
def test_stages_by_delta(delta: float, stage: str) -> None:
    assert stage_of(delta) == stage


@pytest.mark.parametrize("used", [1e-320, 1e-310, 5e-324])
def test_a_vanishing_used_share_is_no_crash_and_lasts(used: float) -> None:
    # A server's 1e-320 %: the rate underflows to 0 (ZeroDivisionError took --once down) or
    # the eta overflows to inf (round() of it raised in --json).
    pace = window_pace(weekly(used, WEEK / 2), T)
    assert pace is not None and pace.eta_seconds is None and pace.lasts_until_reset
    assert pace_json(pace)["eta_seconds"] is None


def test_json_pace_is_worked_from_the_used_percent_json_prints() -> None:
    from tui.once import _window_json

    # 1e-7 % is printed as 0.0: the pace must be that of 0 % (no eta), not a 1e13 s eta.
    shown = _window_json(weekly(1e-7, WEEK / 2), T)
    assert shown["used_percent"] == 0.0
    assert shown["pace"]["eta_seconds"] is None and shown["pace"]["lasts_until_reset"]
