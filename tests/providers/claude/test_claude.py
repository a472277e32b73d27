"""Claude (PROVIDERS.md §2): parsing both answer shapes, discovery, offline checks, the
request, every failure, the command line end to end, the demo, and no token in any output."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.credentials import DAY, HOUR, write_opencode_auth
from support.leaks import ONCE_AND_JSON, fingerprint, leaked
from support.servers import LocalServer, Reply, Seen, hostile_reply
from support.snapshots import five_hour_and_weekly

from providers import demo
from providers.base import Account, DiscoveryContext, ParseError
from providers.claude import provider as claude
from providers.claude.provider import ClaudeProvider, parse_usage
from providers.collect import fetch_snapshot
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Quota, Status, Window
from providers.registry import select
from tui.cli import main

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
FIVE_HOURS = 5 * HOUR
WEEK = 7 * DAY

SAMPLE = {
    "five_hour": {"utilization": 23.0, "resets_at": "2026-01-29T20:00:00Z"},
    "seven_day": {"utilization": 4.0, "resets_at": "2026-02-05T15:00:00Z"},
    "seven_day_sonnet": {"utilization": 0.0, "resets_at": None},
    "seven_day_opus": None,
    "seven_day_oauth_apps": None,
    "extra_usage": {
        "is_enabled": True,
        "monthly_limit": 5000,
        "used_credits": 0.0,
        "utilization": None,
    },
}


def ids(quota: Quota) -> list[str]:
    return [window.id for window in quota.windows]


def by_id(quota: Quota) -> dict[str, Window]:
    return {window.id: window for window in quota.windows}


def limit(kind: str, percent: Any, *, model: str | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"kind": kind, "percent": percent, **extra}
    if model is not None:
        entry["scope"] = {"model": {"display_name": model}}
    return entry


# =========================================================================== parse: classic shape


def test_sample_answer_maps_named_windows_in_order() -> None:
    quota = parse_usage(SAMPLE, NOW)
    assert ids(quota) == ["five_hour", "weekly", "weekly_sonnet"]
    windows = by_id(quota)
    assert windows["five_hour"].label == "5h"
    assert windows["five_hour"].used_percent == 23.0
    assert windows["five_hour"].remaining_percent == 77.0
    assert windows["five_hour"].resets_at == datetime(2026, 1, 29, 20, 0, tzinfo=UTC)
    assert windows["five_hour"].window_seconds == FIVE_HOURS
    assert windows["weekly"].label == "Weekly"
    assert windows["weekly"].used_percent == 4.0
    assert windows["weekly"].window_seconds == WEEK
    assert windows["weekly"].resets_at == datetime(2026, 2, 5, 15, 0, tzinfo=UTC)


def test_zero_utilization_is_a_window_at_zero_not_missing() -> None:
    window = by_id(parse_usage(SAMPLE, NOW))["weekly_sonnet"]
    assert window.used_percent == 0.0
    assert window.remaining_percent == 100.0
    assert window.resets_at is None
    assert window.label == "Weekly · Sonnet"


def test_every_named_window_has_its_id_label_and_length() -> None:
    answer = {
        key: {"utilization": 60 - n * 10, "resets_at": "2026-12-01T00:00:00Z"}
        for n, key in enumerate(
            [
                "five_hour",
                "seven_day",
                "seven_day_sonnet",
                "seven_day_opus",
                "seven_day_oauth_apps",
            ],
            start=1,
        )
    }
    quota = parse_usage(answer, NOW)
    assert [(w.id, w.label, w.used_percent, w.window_seconds) for w in quota.windows] == [
        ("five_hour", "5h", 50.0, FIVE_HOURS),
        ("weekly", "Weekly", 40.0, WEEK),
        ("weekly_sonnet", "Weekly · Sonnet", 30.0, WEEK),
        ("weekly_opus", "Weekly · Opus", 20.0, WEEK),
        ("weekly_oauth_apps", "Weekly · OAuth apps", 10.0, WEEK),
    ]


@pytest.mark.parametrize(
    "value", [None, {"utilization": None, "resets_at": "2026-12-01T00:00:00Z"}]
)
def test_null_object_or_null_utilization_means_no_such_window(value) -> None:
    answer = {"five_hour": value, "seven_day": {"utilization": 50}}
    assert ids(parse_usage(answer, NOW)) == ["weekly"]


def test_utilization_is_a_percentage_already_and_is_not_capped() -> None:
    answer = {"five_hour": {"utilization": 0.5}, "seven_day": {"utilization": 104.5}}
    windows = by_id(parse_usage(answer, NOW))
    assert windows["five_hour"].used_percent == 0.5  # not a fraction to multiply by 100
    assert windows["weekly"].used_percent == 104.5
    assert windows["weekly"].remaining_percent == 0.0


def test_numbers_and_times_may_arrive_as_strings_or_epochs() -> None:
    reset = NOW + timedelta(hours=3)
    answer = {
        "five_hour": {"utilization": "42.5", "resets_at": "2026-11-22T15:00:00+00:00"},
        "seven_day": {"utilization": "7", "resets_at": int(reset.timestamp() * 1000)},
        "seven_day_opus": {"utilization": 9, "resets_at": str(int(reset.timestamp()))},
    }
    windows = by_id(parse_usage(answer, NOW))
    assert windows["five_hour"].used_percent == 42.5
    assert windows["five_hour"].resets_at == reset
    assert windows["weekly"].used_percent == 7.0
    assert windows["weekly"].resets_at == reset
    assert windows["weekly_opus"].resets_at == reset


def test_a_relative_reset_counts_from_now() -> None:
    answer = {"five_hour": {"utilization": 1, "resets_in_seconds": 600}}
    assert by_id(parse_usage(answer, NOW))["five_hour"].resets_at == NOW + timedelta(minutes=10)


@pytest.mark.parametrize(
    "bad",
    [
        "lots",
        12,
        [1, 2],
        {"utilization": "lots"},
        {"utilization": True},
        {"utilization": {"value": 3}},
        {"utilization": "nan"},
    ],
)
def test_one_malformed_window_is_dropped_alone(bad) -> None:
    answer = {
        "five_hour": bad,
        "seven_day": {"utilization": 30},
        "seven_day_opus": {"utilization": 5},
    }
    assert ids(parse_usage(answer, NOW)) == ["weekly", "weekly_opus"]


def test_an_unreadable_reset_keeps_the_window_without_a_reset() -> None:
    answer = {"five_hour": {"utilization": 10, "resets_at": "soon"}}
    window = by_id(parse_usage(answer, NOW))["five_hour"]
    assert window.used_percent == 10.0 and window.resets_at is None


def test_unknown_windows_are_kept() -> None:
    answer = {
        "five_hour": {"utilization": 1},
        "seven_day_cowork": {"utilization": 12, "resets_at": "2026-12-01T00:00:00Z"},
        "five_hour_opus": {"utilization": 3},
        "monthly_thing": {"utilization": 4, "window_seconds": 30 * DAY},
    }
    windows = by_id(parse_usage(answer, NOW))
    assert windows["weekly_cowork"].label == "Weekly · Cowork"
    assert windows["weekly_cowork"].window_seconds == WEEK
    assert windows["five_hour_opus"].window_seconds == FIVE_HOURS
    # A length the service sent names the window (§0); the key's words stay its label.
    assert windows["monthly"].label == "Monthly thing"
    assert windows["monthly"].window_seconds == 30 * DAY
    # The five-hour family first, its fuller member (3 % used) ahead of the plain one (1 %).
    assert ids(parse_usage(answer, NOW))[:2] == ["five_hour_opus", "five_hour"]


def test_the_answer_does_not_set_a_plan() -> None:
    assert parse_usage({**SAMPLE, "plan": "max"}, NOW).plan is None


# =========================================================================== parse: limits[] shape


def test_limits_kinds_map_to_standard_and_scoped_windows() -> None:
    answer = {
        "limits": [
            limit("session", 12, resets_at="2026-11-22T14:00:00Z"),
            limit("weekly_all", 34, resets_at="2026-11-27T00:00:00Z"),
            limit("weekly_scoped", 5, model="Fable", resets_at="2026-11-27T00:00:00Z"),
        ]
    }
    quota = parse_usage(answer, NOW)
    assert [(w.id, w.label, w.used_percent, w.window_seconds) for w in quota.windows] == [
        ("five_hour", "5h", 12.0, FIVE_HOURS),
        ("weekly", "Weekly", 34.0, WEEK),
        ("weekly:Fable", "Fable only", 5.0, WEEK),
    ]
    assert quota.windows[0].resets_at == datetime(2026, 11, 22, 14, 0, tzinfo=UTC)
    assert quota.windows[2].resets_at == datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


def test_limits_percent_is_used_not_left() -> None:
    window = by_id(parse_usage({"limits": [limit("session", "80")]}, NOW))["five_hour"]
    assert window.used_percent == 80.0 and window.remaining_percent == 20.0


def test_unknown_limit_kinds_are_kept_under_their_kind() -> None:
    answer = {
        "limits": [
            limit("session", 1),
            limit("monthly_all", 40, window_seconds=30 * DAY),
            limit("daily_scoped", 7, model="Haiku"),
        ]
    }
    windows = by_id(parse_usage(answer, NOW))
    assert windows["monthly"].label == "Monthly all"  # named by the length it gave (§0)
    assert windows["monthly"].used_percent == 40.0
    assert windows["monthly"].window_seconds == 30 * DAY
    assert windows["daily_scoped:Haiku"].label == "Daily scoped · Haiku"
    assert windows["daily_scoped:Haiku"].window_seconds is None


@pytest.mark.parametrize(
    "bad",
    [
        "session",
        7,
        {"percent": 10},  # no kind
        {"kind": 5, "percent": 10},
        {"kind": "session", "percent": "lots"},
        {"kind": "session", "percent": [1]},
    ],
)
def test_one_malformed_limit_is_dropped_alone(bad) -> None:
    answer = {"limits": [bad, limit("weekly_all", 20), limit("weekly_scoped", 3, model="Opus")]}
    assert ids(parse_usage(answer, NOW)) == ["weekly", "weekly:Opus"]


def test_a_limit_with_a_null_percent_is_no_window() -> None:
    answer = {"limits": [limit("session", None), limit("weekly_all", 20)]}
    assert ids(parse_usage(answer, NOW)) == ["weekly"]


def test_a_scoped_limit_without_a_model_name_still_shows() -> None:
    answer = {"limits": [{"kind": "weekly_scoped", "percent": 9, "scope": {}}]}
    [window] = parse_usage(answer, NOW).windows
    assert window.id == "weekly_scoped" and window.used_percent == 9.0


def test_a_limit_scoped_to_a_surface_is_named_after_it() -> None:
    """`scope.surface.display_name` names a scoped limit as `scope.model.display_name` does."""
    entry = {
        "kind": "weekly_scoped",
        "percent": 12,
        "scope": {"model": None, "surface": {"id": None, "display_name": "Claude Code"}},
    }
    [window] = parse_usage({"limits": [entry]}, NOW).windows
    assert (window.id, window.label) == ("weekly:Claude Code", "Claude Code only")


def test_two_distinct_limits_claiming_one_id_are_told_apart_in_listed_order() -> None:
    """§0: the first keeps the id, the next gets `_2` (" (2)"), numbered as the answer lists
    them, before the fuller one moves ahead of its family."""
    answer = {
        "limits": [
            limit("weekly_scoped", 10, model="Opus"),
            limit("weekly_scoped", 90, model="Opus"),
            limit("session", 1),
            limit("session", 2),
        ]
    }
    quota = parse_usage(answer, NOW)
    assert [(w.id, w.label, w.used_percent) for w in quota.windows] == [
        ("five_hour_2", "5h (2)", 2.0),
        ("five_hour", "5h", 1.0),
        ("weekly:Opus_2", "Opus only (2)", 90.0),
        ("weekly:Opus", "Opus only", 10.0),
    ]


def test_the_same_limit_told_twice_is_one_window_keeping_both_flags() -> None:
    reset = "2026-11-27T00:00:00Z"
    answer = {
        "limits": [
            limit("weekly_all", 30, resets_at=reset),
            limit("weekly_scoped", 60, model="Opus", resets_at=reset),
            limit("weekly_scoped", "60", model="Opus", resets_at=reset, is_active=True),
        ]
    }
    quota = parse_usage(answer, NOW)
    assert ids(quota) == ["weekly:Opus", "weekly"]
    assert quota.windows[0].binding


# =========================================================================== parse: both shapes


def test_both_shapes_limits_win_shared_ids_and_classic_fills_the_rest() -> None:
    answer = {
        "five_hour": {"utilization": 23.0, "resets_at": "2026-11-22T14:00:00Z"},
        "seven_day": {"utilization": 4.0},
        "seven_day_sonnet": {"utilization": 1.0},
        "seven_day_oauth_apps": {"utilization": 2.0},
        "limits": [
            limit("session", 25),
            limit("weekly_scoped", 5, model="Fable"),
        ],
    }
    quota = parse_usage(answer, NOW)
    assert ids(quota) == [
        "five_hour",
        "weekly:Fable",  # 5 % used: fuller than the plain weekly's 4 %, so it leads
        "weekly",
        "weekly_sonnet",
        "weekly_oauth_apps",
    ]
    windows = by_id(quota)
    assert windows["five_hour"].used_percent == 25.0  # from limits[], the newer shape
    assert windows["weekly"].used_percent == 4.0  # only the classic shape had it


def test_a_classic_model_window_gives_way_to_the_scoped_limit_of_that_model() -> None:
    answer = {
        "seven_day": {"utilization": 4.0},
        "seven_day_opus": {"utilization": 60.0},
        "seven_day_sonnet": {"utilization": 10.0},
        "limits": [limit("weekly_scoped", 61, model="Opus 4.5")],
    }
    quota = parse_usage(answer, NOW)
    assert ids(quota) == ["weekly:Opus 4.5", "weekly", "weekly_sonnet"]


@pytest.mark.parametrize(
    "answer",
    [
        SAMPLE,
        {**SAMPLE, "limits": [limit("session", 1), limit("weekly_all", 2)]},
        {
            "five_hour": {"utilization": 1},
            "limits": [
                limit("session", 1),
                limit("session", 3),
                limit("weekly_scoped", 1, model="X"),
            ],
        },
        {
            "seven_day_opus": {"utilization": 1},
            "limits": [
                limit("weekly_scoped", 1, model="Opus"),
                limit("weekly_scoped", 2, model="Opus"),
            ],
        },
    ],
)
def test_window_ids_are_never_duplicated(answer) -> None:
    window_ids = ids(parse_usage(answer, NOW))
    assert len(window_ids) == len(set(window_ids))


# =========================================================================== parse: extra usage


def test_extra_usage_is_dollars_from_cents_when_enabled() -> None:
    answer = {
        "five_hour": None,
        "extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": 1234.0},
    }
    [balance] = parse_usage(answer, NOW).balances
    assert (balance.id, balance.label, balance.unit) == ("extra_usage", "Extra usage", "USD")
    assert balance.amount == 12.34
    assert balance.limit == 50.0
    assert not balance.unlimited


@pytest.mark.parametrize("enabled", [False, None, "false"])
def test_extra_usage_is_hidden_unless_enabled(enabled) -> None:
    answer = {
        "five_hour": {"utilization": 1},
        "extra_usage": {"is_enabled": enabled, "monthly_limit": 5000, "used_credits": 10},
    }
    assert parse_usage(answer, NOW).balances == ()


def test_extra_usage_values_may_be_strings_or_missing() -> None:
    answer = {"extra_usage": {"is_enabled": "true", "monthly_limit": None, "used_credits": "250"}}
    [balance] = parse_usage(answer, NOW).balances
    assert balance.amount == 2.5 and balance.limit is None


def test_spend_wins_over_extra_usage() -> None:
    answer = {
        "extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": 100},
        "spend": {"amount_minor": 123456, "exponent": 2, "limit_minor": 900000},
    }
    [balance] = parse_usage(answer, NOW).balances
    assert balance.id == "extra_usage" and balance.unit == "USD"
    assert balance.amount == 1234.56
    assert balance.limit == 9000.0


def test_spend_with_another_exponent_and_without_its_own_limit() -> None:
    answer = {
        "extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": 100},
        "spend": {"amount_minor": "7", "exponent": 0},
    }
    [balance] = parse_usage(answer, NOW).balances
    assert balance.amount == 7.0
    assert balance.limit == 50.0  # the extra_usage limit still applies


def test_spend_alone_is_enough_and_may_nest_its_limit() -> None:
    answer = {
        "spend": {"amount_minor": 5, "exponent": 1, "limit": {"amount_minor": 300, "exponent": 1}}
    }
    [balance] = parse_usage(answer, NOW).balances
    assert balance.amount == 0.5 and balance.limit == 30.0


@pytest.mark.parametrize(
    "spend",
    [
        {"amount_minor": 5},
        {"exponent": 2},
        {"amount_minor": "x", "exponent": 2},
        {"amount_minor": 5, "exponent": -1},
        "5 USD",
    ],
)
def test_a_malformed_spend_falls_back_to_extra_usage(spend) -> None:
    answer = {
        "extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": 100},
        "spend": spend,
    }
    [balance] = parse_usage(answer, NOW).balances
    assert balance.amount == 1.0 and balance.limit == 50.0


def test_spend_is_not_shown_when_extra_usage_is_switched_off() -> None:
    answer = {"extra_usage": {"is_enabled": False}, "spend": {"amount_minor": 0, "exponent": 2}}
    assert parse_usage(answer, NOW).balances == ()


def test_spend_may_nest_its_amount_under_used() -> None:
    """The newer answer's spend: {used: {amount_minor, currency, exponent}, limit: {…}}."""
    answer = {
        "five_hour": {"utilization": 1},
        "spend": {
            "used": {"amount_minor": 53411, "currency": "EUR", "exponent": 2},
            "limit": {"amount_minor": 55000, "currency": "EUR", "exponent": 2},
            "percent": 97,
            "enabled": True,
        },
        "extra_usage": {"utilization": 97.1, "is_enabled": True},
    }
    [balance] = parse_usage(answer, NOW).balances
    assert (balance.id, balance.unit) == ("extra_usage", "EUR")
    assert balance.amount == 534.11
    assert balance.limit == 550.0


def test_spend_switched_off_by_its_own_flag_is_not_shown() -> None:
    answer = {
        "five_hour": {"utilization": 1},
        "spend": {
            "used": {"amount_minor": 53411, "currency": "EUR", "exponent": 2},
            "limit": {"amount_minor": 55000, "currency": "EUR", "exponent": 2},
            "enabled": False,
            "disabled_reason": "out_of_credits",
        },
    }
    assert parse_usage(answer, NOW).balances == ()


# =========================================================================== parse: not an answer


@pytest.mark.parametrize("data", [None, [], [SAMPLE], "five_hour", 3, True])
def test_a_non_object_answer_is_a_parse_error(data) -> None:
    with pytest.raises(ParseError, match="not a JSON object"):
        parse_usage(data, NOW)


@pytest.mark.parametrize("data", [{}, {"detail": "what"}, {"usage": {"five_hour": 3}}])
def test_an_answer_without_expected_fields_is_a_parse_error(data) -> None:
    with pytest.raises(ParseError, match="expected fields"):
        parse_usage(data, NOW)


def test_an_error_body_under_http_200_names_its_type() -> None:
    data = {"type": "error", "error": {"type": "permission_error", "message": "nope"}}
    with pytest.raises(ParseError, match=r"an error \(permission_error\)"):
        parse_usage(data, NOW)


@pytest.mark.parametrize(
    "data",
    [
        {"five_hour": "x", "seven_day": 5},
        {"five_hour": {"utilization": "x"}, "limits": "none"},
        {"limits": [1, 2, "three"]},
        {"seven_day": [], "extra_usage": "on"},
    ],
)
def test_wrong_types_everywhere_is_a_parse_error(data) -> None:
    with pytest.raises(ParseError, match="usable"):
        parse_usage(data, NOW)


def test_an_answer_of_nulls_is_an_account_without_windows() -> None:
    data = {"five_hour": None, "seven_day": None, "extra_usage": None, "limits": []}
    assert parse_usage(data, NOW) == Quota()


# =========================================================================== discovery


def write_claude_credentials(
    folder: Path,
    token: str,
    *,
    expires_in: float | None = 6 * HOUR,
    plan: Any = "max",
    tier: Any = "default_claude_max_20x",
    refresh: str = "sk-ant-ort01-refresh-value-0000000000",
) -> Path:
    path = folder / ".credentials.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    oauth: dict[str, Any] = {
        "accessToken": token,
        "refreshToken": refresh,
        "scopes": ["user:inference", "user:profile"],
        "subscriptionType": plan,
        "rateLimitTier": tier,
    }
    if expires_in is not None:
        oauth["expiresAt"] = int((time.time() + expires_in) * 1000)
    path.write_text(json.dumps({"claudeAiOauth": oauth}))
    return path


def write_opencode(home: Path, entries: dict[str, Any]) -> Path:
    path = home / ".local/share/opencode/auth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))
    return path


def opencode_anthropic(token: str, *, expires_in: float = 6 * HOUR) -> dict[str, Any]:
    return {
        "type": "oauth",
        "access": token,
        "refresh": "sk-ant-ort01-opencode-refresh-000000",
        "expires": int((time.time() + expires_in) * 1000),
    }


def discover() -> list[Account]:
    return claude.discover(DiscoveryContext(paths=Paths()))


def test_claude_code_credentials_are_the_active_default_account(home: Path) -> None:
    write_claude_credentials(home / ".claude", "sk-ant-oat01-code-token-0000000000")
    [account] = discover()
    assert account.provider == "claude"
    assert account.label == "default"
    assert account.source == "~/.claude/.credentials.json"
    assert account.active
    assert account.problem is None
    assert account.secret.reveal() == "sk-ant-oat01-code-token-0000000000"
    assert account.extra["plan"] == "max"
    assert account.extra["rate_limit_tier"] == "default_claude_max_20x"
    expires = account.extra["expires"]
    assert abs(expires.timestamp() - (time.time() + 6 * HOUR)) < 60  # expiresAt was in ms


def test_claude_config_dir_moves_the_credentials(home: Path, tmp_path: Path, monkeypatch) -> None:
    write_claude_credentials(home / ".claude", "sk-ant-oat01-home-token-0000000000")
    elsewhere = tmp_path / "claude-work"
    write_claude_credentials(elsewhere, "sk-ant-oat01-work-token-0000000000", plan="team")
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(elsewhere))
    [account] = discover()
    assert account.secret.reveal() == "sk-ant-oat01-work-token-0000000000"
    assert account.extra["plan"] == "team"
    assert account.source == str(elsewhere / ".credentials.json")


def test_opencode_anthropic_login_is_its_own_account(home: Path) -> None:
    write_opencode(
        home,
        {
            "openai": {"access": "x" * 20},
            "anthropic": opencode_anthropic("sk-ant-oat01-oc-0000000000"),
        },
    )
    [account] = discover()
    assert account.label == "opencode"
    assert account.source == "~/.local/share/opencode/auth.json"
    assert not account.active
    assert account.extra["plan"] is None
    assert account.extra["expires"] is not None


def test_xdg_data_home_moves_opencode(home: Path, tmp_path: Path, monkeypatch) -> None:
    data = tmp_path / "data"
    (data / "opencode").mkdir(parents=True)
    (data / "opencode/auth.json").write_text(
        json.dumps({"anthropic": opencode_anthropic("sk-ant-oat01-xdg-000000000")})
    )
    monkeypatch.setenv("XDG_DATA_HOME", str(data))
    [account] = discover()
    assert account.secret.reveal() == "sk-ant-oat01-xdg-000000000"


def test_the_same_token_in_both_sources_is_one_account_and_claude_code_wins(home: Path) -> None:
    token = "sk-ant-oat01-shared-token-000000000"
    write_claude_credentials(home / ".claude", token)
    write_opencode(home, {"anthropic": opencode_anthropic(token)})
    [account] = discover()
    assert account.label == "default"
    assert account.source == "~/.claude/.credentials.json"
    assert account.extra["plan"] == "max"


def test_different_tokens_are_two_accounts_in_source_order(home: Path) -> None:
    write_claude_credentials(home / ".claude", "sk-ant-oat01-one-0000000000")
    write_opencode(home, {"anthropic": opencode_anthropic("sk-ant-oat01-two-0000000000")})
    assert [a.label for a in discover()] == ["default", "opencode"]
    assert len({a.key for a in discover()}) == 2


def test_labels_and_keys_are_stable_between_discoveries(home: Path) -> None:
    write_claude_credentials(home / ".claude", "sk-ant-oat01-one-0000000000")
    write_opencode(home, {"anthropic": opencode_anthropic("sk-ant-oat01-two-0000000000")})
    assert [a.key for a in discover()] == [a.key for a in discover()]


@pytest.mark.parametrize("content", ["", "   \n", None])
def test_empty_or_missing_files_are_no_account(home: Path, content) -> None:
    if content is not None:
        (home / ".claude").mkdir()
        (home / ".claude/.credentials.json").write_text(content)
        write_opencode(home, {})
    assert discover() == []


@pytest.mark.parametrize(
    "document",
    [{}, {"mcpOAuth": {"server": {"accessToken": "x"}}}, {"claudeAiOauth": None}],
)
def test_a_file_without_a_claude_login_is_no_account(home: Path, document) -> None:
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text(json.dumps(document))
    assert discover() == []


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"claudeAiOauth": {"accessToken": ', "is not valid JSON"),
        ("[1, 2]", "is not a JSON object"),
        (
            '{"claudeAiOauth": "sk-ant-oat01-abc"}',
            "claudeAiOauth in ~/.claude/.credentials.json is not an object",
        ),
        (
            '{"claudeAiOauth": {"accessToken": 12345}}',
            "accessToken in ~/.claude/.credentials.json is not a string",
        ),
        ('{"claudeAiOauth": {"accessToken": ["a"]}}', "is not a string"),
    ],
)
def test_a_broken_credentials_file_is_an_account_with_a_problem(home: Path, content, words) -> None:
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text(content)
    [account] = discover()
    assert account.label == "default"
    assert account.problem is not None
    assert account.problem.status is Status.ERROR
    assert words in account.problem.message
    assert "~/.claude/.credentials.json" in account.problem.message
    assert account.secret is None


def test_a_folder_in_place_of_the_file_is_a_problem(home: Path) -> None:
    (home / ".claude/.credentials.json").mkdir(parents=True)
    [account] = discover()
    assert account.problem.status is Status.ERROR
    assert "is a folder" in account.problem.message


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_file_is_a_problem(home: Path) -> None:
    path = write_claude_credentials(home / ".claude", "sk-ant-oat01-locked-0000000000")
    path.chmod(0)
    try:
        [account] = discover()
    finally:
        path.chmod(0o600)
    assert account.problem.status is Status.ERROR
    assert "permission denied" in account.problem.message


@pytest.mark.parametrize(
    "oauth", [{"refreshToken": "rt"}, {"accessToken": ""}, {"accessToken": None}]
)
def test_a_login_without_an_access_token_asks_to_sign_in(home: Path, oauth) -> None:
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text(json.dumps({"claudeAiOauth": oauth}))
    [account] = discover()
    assert account.problem.status is Status.AUTH_EXPIRED
    assert "run `claude` to sign in again" in account.problem.message


def test_odd_optional_fields_are_unknown_not_fatal(home: Path) -> None:
    path = home / ".claude/.credentials.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps(
            {
                "claudeAiOauth": {
                    "accessToken": "sk-ant-oat01-odd-0000000000",
                    "expiresAt": "soon",
                    "subscriptionType": 5,
                    "rateLimitTier": [],
                }
            }
        )
    )
    [account] = discover()
    assert account.problem is None
    assert account.extra["plan"] is None and account.extra["expires"] is None


def test_a_broken_claude_file_does_not_hide_opencode(home: Path) -> None:
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text("{nope")
    write_opencode(home, {"anthropic": opencode_anthropic("sk-ant-oat01-oc-0000000000")})
    accounts = discover()
    assert [(a.label, a.problem is None) for a in accounts] == [
        ("default", False),
        ("opencode", True),
    ]


@pytest.mark.parametrize(
    "content",
    [
        json.dumps({"anthropic": {"type": "api", "key": "sk-ant-api03-key-000000000"}}),
        json.dumps({"anthropic": "sk-ant-oat01-abc"}),
        json.dumps({"anthropic": {"access": 42}}),
        json.dumps(["anthropic"]),
        "{broken",
    ],
)
def test_opencode_without_an_anthropic_oauth_login_is_no_account(home: Path, content) -> None:
    path = home / ".local/share/opencode/auth.json"
    path.parent.mkdir(parents=True)
    path.write_text(content)
    assert discover() == []


# =========================================================================== precheck

TOKEN = "sk-ant-oat01-test-token-0123456789abcdef"


def account(
    *,
    expires: datetime | None = NOW + timedelta(hours=1),
    origin: str = "claude_code",
    **extra: Any,
) -> Account:
    return Account(
        provider="claude",
        label="default" if origin == "claude_code" else "opencode",
        source="~/.claude/.credentials.json",
        secret=Secret(TOKEN),
        active=origin == "claude_code",
        extra={
            "origin": origin,
            "plan": "max",
            "rate_limit_tier": "default_claude_max_20x",
            "expires": expires,
            **extra,
        },
    )


def test_precheck_passes_a_valid_token() -> None:
    assert claude.precheck(account(), NOW) is None
    assert claude.precheck(account(expires=None), NOW) is None


def test_precheck_stops_an_expired_token_with_the_remedy() -> None:
    problem = claude.precheck(account(expires=NOW - timedelta(minutes=1)), NOW)
    assert problem.status is Status.AUTH_EXPIRED
    assert "expired at 2026-11-22 11:59 UTC" in problem.message
    assert problem.message.endswith("run `claude` to sign in again")


def test_precheck_names_opencode_as_the_remedy_for_its_token() -> None:
    problem = claude.precheck(account(expires=NOW - timedelta(hours=1), origin="opencode"), NOW)
    assert problem.status is Status.AUTH_EXPIRED
    assert "OpenCode" in problem.message


def refusing_transport() -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request expected, got {request.url}")

    return httpx.MockTransport(handle)


async def test_an_expired_token_never_reaches_the_network() -> None:
    async with make_client(refusing_transport()) as client:
        http = HttpSession(client=client, origins={}, clock=lambda: NOW)
        snapshot = await fetch_snapshot(
            ClaudeProvider(), account(expires=NOW - timedelta(seconds=1)), http, lambda: NOW
        )
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "run `claude`" in snapshot.message


async def test_an_account_with_a_problem_never_reaches_the_network(home: Path) -> None:
    (home / ".claude").mkdir()
    (home / ".claude/.credentials.json").write_text("not json")
    [broken] = discover()
    async with make_client(refusing_transport()) as client:
        http = HttpSession(client=client, origins={}, clock=lambda: NOW)
        snapshot = await fetch_snapshot(ClaudeProvider(), broken, http, lambda: NOW)
    assert snapshot.status is Status.ERROR
    assert "~/.claude/.credentials.json is not valid JSON" in snapshot.message


# =========================================================================== fetch (MockTransport)


async def fetch_with(
    handler: Callable[[httpx.Request], httpx.Response],
    target: Account | None = None,
    origins: dict[str, str] | None = None,
) -> AccountSnapshot:
    async with make_client(httpx.MockTransport(handler)) as client:
        http = HttpSession(client=client, origins=origins or {}, clock=lambda: NOW)
        return await fetch_snapshot(ClaudeProvider(), target or account(), http, lambda: NOW)


async def test_the_request_speaks_as_claude_code() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SAMPLE)

    snapshot = await fetch_with(handle)
    [request] = seen
    assert request.method == "GET"
    assert str(request.url) == "https://api.anthropic.com/api/oauth/usage"
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["anthropic-beta"] == "oauth-2025-04-20"
    assert request.headers["user-agent"] == f"claude-code/{claude.CLAUDE_CODE_VERSION}"
    assert request.headers["user-agent"].startswith("claude-code/")
    assert request.headers["accept"] == "application/json"
    assert snapshot.status is Status.OK
    assert [w.id for w in snapshot.windows] == ["five_hour", "weekly", "weekly_sonnet"]


async def test_the_plan_and_tier_come_from_the_credentials() -> None:
    snapshot = await fetch_with(lambda request: httpx.Response(200, json=SAMPLE))
    assert snapshot.plan == "max"
    assert ("Rate-limit tier", "default_claude_max_20x") in snapshot.details
    snapshot = await fetch_with(
        lambda request: httpx.Response(200, json=SAMPLE), account(plan=None, rate_limit_tier=None)
    )
    assert snapshot.plan is None and snapshot.details == ()


async def test_the_origin_override_keeps_the_path() -> None:
    seen: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json=SAMPLE)

    await fetch_with(handle, origins={"claude": "http://127.0.0.1:9999"})
    assert seen == ["http://127.0.0.1:9999/api/oauth/usage"]


@pytest.mark.parametrize(
    ("response", "status", "words"),
    [
        (
            httpx.Response(401, json={"type": "error"}),
            Status.AUTH_EXPIRED,
            "run `claude` to sign in again",
        ),
        (httpx.Response(403, json={"type": "error"}), Status.FORBIDDEN, "Anthropic refused"),
        (
            httpx.Response(429, json={}),
            Status.RATE_LIMITED,
            "Rate-limited by Anthropic (HTTP 429): will retry after a pause",
        ),
        (httpx.Response(500, json={}), Status.ERROR, "HTTP 500"),
        (httpx.Response(529, text="overloaded"), Status.ERROR, "HTTP 529"),
        (
            httpx.Response(404, text="<html>no</html>", headers={"content-type": "text/html"}),
            Status.ERROR,
            "HTTP 404",
        ),
        (
            httpx.Response(
                200, text="<!doctype html><html>login</html>", headers={"content-type": "text/html"}
            ),
            Status.BAD_RESPONSE,
            "HTML",
        ),
        (httpx.Response(200, content=b""), Status.BAD_RESPONSE, "empty"),
        (httpx.Response(200, content=b'{"five_hour": '), Status.BAD_RESPONSE, "not JSON"),
        (httpx.Response(200, json={"detail": "what"}), Status.BAD_RESPONSE, "expected fields"),
        (httpx.Response(200, json=[SAMPLE]), Status.BAD_RESPONSE, "not a JSON object"),
    ],
)
async def test_each_failure_is_a_status_with_a_sentence(response, status, words) -> None:
    snapshot = await fetch_with(lambda request: response)
    assert snapshot.status is status
    assert words in snapshot.message
    assert snapshot.windows == ()


async def test_a_401_for_an_opencode_token_points_at_opencode() -> None:
    snapshot = await fetch_with(
        lambda request: httpx.Response(401, json={}), account(origin="opencode")
    )
    assert snapshot.status is Status.AUTH_EXPIRED and "OpenCode" in snapshot.message


@pytest.mark.parametrize(
    ("retry_after", "seconds", "when"),
    [
        ("120", 120.0, "12:02 UTC"),
        ("90", 90.0, "12:02 UTC"),
        ("0", 0.0, "12:00 UTC"),
        (str(DAY), 1.0 * DAY, "2026-11-23 12:00 UTC"),
        (str(2 * DAY), 1.0 * DAY, "2026-11-23 12:00 UTC"),  # a server's wait counts for a day
    ],
)
async def test_a_429_carries_retry_after_and_says_when(retry_after, seconds, when) -> None:
    snapshot = await fetch_with(
        lambda request: httpx.Response(429, json={}, headers={"retry-after": retry_after})
    )
    assert snapshot.status is Status.RATE_LIMITED
    assert snapshot.retry_after == seconds
    assert snapshot.message == f"Rate-limited by Anthropic (HTTP 429): will retry after {when}"


async def test_a_429_without_retry_after_promises_no_time() -> None:
    snapshot = await fetch_with(lambda request: httpx.Response(429, json={}))
    assert snapshot.retry_after is None
    assert not any(ch.isdigit() for ch in snapshot.message.split(":", 1)[1])


async def test_an_absurd_retry_after_does_not_crash() -> None:
    snapshot = await fetch_with(
        lambda request: httpx.Response(429, json={}, headers={"retry-after": "1e300"})
    )
    assert snapshot.status is Status.RATE_LIMITED
    assert snapshot.retry_after == DAY  # at most a day (providers.http.parse_retry_after)


async def test_an_unreachable_server_is_unreachable() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    snapshot = await fetch_with(handle)
    assert snapshot.status is Status.UNREACHABLE


# =========================================================================== order


def snap(label: str, five: float | None, week: float | None) -> AccountSnapshot:
    return five_hour_and_weekly("claude", label, "src", five, week)


def test_order_is_most_five_hour_left_then_most_weekly_left_then_name() -> None:
    snapshots = [
        snap("zed", 50, 10),
        snap("bob", 50, 90),
        snap("amy", 50, 90),
        snap("top", 80, 1),
        snap("none", None, None),
        snap("weekonly", None, 99),
    ]
    ordered = sorted(snapshots, key=claude.sort_key)
    assert [s.account for s in ordered] == ["top", "amy", "bob", "zed", "weekonly", "none"]


def test_provider_shape() -> None:
    provider = ClaudeProvider()
    assert provider.id == "claude" and provider.name == "Claude"
    assert provider.settings == {}


# =========================================================================== command line


def answer_by_token(table: dict[str, Reply]) -> Callable[[Seen], Reply]:
    def answer(seen: Seen) -> Reply:
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        return table.get(token, Reply(status=401, body={"type": "error"}))

    return answer


def run_json(capsys, *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_real_layout_against_a_local_server(home: Path, monkeypatch, capsys) -> None:
    code_token = "sk-ant-oat01-cli-code-0000000000"
    oc_token = "sk-ant-oat01-cli-opencode-0000000000"
    write_claude_credentials(home / ".claude", code_token)
    write_opencode(home, {"anthropic": opencode_anthropic(oc_token)})
    limits_answer = {
        "limits": [
            limit("session", 70),
            limit("weekly_all", 20),
            limit("weekly_scoped", 50, model="Opus"),
        ],
        "extra_usage": {"is_enabled": True, "monthly_limit": 2000, "used_credits": 500},
    }
    table = {code_token: Reply(body=SAMPLE), oc_token: Reply(body=limits_answer)}
    with LocalServer(answer_by_token(table)) as server:
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
        code, document, err = run_json(capsys, "--provider", "claude")
    assert code == 0, err
    rows = [
        (a["account"], a["active"], a["source"], a["plan"], a["status"])
        for a in document["accounts"]
    ]
    assert rows == [
        ("default", True, "~/.claude/.credentials.json", "max", "ok"),
        ("opencode", False, "~/.local/share/opencode/auth.json", None, "ok"),
    ]
    default, opencode = document["accounts"]
    assert [w["id"] for w in default["windows"]] == ["five_hour", "weekly", "weekly_sonnet"]
    assert default["windows"][0]["remaining_percent"] == 77.0
    assert default["windows"][0]["resets_at"] == "2026-01-29T20:00:00Z"
    assert default["balances"] == [
        {
            "id": "extra_usage",
            "label": "Extra usage",
            "amount": 0.0,
            "limit": 50.0,
            "unit": "USD",
            "unlimited": False,
        }
    ]
    assert [(w["id"], w["label"], w["binding"]) for w in opencode["windows"]] == [
        ("five_hour", "5h", False),
        ("weekly:Opus", "Opus only", False),  # 50 % used leads the weekly 20 %
        ("weekly", "Weekly", False),
    ]
    assert opencode["balances"][0]["amount"] == 5.0 and opencode["balances"][0]["limit"] == 20.0
    assert {s.path for s in server.seen} == {"/api/oauth/usage"}
    assert {s.headers["anthropic-beta"] for s in server.seen} == {"oauth-2025-04-20"}
    assert all(s.headers["user-agent"].startswith("claude-code/") for s in server.seen)
    assert sorted(s.headers["authorization"] for s in server.seen) == sorted(
        [f"Bearer {code_token}", f"Bearer {oc_token}"]
    )


def test_a_shared_token_is_fetched_once(home: Path, monkeypatch, capsys) -> None:
    token = "sk-ant-oat01-shared-0000000000"
    write_claude_credentials(home / ".claude", token)
    write_opencode(home, {"anthropic": opencode_anthropic(token)})
    with LocalServer(answer_by_token({token: Reply(body=SAMPLE)})) as server:
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
        _, document, _ = run_json(capsys, "--provider", "claude")
    assert [a["account"] for a in document["accounts"]] == ["default"]
    assert len(server.seen) == 1


def test_expired_and_rate_limited_accounts_on_the_command_line(
    home: Path, monkeypatch, capsys
) -> None:
    write_claude_credentials(home / ".claude", "sk-ant-oat01-old-0000000000", expires_in=-HOUR)
    oc_token = "sk-ant-oat01-busy-0000000000"
    write_opencode(home, {"anthropic": opencode_anthropic(oc_token)})
    table = {oc_token: Reply(status=429, body={}, headers={"retry-after": "300"})}
    with LocalServer(answer_by_token(table)) as server:
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
        code, document, _ = run_json(capsys, "--provider", "claude")
    statuses = {a["account"]: (a["status"], a["message"]) for a in document["accounts"]}
    assert statuses["default"][0] == "auth_expired" and "run `claude`" in statuses["default"][1]
    assert (
        statuses["opencode"][0] == "rate_limited" and "will retry after" in statuses["opencode"][1]
    )
    assert code == 1
    assert len(server.seen) == 1  # the expired token was never sent


def test_the_plain_table_shows_claude_accounts(home: Path, monkeypatch, capsys) -> None:
    token = "sk-ant-oat01-table-0000000000"
    write_claude_credentials(home / ".claude", token)
    with LocalServer(answer_by_token({token: Reply(body=SAMPLE)})) as server:
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
        code = main(["--once", "--provider", "claude"])
    out, err = capsys.readouterr()
    assert code == 0 and err == ""
    assert "claude" in out and "default" in out and "77%" in out and "96%" in out


# =========================================================================== demo


def test_demo_once_json_shows_both_shapes_and_an_error(capsys) -> None:
    code, document, _ = run_json(capsys, "--demo", "--provider", "claude")
    accounts = {a["account"]: a for a in document["accounts"]}
    assert len(accounts) == 3
    assert all(a["provider"] == "claude" for a in accounts.values())
    classic = accounts["default"]
    assert classic["status"] == "ok" and classic["plan"] == "max" and classic["active"]
    assert {"five_hour", "weekly", "weekly_sonnet", "weekly_opus"} <= {
        w["id"] for w in classic["windows"]
    }
    # The classic shape's Opus week (68 % used) is fuller than its plain week (41 %): it leads.
    assert [w["id"] for w in classic["windows"]][:2] == ["five_hour", "weekly_opus"]
    limits_shape = accounts["opencode"]
    assert limits_shape["status"] == "ok"
    # The 2026 shape: Fable's week binds (is_active) and is listed first, the only binding one.
    assert [(w["id"], w["label"], w["binding"]) for w in limits_shape["windows"]] == [
        ("weekly:Fable", "Fable only", True),
        ("five_hour", "5h", False),
        ("weekly", "Weekly", False),
    ]
    assert limits_shape["balances"] == [
        {
            "id": "extra_usage",
            "label": "Extra usage",
            "amount": 41.5,
            "limit": 200.0,
            "unit": "EUR",
            "unlimited": False,
        }
    ]
    failing = [a for a in accounts.values() if a["status"] != "ok"]
    assert [a["status"] for a in failing] == ["rate_limited"]
    assert "will retry after" in failing[0]["message"]
    assert code == 1


def test_demo_copies_are_distinct_accounts_that_all_answer(capsys) -> None:
    providers = select(["claude"])
    pairs = demo.accounts(providers, copies=3)
    accounts = [account for _, account in pairs]
    assert len(accounts) == 9
    assert len({a.label for a in accounts}) == 9
    assert len({a.secret.reveal() for a in accounts}) == 9
    assert len({a.key for a in accounts}) == 9
    transport = demo.transport()
    for account in accounts:
        request = httpx.Request(
            "GET",
            claude.USAGE_URL,
            headers={"Authorization": f"Bearer {account.secret.reveal()}"},
        )
        response = transport.handler(request)
        assert response.status_code in {200, 429}


def test_demo_answers_only_its_own_requests() -> None:
    from providers.claude import demo as demo_claude

    assert (
        demo_claude.answer(httpx.Request("GET", "https://chatgpt.com/backend-api/wham/usage"), 0)
        is None
    )
    response = demo_claude.answer(
        httpx.Request("GET", claude.USAGE_URL, headers={"Authorization": "Bearer nope"}), 0
    )
    assert response is not None and response.status_code == 401


# =========================================================================== canary: no token anywhere

CANARY = "CANARY5c1d7e"
BEHAVIOURS = ["ok", "e401", "e403", "e429", "e500", "malformed", "html", "echo"]


@pytest.fixture
def planted(home: Path) -> dict[str, str]:
    """A canary token in every credential source the Claude provider reads."""
    tokens = {
        "code": f"sk-ant-oat01-{CANARY}-code-access-0123456789",
        "code_refresh": f"sk-ant-ort01-{CANARY}-code-refresh-0123456789",
        "opencode": f"{CANARY}-opencode-access_0123456789",
        "opencode_refresh": f"{CANARY}-opencode-refresh-0123456789",
    }
    write_claude_credentials(home / ".claude", tokens["code"], refresh=tokens["code_refresh"])
    write_opencode_auth(
        home,
        {
            "anthropic": {
                "type": "oauth",
                "access": tokens["opencode"],
                "refresh": tokens["opencode_refresh"],
                "expires": int((time.time() + DAY) * 1000),
            }
        },
    )
    return tokens


def echoing(behaviour: str) -> Callable[[Seen], Reply]:
    """A hostile server that puts the caller's token in every kind of answer."""

    def answer(seen: Seen) -> Reply:
        header = seen.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        echo = {"x-echo": token}
        if behaviour == "ok":
            return Reply(
                body={
                    "five_hour": {"utilization": 10, "resets_at": token},
                    "seven_day": {"utilization": 20},
                    f"seven_day_{token}": {"utilization": 1},
                    token: {"utilization": 2},
                    "limits": [
                        limit("weekly_scoped", 3, model=token),
                        limit(token, 4),
                        limit(f"x_{token}", 5, model=header),
                    ],
                    "spend": {"amount_minor": 1, "exponent": 2, "currency": token},
                    "plan": token,
                },
                headers=echo,
            )
        error = {"type": "error", "error": {"type": token, "message": f"rejected {header}"}}
        malformed = f'{{"five_hour": "{token}", '
        return hostile_reply(
            behaviour,
            header,
            error_body=error,
            malformed=malformed,
            headers=echo,
            otherwise=Reply(
                body={"five_hour": token, "seven_day": [token], "error": {"type": token}}
            ),
        )

    return answer


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
@ONCE_AND_JSON
def test_canary_never_reaches_stdout_or_stderr(
    planted, monkeypatch, capsys, behaviour, args
) -> None:
    with LocalServer(echoing(behaviour)) as server:
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
        code = main([*args, "--provider", "claude"])
    out, err = capsys.readouterr()
    assert leaked(out + err, planted, CANARY) == []
    assert len(server.seen) == 2  # both sources were really fetched
    if "--json" in args:
        statuses = {a["status"] for a in json.loads(out)["accounts"]}
        expected = {
            "ok": "ok",
            "e401": "auth_expired",
            "e403": "forbidden",
            "e429": "rate_limited",
            "e500": "error",
            "malformed": "bad_response",
            "html": "bad_response",
            "echo": "bad_response",
        }[behaviour]
        assert statuses == {expected}
    assert code == (0 if behaviour == "ok" else 1)


def test_canary_of_an_expired_or_broken_login_stays_hidden(home: Path, capsys) -> None:
    token = f"sk-ant-oat01-{CANARY}-expired-0123456789"
    write_claude_credentials(home / ".claude", token, expires_in=-DAY)
    path = home / ".local/share/opencode/auth.json"
    path.parent.mkdir(parents=True)
    path.write_text(f'{{"anthropic": {{"access": "{CANARY}-broken-0123456789"')
    for args in (["--once"], ["--once", "--json"]):
        main([*args, "--provider", "claude"])
        out, err = capsys.readouterr()
        assert CANARY not in out + err


def test_credential_files_are_only_read(planted, home, monkeypatch, capsys) -> None:
    files = [home / ".claude/.credentials.json", home / ".local/share/opencode/auth.json"]
    past = 1_600_000_000
    for path in files:
        os.utime(path, (past, past))
    before = fingerprint(files)
    folders_before = {p.parent: sorted(os.listdir(p.parent)) for p in files}
    for behaviour in ("ok", "e401", "e429", "e500", "malformed"):
        with LocalServer(echoing(behaviour)) as server:
            monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
            main(["--once", "--json", "--provider", "claude"])
        capsys.readouterr()
    assert fingerprint(files) == before
    assert {p.parent: sorted(os.listdir(p.parent)) for p in files} == folders_before
