"""GitHub Copilot (PROVIDERS.md §3): parsing, discovery, the token exchange, billing, the CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.leaks import ONCE_AND_JSON, leaked
from support.servers import LocalServer, Reply, Seen

from providers import demo
from providers.base import Account, DiscoveryContext, ParseError
from providers.collect import fetch_all, fetch_snapshot
from providers.copilot import provider as copilot
from providers.copilot.provider import CopilotProvider, parse_billing, parse_user
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.model import AccountSnapshot, Status, Window
from providers.registry import BY_ID
from tui.cli import main

NOW = datetime(2026, 1, 20, 12, 0, tzinfo=UTC)
RESET = datetime(2026, 2, 1, tzinfo=UTC)

SPEC_SAMPLE = {
    "copilot_plan": "individual_pro",
    "quota_reset_date": "2026-02-01",
    "quota_reset_date_utc": "2026-02-01T00:00:00.000Z",
    "quota_snapshots": {
        "premium_interactions": {
            "entitlement": 1500,
            "remaining": -3821,
            "percent_remaining": -254.7,
            "overage_permitted": True,
            "unlimited": False,
        },
        "chat": {"entitlement": -1, "remaining": -1, "unlimited": True},
        "completions": {"unlimited": True},
    },
}


def user_answer(**snapshots: Any) -> dict[str, Any]:
    return {
        "copilot_plan": "individual_pro",
        "quota_reset_date_utc": "2026-02-01T00:00:00.000Z",
        "quota_snapshots": snapshots,
    }


def window_of(quota, window_id: str) -> Window:
    found = [w for w in quota.windows if w.id == window_id]
    assert found, f"no window {window_id} in {[w.id for w in quota.windows]}"
    return found[0]


# =========================================================================== parse_user


def test_spec_sample_premium_overage_is_not_capped() -> None:
    quota = parse_user(SPEC_SAMPLE, NOW)
    premium = window_of(quota, "premium_interactions")
    assert premium.label == "Premium"
    assert premium.used_percent == pytest.approx(354.7)
    assert premium.remaining_percent == 0.0
    assert premium.used == 1500 - (-3821)
    assert premium.limit == 1500
    assert premium.unit == "requests"
    assert not premium.unlimited


def test_spec_sample_windows_order_labels_and_plan() -> None:
    quota = parse_user(SPEC_SAMPLE, NOW)
    assert [(w.id, w.label) for w in quota.windows] == [
        ("premium_interactions", "Premium"),
        ("chat", "Chat"),
        ("completions", "Completions"),
    ]
    assert quota.plan == "individual_pro"


def test_windows_are_monthly_without_a_length() -> None:
    quota = parse_user(SPEC_SAMPLE, NOW)
    assert all(w.window_seconds is None for w in quota.windows)


def test_unlimited_flag_and_minus_one_entitlement_are_unlimited_windows() -> None:
    quota = parse_user(
        user_answer(
            chat={"entitlement": -1, "remaining": -1},  # no flag: -1 alone says it
            completions={"entitlement": 0, "remaining": 0, "unlimited": True},  # flag wins over 0/0
        ),
        NOW,
    )
    for window_id in ("chat", "completions"):
        window = window_of(quota, window_id)
        assert window.unlimited
        assert window.used_percent is None and window.remaining_percent is None


def test_resets_at_prefers_quota_reset_date_utc() -> None:
    answer = {**SPEC_SAMPLE, "quota_reset_date": "2026-03-01"}
    answer["quota_reset_date_utc"] = "2026-02-01T05:30:00.000Z"
    quota = parse_user(answer, NOW)
    assert {w.resets_at for w in quota.windows} == {datetime(2026, 2, 1, 5, 30, tzinfo=UTC)}


def test_resets_at_falls_back_to_quota_reset_date_at_midnight_utc() -> None:
    answer = {k: v for k, v in SPEC_SAMPLE.items() if k != "quota_reset_date_utc"}
    quota = parse_user(answer, NOW)
    assert window_of(quota, "premium_interactions").resets_at == RESET


def test_no_reset_date_means_no_reset_time() -> None:
    answer = user_answer(chat={"entitlement": 50, "remaining": 10, "percent_remaining": 20})
    del answer["quota_reset_date_utc"]
    assert window_of(parse_user(answer, NOW), "chat").resets_at is None


def test_used_percent_is_derived_from_counts_without_percent_remaining() -> None:
    quota = parse_user(
        user_answer(premium_interactions={"entitlement": 300, "remaining": 225}), NOW
    )
    premium = window_of(quota, "premium_interactions")
    assert premium.used_percent == pytest.approx(25.0)
    assert (premium.used, premium.limit) == (75, 300)


def test_derived_overage_from_negative_remaining_is_not_capped() -> None:
    quota = parse_user(
        user_answer(premium_interactions={"entitlement": 300, "remaining": -150}), NOW
    )
    assert window_of(quota, "premium_interactions").used_percent == pytest.approx(150.0)


def test_more_left_than_the_allowance_is_nothing_used_not_a_negative_count() -> None:
    quota = parse_user(
        user_answer(premium_interactions={"entitlement": 300, "remaining": 450}), NOW
    )
    premium = window_of(quota, "premium_interactions")
    assert (premium.used, premium.limit) == (0.0, 300)
    assert premium.used_percent == 0.0


def test_percent_remaining_wins_over_counts() -> None:
    quota = parse_user(
        user_answer(
            premium_interactions={"entitlement": 300, "remaining": 300, "percent_remaining": 40}
        ),
        NOW,
    )
    assert window_of(quota, "premium_interactions").used_percent == pytest.approx(60.0)


def test_quota_remaining_is_read_when_remaining_is_missing() -> None:
    quota = parse_user(
        user_answer(premium_interactions={"entitlement": 300, "quota_remaining": 270}), NOW
    )
    assert window_of(quota, "premium_interactions").used == 30


def test_numbers_as_strings_are_numbers() -> None:
    quota = parse_user(
        user_answer(
            premium_interactions={
                "entitlement": "300",
                "remaining": "150",
                "percent_remaining": "50.0",
                "unlimited": "false",
            }
        ),
        NOW,
    )
    premium = window_of(quota, "premium_interactions")
    assert premium.used_percent == pytest.approx(50.0) and premium.used == 150


def test_org_managed_zero_entitlement_window_is_dropped_not_shown_as_full_or_empty() -> None:
    quota = parse_user(
        user_answer(
            premium_interactions={
                "entitlement": 0,
                "remaining": 0,
                "percent_remaining": 100,
                "unlimited": False,
            },
            chat={"unlimited": True},
        ),
        NOW,
    )
    assert [w.id for w in quota.windows] == ["chat"]


def test_a_malformed_window_is_dropped_alone() -> None:
    quota = parse_user(
        user_answer(
            premium_interactions="broken",
            chat={"entitlement": "lots", "remaining": None},
            completions={"entitlement": 2000, "remaining": 1000},
        ),
        NOW,
    )
    assert [w.id for w in quota.windows] == ["completions"]


def test_windows_come_in_display_order_whatever_the_answer_order() -> None:
    quota = parse_user(
        user_answer(
            completions={"unlimited": True},
            chat={"unlimited": True},
            premium_interactions={"entitlement": 300, "remaining": 300},
        ),
        NOW,
    )
    assert [w.id for w in quota.windows] == ["premium_interactions", "chat", "completions"]


def test_unknown_windows_with_names_that_are_not_identifiers_are_dropped() -> None:
    quota = parse_user(
        user_answer(
            **{"Weird Key!": {"entitlement": 10, "remaining": 5}},
            gho_abcdefghijklmnopqrstuvwxyz={"entitlement": 10, "remaining": 5},
            chat={"unlimited": True},
        ),
        NOW,
    )
    assert [w.id for w in quota.windows] == ["chat"]


def test_unknown_snapshot_windows_are_kept_after_the_known_ones() -> None:
    quota = parse_user(
        user_answer(
            code_review={"entitlement": 10, "remaining": 5},
            chat={"unlimited": True},
        ),
        NOW,
    )
    assert [(w.id, w.label) for w in quota.windows] == [
        ("chat", "Chat"),
        ("code_review", "Code review"),
    ]
    assert window_of(quota, "code_review").used_percent == pytest.approx(50.0)


# --- older Free-plan answers

FREE_OLDER = {
    "login": "freebie",
    "access_type_sku": "free_limited_copilot",
    "copilot_plan": "individual",
    "chat_enabled": True,
    "monthly_quotas": {"chat": 50, "completions": 2000},
    "limited_user_quotas": {"chat": 41, "completions": 1987},
    "limited_user_reset_date": "2026-02-11",
}


def test_free_plan_limited_user_quotas_are_remaining_counts() -> None:
    quota = parse_user(FREE_OLDER, NOW)
    assert [w.id for w in quota.windows] == ["chat", "completions"]
    chat = window_of(quota, "chat")
    assert (chat.used, chat.limit, chat.unit) == (9, 50, "requests")
    assert chat.used_percent == pytest.approx(18.0)
    completions = window_of(quota, "completions")
    assert completions.used == 13
    assert completions.used_percent == pytest.approx(0.65)


def test_free_plan_resets_at_limited_user_reset_date() -> None:
    quota = parse_user(FREE_OLDER, NOW)
    assert {w.resets_at for w in quota.windows} == {datetime(2026, 2, 11, tzinfo=UTC)}


def test_free_plan_sku_names_the_plan() -> None:
    assert parse_user(FREE_OLDER, NOW).plan == "free"


def test_plan_is_copilot_plan_for_paid_individuals_and_falls_back_to_the_sku() -> None:
    paid = {**SPEC_SAMPLE, "copilot_plan": "individual", "access_type_sku": "plus_monthly"}
    assert parse_user(paid, NOW).plan == "individual"
    only_sku = {"access_type_sku": "copilot_enterprise_seat", "quota_snapshots": {}}
    assert parse_user(only_sku, NOW).plan == "copilot_enterprise_seat"


def test_free_plan_window_without_a_remaining_count_is_dropped() -> None:
    answer = {**FREE_OLDER, "limited_user_quotas": {"chat": 41}}
    assert [w.id for w in parse_user(answer, NOW).windows] == ["chat"]


def test_quota_snapshots_win_over_the_older_fields_for_the_same_window() -> None:
    answer = {
        **FREE_OLDER,
        "quota_snapshots": {"chat": {"entitlement": 50, "remaining": 25, "percent_remaining": 50}},
    }
    quota = parse_user(answer, NOW)
    assert window_of(quota, "chat").used_percent == pytest.approx(50.0)
    assert window_of(quota, "completions").used == 13  # still from the older fields


def test_login_and_premium_overage_go_to_details() -> None:
    answer = json.loads(json.dumps(SPEC_SAMPLE))
    answer["login"] = "octocat"
    answer["quota_snapshots"]["premium_interactions"]["overage_count"] = 3821
    details = dict(parse_user(answer, NOW).details)
    assert details["GitHub login"] == "octocat"
    assert details["Premium requests over the allowance"] == "3821 requests"


def test_a_plan_without_windows_is_fine() -> None:
    quota = parse_user({"copilot_plan": "business", "quota_snapshots": {}}, NOW)
    assert quota.plan == "business" and quota.windows == ()


@pytest.mark.parametrize(
    "data",
    [
        [1, 2],
        "text",
        None,
        {},
        {"message": "Not Found", "documentation_url": "https://docs.github.com"},
        {"quota_snapshots": "nope", "copilot_plan": 5},
    ],
)
def test_not_a_copilot_answer_is_a_parse_error(data) -> None:
    with pytest.raises(ParseError):
        parse_user(data, NOW)


# =========================================================================== parse_billing


def usage_item(model: str, gross: Any, *, sku: str = "Copilot Premium Request", **extra: Any):
    return {
        "product": "Copilot",
        "sku": sku,
        "model": model,
        "unitType": "requests",
        "grossQuantity": gross,
        "netQuantity": 0,
        **extra,
    }


def billing(*items: Any, **top: Any) -> dict[str, Any]:
    return {
        "timePeriod": {"year": 2026, "month": 1},
        "user": "octocat",
        "usageItems": list(items),
        **top,
    }


def test_billing_sums_premium_skus_only_case_insensitively() -> None:
    quota = parse_billing(
        billing(
            usage_item("Claude Sonnet 4", 100),
            usage_item("GPT-5", 20, sku="premium_requests"),
            usage_item("", 5000, sku="Actions Linux"),
            usage_item("GPT-4o", 7, sku="Copilot Standard"),
        ),
        "pro",
        NOW,
    )
    [premium] = quota.windows
    assert (premium.id, premium.label) == ("premium_interactions", "Premium")
    assert premium.used == 120
    assert premium.limit == 300
    assert premium.used_percent == pytest.approx(40.0)
    assert premium.unit == "requests"
    assert premium.window_seconds is None


@pytest.mark.parametrize(
    ("tier", "limit"),
    [
        ("free", 50),
        ("pro", 300),
        ("pro+", 1500),
        ("Pro+", 1500),
        ("pro_plus", 1500),
        ("business", 300),
        ("enterprise", 1000),
    ],
)
def test_billing_limit_by_tier(tier: str, limit: int) -> None:
    quota = parse_billing(billing(usage_item("GPT-5", 10)), tier, NOW)
    assert quota.windows[0].limit == limit
    assert quota.plan == tier


def test_billing_item_limit_wins_over_the_tier() -> None:
    quota = parse_billing(billing(usage_item("GPT-5", 10, limit=1000)), "free", NOW)
    assert quota.windows[0].limit == 1000
    assert quota.windows[0].used_percent == pytest.approx(1.0)


def test_billing_overage_is_not_capped() -> None:
    quota = parse_billing(billing(usage_item("GPT-5", 450, netQuantity=150)), "pro", NOW)
    premium = quota.windows[0]
    assert premium.used_percent == pytest.approx(150.0)
    assert premium.remaining_percent == 0.0
    assert dict(quota.details)["Billed beyond the allowance"] == "150 requests"


def test_billing_without_a_known_tier_shows_the_count_and_says_why_there_is_no_bar() -> None:
    quota = parse_billing(billing(usage_item("GPT-5", 10)), "team", NOW)
    premium = quota.windows[0]
    assert premium.used == 10 and premium.limit is None and premium.used_percent is None
    assert "pro+" in dict(quota.details)["Allowance"]
    assert parse_billing(billing(usage_item("GPT-5", 10)), None, NOW).windows[0].limit is None


def test_billing_resets_at_the_start_of_next_month_utc() -> None:
    quota = parse_billing(billing(), "pro", NOW)
    assert quota.windows[0].resets_at == RESET
    ahead = billing(timePeriod={"year": 2026, "month": 2})  # our clock is behind GitHub's
    assert parse_billing(ahead, "pro", NOW).windows[0].resets_at == datetime(2026, 3, 1, tzinfo=UTC)


def test_billing_reset_of_an_old_report_is_next_month_not_the_past() -> None:
    """A report for an earlier month must not put the reset before now (spec: next month)."""
    december = billing(timePeriod={"year": 2025, "month": 12})
    assert parse_billing(december, "pro", NOW).windows[0].resets_at == RESET
    last_year = billing(timePeriod={"year": 2024, "month": 1})
    assert parse_billing(last_year, "pro", NOW).windows[0].resets_at == RESET


def test_billing_reset_from_the_clock_when_the_answer_has_no_period() -> None:
    answer = {"usageItems": []}
    late_december = datetime(2026, 12, 31, 23, 59, tzinfo=UTC)
    assert parse_billing(answer, "pro", late_december).windows[0].resets_at == datetime(
        2027, 1, 1, tzinfo=UTC
    )


def test_billing_per_model_counts_sorted_by_count() -> None:
    quota = parse_billing(
        billing(
            usage_item("GPT-5", 30),
            usage_item("claude-sonnet-4", 100),
            usage_item("GPT-5", 93),  # another day, same model
            usage_item("gemini-2.5-pro", 12.5),
            usage_item("", 1, sku="Actions Linux"),
        ),
        "pro",
        NOW,
    )
    assert quota.details == (
        ("GPT-5", "123 requests"),
        ("claude-sonnet-4", "100 requests"),
        ("gemini-2.5-pro", "12.5 requests"),
    )


def test_billing_empty_report_is_zero_used() -> None:
    quota = parse_billing(billing(), "pro+", NOW)
    premium = quota.windows[0]
    assert premium.used == 0 and premium.used_percent == 0.0 and quota.details == ()


def test_billing_malformed_item_is_dropped_alone() -> None:
    quota = parse_billing(
        billing(usage_item("GPT-5", "many"), "junk", None, usage_item("o3", 3)), "pro", NOW
    )
    assert quota.windows[0].used == 3
    assert quota.details == (("o3", "3 requests"),)


@pytest.mark.parametrize(
    "data", [[], "x", {}, {"usageItems": "none"}, {"message": "Resource not accessible"}]
)
def test_billing_not_a_report_is_a_parse_error(data) -> None:
    with pytest.raises(ParseError):
        parse_billing(data, "pro", NOW)


# =========================================================================== sort order


def snap(label: str, *windows: Window, status: Status = Status.OK) -> AccountSnapshot:
    return AccountSnapshot(
        provider="copilot",
        account=label,
        source="x",
        active=False,
        status=status,
        windows=windows,
    )


def premium(used: float | None, *, unlimited: bool = False) -> Window:
    return Window("premium_interactions", "Premium", used_percent=used, unlimited=unlimited)


def test_sort_most_premium_left_first_then_unlimited_then_none_then_name() -> None:
    snaps = [
        snap("broken", status=Status.AUTH_EXPIRED),
        snap("chat-only", Window("chat", "Chat", unlimited=True)),
        snap("boundless", premium(None, unlimited=True)),
        snap("way-over", premium(354.7)),
        snap("just-over", premium(110.0)),
        snap("half", premium(50.0)),
        snap("Fresh", premium(0.0)),
        snap("also-half", premium(50.0)),
    ]
    ordered = sorted(snaps, key=copilot.sort_key)
    assert [s.account for s in ordered] == [
        "Fresh",
        "also-half",
        "half",
        "just-over",
        "way-over",
        "boundless",
        "broken",
        "chat-only",
    ]


# =========================================================================== discovery


def write_json(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


def pat_file(home: Path) -> Path:
    return home / ".config/opencode/copilot-quota-token.json"


def apps_file(home: Path) -> Path:
    return home / ".config/github-copilot/apps.json"


def hosts_file(home: Path) -> Path:
    return home / ".config/github-copilot/hosts.json"


def opencode_file(home: Path) -> Path:
    return home / ".local/share/opencode/auth.json"


def discover() -> list[Account]:
    return copilot.discover(DiscoveryContext(paths=Paths()))


def test_nothing_found_is_no_accounts(home: Path) -> None:
    assert discover() == []


def test_pat_file_is_a_billing_account(home: Path) -> None:
    write_json(
        pat_file(home), {"token": "github_pat_0123456789abcd", "username": "octo", "tier": "pro"}
    )
    [account] = discover()
    assert account.label == "octo (billing)"
    assert account.source == "~/.config/opencode/copilot-quota-token.json"
    assert account.secret.reveal() == "github_pat_0123456789abcd"
    assert account.extra["kind"] == "billing"
    assert (account.extra["username"], account.extra["tier"]) == ("octo", "pro")
    assert account.problem is None


def test_opencode_config_dir_moves_the_pat_file(home: Path, tmp_path: Path, monkeypatch) -> None:
    elsewhere = tmp_path / "oc"
    write_json(elsewhere / "copilot-quota-token.json", {"token": "ghp_x1234567", "username": "a"})
    write_json(pat_file(home), {"token": "ghp_y1234567", "username": "b"})
    monkeypatch.setenv("OPENCODE_CONFIG_DIR", str(elsewhere))
    assert [a.label for a in discover()] == ["a (billing)"]


def test_pat_file_in_opencode_global_config_when_opencode_config_dir_is_elsewhere(
    home: Path, tmp_path: Path, monkeypatch
) -> None:
    """OPENCODE_CONFIG_DIR adds a folder; OpenCode's global config folder still counts."""
    write_json(pat_file(home), {"token": "ghp_y1234567", "username": "b"})
    monkeypatch.setenv("OPENCODE_CONFIG_DIR", str(tmp_path / "oc-without-the-file"))
    [account] = discover()
    assert account.label == "b (billing)"
    assert account.source == "~/.config/opencode/copilot-quota-token.json"


def test_xdg_config_home_moves_pat_and_editor_files(
    home: Path, tmp_path: Path, monkeypatch
) -> None:
    xdg = tmp_path / "xdg"
    write_json(
        xdg / "opencode/copilot-quota-token.json", {"token": "ghp_x1234567", "username": "a"}
    )
    write_json(
        xdg / "github-copilot/apps.json",
        {"github.com:Iv1.x": {"user": "bob", "oauth_token": "ghu_bob12345"}},
    )
    write_json(
        apps_file(home), {"github.com:Iv1.x": {"user": "eve", "oauth_token": "ghu_eve12345"}}
    )
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert [a.label for a in discover()] == ["a (billing)", "bob"]


def test_apps_json_entries_are_accounts_named_by_login(home: Path) -> None:
    write_json(
        apps_file(home),
        {
            "github.com:Iv1.b507a08c87ecfe98": {
                "user": "octocat",
                "oauth_token": "ghu_octocat0123456789",
                "githubAppId": "Iv1.b507a08c87ecfe98",
            },
            "github.com:01ab8ac9400c4e429b23": {
                "user": "mona",
                "oauth_token": "gho_mona0123456789",
            },
            "mycorp.ghe.com:Iv1.x": {"user": "corp", "oauth_token": "ghu_corp0123456789"},
        },
    )
    accounts = discover()
    assert [a.label for a in accounts] == [
        "octocat",
        "mona",
    ]  # the GHE login is not sent to github.com
    assert accounts[0].source == "~/.config/github-copilot/apps.json"
    assert accounts[0].secret.reveal() == "ghu_octocat0123456789"
    assert accounts[0].extra["kind"] == "internal"
    assert accounts[0].identity == "github:octocat"


def test_older_hosts_json_is_read(home: Path) -> None:
    write_json(
        hosts_file(home), {"github.com": {"user": "oldtimer", "oauth_token": "gho_old0123456789"}}
    )
    [account] = discover()
    assert account.label == "oldtimer"
    assert account.source == "~/.config/github-copilot/hosts.json"


def test_same_login_in_apps_and_hosts_is_one_account_apps_first(home: Path) -> None:
    write_json(
        apps_file(home),
        {"github.com:Iv1.x": {"user": "Octocat", "oauth_token": "ghu_new0123456789"}},
    )
    write_json(
        hosts_file(home), {"github.com": {"user": "octocat", "oauth_token": "gho_old0123456789"}}
    )
    [account] = discover()
    assert account.source.endswith("apps.json")
    assert account.secret.reveal() == "ghu_new0123456789"


def test_same_token_across_sources_is_one_account_first_source_wins(
    home: Path, monkeypatch
) -> None:
    token = "gho_shared0123456789"
    write_json(hosts_file(home), {"github.com": {"user": "octocat", "oauth_token": token}})
    write_json(
        opencode_file(home),
        {
            "github-copilot": {
                "type": "oauth",
                "refresh": token,
                "access": "tid=abc;exp=1",
                "expires": 0,
            }
        },
    )
    monkeypatch.setenv("COPILOT_API_TOKEN", token)
    [account] = discover()
    assert account.label == "octocat"
    assert account.source == "~/.config/github-copilot/hosts.json"


def test_different_tokens_without_logins_stay_separate(home: Path, monkeypatch) -> None:
    write_json(
        opencode_file(home), {"github-copilot": {"type": "oauth", "refresh": "gho_oc0123456789"}}
    )
    monkeypatch.setenv("COPILOT_API_TOKEN", "gho_env0123456789")
    accounts = discover()
    assert [(a.label, a.source) for a in accounts] == [
        ("opencode", "~/.local/share/opencode/auth.json"),
        ("env", "env:COPILOT_API_TOKEN"),
    ]
    assert len({a.key for a in accounts}) == 2


def test_pat_account_stays_separate_from_the_same_login_and_token(home: Path) -> None:
    token = "ghu_octocat0123456789"
    write_json(pat_file(home), {"token": token, "username": "octocat", "tier": "pro"})
    write_json(apps_file(home), {"github.com:Iv1.x": {"user": "octocat", "oauth_token": token}})
    accounts = discover()
    assert [a.label for a in accounts] == ["octocat (billing)", "octocat"]
    assert accounts[0].key != accounts[1].key


def test_sources_come_in_the_spec_order(home: Path, monkeypatch) -> None:
    monkeypatch.setenv("COPILOT_API_TOKEN", "gho_env0123456789")
    write_json(opencode_file(home), {"github-copilot": {"refresh": "gho_oc0123456789"}})
    write_json(hosts_file(home), {"github.com": {"user": "h", "oauth_token": "gho_h0123456789"}})
    write_json(apps_file(home), {"github.com:c": {"user": "a", "oauth_token": "gho_a0123456789"}})
    write_json(pat_file(home), {"token": "ghp_p0123456789", "username": "p", "tier": "pro"})
    assert [a.label for a in discover()] == ["p (billing)", "a", "h", "opencode", "env"]


def test_opencode_prefers_the_github_token_over_a_copilot_session_token(home: Path) -> None:
    write_json(
        opencode_file(home),
        {
            "github-copilot": {
                "type": "oauth",
                "access": "tid=abc;exp=99;sku=x",
                "refresh": "ghu_real0123456789",
                "expires": 1,
            }
        },
    )
    assert discover()[0].secret.reveal() == "ghu_real0123456789"
    write_json(
        opencode_file(home), {"github-copilot": {"type": "oauth", "access": "gho_acc0123456789"}}
    )
    assert discover()[0].secret.reveal() == "gho_acc0123456789"
    # Whichever field holds it, the GitHub token wins over anything else.
    write_json(
        opencode_file(home),
        {"github-copilot": {"refresh": "opaque-refresh-value", "access": "ghu_acc0123456789"}},
    )
    assert discover()[0].secret.reveal() == "ghu_acc0123456789"


def test_opencode_enterprise_login_is_not_sent_to_github_com(home: Path) -> None:
    write_json(
        opencode_file(home),
        {"github-copilot": {"refresh": "gho_ent0123456789", "enterpriseUrl": "corp.ghe.com"}},
    )
    assert discover() == []


def test_env_token_is_an_account(home: Path, monkeypatch) -> None:
    monkeypatch.setenv("COPILOT_API_TOKEN", "  gho_env0123456789  ")
    [account] = discover()
    assert account.source == "env:COPILOT_API_TOKEN"
    assert account.secret.reveal() == "gho_env0123456789"


def problem_of(accounts: list[Account]) -> tuple[str, Status, str]:
    [account] = accounts
    assert account.problem is not None and account.secret is None
    return account.label, account.problem.status, account.problem.message


@pytest.mark.parametrize(
    ("which", "content", "label", "status", "words"),
    [
        (
            "apps",
            "{not json",
            "apps.json",
            Status.ERROR,
            "~/.config/github-copilot/apps.json is not valid JSON",
        ),
        ("hosts", "", "hosts.json", Status.ERROR, "~/.config/github-copilot/hosts.json is empty"),
        ("apps", "[1, 2]", "apps.json", Status.ERROR, "apps.json is not a JSON object"),
        (
            "apps",
            {"github.com:Iv1.x": {"user": "bob"}},
            "bob",
            Status.AUTH_EXPIRED,
            "No oauth_token for bob in ~/.config/github-copilot/apps.json",
        ),
        (
            "apps",
            {"github.com:Iv1.x": "junk"},
            "apps.json (Iv1.x)",
            Status.ERROR,
            "github.com:Iv1.x is not a JSON object",
        ),
        (
            "pat",
            "{",
            "billing",
            Status.ERROR,
            "~/.config/opencode/copilot-quota-token.json is not valid JSON",
        ),
        ("pat", '"text"', "billing", Status.ERROR, "copilot-quota-token.json is not a JSON object"),
        (
            "pat",
            {"username": "octo", "tier": "pro"},
            "octo (billing)",
            Status.AUTH_EXPIRED,
            "No token in ~/.config/opencode/copilot-quota-token.json",
        ),
        (
            "pat",
            {"token": "ghp_x0123456789"},
            "billing",
            Status.ERROR,
            "No username in ~/.config/opencode/copilot-quota-token.json",
        ),
        (
            "opencode",
            {"github-copilot": {"type": "oauth"}},
            "opencode",
            Status.AUTH_EXPIRED,
            "opencode auth login",
        ),
    ],
)
def test_broken_files_are_accounts_with_a_problem_naming_the_file(
    home: Path, which: str, content: Any, label: str, status: Status, words: str
) -> None:
    path = {"apps": apps_file, "hosts": hosts_file, "pat": pat_file, "opencode": opencode_file}[
        which
    ](home)
    write_json(path, content)
    found_label, found_status, message = problem_of(discover())
    assert (found_label, found_status) == (label, status)
    assert words in message


def test_a_folder_instead_of_a_file_is_a_problem(home: Path) -> None:
    apps_file(home).mkdir(parents=True)
    assert "is a folder" in problem_of(discover())[2]


def test_broken_accounts_never_swallow_good_ones(home: Path) -> None:
    write_json(
        apps_file(home),
        {
            "github.com:a": {"user": "bob"},
            "github.com:b": {"user": "bob", "oauth_token": "gho_b0123456789"},
        },
    )
    accounts = discover()
    assert [(a.label, a.problem is None) for a in accounts] == [("bob", False), ("bob", True)]


def test_broken_opencode_file_is_nobodys_problem(home: Path) -> None:
    write_json(opencode_file(home), "{broken")
    assert discover() == []


def test_precheck_reports_discovery_problems_only(home: Path) -> None:
    write_json(
        apps_file(home),
        {
            "github.com:a": {"user": "bob"},
            "github.com:b": {"user": "eve", "oauth_token": "gho_b0123456789"},
        },
    )
    eve, bob = sorted(discover(), key=lambda a: a.label != "eve")
    assert copilot.precheck(eve, NOW) is None
    assert copilot.precheck(bob, NOW) == bob.problem


def test_discovery_reads_without_writing(home: Path, monkeypatch) -> None:
    files = [
        write_json(pat_file(home), {"token": "ghp_p0123456789", "username": "p"}),
        write_json(
            apps_file(home), {"github.com:c": {"user": "a", "oauth_token": "gho_a0123456789"}}
        ),
        write_json(opencode_file(home), {"github-copilot": {"refresh": "gho_oc0123456789"}}),
    ]
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    discover()
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def test_provider_is_registered() -> None:
    provider = BY_ID["copilot"]
    assert isinstance(provider, CopilotProvider)
    assert (provider.id, provider.name, provider.settings) == ("copilot", "Copilot", {})


# =========================================================================== fetch (MockTransport)


def internal_account(
    token: str = "gho_oauth0123456789", remedy: str = copilot.EDITOR_REMEDY
) -> Account:
    return Account(
        provider="copilot",
        label="octocat",
        source="~/.config/github-copilot/apps.json",
        secret=copilot.Secret(token),
        identity="github:octocat",
        extra={"kind": "internal", "login": "octocat", "remedy": remedy},
    )


def billing_account(username: str = "octocat", tier: str | None = "pro") -> Account:
    return Account(
        provider="copilot",
        label=f"{username} (billing)",
        source="~/.config/opencode/copilot-quota-token.json",
        secret=copilot.Secret("github_pat_0123456789abcdef"),
        identity=f"billing:{username}",
        extra={"kind": "billing", "username": username, "tier": tier},
    )


class Recorder:
    """A MockTransport handler: answers from a list of (path, response) rules, records requests."""

    def __init__(self, handler: Callable[[httpx.Request], httpx.Response]) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.handler(request)

    @property
    def calls(self) -> list[tuple[str, str]]:
        return [(r.url.path, r.headers.get("authorization", "")) for r in self.requests]


async def run_fetch(
    account: Account, handler: Callable[[httpx.Request], httpx.Response], *, origins=None
) -> tuple[AccountSnapshot, Recorder]:
    recorder = Recorder(handler)
    async with make_client(httpx.MockTransport(recorder)) as client:
        http = HttpSession(client=client, origins=origins or {}, clock=lambda: NOW)
        snapshot = await fetch_snapshot(CopilotProvider(), account, http, clock=lambda: NOW)
    return snapshot, recorder


SESSION = "tid=session-token-0123456789;exp=1"


def exchange_flow(
    *, user_first: int = 401, exchange: int | httpx.Response = 200, retry: int = 200
) -> Callable[[httpx.Request], httpx.Response]:
    """The user endpoint refuses `token …`; the exchange answers; the Bearer retry answers."""

    def handle(request: httpx.Request) -> httpx.Response:
        auth = request.headers.get("authorization", "")
        if request.url.path == "/copilot_internal/v2/token":
            if isinstance(exchange, httpx.Response):
                return exchange
            if exchange != 200:
                return httpx.Response(exchange, json={"message": "nope"})
            return httpx.Response(
                200,
                json={
                    "token": SESSION,
                    "expires_at": int((NOW + timedelta(minutes=30)).timestamp()),
                    "refresh_in": 1500,
                },
            )
        if auth.startswith("token "):
            if user_first == 200:
                return httpx.Response(200, json=SPEC_SAMPLE)
            return httpx.Response(user_first, json={"message": "Bad credentials"})
        if auth == f"Bearer {SESSION}":
            if retry != 200:
                return httpx.Response(retry, json={"message": "Bad credentials"})
            return httpx.Response(200, json=SPEC_SAMPLE)
        return httpx.Response(400, json={})

    return handle


async def test_internal_request_url_and_headers() -> None:
    snapshot, recorder = await run_fetch(internal_account(), exchange_flow(user_first=200))
    assert snapshot.status is Status.OK
    [request] = recorder.requests
    assert request.method == "GET"
    assert str(request.url) == "https://api.github.com/copilot_internal/user"
    headers = request.headers
    assert headers["authorization"] == "token gho_oauth0123456789"
    assert headers["accept"] == "application/json"
    assert headers["editor-version"] == "vscode/1.96.2"
    assert headers["editor-plugin-version"] == "copilot-chat/0.26.7"
    assert headers["user-agent"] == "GitHubCopilotChat/0.26.7"
    assert headers["x-github-api-version"] == "2025-04-01"


@pytest.mark.parametrize("refusal", [401, 403])
async def test_refused_oauth_token_goes_through_the_exchange(refusal: int) -> None:
    snapshot, recorder = await run_fetch(internal_account(), exchange_flow(user_first=refusal))
    assert snapshot.status is Status.OK
    assert snapshot.window("premium_interactions").used_percent == pytest.approx(354.7)
    assert recorder.calls == [
        ("/copilot_internal/user", "token gho_oauth0123456789"),
        ("/copilot_internal/v2/token", "token gho_oauth0123456789"),
        ("/copilot_internal/user", f"Bearer {SESSION}"),
    ]
    exchange = recorder.requests[1]
    assert str(exchange.url) == "https://api.github.com/copilot_internal/v2/token"
    assert exchange.headers["editor-version"] == "vscode/1.96.2"
    assert exchange.headers["x-github-api-version"] == "2025-04-01"


async def test_exchange_also_refused_is_auth_expired_with_the_sources_remedy() -> None:
    account = internal_account(remedy=copilot.OPENCODE_REMEDY)
    snapshot, recorder = await run_fetch(account, exchange_flow(user_first=401, exchange=401))
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "opencode auth login" in snapshot.message
    assert [path for path, _ in recorder.calls] == [
        "/copilot_internal/user",
        "/copilot_internal/v2/token",
    ]


async def test_forbidden_then_exchange_not_found_is_forbidden() -> None:
    snapshot, _ = await run_fetch(internal_account(), exchange_flow(user_first=403, exchange=404))
    assert snapshot.status is Status.FORBIDDEN
    assert "no Copilot subscription" in snapshot.message


async def test_exchange_outage_says_so() -> None:
    snapshot, _ = await run_fetch(internal_account(), exchange_flow(user_first=401, exchange=503))
    assert snapshot.status is Status.ERROR and "HTTP 503" in snapshot.message


async def test_exchange_without_a_token_keeps_the_original_refusal() -> None:
    odd = httpx.Response(200, json={"error_details": {"message": "no"}})
    snapshot, recorder = await run_fetch(internal_account(), exchange_flow(exchange=odd))
    assert snapshot.status is Status.AUTH_EXPIRED
    assert len(recorder.requests) == 2


async def test_exchanged_token_refused_too_is_auth_expired() -> None:
    snapshot, _ = await run_fetch(internal_account(), exchange_flow(retry=401))
    assert snapshot.status is Status.AUTH_EXPIRED
    assert copilot.EDITOR_REMEDY in snapshot.message


async def test_exchanged_token_is_reused_from_memory_until_it_expires() -> None:
    account = internal_account()
    await run_fetch(account, exchange_flow())
    snapshot, recorder = await run_fetch(account, exchange_flow())
    assert snapshot.status is Status.OK
    assert recorder.calls == [("/copilot_internal/user", f"Bearer {SESSION}")]
    # Past its expiry the session token is not tried again.
    copilot._EXCHANGED[account.secret] = copilot._Exchanged(
        copilot.Secret(SESSION), NOW - timedelta(seconds=1)
    )
    _, recorder = await run_fetch(account, exchange_flow())
    assert len(recorder.requests) == 3


async def test_a_remembered_token_that_stops_working_starts_over() -> None:
    account = internal_account()
    await run_fetch(account, exchange_flow())

    def handle(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"].startswith("Bearer"):
            return httpx.Response(401, json={})
        return httpx.Response(200, json=SPEC_SAMPLE)

    snapshot, recorder = await run_fetch(account, handle)
    assert snapshot.status is Status.OK
    assert recorder.calls == [
        ("/copilot_internal/user", f"Bearer {SESSION}"),
        ("/copilot_internal/user", "token gho_oauth0123456789"),
    ]
    assert account.secret not in copilot._EXCHANGED


async def test_rate_limit_is_not_an_auth_problem_and_keeps_retry_after() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={}, headers={"Retry-After": "120"})

    snapshot, recorder = await run_fetch(internal_account(), handle)
    assert snapshot.status is Status.RATE_LIMITED
    assert snapshot.retry_after == 120
    assert len(recorder.requests) == 1  # no exchange for a rate limit


async def test_origin_override_reaches_both_internal_endpoints() -> None:
    _, recorder = await run_fetch(
        internal_account(), exchange_flow(), origins={"copilot": "http://127.0.0.1:9"}
    )
    assert {r.url.host for r in recorder.requests} == {"127.0.0.1"}
    assert len(recorder.requests) == 3


async def test_billing_request_url_headers_and_answer() -> None:
    # Since 2026 this report is the fallback where the AI-credit one is missing (test_credits.py).
    def handle(request: httpx.Request) -> httpx.Response:
        if "/ai_credit/" in request.url.path:
            return httpx.Response(404, json={"message": "Not Found"})
        return httpx.Response(
            200, json=billing(usage_item("claude-sonnet-4", 123), usage_item("GPT-5", 27))
        )

    snapshot, recorder = await run_fetch(billing_account(), handle)
    [_, request] = recorder.requests
    assert str(request.url) == (
        "https://api.github.com/users/octocat/settings/billing/premium_request/usage"
    )
    assert request.headers["authorization"] == "Bearer github_pat_0123456789abcdef"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2022-11-28"
    assert snapshot.status is Status.OK and snapshot.plan == "pro"
    assert snapshot.window("premium_interactions").used_percent == pytest.approx(50.0)
    assert snapshot.details[0] == ("claude-sonnet-4", "123 requests")


async def test_billing_username_is_quoted_into_the_path() -> None:
    _, recorder = await run_fetch(
        billing_account("odd/name"), lambda r: httpx.Response(200, json=billing())
    )
    assert recorder.requests[0].url.raw_path.startswith(b"/users/odd%2Fname/settings/")


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        (401, Status.AUTH_EXPIRED, "Plan: read"),
        (403, Status.FORBIDDEN, "Plan: read"),
        (404, Status.ERROR, "check `username`"),
        (500, Status.ERROR, "HTTP 500"),
    ],
)
async def test_billing_errors(code: int, status: Status, words: str) -> None:
    snapshot, recorder = await run_fetch(
        billing_account(), lambda r: httpx.Response(code, json={"message": "x"})
    )
    assert snapshot.status is status and words in snapshot.message
    # no exchange on the billing path; only a 404 from the AI-credit report asks the older one
    assert len(recorder.requests) == (2 if code == 404 else 1)


# =========================================================================== the CLI, end to end

TOKENS = {
    "apps": "ghu_apps0123456789abcdef",
    "hosts": "gho_hosts0123456789abcdef",
    "opencode": "gho_opencode0123456789ab",
    "env": "gho_env0123456789abcdefgh",
    "pat": "github_pat_0123456789abcdefgh",
}


def plant_everything(home: Path, monkeypatch, tokens: dict[str, str] = TOKENS) -> list[Path]:
    files = [
        write_json(pat_file(home), {"token": tokens["pat"], "username": "octocat", "tier": "pro"}),
        write_json(
            apps_file(home),
            {"github.com:Iv1.b507a08c87ecfe98": {"user": "octocat", "oauth_token": tokens["apps"]}},
        ),
        write_json(
            hosts_file(home), {"github.com": {"user": "mona", "oauth_token": tokens["hosts"]}}
        ),
        write_json(
            opencode_file(home),
            {
                "github-copilot": {
                    "type": "oauth",
                    "refresh": tokens["opencode"],
                    "access": "tid=1;exp=2;" + tokens["opencode"][-8:],
                    "expires": 0,
                }
            },
        ),
    ]
    monkeypatch.setenv("COPILOT_API_TOKEN", tokens["env"])
    return files


def run_json(capsys, *args: str) -> tuple[int, dict, str]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def layout_answer(seen: Seen) -> Reply:
    auth = seen.headers.get("authorization", "")
    path = seen.path
    if path.startswith("/users/octocat/settings/billing/premium_request/usage"):
        ok = auth == f"Bearer {TOKENS['pat']}"
        return Reply(body=billing(usage_item("GPT-5", 75))) if ok else Reply(status=401, body={})
    if path == "/copilot_internal/user":
        if auth == f"token {TOKENS['apps']}":
            return Reply(
                body=user_answer(
                    premium_interactions={
                        "entitlement": 300,
                        "remaining": 30,
                        "percent_remaining": 10,
                    }
                )
            )
        if auth == f"token {TOKENS['hosts']}":
            return Reply(status=401, body={"message": "Bad credentials"})
        if auth == "Bearer tid=mona-session-0123456789":
            return Reply(body=SPEC_SAMPLE)
        if auth == f"token {TOKENS['env']}":
            return Reply(body=FREE_OLDER)
        return Reply(status=401, body={"message": "Bad credentials"})
    if path == "/copilot_internal/v2/token":
        if auth == f"token {TOKENS['hosts']}":
            return Reply(
                body={
                    "token": "tid=mona-session-0123456789",
                    "expires_at": 4102444800,
                    "refresh_in": 1500,
                }
            )
        return Reply(status=401, body={"message": "Bad credentials"})
    return Reply(status=404, body={})


def test_cli_against_a_local_server(home: Path, monkeypatch, capsys) -> None:
    plant_everything(home, monkeypatch)
    with LocalServer(layout_answer) as server:
        monkeypatch.setenv("AIQUOTA_COPILOT_URL", server.url)
        code, document, err = run_json(capsys, "--provider", "copilot")
    rows = [(a["account"], a["status"], a["source"]) for a in document["accounts"]]
    assert rows == [
        ("octocat (billing)", "ok", "~/.config/opencode/copilot-quota-token.json"),
        ("octocat", "ok", "~/.config/github-copilot/apps.json"),
        ("mona", "ok", "~/.config/github-copilot/hosts.json"),
        ("default", "auth_expired", "~/.local/share/opencode/auth.json"),  # no login known
        ("freebie", "ok", "env:COPILOT_API_TOKEN"),  # named by the answer's login
    ]
    by_name = {a["account"]: a for a in document["accounts"]}
    billing_premium = by_name["octocat (billing)"]["windows"][0]
    assert (billing_premium["used"], billing_premium["limit"], billing_premium["used_percent"]) == (
        75,
        300,
        25,
    )
    assert by_name["octocat"]["windows"][0]["remaining_percent"] == 10
    mona = by_name["mona"]
    assert mona["plan"] == "individual_pro"
    assert mona["windows"][0]["used_percent"] == pytest.approx(354.7)
    assert mona["windows"][0]["remaining_percent"] == 0
    assert [w["unlimited"] for w in mona["windows"]] == [False, True, True]
    assert mona["windows"][0]["resets_at"] == "2026-02-01T00:00:00Z"
    assert by_name["freebie"]["plan"] == "free"
    assert [w["id"] for w in by_name["freebie"]["windows"]] == ["chat", "completions"]
    assert "opencode auth login" in by_name["default"]["message"]
    assert code == 1
    paths = sorted({s.path for s in server.seen})
    # This server has no AI-credit report (404): the billing account falls back to the older one.
    assert [p.split("?")[0] for p in paths] == [
        "/copilot_internal/user",
        "/copilot_internal/v2/token",
        "/users/octocat/settings/billing/ai_credit/usage",
        "/users/octocat/settings/billing/premium_request/usage",
    ]
    assert all(
        s.headers.get("editor-version") == "vscode/1.96.2"
        for s in server.seen
        if "copilot_internal" in s.path
    )
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (
            Reply(status=401, body={"message": "Bad credentials"}),
            "auth_expired",
            "sign in to GitHub Copilot again",
        ),
        (Reply(status=403, body={"message": "Forbidden"}), "forbidden", "no Copilot subscription"),
        (Reply(status=429, body={}, headers={"retry-after": "60"}), "rate_limited", "rate-limited"),
        (Reply(status=500, body={}), "error", "HTTP 500"),
        (
            Reply(
                raw=b"<!doctype html><html>Sign in</html>", headers={"content-type": "text/html"}
            ),
            "bad_response",
            "HTML",
        ),
        (Reply(raw=b""), "bad_response", "empty"),
        (Reply(raw=b'{"copilot_plan": '), "bad_response", "not JSON"),
        (Reply(body={"message": "what"}), "bad_response", "expected fields"),
        (Reply(body=[1, 2]), "bad_response", "not a JSON object"),
    ],
)
def test_cli_each_failure_is_a_status_with_a_sentence(
    home: Path, monkeypatch, capsys, reply, status, words
) -> None:
    write_json(
        apps_file(home), {"github.com:x": {"user": "octocat", "oauth_token": TOKENS["apps"]}}
    )
    with LocalServer(lambda seen: reply) as server:
        monkeypatch.setenv("AIQUOTA_COPILOT_URL", server.url)
        code, document, _ = run_json(capsys, "--provider", "copilot")
    [account] = document["accounts"]
    assert account["status"] == status
    assert words in account["message"]
    assert code == 1


def test_sources_whose_answers_name_the_same_login_are_one_account(
    home: Path, monkeypatch, capsys
) -> None:
    # hosts.json knows mona; the env token is hers too, which only the answer's login tells.
    write_json(hosts_file(home), {"github.com": {"user": "mona", "oauth_token": TOKENS["hosts"]}})
    monkeypatch.setenv("COPILOT_API_TOKEN", TOKENS["env"])
    answer = {**SPEC_SAMPLE, "login": "Mona"}
    with LocalServer(lambda seen: Reply(body=answer)) as server:
        monkeypatch.setenv("AIQUOTA_COPILOT_URL", server.url)
        code, document, _ = run_json(capsys, "--provider", "copilot")
    rows = [(a["account"], a["source"]) for a in document["accounts"]]
    assert rows == [("mona", "~/.config/github-copilot/hosts.json")]  # the first source wins
    assert code == 0


def test_different_logins_stay_apart_and_a_nameless_source_takes_its_login(
    home: Path, monkeypatch, capsys
) -> None:
    write_json(hosts_file(home), {"github.com": {"user": "mona", "oauth_token": TOKENS["hosts"]}})
    monkeypatch.setenv("COPILOT_API_TOKEN", TOKENS["env"])

    def answer(seen: Seen) -> Reply:
        login = "mona" if TOKENS["hosts"] in seen.headers.get("authorization", "") else "hubot"
        return Reply(body={**SPEC_SAMPLE, "login": login})

    with LocalServer(answer) as server:
        monkeypatch.setenv("AIQUOTA_COPILOT_URL", server.url)
        _, document, _ = run_json(capsys, "--provider", "copilot")
    assert sorted((a["account"], a["source"]) for a in document["accounts"]) == [
        ("hubot", "env:COPILOT_API_TOKEN"),
        ("mona", "~/.config/github-copilot/hosts.json"),
    ]


def test_cli_unreachable_server(home: Path, monkeypatch, capsys) -> None:
    write_json(
        apps_file(home), {"github.com:x": {"user": "octocat", "oauth_token": TOKENS["apps"]}}
    )
    with LocalServer(lambda seen: Reply()) as server:
        closed = server.url
    monkeypatch.setenv("AIQUOTA_COPILOT_URL", closed)
    _, document, _ = run_json(capsys, "--provider", "copilot")
    assert document["accounts"][0]["status"] == "unreachable"


# =========================================================================== demo


def test_demo_once_json(capsys) -> None:
    code, document, _ = run_json(capsys, "--demo", "--provider", "copilot")
    accounts = {a["account"]: a for a in document["accounts"]}
    # the env token's account is named by the answer's login
    assert set(accounts) == {"octocat", "mona", "hubot", "octocat (billing)", "opencode"}
    assert all(a["provider"] == "copilot" for a in accounts.values())
    octocat = accounts["octocat"]
    assert octocat["status"] == "ok" and octocat["plan"] == "individual_pro"
    assert octocat["windows"][0]["used_percent"] > 100  # overage
    assert [w["unlimited"] for w in octocat["windows"]] == [False, True, True]
    assert accounts["mona"]["status"] == "ok"  # through the token exchange
    assert accounts["hubot"]["plan"] == "free"
    # AI credits (since 2026-06-01): the internal answer and the Pro+ report, used / limit
    mona = accounts["mona"]["windows"][0]
    assert (mona["id"], mona["used"], mona["limit"], mona["unit"]) == (
        "ai_credits",
        319.75,
        1500,
        "credits",
    )
    report = accounts["octocat (billing)"]["windows"]
    assert [(w["id"], w["limit"], w["unit"]) for w in report] == [("ai_credits", 7000, "credits")]
    assert report[0]["used"] == 3753.75
    assert accounts["opencode"]["status"] == "auth_expired"
    assert "opencode auth login" in accounts["opencode"]["message"]
    assert code == 1


async def test_demo_copies_are_distinct_and_all_answered() -> None:
    provider = BY_ID["copilot"]
    pairs = demo.accounts([provider], copies=3, clock=lambda: NOW)
    accounts = [account for _, account in pairs]
    assert len(accounts) == 15
    assert len({a.label for a in accounts}) == 15
    assert len({a.key for a in accounts}) == 15
    assert len({a.secret.reveal() for a in accounts}) == 15
    async with make_client(demo.transport(lambda: NOW)) as client:
        http = HttpSession(client=client, origins={}, clock=lambda: NOW)
        snapshots = await fetch_all(pairs, http, clock=lambda: NOW)
    statuses = {s.account: s.status for s in snapshots}
    assert [label for label, status in statuses.items() if status is not Status.OK] == [
        "opencode",
        "opencode-2",
        "opencode-3",
    ]
    billing_copy = next(s for s in snapshots if s.account == "octocat-3 (billing)")
    assert billing_copy.details[0] == ("claude-sonnet-4.6", "1842.5 credits ($18.43)")


def test_demo_answers_nothing_that_is_not_copilot() -> None:
    from providers.copilot import demo as demo_copilot

    request = httpx.Request("GET", "https://chatgpt.com/backend-api/wham/usage")
    assert demo_copilot.answer(request, NOW.timestamp()) is None


# =========================================================================== canary

CANARY = "CANARY5e1d0b"


def canary_tokens() -> dict[str, str]:
    return {
        "apps": f"ghu_{CANARY}apps0123456789",
        "hosts": f"gho_{CANARY}hosts0123456789",
        "opencode": f"{CANARY}-opencode-0123456789",
        "env": f"{CANARY}-env-token-0123456789",
        "pat": f"github_pat_{CANARY}0123456789",
    }


def echoing_answer(seen: Seen) -> Reply:
    """A hostile server that puts whatever token it got into every kind of answer."""
    auth = seen.headers.get("authorization", "")
    token = auth.split(" ", 1)[-1]
    echo = {"x-echo": token[-60:]}
    if "billing" in seen.path:
        return Reply(
            body={"usageItems": [usage_item(token, 5, sku=f"Premium {token}")], "user": token},
            headers=echo,
        )
    if seen.path == "/copilot_internal/v2/token":
        if "hosts" in token:
            return Reply(body={"token": f"tid={CANARY};session;{token}", "expires_at": 4102444800})
        return Reply(status=401, body={"message": f"bad {token}"}, headers=echo)
    if auth.startswith("token ") and ("apps" in token or "hosts" in token):
        return Reply(status=401, body={"message": f"rejected {token}"}, headers=echo)
    if "opencode" in token:
        return Reply(status=429, body={"message": token}, headers={"retry-after": "5", **echo})
    if "env" in token:
        return Reply(raw=f"<html>{token}</html>".encode(), headers={"content-type": "text/html"})
    answer = json.loads(json.dumps(SPEC_SAMPLE))
    answer.update(login=token, copilot_plan=token)
    answer["quota_snapshots"][token] = {"entitlement": 10, "remaining": 5}
    return Reply(body=answer, headers=echo)


@ONCE_AND_JSON
def test_canary_never_reaches_output_and_files_are_only_read(
    home: Path, monkeypatch, capsys, args
) -> None:
    tokens = canary_tokens()
    files = plant_everything(home, monkeypatch, tokens)
    past = 1_600_000_000
    for path in files:
        os.utime(path, (past, past))
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in files}
    folders = {p.parent: sorted(os.listdir(p.parent)) for p in files}
    with LocalServer(echoing_answer) as server:
        monkeypatch.setenv("AIQUOTA_COPILOT_URL", server.url)
        code = main([*args, "--provider", "copilot"])
    out, err = capsys.readouterr()
    assert leaked(out + err, tokens, CANARY) == []
    assert code == 1
    # Every source reached the server, the hosts.json one through the exchange.
    sent = {s.headers.get("authorization", "").split(" ", 1)[-1] for s in server.seen}
    assert set(tokens.values()) <= sent
    assert any(s.path == "/copilot_internal/v2/token" for s in server.seen)
    if "--json" in args:
        statuses = {a["account"]: a["status"] for a in json.loads(out)["accounts"]}
        assert statuses == {
            "octocat (billing)": "ok",
            "octocat": "auth_expired",
            "mona": "ok",
            "default": "rate_limited",  # OpenCode's login: no login of its own
            "env": "bad_response",
        }
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns, p.stat().st_mode) for p in files} == before
    assert {p.parent: sorted(os.listdir(p.parent)) for p in files} == folders


def test_canary_in_details_and_labels_is_scrubbed(home: Path, monkeypatch) -> None:
    """Server text that reaches the detail view (login, model names) is cleaned like ours."""
    tokens = canary_tokens()
    plant_everything(home, monkeypatch, tokens)
    provider = BY_ID["copilot"]
    accounts = provider.discover(DiscoveryContext(paths=Paths()))

    async def run() -> list[AccountSnapshot]:
        with LocalServer(echoing_answer) as server:
            async with make_client() as client:
                http = HttpSession(client=client, origins={"copilot": server.url})
                return await fetch_all([(provider, a) for a in accounts], http)

    import asyncio

    snapshots = asyncio.run(run())
    text = repr([(s.plan, s.message, s.details, [w.label for w in s.windows]) for s in snapshots])
    assert leaked(text, tokens, CANARY) == []
    assert any(s.details for s in snapshots)
