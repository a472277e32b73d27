"""Zhipu AI (bigmodel.cn) and Z.ai: discovery, the request, error bodies, the parser, the demo."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support import leaks
from support.leaks import fingerprint, leaked
from support.servers import LocalServer, Reply, Seen
from support.snapshots import five_hour_and_weekly

from providers.base import Account, DiscoveryContext, ParseError
from providers.collect import fetch_snapshot
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Status, Window
from providers.zhipu import demo as demo_zhipu
from providers.zhipu import provider as zhipu
from providers.zhipu.provider import ZaiProvider, ZhipuProvider, parse_quota
from tui.cli import main

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
QUOTA_PATH = "/api/monitor/usage/quota/limit"
KEY_ENV_NAMES = ("ZHIPU_API_KEY", "Z_AI_API_KEY", "ZAI_API_KEY")


@pytest.fixture(autouse=True)
def no_real_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """conftest isolates HOME and AIQUOTA_*, not these: a developer's own keys must not leak in."""
    for name in KEY_ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def answer(*limits: Any, level: Any = "pro", **top: Any) -> dict[str, Any]:
    return {
        "code": 200,
        "msg": "success",
        "success": True,
        "data": {"level": level, "limits": list(limits)},
        **top,
    }


def tokens(**fields: Any) -> dict[str, Any]:
    return {"type": "TOKENS_LIMIT", **fields}


def ids(quota) -> list[str]:
    return [window.id for window in quota.windows]


def window(quota, window_id: str) -> Window:
    [found] = [w for w in quota.windows if w.id == window_id]
    return found


SPEC_ANSWER = answer(
    tokens(
        unit=3,
        number=5,
        usage=40000000,
        currentValue=13628365,
        remaining=26371635,
        percentage=34,
        nextResetTime=1768507567547,
    ),
    tokens(unit=6, number=1, percentage=8.1, nextResetTime=1768900000000),
    {
        "type": "TIME_LIMIT",
        "unit": 5,
        "number": 1,
        "usage": 100,
        "currentValue": 102,
        "remaining": 0,
        "percentage": 100,
    },
)


# --------------------------------------------------------------------------- parser


def test_the_spec_answer_gives_plan_five_hour_weekly_and_mcp() -> None:
    quota = parse_quota(SPEC_ANSWER, NOW)
    assert quota.plan == "pro"
    assert ids(quota) == ["five_hour", "weekly", "mcp_monthly"]
    five = window(quota, "five_hour")
    assert five.label == "5h"
    assert five.used_percent == 34.0 and five.remaining_percent == 66.0
    assert five.window_seconds == 5 * 3600
    assert (five.used, five.limit, five.unit) == (13628365, 40000000, "tokens")
    weekly = window(quota, "weekly")
    assert weekly.used_percent == 8.1 and weekly.window_seconds == 7 * 86400
    assert weekly.used is None and weekly.limit is None and weekly.unit == "tokens"


def test_every_tokens_limit_entry_is_a_window_not_only_the_first() -> None:
    quota = parse_quota(
        answer(
            tokens(unit=3, number=5, percentage=10),
            tokens(unit=1, number=1, percentage=20),
            tokens(unit=6, number=1, percentage=30),
        ),
        NOW,
    )
    assert ids(quota) == ["five_hour", "daily", "weekly"]
    assert [w.used_percent for w in quota.windows] == [10, 20, 30]


@pytest.mark.parametrize(
    ("unit", "number", "window_id", "label", "seconds"),
    [
        (3, 5, "five_hour", "5h", 5 * 3600),
        # §0 (revised 2026): a length names its window, never a slot: 1 h is not `five_hour`.
        (3, 1, "hourly", "1h", 3600),
        (5, 30, "30m", "30m", 1800),
        (3, 6, "6h", "6h", 6 * 3600),
        (1, 1, "daily", "Daily", 86400),
        (6, 1, "weekly", "Weekly", 7 * 86400),
        (1, 7, "weekly", "Weekly", 7 * 86400),
        (1, 30, "monthly", "Monthly", 30 * 86400),
        (3, 12, "12h", "12h", 12 * 3600),
        (1, 14, "14d", "14d", 14 * 86400),
        ("3", "5", "five_hour", "5h", 5 * 3600),
    ],
)
def test_window_length_comes_from_unit_and_number(unit, number, window_id, label, seconds) -> None:
    quota = parse_quota(answer(tokens(unit=unit, number=number, percentage=5)), NOW)
    [only] = quota.windows
    assert (only.id, only.label, only.window_seconds) == (window_id, label, seconds)


@pytest.mark.parametrize(
    "extra", [{}, {"unit": 9, "number": 1}, {"unit": 3}, {"unit": 3, "number": 0}]
)
def test_first_tokens_limit_without_a_length_is_five_hour(extra) -> None:
    quota = parse_quota(answer(tokens(percentage=5, **extra)), NOW)
    [only] = quota.windows
    assert only.id == "five_hour" and only.label == "5h"
    assert only.window_seconds is None  # not invented


def test_classic_answer_without_units_is_five_hour_then_mcp() -> None:
    quota = parse_quota(
        {
            "code": 200,
            "msg": "success",
            "success": True,
            "data": {
                "limits": [
                    {
                        "type": "TOKENS_LIMIT",
                        "usage": 10000000,
                        "currentValue": 500000,
                        "percentage": 5,
                        "nextResetTime": 1706200000000,
                    },
                    {"type": "TIME_LIMIT", "usage": 100, "currentValue": 10, "percentage": 10},
                ]
            },
        },
        NOW,
    )
    assert quota.plan is None
    assert ids(quota) == ["five_hour", "mcp_monthly"]


def test_unlengthed_tokens_beside_a_weekly_one_is_five_hour() -> None:
    quota = parse_quota(answer(tokens(unit=6, number=1, percentage=1), tokens(percentage=2)), NOW)
    assert ids(quota) == ["five_hour", "weekly"]
    assert window(quota, "five_hour").used_percent == 2


def test_unlengthed_tokens_never_steals_five_hour_from_a_real_one() -> None:
    quota = parse_quota(
        answer(tokens(percentage=1), tokens(unit=3, number=5, percentage=2), tokens(percentage=3)),
        NOW,
    )
    assert ids(quota) == ["five_hour", "tokens", "tokens_2"]
    assert window(quota, "five_hour").used_percent == 2
    assert window(quota, "tokens").used_percent == 1
    assert window(quota, "tokens_2").label == "Tokens (2)"


def test_mcp_window_from_time_limit() -> None:
    quota = parse_quota(SPEC_ANSWER, NOW)
    mcp = window(quota, "mcp_monthly")
    assert mcp.label == "MCP calls"
    assert (mcp.used, mcp.limit, mcp.unit) == (102, 100, "calls")
    assert mcp.used_percent == 100 and mcp.remaining_percent == 0
    assert mcp.window_seconds is None  # unit 5 / number 1 here is not "one minute"
    assert mcp.resets_at is None


def test_mcp_reset_and_tool_details_when_given() -> None:
    quota = parse_quota(
        answer(
            {
                "type": "TIME_LIMIT",
                "unit": 5,
                "number": 1,
                "usage": 100,
                "currentValue": 28,
                "percentage": 28,
                "nextResetTime": 1772615765983,
                "usageDetails": [
                    {"modelCode": "search-prime", "usage": 20},
                    {"modelCode": "web-reader", "usage": "8"},
                    {"modelCode": None, "usage": 1},
                    "junk",
                ],
            }
        ),
        NOW,
    )
    assert window(quota, "mcp_monthly").resets_at == datetime(
        2026, 3, 4, 9, 16, 5, 983000, tzinfo=UTC
    )
    assert quota.details == (("MCP search-prime", "20"), ("MCP web-reader", "8"))


def test_other_types_are_kept_as_windows_named_after_their_type() -> None:
    quota = parse_quota(
        answer(
            {"type": "SEARCH_LIMIT", "usage": 50, "currentValue": 5, "percentage": 10},
            tokens(unit=3, number=5, percentage=1),
            {"type": "TIME_LIMIT", "percentage": 3},
            {"type": "requests-limit", "percentage": 7},
        ),
        NOW,
    )
    assert ids(quota) == ["five_hour", "mcp_monthly", "search_limit", "requests_limit"]
    search = window(quota, "search_limit")
    assert search.label == "Search limit"
    assert (search.used_percent, search.used, search.limit) == (10, 5, 50)
    assert window(quota, "requests_limit").label == "Requests limit"


def test_numbers_may_be_strings() -> None:
    quota = parse_quota(
        answer(
            tokens(
                unit="3",
                number="5",
                usage="40000000",
                currentValue="1000000",
                percentage="2.5",
                nextResetTime="1768507567547",
            ),
            {"type": "TIME_LIMIT", "usage": "100", "currentValue": "7", "percentage": "7%"},
        ),
        NOW,
    )
    five = window(quota, "five_hour")
    assert five.window_seconds == 18000
    assert (five.used_percent, five.used, five.limit) == (2.5, 1000000, 40000000)
    assert five.resets_at == datetime(2026, 1, 15, 20, 6, 7, 547000, tzinfo=UTC)
    assert window(quota, "mcp_monthly").used_percent == 7


def test_next_reset_time_is_epoch_milliseconds() -> None:
    quota = parse_quota(SPEC_ANSWER, NOW)
    assert window(quota, "five_hour").resets_at == datetime(
        2026, 1, 15, 20, 6, 7, 547000, tzinfo=UTC
    )
    assert window(quota, "weekly").resets_at == datetime.fromtimestamp(1768900000, tz=UTC)


@pytest.mark.parametrize(
    "bad",
    [
        "not an object",
        None,
        42,
        [tokens(percentage=5)],
        {"percentage": 5},  # no type
        {"type": None, "percentage": 5},
        {"type": "TOKENS_LIMIT"},  # nothing to show
        {"type": "TOKENS_LIMIT", "percentage": "lots"},
        {"type": "TOKENS_LIMIT", "percentage": True},
        {"type": "TOKENS_LIMIT", "usage": 0, "currentValue": 0},
    ],
)
def test_a_malformed_entry_is_dropped_alone(bad) -> None:
    quota = parse_quota(
        answer(
            bad, tokens(unit=3, number=5, percentage=12), {"type": "TIME_LIMIT", "percentage": 1}
        ),
        NOW,
    )
    assert ids(quota) == ["five_hour", "mcp_monthly"]
    assert window(quota, "five_hour").used_percent == 12


def test_percentage_is_derived_when_missing() -> None:
    quota = parse_quota(
        answer(
            tokens(unit=3, number=5, usage=200, currentValue=50),
            {"type": "TIME_LIMIT", "usage": 100, "remaining": 40},
        ),
        NOW,
    )
    assert window(quota, "five_hour").used_percent == 25
    mcp = window(quota, "mcp_monthly")
    assert (mcp.used_percent, mcp.used) == (60, 60)


def test_display_order_is_shortest_first_and_mcp_after_tokens() -> None:
    quota = parse_quota(
        answer(
            {"type": "TIME_LIMIT", "percentage": 1},
            tokens(unit=6, number=1, percentage=2),
            tokens(unit=1, number=1, percentage=3),
            tokens(unit=3, number=5, percentage=4),
        ),
        NOW,
    )
    assert ids(quota) == ["five_hour", "daily", "weekly", "mcp_monthly"]


def test_duplicate_ids_get_a_suffix() -> None:
    quota = parse_quota(
        answer(
            tokens(unit=3, number=5, percentage=1),
            tokens(unit=3, number=5, percentage=2),
            {"type": "TIME_LIMIT", "percentage": 3},
            {"type": "TIME_LIMIT", "percentage": 4},
            {"type": "CREDIT_LIMIT", "percentage": 5},
            {"type": "credit_limit", "percentage": 6},
            {"type": "SEARCH_LIMIT", "percentage": 7},
            {"type": "search_limit", "percentage": 8},
        ),
        NOW,
    )
    # Credits without a length sit with the token windows, before MCP (Changes in 2026).
    assert ids(quota) == [
        "five_hour",
        "five_hour_2",
        "credits",
        "credits_2",
        "mcp_monthly",
        "mcp_monthly_2",
        "search_limit",
        "search_limit_2",
    ]
    assert [w.used_percent for w in quota.windows] == [1, 2, 5, 6, 3, 4, 7, 8]
    assert window(quota, "five_hour_2").label == "5h (2)"
    assert len(set(ids(quota))) == len(quota.windows)


def test_empty_limits_is_an_answer_with_no_windows() -> None:
    quota = parse_quota(answer(level="lite"), NOW)
    assert quota.plan == "lite" and quota.windows == ()


@pytest.mark.parametrize(
    "document",
    [
        None,
        "text",
        [1, 2],
        {"code": 200, "success": True},
        {"code": 200, "success": True, "data": None},
        {"code": 200, "success": True, "data": "x"},
        {"code": 200, "success": True, "data": {"level": "pro"}},
        {"code": 200, "success": True, "data": {"limits": {"type": "TOKENS_LIMIT"}}},
        {"code": 200, "success": True, "data": {"limits": ["x", 1, {"type": "TOKENS_LIMIT"}]}},
    ],
)
def test_a_document_without_usable_limits_is_a_parse_error(document) -> None:
    with pytest.raises(ParseError):
        parse_quota(document, NOW)


def test_plan_is_the_level_even_when_unknown() -> None:
    assert parse_quota(answer(level="max-2026"), NOW).plan == "max-2026"
    assert parse_quota(answer(level=7), NOW).plan is None


# --------------------------------------------------------------------------- Changes in 2026

# PROVIDERS.md §4, Changes in 2026: a credit-based Coding Plan, as recorded.
CREDIT_ANSWER = {
    "code": 200,
    "msg": "Operation successful",
    "success": True,
    "data": {
        "planName": "GLM Coding Pro",
        "level": "pro",
        "limits": [
            {"type": "CREDIT_LIMIT", "unit": 3, "number": 5, "usage": 1600, "currentValue": 412,
             "remaining": 1188, "percentage": 26, "nextResetTime": 1798771200000},
            {"type": "CREDIT_LIMIT", "unit": 6, "number": 1, "usage": 8000, "currentValue": 2150,
             "remaining": 5850, "percentage": 27, "nextResetTime": 1799200000000},
            {"type": "TIME_LIMIT", "unit": 5, "number": 1, "usage": 1000, "currentValue": 64,
             "remaining": 936, "percentage": 6, "nextResetTime": 1801000000000,
             "usageDetails": [{"modelCode": "search-prime", "usage": 51},
                              {"modelCode": "web-reader", "usage": 13}]},
        ],
    },
}  # fmt: skip


def credits(**fields: Any) -> dict[str, Any]:
    return {"type": "CREDIT_LIMIT", **fields}


def mcp(**fields: Any) -> dict[str, Any]:
    return {"type": "TIME_LIMIT", **fields}


def test_the_2026_credit_plan_answer() -> None:
    quota = parse_quota(CREDIT_ANSWER, NOW)
    assert quota.plan == "GLM Coding Pro"  # planName before level
    assert ids(quota) == ["five_hour", "weekly", "mcp_monthly"]
    five = window(quota, "five_hour")
    assert (five.label, five.unit, five.window_seconds) == ("5h credits", "credits", 18000)
    assert (five.used, five.limit, five.used_percent) == (412, 1600, 26)
    assert five.resets_at == datetime(2027, 1, 1, 2, 40, tzinfo=UTC)  # epoch ms
    weekly = window(quota, "weekly")
    assert (weekly.label, weekly.unit, weekly.window_seconds) == (
        "Weekly credits",
        "credits",
        604800,
    )
    assert (weekly.used, weekly.limit, weekly.used_percent) == (2150, 8000, 27)
    monthly = window(quota, "mcp_monthly")
    assert (monthly.label, monthly.unit, monthly.window_seconds) == ("MCP calls", "calls", None)
    assert (monthly.used, monthly.limit, monthly.used_percent) == (64, 1000, 6)
    assert quota.details == (("MCP search-prime", "51"), ("MCP web-reader", "13"))


def test_the_credit_plan_with_strings_nulls_and_a_shuffled_list() -> None:
    limits = [
        {**CREDIT_ANSWER["data"]["limits"][2], "usageDetails": None, "nextResetTime": None},
        {key: str(value) for key, value in CREDIT_ANSWER["data"]["limits"][1].items()},
        {**CREDIT_ANSWER["data"]["limits"][0], "percentage": None, "currentValue": None},
    ]
    document = {**CREDIT_ANSWER, "data": {"planName": None, "level": " pro ", "limits": limits}}
    quota = parse_quota(document, NOW)
    assert quota.plan == "pro"
    assert ids(quota) == ["five_hour", "weekly", "mcp_monthly"]
    five = window(quota, "five_hour")  # used from usage − remaining, the share from both
    assert (five.used, five.limit, five.used_percent) == (412, 1600, 25.75)
    weekly = window(quota, "weekly")
    assert (weekly.used, weekly.limit, weekly.used_percent) == (2150, 8000, 27)
    assert weekly.window_seconds == 604800 and weekly.unit == "credits"
    assert window(quota, "mcp_monthly").resets_at is None and quota.details == ()


@pytest.mark.parametrize(
    ("fields", "plan"),
    [
        ({"planName": "GLM Coding Pro", "level": "pro"}, "GLM Coding Pro"),
        ({"planName": "  ", "plan": "Max", "level": "max"}, "Max"),
        ({"planName": None, "plan": 3, "plan_type": "lite-2026", "level": "lite"}, "lite-2026"),
        ({"packageName": " GLM Coding Lite ", "level": "lite"}, "GLM Coding Lite"),
        ({"planName": {"name": "x"}, "level": "pro"}, "pro"),
        ({"planName": "", "level": None}, None),
    ],
)
def test_the_plan_is_the_first_named_of_its_fields(fields, plan) -> None:
    document = {"code": 200, "success": True, "data": {**fields, "limits": []}}
    assert parse_quota(document, NOW).plan == plan


def test_credits_without_a_length_and_other_lengths() -> None:
    quota = parse_quota(
        answer(credits(percentage=4), credits(unit=1, number=1, percentage="5"),
               credits(unit="3", number="2", percentage=6)),
        NOW,
    )  # fmt: skip
    assert ids(quota) == ["2h", "daily", "credits"]
    assert [w.label for w in quota.windows] == ["2h credits", "Daily credits", "Credits"]
    assert all(w.unit == "credits" for w in quota.windows)
    assert window(quota, "credits").window_seconds is None


def test_a_lone_credit_entry_without_a_length_is_never_called_five_hour() -> None:
    [only] = parse_quota(answer(credits(percentage=9)), NOW).windows
    assert (only.id, only.label, only.window_seconds) == ("credits", "Credits", None)


@pytest.mark.parametrize("reverse", [False, True], ids=["tokens-first", "credits-first"])
def test_tokens_and_credits_of_one_length_tokens_first_credits_numbered(reverse) -> None:
    # Same share and reset: still two limits (one counts tokens, one credits), never merged.
    limits = [
        tokens(unit=3, number=5, percentage=30, nextResetTime=1798771200000),
        credits(unit=3, number=5, percentage=30, nextResetTime=1798771200000),
        tokens(unit=6, number=1, percentage=10),
    ]
    quota = parse_quota(answer(*(reversed(limits) if reverse else limits)), NOW)
    assert [(w.id, w.label, w.unit) for w in quota.windows] == [
        ("five_hour", "5h", "tokens"),
        ("five_hour_2", "5h credits (2)", "credits"),
        ("weekly", "Weekly", "tokens"),
    ]


def test_a_token_plan_keeps_its_weekly_limit_beside_the_five_hour_one() -> None:
    quota = parse_quota(
        answer(
            mcp(unit=5, number=1, usage=100, currentValue=3, percentage=3),
            tokens(unit=6, number=1, usage="400000000", currentValue="90000000", percentage="22.5"),
            tokens(unit=3, number=5, usage=80000000, currentValue=8000000, percentage=10),
            level="max",
        ),
        NOW,
    )
    assert ids(quota) == ["five_hour", "weekly", "mcp_monthly"]
    weekly = window(quota, "weekly")
    assert (weekly.used, weekly.limit, weekly.used_percent) == (90000000, 400000000, 22.5)
    assert (weekly.window_seconds, weekly.unit) == (604800, "tokens")


@pytest.mark.parametrize(
    ("fields", "window_id", "label", "seconds"),
    [
        ({"unit": 5, "number": 1}, "mcp_monthly", "MCP calls", None),  # the monthly marker
        ({"unit": "5", "number": "1"}, "mcp_monthly", "MCP calls", None),
        ({}, "mcp_monthly", "MCP calls", None),
        ({"unit": None, "number": None}, "mcp_monthly", "MCP calls", None),
        ({"unit": 3, "number": 5}, "mcp:five_hour", "MCP calls 5h", 18000),
        ({"unit": "3", "number": "5"}, "mcp:five_hour", "MCP calls 5h", 18000),
        ({"unit": 6, "number": 1}, "mcp:weekly", "MCP calls Weekly", 604800),
        ({"unit": 1, "number": 1}, "mcp:daily", "MCP calls Daily", 86400),
        ({"unit": 1, "number": 30}, "mcp:monthly", "MCP calls Monthly", 30 * 86400),
        ({"unit": 3, "number": 1}, "mcp:hourly", "MCP calls 1h", 3600),
        ({"unit": 5, "number": 30}, "mcp:30m", "MCP calls 30m", 1800),
        ({"unit": 9, "number": 1}, "mcp", "MCP calls", None),  # a unit nobody knows
        ({"unit": 3, "number": 0}, "mcp", "MCP calls", None),
        ({"unit": 3}, "mcp", "MCP calls", None),
        ({"unit": "hours", "number": 5}, "mcp", "MCP calls", None),
    ],
)
def test_a_time_limit_with_its_own_length(fields, window_id, label, seconds) -> None:
    [only] = parse_quota(
        answer(mcp(percentage=12, usage=100, currentValue=12, **fields)), NOW
    ).windows
    assert (only.id, only.label, only.window_seconds) == (window_id, label, seconds)
    assert (only.unit, only.used, only.limit, only.used_percent) == ("calls", 12, 100, 12)


def test_order_tokens_and_credits_shortest_first_then_mcp_then_other_types() -> None:
    quota = parse_quota(
        answer(
            {"type": "SEARCH_LIMIT", "percentage": 1},
            mcp(unit=5, number=1, percentage=2),
            credits(unit=6, number=1, percentage=3),
            mcp(unit=9, percentage=4),
            tokens(percentage=5),
            mcp(unit=3, number=5, percentage=6),
            credits(unit=3, number=5, percentage=7),
            tokens(unit=1, number=1, percentage=8),
        ),
        NOW,
    )
    assert ids(quota) == [
        "five_hour", "five_hour_2", "daily", "weekly",
        "mcp:five_hour", "mcp_monthly", "mcp", "search_limit",
    ]  # fmt: skip
    assert [w.used_percent for w in quota.windows] == [5, 7, 8, 3, 6, 2, 4, 1]
    assert len(set(ids(quota))) == len(quota.windows)


def test_the_same_limit_told_twice_is_shown_once() -> None:
    twice = credits(unit=3, number=5, percentage=26, nextResetTime=1798771200000)
    quota = parse_quota(answer(twice, dict(twice), credits(unit=3, number=5, percentage=40)), NOW)
    assert ids(quota) == ["five_hour", "five_hour_2"]
    assert [w.used_percent for w in quota.windows] == [26, 40]


def test_a_credits_window_told_twice_beside_a_tokens_one_is_shown_once() -> None:
    # tokens 5h, then the credits 5h twice: the repeat is the credits window again (§0), not a
    # third limit `five_hour_3` "5h credits (3)".
    twice = credits(unit=3, number=5, percentage=20, nextResetTime=1798771200000)
    tokens_5h = tokens(unit=3, number=5, percentage=10, nextResetTime=1798771200000)
    quota = parse_quota(answer(tokens_5h, twice, dict(twice)), NOW)
    assert [(w.id, w.label) for w in quota.windows] == [
        ("five_hour", "5h"),
        ("five_hour_2", "5h credits (2)"),
    ]


def test_credit_entries_without_figures_are_dropped_alone() -> None:
    quota = parse_quota(
        answer(credits(unit=3, number=5), credits(unit=6, number=1, percentage="n/a"),
               credits(unit=6, number=1, usage=0, currentValue=0), CREDIT_ANSWER["data"]["limits"][0]),
        NOW,
    )  # fmt: skip
    assert ids(quota) == ["five_hour"] and window(quota, "five_hour").used_percent == 26


def test_once_json_shows_a_2026_credit_plan(home, monkeypatch, capsys) -> None:
    monkeypatch.setenv("Z_AI_API_KEY", "zai-credit-0123456789")
    with LocalServer(lambda seen: Reply(body=CREDIT_ANSWER)) as server:
        monkeypatch.setenv("AIQUOTA_ZAI_URL", server.url)
        code = main(["--once", "--json", "--provider", "zai"])
    out, _ = capsys.readouterr()
    assert code == 0
    [account] = json.loads(out)["accounts"]
    assert (account["status"], account["plan"]) == ("ok", "GLM Coding Pro")
    shown = [(w["id"], w["label"], w["unit"], w["used"], w["limit"]) for w in account["windows"]]
    assert shown == [
        ("five_hour", "5h credits", "credits", 412, 1600),
        ("weekly", "Weekly credits", "credits", 2150, 8000),
        ("mcp_monthly", "MCP calls", "calls", 64, 1000),
    ]
    assert account["windows"][1]["resets_at"] == "2027-01-06T01:46:40Z"


# --------------------------------------------------------------------------- order


def snap(account: str, five: float | None, weekly: float | None) -> AccountSnapshot:
    return five_hour_and_weekly("zai", account, "config", five, weekly)


def test_sort_key_most_five_hour_left_then_weekly_then_name() -> None:
    snapshots = [
        snap("b", 50, 10),
        snap("a", 50, 10),
        snap("c", 50, 90),
        snap("d", 80, 1),
        snap("broken", None, None),
        snap("weekly-only", None, 99),
    ]
    order = [s.account for s in sorted(snapshots, key=ZaiProvider().sort_key)]
    assert order == ["d", "c", "a", "b", "weekly-only", "broken"]


# --------------------------------------------------------------------------- discovery


def write_opencode(home: Path, entries: dict[str, Any]) -> Path:
    path = home / ".local/share/opencode/auth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))
    return path


def discover(provider, settings: dict | None = None) -> list[Account]:
    return provider.discover(DiscoveryContext(paths=Paths(), settings=settings or {}))


def test_nothing_found_is_no_accounts(home) -> None:
    assert discover(ZhipuProvider()) == [] and discover(ZaiProvider()) == []


def test_config_key_with_its_name(home) -> None:
    [account] = discover(ZhipuProvider(), {"key": " zk-config-0123456789 ", "name": "team"})
    assert account.provider == "zhipu"
    assert (account.label, account.source) == ("team", "config")
    assert account.secret == Secret("zk-config-0123456789")
    assert "zk-config-0123456789" not in repr(account)
    [unnamed] = discover(ZaiProvider(), {"key": "zai-config-0123456789"})
    assert (unnamed.provider, unnamed.label, unnamed.source) == ("zai", "config", "config")


def test_env_vars_belong_to_their_own_provider(home, monkeypatch) -> None:
    monkeypatch.setenv("ZHIPU_API_KEY", "zhipu-env-0123456789")
    monkeypatch.setenv("Z_AI_API_KEY", "zai-env-0123456789")
    [zhipu_account] = discover(ZhipuProvider())
    assert zhipu_account.source == "env:ZHIPU_API_KEY"
    assert zhipu_account.secret == Secret("zhipu-env-0123456789")
    [zai_account] = discover(ZaiProvider())
    assert zai_account.source == "env:Z_AI_API_KEY"
    assert zai_account.secret == Secret("zai-env-0123456789")


def test_zai_also_accepts_zai_api_key(home, monkeypatch) -> None:
    monkeypatch.setenv("ZAI_API_KEY", "zai-other-env-0123456789")
    [account] = discover(ZaiProvider())
    assert account.source == "env:ZAI_API_KEY"
    monkeypatch.setenv("Z_AI_API_KEY", "zai-env-0123456789")
    accounts = discover(ZaiProvider())
    assert [a.source for a in accounts] == ["env:Z_AI_API_KEY", "env:ZAI_API_KEY"]
    assert len({a.label for a in accounts}) == 2  # two env accounts, told apart


def test_opencode_coding_plan_keys(home) -> None:
    write_opencode(
        home,
        {
            "zhipuai-coding-plan": {"type": "api", "key": "zhipu-oc-0123456789"},
            "zai-coding-plan": {"type": "api", "key": "zai-oc-0123456789"},
            "openai": {"type": "oauth", "access": "x"},
        },
    )
    [zhipu_account] = discover(ZhipuProvider())
    assert zhipu_account.source == "~/.local/share/opencode/auth.json"
    assert zhipu_account.secret == Secret("zhipu-oc-0123456789")
    [zai_account] = discover(ZaiProvider())
    assert zai_account.secret == Secret("zai-oc-0123456789")


def test_broken_or_keyless_opencode_file_yields_nothing(home) -> None:
    path = write_opencode(home, {"zai-coding-plan": {"type": "api"}})
    assert discover(ZaiProvider()) == []
    path.write_text("{not json")
    assert discover(ZaiProvider()) == []


def test_same_key_in_every_place_is_one_account_first_place_wins(home, monkeypatch) -> None:
    key = "zhipu-shared-0123456789"
    monkeypatch.setenv("ZHIPU_API_KEY", key)
    write_opencode(home, {"zhipuai-coding-plan": {"type": "api", "key": key}})
    [account] = discover(ZhipuProvider(), {"key": key, "name": "mine"})
    assert (account.label, account.source) == ("mine", "config")
    [from_env] = discover(ZhipuProvider())
    assert from_env.source == "env:ZHIPU_API_KEY"


def test_distinct_keys_are_distinct_accounts(home, monkeypatch) -> None:
    monkeypatch.setenv("ZHIPU_API_KEY", "zhipu-env-0123456789")
    write_opencode(home, {"zhipuai-coding-plan": {"type": "api", "key": "zhipu-oc-0123456789"}})
    accounts = discover(ZhipuProvider(), {"key": "zhipu-config-0123456789"})
    assert [a.source for a in accounts] == [
        "config",
        "env:ZHIPU_API_KEY",
        "~/.local/share/opencode/auth.json",
    ]
    assert len({a.key for a in accounts}) == 3


def test_providers_declare_their_settings() -> None:
    assert ZhipuProvider.settings == {"key": str, "key_env": str, "key_cmd": list, "name": str}
    assert (ZhipuProvider.id, ZhipuProvider.name) == ("zhipu", "Zhipu")
    assert (ZaiProvider.id, ZaiProvider.name) == ("zai", "Z.ai")
    assert ZhipuProvider().precheck(Account("zhipu", "x", "config"), NOW) is None


# --------------------------------------------------------------------------- the request


def fetch_with(server: LocalServer, provider, key: str, source: str = "env:ZHIPU_API_KEY"):
    async def run() -> AccountSnapshot:
        async with make_client() as client:
            http = HttpSession(client=client, origins={provider.id: server.url})
            account = Account(provider.id, "t", source, secret=Secret(key))
            return await fetch_snapshot(provider, account, http)

    return asyncio.run(run())


@pytest.mark.parametrize("provider", [ZhipuProvider(), ZaiProvider()], ids=["zhipu", "zai"])
def test_request_sends_the_raw_key_to_the_quota_path(provider) -> None:
    key = "0123456789abcdef0123456789abcdef.AbCdEfGhIjKlMnOp"
    with LocalServer(lambda seen: Reply(body=SPEC_ANSWER)) as server:
        snapshot = fetch_with(server, provider, key)
    assert snapshot.status is Status.OK and snapshot.plan == "pro"
    [seen] = server.seen
    assert (seen.method, seen.path) == ("GET", QUOTA_PATH)
    assert seen.headers["authorization"] == key  # no "Bearer"
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["accept"] == "application/json"


def test_real_urls_per_provider() -> None:
    assert zhipu.ZHIPU.url == "https://bigmodel.cn/api/monitor/usage/quota/limit"
    assert zhipu.ZAI.url == "https://api.z.ai/api/monitor/usage/quota/limit"


ERROR_CASES = [
    # (HTTP status, body, expected status, words the message must hold)
    (
        200,
        {"code": 401, "msg": "token expired or incorrect", "success": False},
        Status.AUTH_EXPIRED,
        ["token expired or incorrect", "check the API key", "$ZHIPU_API_KEY"],
    ),
    (
        200,
        {
            "code": 1001,
            "msg": "Header中未收到Authorization参数，无法进行身份验证。",
            "success": False,
        },
        Status.AUTH_EXPIRED,
        ["身份验证", "check the API key"],
    ),
    (
        200,
        {"code": 1003, "msg": "Authorization Token已过期", "success": False},
        Status.AUTH_EXPIRED,
        ["check the API key"],
    ),
    (
        200,
        {"code": 500, "msg": "Invalid API key", "success": False},
        Status.AUTH_EXPIRED,
        ["Invalid API key"],
    ),
    (200, {"code": "1002", "msg": "Authorization Token非法"}, Status.AUTH_EXPIRED, ["非法"]),
    (200, {"success": False, "msg": "api key is missing"}, Status.AUTH_EXPIRED, ["missing"]),
    # A key problem said without "API": still the key, not a generic error.
    (200, {"success": False, "msg": "Invalid key"}, Status.AUTH_EXPIRED, ["Invalid key"]),
    (200, {"code": 500, "msg": "key expired"}, Status.AUTH_EXPIRED, ["key expired"]),
    (200, {"success": False, "msg": "key不存在"}, Status.AUTH_EXPIRED, ["key不存在"]),
    (200, {"success": False, "msg": "Unauthenticated"}, Status.AUTH_EXPIRED, ["check"]),
    (200, {"success": False, "msg": "认证信息无效"}, Status.AUTH_EXPIRED, ["认证信息无效"]),
    (200, {"success": False, "msg": "Keyword filter failed"}, Status.ERROR, ["Keyword"]),
    (
        200,
        {"code": 1113, "msg": "Your account is in arrears", "success": False},
        Status.ERROR,
        ["Your account is in arrears", "code 1113"],
    ),
    (
        200,
        {"code": 500, "msg": "System busy, try later", "success": False},
        Status.ERROR,
        ["System busy, try later"],
    ),
    (200, {"success": False, "msg": "Plan not found"}, Status.ERROR, ["Plan not found"]),
    (200, {"success": False}, Status.ERROR, ["Zhipu answered with an error"]),
    (200, {"code": 404, "success": True}, Status.ERROR, ["code 404"]),
    (
        200,
        {"code": 1302, "msg": "High concurrency", "success": False},
        Status.RATE_LIMITED,
        ["High concurrency", "retry later"],
    ),
    (
        401,
        {"code": 1002, "msg": "Authorization Token非法，请确认", "success": False},
        Status.AUTH_EXPIRED,
        ["非法", "check the API key", "$ZHIPU_API_KEY"],
    ),
    (
        401,
        {"error": {"code": "1003", "message": "token expired"}},
        Status.AUTH_EXPIRED,
        ["token expired", "check the API key"],
    ),
    (401, {"code": 401, "msg": "Unauthorized"}, Status.AUTH_EXPIRED, ["Unauthorized"]),
    (401, {"detail": "nope"}, Status.AUTH_EXPIRED, ["HTTP 401", "check the API key"]),
    (401, None, Status.AUTH_EXPIRED, ["HTTP 401", "check the API key"]),
    (
        500,
        {"code": 500, "msg": "Internal error", "success": False},
        Status.ERROR,
        ["HTTP 500", "Internal error"],
    ),
    (403, {"code": 1220, "msg": "No access to this API"}, Status.FORBIDDEN, ["No access"]),
    (429, {"code": 1302, "msg": "slow down"}, Status.RATE_LIMITED, ["slow down"]),
]


@pytest.mark.parametrize(("http_status", "body", "expected", "words"), ERROR_CASES)
def test_error_bodies_decide_the_status(http_status, body, expected, words) -> None:
    raw = b"" if body is None else None
    with LocalServer(lambda seen: Reply(status=http_status, body=body, raw=raw)) as server:
        snapshot = fetch_with(server, ZhipuProvider(), "zk-error-case-0123456789")
    assert snapshot.status is expected, snapshot.message
    for word in words:
        assert word in snapshot.message
    assert snapshot.windows == ()


def test_auth_remedy_names_the_place_of_the_key() -> None:
    body = {"code": 401, "msg": "token expired or incorrect", "success": False}
    with LocalServer(lambda seen: Reply(body=body)) as server:
        from_config = fetch_with(server, ZaiProvider(), "zai-key-0123456789", "config")
        from_opencode = fetch_with(
            server, ZaiProvider(), "zai-key-0123456789", "~/.local/share/opencode/auth.json"
        )
    assert from_config.message.startswith("Z.ai rejected the API key")
    assert "[providers.zai] key" in from_config.message
    assert '~/.local/share/opencode/auth.json ("zai-coding-plan")' in from_opencode.message


def test_long_service_messages_are_cut_short() -> None:
    body = {"code": 500, "msg": "word " * 200, "success": False}
    with LocalServer(lambda seen: Reply(body=body)) as server:
        snapshot = fetch_with(server, ZhipuProvider(), "zk-long-0123456789")
    assert snapshot.status is Status.ERROR
    assert len(snapshot.message) < 200 and snapshot.message.endswith("…")


def test_rate_limit_keeps_retry_after() -> None:
    with LocalServer(
        lambda seen: Reply(status=429, body={"msg": "slow"}, headers={"retry-after": "30"})
    ) as server:
        snapshot = fetch_with(server, ZaiProvider(), "zai-rl-0123456789")
    assert snapshot.status is Status.RATE_LIMITED and snapshot.retry_after == 30


def test_html_or_empty_answers_are_bad_responses() -> None:
    with LocalServer(
        lambda seen: Reply(raw=b"<html>login</html>", headers={"content-type": "text/html"})
    ) as server:
        assert fetch_with(server, ZaiProvider(), "zai-k-0123456789").status is Status.BAD_RESPONSE
    with LocalServer(lambda seen: Reply(body={"code": 200, "success": True})) as server:
        snapshot = fetch_with(server, ZaiProvider(), "zai-k-0123456789")
    assert snapshot.status is Status.BAD_RESPONSE and "data" in snapshot.message


# --------------------------------------------------------------------------- end to end


def test_once_json_end_to_end_with_config_env_and_opencode(
    home, monkeypatch, capsys, tmp_path
) -> None:
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    answers = {
        "zk-config-0123456789": answer(
            tokens(unit=3, number=5, percentage=80, nextResetTime=now_ms + 3_600_000),
            tokens(unit=6, number=1, percentage=40),
            {"type": "TIME_LIMIT", "usage": 100, "currentValue": 5, "percentage": 5},
        ),
        "zk-env-0123456789": answer(tokens(unit=3, number=5, percentage=10), level="lite"),
        "zai-oc-0123456789": answer(
            tokens(unit=3, number=5, percentage="25"), tokens(unit=6, number=1, percentage=50)
        ),
        "zai-env-0123456789": {"code": 1002, "msg": "Invalid token", "success": False},
    }

    def serve(seen: Seen) -> Reply:
        body = answers.get(seen.headers.get("authorization", ""))
        return Reply(body=body) if body else Reply(status=404, body={"msg": "who?"})

    config = tmp_path / "config.toml"
    config.write_text('[providers.zhipu]\nkey = "zk-config-0123456789"\nname = "team"\n')
    monkeypatch.setenv("ZHIPU_API_KEY", "zk-env-0123456789")
    monkeypatch.setenv("Z_AI_API_KEY", "zai-env-0123456789")
    write_opencode(home, {"zai-coding-plan": {"type": "api", "key": "zai-oc-0123456789"}})
    with LocalServer(serve) as zhipu_server, LocalServer(serve) as zai_server:
        monkeypatch.setenv("AIQUOTA_ZHIPU_URL", zhipu_server.url)
        monkeypatch.setenv("AIQUOTA_ZAI_URL", zai_server.url)
        code = main(
            [
                "--once",
                "--json",
                "--provider",
                "zhipu",
                "--provider",
                "zai",
                "--config",
                str(config),
            ]
        )
    out, err = capsys.readouterr()
    assert code == 1  # one Z.ai key is rejected
    document = json.loads(out)
    rows = [(a["provider"], a["account"], a["source"], a["status"]) for a in document["accounts"]]
    assert rows == [
        ("zhipu", "default", "env:ZHIPU_API_KEY", "ok"),  # 90 % of 5h left beats 20 %
        ("zhipu", "team", "config", "ok"),
        # the first key with no name of its own is "default"; later ones say where from
        ("zai", "opencode", "~/.local/share/opencode/auth.json", "ok"),
        ("zai", "default", "env:Z_AI_API_KEY", "auth_expired"),
    ]
    team = document["accounts"][1]
    assert team["plan"] == "pro"
    assert [w["id"] for w in team["windows"]] == ["five_hour", "weekly", "mcp_monthly"]
    assert team["windows"][0]["remaining_percent"] == 20.0
    assert team["windows"][0]["resets_at"].endswith("Z")
    assert team["windows"][2]["unit"] == "calls"
    rejected = document["accounts"][3]
    assert "Invalid token" in rejected["message"] and "$Z_AI_API_KEY" in rejected["message"]
    assert {s.headers["authorization"] for s in zhipu_server.seen} == {
        "zk-config-0123456789",
        "zk-env-0123456789",
    }
    assert {s.headers["authorization"] for s in zai_server.seen} == {
        "zai-oc-0123456789",
        "zai-env-0123456789",
    }
    for key in answers:
        assert key not in out + err


def test_config_base_url_is_the_origin_too(home, capsys, tmp_path) -> None:
    with LocalServer(lambda seen: Reply(body=SPEC_ANSWER)) as server:
        config = tmp_path / "config.toml"
        config.write_text(f'[providers.zai]\nkey = "zai-k-0123456789"\nbase_url = "{server.url}"\n')
        code = main(["--once", "--json", "--provider", "zai", "--config", str(config)])
    out, _ = capsys.readouterr()
    assert code == 0
    [account] = json.loads(out)["accounts"]
    assert account["status"] == "ok" and account["plan"] == "pro"
    assert server.seen[0].path == QUOTA_PATH


# --------------------------------------------------------------------------- demo


def test_demo_serves_both_providers_through_the_real_path(capsys) -> None:
    code = main(["--demo", "--once", "--json", "--provider", "zhipu", "--provider", "zai"])
    out, _ = capsys.readouterr()
    assert code == 1  # the demo's rejected Z.ai key
    accounts = json.loads(out)["accounts"]
    assert {a["provider"] for a in accounts} == {"zhipu", "zai"}
    [pro] = [a for a in accounts if a["provider"] == "zhipu"]
    assert pro["status"] == "ok" and pro["plan"] == "pro"
    assert [w["id"] for w in pro["windows"]] == ["five_hour", "weekly", "mcp_monthly"]
    assert all(w["resets_at"] for w in pro["windows"])
    zai_statuses = sorted(a["status"] for a in accounts if a["provider"] == "zai")
    assert zai_statuses == ["auth_expired", "ok", "ok"]
    [credit_plan] = [a for a in accounts if a["account"] == "glm-credits"]
    assert credit_plan["plan"] == "GLM Coding Pro"
    assert [(w["id"], w["unit"]) for w in credit_plan["windows"]] == [
        ("five_hour", "credits"),
        ("weekly", "credits"),
        ("mcp:weekly", "calls"),
    ]
    assert credit_plan["windows"][2]["label"] == "MCP calls Weekly"
    [rejected] = [a for a in accounts if a["status"] != "ok"]
    assert "check the API key" in rejected["message"]
    assert demo_zhipu.KEY_PREFIX not in out


def test_demo_copies_are_distinct() -> None:
    now = NOW.timestamp()
    first, second = demo_zhipu.accounts(now, 0), demo_zhipu.accounts(now, 1)
    assert {a.provider for a in first} == {"zhipu", "zai"}
    everything = first + second
    assert len({a.key for a in everything}) == len(everything)
    assert len({a.secret for a in everything}) == len(everything)


def test_demo_answers_only_its_own_requests() -> None:
    import httpx

    other = httpx.Request("GET", "https://chatgpt.com/backend-api/wham/usage")
    assert demo_zhipu.answer(other, NOW.timestamp()) is None
    unknown = httpx.Request(
        "GET", "https://api.z.ai" + QUOTA_PATH, headers={"Authorization": "stranger"}
    )
    response = demo_zhipu.answer(unknown, NOW.timestamp())
    assert response is not None and response.json()["success"] is False


# --------------------------------------------------------------------------- secrets

CANARY = "CANARY5e1d0b"


def canary_key(behaviour: str) -> str:
    return leaks.canary_key(CANARY, behaviour, ".AbCdEfGh")


def echo(seen: Seen) -> Reply:
    """A hostile server that puts the caller's key everywhere it can."""
    key = seen.headers.get("authorization", "")
    behaviour, headers = leaks.what_was_sent(key, CANARY)
    if behaviour == "ok":
        return Reply(
            body=answer(
                tokens(unit=3, number=5, percentage=5),
                {"type": f"X_{key}", "percentage": 1},
                {
                    "type": "TIME_LIMIT",
                    "percentage": 1,
                    "usageDetails": [{"modelCode": key, "usage": 1}],
                },
                level=key,
            ),
            headers=headers,
        )
    if behaviour == "msgauth":
        return Reply(body={"code": 1002, "msg": f"token {key} is invalid", "success": False})
    if behaviour == "msgother":
        # Long enough that a cut at the message limit would fall inside the key.
        padding = "busy " * 19
        return Reply(body={"code": 500, "msg": f"{padding}{key} now", "success": False})
    if behaviour == "e401":
        return Reply(status=401, body={"code": 401, "msg": f"bad key {key}"}, headers=headers)
    if behaviour == "e500":
        return Reply(status=500, body={"msg": f"{key} broke us"}, headers=headers)
    if behaviour == "malformed":
        return Reply(raw=f'{{"data": {{"level": "{key}", '.encode())
    return Reply(raw=f"<html>{key}</html>".encode(), headers={"content-type": "text/html"})


@pytest.fixture
def planted(home: Path, tmp_path: Path, monkeypatch) -> dict[str, Any]:
    """Canary keys in the config file, every env var and OpenCode's auth.json."""
    keys = {
        name: canary_key(name)
        for name in ("ok", "msgauth", "msgother", "e401", "e500", "malformed", "html")
    }
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.zhipu]\nkey = "{keys["ok"]}"\n\n[providers.zai]\nkey = "{keys["msgauth"]}"\n'
    )
    monkeypatch.setenv("ZHIPU_API_KEY", keys["msgother"])
    monkeypatch.setenv("Z_AI_API_KEY", keys["e401"])
    monkeypatch.setenv("ZAI_API_KEY", keys["e500"])
    opencode = write_opencode(
        home,
        {
            "zhipuai-coding-plan": {"type": "api", "key": keys["malformed"]},
            "zai-coding-plan": {"type": "api", "key": keys["html"]},
        },
    )
    return {"keys": keys, "files": [config, opencode], "config": config}


@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
def test_canary_keys_never_reach_output_and_files_stay_unchanged(
    planted, monkeypatch, capsys, json_output
) -> None:
    past = 1_600_000_000
    for path in planted["files"]:
        os.utime(path, (past, past))
    before = fingerprint(planted["files"])
    args = ["--once", "--provider", "zhipu", "--provider", "zai"]
    args += ["--config", str(planted["config"])] + (["--json"] if json_output else [])
    with LocalServer(echo) as server:
        monkeypatch.setenv("AIQUOTA_ZHIPU_URL", server.url)
        monkeypatch.setenv("AIQUOTA_ZAI_URL", server.url)
        code = main(args)
    out, err = capsys.readouterr()
    assert code == 1
    assert leaked(out + err, planted["keys"], CANARY) == []
    # Every key really went out, so every behaviour was exercised.
    assert {s.headers["authorization"] for s in server.seen} == set(planted["keys"].values())
    assert fingerprint(planted["files"]) == before
    if json_output:
        by_key = {(a["provider"], a["source"]): a for a in json.loads(out)["accounts"]}
        assert by_key[("zhipu", "config")]["status"] == "ok"
        assert by_key[("zai", "config")]["status"] == "auth_expired"
        assert by_key[("zhipu", "env:ZHIPU_API_KEY")]["status"] == "error"
        assert by_key[("zai", "env:Z_AI_API_KEY")]["status"] == "auth_expired"
        assert by_key[("zai", "env:ZAI_API_KEY")]["status"] == "error"
        opencode = "~/.local/share/opencode/auth.json"
        assert by_key[("zhipu", opencode)]["status"] == "bad_response"
        assert by_key[("zai", opencode)]["status"] == "bad_response"


def test_secret_stays_out_of_parsed_ids_and_labels() -> None:
    key = canary_key("parse")
    Secret(key)  # as discovery would have wrapped it
    quota = parse_quota(answer({"type": f"LIMIT_{key}", "percentage": 1}), NOW)
    [only] = quota.windows
    assert leaked(f"{only.id} {only.label}", {"parse": key}, CANARY) == []
