"""New API / One API gateways: discovery of every instance, the request, error bodies under
HTTP 200 and 401, the 404 billing fallback, the parser, the order, the demo, no leaks."""

from __future__ import annotations

import asyncio
import json
import math
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import leaks
from support.leaks import leaked
from support.servers import LocalServer, Reply, Seen

from providers.base import Account, DiscoveryContext, ParseError
from providers.collect import fetch_snapshot
from providers.kit.http import FetchError, HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Status, Window
from providers.newapi import demo as demo_newapi
from providers.newapi.provider import (
    DEFAULT_QUOTA_PER_USD,
    Gateway,
    NewApiProvider,
    bearer_key,
    is_key_problem,
    join_url,
    parse_billing,
    parse_token_usage,
)
from tui.cli import main

NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
USAGE_PATH = "/api/usage/token"
SUBSCRIPTION_PATH = "/v1/dashboard/billing/subscription"
BILLING_USAGE_PATH = "/v1/dashboard/billing/usage"

SPEC_DATA = {
    "object": "token_usage",
    "name": "Default Token",
    "total_granted": 1000000,
    "total_used": 12345,
    "total_available": 987655,
    "unlimited_quota": False,
    "model_limits": {"gpt-4o-mini": True},
    "model_limits_enabled": False,
    "expires_at": 0,
}


def usage(**data: Any) -> dict[str, Any]:
    return {"code": True, "message": "ok", "data": {**SPEC_DATA, **data}}


def parse(document: Any = None, **gateway: Any):
    return parse_token_usage(
        usage() if document is None else document, NOW, gateway=Gateway(**gateway)
    )


def details(quota) -> dict[str, str]:
    return dict(quota.details)


def balance(quota, balance_id: str):
    [found] = [b for b in quota.balances if b.id == balance_id]
    return found


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


# --------------------------------------------------------------------------- parser


def test_the_spec_answer_gives_a_quota_window_two_balances_and_details() -> None:
    quota = parse()
    assert quota.plan is None
    [window] = quota.windows
    assert (window.id, window.label, window.unit) == ("quota", "Quota", "quota")
    assert (window.used, window.limit) == (12345, 1000000)
    assert window.used_percent == pytest.approx(1.2345)
    assert window.remaining_percent == pytest.approx(98.7655)
    assert not window.unlimited and window.resets_at is None and window.window_seconds is None
    assert [b.id for b in quota.balances] == ["quota", "usd"]
    left = balance(quota, "quota")
    assert (left.amount, left.limit, left.unit, left.unlimited) == (987655, 1000000, "quota", False)
    usd = balance(quota, "usd")
    assert (usd.amount, usd.limit, usd.unit) == (1.97531, 2.0, "USD")
    # model_limits_enabled is false: the list is not shown.
    assert quota.details == (("Token", "Default Token"), ("Key expires", "never"))


def test_unlimited_quota_has_no_bar_but_still_shows_what_was_used() -> None:
    quota = parse(usage(unlimited_quota=True, total_granted=0, total_available=-5, total_used=77))
    [window] = quota.windows
    assert window.unlimited and window.used == 77
    assert window.used_percent is None and window.remaining_percent is None
    assert all(b.unlimited and b.amount is None for b in quota.balances)
    assert [b.id for b in quota.balances] == ["quota", "usd"]


def test_usd_uses_500000_quota_per_dollar_by_default() -> None:
    assert DEFAULT_QUOTA_PER_USD == 500000
    quota = parse(usage(total_granted=2_000_000, total_used=500_000, total_available=1_500_000))
    assert balance(quota, "usd").amount == 3.0 and balance(quota, "usd").limit == 4.0


def test_usd_follows_the_instance_quota_per_usd() -> None:
    quota = parse(
        usage(total_granted=2_000_000, total_used=500_000, total_available=1_500_000),
        quota_per_usd=1_000_000,
    )
    assert balance(quota, "usd").amount == 1.5 and balance(quota, "usd").limit == 2.0
    assert balance(quota, "quota").amount == 1_500_000  # the quota balance is unchanged


def test_small_usd_amounts_are_not_rounded_away() -> None:
    # A large configured quota_per_usd makes sub-micro-dollar amounts; rounding to six
    # places turned 5 and 10 quota at 7.3e6 to the dollar into the same 1e-06.
    quota = parse(usage(total_granted=10, total_used=5, total_available=5), quota_per_usd=7_300_000)
    assert balance(quota, "usd").amount == 5 / 7_300_000
    assert balance(quota, "usd").limit == 10 / 7_300_000


def test_numbers_may_be_strings() -> None:
    quota = parse(
        usage(
            total_granted="1000",
            total_used="250",
            total_available="750",
            unlimited_quota="false",
            expires_at="0",
        )
    )
    [window] = quota.windows
    assert (window.used, window.limit, window.used_percent) == (250, 1000, 25)
    assert balance(quota, "quota").amount == 750
    assert details(quota)["Key expires"] == "never"


@pytest.mark.parametrize(
    "missing", ["total_used", "total_granted", "total_available"], ids=lambda m: f"no-{m}"
)
def test_one_missing_figure_is_derived_from_the_other_two(missing) -> None:
    data = {**SPEC_DATA}
    del data[missing]
    quota = parse({"code": True, "data": data})
    [window] = quota.windows
    assert (window.used, window.limit) == (12345, 1000000)
    assert balance(quota, "quota").amount == 987655


def test_nothing_granted_is_all_used() -> None:
    quota = parse(usage(total_granted=0, total_used=0, total_available=0))
    assert quota.windows[0].used_percent == 100 and quota.windows[0].remaining_percent == 0


def test_expiry_in_the_future_is_shown_as_a_local_date() -> None:
    expires = NOW + timedelta(days=30, hours=2)
    quota = parse(usage(expires_at=epoch(expires)))
    assert details(quota)["Key expires"] == "2026-02-14 14:00"  # TZ=UTC in tests


@pytest.mark.parametrize("value", [0, -1, "0"])
def test_expiry_zero_or_minus_one_is_never(value) -> None:
    assert details(parse(usage(expires_at=value)))["Key expires"] == "never"


def test_no_expiry_field_means_no_expiry_detail() -> None:
    data = {**SPEC_DATA}
    del data["expires_at"]
    assert "Key expires" not in details(parse({"data": data}))


def test_an_expiry_in_the_past_is_auth_expired() -> None:
    expired = NOW - timedelta(days=3)
    with pytest.raises(FetchError) as caught:
        parse(usage(expires_at=epoch(expired)), label="work", key_place="$NEWAPI_API_KEY")
    assert caught.value.status is Status.AUTH_EXPIRED
    assert "the key expired on 2026-01-12 12:00" in caught.value.message
    assert '"work"' in caught.value.message and "$NEWAPI_API_KEY" in caught.value.message


def test_an_expiry_in_milliseconds_is_read_as_such() -> None:
    expires = NOW + timedelta(days=1)
    quota = parse(usage(expires_at=epoch(expires) * 1000))
    assert details(quota)["Key expires"] == "2026-01-16 12:00"


def test_model_limits_are_listed_when_enabled() -> None:
    quota = parse(
        usage(
            model_limits={"gpt-4o-mini": True, "claude-3-5-haiku": True, "o1": False},
            model_limits_enabled=True,
        )
    )
    assert details(quota)["Models"] == "gpt-4o-mini, claude-3-5-haiku"


@pytest.mark.parametrize(
    "limits", [["gpt-4o", "gpt-4o-mini"], "gpt-4o, gpt-4o-mini", {"gpt-4o": 1, "gpt-4o-mini": 1}]
)
def test_model_limits_as_a_list_or_a_comma_string(limits) -> None:
    quota = parse(usage(model_limits=limits, model_limits_enabled=True))
    assert details(quota)["Models"] == "gpt-4o, gpt-4o-mini"


def test_many_model_limits_are_cut_short() -> None:
    names = {f"model-{n}": True for n in range(12)}
    quota = parse(usage(model_limits=names, model_limits_enabled=True))
    shown = details(quota)["Models"]
    assert shown.startswith("model-0, model-1") and shown.endswith("+4 more")
    assert "model-8" not in shown


@pytest.mark.parametrize("enabled", [False, None, "no"])
def test_model_limits_are_not_listed_when_not_enabled(enabled) -> None:
    quota = parse(usage(model_limits={"gpt-4o": True}, model_limits_enabled=enabled))
    assert "Models" not in details(quota)


def test_the_token_name_is_a_detail() -> None:
    assert details(parse(usage(name="ci-runner")))["Token"] == "ci-runner"
    assert "Token" not in details(parse(usage(name=None)))


def test_an_answer_without_the_envelope_is_tolerated() -> None:
    quota = parse(dict(SPEC_DATA))
    assert quota.windows[0].used == 12345


@pytest.mark.parametrize(
    "document",
    [
        None,
        "text",
        [1, 2],
        42,
        {"code": True, "message": "ok"},
        {"code": True, "data": None},
        {"code": True, "data": "x"},
        {"code": True, "data": {"name": "x"}},
        {"code": True, "data": {"total_used": 5}},
        {"code": True, "data": {"total_used": "lots", "total_granted": "many"}},
    ],
    ids=lambda d: repr(d)[:30],
)
def test_a_document_without_quota_figures_is_a_parse_error(document) -> None:
    with pytest.raises(ParseError):
        parse_token_usage(document, NOW)


# --------------------------------------------------------------------------- billing parser


def test_billing_pair_gives_usd_window_and_balance() -> None:
    quota = parse_billing({"hard_limit_usd": 40}, {"total_usage": 1234.5}, NOW)
    [window] = quota.windows
    assert (window.id, window.label, window.unit) == ("quota", "Quota", "USD")
    assert (window.used, window.limit) == (12.345, 40)
    assert window.used_percent == pytest.approx(12.345 / 40 * 100)
    [usd] = quota.balances
    assert (usd.id, usd.unit, usd.amount, usd.limit) == ("usd", "USD", 27.655, 40)


@pytest.mark.parametrize("limit", [1e8, 100000000, "1e8", 2e8])
def test_billing_hard_limit_of_1e8_or_more_is_unlimited(limit) -> None:
    quota = parse_billing({"hard_limit_usd": limit}, {"total_usage": 500}, NOW)
    [window] = quota.windows
    assert window.unlimited and window.used == 5 and window.used_percent is None
    [usd] = quota.balances
    assert usd.unlimited and usd.amount is None


def test_billing_just_below_1e8_is_a_limit() -> None:
    quota = parse_billing({"hard_limit_usd": 99_999_999}, {"total_usage": 0}, NOW)
    assert not quota.windows[0].unlimited


def test_billing_numbers_may_be_strings_and_access_until_is_the_expiry() -> None:
    future = epoch(NOW + timedelta(days=2))
    quota = parse_billing(
        {"hard_limit_usd": "10", "access_until": str(future)}, {"total_usage": "250"}, NOW
    )
    assert quota.balances[0].amount == 7.5
    assert details(quota)["Key expires"] == "2026-01-17 12:00"
    with pytest.raises(FetchError) as caught:
        parse_billing(
            {"hard_limit_usd": 10, "access_until": epoch(NOW) - 60}, {"total_usage": 0}, NOW
        )
    assert caught.value.status is Status.AUTH_EXPIRED


@pytest.mark.parametrize(
    ("subscription", "spent"),
    [
        ("x", {"total_usage": 1}),
        ({"hard_limit_usd": 1}, None),
        ({}, {"total_usage": 1}),
        ({"hard_limit_usd": 1}, {"object": "list"}),
    ],
)
def test_billing_without_figures_is_a_parse_error(subscription, spent) -> None:
    with pytest.raises(ParseError):
        parse_billing(subscription, spent, NOW)


# --------------------------------------------------------------------------- small helpers


@pytest.mark.parametrize(
    ("key", "sent"),
    [
        ("abcdef0123456789", "sk-abcdef0123456789"),
        ("sk-abcdef0123456789", "sk-abcdef0123456789"),
        (" sk-abcdef0123456789\n", "sk-abcdef0123456789"),
        ("Bearer sk-abcdef0123456789", "sk-abcdef0123456789"),
        ("bearer abcdef0123456789", "sk-abcdef0123456789"),
        ("sk-", ""),
    ],
)
def test_the_key_is_sent_with_exactly_one_sk_prefix(key, sent) -> None:
    assert bearer_key(key) == sent


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("https://gw.example", "https://gw.example/api/usage/token"),
        ("https://gw.example/", "https://gw.example/api/usage/token"),
        ("https://gw.example/newapi", "https://gw.example/newapi/api/usage/token"),
        ("https://gw.example/newapi/", "https://gw.example/newapi/api/usage/token"),
        ("https://gw.example/v1", "https://gw.example/api/usage/token"),
        ("https://gw.example/newapi/v1/", "https://gw.example/newapi/api/usage/token"),
        ("http://127.0.0.1:3000?x=1", "http://127.0.0.1:3000/api/usage/token"),
    ],
)
def test_urls_are_joined_onto_the_base_url(base_url, url) -> None:
    assert join_url(base_url, USAGE_PATH) == url


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("No Authorization header", True),
        ("Invalid Bearer token", True),
        ("token not found", True),
        ("invalid token", True),
        ("token has expired", True),
        ("The token is disabled", True),
        ("该令牌已过期", True),
        ("无效的令牌", True),
        # New API's answer (HTTP 200) for a key it does not know, in English and Chinese
        ("Failed to get token info, please try again later", True),
        ("获取令牌信息失败，请稍后重试", True),
        ("令牌已被禁用", True),
        ("Invalid URL (GET /api/usage/token)", False),
        ("该令牌额度已用尽", False),
        ("token quota is exhausted", False),
        ("database is locked", False),
        (None, False),
    ],
)
def test_which_messages_are_about_the_key(message, expected) -> None:
    assert is_key_problem(message) is expected


# --------------------------------------------------------------------------- order


def snap(account: str, left: float | None, *, unlimited: bool = False) -> AccountSnapshot:
    windows: tuple[Window, ...] = ()
    if unlimited:
        windows = (Window("quota", "Quota", unlimited=True),)
    elif left is not None:
        windows = (Window("quota", "Quota", used_percent=100 - left),)
    status = Status.OK if windows else Status.AUTH_EXPIRED
    return AccountSnapshot("newapi", account, "config", False, status, windows=windows)


def test_sort_key_most_remaining_first_then_name() -> None:
    snapshots = [
        snap("b", 50),
        snap("a", 50),
        snap("broken", None),
        snap("Almost-empty", 1),
        snap("full", 100),
        snap("endless", None, unlimited=True),
    ]
    order = [s.account for s in sorted(snapshots, key=NewApiProvider().sort_key)]
    assert order == ["endless", "full", "a", "b", "Almost-empty", "broken"]


# --------------------------------------------------------------------------- discovery


def discover(settings: dict | None = None) -> list[Account]:
    return NewApiProvider().discover(DiscoveryContext(paths=Paths(), settings=settings or {}))


def instances(*tables: dict[str, Any]) -> dict[str, Any]:
    return {"instances": tuple(tables)}


def test_nothing_configured_is_no_accounts() -> None:
    assert discover() == []
    assert discover(instances()) == []


def test_one_account_per_instance_labelled_by_its_name() -> None:
    accounts = discover(
        instances(
            {"name": "work", "base_url": "https://gw.example", "key": "sk-work0123456789"},
            {
                "name": "home",
                "base_url": "https://home.example/newapi/",
                "key": "home0123456789",
                "quota_per_usd": 1000000,
            },
        )
    )
    assert [(a.provider, a.label, a.source, a.identity) for a in accounts] == [
        ("newapi", "work", "config", "work"),
        ("newapi", "home", "config", "home"),
    ]
    work, home = accounts
    assert work.extra["base_url"] == "https://gw.example"
    assert work.extra["quota_per_usd"] == 500000
    assert home.extra["base_url"] == "https://home.example/newapi/"
    assert home.extra["quota_per_usd"] == 1000000
    assert work.problem is None and home.problem is None
    assert len({a.key for a in accounts}) == 2
    assert "work0123456789" not in repr(accounts)


def test_keys_are_normalized_to_their_sk_form() -> None:
    with_prefix, without = discover(
        instances(
            {"name": "a", "base_url": "https://a.example", "key": "sk-same0123456789"},
            {"name": "b", "base_url": "https://b.example", "key": "same0123456789"},
        )
    )
    assert with_prefix.secret == Secret("sk-same0123456789")
    assert without.secret == Secret("sk-same0123456789")


def test_name_defaults_to_the_base_url() -> None:
    [account] = discover(instances({"base_url": "https://gw.example", "key": "k0123456789"}))
    assert account.label == "https://gw.example"


def test_key_env_instance(monkeypatch) -> None:
    monkeypatch.setenv("MY_GATEWAY_KEY", "sk-fromenv0123456789")
    [account] = discover(
        instances({"name": "gw", "base_url": "https://gw.example", "key_env": "MY_GATEWAY_KEY"})
    )
    assert (account.label, account.source) == ("gw", "env:MY_GATEWAY_KEY")
    assert account.secret == Secret("sk-fromenv0123456789") and account.problem is None


def test_key_env_unset_is_an_auth_problem(monkeypatch) -> None:
    monkeypatch.delenv("MY_GATEWAY_KEY", raising=False)
    [account] = discover(
        instances({"name": "gw", "base_url": "https://gw.example", "key_env": "MY_GATEWAY_KEY"})
    )
    assert account.secret is None
    assert account.problem.status is Status.AUTH_EXPIRED
    assert "$MY_GATEWAY_KEY" in account.problem.message and '"gw"' in account.problem.message
    snapshot = asyncio.run(fetch_snapshot(NewApiProvider(), account, None))  # never fetched
    assert snapshot.status is Status.AUTH_EXPIRED and "$MY_GATEWAY_KEY" in snapshot.message


def test_key_cmd_instance_and_a_failing_one() -> None:
    good, bad = discover(
        instances(
            {
                "name": "good",
                "base_url": "https://gw.example",
                "key_cmd": [sys.executable, "-c", "print('cmdkey0123456789')"],
            },
            {
                "name": "bad",
                "base_url": "https://gw.example",
                "key_cmd": [sys.executable, "-c", "raise SystemExit(3)"],
            },
        )
    )
    assert good.secret == Secret("sk-cmdkey0123456789") and good.source == "config"
    assert good.problem is None
    assert bad.secret is None and bad.problem.status is Status.AUTH_EXPIRED
    assert "exited with status 3" in bad.problem.message and '"bad"' in bad.problem.message


def test_env_instance_when_both_are_set(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://env.example/")
    monkeypatch.setenv("NEWAPI_API_KEY", "envkey0123456789")
    [account] = discover()
    assert (account.label, account.source) == ("env", "env:NEWAPI_API_KEY")
    assert account.secret == Secret("sk-envkey0123456789") and account.problem is None
    assert account.extra["base_url"] == "https://env.example/"
    assert account.extra["quota_per_usd"] == 500000


def test_env_quota_per_usd(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://env.example")
    monkeypatch.setenv("NEWAPI_API_KEY", "envkey0123456789")
    monkeypatch.setenv("NEWAPI_QUOTA_PER_USD", "250000")
    [account] = discover()
    assert account.extra["quota_per_usd"] == 250000
    monkeypatch.setenv("NEWAPI_QUOTA_PER_USD", "-3")
    [bad] = discover()
    assert bad.problem.status is Status.ERROR and "NEWAPI_QUOTA_PER_USD" in bad.problem.message


def test_env_url_without_key_says_the_key_is_missing(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://env.example")
    [account] = discover()
    assert account.secret is None and account.source == "env:NEWAPI_BASE_URL"
    assert account.problem.status is Status.AUTH_EXPIRED
    assert "$NEWAPI_API_KEY is not" in account.problem.message


def test_env_key_without_url_says_the_url_is_missing(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_API_KEY", "envkey0123456789")
    [account] = discover()
    assert account.secret is None and account.source == "env:NEWAPI_API_KEY"
    assert account.problem.status is Status.ERROR
    assert "$NEWAPI_BASE_URL is not" in account.problem.message


def test_env_url_must_be_http(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "gw.example")
    monkeypatch.setenv("NEWAPI_API_KEY", "envkey0123456789")
    [account] = discover()
    assert account.problem.status is Status.ERROR and "http" in account.problem.message


def test_env_instance_comes_after_the_config_ones_and_repeats_are_dropped(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://gw.example/")
    monkeypatch.setenv("NEWAPI_API_KEY", "sk-same0123456789")
    config = instances({"name": "gw", "base_url": "https://gw.example", "key": "same0123456789"})
    [account] = discover(config)
    assert account.label == "gw"  # the same gateway and key: one account, config wins
    monkeypatch.setenv("NEWAPI_API_KEY", "other0123456789")
    assert [a.label for a in discover(config)] == ["gw", "env"]


def test_a_gateway_named_env_does_not_clash_with_the_env_instance(monkeypatch) -> None:
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://b.example")
    monkeypatch.setenv("NEWAPI_API_KEY", "envkey0123456789")
    accounts = discover(
        instances({"name": "env", "base_url": "https://a.example", "key": "k0123456789"})
    )
    assert [a.label for a in accounts] == ["env", "NEWAPI_API_KEY"]
    assert len({a.key for a in accounts}) == 2


def test_a_key_in_providers_newapi_is_reported_not_ignored() -> None:
    [account] = discover({"key": "stray0123456789", "instances": ()})
    assert account.secret is None and account.problem.status is Status.ERROR
    assert "[[newapi]]" in account.problem.message
    assert "stray0123456789" not in account.problem.message


def test_base_url_alone_in_providers_newapi_is_no_account() -> None:
    assert discover({"base_url": "http://127.0.0.1:1", "instances": ()}) == []


def test_provider_declares_its_settings() -> None:
    assert (NewApiProvider.id, NewApiProvider.name) == ("newapi", "New API")
    assert NewApiProvider.settings == {"key": str, "key_env": str, "key_cmd": list, "name": str}
    assert NewApiProvider().precheck(Account("newapi", "x", "config"), NOW) is None


# --------------------------------------------------------------------------- the request


def gateway_account(
    base_url: str,
    key: str = "sk-test0123456789",
    *,
    label: str = "gw",
    quota_per_usd: float | None = None,
    key_place: str = 'the config file ([[newapi]] "gw" key)',
) -> Account:
    extra: dict[str, Any] = {
        "base_url": base_url,
        "key_place": key_place,
        "url_place": 'the config file ([[newapi]] "gw" base_url)',
    }
    if quota_per_usd:
        extra["quota_per_usd"] = quota_per_usd
    return Account("newapi", label, "config", secret=Secret(bearer_key(key)), extra=extra)


def fetch(account: Account, origins: dict[str, str] | None = None) -> AccountSnapshot:
    async def run() -> AccountSnapshot:
        async with make_client() as client:
            http = HttpSession(client=client, origins=origins or {})
            return await fetch_snapshot(NewApiProvider(), account, http)

    return asyncio.run(run())


def test_request_sends_bearer_sk_key_to_the_usage_path() -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        snapshot = fetch(gateway_account(server.url, "test0123456789"))
        fetch(gateway_account(server.url, "sk-test0123456789"))
    assert snapshot.status is Status.OK, snapshot.message
    assert snapshot.details[0] == ("Token", "Default Token")
    assert [(s.method, s.path) for s in server.seen] == [("GET", USAGE_PATH)] * 2
    assert {s.headers["authorization"] for s in server.seen} == {"Bearer sk-test0123456789"}
    assert server.seen[0].headers["accept"] == "application/json"


def test_a_base_url_with_a_path_prefix() -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        snapshot = fetch(gateway_account(f"{server.url}/newapi/"))
        fetch(gateway_account(f"{server.url}/newapi/v1"))
    assert snapshot.status is Status.OK, snapshot.message
    assert [s.path for s in server.seen] == [f"/newapi{USAGE_PATH}"] * 2


def test_quota_per_usd_of_the_account_is_used() -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        default = fetch(gateway_account(server.url))
        custom = fetch(gateway_account(server.url, quota_per_usd=987655))
    assert [b.amount for b in default.balances if b.id == "usd"] == [1.97531]
    assert [b.amount for b in custom.balances if b.id == "usd"] == [1.0]


def test_the_origin_override_replaces_the_host_of_every_gateway() -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        snapshot = fetch(
            gateway_account("https://gw.invalid/prefix"), origins={"newapi": server.url}
        )
    assert snapshot.status is Status.OK, snapshot.message
    assert server.seen[0].path == f"/prefix{USAGE_PATH}"


def test_an_expired_key_fetches_as_auth_expired() -> None:
    expired = epoch(datetime.now(UTC) - timedelta(days=1))
    with LocalServer(lambda seen: Reply(body=usage(expires_at=expired))) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "the key expired on" in snapshot.message
    assert '[[newapi]] "gw" key' in snapshot.message


ERROR_CASES = [
    # (HTTP status, body, expected status, words the message must hold)
    # The same sentence as a 200 with success false and as a 401: auth_expired, quoted.
    *(
        (code, {"success": False, "message": sentence}, Status.AUTH_EXPIRED, [sentence])
        for sentence in ("token not found", "No Authorization header", "Invalid Bearer token")
        for code in (200, 401)
    ),
    (200, {"success": False, "message": "invalid token"}, Status.AUTH_EXPIRED, ["invalid token"]),
    (200, {"success": False, "message": "该令牌已过期"}, Status.AUTH_EXPIRED, ["该令牌已过期"]),
    (
        200,
        {"success": False, "message": "token is disabled"},
        Status.AUTH_EXPIRED,
        ["token is disabled"],
    ),
    (200, {"code": False, "message": "token not found"}, Status.AUTH_EXPIRED, ["token not found"]),
    (
        200,
        {"success": False, "message": "Failed to get token info, please try again later"},
        Status.AUTH_EXPIRED,
        ["Failed to get token info"],
    ),
    (
        401,
        {"error": {"message": "无效的令牌", "type": "new_api_error"}},
        Status.AUTH_EXPIRED,
        ["无效的令牌"],
    ),
    (401, None, Status.AUTH_EXPIRED, ["HTTP 401"]),
    (
        200,
        {"success": False, "message": "database is locked"},
        Status.ERROR,
        ["database is locked"],
    ),
    (200, {"code": False, "message": "system busy"}, Status.ERROR, ["system busy"]),
    (200, {"success": False}, Status.ERROR, ["answered with an error"]),
    (
        200,
        {"success": False, "message": "该令牌额度已用尽"},
        Status.ERROR,
        ["该令牌额度已用尽"],
    ),
    (500, {"success": False, "message": "db down"}, Status.ERROR, ["HTTP 500", "db down"]),
    (403, {"success": False, "message": "IP not allowed"}, Status.FORBIDDEN, ["IP not allowed"]),
    (429, {"success": False, "message": "slow down"}, Status.RATE_LIMITED, ["slow down"]),
]


@pytest.mark.parametrize(("http_status", "body", "expected", "words"), ERROR_CASES)
def test_error_bodies_decide_the_status(http_status, body, expected, words) -> None:
    raw = b"" if body is None else None
    with LocalServer(lambda seen: Reply(status=http_status, body=body, raw=raw)) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is expected, snapshot.message
    for word in words:
        assert word in snapshot.message
    if expected is Status.AUTH_EXPIRED:
        assert 'check the key in the config file ([[newapi]] "gw" key)' in snapshot.message
    assert snapshot.windows == () and snapshot.balances == ()
    assert [s.path for s in server.seen] == [USAGE_PATH]  # no fallback for these


@pytest.mark.parametrize(
    "place",
    [
        'the config file ([[newapi]] "gw" key)',
        '$MY_KEY (key_env of [[newapi]] "gw")',
        'the key_cmd of [[newapi]] "gw"',
        "$NEWAPI_API_KEY",
    ],
)
def test_auth_remedy_names_where_the_key_is_configured(place) -> None:
    body = {"success": False, "message": "token not found"}
    with LocalServer(lambda seen: Reply(body=body)) as server:
        snapshot = fetch(gateway_account(server.url, key_place=place))
    assert snapshot.message.endswith(f"check the key in {place}")


def test_remedy_places_come_from_discovery(monkeypatch) -> None:
    monkeypatch.setenv("MY_KEY", "k0123456789")
    monkeypatch.setenv("NEWAPI_BASE_URL", "https://e.example")
    monkeypatch.setenv("NEWAPI_API_KEY", "e0123456789")
    accounts = discover(
        instances(
            {"name": "a", "base_url": "https://a.example", "key": "a0123456789"},
            {"name": "b", "base_url": "https://b.example", "key_env": "MY_KEY"},
            {
                "name": "c",
                "base_url": "https://c.example",
                "key_cmd": [sys.executable, "-c", "print('c0123456789')"],
            },
        )
    )
    assert [a.extra["key_place"] for a in accounts] == [
        'the config file ([[newapi]] "a" key)',
        '$MY_KEY (key_env of [[newapi]] "b")',
        'the key_cmd of [[newapi]] "c"',
        "$NEWAPI_API_KEY",
    ]


def test_long_gateway_messages_are_cut_short() -> None:
    body = {"success": False, "message": "word " * 200}
    with LocalServer(lambda seen: Reply(body=body)) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.ERROR
    assert len(snapshot.message) < 220 and snapshot.message.endswith("…")


def test_rate_limit_keeps_retry_after() -> None:
    with LocalServer(
        lambda seen: Reply(status=429, body={"message": "slow"}, headers={"retry-after": "30"})
    ) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.RATE_LIMITED and snapshot.retry_after == 30


def test_an_empty_or_shapeless_answer_is_a_bad_response() -> None:
    with LocalServer(lambda seen: Reply(body={"code": True, "message": "ok"})) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.BAD_RESPONSE and "data" in snapshot.message


# --------------------------------------------------------------------------- 404 fallback


def billing_server(subscription: Any, spent: Any, *, usage_status: int = 404):
    def serve(seen: Seen) -> Reply:
        path = seen.path.split("?")[0]
        if path.endswith(USAGE_PATH):
            return Reply(
                status=usage_status,
                body={"error": {"message": f"Invalid URL (GET {path})", "type": "x"}},
            )
        if path.endswith(SUBSCRIPTION_PATH):
            return Reply(body=subscription) if subscription is not None else Reply(status=404)
        if path.endswith(BILLING_USAGE_PATH):
            return Reply(body=spent) if spent is not None else Reply(status=404)
        return Reply(status=404, body={"message": "nothing here"})

    return LocalServer(serve)


def test_404_falls_back_to_the_openai_billing_pair() -> None:
    subscription = {"object": "billing_subscription", "hard_limit_usd": 40.0, "access_until": 0}
    with billing_server(subscription, {"object": "list", "total_usage": 1234.5}) as server:
        snapshot = fetch(gateway_account(f"{server.url}/oneapi"))
    assert snapshot.status is Status.OK, snapshot.message
    assert [s.path for s in server.seen] == [
        f"/oneapi{USAGE_PATH}",
        f"/oneapi{SUBSCRIPTION_PATH}",
        f"/oneapi{BILLING_USAGE_PATH}",
    ]
    assert {s.headers["authorization"] for s in server.seen} == {"Bearer sk-test0123456789"}
    [window] = snapshot.windows
    assert (window.id, window.unit, window.used, window.limit) == ("quota", "USD", 12.345, 40)
    [usd] = snapshot.balances
    assert (usd.id, usd.unit, usd.amount) == ("usd", "USD", 27.655)
    assert dict(snapshot.details)["Key expires"] == "never"


def test_404_fallback_with_an_unlimited_key() -> None:
    with billing_server({"hard_limit_usd": 100000000}, {"total_usage": 99}) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.OK, snapshot.message
    [window] = snapshot.windows
    assert window.unlimited and window.used == 0.99
    assert snapshot.balances[0].unlimited


def test_404_everywhere_says_the_base_url_may_be_wrong() -> None:
    with billing_server(None, None) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.ERROR
    assert "answers neither" in snapshot.message
    assert '[[newapi]] "gw" base_url' in snapshot.message


def test_fallback_errors_are_read_like_the_first_request() -> None:
    def serve(seen: Seen) -> Reply:
        if seen.path == USAGE_PATH:
            return Reply(status=404, body={"message": "404 page not found"})
        return Reply(status=401, body={"error": {"message": "无效的令牌", "type": "one_api_error"}})

    with LocalServer(serve) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.AUTH_EXPIRED and "无效的令牌" in snapshot.message
    assert [s.path for s in server.seen] == [USAGE_PATH, SUBSCRIPTION_PATH]


def test_a_404_that_names_the_key_is_not_a_missing_endpoint() -> None:
    body = {"success": False, "message": "token not found"}
    with LocalServer(lambda seen: Reply(status=404, body=body)) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.AUTH_EXPIRED
    assert [s.path for s in server.seen] == [USAGE_PATH]


def test_an_html_page_for_the_usage_path_tries_the_billing_pair() -> None:
    def serve(seen: Seen) -> Reply:
        if seen.path == SUBSCRIPTION_PATH:
            return Reply(body={"hard_limit_usd": 10})
        if seen.path == BILLING_USAGE_PATH:
            return Reply(body={"total_usage": 100})
        return Reply(raw=b"<html>One API</html>", headers={"content-type": "text/html"})

    with LocalServer(serve) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.OK and snapshot.balances[0].amount == 9


def test_html_everywhere_stays_a_bad_response() -> None:
    with LocalServer(
        lambda seen: Reply(raw=b"<html>login</html>", headers={"content-type": "text/html"})
    ) as server:
        snapshot = fetch(gateway_account(server.url))
    assert snapshot.status is Status.BAD_RESPONSE and "HTML" in snapshot.message


# --------------------------------------------------------------------------- end to end


def test_two_gateways_side_by_side_through_the_command_line(capsys, tmp_path, monkeypatch) -> None:
    now = datetime.now(UTC)

    def team(seen: Seen) -> Reply:
        if seen.headers.get("authorization") != "Bearer sk-team0123456789":
            return Reply(body={"success": False, "message": "token not found"})
        return Reply(
            body=usage(
                name="ci",
                total_granted=1000,
                total_used=900,
                total_available=100,
                model_limits={"gpt-4o-mini": True},
                model_limits_enabled=True,
                expires_at=epoch(now + timedelta(days=9)),
            )
        )

    def home(seen: Seen) -> Reply:
        if seen.path != f"/newapi{USAGE_PATH}":
            return Reply(status=404, body={"message": "wrong path"})
        if seen.headers.get("authorization") != "Bearer sk-home0123456789":
            return Reply(status=401, body={"success": False, "message": "Invalid Bearer token"})
        return Reply(body=usage(total_granted=1000, total_used=100, total_available=900))

    monkeypatch.setenv("HOME_GW_KEY", "home0123456789")
    with LocalServer(team) as team_server, LocalServer(home) as home_server:
        config = tmp_path / "config.toml"
        config.write_text(
            "[[newapi]]\n"
            'name = "team"\n'
            f'base_url = "{team_server.url}"\n'
            'key = "sk-team0123456789"\n'
            "quota_per_usd = 100\n\n"
            "[[newapi]]\n"
            'name = "home"\n'
            f'base_url = "{home_server.url}/newapi/"\n'
            'key_env = "HOME_GW_KEY"\n'
        )
        config.chmod(0o600)
        code = main(["--once", "--json", "--provider", "newapi", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 0, err
    accounts = json.loads(out)["accounts"]
    rows = [(a["provider"], a["account"], a["source"], a["status"]) for a in accounts]
    assert rows == [
        ("newapi", "home", "env:HOME_GW_KEY", "ok"),  # 90 % left beats 10 %
        ("newapi", "team", "config", "ok"),
    ]
    home_row, team_row = accounts
    assert team_row["windows"][0]["remaining_percent"] == pytest.approx(10)
    assert team_row["windows"][0]["unit"] == "quota"
    assert {b["id"]: b["amount"] for b in team_row["balances"]} == {"quota": 100, "usd": 1.0}
    assert {b["id"]: b["amount"] for b in home_row["balances"]} == {"quota": 900, "usd": 0.0018}
    assert [s.path for s in team_server.seen] == [USAGE_PATH]
    assert [s.path for s in home_server.seen] == [f"/newapi{USAGE_PATH}"]
    assert "team0123456789" not in out + err and "home0123456789" not in out + err


def test_one_gateway_down_does_not_hide_the_other(capsys, tmp_path) -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[[newapi]]\nname = "up"\nbase_url = "{server.url}"\nkey = "u0123456789"\n\n'
            '[[newapi]]\nname = "down"\nbase_url = "http://127.0.0.1:9"\nkey = "d0123456789"\n'
        )
        config.chmod(0o600)
        code = main(["--once", "--json", "--provider", "newapi", "--config", str(config)])
    out, _ = capsys.readouterr()
    assert code == 1
    statuses = {a["account"]: a["status"] for a in json.loads(out)["accounts"]}
    assert statuses == {"up": "ok", "down": "unreachable"}


def test_env_instance_end_to_end(capsys, monkeypatch) -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        monkeypatch.setenv("NEWAPI_BASE_URL", server.url)
        monkeypatch.setenv("NEWAPI_API_KEY", "sk-env0123456789")
        code = main(["--once", "--json", "--provider", "newapi"])
    out, _ = capsys.readouterr()
    assert code == 0
    [account] = json.loads(out)["accounts"]
    assert (account["account"], account["source"], account["status"]) == (
        "default",  # no configured name (§0)
        "env:NEWAPI_API_KEY",
        "ok",
    )


# --------------------------------------------------------------------------- demo


def test_demo_serves_every_gateway_through_the_real_path(capsys) -> None:
    code = main(["--demo", "--once", "--json", "--provider", "newapi"])
    out, _ = capsys.readouterr()
    assert code == 1  # the demo's revoked key
    accounts = {a["account"]: a for a in json.loads(out)["accounts"]}
    assert set(accounts) == {"team-gateway", "home-oneapi", "legacy-oneapi", "old-laptop-key"}
    team = accounts["team-gateway"]
    assert team["status"] == "ok" and team["windows"][0]["unit"] == "quota"
    assert [b["id"] for b in team["balances"]] == ["quota", "usd"]
    home = accounts["home-oneapi"]
    assert home["status"] == "ok" and home["windows"][0]["unlimited"] is True
    legacy = accounts["legacy-oneapi"]
    assert legacy["status"] == "ok" and legacy["windows"][0]["unit"] == "USD"
    revoked = accounts["old-laptop-key"]
    assert revoked["status"] == "auth_expired" and "token not found" in revoked["message"]
    # Unlimited first, then most left (69 % before 34 %), the failed key last.
    assert list(accounts) == ["home-oneapi", "legacy-oneapi", "team-gateway", "old-laptop-key"]
    assert demo_newapi.KEY_PREFIX not in out


def test_demo_details_show_model_limits_and_expiry() -> None:
    async def run() -> list[AccountSnapshot]:
        from providers import demo

        pairs = [(p, a) for p, a in demo.accounts([NewApiProvider()])]
        async with make_client(demo.transport()) as client:
            http = HttpSession(client=client, origins={})
            return [await fetch_snapshot(p, a, http) for p, a in pairs]

    snapshots = {s.account: s for s in asyncio.run(run())}
    team = dict(snapshots["team-gateway"].details)
    assert team["Token"] == "ci-runner"
    assert "gpt-4o-mini" in team["Models"]
    assert team["Key expires"] != "never"
    assert dict(snapshots["home-oneapi"].details)["Key expires"] == "never"


def test_demo_copies_are_distinct() -> None:
    now = NOW.timestamp()
    everything = demo_newapi.accounts(now, 0) + demo_newapi.accounts(now, 1)
    assert {a.provider for a in everything} == {"newapi"}
    assert len({a.key for a in everything}) == len(everything)
    assert len({a.label for a in everything}) == len(everything)
    assert len({a.secret for a in everything}) == len(everything)


def test_demo_answers_only_its_own_requests() -> None:
    other = httpx.Request("GET", "https://chatgpt.com/backend-api/wham/usage")
    assert demo_newapi.answer(other, NOW.timestamp()) is None
    stranger = httpx.Request(
        "GET",
        "https://newapi.demo.invalid" + USAGE_PATH,
        headers={"Authorization": "Bearer sk-stranger"},
    )
    response = demo_newapi.answer(stranger, NOW.timestamp())
    assert response is not None and response.json()["success"] is False


# --------------------------------------------------------------------------- secrets

CANARY = "CANARY7f3a9c"


def canary_key(behaviour: str) -> str:
    return leaks.canary_key(CANARY, behaviour)


def echo(seen: Seen) -> Reply:
    """A hostile gateway that puts the caller's key (bare and sk- forms) everywhere it can."""
    sent = seen.headers.get("authorization", "").removeprefix("Bearer ")
    bare = sent.removeprefix("sk-")
    behaviour = leaks.behaviour_of(bare, CANARY)
    headers = {"x-echo": sent}
    if behaviour == "ok":
        return Reply(
            body=usage(
                name=f"token {sent}",
                model_limits={bare: True, sent: True},
                model_limits_enabled=True,
                expires_at=epoch(datetime.now(UTC) + timedelta(days=3)),
            ),
            headers=headers,
        )
    if behaviour == "msgauth":
        return Reply(body={"success": False, "message": f"token {bare} not found"})
    if behaviour == "e401":
        return Reply(status=401, body={"success": False, "message": f"bad {sent}"}, headers=headers)
    if behaviour == "msgother":
        padding = "busy " * 20  # a cut at the message limit would fall inside the key
        return Reply(body={"code": False, "message": f"{padding}{bare} now"})
    if behaviour == "fallback":
        if seen.path == USAGE_PATH:
            return Reply(status=404, body={"error": {"message": f"no route for {bare}"}})
        return Reply(status=500, body={"error": {"message": f"{bare} broke billing"}})
    if behaviour == "malformed":
        return Reply(raw=f'{{"data": {{"name": "{bare}", '.encode())
    return Reply(raw=f"<html>{sent} {bare}</html>".encode(), headers={"content-type": "text/html"})


@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
def test_canary_keys_never_reach_output(tmp_path, monkeypatch, capsys, json_output) -> None:
    keys = {
        name: canary_key(name)
        for name in ("ok", "msgauth", "e401", "msgother", "fallback", "malformed", "html")
    }
    monkeypatch.setenv("CANARY_GW_KEY", f"sk-{keys['msgauth']}")
    monkeypatch.setenv("NEWAPI_API_KEY", keys["html"])
    with LocalServer(echo) as server:
        monkeypatch.setenv("NEWAPI_BASE_URL", server.url)
        config = tmp_path / "config.toml"
        config.write_text(
            f'[[newapi]]\nname = "ok"\nbase_url = "{server.url}"\nkey = "{keys["ok"]}"\n\n'
            f'[[newapi]]\nname = "msgauth"\nbase_url = "{server.url}"\n'
            'key_env = "CANARY_GW_KEY"\n\n'
            f'[[newapi]]\nname = "e401"\nbase_url = "{server.url}"\n'
            f'key_cmd = ["{sys.executable}", "-c", "print(\'{keys["e401"]}\')"]\n\n'
            f'[[newapi]]\nname = "msgother"\nbase_url = "{server.url}"\n'
            f'key = "sk-{keys["msgother"]}"\n\n'
            f'[[newapi]]\nname = "fallback"\nbase_url = "{server.url}"\n'
            f'key = "{keys["fallback"]}"\n\n'
            f'[[newapi]]\nname = "malformed"\nbase_url = "{server.url}"\n'
            f'key = "{keys["malformed"]}"\n'
        )
        config.chmod(0o600)
        args = ["--once", "--provider", "newapi", "--config", str(config)]
        code = main(args + (["--json"] if json_output else []))
    out, err = capsys.readouterr()
    assert code == 1
    assert leaked(out + err, keys, CANARY) == []
    # Every key really went out, so every behaviour was exercised.
    sent = {s.headers["authorization"] for s in server.seen}
    assert sent == {f"Bearer sk-{key}" for key in keys.values()}
    if json_output:
        statuses = {a["account"]: a["status"] for a in json.loads(out)["accounts"]}
        assert statuses == {
            "ok": "ok",
            "msgauth": "auth_expired",
            "e401": "auth_expired",
            "msgother": "error",
            "fallback": "error",
            "malformed": "bad_response",
            "default": "bad_response",  # the env instance, which has no name
        }


def test_canary_key_stays_out_of_details() -> None:
    key = canary_key("ok")
    Secret(key)  # discovery remembers the bare form beside the sk- one
    with LocalServer(echo) as server:
        snapshot = fetch(gateway_account(server.url, key))
    assert snapshot.status is Status.OK
    assert dict(snapshot.details)["Models"]  # the echo arrived and was shown, masked
    assert leaked(repr(snapshot.details), {"ok": key}, CANARY) == []


def test_config_file_is_left_as_it_was(tmp_path, capsys) -> None:
    with LocalServer(lambda seen: Reply(body=usage())) as server:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[[newapi]]\nname = "gw"\nbase_url = "{server.url}"\nkey = "k0123456789"\n'
        )
        config.chmod(0o600)
        before = (config.read_bytes(), config.stat().st_mtime_ns, config.stat().st_mode)
        main(["--once", "--json", "--provider", "newapi", "--config", str(config)])
    capsys.readouterr()
    after = (config.read_bytes(), config.stat().st_mtime_ns, config.stat().st_mode)
    assert after == before


# --------------------------------------------------------------------------- any JSON

_KEYS = [
    "data", "code", "success", "message", "total_granted", "total_used", "total_available",
    "unlimited_quota", "model_limits", "model_limits_enabled", "expires_at", "name",
    "hard_limit_usd", "total_usage", "access_until", "error",
]  # fmt: skip
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.sampled_from(["0", "-1", "1e308", "-1e308", "true", "false", "nan", "inf", ""])
    | st.text(max_size=8)
)
_JSON = st.recursive(
    _SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(_KEYS) | st.text(max_size=4), children, max_size=6)
    ),
    max_leaves=20,
)


def _numbers_are_finite(quota) -> bool:
    values = [getattr(w, f) for w in quota.windows for f in ("used_percent", "used", "limit")]
    values += [getattr(b, f) for b in quota.balances for f in ("amount", "limit")]
    return all(v is None or math.isfinite(v) for v in values)


@settings(
    max_examples=settings().max_examples * 3 // 2,  # the profile's count (tests/conftest.py)
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(document=_JSON, spent=_JSON)
def test_any_json_is_a_quota_or_a_parse_error_or_an_expired_key(document, spent) -> None:
    for attempt in (
        lambda: parse_token_usage(document, NOW),
        lambda: parse_token_usage({"data": document}, NOW),
        lambda: parse_billing(document, spent, NOW),
    ):
        try:
            quota = attempt()
        except ParseError:
            continue
        except FetchError as error:
            assert error.status is Status.AUTH_EXPIRED
            continue
        assert _numbers_are_finite(quota)
        json.dumps([quota.details], allow_nan=False)


@pytest.mark.parametrize(
    "figures",
    [
        {"total_granted": "1e308", "total_available": "-1e308", "total_used": None},
        {"total_granted": 1e-300, "total_used": 1e300, "total_available": 0},
    ],
)
def test_overflowing_figures_become_unknown_not_infinite(figures) -> None:
    quota = parse({"data": {**SPEC_DATA, **figures}})
    assert _numbers_are_finite(quota)
    billing = parse_billing({"hard_limit_usd": -1.797e308}, {"total_usage": 1.7e308}, NOW)
    assert _numbers_are_finite(billing)
