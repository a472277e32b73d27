"""Codex answers as they look since 2026 (PROVIDERS.md §1, "Changes in 2026"): the monthly credit
pool, a blocked member's detail line, windows named by their length, and extra limits told apart.

The SPEC_* constants are the spec's own examples; every other answer is a variant of them
(strings for numbers, missing and null parts, reordered lists, camelCase, epoch milliseconds).
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from support.credentials import codex_token, write_codex_auth
from support.servers import LocalServer, Reply, Seen, fetch_real

from providers.base import ParseError
from providers.codex.provider import parse_usage
from providers.model import Quota, Status, Window
from tui.cli import main

NOW = datetime(2026, 11, 22, 0, 0, tzinfo=UTC)
HOUR = 3600
DAY = 24 * HOUR
MONTH_END = 1798761600  # the spec's reset_at: 2027-01-01T00:00:00Z
MONTH_END_AT = datetime.fromtimestamp(MONTH_END, tz=UTC)

# PROVIDERS.md §1, Changes in 2026: an Enterprise member's answer with the pool in two places.
SPEC_POOL_ANSWER: dict[str, Any] = {
    "plan_type": "enterprise",
    "individual_limit": None,
    "rate_limit": {
        "allowed": True,
        "limit_reached": False,
        "primary_window": None,
        "secondary_window": None,
        "individual_limit": {
            "limit": 50000,
            "used": "18250",
            "remaining_percent": 63.5,
            "resets_at": MONTH_END,
        },
    },
    "spend_control": {
        "reached": False,
        "individual_limit": {
            "source": "workspace_spend_controls",
            "limit": "2000",
            "used": "412.9",
            "remaining": "1587.1",
            "used_percent": 21,
            "remaining_percent": 79,
            "reset_after_seconds": 2419200,
            "reset_at": MONTH_END,
        },
    },
    "credits": {"has_credits": True, "unlimited": False, "balance": "0"},
}

# The same section: two extra limits with one name and two metered features.
SPEC_EXTRA_LIMITS_ANSWER: dict[str, Any] = {
    "plan_type": "pro",
    "additional_rate_limits": [
        {
            "limit_name": "GPT-5.4-Codex-Mini",
            "metered_feature": "codex_mini_local",
            "rate_limit": {
                "primary_window": {
                    "used_percent": 12,
                    "limit_window_seconds": 18000,
                    "reset_at": 1798700000,
                }
            },
        },
        {
            "limit_name": "GPT-5.4-Codex-Mini",
            "metered_feature": "codex_mini_cloud",
            "rate_limit": {
                "primary_window": {
                    "used_percent": 64,
                    "limit_window_seconds": 18000,
                    "reset_at": 1798700000,
                }
            },
        },
    ],
}

# A Go plan: its own ~30-day rate-limit window beside a monthly pool at the root.
GO_PLAN_WITH_POOL_ANSWER: dict[str, Any] = {
    "plan_type": "go",
    "rate_limit": {
        "primary_window": {"used_percent": 40, "limit_window_seconds": 30 * DAY},
    },
    "individual_limit": {"limit": "1000", "used": "250", "reset_at": MONTH_END},
}


def ids(quota: Quota) -> list[str]:
    return [w.id for w in quota.windows]


def the(quota: Quota, window_id: str) -> Window:
    return next(w for w in quota.windows if w.id == window_id)


def pool_answer(*places: tuple[str, Any], **top: Any) -> dict[str, Any]:
    """An answer with pools placed at "root", "rate_limit" or "spend_control"."""
    data: dict[str, Any] = {"plan_type": "business", **top}
    for place, pool in places:
        if place == "root":
            data["individual_limit"] = pool
        elif place == "rate_limit":
            data.setdefault("rate_limit", {})["individual_limit"] = pool
        else:
            data.setdefault("spend_control", {})["individual_limit"] = pool
    return data


def pool_of(data: dict[str, Any]) -> Window:
    quota = parse_usage(data, NOW)
    pools = [w for w in quota.windows if w.unit == "credits"]
    assert len(pools) == 1, quota.windows
    return pools[0]


# --------------------------------------------------------------------------- the monthly pool


class TestSpecPoolAnswer:
    def test_the_rate_limit_pool_wins_over_the_spend_control(self) -> None:
        quota = parse_usage(SPEC_POOL_ANSWER, NOW)
        assert ids(quota) == ["monthly"]
        pool = quota.windows[0]
        assert (pool.used, pool.limit, pool.unit) == (18250, 50000, "credits")
        assert pool.used_percent == pytest.approx(36.5)
        assert pool.remaining_percent == pytest.approx(63.5)
        assert pool.label == "Monthly credits"
        assert pool.window_seconds is None  # a billing month
        assert pool.resets_at == MONTH_END_AT

    def test_a_pool_only_answer_with_zero_credits_keeps_plan_and_balance(self) -> None:
        quota = parse_usage(SPEC_POOL_ANSWER, NOW)
        assert quota.plan == "enterprise"
        (balance,) = quota.balances
        assert (balance.id, balance.amount, balance.unit) == ("credits", 0.0, "credits")
        assert quota.details == ()  # not blocked: nothing to say


def test_the_root_pool_wins_over_both_others() -> None:
    data = pool_answer(
        ("root", {"limit": 100, "used": 10}),
        ("rate_limit", {"limit": 200, "used": 20}),
        ("spend_control", {"limit": 300, "used": 30}),
    )
    pool = pool_of(data)
    assert (pool.used, pool.limit) == (10, 100)


def test_the_spend_control_pool_when_it_is_the_only_one() -> None:
    pool = pool_of({"spend_control": copy.deepcopy(SPEC_POOL_ANSWER["spend_control"])})
    # used / limit from the strings: 412.9 of 2000.
    assert (pool.used, pool.limit) == (pytest.approx(412.9), 2000)
    assert pool.used_percent == pytest.approx(20.645)
    assert pool.resets_at == MONTH_END_AT


@pytest.mark.parametrize(
    "unusable",
    [
        pytest.param(None, id="null"),
        pytest.param({}, id="empty"),
        pytest.param({"used": 5}, id="no-limit"),
        pytest.param({"limit": 0, "used": 5}, id="zero-limit"),
        pytest.param({"limit": "0", "used": "5"}, id="zero-limit-string"),
        pytest.param({"limit": -10, "used": 5}, id="negative-limit"),
        pytest.param({"limit": "unlimited", "used": 5}, id="non-numeric-limit"),
        pytest.param({"limit": None, "used": 5}, id="null-limit"),
        pytest.param("50000", id="a-string"),
        pytest.param([{"limit": 9}], id="a-list"),
    ],
)
def test_an_unusable_pool_is_skipped_not_a_stop(unusable: Any) -> None:
    data = pool_answer(("root", unusable), ("rate_limit", {"limit": 400, "used": 100}))
    assert (pool_of(data).used, pool_of(data).limit) == (100, 400)
    # And at the second place too: the spend control's pool is reached.
    data = pool_answer(("rate_limit", unusable), ("spend_control", {"limit": 800, "used": 8}))
    assert pool_of(data).limit == 800


def test_no_usable_pool_anywhere_gives_no_pool_window() -> None:
    data = pool_answer(("root", {}), ("rate_limit", {"limit": 0}), ("spend_control", None))
    quota = parse_usage(data, NOW)
    assert quota.windows == () and quota.plan == "business"


def test_there_is_never_more_than_one_pool_window() -> None:
    data = pool_answer(
        ("rate_limit", {"limit": 10, "used": 1}), ("spend_control", {"limit": 20, "used": 2})
    )
    assert ids(parse_usage(data, NOW)) == ["monthly"]


@pytest.mark.parametrize(
    ("pool", "used", "percent"),
    [
        pytest.param({"limit": 1000, "used": 250}, 250, 25, id="used"),
        pytest.param({"limit": "1000", "used": "250.5"}, 250.5, 25.05, id="strings"),
        pytest.param({"limit": 1000, "remaining_percent": 79}, 210, 21, id="remaining-only"),
        pytest.param({"limit": 1000, "remainingPercent": "79"}, 210, 21, id="remainingPercent"),
        pytest.param({"limit": 1000, "used_percent": 30}, 300, 30, id="used_percent-only"),
        pytest.param({"limit": 1000, "usedPercent": "30.5"}, 305, 30.5, id="usedPercent"),
        pytest.param(
            {"limit": 1000, "used_percent": 30, "remaining_percent": 60},
            400,
            40,
            id="remaining-before-used_percent",
        ),
        pytest.param(
            {"limit": 1000, "used": 100, "used_percent": 90, "remaining_percent": 10},
            100,
            10,
            id="used-wins-over-percentages",
        ),
        pytest.param({"limit": 1000, "used": 1250}, 1250, 125, id="over-the-limit-not-capped"),
        pytest.param(
            {"limit": 1000, "used": "lots", "remaining_percent": 75}, 250, 25, id="used-junk"
        ),
    ],
)
def test_used_and_percent(pool: dict[str, Any], used: float, percent: float) -> None:
    window = pool_of(pool_answer(("root", pool)))
    assert window.used == pytest.approx(used)
    assert window.used_percent == pytest.approx(percent)
    assert window.limit == 1000


def test_with_neither_used_nor_a_percentage_both_are_unknown() -> None:
    window = pool_of(pool_answer(("root", {"limit": 1000, "remaining": "800"})))
    assert (window.used, window.used_percent, window.remaining_percent) == (None, None, None)
    assert window.limit == 1000


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"reset_at": MONTH_END}, MONTH_END_AT, id="reset_at-s"),
        pytest.param({"resets_at": str(MONTH_END)}, MONTH_END_AT, id="resets_at-string"),
        pytest.param({"resetsAt": MONTH_END * 1000}, MONTH_END_AT, id="resetsAt-ms"),
        pytest.param({"reset_at": str(MONTH_END * 1000)}, MONTH_END_AT, id="reset_at-ms-string"),
        pytest.param(
            {"reset_after_seconds": 2419200}, NOW + timedelta(seconds=2419200), id="after"
        ),
        pytest.param(
            {"reset_at": None, "reset_after_seconds": "3600"}, NOW + timedelta(hours=1), id="null"
        ),
        pytest.param({"reset_at": "soon"}, None, id="junk"),
        pytest.param({}, None, id="none"),
    ],
)
def test_the_pool_reset(fields: dict[str, Any], expected: datetime | None) -> None:
    assert pool_of(pool_answer(("root", {"limit": 10, "used": 1, **fields}))).resets_at == expected


def test_camel_case_spellings() -> None:
    data = {
        "plan_type": "edu",
        "individualLimit": None,
        "spendControl": {
            "reached": False,
            "individualLimit": {"limit": "500", "remainingPercent": "90", "resetsAt": MONTH_END},
        },
    }
    window = pool_of(data)
    assert (window.id, window.limit, window.used) == ("monthly", 500, pytest.approx(50))
    assert window.used_percent == pytest.approx(10)
    assert window.resets_at == MONTH_END_AT


def test_camel_case_root_pool_keeps_its_precedence() -> None:
    data = pool_answer(("spend_control", {"limit": 20, "used": 2}))
    data["individualLimit"] = {"limit": 10, "used": 1}
    assert pool_of(data).limit == 10


def test_the_pool_in_a_rate_limits_container() -> None:
    data = {"rate_limits": {"individual_limit": {"limit": 70, "used": 7}}}
    assert pool_of(data).used_percent == pytest.approx(10)


def test_order_rate_limit_windows_then_pool_then_extra_limits() -> None:
    data = copy.deepcopy(SPEC_EXTRA_LIMITS_ANSWER)
    data["rate_limit"] = {
        "primary_window": {"used_percent": 5, "limit_window_seconds": 7 * DAY},
        "secondary_window": {"used_percent": 9, "limit_window_seconds": 5 * HOUR},
    }
    data["spend_control"] = {"individual_limit": {"limit": 100, "used": 1}}
    assert ids(parse_usage(data, NOW)) == [
        "five_hour",
        "weekly",
        "monthly",
        "gpt-5-4-codex-mini:five_hour",
        "gpt-5-4-codex-mini:five_hour_2",
    ]


def test_a_go_plan_monthly_window_keeps_its_id_and_the_pool_is_monthly_2() -> None:
    quota = parse_usage(GO_PLAN_WITH_POOL_ANSWER, NOW)
    assert ids(quota) == ["monthly", "monthly_2"]
    rate, pool = quota.windows
    assert (rate.label, rate.window_seconds, rate.used_percent) == ("Monthly", 30 * DAY, 40)
    assert (pool.label, pool.unit, pool.used_percent) == ("Monthly credits (2)", "credits", 25)


def test_a_pool_with_no_plan_nor_credits_still_parses() -> None:
    quota = parse_usage({"spend_control": {"individual_limit": {"limit": 5, "used": 5}}}, NOW)
    assert ids(quota) == ["monthly"] and quota.windows[0].remaining_percent == 0


def test_an_answer_of_junk_pools_only_is_still_a_parse_error_free_empty_quota() -> None:
    # The fields are the expected ones, and null / empty is no wrong type: an empty quota.
    quota = parse_usage({"individual_limit": None, "spend_control": {}}, NOW)
    assert quota.windows == ()


def test_a_non_object_answer_is_still_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_usage([SPEC_POOL_ANSWER], NOW)


# --------------------------------------------------------------------------- blocked members


def details(data: dict[str, Any]) -> dict[str, str]:
    return dict(parse_usage(data, NOW).details)


def test_spend_control_reached_is_a_detail_line() -> None:
    data = copy.deepcopy(SPEC_POOL_ANSWER)
    data["spend_control"]["reached"] = True
    shown = details(data)
    assert "Monthly credit limit reached" in shown["Spend control"]
    assert ids(parse_usage(data, NOW)) == ["monthly"]  # the pool is still shown


@pytest.mark.parametrize("reached", [False, None, "no", 0])
def test_spend_control_not_reached_says_nothing(reached: Any) -> None:
    data = copy.deepcopy(SPEC_POOL_ANSWER)
    data["spend_control"]["reached"] = reached
    assert details(data) == {}


def test_spend_control_reached_as_a_string_and_in_camel_case() -> None:
    assert "Spend control" in details({"spendControl": {"reached": "true"}})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("rate_limit_reached", "usage limit is reached"),
        ("workspace_owner_credits_depleted", "workspace owner's credits are used up"),
        ("workspace_member_credits_depleted", "Your credits in this workspace are used up"),
        ("workspace_owner_usage_limit_reached", "workspace owner's usage limit is reached"),
        ("workspace_member_usage_limit_reached", "Your usage limit in this workspace"),
        ({"type": "workspace_member_credits_depleted"}, "Your credits in this workspace"),
        ({"type": "something_new_in_2027"}, "something new in 2027"),
    ],
)
def test_rate_limit_reached_type_is_a_detail_line(value: Any, words: str) -> None:
    data = {"plan_type": "business", "rate_limit_reached_type": value}
    assert words in details(data)["Limit reached"]


@pytest.mark.parametrize("value", [None, "", {}, {"type": None}, {"type": 7}, 5, []])
def test_no_reached_type_says_nothing(value: Any) -> None:
    assert details({"plan_type": "business", "rate_limit_reached_type": value}) == {}


def test_reached_type_inside_the_rate_limit_container() -> None:
    data = {"rate_limits": {"rate_limit_reached_type": {"type": "rate_limit_reached"}}}
    assert "Limit reached" in details(data)


def test_a_reached_type_alone_is_an_answer_not_a_parse_error() -> None:
    parse_usage({"rate_limit_reached_type": "rate_limit_reached"}, NOW)


# --------------------------------------------------------------------------- window lengths


@pytest.mark.parametrize(
    ("seconds", "window_id", "label"),
    [
        (300, "5m", "5m"),
        (1800, "30m", "30m"),
        (3600, "hourly", "1h"),
        (18000, "five_hour", "5h"),
        (32400, "9h", "9h"),
        (86400, "daily", "Daily"),
        (604800, "weekly", "Weekly"),
    ],
)
@pytest.mark.parametrize("slot", ["primary_window", "secondary_window"])
def test_windows_are_named_by_length_not_slot(
    seconds: int, window_id: str, label: str, slot: str
) -> None:
    data = {"rate_limit": {slot: {"used_percent": "7", "limit_window_seconds": str(seconds)}}}
    (window,) = parse_usage(data, NOW).windows
    assert (window.id, window.label, window.window_seconds) == (window_id, label, seconds)


def test_window_minutes_count_as_a_length() -> None:
    data = {"rate_limit": {"primary_window": {"used_percent": 1, "window_minutes": 10080}}}
    assert ids(parse_usage(data, NOW)) == ["weekly"]


def test_the_summer_2026_weekly_primary_has_no_five_hour_window() -> None:
    data = {
        "rate_limit": {
            "primary_window": {"used_percent": 12, "limit_window_seconds": 604800},
            "secondary_window": None,
        }
    }
    assert ids(parse_usage(data, NOW)) == ["weekly"]


def test_short_windows_are_listed_shortest_first() -> None:
    data = {
        "rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 3600},
            "secondary_window": {"used_percent": 2, "limit_window_seconds": 300},
        }
    }
    assert ids(parse_usage(data, NOW)) == ["5m", "hourly"]


def test_a_window_without_length_is_sorted_as_its_slot() -> None:
    data = {
        "rate_limit": {
            "primary_window": {"used_percent": 1, "limit_window_seconds": 2 * DAY},
            "secondary_window": {"used_percent": 2},  # stands for a week
        }
    }
    assert ids(parse_usage(data, NOW)) == ["2d", "weekly"]


def test_two_windows_of_one_length_with_other_figures_are_told_apart() -> None:
    data = {
        "rate_limit": {
            "primary_window": {"used_percent": 10, "limit_window_seconds": 18000},
            "secondary_window": {"used_percent": 50, "limit_window_seconds": 18000},
        }
    }
    quota = parse_usage(data, NOW)
    assert ids(quota) == ["five_hour", "five_hour_2"]
    assert [w.label for w in quota.windows] == ["5h", "5h (2)"]


def test_one_window_told_twice_is_kept_once() -> None:
    told = {"used_percent": 10, "limit_window_seconds": 18000, "reset_at": MONTH_END}
    data = {"rate_limit": {"primary_window": told, "secondary_window": dict(told)}}
    assert ids(parse_usage(data, NOW)) == ["five_hour"]


# --------------------------------------------------------------------------- additional limits


def extra(feature: str | None, name: str | None, used: Any, seconds: Any = 18000) -> dict:
    entry: dict[str, Any] = {
        "rate_limit": {"primary_window": {"used_percent": used, "limit_window_seconds": seconds}}
    }
    if feature is not None:
        entry["metered_feature"] = feature
    if name is not None:
        entry["limit_name"] = name
    return entry


def extras(*entries: dict[str, Any]) -> Quota:
    return parse_usage({"additional_rate_limits": list(entries)}, NOW)


def test_spec_extra_limits_one_name_two_features() -> None:
    quota = parse_usage(SPEC_EXTRA_LIMITS_ANSWER, NOW)
    assert ids(quota) == ["gpt-5-4-codex-mini:five_hour", "gpt-5-4-codex-mini:five_hour_2"]
    first, second = quota.windows
    assert (first.label, first.used_percent) == ("GPT-5.4-Codex-Mini 5h", 12)
    assert (second.label, second.used_percent) == ("GPT-5.4-Codex-Mini 5h (2)", 64)
    assert first.resets_at == second.resets_at == datetime.fromtimestamp(1798700000, tz=UTC)


def test_reordered_features_swap_which_one_is_first() -> None:
    data = copy.deepcopy(SPEC_EXTRA_LIMITS_ANSWER)
    data["additional_rate_limits"].reverse()
    first, second = parse_usage(data, NOW).windows
    assert (first.id, first.used_percent) == ("gpt-5-4-codex-mini:five_hour", 64)
    assert (second.id, second.used_percent) == ("gpt-5-4-codex-mini:five_hour_2", 12)


def test_a_later_entry_of_the_same_feature_and_length_is_dropped_whatever_its_figures() -> None:
    quota = extras(extra("codex_x", "X", 10), extra("codex_x", "X", 90))
    assert ids(quota) == ["x:five_hour"]
    assert quota.windows[0].used_percent == 10


def test_the_same_feature_under_another_name_is_still_the_same_limit() -> None:
    quota = extras(extra("codex_x", "X", 10), extra("codex_x", "X renamed", 90))
    assert ids(quota) == ["x:five_hour"]


def test_the_same_feature_at_another_length_is_another_limit() -> None:
    quota = extras(extra("codex_x", "X", 10), extra("codex_x", "X", 20, seconds=7 * DAY))
    assert ids(quota) == ["x:five_hour", "x:weekly"]
    assert quota.windows[1].label == "X 7d"


def test_without_a_feature_the_name_identifies_the_limit() -> None:
    assert ids(extras(extra(None, "Spark", 10), extra(None, "Spark", 20))) == ["spark:five_hour"]


def test_a_feature_without_a_name_names_the_window() -> None:
    (window,) = extras(extra("codex_bengalfox", None, 33)).windows
    assert (window.id, window.label) == ("codex-bengalfox:five_hour", "codex_bengalfox 5h")


def test_three_features_under_one_name() -> None:
    quota = extras(extra("a", "Mini", 1), extra("b", "Mini", 2), extra("c", "Mini", 3))
    assert ids(quota) == ["mini:five_hour", "mini:five_hour_2", "mini:five_hour_3"]
    assert [w.label for w in quota.windows] == ["Mini 5h", "Mini 5h (2)", "Mini 5h (3)"]


def test_extra_limit_lengths_follow_the_length_rule() -> None:
    quota = extras(extra("f", "Fast", 5, seconds="3600"), extra("g", "Slow", 5, seconds=32400))
    assert ids(quota) == ["fast:hourly", "slow:9h"]
    assert [w.label for w in quota.windows] == ["Fast 1h", "Slow 9h"]


def test_an_extra_limit_without_length_takes_its_slot() -> None:
    entry = {
        "limit_name": "Spark",
        "rate_limit": {
            "primary_window": {"used_percent": 1},
            "secondary_window": {"used_percent": 2},
        },
    }
    quota = extras(entry)
    assert ids(quota) == ["spark:five_hour", "spark:weekly"]
    assert [w.window_seconds for w in quota.windows] == [None, None]


def test_a_bad_extra_entry_between_two_good_ones_changes_nothing() -> None:
    quota = extras(extra("a", "Mini", 1), {"limit_name": "Mini"}, None, extra("b", "Mini", 2))
    assert ids(quota) == ["mini:five_hour", "mini:five_hour_2"]


def test_an_extra_limit_whose_percent_is_junk_is_dropped_and_frees_its_id() -> None:
    quota = extras(extra("a", "Mini", "n/a"), extra("b", "Mini", "64"))
    assert ids(quota) == ["mini:five_hour"]
    assert quota.windows[0].used_percent == 64


# --------------------------------------------------------------------------- end to end


def test_once_json_shows_the_pool_and_the_told_apart_extra_limits(
    home: Path, monkeypatch, capsys
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-corp"), "acc-corp")
    body = {**copy.deepcopy(SPEC_POOL_ANSWER), **copy.deepcopy(SPEC_EXTRA_LIMITS_ANSWER)}
    body["plan_type"] = "enterprise"
    body["spend_control"]["reached"] = True

    def answer(seen: Seen) -> Reply:
        return Reply(body=body) if seen.path == "/backend-api/wham/usage" else Reply(status=404)

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code = main(["--once", "--json", "--provider", "codex"])
    out, _ = capsys.readouterr()
    (account,) = json.loads(out)["accounts"]
    assert (code, account["status"], account["plan"]) == (0, "ok", "enterprise")
    windows = {w["id"]: w for w in account["windows"]}
    assert list(windows) == [
        "monthly",
        "gpt-5-4-codex-mini:five_hour",
        "gpt-5-4-codex-mini:five_hour_2",
    ]
    monthly = windows["monthly"]
    assert (monthly["used"], monthly["limit"], monthly["unit"]) == (18250, 50000, "credits")
    assert monthly["used_percent"] == pytest.approx(36.5)
    assert monthly["resets_at"] == "2027-01-01T00:00:00Z"
    assert account["balances"][0]["amount"] == 0


def test_the_demo_shows_an_enterprise_monthly_pool(capsys) -> None:
    main(["--demo", "--once", "--json", "--provider", "codex"])
    accounts = {a["account"]: a for a in json.loads(capsys.readouterr().out)["accounts"]}
    assert {"work", "side", "spark", "old"} < set(accounts)  # the others stay
    corp = accounts["corp"]
    assert (corp["status"], corp["plan"]) == ("ok", "enterprise")
    (pool,) = corp["windows"]
    assert (pool["id"], pool["label"], pool["unit"]) == ("monthly", "Monthly credits", "credits")
    assert (pool["used"], pool["limit"]) == (18250, 50000)
    assert pool["used_percent"] == pytest.approx(36.5) and pool["resets_at"] is not None


async def test_a_blocked_member_reads_ok_with_the_reason_in_the_details() -> None:
    body = copy.deepcopy(SPEC_POOL_ANSWER)
    body["spend_control"]["reached"] = True
    body["rate_limit_reached_type"] = {"type": "workspace_member_credits_depleted"}

    def answer(seen: Seen) -> Reply:
        return Reply(body=body) if seen.path == "/backend-api/wham/usage" else Reply(status=404)

    with LocalServer(answer) as server:
        snapshot = await fetch_real(server.url, "corp")
    assert (snapshot.status, snapshot.message) == (Status.OK, None)
    shown = dict(snapshot.details)
    assert "Monthly credit limit reached" in shown["Spend control"]
    assert shown["Limit reached"] == "Your credits in this workspace are used up"
    assert [w.id for w in snapshot.windows] == ["monthly"]
