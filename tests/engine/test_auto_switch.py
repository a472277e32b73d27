"""The automatic switch's rules, decided with a fixed clock and hand-made answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from providers.base import Account
from providers.model import AccountSnapshot, Status, Window
from providers.registry import BY_ID
from tui.switching.auto import AutoSwitch, Candidate, NoneQualifies, Switch
from tui.switching.rules import SwitchRules, switch_rules

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
CODEX = BY_ID["codex"]


def candidate(
    name: str,
    five_left: float | None,
    week_left: float | None,
    *,
    active: bool = False,
    ok: bool = True,
    fresh: bool = True,
    week_reset: datetime | None = None,
) -> Candidate:
    windows = []
    if five_left is not None:
        windows.append(Window("five_hour", "5h", 100 - five_left, NOW + timedelta(hours=2), 18000))
    if week_left is not None:
        windows.append(
            Window(
                "weekly", "Weekly", 100 - week_left, week_reset or NOW + timedelta(days=3), 604800
            )
        )
    account = Account(
        provider="codex",
        label=name,
        source=f"~/account/{name}.auth.json",
        active=active,
        path=None if active else Path(f"/x/account/{name}.auth.json"),
    )
    snapshot = AccountSnapshot(
        "codex",
        name,
        account.source,
        active,
        Status.OK if ok else Status.AUTH_EXPIRED,
        None if ok else "expired",
        windows=tuple(windows),
        fetched_at=NOW,
        key=name,
    )
    return Candidate(account, snapshot, fresh)


def auto(tmp_path: Path | None = None, **rules) -> AutoSwitch:
    switcher = CODEX.switcher()
    assert switcher is not None
    path = tmp_path / "auto-switch.json" if tmp_path else None
    return AutoSwitch(CODEX, switcher, SwitchRules(True, **rules), interval=300, state_path=path)


def test_nothing_happens_while_the_active_account_has_room() -> None:
    assert auto().decide([candidate("a", 50, 50, active=True), candidate("b", 90, 90)], NOW) is None


def test_under_the_line_it_picks_the_most_room() -> None:
    decision = auto().decide(
        [candidate("a", 8, 50, active=True), candidate("b", 40, 90), candidate("c", 70, 60)], NOW
    )
    assert isinstance(decision, Switch)
    assert decision.target.account.label == "c"
    assert decision.reason == "'a' is down to 8% left; 'c' has 60%"


def test_targets_need_the_minimum_in_both_windows_fresh_data_and_an_ok_answer() -> None:
    decision = auto().decide(
        [
            candidate("a", 50, 5, active=True),
            candidate("low-week", 90, 25),
            candidate("stale", 99, 99, fresh=False),
            candidate("broken", 99, 99, ok=False),
            candidate("fine", 35, 35),
        ],
        NOW,
    )
    assert isinstance(decision, Switch) and decision.target.account.label == "fine"


def test_none_qualifies_is_said_once_and_waits_for_the_earliest_reset() -> None:
    switching = auto()
    accounts = [candidate("a", 5, 50, active=True), candidate("b", 20, 90)]
    first = switching.decide(accounts, NOW)
    assert isinstance(first, NoneQualifies)
    assert first.wait_until == NOW + timedelta(hours=2)
    assert switching.decide(accounts, NOW + timedelta(minutes=5)) is None
    # After the reset it looks again, and a target that recovered is taken.
    later = NOW + timedelta(hours=2, minutes=1)
    decision = switching.decide(
        [candidate("a", 5, 50, active=True), candidate("b", 100, 90)], later
    )
    assert isinstance(decision, Switch)


def test_never_again_within_the_cooldown_even_after_a_restart(tmp_path: Path) -> None:
    switching = auto(tmp_path, cooldown=900)
    switching.switched(NOW)
    low = [candidate("b", 5, 50, active=True), candidate("a", 90, 90)]
    assert switching.decide(low, NOW + timedelta(seconds=899)) is None
    restarted = auto(tmp_path, cooldown=900)
    assert restarted.decide(low, NOW + timedelta(seconds=600)) is None
    assert isinstance(restarted.decide(low, NOW + timedelta(seconds=901)), Switch)


def test_rules_from_the_config_with_sentences_for_bad_values() -> None:
    rules, problems = switch_rules(
        {"auto_switch": True, "switch_below": 150, "switch_target_min": 40, "switch_cooldown": -1}
    )
    assert rules == SwitchRules(True, 10.0, 40.0, 900.0)
    assert len(problems) == 2
    off, _ = switch_rules({})
    assert off.enabled is False
    assert switch_rules({"switch_below": 50, "switch_target_min": 30})[1]  # target under the line


def test_a_switch_in_progress_is_not_started_twice() -> None:
    switching = auto()
    switching.busy = True
    assert (
        switching.decide([candidate("a", 5, 5, active=True), candidate("b", 90, 90)], NOW) is None
    )


def test_the_active_account_without_data_does_nothing() -> None:
    active = candidate("a", 5, 5, active=True)
    broken = replace(
        active, snapshot=replace(active.snapshot, status=Status.AUTH_EXPIRED, message="x")
    )
    assert auto().decide([broken, candidate("b", 90, 90)], NOW) is None
