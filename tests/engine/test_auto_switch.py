"""The automatic switch's rules, decided with a fixed clock and hand-made answers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

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


# ------------------------------------------------------------------ review: odd state, odd data


def test_a_target_that_just_failed_is_no_target_for_its_recent_good_data() -> None:
    from tui.store.store import Entry
    from tui.switching.auto import candidates_of

    def entry(c: Candidate, latest: AccountSnapshot | None = None) -> Entry:
        return Entry(CODEX, c.account, latest or c.snapshot, last_good=c.snapshot, loading=False)

    active = candidate("a", 5, 50, active=True)
    good = candidate("good", 60, 60)
    broken = candidate("broken", 99, 99)  # its last good answer, a minute old
    expired = replace(
        broken.snapshot, status=Status.AUTH_EXPIRED, message="expired", windows=(), fetched_at=NOW
    )
    entries = [entry(active), entry(good), entry(broken, expired)]
    found = candidates_of(entries, CODEX, NOW + timedelta(minutes=1), 300)
    decision = auto().decide(found, NOW + timedelta(minutes=1))
    assert isinstance(decision, Switch) and decision.target.account.label == "good"


def test_the_active_account_is_judged_through_a_passing_error() -> None:
    from tui.store.store import Entry
    from tui.switching.auto import candidates_of

    active = candidate("a", 5, 50, active=True)
    failed = replace(active.snapshot, status=Status.ERROR, message="HTTP 502", windows=())
    entries = [
        Entry(CODEX, active.account, failed, last_good=active.snapshot, loading=False),
        Entry(
            CODEX, candidate("b", 90, 90).account, candidate("b", 90, 90).snapshot, loading=False
        ),
    ]
    decision = auto().decide(candidates_of(entries, CODEX, NOW, 300), NOW)
    assert isinstance(decision, Switch)
    # ...but not on old news: its low figure from an hour ago may have reset since.
    later = NOW + timedelta(hours=1)
    assert auto().decide(candidates_of(entries, CODEX, later, 300), later) is None


def test_a_state_file_time_without_a_zone_is_read_as_utc(tmp_path: Path) -> None:
    (tmp_path / "auto-switch.json").write_text('{"codex": "2026-12-02T11:55:00"}')
    switching = auto(tmp_path, cooldown=900)
    low = [candidate("a", 5, 50, active=True), candidate("b", 90, 90)]
    assert switching.decide(low, NOW) is None  # 5 minutes after: within the cooldown
    assert isinstance(switching.decide(low, NOW + timedelta(minutes=11)), Switch)


@pytest.mark.parametrize(
    "content", ["", "[]", '{"codex": 5}', '{"codex": "yesterday"}', "{" * 100_000, "\x00"]
)
def test_a_damaged_state_file_means_no_cooldown(tmp_path: Path, content: str) -> None:
    (tmp_path / "auto-switch.json").write_text(content)
    switching = auto(tmp_path, cooldown=900)
    low = [candidate("a", 5, 50, active=True), candidate("b", 90, 90)]
    assert isinstance(switching.decide(low, NOW), Switch)


def test_a_last_switch_in_the_future_is_no_cooldown_for_ever(tmp_path: Path) -> None:
    (tmp_path / "auto-switch.json").write_text('{"codex": "2036-01-01T00:00:00+00:00"}')
    switching = auto(tmp_path, cooldown=900)
    low = [candidate("a", 5, 50, active=True), candidate("b", 90, 90)]
    assert switching.decide(low, NOW) is None  # the clock went back: wait a cooldown from now
    assert isinstance(switching.decide(low, NOW + timedelta(seconds=901)), Switch)


@pytest.mark.parametrize("value", ["inf", "nan", "-inf", "1e300", "true", '"900"'])
def test_a_cooldown_that_is_no_duration_is_the_default(value: str) -> None:
    import tomllib

    settings = tomllib.loads(f"auto_switch = true\nswitch_cooldown = {value}\n")
    rules, problems = switch_rules(settings)
    assert rules.cooldown == 900.0 and len(problems) == 1
    switching = AutoSwitch(CODEX, CODEX.switcher(), rules, interval=300, state_path=None)
    switching.switched(NOW)
    low = [candidate("a", 5, 50, active=True), candidate("b", 90, 90)]
    assert switching.decide(low, NOW + timedelta(seconds=60)) is None


def test_serve_in_the_demo_never_switches_by_itself(tmp_path: Path, monkeypatch) -> None:
    from providers.discover import build_sources
    from providers.registry import provider_settings, select
    from tui.answers import Answers
    from tui.config import load_config
    from tui.serve.refresher import Refresher

    config_file = tmp_path / "config.toml"
    config_file.write_text("[providers.codex]\nauto_switch = true\nswitch_below = 99\n")
    config = load_config(config_file, explicit=True, known_providers=provider_settings())
    sources = build_sources(select(["codex"]), config, use_demo=True)
    assert Refresher(sources, config, Answers()).auto_switches == []
    real = build_sources(select(["codex"]), config, use_demo=False)
    assert [a.provider.id for a in Refresher(real, config, Answers()).auto_switches] == ["codex"]


def test_a_switch_by_another_process_counts_for_the_cooldown(tmp_path: Path) -> None:
    # The app and `serve` side by side, each with its own AutoSwitch on the same state file:
    # once one has switched, the other must not switch again within the cooldown.
    app = auto(tmp_path, cooldown=900)
    serve = auto(tmp_path, cooldown=900)
    app.switched(NOW)
    low = [candidate("b", 5, 50, active=True), candidate("a", 90, 90)]
    assert serve.decide(low, NOW + timedelta(seconds=60)) is None
    assert isinstance(serve.decide(low, NOW + timedelta(seconds=901)), Switch)


def test_a_state_file_nested_too_deeply_is_written_afresh(tmp_path: Path) -> None:
    # Small enough to be read, too deep for the JSON reader: the switch was made, so its
    # time must be kept, not raise RecursionError out of the app's worker.
    (tmp_path / "auto-switch.json").write_text("[" * 30_000)
    switching = auto(tmp_path, cooldown=900)
    switching.switched(NOW)
    assert auto(tmp_path, cooldown=900).last_switch == NOW


def test_an_account_whose_figures_arrive_during_the_wait_is_judged_at_once() -> None:
    # At start the active account's answer can come before the others': nothing to move to
    # yet, but the account answering a moment later with room must not wait for a reset
    # (the weekly one may be days away).
    switching = auto()
    low = candidate("a", 5, 50, active=True)
    assert isinstance(switching.decide([low], NOW), NoneQualifies)
    decision = switching.decide([low, candidate("b", 90, 90)], NOW + timedelta(seconds=1))
    assert isinstance(decision, Switch) and decision.target.snapshot.account == "b"


def test_a_failing_target_that_answers_again_during_the_wait_is_judged_at_once() -> None:
    switching = auto()
    low = candidate("a", 5, 50, active=True)
    assert isinstance(switching.decide([low, candidate("b", 90, 90, ok=False)], NOW), NoneQualifies)
    decision = switching.decide([low, candidate("b", 90, 90)], NOW + timedelta(minutes=5))
    assert isinstance(decision, Switch)
