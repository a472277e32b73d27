"""How a pace is shown, as plain functions: the bar's marker cell, the sign, the detail's words
(counted down from the fetch), and which accounts the overview warns of."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from providers.model import AccountSnapshot, Status, Window
from tui.pace import window_pace
from tui.pace_text import long_window, marker_cell, pace_sign, pace_words, runs_out_early

T = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
HOUR, DAY, WEEK = 3600, 86400, 604800


def window(window_id: str, used: float, to_reset: float, length: int | None = WEEK, **kw) -> Window:
    return Window(window_id, window_id, used, T + timedelta(seconds=to_reset), length, **kw)


def words(w: Window, now: datetime = T) -> str | None:
    return pace_words(window_pace(w, T), T, w.resets_at, now)


# ------------------------------------------------------------------------- the marker


@pytest.mark.parametrize(
    ("expected_used", "width", "cell"),
    [
        (50, 20, 10),  # half due: half the bar left
        (75, 20, 5),  # three quarters due: the bar (what is left) should end at a quarter
        (25, 8, 6),
        (3, 10, 9),  # nearly nothing due: the last cell, never past the bar
        (0, 10, 9),
        (100, 10, 0),
        (120, 10, 0),  # out of range is held to the bar
    ],
)
def test_the_marker_is_where_what_is_left_should_end(expected_used, width, cell) -> None:
    assert marker_cell(expected_used, width) == cell


def test_a_bar_of_one_cell_has_no_marker() -> None:
    assert marker_cell(50, 1) is None and marker_cell(50, 0) is None


# ------------------------------------------------------------------------- the sign


def test_signs_by_stage_and_none_without_a_pace() -> None:
    assert pace_sign(window_pace(window("weekly", 60, WEEK / 2), T)) == "▲"  # 10 points over
    assert pace_sign(window_pace(window("weekly", 47, WEEK / 2), T)) == "▼"  # slight reserve
    assert pace_sign(window_pace(window("weekly", 51, WEEK / 2), T)) == "·"  # on track
    assert pace_sign(None) == " "


# ------------------------------------------------------------------------- the words


def test_a_deficit_says_when_it_runs_out_and_when_it_resets() -> None:
    # 60 % in half a week: the other 40 % last 40 / (60 / 302400 s) = 2d 8h, reset in 3d 12h.
    assert words(window("weekly", 60, WEEK / 2)) == (
        "10% in deficit · runs out in 2d 8h (resets in 3d 12h)"
    )


def test_the_words_count_down_from_the_fetch_with_the_clock() -> None:
    five = window("five_hour", 80, 2.5 * HOUR, 5 * HOUR)  # runs out in 37m 30s
    assert words(five) == "30% in deficit · runs out in 37m 30s (resets in 2h 30m)"
    later = T + timedelta(minutes=30, seconds=15)
    assert words(five, later) == "30% in deficit · runs out in 7m 15s (resets in 1h 59m)"
    # Past the moment it was due to run out (no newer answer): it says so, not a countdown.
    assert words(five, T + timedelta(hours=1)).startswith("30% in deficit · runs out now (")


def test_a_reserve_or_on_track_lasts_until_reset() -> None:
    assert words(window("weekly", 42, WEEK / 2)) == "8% in reserve · lasts until reset"
    assert words(window("weekly", 49, WEEK / 2)) == "on track · lasts until reset"
    assert words(window("weekly", 0, WEEK / 2)) == "50% in reserve · lasts until reset"


def test_on_track_yet_a_little_fast_still_says_it_runs_out_first() -> None:
    # 51 % at half-time is within the 2 points of on track, but 49 % at that rate lasts 3d 8h.
    assert words(window("weekly", 51, WEEK / 2)) == (
        "on track · runs out in 3d 8h (resets in 3d 12h)"
    )


def test_a_used_up_window_says_so() -> None:
    assert words(window("weekly", 100, WEEK / 4)) == "25% in deficit · used up (resets in 1d 18h)"


def test_no_words_without_a_pace_or_once_the_window_has_reset() -> None:
    assert words(window("weekly", 60, WEEK / 2, length=None)) is None
    assert words(window("weekly", 60, WEEK * 0.99)) is None  # too early to tell
    assert words(window("weekly", 60, WEEK / 2), T + timedelta(seconds=WEEK / 2)) is None
    pace = window_pace(window("weekly", 60, WEEK / 2), T)
    assert pace_words(pace, None, T + timedelta(days=1), T) is None


# ------------------------------------------------------------------------- the warning


@pytest.mark.parametrize(
    ("window_id", "length", "long"),
    [
        ("weekly", None, True),
        ("monthly", None, True),
        ("gpt-5-3-codex-spark:weekly", None, True),
        ("mcp:monthly", None, True),
        ("14d", 14 * DAY, True),
        ("6d", 6 * DAY, True),
        ("5d", 5 * DAY, False),
        ("five_hour", 5 * HOUR, False),
        ("daily", DAY, False),
        ("weekly_sonnet", None, False),  # no length, and not a weekly id
        ("weekly_sonnet", WEEK, True),
    ],
)
def test_long_windows_by_id_or_length(window_id, length, long) -> None:
    assert long_window(window(window_id, 10, DAY, length)) is long


def snapshot(*windows: Window, status: Status = Status.OK) -> AccountSnapshot:
    return AccountSnapshot(
        provider="codex",
        account="a",
        source="test",
        active=False,
        status=status,
        message=None if status is Status.OK else "broken",
        windows=windows,
        fetched_at=T,
    )


FIVE_SHORT = window("five_hour", 80, 2.5 * HOUR, 5 * HOUR)  # runs out before its reset
WEEK_SHORT = window("weekly", 60, WEEK / 2)
WEEK_LASTS = window("weekly", 20, WEEK / 2)


def test_a_week_that_runs_out_early_is_warned_of() -> None:
    assert runs_out_early(snapshot(window("five_hour", 10, 2.5 * HOUR, 5 * HOUR), WEEK_SHORT))


def test_a_short_window_running_out_or_a_week_that_lasts_is_not() -> None:
    assert not runs_out_early(snapshot(FIVE_SHORT, WEEK_LASTS))


def test_only_the_two_windows_the_overview_shows_count() -> None:
    # A third, per-model week (Claude's Opus) running short leaves the account usable.
    opus = window("weekly_opus", 90, WEEK / 2)
    assert not runs_out_early(snapshot(FIVE_SHORT, WEEK_LASTS, opus))


def test_an_account_that_did_not_answer_is_not_warned_of() -> None:
    assert not runs_out_early(snapshot(WEEK_SHORT, status=Status.UNREACHABLE))


def test_in_a_narrow_detail_the_reset_gives_way_first() -> None:
    week = window("weekly", 60, WEEK / 2)
    full = "10% in deficit · runs out in 2d 8h (resets in 3d 12h)"
    assert pace_words(window_pace(week, T), T, week.resets_at, T, len(full)) == full
    assert pace_words(window_pace(week, T), T, week.resets_at, T, 40) == (
        "10% in deficit · runs out in 2d 8h"
    )
