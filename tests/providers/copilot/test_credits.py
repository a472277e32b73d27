"""Copilot since 2026 (PROVIDERS.md §3, "Changes in 2026"): AI credits in the internal answer,
the monthly/limited pair behind an unusable snapshot, and the public AI-credit report with its
fallback to the premium-request report."""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from support.servers import LocalServer, Reply, Seen

from providers.base import Account, ParseError
from providers.collect import fetch_snapshot
from providers.copilot import credits
from providers.copilot import provider as copilot
from providers.copilot.provider import CopilotProvider, parse_ai_credits, parse_user
from providers.kit.http import HttpSession, make_client
from providers.model import AccountSnapshot, Status, Window
from tui.cli import main

NOW = datetime(2026, 12, 20, 12, 0, tzinfo=UTC)
NEXT_MONTH = datetime(2027, 1, 1, tzinfo=UTC)

# The spec's credit-based answer, verbatim.
CREDIT_SAMPLE: dict[str, Any] = {
    "copilot_plan": "individual_pro",
    "token_based_billing": True,
    "quota_reset_date": "2027-01-01",
    "quota_snapshots": {
        "premium_interactions": {
            "entitlement": 1500,
            "remaining": 1180.25,
            "percent_remaining": 78.68,
            "credits_used": 319.75,
            "overage_count": 0,
            "overage_permitted": False,
            "unlimited": False,
            "quota_id": "premium_interactions",
        },
        "chat": {
            "entitlement": 0,
            "remaining": 0,
            "percent_remaining": 100,
            "unlimited": True,
            "quota_id": "chat",
        },
        "completions": {
            "entitlement": 0,
            "remaining": 0,
            "unlimited": True,
            "quota_id": "completions",
        },
    },
}

# The spec's token-billed Business seat: the pool is the organization's.
BUSINESS_SEAT: dict[str, Any] = {
    "copilot_plan": "business",
    "token_based_billing": True,
    "quota_snapshots": {
        "premium_interactions": {
            "entitlement": 0,
            "remaining": 0,
            "percent_remaining": 100,
            "credits_used": 31,
            "quota_id": "premium_interactions",
        }
    },
}

# The spec's AI-credit report, verbatim.
CREDIT_REPORT: dict[str, Any] = {
    "timePeriod": {"year": 2026, "month": 12},
    "user": "octocat",
    "usageItems": [
        {
            "product": "Copilot",
            "sku": "Copilot AI Credits",
            "model": "claude-sonnet-4.6",
            "unitType": "ai-credits",
            "pricePerUnit": 0.01,
            "grossQuantity": 842.5,
            "grossAmount": 8.425,
            "discountQuantity": 842.5,
            "discountAmount": 8.425,
            "netQuantity": 0.0,
            "netAmount": 0.0,
        },
        {
            "product": "Copilot",
            "sku": "Copilot AI Credits",
            "model": "gpt-5.4",
            "unitType": "ai-credits",
            "pricePerUnit": 0.01,
            "grossQuantity": 120.0,
            "grossAmount": 1.2,
            "discountQuantity": 120.0,
            "discountAmount": 1.2,
            "netQuantity": 0.0,
            "netAmount": 0.0,
        },
    ],
}

PREMIUM_REPORT: dict[str, Any] = {
    "timePeriod": {"year": 2026, "month": 12},
    "user": "octocat",
    "usageItems": [
        {"sku": "Copilot Premium Request", "model": "GPT-5", "grossQuantity": 75, "netQuantity": 0}
    ],
}


def ids(quota) -> list[str]:
    return [w.id for w in quota.windows]


def window_of(quota, window_id: str) -> Window:
    found = [w for w in quota.windows if w.id == window_id]
    assert found, f"no window {window_id} in {ids(quota)}"
    return found[0]


def with_premium(base: dict[str, Any] | None = None, **premium: Any) -> dict[str, Any]:
    answer = copy.deepcopy(base or CREDIT_SAMPLE)
    answer["quota_snapshots"]["premium_interactions"] = premium
    return answer


def stringified(value: Any) -> Any:
    """Every number (and boolean) of an answer as a JSON string, as some answers send them."""
    if isinstance(value, dict):
        return {key: stringified(item) for key, item in value.items()}
    if isinstance(value, list):
        return [stringified(item) for item in value]
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return value


# =========================================================================== internal: AI credits


def test_spec_credit_sample_is_an_ai_credits_window_not_premium() -> None:
    quota = parse_user(CREDIT_SAMPLE, NOW)
    assert ids(quota) == ["ai_credits", "chat", "completions"]
    spent = window_of(quota, "ai_credits")
    assert (spent.label, spent.unit) == ("AI credits", "credits")
    assert (spent.used, spent.limit) == (319.75, 1500)
    assert spent.used_percent == pytest.approx(21.32)
    assert spent.window_seconds is None and not spent.unlimited
    assert spent.resets_at == NEXT_MONTH  # quota_reset_date at 00:00 UTC
    assert window_of(quota, "chat").unlimited and window_of(quota, "completions").unlimited
    assert quota.plan == "individual_pro"


def test_credit_details_give_the_dollar_value() -> None:
    details = dict(parse_user(CREDIT_SAMPLE, NOW).details)
    assert details["AI credits used"] == "319.75 of 1500 credits ($3.20 of $15.00)"
    assert "Premium requests over the allowance" not in details


def test_spec_business_seat_is_the_count_alone_never_a_bar() -> None:
    quota = parse_user(BUSINESS_SEAT, NOW)
    [spent] = quota.windows
    assert spent.id == "ai_credits"
    assert (spent.used, spent.limit, spent.used_percent) == (31, None, None)
    assert spent.remaining_percent is None and not spent.unlimited
    details = dict(quota.details)
    assert details["AI credits used"] == "31 credits ($0.31)"
    assert "organization" in details["Allowance"]


def test_credits_used_alone_marks_a_credit_based_answer() -> None:
    answer = copy.deepcopy(CREDIT_SAMPLE)
    del answer["token_based_billing"]
    assert ids(parse_user(answer, NOW))[0] == "ai_credits"
    # credits_used on any snapshot counts, not only on the premium one
    elsewhere = copy.deepcopy(answer)
    del elsewhere["quota_snapshots"]["premium_interactions"]["credits_used"]
    elsewhere["quota_snapshots"]["chat"]["credits_used"] = 0
    spent = window_of(parse_user(elsewhere, NOW), "ai_credits")
    assert spent.used == pytest.approx(319.75)  # entitlement − remaining


def test_token_based_billing_alone_counts_credits_from_entitlement_minus_remaining() -> None:
    answer = with_premium(entitlement=1500, remaining=1125, unlimited=False)
    spent = window_of(parse_user(answer, NOW), "ai_credits")
    assert (spent.used, spent.limit) == (375, 1500)
    assert spent.used_percent == pytest.approx(25.0)


def test_without_percent_remaining_the_share_is_credits_used_over_the_limit() -> None:
    # credits_used wins over entitlement − remaining when both are given
    answer = with_premium(entitlement=1500, remaining=1400, credits_used=600)
    spent = window_of(parse_user(answer, NOW), "ai_credits")
    assert spent.used == 600 and spent.used_percent == pytest.approx(40.0)


@pytest.mark.parametrize("missing", [{}, {"remaining": None, "percent_remaining": None}])
def test_an_allowance_and_credits_used_alone_still_make_the_bar(missing: dict) -> None:
    # The spec's sample without remaining and percent_remaining: limit = entitlement, used =
    # credits_used, used_percent = used / limit, not the count alone as for a 0/0 seat.
    answer = with_premium(entitlement="1500", credits_used=319.75, **missing)
    spent = window_of(parse_user(answer, NOW), "ai_credits")
    assert (spent.used, spent.limit) == (319.75, 1500)
    assert spent.used_percent == pytest.approx(21.3167)


def test_credit_overage_is_not_capped_and_its_cost_is_shown() -> None:
    answer = with_premium(
        entitlement=1500, remaining=-300, percent_remaining=-20, credits_used=1800
    )
    quota = parse_user(answer, NOW)
    spent = window_of(quota, "ai_credits")
    assert spent.used_percent == pytest.approx(120.0) and spent.remaining_percent == 0.0
    assert dict(quota.details)["AI credits over the allowance"] == "300 credits ($3.00)"


def test_unlimited_credit_snapshot_keeps_what_was_used() -> None:
    answer = with_premium(entitlement=0, remaining=0, unlimited=True, credits_used=52.5)
    spent = window_of(parse_user(answer, NOW), "ai_credits")
    assert spent.unlimited and spent.used == 52.5
    assert spent.used_percent is None and spent.limit is None


def test_every_number_as_a_string_reads_the_same() -> None:
    quota = parse_user(stringified(CREDIT_SAMPLE), NOW)
    assert ids(quota) == ["ai_credits", "chat", "completions"]
    spent = window_of(quota, "ai_credits")
    assert (spent.used, spent.limit) == (319.75, 1500)
    assert spent.used_percent == pytest.approx(21.32)


def test_a_credits_used_that_is_no_number_is_missing() -> None:
    answer = with_premium(entitlement=1500, remaining=1500, credits_used="lots")
    del answer["token_based_billing"]
    assert ids(parse_user(answer, NOW))[0] == "premium_interactions"  # request-based after all


@pytest.mark.parametrize("marker", [False, "false", None])
def test_neither_marker_keeps_premium_requests(marker: Any) -> None:
    answer = with_premium(entitlement=300, remaining=225, credits_used=None)
    answer["token_based_billing"] = marker
    quota = parse_user(answer, NOW)
    premium = window_of(quota, "premium_interactions")
    assert (premium.label, premium.unit, premium.used) == ("Premium", "requests", 75)
    assert "ai_credits" not in ids(quota)


def test_null_and_missing_parts_never_crash() -> None:
    answer = copy.deepcopy(CREDIT_SAMPLE)
    answer["quota_snapshots"]["premium_interactions"] = None
    answer["quota_snapshots"]["chat"] = None
    answer["quota_reset_date"] = None
    quota = parse_user(answer, NOW)
    assert ids(quota) == ["completions"]
    assert parse_user({"token_based_billing": True, "quota_snapshots": None}, NOW).windows == ()
    empty = with_premium(entitlement=None, remaining=None, percent_remaining=None)
    assert "ai_credits" not in ids(parse_user(empty, NOW))  # nothing to show, nothing shown


def test_reordered_snapshots_come_out_in_display_order() -> None:
    answer = copy.deepcopy(CREDIT_SAMPLE)
    answer["quota_snapshots"] = dict(reversed(list(answer["quota_snapshots"].items())))
    answer = dict(reversed(list(answer.items())))
    assert ids(parse_user(answer, NOW)) == ["ai_credits", "chat", "completions"]


def test_an_unknown_ai_credits_snapshot_never_shares_the_id() -> None:
    answer = copy.deepcopy(CREDIT_SAMPLE)
    answer["quota_snapshots"]["ai_credits"] = {"entitlement": 10, "remaining": 5}
    found = ids(parse_user(answer, NOW))
    assert len(found) == len(set(found)) == 4
    assert found[:2] == ["ai_credits", "ai_credits_2"]


# =========================================================================== internal: the pair

FREE_2026: dict[str, Any] = {
    "login": "freebie",
    "access_type_sku": "free_limited_copilot",
    "copilot_plan": "individual",
    "quota_snapshots": {
        "chat": {"entitlement": 0, "remaining": 0, "unlimited": True},
        "completions": {"entitlement": 0, "remaining": 0, "percent_remaining": 100},
    },
    "monthly_quotas": {"chat": 50, "completions": 2000},
    "limited_user_quotas": {"chat": 12, "completions": 1540},
    "limited_user_reset_date": "2027-01-11",
}


def test_an_unlimited_snapshot_yields_to_a_usable_pair() -> None:
    """A Free-tier cap: the snapshot says unlimited, the pair says 12 of 50 left."""
    chat = window_of(parse_user(FREE_2026, NOW), "chat")
    assert not chat.unlimited
    assert (chat.used, chat.limit, chat.unit) == (38, 50, "requests")
    assert chat.used_percent == pytest.approx(76.0)


def test_an_unlimited_snapshot_with_counts_is_never_usable() -> None:
    """Its counts and share say nothing: the pair wins, and without one it stays unlimited."""
    answer = copy.deepcopy(FREE_2026)
    answer["quota_snapshots"]["chat"] = {
        "entitlement": 300,
        "remaining": 300,
        "percent_remaining": 100,
        "unlimited": True,
    }
    assert window_of(parse_user(answer, NOW), "chat").used == 38
    del answer["monthly_quotas"]["chat"]
    chat = window_of(parse_user(answer, NOW), "chat")
    assert chat.unlimited and chat.used_percent is None


def test_a_zero_zero_snapshot_yields_to_a_usable_pair() -> None:
    completions = window_of(parse_user(FREE_2026, NOW), "completions")
    assert (completions.used, completions.limit) == (460, 2000)
    assert completions.used_percent == pytest.approx(23.0)


def test_a_usable_snapshot_wins_over_the_pair() -> None:
    answer = copy.deepcopy(FREE_2026)
    answer["quota_snapshots"]["chat"] = {"entitlement": 50, "remaining": 40}
    answer["quota_snapshots"]["completions"] = {"percent_remaining": 90}  # a share alone is usable
    quota = parse_user(answer, NOW)
    assert window_of(quota, "chat").used == 10
    completions = window_of(quota, "completions")
    assert completions.used_percent == pytest.approx(10.0) and completions.used is None


def test_a_pair_without_an_allowance_leaves_the_unlimited_window_or_nothing() -> None:
    answer = copy.deepcopy(FREE_2026)
    answer["monthly_quotas"] = {"chat": 0, "completions": "none"}
    quota = parse_user(answer, NOW)
    assert ids(quota) == ["chat"]
    assert window_of(quota, "chat").unlimited


def test_the_pair_serves_any_key_present_in_both_and_only_those() -> None:
    answer = {
        "copilot_plan": "individual",
        "monthly_quotas": {"code_review": "20", "chat": 50},
        "limited_user_quotas": {"code_review": "5", "completions": 100},
    }
    quota = parse_user(answer, NOW)
    assert ids(quota) == ["code_review"]
    review = window_of(quota, "code_review")
    assert (review.used, review.limit) == (15, 20)
    assert review.used_percent == pytest.approx(75.0)


def test_the_pair_reads_strings_and_keeps_overage_uncapped() -> None:
    answer = stringified(FREE_2026)
    answer["limited_user_quotas"]["chat"] = "-10"
    chat = window_of(parse_user(answer, NOW), "chat")
    assert chat.used == 60 and chat.used_percent == pytest.approx(120.0)


def test_pair_resets_prefer_the_dated_fields_then_limited_user_reset_date() -> None:
    quota = parse_user(FREE_2026, NOW)
    assert {w.resets_at for w in quota.windows} == {datetime(2027, 1, 11, tzinfo=UTC)}
    dated = {**FREE_2026, "quota_reset_date": "2027-01-01"}
    assert {w.resets_at for w in parse_user(dated, NOW).windows} == {NEXT_MONTH}
    utc = {**dated, "quota_reset_date_utc": "2027-01-01T08:00:00Z"}
    assert {w.resets_at for w in parse_user(utc, NOW).windows} == {
        datetime(2027, 1, 1, 8, tzinfo=UTC)
    }


def test_a_credit_premium_snapshot_that_is_a_placeholder_yields_to_its_pair() -> None:
    answer = copy.deepcopy(BUSINESS_SEAT)
    answer["monthly_quotas"] = {"premium_interactions": 300}
    answer["limited_user_quotas"] = {"premium_interactions": 240}
    [spent] = parse_user(answer, NOW).windows
    assert (spent.id, spent.unit, spent.used, spent.limit) == ("ai_credits", "credits", 60, 300)
    assert spent.used_percent == pytest.approx(20.0)


# =========================================================================== the AI-credit report


def test_spec_report_with_tier_pro() -> None:
    quota = parse_ai_credits(CREDIT_REPORT, "pro", NOW)
    [spent] = quota.windows
    assert (spent.id, spent.label, spent.unit) == ("ai_credits", "AI credits", "credits")
    assert (spent.used, spent.limit) == (962.5, 1500)
    assert spent.used_percent == pytest.approx(64.17, abs=0.005)
    assert spent.resets_at == NEXT_MONTH and spent.window_seconds is None
    assert quota.plan == "pro"
    assert quota.details[:2] == (
        ("claude-sonnet-4.6", "842.5 credits ($8.43)"),
        ("gpt-5.4", "120 credits ($1.20)"),
    )


@pytest.mark.parametrize(
    ("tier", "limit"),
    [("pro", 1500), ("Pro+", 7000), ("pro_plus", 7000), ("pro+", 7000), ("max", 20000)],
)
def test_report_limit_by_tier(tier: str, limit: int) -> None:
    assert parse_ai_credits(CREDIT_REPORT, tier, NOW).windows[0].limit == limit


@pytest.mark.parametrize(
    ("tier", "words"),
    [
        ("free", "not published"),
        ("business", "organization"),
        ("enterprise", "organization"),
        ("team", "set tier"),
        (None, "set tier"),
    ],
)
def test_report_without_a_known_allowance_is_the_count_alone_and_says_why(
    tier: str | None, words: str
) -> None:
    quota = parse_ai_credits(CREDIT_REPORT, tier, NOW)
    [spent] = quota.windows
    assert (spent.used, spent.limit, spent.used_percent) == (962.5, None, None)
    assert words in dict(quota.details)["Allowance"]


def item(gross: Any, **fields: Any) -> dict[str, Any]:
    return {"sku": "Copilot AI Credits", "model": "m", "grossQuantity": gross, **fields}


def test_report_counts_ai_credit_units_only_or_credit_skus_without_a_unit() -> None:
    report = {
        "usageItems": [
            item(100, unitType="ai-credits"),
            item(10, unitType="AI_Credits"),
            item(1, unitType=None, sku="copilot ai credit"),  # no unit: the sku decides
            item(1000, unitType="requests"),  # a unit that is not credits: ignored
            item(5000, sku="Actions Linux"),
            item(7, sku="Copilot Premium Request"),  # neither unit nor "credit"
            "junk",
            None,
            item("many", unitType="ai-credits"),  # no number: dropped alone
        ]
    }
    assert parse_ai_credits(report, "pro", NOW).windows[0].used == 111


def test_report_reads_numbers_as_strings_and_in_any_order() -> None:
    report = stringified(CREDIT_REPORT)
    report["usageItems"].reverse()
    quota = parse_ai_credits(report, "pro", NOW)
    assert quota.windows[0].used == 962.5
    assert quota.windows[0].resets_at == NEXT_MONTH  # timePeriod as strings too
    assert quota.details[0][0] == "claude-sonnet-4.6"  # per model, most first


def test_report_overage_is_not_capped_and_billing_beyond_is_shown() -> None:
    report = {
        "usageItems": [
            item(1800, unitType="ai-credits", discountQuantity=1500, netQuantity=300),
        ]
    }
    quota = parse_ai_credits(report, "pro", NOW)
    assert quota.windows[0].used_percent == pytest.approx(120.0)
    assert quota.windows[0].remaining_percent == 0.0
    assert dict(quota.details)["Billed beyond the allowance"] == "300 credits ($3.00)"


def test_empty_report_is_zero_used() -> None:
    spent = parse_ai_credits({"usageItems": []}, "pro+", NOW).windows[0]
    assert (spent.used, spent.used_percent) == (0, 0.0)


@pytest.mark.parametrize("data", [[], "x", None, {}, {"usageItems": None}, {"message": "x"}])
def test_not_a_report_is_a_parse_error(data: Any) -> None:
    with pytest.raises(ParseError):
        parse_ai_credits(data, "pro", NOW)


@pytest.mark.parametrize(
    ("count", "text"),
    [(842.5, "$8.43"), (0.5, "$0.01"), (0.4, "$0.00"), (1500, "$15.00"), (123456, "$1,234.56")],
)
def test_dollars_round_half_up_to_the_cent(count: float, text: str) -> None:
    assert credits.dollars(count) == text


# =========================================================================== sort order


def snap(label: str, *windows: Window) -> AccountSnapshot:
    return AccountSnapshot(
        provider="copilot", account=label, source="x", active=False, status=Status.OK,
        windows=windows,
    )  # fmt: skip


def test_sort_counts_ai_credits_like_premium_requests() -> None:
    snaps = [
        snap("pooled", Window("ai_credits", "AI credits", used=31.0, unit="credits")),
        snap("credits-fresh", Window("ai_credits", "AI credits", used_percent=10.0)),
        snap("requests-half", Window("premium_interactions", "Premium", used_percent=50.0)),
        snap("credits-over", Window("ai_credits", "AI credits", used_percent=130.0)),
    ]
    ordered = [s.account for s in sorted(snaps, key=copilot.sort_key)]
    assert ordered == ["credits-fresh", "requests-half", "credits-over", "pooled"]


# =========================================================================== fetch: the PAT


def billing_account(username: str = "octocat", tier: str | None = "pro") -> Account:
    return Account(
        provider="copilot",
        label=f"{username} (billing)",
        source="~/.config/opencode/copilot-quota-token.json",
        secret=copilot.Secret("github_pat_0123456789abcdef"),
        identity=f"billing:{username}",
        extra={"kind": "billing", "username": username, "tier": tier},
    )


Handler = Callable[[httpx.Request], httpx.Response]


async def run_fetch(
    handler: Handler, account: Account | None = None, origins: dict[str, str] | None = None
) -> tuple[AccountSnapshot, list[httpx.Request]]:
    requests: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return handler(request)

    async with make_client(httpx.MockTransport(record)) as client:
        http = HttpSession(client=client, origins=origins or {}, clock=lambda: NOW)
        snapshot = await fetch_snapshot(
            CopilotProvider(), account or billing_account(), http, clock=lambda: NOW
        )
    return snapshot, requests


def reports(credit: httpx.Response, premium: httpx.Response | None = None) -> Handler:
    """The AI-credit report answers `credit`; the premium-request one `premium` (or 200)."""

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/ai_credit/usage"):
            return credit
        if request.url.path.endswith("/premium_request/usage"):
            return premium or httpx.Response(200, json=PREMIUM_REPORT)
        return httpx.Response(418, json={})

    return handle


async def test_the_ai_credit_report_is_asked_for_this_month_with_its_api_version() -> None:
    snapshot, requests = await run_fetch(reports(httpx.Response(200, json=CREDIT_REPORT)))
    [request] = requests  # no fallback after an answer
    assert request.method == "GET"
    assert request.url.path == "/users/octocat/settings/billing/ai_credit/usage"
    assert request.url.host == "api.github.com"
    assert parse_qs(request.url.query.decode()) == {"year": ["2026"], "month": ["12"]}
    assert request.headers["authorization"] == "Bearer github_pat_0123456789abcdef"
    assert request.headers["accept"] == "application/vnd.github+json"
    assert request.headers["x-github-api-version"] == "2026-03-10"
    assert snapshot.status is Status.OK
    [spent] = snapshot.windows
    assert (spent.id, spent.used, spent.limit) == ("ai_credits", 962.5, 1500)


@pytest.mark.parametrize("code", [404, 410])
async def test_a_missing_ai_credit_report_falls_back_to_premium_requests(code: int) -> None:
    snapshot, requests = await run_fetch(reports(httpx.Response(code, json={"message": "x"})))
    assert [r.url.path.rsplit("/", 2)[-2] for r in requests] == ["ai_credit", "premium_request"]
    fallback = requests[1]
    assert fallback.url.query == b""
    assert fallback.headers["x-github-api-version"] == "2022-11-28"
    assert fallback.headers["authorization"] == "Bearer github_pat_0123456789abcdef"
    assert snapshot.status is Status.OK
    [premium] = snapshot.windows
    assert (premium.id, premium.unit, premium.used, premium.limit) == (
        "premium_interactions",
        "requests",
        75,
        300,
    )
    assert "not offered" in dict(snapshot.details)["Report"]


async def test_a_server_that_does_not_know_the_api_version_falls_back() -> None:
    """GitHub answers an unsupported X-GitHub-Api-Version with 400 naming it."""
    refusal = httpx.Response(
        400, json={"message": "Unsupported 'X-GitHub-Api-Version' header: 2026-03-10"}
    )
    snapshot, requests = await run_fetch(reports(refusal))
    assert len(requests) == 2 and snapshot.window("premium_interactions") is not None


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (httpx.Response(401, json={}), Status.AUTH_EXPIRED, "Plan: read"),
        (httpx.Response(403, json={}), Status.FORBIDDEN, "Plan: read"),
        (httpx.Response(429, json={}, headers={"Retry-After": "90"}), Status.RATE_LIMITED, "429"),
        (httpx.Response(500, json={}), Status.ERROR, "HTTP 500"),
        (httpx.Response(503, json={}), Status.ERROR, "HTTP 503"),
        (httpx.Response(400, json={"message": "Bad month"}), Status.ERROR, "HTTP 400"),
        (httpx.Response(200, text="<html>Sign in</html>"), Status.BAD_RESPONSE, "HTML"),
        (httpx.Response(200, json={"message": "hi"}), Status.BAD_RESPONSE, "usageItems"),
    ],
)
async def test_other_answers_are_the_accounts_status_without_a_fallback(
    reply: httpx.Response, status: Status, words: str
) -> None:
    snapshot, requests = await run_fetch(reports(reply))
    assert len(requests) == 1
    assert snapshot.status is status and words in snapshot.message
    if status is Status.RATE_LIMITED:
        assert snapshot.retry_after == 90


@pytest.mark.parametrize(
    ("premium", "status", "words"),
    [
        (httpx.Response(404, json={}), Status.ERROR, "check `username`"),
        (httpx.Response(401, json={}), Status.AUTH_EXPIRED, "Plan: read"),
        (httpx.Response(200, json=[1]), Status.BAD_RESPONSE, "not a JSON object"),
    ],
)
async def test_the_fallbacks_own_failure_is_the_status(
    premium: httpx.Response, status: Status, words: str
) -> None:
    snapshot, requests = await run_fetch(reports(httpx.Response(404, json={}), premium))
    assert len(requests) == 2
    assert snapshot.status is status and words in snapshot.message


async def test_origin_override_reaches_both_reports() -> None:
    _, requests = await run_fetch(
        reports(httpx.Response(404, json={})), origins={"copilot": "http://127.0.0.1:9"}
    )
    assert [(r.url.scheme, r.url.host, r.url.port) for r in requests] == [
        ("http", "127.0.0.1", 9)
    ] * 2


async def test_the_internal_endpoint_keeps_its_own_headers() -> None:
    internal = Account(
        provider="copilot",
        label="monalisa",
        source="~/.config/github-copilot/apps.json",
        secret=copilot.Secret("gho_oauth0123456789"),
        extra={"kind": "internal", "login": "monalisa", "remedy": copilot.EDITOR_REMEDY},
    )
    snapshot, requests = await run_fetch(
        lambda request: httpx.Response(200, json=CREDIT_SAMPLE), internal
    )
    [request] = requests
    assert request.url.path == "/copilot_internal/user"
    assert request.headers["x-github-api-version"] == "2025-04-01"
    assert snapshot.window("ai_credits").used == 319.75


# =========================================================================== local servers


def github(seen: Seen) -> Reply:
    """A GitHub that knows the AI-credit report only with its API version, like the real one."""
    path = urlsplit(seen.path).path
    if path == "/users/octocat/settings/billing/ai_credit/usage":
        if seen.headers.get("x-github-api-version") != "2026-03-10":
            return Reply(status=400, body={"message": "Unsupported 'X-GitHub-Api-Version'"})
        if seen.headers.get("authorization") != "Bearer github_pat_0123456789abcdef":
            return Reply(status=401, body={"message": "Bad credentials"})
        return Reply(body=CREDIT_REPORT)
    if path == "/copilot_internal/user":
        return Reply(body={**CREDIT_SAMPLE, "login": "monalisa"})
    return Reply(status=404, body={"message": "Not Found"})


def test_both_sources_against_a_local_server_with_a_fixed_clock() -> None:
    internal = Account(
        provider="copilot",
        label="monalisa",
        source="~/.config/github-copilot/apps.json",
        secret=copilot.Secret("gho_oauth0123456789"),
        extra={"kind": "internal", "login": "monalisa", "remedy": copilot.EDITOR_REMEDY},
    )

    async def run(server: LocalServer) -> list[AccountSnapshot]:
        async with make_client() as client:
            http = HttpSession(client=client, origins={"copilot": server.url}, clock=lambda: NOW)
            return [
                await fetch_snapshot(CopilotProvider(), account, http, clock=lambda: NOW)
                for account in (billing_account(), internal)
            ]

    with LocalServer(github) as server:
        report, user = asyncio.run(run(server))
    assert [s.path for s in server.seen] == [
        "/users/octocat/settings/billing/ai_credit/usage?year=2026&month=12",
        "/copilot_internal/user",
    ]
    assert report.status is Status.OK and user.status is Status.OK
    assert (report.windows[0].id, report.windows[0].used) == ("ai_credits", 962.5)
    assert (user.windows[0].id, user.windows[0].used) == ("ai_credits", 319.75)


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def test_once_json_shows_ai_credits_from_both_sources(home: Path, monkeypatch, capsys) -> None:
    write_json(
        home / ".config/opencode/copilot-quota-token.json",
        {"token": "github_pat_0123456789abcdef", "username": "octocat", "tier": "pro"},
    )
    write_json(
        home / ".config/github-copilot/apps.json",
        {"github.com:Iv1.x": {"user": "monalisa", "oauth_token": "gho_oauth0123456789"}},
    )
    with LocalServer(github) as server:
        monkeypatch.setenv("AIQUOTA_COPILOT_URL", server.url)
        code = main(["--once", "--json", "--provider", "copilot"])
    out, err = capsys.readouterr()
    accounts = {a["account"]: a for a in json.loads(out)["accounts"]}
    assert code == 0, err
    for name, used, limit, percent in [
        ("octocat (billing)", 962.5, 1500, 64.1667),
        ("monalisa", 319.75, 1500, 21.32),
    ]:
        [spent, *_] = accounts[name]["windows"]
        assert (spent["id"], spent["label"], spent["unit"]) == (
            "ai_credits",
            "AI credits",
            "credits",
        )
        assert (spent["used"], spent["limit"]) == (used, limit)
        assert spent["used_percent"] == pytest.approx(percent)
        assert spent["remaining_percent"] == pytest.approx(100 - percent)
    # The report is asked for some month of some year: the CLI runs on the real clock.
    [asked] = [s for s in server.seen if "/billing/" in s.path]
    query = parse_qs(urlsplit(asked.path).query)
    assert set(query) == {"year", "month"}
    assert query["year"][0].isdigit() and 1 <= int(query["month"][0]) <= 12
    assert asked.headers["x-github-api-version"] == "2026-03-10"


def test_demo_once_json_shows_ai_credits(capsys) -> None:
    code = main(["--demo", "--once", "--json", "--provider", "copilot"])
    accounts = {a["account"]: a for a in json.loads(capsys.readouterr().out)["accounts"]}
    assert code == 1  # the demo's rejected OpenCode login
    firsts = {name: a["windows"][0] for name, a in accounts.items() if a["windows"]}
    shown = {
        name: (w["id"], w["used"], w["limit"], w["unit"])
        for name, w in firsts.items()
        if w["id"] == "ai_credits"
    }
    assert shown == {
        "mona": ("ai_credits", 319.75, 1500, "credits"),  # through the token exchange
        "octocat (billing)": ("ai_credits", 3753.75, 7000, "credits"),
    }
    for account in accounts.values():
        window_ids = [w["id"] for w in account["windows"]]
        assert len(window_ids) == len(set(window_ids))


async def test_a_server_without_the_credit_report_is_asked_the_older_one_at_once_until_rechecked() -> (
    None
):
    """One request a refresh, not two, on a server found without the AI-credit report; it is
    asked again after NO_CREDIT_REPORT_RECHECK, and an answer there is taken at once."""
    from datetime import timedelta

    from providers.copilot.provider import NO_CREDIT_REPORT_RECHECK

    offered = {"credit": False}
    requests: list[str] = []

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path.rsplit("/", 2)[-2])
        if request.url.path.endswith("/ai_credit/usage"):
            if offered["credit"]:
                return httpx.Response(200, json=CREDIT_REPORT)
            return httpx.Response(404, json={"message": "Not Found"})
        return httpx.Response(200, json=PREMIUM_REPORT)

    clock = {"now": NOW}
    async with make_client(httpx.MockTransport(handle)) as client:
        http = HttpSession(client=client, origins={}, clock=lambda: clock["now"])

        async def refresh() -> AccountSnapshot:
            requests.clear()
            return await fetch_snapshot(
                CopilotProvider(), billing_account(), http, clock=lambda: clock["now"]
            )

        assert (await refresh()).window("premium_interactions") is not None
        assert requests == ["ai_credit", "premium_request"]
        clock["now"] += timedelta(minutes=5)
        assert (await refresh()).window("premium_interactions") is not None
        assert requests == ["premium_request"]
        offered["credit"] = True  # the server gained the report: found at the next recheck
        clock["now"] += NO_CREDIT_REPORT_RECHECK
        assert (await refresh()).window("ai_credits") is not None
        assert requests == ["ai_credit"]
        clock["now"] += timedelta(minutes=5)
        await refresh()
        assert requests == ["ai_credit"]
