"""Claude's answer as it is since 2026 (PROVIDERS.md §2 "Changes in 2026"): `limits[]` with
group, severity and is_active, the limit that binds marked and listed first, per-model keys
null, and extra usage in the currency the answer names."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from support.servers import LocalServer, Reply

from providers.claude import provider as claude
from providers.claude.provider import parse_usage
from providers.model import AccountSnapshot, Quota, Status
from providers.registry import BY_ID
from tui.cli import main
from tui.format import exhausted_windows, headline_windows

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
WEEK = 7 * 86400

# The spec's example, verbatim.
EXAMPLE: dict[str, Any] = {
    "five_hour": {"utilization": 37.0, "resets_at": "2026-12-02T03:00:00.412+00:00"},
    "seven_day": {"utilization": 39.0, "resets_at": "2026-12-05T22:00:00+00:00"},
    "seven_day_opus": None,
    "seven_day_sonnet": None,
    "seven_day_oauth_apps": None,
    "limits": [
        {
            "kind": "session",
            "group": "session",
            "percent": 37,
            "severity": "normal",
            "resets_at": "2026-12-02T03:00:00Z",
            "scope": None,
            "is_active": False,
        },
        {
            "kind": "weekly_all",
            "group": "weekly",
            "percent": 39,
            "severity": "normal",
            "resets_at": "2026-12-05T22:00:00Z",
            "scope": None,
            "is_active": False,
        },
        {
            "kind": "weekly_scoped",
            "group": "weekly",
            "percent": 69,
            "severity": "warning",
            "resets_at": "2026-12-05T22:00:00Z",
            "scope": {"model": {"id": None, "display_name": "Fable"}, "surface": None},
            "is_active": True,
        },
    ],
    "extra_usage": {
        "is_enabled": True,
        "monthly_limit": 20000,
        "used_credits": 4150,
        "utilization": 20.75,
        "currency": "EUR",
    },
}


def example(**changes: Any) -> dict[str, Any]:
    answer = copy.deepcopy(EXAMPLE)
    answer.update(changes)
    return answer


def scoped(model: str, percent: Any, **fields: Any) -> dict[str, Any]:
    return {
        "kind": "weekly_scoped",
        "group": "weekly",
        "percent": percent,
        "scope": {"model": {"id": None, "display_name": model}, "surface": None},
        **fields,
    }


def rows(quota: Quota) -> list[tuple[str, float | None, bool]]:
    return [(w.id, w.used_percent, w.binding) for w in quota.windows]


def binding(quota: Quota) -> list[str]:
    return [w.id for w in quota.windows if w.binding]


# =========================================================================== windows and binding


def test_the_example_lists_the_binding_scoped_limit_first() -> None:
    quota = parse_usage(EXAMPLE, NOW)
    assert [(w.id, w.label, w.used_percent, w.binding) for w in quota.windows] == [
        ("weekly:Fable", "Fable only", 69.0, True),
        ("five_hour", "5h", 37.0, False),
        ("weekly", "Weekly", 39.0, False),
    ]
    fable = quota.windows[0]
    assert fable.window_seconds == WEEK
    assert fable.resets_at == datetime(2026, 12, 5, 22, 0, tzinfo=UTC)
    assert fable.remaining_percent == 31.0


def test_limits_win_the_ids_both_shapes_name() -> None:
    answer = example(
        five_hour={"utilization": 10.0, "resets_at": "2026-12-02T03:00:00Z"},
        seven_day={"utilization": 90.0},
    )
    windows = {w.id: w for w in parse_usage(answer, NOW).windows}
    assert windows["five_hour"].used_percent == 37.0
    assert windows["weekly"].used_percent == 39.0


def test_null_per_model_keys_give_no_window() -> None:
    answer = example(limits=[])
    assert [w.id for w in parse_usage(answer, NOW).windows] == ["five_hour", "weekly"]


def test_numbers_and_flags_may_arrive_as_strings() -> None:
    answer = example()
    for entry in answer["limits"]:
        entry["percent"] = str(entry["percent"])
        entry["is_active"] = str(entry["is_active"]).lower()
    answer["extra_usage"].update(monthly_limit="20000", used_credits="4150.0")
    quota = parse_usage(answer, NOW)
    assert rows(quota)[0] == ("weekly:Fable", 69.0, True)
    assert (quota.balances[0].amount, quota.balances[0].limit) == (41.5, 200.0)


def test_the_order_of_the_list_does_not_change_the_windows() -> None:
    answer = example()
    answer["limits"].reverse()
    assert rows(parse_usage(answer, NOW)) == rows(parse_usage(EXAMPLE, NOW))


@pytest.mark.parametrize(
    "missing",
    [
        {"scope": None},
        {"severity": None},
        {"group": None},
        {"resets_at": None},
    ],
)
def test_missing_or_null_parts_of_the_binding_entry(missing: dict[str, Any]) -> None:
    answer = example()
    answer["limits"][2].update(missing)
    quota = parse_usage(answer, NOW)
    assert len(binding(quota)) == 1 and quota.windows[0].binding
    assert quota.windows[0].used_percent == 69.0


def test_without_any_flag_nothing_binds_and_the_fuller_scoped_week_leads_its_family() -> None:
    answer = example()
    for entry in answer["limits"]:
        entry.pop("is_active")
        entry.pop("severity")
    quota = parse_usage(answer, NOW)
    assert rows(quota) == [
        ("five_hour", 37.0, False),
        ("weekly:Fable", 69.0, False),  # fuller than the plain week: shown in its place
        ("weekly", 39.0, False),
    ]


def test_a_scoped_week_no_fuller_than_the_plain_one_stays_behind_it() -> None:
    answer = example(limits=[EXAMPLE["limits"][1], scoped("Fable", 39), scoped("Opus", 12)])
    assert [w.id for w in parse_usage(answer, NOW).windows] == [
        "five_hour",
        "weekly",
        "weekly:Fable",
        "weekly:Opus",
    ]


def test_several_active_limits_the_highest_percent_binds() -> None:
    answer = example(
        limits=[
            {"kind": "session", "percent": 80, "is_active": True},
            scoped("Fable", 69, is_active=True),
            {"kind": "weekly_all", "percent": 95, "is_active": True},
        ]
    )
    quota = parse_usage(answer, NOW)
    assert binding(quota) == ["weekly"] and quota.windows[0].id == "weekly"


def test_active_beats_a_worse_severity() -> None:
    answer = example(
        limits=[
            {"kind": "weekly_all", "percent": 97, "severity": "critical", "is_active": False},
            scoped("Fable", 50, severity="normal", is_active=True),
        ]
    )
    assert binding(parse_usage(answer, NOW)) == ["weekly:Fable"]


def test_without_is_active_critical_binds_before_warning_then_the_highest_percent() -> None:
    answer = example(
        limits=[
            scoped("Fable", 95, severity="warning"),
            scoped("Opus", 81, severity="critical"),
            scoped("Haiku", 90, severity="CRITICAL"),
        ]
    )
    quota = parse_usage(answer, NOW)
    assert binding(quota) == ["weekly:Haiku"] and quota.windows[0].id == "weekly:Haiku"
    two_warnings = example(
        limits=[scoped("Fable", 70, severity="warning"), scoped("Opus", 75, severity="warning")]
    )
    assert binding(parse_usage(two_warnings, NOW)) == ["weekly:Opus"]


@pytest.mark.parametrize("severity", ["urgent", "", 3, None, "normal"])
def test_an_unknown_severity_counts_as_normal(severity: Any) -> None:
    answer = example(limits=[scoped("Fable", 99, severity=severity)])
    assert binding(parse_usage(answer, NOW)) == []


def test_an_entry_without_a_percent_binds_nothing() -> None:
    answer = example(
        limits=[
            scoped("Fable", None, is_active=True),
            scoped("Opus", 60, severity="warning"),
        ]
    )
    quota = parse_usage(answer, NOW)
    assert "weekly:Fable" not in [w.id for w in quota.windows]
    # The only flagged entries that take part are those with a window: Opus's warning binds.
    assert binding(quota) == ["weekly:Opus"]


def test_at_most_one_window_binds_and_it_is_first() -> None:
    answer = example(
        limits=[
            scoped("Fable", 69, is_active=True),
            scoped("Fable", 69, is_active=True, resets_at="2026-12-09T00:00:00Z"),
            {"kind": "session", "percent": 69, "is_active": True},
        ]
    )
    quota = parse_usage(answer, NOW)
    assert len(binding(quota)) == 1 and quota.windows[0].binding


def test_a_surface_scoped_limit_is_named_after_its_surface() -> None:
    by_string = scoped("x", 20)
    by_string["scope"] = {"model": None, "surface": "claude_code"}
    by_object = scoped("x", 10)
    by_object["scope"] = {"model": {"id": None, "display_name": None}, "surface": {"id": "web"}}
    both = scoped("Opus", 5)
    both["scope"]["surface"] = "claude_code"
    quota = parse_usage(example(limits=[by_string, by_object, both]), NOW)
    assert [(w.id, w.label) for w in quota.windows if w.id.startswith("weekly:")] == [
        ("weekly:claude_code", "claude_code only"),
        ("weekly:web", "web only"),
        ("weekly:Opus", "Opus only"),  # a model wins over a surface
    ]


def test_a_length_the_service_sends_names_the_window() -> None:
    answer = example(limits=[{"kind": "session", "percent": 5, "window_seconds": 3600}])
    windows = {w.id: w for w in parse_usage(answer, NOW).windows}
    assert windows["hourly"].window_seconds == 3600  # a 1-hour session is never `five_hour`
    assert windows["five_hour"].used_percent == 37.0  # the classic five_hour stays


def test_the_older_shapes_still_parse() -> None:
    classic = {
        "five_hour": {"utilization": 23.0, "resets_at": "2026-12-02T03:00:00Z"},
        "seven_day": {"utilization": 41.0},
        "seven_day_opus": {"utilization": 68.0},
        "seven_day_sonnet": {"utilization": 12.0},
        "extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": 1234},
    }
    quota = parse_usage(classic, NOW)
    assert rows(quota) == [
        ("five_hour", 23.0, False),
        ("weekly_opus", 68.0, False),  # fuller than the plain week: it leads the family
        ("weekly", 41.0, False),
        ("weekly_sonnet", 12.0, False),
    ]
    assert (quota.balances[0].unit, quota.balances[0].amount) == ("USD", 12.34)
    # limits[] without group, severity or is_active (the first newer shape)
    older = {"limits": [{"kind": "weekly_scoped", "percent": 5, "scope": {"model": "Fable"}}]}
    assert rows(parse_usage(older, NOW)) == [("weekly:Fable", 5.0, False)]


# =========================================================================== currency


def extra(**fields: Any) -> dict[str, Any]:
    return {"is_enabled": True, "monthly_limit": 20000, "used_credits": 4150, **fields}


@pytest.mark.parametrize(
    ("currency", "unit"),
    [("EUR", "EUR"), ("eur", "EUR"), (" gbp ", "GBP"), (None, "USD"), ("", "USD"), (" ", "USD")],
)
def test_extra_usage_is_in_the_currency_it_names(currency: Any, unit: str) -> None:
    [balance] = parse_usage(example(extra_usage=extra(currency=currency)), NOW).balances
    assert (balance.unit, balance.amount, balance.limit) == (unit, 41.5, 200.0)


def test_extra_usage_without_a_currency_is_usd() -> None:
    [balance] = parse_usage(example(extra_usage=extra()), NOW).balances
    assert balance.unit == "USD"


@pytest.mark.parametrize("currency", ["€", "euro", 978, ["EUR"]])
def test_a_currency_that_is_no_code_counts_as_absent(currency: Any) -> None:
    [balance] = parse_usage(example(extra_usage=extra(currency=currency)), NOW).balances
    assert balance.unit == "USD" and balance.amount == 41.5


@pytest.mark.parametrize(
    ("currency", "amount", "limit"),
    [("JPY", 4150.0, 20000.0), ("krw", 4150.0, 20000.0), ("KWD", 4.15, 20.0)],
)
def test_zero_and_three_decimal_currencies(currency: str, amount: float, limit: float) -> None:
    [balance] = parse_usage(example(extra_usage=extra(currency=currency)), NOW).balances
    assert balance.unit == currency.upper()
    assert balance.amount == pytest.approx(amount) and balance.limit == pytest.approx(limit)


def test_spend_keeps_its_own_currency_and_exponent_and_still_wins() -> None:
    spend = {
        "used": {"amount_minor": 53411, "currency": "gbp", "exponent": 2},
        "limit": {"amount_minor": 55000, "currency": "GBP", "exponent": 2},
        "enabled": True,
    }
    [balance] = parse_usage(example(spend=spend), NOW).balances
    assert (balance.unit, balance.amount, balance.limit) == ("GBP", 534.11, 550.0)


def test_a_spend_limit_in_another_currency_is_not_converted() -> None:
    spend = {
        "used": {"amount_minor": 900, "currency": "JPY", "exponent": 0},
        "limit": {"amount_minor": 5000, "currency": "USD", "exponent": 2},
    }
    [balance] = parse_usage(example(spend=spend), NOW).balances
    assert (balance.unit, balance.amount, balance.limit) == ("JPY", 900.0, None)


def test_a_spend_without_a_currency_is_in_extra_usages_and_borrows_its_limit() -> None:
    spend = {"amount_minor": 4200, "exponent": 2}
    [balance] = parse_usage(example(spend=spend), NOW).balances
    assert (balance.unit, balance.amount, balance.limit) == ("EUR", 42.0, 200.0)
    other = {"amount_minor": 4200, "exponent": 2, "currency": "USD"}
    [balance] = parse_usage(example(spend=other), NOW).balances
    assert (balance.unit, balance.limit) == ("USD", None)  # EUR's limit is not USD's


# =========================================================================== order and the overview


def snapshot(quota: Quota, name: str = "a") -> AccountSnapshot:
    return AccountSnapshot(
        provider="claude",
        account=name,
        source="test",
        active=False,
        status=Status.OK,
        windows=quota.windows,
    )


def test_a_nearly_used_up_scoped_week_sorts_the_account_after_a_comfortable_one() -> None:
    comfortable = snapshot(parse_usage(example(limits=[scoped("Fable", 10)]), NOW), "b")
    tight = snapshot(parse_usage(example(limits=[scoped("Fable", 95)]), NOW), "a")
    ordered = sorted([tight, comfortable], key=claude.sort_key)
    assert [s.account for s in ordered] == ["b", "a"]


def test_the_overview_shows_the_binding_limit_first() -> None:
    shot = snapshot(parse_usage(EXAMPLE, NOW))
    first, second = headline_windows(shot, BY_ID["claude"])
    assert (first.id, second.id) == ("weekly:Fable", "five_hour")


def test_the_overview_weekly_place_shows_the_fullest_weekly_limit() -> None:
    answer = example(limits=[scoped("Opus", 92)])
    first, second = headline_windows(snapshot(parse_usage(answer, NOW)), BY_ID["claude"])
    assert (first.id, second.id, second.label) == ("five_hour", "weekly:Opus", "Opus only")


def test_a_used_up_scoped_week_exhausts_the_account_only_when_it_binds() -> None:
    provider = BY_ID["claude"]
    quiet = example(limits=[scoped("Opus", 100)])
    assert exhausted_windows(snapshot(parse_usage(quiet, NOW)), provider) == []
    binds = example(limits=[scoped("Opus", 100, is_active=True)])
    [used_up] = exhausted_windows(snapshot(parse_usage(binds, NOW)), provider)
    assert used_up.id == "weekly:Opus"


def test_a_used_up_plain_week_behind_a_binding_scoped_one_still_exhausts() -> None:
    answer = example(seven_day={"utilization": 100.0}, limits=[scoped("Fable", 69, is_active=True)])
    shot = snapshot(parse_usage(answer, NOW))
    assert [w.id for w in headline_windows(shot, BY_ID["claude"]) if w] == [
        "weekly:Fable",
        "five_hour",
    ]
    assert [w.id for w in exhausted_windows(shot, BY_ID["claude"])] == ["weekly"]


# =========================================================================== command line


def write_credentials(home: Path, token: str) -> None:
    folder = home / ".claude"
    folder.mkdir(parents=True, exist_ok=True)
    oauth = {"accessToken": token, "expiresAt": 4102444800000, "subscriptionType": "max"}
    (folder / ".credentials.json").write_text(json.dumps({"claudeAiOauth": oauth}))


def test_once_json_and_table_show_the_binding_limit_first(home: Path, monkeypatch, capsys) -> None:
    write_credentials(home, "sk-ant-oat01-binding-0000000000")
    with LocalServer(lambda seen: Reply(body=EXAMPLE)) as server:
        monkeypatch.setenv("AIQUOTA_CLAUDE_URL", server.url)
        assert main(["--once", "--json", "--provider", "claude"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert main(["--once", "--provider", "claude"]) == 0
        table = capsys.readouterr().out.splitlines()
    [account] = document["accounts"]
    assert [(w["id"], w["binding"]) for w in account["windows"]] == [
        ("weekly:Fable", True),
        ("five_hour", False),
        ("weekly", False),
    ]
    assert account["balances"][0]["unit"] == "EUR"
    assert account["balances"][0]["amount"] == 41.5
    # The WEEK column shows Fable's 31 % left, and OTHER says so before the plain week's 61 %.
    header, row, other = table[0], table[1], table[2]
    assert header.split()[3:7] == ["5H", "LEFT", "WEEK", "LEFT"]
    cells = row.split()
    assert cells[cells.index("max") + 1 : cells.index("max") + 3] == ["63%", "31%"]
    assert other.strip().startswith("WEEK: Fable only (binds now), Weekly 61% left")
    assert "Extra usage 41.50 EUR" in other
