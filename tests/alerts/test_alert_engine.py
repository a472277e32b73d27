"""The alert rules on their own: edge-triggered, once per crossing, forward in time only."""

from __future__ import annotations

from datetime import timedelta

from support.alerting import T0, WEEK, later, settings, snapshot, window

from providers.model import Status
from tui.alerts.engine import AlertState, evaluate
from tui.alerts.settings import AlertSettings, Rules


def run(state: AlertState, *snapshots, config: AlertSettings | None = None, first_seen=True):
    events, _ = evaluate(state, snapshots, config or settings(), T0, first_seen_alerts=first_seen)
    return [(e.event, e.window, e.threshold) for e in events]


def test_a_window_falling_through_the_thresholds_alerts_once_at_each() -> None:
    state = AlertState()
    fired = []
    for minute, left in enumerate([80, 60, 50, 49, 45, 30, 21, 19.5, 19, 10, 5]):
        fired += run(state, snapshot(window(left=left), at=later(minute)))
    assert fired == [("quota_low", "five_hour", 50.0), ("quota_low", "five_hour", 20.0)]


def test_exactly_at_a_threshold_is_not_below_it() -> None:
    state = AlertState()
    assert run(state, snapshot(window(left=50))) == []
    assert run(state, snapshot(window(left=49.9), at=later(1))) == [("quota_low", "five_hour", 50)]


def test_several_thresholds_crossed_at_once_fire_only_the_most_severe() -> None:
    state = AlertState()
    run(state, snapshot(window(left=90)))
    assert run(state, snapshot(window(left=10), at=later(1))) == [("quota_low", "five_hour", 20)]


def test_reaching_zero_is_quota_depleted_alone() -> None:
    state = AlertState()
    run(state, snapshot(window(left=90)))
    assert run(state, snapshot(window(left=0), at=later(1))) == [("quota_depleted", "five_hour", 0)]
    assert run(state, snapshot(window(left=0), at=later(2))) == []


def test_without_depleted_zero_is_the_lowest_threshold() -> None:
    state = AlertState()
    config = settings(depleted=False)
    run(state, snapshot(window(left=90)), config=config)
    assert run(state, snapshot(window(left=0), at=later(1)), config=config) == [
        ("quota_low", "five_hour", 20)
    ]


def test_rising_back_re_arms_and_the_next_fall_alerts_again() -> None:
    state = AlertState()
    run(state, snapshot(window(left=60)))
    assert run(state, snapshot(window(left=40), at=later(1))) == [("quota_low", "five_hour", 50)]
    assert run(state, snapshot(window(left=55), at=later(2))) == []  # re-armed, no alert
    assert run(state, snapshot(window(left=45), at=later(3))) == [("quota_low", "five_hour", 50)]


def test_a_depleted_window_that_comes_back_is_restored_and_re_armed() -> None:
    state = AlertState()
    reset = T0 + timedelta(hours=1)
    run(state, snapshot(window(left=5, resets_at=reset)))
    assert run(state, snapshot(window(left=0, resets_at=reset), at=later(10))) == [
        ("quota_depleted", "five_hour", 0)
    ]
    after = reset + timedelta(hours=5)
    assert run(state, snapshot(window(left=100, resets_at=after), at=later(61))) == [
        ("quota_restored", "five_hour", None)
    ]
    assert run(state, snapshot(window(left=40, resets_at=after), at=later(90))) == [
        ("quota_low", "five_hour", 50)
    ]


def test_restored_can_be_turned_off() -> None:
    state = AlertState()
    config = settings(restored=False)
    run(state, snapshot(window(left=0)), config=config)
    assert run(state, snapshot(window(left=100), at=later(1)), config=config) == []


def test_a_reset_between_two_sightings_re_arms_what_it_did_not_see_rise() -> None:
    """Seen at 30 % before the reset and at 30 % again after it: it rose to 100 % and fell
    below 50 % in between, unseen (the app was closed) — that crossing still alerts."""
    state = AlertState()
    reset = T0 + timedelta(hours=1)
    run(state, snapshot(window(left=30, resets_at=reset)))
    next_reset = reset + timedelta(hours=5)
    assert run(state, snapshot(window(left=30, resets_at=next_reset), at=later(200))) == [
        ("quota_low", "five_hour", 50)
    ]


def test_a_reset_time_that_wobbles_by_seconds_is_not_a_reset() -> None:
    state = AlertState()
    reset = T0 + timedelta(minutes=10)
    run(state, snapshot(window(left=30, resets_at=reset)))
    # Past the old reset time by a little, given again a few seconds later: the same period.
    wobble = reset + timedelta(seconds=20)
    assert run(state, snapshot(window(left=30, resets_at=wobble), at=later(11))) == []


def test_first_seen_already_low_alerts_once_for_the_most_severe() -> None:
    state = AlertState()
    assert run(state, snapshot(window(left=15))) == [("quota_low", "five_hour", 20)]
    assert run(state, snapshot(window(left=14), at=later(1))) == []
    other = AlertState()
    assert run(other, snapshot(window(left=0))) == [("quota_depleted", "five_hour", 0)]
    assert run(AlertState(), snapshot(window(left=70))) == []


def test_first_seen_alerts_can_be_off_and_later_crossings_still_count() -> None:
    state = AlertState()
    assert run(state, snapshot(window(left=15)), first_seen=False) == []
    assert run(state, snapshot(window(left=0), at=later(1)), first_seen=False) == [
        ("quota_depleted", "five_hour", 0)
    ]


def test_a_failed_fetch_fires_nothing_and_re_arms_nothing() -> None:
    state = AlertState()
    run(state, snapshot(window(left=40)))
    assert run(state, snapshot(status=Status.UNREACHABLE, at=later(1))) == []
    # Had the failure re-armed 50 %, this would alert again.
    assert run(state, snapshot(window(left=39), at=later(2))) == []


def test_an_older_sighting_than_the_stored_one_changes_nothing() -> None:
    """Another process fetched later and wrote first: this one's older answer must neither
    re-arm (and so double-fire) nor alert."""
    state = AlertState()
    run(state, snapshot(window(left=60)))
    assert run(state, snapshot(window(left=40), at=later(5))) == [("quota_low", "five_hour", 50)]
    assert run(state, snapshot(window(left=55), at=later(3))) == []  # older: ignored
    assert run(state, snapshot(window(left=40), at=later(6))) == []


def test_windows_and_accounts_are_apart() -> None:
    state = AlertState()
    first = snapshot(window("five_hour", 40), window("weekly", 90, seconds=WEEK))
    assert run(state, first) == [("quota_low", "five_hour", 50)]
    both = snapshot(window("five_hour", 40), window("weekly", 40, seconds=WEEK), at=later(1))
    assert run(state, both) == [("quota_low", "weekly", 50)]
    assert run(state, snapshot(window(left=40), account="side", at=later(2))) == [
        ("quota_low", "five_hour", 50)
    ]


def test_unknown_and_unlimited_windows_are_never_crossed() -> None:
    state = AlertState()
    assert run(state, snapshot(window(left=None))) == []


def test_per_provider_rules_replace_the_thresholds_and_keep_the_rest() -> None:
    config = AlertSettings(
        rules=Rules(remaining=(50, 20), depleted=False),
        providers={"codex": Rules(remaining=(30, 10), depleted=False)},
    )
    state = AlertState()
    assert run(state, snapshot(window(left=40)), config=config) == []
    assert run(state, snapshot(window(left=25), at=later(1)), config=config) == [
        ("quota_low", "five_hour", 30)
    ]
    assert run(state, snapshot(window(left=40), provider="claude"), config=config) == [
        ("quota_low", "five_hour", 50)
    ]


def test_account_problem_once_per_turn() -> None:
    state = AlertState()
    assert run(state, snapshot(window(left=90))) == []
    expired = snapshot(status=Status.AUTH_EXPIRED, at=later(1), message="sign in again")
    assert run(state, expired) == [("account_problem", None, None)]
    assert run(state, snapshot(status=Status.AUTH_EXPIRED, at=later(2))) == []
    # A network failure in between says nothing about the account: still the same turn.
    assert run(state, snapshot(status=Status.UNREACHABLE, at=later(3))) == []
    assert run(state, snapshot(status=Status.FORBIDDEN, at=later(4))) == []
    assert run(state, snapshot(window(left=90), at=later(5))) == []
    assert run(state, snapshot(status=Status.FORBIDDEN, at=later(6))) == [
        ("account_problem", None, None)
    ]


def test_account_problem_event_carries_status_and_message() -> None:
    events, _ = evaluate(
        AlertState(), [snapshot(status=Status.AUTH_EXPIRED, message="log in")], settings(), T0
    )
    assert [(e.status, e.message, e.account) for e in events] == [
        ("auth_expired", "log in", "work")
    ]


def test_problems_can_be_turned_off() -> None:
    state = AlertState()
    assert run(state, snapshot(status=Status.AUTH_EXPIRED), config=settings(problems=False)) == []


def test_pace_warning_once_per_period_for_weekly_windows_only() -> None:
    """Two days into a week with 60 % used: at this rate it runs out days before the reset."""
    config = settings(predictive=True, remaining=())
    reset = T0 + timedelta(days=5)
    state = AlertState()
    weekly = window("weekly", 40, resets_at=reset, seconds=WEEK)
    assert run(state, snapshot(weekly), config=config) == [("pace_warning", "weekly", None)]
    weekly = window("weekly", 35, resets_at=reset, seconds=WEEK)
    assert run(state, snapshot(weekly, at=later(60)), config=config) == []
    # The next period, burning as fast: warned again, once.
    next_reset = reset + timedelta(days=7)
    fast = window("weekly", 40, resets_at=next_reset, seconds=WEEK)
    at = reset + timedelta(days=2)
    assert run(state, snapshot(fast, at=at), config=config) == [("pace_warning", "weekly", None)]
    assert run(state, snapshot(fast, at=at + timedelta(hours=1)), config=config) == []
    five = window("five_hour", 10, resets_at=T0 + timedelta(hours=1), seconds=5 * 3600)
    assert run(AlertState(), snapshot(five), config=config) == []


def test_pace_warning_is_off_by_default_and_silent_when_it_lasts() -> None:
    reset = T0 + timedelta(days=5)
    burning = window("weekly", 40, resets_at=reset, seconds=WEEK)
    assert run(AlertState(), snapshot(burning), config=settings(remaining=())) == []
    slow = window("weekly", 90, resets_at=reset, seconds=WEEK)
    config = settings(predictive=True, remaining=())
    assert run(AlertState(), snapshot(slow), config=config) == []


def test_events_say_what_and_when() -> None:
    reset = T0 + timedelta(hours=2)
    events, changed = evaluate(
        AlertState(), [snapshot(window(left=18.25, resets_at=reset, label="5h"))], settings(), T0
    )
    assert changed
    (event,) = events
    assert event.payload() == {
        "event": "quota_low",
        "provider": "codex",
        "account": "work",
        "window": "five_hour",
        "remaining_percent": 18.2,
        "threshold": 20,
        "resets_at": "2026-11-22T14:00:00Z",
        "status": "ok",
        "at": "2026-11-22T12:00:00Z",
    }
    assert event.window_label == "5h"


def test_nothing_changes_when_nothing_crosses() -> None:
    state = AlertState()
    evaluate(state, [snapshot(window(left=70))], settings(), T0)
    _, changed = evaluate(state, [snapshot(window(left=69), at=later(1))], settings(), T0)
    assert not changed  # no write for a sighting that moves no level
