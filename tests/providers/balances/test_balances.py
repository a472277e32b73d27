"""OpenRouter, DeepSeek and Moonshot: discovery, requests, parsers, errors, order, the demo."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from support import leaks
from support.leaks import leaked
from support.servers import LocalServer, Reply, Seen

from providers.balances import demo as demo_balances
from providers.balances import provider as balances
from providers.balances.provider import (
    DeepSeekProvider,
    MoonshotProvider,
    OpenRouterProvider,
    next_reset,
    parse_deepseek,
    parse_moonshot,
    parse_openrouter_key,
)
from providers.base import Account, DiscoveryContext, ParseError
from providers.collect import fetch_snapshot
from providers.kit import keys
from providers.kit.http import FetchError, HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Balance, Status, Window
from tui.cli import main

NOW = datetime(2026, 1, 14, 15, 30, tzinfo=UTC)  # a Wednesday
KEY_PATH = "/api/v1/key"
CREDITS_PATH = "/api/v1/credits"
DEEPSEEK_PATH = "/user/balance"
MOONSHOT_PATH = "/v1/users/me/balance"

OR_KEY = {
    "data": {
        "label": "sk-or-v1-abc…xyz",
        "limit": 100,
        "limit_remaining": 74.5,
        "limit_reset": "monthly",
        "usage": 25.5,
        "usage_daily": 1.2,
        "usage_weekly": 6.0,
        "usage_monthly": 25.5,
        "is_free_tier": False,
    }
}
OR_CREDITS = {"data": {"total_credits": 100.5, "total_usage": 25.75}}
DS_BALANCE = {
    "is_available": True,
    "balance_infos": [
        {
            "currency": "CNY",
            "total_balance": "110.00",
            "granted_balance": "10.00",
            "topped_up_balance": "100.00",
        }
    ],
}
MS_BALANCE = {
    "code": 0,
    "data": {"available_balance": 49.58, "voucher_balance": 46.58, "cash_balance": 3.0},
    "status": True,
}


@pytest.fixture(autouse=True)
def fresh_key_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "_COMMAND_RESULTS", {})


def key_answer(**fields: Any) -> dict[str, Any]:
    return {"data": {**OR_KEY["data"], **fields}}


def detail(quota_or_snapshot, name: str) -> str:
    [value] = [v for k, v in quota_or_snapshot.details if k == name]
    return value


# --------------------------------------------------------------------------- OpenRouter parse


def test_openrouter_spec_answer() -> None:
    quota = parse_openrouter_key(OR_KEY, NOW)
    assert quota.plan == "paid"
    [limit] = quota.windows
    assert (limit.id, limit.label) == ("key_limit", "Key limit (monthly)")
    assert (limit.used, limit.limit, limit.unit) == (25.5, 100, "USD")
    assert limit.used_percent == 25.5 and limit.remaining_percent == 74.5
    assert limit.resets_at == datetime(2026, 2, 1, tzinfo=UTC)
    assert limit.window_seconds == 31 * 86400
    assert quota.balances == (
        Balance(id="usage_monthly", label="Spent this month", amount=25.5, unit="USD"),
    )
    assert detail(quota, "Key") == "sk-or-v1-abc…xyz"
    assert detail(quota, "Spent today") == "1.20 USD"


@pytest.mark.parametrize(
    ("period", "label", "resets_at", "seconds"),
    [
        ("daily", "Key limit (daily)", datetime(2026, 1, 15, tzinfo=UTC), 86400),
        ("weekly", "Key limit (weekly)", datetime(2026, 1, 19, tzinfo=UTC), 7 * 86400),  # Monday
        ("MONTHLY", "Key limit (monthly)", datetime(2026, 2, 1, tzinfo=UTC), 31 * 86400),
        (None, "Key limit", None, None),
        ("never", "Key limit", None, None),
    ],
)
def test_openrouter_limit_period_from_limit_reset(period, label, resets_at, seconds) -> None:
    [limit] = parse_openrouter_key(key_answer(limit_reset=period), NOW).windows
    assert limit.id == "key_limit"
    assert (limit.label, limit.resets_at, limit.window_seconds) == (label, resets_at, seconds)


def test_next_reset_edges() -> None:
    monday_midnight = datetime(2026, 1, 19, tzinfo=UTC)
    assert next_reset("weekly", monday_midnight)[0] == datetime(2026, 1, 26, tzinfo=UTC)
    assert next_reset("monthly", datetime(2026, 12, 31, 23, tzinfo=UTC)) == (
        datetime(2027, 1, 1, tzinfo=UTC),
        31 * 86400,
    )
    assert next_reset("monthly", datetime(2028, 2, 10, tzinfo=UTC))[1] == 29 * 86400


def test_openrouter_no_limit_is_no_window() -> None:
    quota = parse_openrouter_key(key_answer(limit=None, limit_remaining=None), NOW)
    assert quota.windows == ()
    assert detail(quota, "Key limit") == "none"
    assert [b.id for b in quota.balances] == ["usage_monthly"]


def test_openrouter_free_tier_and_unknown_tier() -> None:
    assert parse_openrouter_key(key_answer(is_free_tier=True), NOW).plan == "free"
    assert parse_openrouter_key(key_answer(is_free_tier=None), NOW).plan is None


def test_openrouter_limit_without_remaining_uses_the_period_usage() -> None:
    [limit] = parse_openrouter_key(
        key_answer(limit="20", limit_remaining=None, limit_reset="daily", usage_daily="5"), NOW
    ).windows
    assert (limit.used, limit.limit, limit.used_percent) == (5, 20, 25.0)
    [never] = parse_openrouter_key(
        key_answer(limit=50, limit_remaining=None, limit_reset=None, usage=10), NOW
    ).windows
    assert never.used_percent == 20.0


def test_openrouter_zero_limit_is_used_up_and_overspend_goes_past_100() -> None:
    [zero] = parse_openrouter_key(key_answer(limit=0, limit_remaining=0), NOW).windows
    assert zero.used_percent == 100.0 and zero.remaining_percent == 0.0
    [over] = parse_openrouter_key(key_answer(limit=10, limit_remaining=-2), NOW).windows
    assert over.used_percent == 120.0


@pytest.mark.parametrize("answer", [[], {}, {"data": None}, {"data": {"label": "x"}}])
def test_openrouter_answers_without_figures_are_parse_errors(answer) -> None:
    with pytest.raises(ParseError):
        parse_openrouter_key(answer, NOW)


# --------------------------------------------------------------------------- DeepSeek parse


def test_deepseek_spec_answer() -> None:
    quota = parse_deepseek(DS_BALANCE)
    assert quota.balances == (Balance(id="cny", label="Balance (CNY)", amount=110.0, unit="CNY"),)
    assert quota.details == (("CNY granted", "10.00 CNY"), ("CNY topped up", "100.00 CNY"))
    assert quota.windows == () and quota.plan is None


def test_deepseek_one_balance_per_currency_malformed_entries_dropped() -> None:
    quota = parse_deepseek(
        {
            "is_available": True,
            "balance_infos": [
                {"currency": "CNY", "total_balance": "110.00"},
                {"currency": "usd", "total_balance": 4.2},
                {"currency": "EUR"},
                {"total_balance": "1"},
                "junk",
            ],
        }
    )
    assert [(b.id, b.label, b.amount, b.unit) for b in quota.balances] == [
        ("cny", "Balance (CNY)", 110.0, "CNY"),
        ("usd", "Balance (USD)", 4.2, "USD"),
    ]


def test_deepseek_not_available_is_an_error_naming_the_balance_and_the_remedy() -> None:
    with pytest.raises(FetchError) as caught:
        parse_deepseek({**DS_BALANCE, "is_available": False})
    assert caught.value.status is Status.ERROR
    assert "balance too low" in caught.value.message
    assert "110.00 CNY" in caught.value.message and "top up" in caught.value.message


@pytest.mark.parametrize(
    "answer",
    [
        {"is_available": False},
        {"is_available": False, "balance_infos": None},
        {"is_available": "false", "balance_infos": [{"currency": "CNY"}]},
    ],
)
def test_deepseek_not_available_without_usable_figures_is_still_balance_too_low(answer) -> None:
    # The verdict is what the user acts on: missing figures must not hide it as bad_response.
    with pytest.raises(FetchError) as caught:
        parse_deepseek(answer)
    assert caught.value.status is Status.ERROR
    assert "balance too low" in caught.value.message and "balance: none" in caught.value.message


@pytest.mark.parametrize(
    "answer",
    [[], {}, {"is_available": True}, {"balance_infos": [{"currency": "CNY"}]}],
)
def test_deepseek_answers_without_balances_are_parse_errors(answer) -> None:
    with pytest.raises(ParseError):
        parse_deepseek(answer)


def test_deepseek_empty_list_is_ok_with_no_balances() -> None:
    assert parse_deepseek({"is_available": True, "balance_infos": []}).balances == ()


# --------------------------------------------------------------------------- Moonshot parse


def test_moonshot_spec_answer_in_usd_for_ai() -> None:
    quota = parse_moonshot(MS_BALANCE, "ai")
    assert quota.balances == (Balance(id="available", label="Available", amount=49.58, unit="USD"),)
    assert detail(quota, "Voucher") == "46.58 USD"
    assert detail(quota, "Cash") == "3.00 USD"


def test_moonshot_cny_for_cn_and_negative_cash() -> None:
    answer = {**MS_BALANCE, "data": {**MS_BALANCE["data"], "cash_balance": "-1.5"}}
    quota = parse_moonshot(answer, "cn")
    assert quota.balances[0].unit == "CNY"
    assert detail(quota, "Cash") == "-1.50 CNY"


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (
            {"code": 5, "error": "url.not_found", "message": "no such route", "status": False},
            Status.ERROR,
            ["code 5", "no such route"],
        ),
        ({"code": 0, "status": False, "message": "busy"}, Status.ERROR, ["busy"]),
        (
            {"code": 401, "message": "Invalid Authentication", "status": False},
            Status.AUTH_EXPIRED,
            ["Invalid Authentication"],
        ),
    ],
)
def test_moonshot_error_bodies_under_http_200(answer, status, words) -> None:
    with pytest.raises(FetchError) as caught:
        parse_moonshot(answer, "ai")
    assert caught.value.status is status
    for word in words:
        assert word in caught.value.message


@pytest.mark.parametrize("answer", [[], {"code": 0}, {"code": 0, "data": {"cash_balance": 1}}])
def test_moonshot_answers_without_a_balance_are_parse_errors(answer) -> None:
    with pytest.raises(ParseError):
        parse_moonshot(answer, "ai")


# --------------------------------------------------------------------------- discovery

PROVIDERS = {
    "openrouter": (OpenRouterProvider, "OPENROUTER_API_KEY"),
    "deepseek": (DeepSeekProvider, "DEEPSEEK_API_KEY"),
    "moonshot": (MoonshotProvider, "MOONSHOT_API_KEY"),
}


def discover(provider, settings: dict | None = None) -> list[Account]:
    return provider.discover(DiscoveryContext(paths=Paths(), settings=settings or {}))


@pytest.mark.parametrize("provider_id", list(PROVIDERS))
def test_keys_from_config_and_env(home, monkeypatch, provider_id) -> None:
    cls, env_name = PROVIDERS[provider_id]
    assert discover(cls()) == []
    monkeypatch.setenv(env_name, f"{provider_id}-env-0123456789")
    accounts = discover(cls(), {"key": f"{provider_id}-config-0123456789", "name": "team"})
    assert [(a.provider, a.label, a.source) for a in accounts] == [
        (provider_id, "team", "config"),
        (provider_id, "env", f"env:{env_name}"),
    ]
    assert accounts[0].secret == Secret(f"{provider_id}-config-0123456789")
    [same] = discover(cls(), {"key": f"{provider_id}-env-0123456789"})
    assert same.source == "config"


@pytest.mark.parametrize("provider_id", list(PROVIDERS))
def test_key_env_and_key_cmd(home, monkeypatch, provider_id) -> None:
    cls, _ = PROVIDERS[provider_id]
    monkeypatch.setenv("MINE", "k-from-var-0123456789")
    [account] = discover(cls(), {"key_env": "MINE"})
    assert account.secret == Secret("k-from-var-0123456789")
    [failed] = discover(cls(), {"key_cmd": [sys.executable, "-c", "raise SystemExit(2)"]})
    assert failed.problem is not None
    assert cls().precheck(failed, NOW) == failed.problem


def test_identities_and_settings() -> None:
    assert (OpenRouterProvider.id, OpenRouterProvider.name) == ("openrouter", "OpenRouter")
    assert (DeepSeekProvider.id, DeepSeekProvider.name) == ("deepseek", "DeepSeek")
    assert (MoonshotProvider.id, MoonshotProvider.name) == ("moonshot", "Moonshot")
    base = {"key": str, "key_env": str, "key_cmd": list, "name": str}
    assert OpenRouterProvider.settings == base and DeepSeekProvider.settings == base
    assert MoonshotProvider.settings == {**base, "platform": str}


@pytest.mark.parametrize(
    ("value", "platform"), [(None, "ai"), ("ai", "ai"), ("CN", "cn"), ("china", "cn")]
)
def test_moonshot_platform_goes_with_each_account(home, value, platform) -> None:
    settings = {"key": "ms-0123456789"} | ({"platform": value} if value else {})
    [account] = discover(MoonshotProvider(), settings)
    assert account.extra["platform"] == platform and account.problem is None


def test_moonshot_unknown_platform_is_a_problem(home) -> None:
    [account] = discover(MoonshotProvider(), {"key": "ms-0123456789", "platform": "mars"})
    assert account.problem is not None and account.problem.status is Status.ERROR
    assert '"ai" or "cn"' in account.problem.message and "mars" in account.problem.message


# --------------------------------------------------------------------------- requests


def fetch_with(origin: str | None, provider, key: str, source: str = "config", **extra):
    """Through a LocalServer origin, or (origin None) the real URLs on a MockTransport."""

    async def run(transport=None) -> AccountSnapshot:
        async with make_client(transport) as client:
            origins = {provider.id: origin} if origin else {}
            account = Account(provider.id, "t", source, secret=Secret(key), extra=extra)
            return await fetch_snapshot(
                provider, account, HttpSession(client=client, origins=origins)
            )

    return asyncio.run(run())


def mock_fetch(provider, key: str, handle, **extra) -> AccountSnapshot:
    async def run() -> AccountSnapshot:
        async with make_client(httpx.MockTransport(handle)) as client:
            account = Account(provider.id, "t", "config", secret=Secret(key), extra=extra)
            return await fetch_snapshot(provider, account, HttpSession(client=client, origins={}))

    return asyncio.run(run())


def openrouter_server(key_reply: Reply, credits_reply: Reply):
    def serve(seen: Seen) -> Reply:
        if seen.path == KEY_PATH:
            return key_reply
        if seen.path == CREDITS_PATH:
            return credits_reply
        return Reply(status=404, body={})

    return serve


def test_openrouter_requests_and_credits_first() -> None:
    key = "sk-or-v1-request-0123456789"
    with LocalServer(openrouter_server(Reply(body=OR_KEY), Reply(body=OR_CREDITS))) as server:
        snapshot = fetch_with(server.url, OpenRouterProvider(), key)
    assert snapshot.status is Status.OK
    assert {(s.method, s.path) for s in server.seen} == {("GET", KEY_PATH), ("GET", CREDITS_PATH)}
    assert {s.headers["authorization"] for s in server.seen} == {f"Bearer {key}"}
    assert [b.id for b in snapshot.balances] == ["credits", "usage_monthly"]
    credits = snapshot.balances[0]
    assert (credits.amount, credits.limit, credits.unit) == (74.75, 100.5, "USD")
    assert [w.id for w in snapshot.windows] == ["key_limit"]


@pytest.mark.parametrize("status", [401, 403])
def test_openrouter_credits_refused_does_not_fail_the_account(status) -> None:
    refused = Reply(status=status, body={"error": {"message": "Only management keys"}})
    with LocalServer(openrouter_server(Reply(body=OR_KEY), refused)) as server:
        snapshot = fetch_with(server.url, OpenRouterProvider(), "sk-or-plain-0123456789")
    assert snapshot.status is Status.OK and snapshot.message is None
    assert [b.id for b in snapshot.balances] == ["usage_monthly"]
    assert "management key" in detail(snapshot, "Credits")


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (Reply(status=500, body={}), "HTTP 500"),
        (Reply(body={"data": {"total_credits": 1}}), "unexpected answer"),
    ],
)
def test_openrouter_credits_other_failures_are_a_detail(reply, words) -> None:
    with LocalServer(openrouter_server(Reply(body=OR_KEY), reply)) as server:
        snapshot = fetch_with(server.url, OpenRouterProvider(), "sk-or-plain-0123456789")
    assert snapshot.status is Status.OK
    assert words in detail(snapshot, "Credits")


def test_openrouter_key_failure_decides_the_account() -> None:
    rejected = Reply(
        status=401, body={"error": {"message": "No auth credentials found", "code": 401}}
    )
    with LocalServer(openrouter_server(rejected, Reply(body=OR_CREDITS))) as server:
        snapshot = fetch_with(
            server.url, OpenRouterProvider(), "sk-or-bad-0123456789", "env:OPENROUTER_API_KEY"
        )
    assert snapshot.status is Status.AUTH_EXPIRED
    assert snapshot.message == (
        'OpenRouter rejected the API key (HTTP 401: "No auth credentials found"): '
        "check the key in $OPENROUTER_API_KEY"
    )
    assert snapshot.balances == ()


def test_real_urls_and_bearer_for_every_provider() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        bodies = {
            KEY_PATH: OR_KEY,
            CREDITS_PATH: OR_CREDITS,
            DEEPSEEK_PATH: DS_BALANCE,
            MOONSHOT_PATH: MS_BALANCE,
        }
        return httpx.Response(200, json=bodies[request.url.path])

    assert mock_fetch(OpenRouterProvider(), "k-or-0123456789", handle).status is Status.OK
    assert mock_fetch(DeepSeekProvider(), "k-ds-0123456789", handle).status is Status.OK
    ai = mock_fetch(MoonshotProvider(), "k-ms-0123456789", handle)
    cn = mock_fetch(MoonshotProvider(), "k-mc-0123456789", handle, platform="cn")
    assert (ai.balances[0].unit, cn.balances[0].unit) == ("USD", "CNY")
    assert sorted(str(r.url) for r in seen) == [
        "https://api.deepseek.com/user/balance",
        "https://api.moonshot.ai/v1/users/me/balance",
        "https://api.moonshot.cn/v1/users/me/balance",
        "https://openrouter.ai/api/v1/credits",
        "https://openrouter.ai/api/v1/key",
    ]
    assert all(r.headers["authorization"].startswith("Bearer k-") for r in seen)
    assert all(r.method == "GET" for r in seen)


def test_moonshot_currency_follows_the_platform_not_an_overridden_origin() -> None:
    with LocalServer(lambda seen: Reply(body=MS_BALANCE)) as server:
        cn = fetch_with(server.url, MoonshotProvider(), "ms-0123456789", platform="cn")
        ai = fetch_with(server.url, MoonshotProvider(), "ms-0123456789")
    assert cn.balances[0].unit == "CNY" and ai.balances[0].unit == "USD"
    assert {s.path for s in server.seen} == {MOONSHOT_PATH}
    assert detail(cn, "Platform") == "api.moonshot.cn"


ERROR_CASES = [
    # (provider, reply, status, words)
    (
        DeepSeekProvider(),
        Reply(status=401, body={"error": {"message": "Authentication Fails (no such user)"}}),
        Status.AUTH_EXPIRED,
        ["DeepSeek rejected the API key", "no such user", "[providers.deepseek]"],
    ),
    (
        DeepSeekProvider(),
        Reply(body={**DS_BALANCE, "is_available": False}),
        Status.ERROR,
        ["too low", "top up"],
    ),
    (DeepSeekProvider(), Reply(status=503, body={}), Status.ERROR, ["HTTP 503", "trouble"]),
    (
        DeepSeekProvider(),
        Reply(status=429, body={}, headers={"retry-after": "20"}),
        Status.RATE_LIMITED,
        ["retry later"],
    ),
    (DeepSeekProvider(), Reply(body={"x": 1}), Status.BAD_RESPONSE, ["balance_infos"]),
    (
        MoonshotProvider(),
        Reply(status=401, body={"error": {"message": "Invalid Authentication"}}),
        Status.AUTH_EXPIRED,
        ["Moonshot rejected the API key", "Invalid Authentication"],
    ),
    (
        MoonshotProvider(),
        Reply(body={"code": 5, "message": "url.not_found", "status": False}),
        Status.ERROR,
        ["code 5", "url.not_found"],
    ),
    (MoonshotProvider(), Reply(status=403, body={}), Status.FORBIDDEN, ["HTTP 403"]),
    (
        OpenRouterProvider(),
        Reply(raw=b"<html>x</html>", headers={"content-type": "text/html"}),
        Status.BAD_RESPONSE,
        ["HTML"],
    ),
]


@pytest.mark.parametrize(("provider", "reply", "expected", "words"), ERROR_CASES)
def test_error_statuses(provider, reply, expected, words) -> None:
    with LocalServer(lambda seen: reply) as server:
        snapshot = fetch_with(server.url, provider, "err-key-0123456789")
    assert snapshot.status is expected, snapshot.message
    for word in words:
        assert word in snapshot.message
    assert snapshot.balances == () and snapshot.windows == ()
    if expected is Status.RATE_LIMITED:
        assert snapshot.retry_after == 20


def test_unreachable() -> None:
    snapshot = fetch_with("http://127.0.0.1:9", DeepSeekProvider(), "ds-off-0123456789")
    assert snapshot.status is Status.UNREACHABLE


# --------------------------------------------------------------------------- order


def snap(provider: str, name: str, balances_: tuple[Balance, ...] = (), windows=()):
    return AccountSnapshot(
        provider, name, "config", False, Status.OK, balances=balances_, windows=windows
    )


def test_sort_biggest_balance_first_then_name() -> None:
    ds = DeepSeekProvider()
    snaps = [
        snap("deepseek", "none"),
        snap("deepseek", "b", (Balance("cny", "C", 5.0, unit="CNY"),)),
        snap("deepseek", "a", (Balance("cny", "C", 5.0, unit="CNY"),)),
        snap("deepseek", "rich", (Balance("usd", "U", 50.0, unit="USD"),)),
    ]
    assert [s.account for s in sorted(snaps, key=ds.sort_key)] == ["rich", "a", "b", "none"]
    ms = MoonshotProvider()
    snaps = [snap("moonshot", n, (Balance("available", "A", v),)) for n, v in (("x", 1), ("y", 9))]
    assert [s.account for s in sorted(snaps, key=ms.sort_key)] == ["y", "x"]


def test_openrouter_sort_most_key_limit_left_then_credits() -> None:
    provider = OpenRouterProvider()

    def limited(name: str, used: float | None, credits: float | None):
        windows = (Window("key_limit", "Key limit", used_percent=used),) if used is not None else ()
        money = (Balance("credits", "Credits", credits),) if credits is not None else ()
        return snap("openrouter", name, money, windows)

    snaps = [
        limited("nolimit-poor", None, 1),
        limited("nolimit-rich", None, 90),
        limited("busy", 90, None),
        limited("fresh", 10, None),
        limited("nothing", None, None),
    ]
    ordered = [s.account for s in sorted(snaps, key=provider.sort_key)]
    assert ordered == ["fresh", "busy", "nolimit-rich", "nolimit-poor", "nothing"]


# --------------------------------------------------------------------------- end to end


def test_once_json_end_to_end_all_three(monkeypatch, capsys, tmp_path) -> None:
    def serve(seen: Seen) -> Reply:
        auth = seen.headers.get("authorization", "")
        if seen.path == KEY_PATH and auth == "Bearer or-env-0123456789":
            return Reply(body=OR_KEY)
        if seen.path == CREDITS_PATH:
            return Reply(status=403, body={"error": {"message": "management key required"}})
        if seen.path == DEEPSEEK_PATH and auth == "Bearer ds-config-0123456789":
            return Reply(
                body={
                    "is_available": True,
                    "balance_infos": [
                        {"currency": "CNY", "total_balance": "110.00"},
                        {"currency": "USD", "total_balance": "2.00"},
                    ],
                }
            )
        if seen.path == DEEPSEEK_PATH and auth == "Bearer ds-env-0123456789":
            return Reply(
                body={
                    "is_available": False,
                    "balance_infos": [{"currency": "CNY", "total_balance": "0"}],
                }
            )
        if seen.path == MOONSHOT_PATH and auth == "Bearer ms-cmd-0123456789":
            return Reply(body=MS_BALANCE)
        return Reply(status=401, body={"error": {"message": "Invalid Authentication"}})

    config = tmp_path / "config.toml"
    config.write_text(
        '[providers.deepseek]\nkey = "ds-config-0123456789"\nname = "main"\n\n'
        f'[providers.moonshot]\nplatform = "cn"\nkey_cmd = [{json.dumps(sys.executable)}, '
        '"-c", "print(\'ms-cmd-0123456789\')"]\n'
    )
    monkeypatch.setenv("OPENROUTER_API_KEY", "or-env-0123456789")
    monkeypatch.setenv("DEEPSEEK_API_KEY", "ds-env-0123456789")
    monkeypatch.setenv("MOONSHOT_API_KEY", "ms-env-0123456789")
    args = ["--once", "--json", "--config", str(config)]
    for provider in PROVIDERS:
        args += ["--provider", provider]
    with LocalServer(serve) as server:
        for provider in PROVIDERS:
            monkeypatch.setenv(f"AIQUOTA_{provider.upper()}_URL", server.url)
        code = main(args)
    out, err = capsys.readouterr()
    assert code == 1, err
    accounts = json.loads(out)["accounts"]
    rows = [(a["provider"], a["account"], a["source"], a["status"]) for a in accounts]
    assert rows == [
        # the first key of a provider with no name of its own is "default" (§0)
        ("openrouter", "default", "env:OPENROUTER_API_KEY", "ok"),
        ("deepseek", "main", "config", "ok"),
        ("deepseek", "default", "env:DEEPSEEK_API_KEY", "error"),
        ("moonshot", "default", "config", "ok"),
        ("moonshot", "env", "env:MOONSHOT_API_KEY", "auth_expired"),
    ]
    router, main_ds, low_ds, kimi, rejected = accounts
    assert router["plan"] == "paid"
    assert router["windows"][0]["id"] == "key_limit" and router["windows"][0]["used"] == 25.5
    assert [b["id"] for b in router["balances"]] == ["usage_monthly"]
    assert [(b["id"], b["amount"], b["unit"]) for b in main_ds["balances"]] == [
        ("cny", 110.0, "CNY"),
        ("usd", 2.0, "USD"),
    ]
    assert "too low" in low_ds["message"]
    assert kimi["balances"] == [
        {
            "id": "available",
            "label": "Available",
            "amount": 49.58,
            "limit": None,
            "unit": "CNY",
            "unlimited": False,
        }
    ]
    assert "$MOONSHOT_API_KEY" in rejected["message"]
    for key in ("or-env", "ds-config", "ds-env", "ms-cmd", "ms-env"):
        assert f"{key}-0123456789" not in out + err


# --------------------------------------------------------------------------- demo


def test_demo_through_the_real_path(capsys) -> None:
    providers = ["--provider", "openrouter", "--provider", "deepseek", "--provider", "moonshot"]
    code = main(["--demo", "--once", "--json", *providers])
    out, _ = capsys.readouterr()
    assert code == 1  # the drained DeepSeek account
    accounts = {(a["provider"], a["account"]): a for a in json.loads(out)["accounts"]}
    assert set(accounts) == {
        ("openrouter", "or-personal"),
        ("deepseek", "ds-main"),
        ("deepseek", "ds-drained"),
        ("moonshot", "kimi"),
    }
    router = accounts[("openrouter", "or-personal")]
    assert router["status"] == "ok" and router["windows"][0]["id"] == "key_limit"
    assert router["balances"][0]["id"] == "credits"
    assert [b["unit"] for b in accounts[("deepseek", "ds-main")]["balances"]] == ["CNY", "USD"]
    assert accounts[("moonshot", "kimi")]["balances"][0]["unit"] == "USD"
    broken = [a for a in accounts.values() if a["status"] != "ok"]
    assert [a["account"] for a in broken] == ["ds-drained"]
    assert demo_balances.KEY_PREFIX not in out


def test_demo_copies_are_distinct_and_answers_only_its_own() -> None:
    now = NOW.timestamp()
    everything = demo_balances.accounts(now, 0) + demo_balances.accounts(now, 1)
    assert len({a.key for a in everything}) == len(everything) == 8
    assert len({a.secret for a in everything}) == 8
    assert demo_balances.answer(httpx.Request("GET", "https://x/api/oauth/usage"), now) is None
    stranger = httpx.Request("GET", "https://api.deepseek.com/user/balance")
    assert demo_balances.answer(stranger, now).status_code == 401


# --------------------------------------------------------------------------- secrets

CANARY = "CANARY4b2e8d"


def canary_key(behaviour: str) -> str:
    return leaks.canary_key(CANARY, behaviour, ".QwErTy")


def echo(seen: Seen) -> Reply:
    """A hostile server that puts the caller's key everywhere it can."""
    key = seen.headers.get("authorization", "").removeprefix("Bearer ")
    behaviour, headers = leaks.what_was_sent(key, CANARY)
    if behaviour.startswith("ok"):
        if seen.path == KEY_PATH:
            return Reply(body=key_answer(label=key, limit_reset=key), headers=headers)
        if seen.path == CREDITS_PATH:
            return Reply(status=403, body={"error": {"message": f"{key} is not a management key"}})
        if seen.path == DEEPSEEK_PATH:
            return Reply(
                body={
                    "is_available": True,
                    "balance_infos": [{"currency": key, "total_balance": "1"}],
                }
            )
        return Reply(body={**MS_BALANCE, "message": key})
    if behaviour == "e401":
        return Reply(status=401, body={"error": {"message": f"bad key {key}"}}, headers=headers)
    if behaviour == "low":
        return Reply(
            body={"is_available": False, "balance_infos": [{"currency": key, "total_balance": 0}]}
        )
    if behaviour == "body":
        return Reply(body={"code": 7, "message": "busy " * 22 + key, "status": False})
    if behaviour == "e500":
        return Reply(status=500, body={"message": f"{key} broke us"})
    return Reply(raw=f"<html>{key}</html>".encode(), headers={"content-type": "text/html"})


@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
def test_canary_keys_never_reach_output(tmp_path, monkeypatch, capsys, json_output) -> None:
    planted = {
        name: canary_key(name) for name in ("ok", "okenv", "e401", "low", "body", "e500", "html")
    }
    script = tmp_path / "key.py"
    script.write_text(f"print({planted['body']!r})\n")
    monkeypatch.setenv("MY_DS_KEY", planted["low"])
    config = tmp_path / "config.toml"
    config.write_text(
        f'[providers.openrouter]\nkey = "{planted["ok"]}"\n\n'
        '[providers.deepseek]\nkey_env = "MY_DS_KEY"\n\n'
        f"[providers.moonshot]\nkey_cmd = [{json.dumps(sys.executable)}, {json.dumps(str(script))}]\n"
    )
    monkeypatch.setenv("OPENROUTER_API_KEY", planted["e401"])
    monkeypatch.setenv("DEEPSEEK_API_KEY", planted["okenv"])
    monkeypatch.setenv("MOONSHOT_API_KEY", planted["e500"])
    args = ["--once", "--config", str(config)] + (["--json"] if json_output else [])
    for provider in PROVIDERS:
        args += ["--provider", provider]
    with LocalServer(echo) as server:
        for provider in PROVIDERS:
            monkeypatch.setenv(f"AIQUOTA_{provider.upper()}_URL", server.url)
        code = main(args)
        html = fetch_with(server.url, MoonshotProvider(), planted["html"])
    out, err = capsys.readouterr()
    assert code == 1
    assert leaked(out + err, planted, CANARY) == []
    assert leaked(repr(html) + str(html.details), planted, CANARY) == []
    assert html.status is Status.BAD_RESPONSE
    sent = {s.headers["authorization"].removeprefix("Bearer ") for s in server.seen}
    assert sent == set(planted.values())
    if json_output:
        statuses = {(a["provider"], a["source"]): a["status"] for a in json.loads(out)["accounts"]}
        assert statuses == {
            ("openrouter", "config"): "ok",
            ("openrouter", "env:OPENROUTER_API_KEY"): "auth_expired",
            ("deepseek", "env:MY_DS_KEY"): "error",
            ("deepseek", "env:DEEPSEEK_API_KEY"): "ok",
            ("moonshot", "config"): "error",
            ("moonshot", "env:MOONSHOT_API_KEY"): "error",
        }


def test_currency_made_from_a_key_is_scrubbed() -> None:
    key = canary_key("parse")
    Secret(key)
    quota = parse_deepseek({"balance_infos": [{"currency": key, "total_balance": "1"}]})
    [only] = quota.balances
    assert leaked(f"{only.id} {only.label} {only.unit}", {"parse": key}, CANARY) == []


def test_module_docstring_documents_the_decisions() -> None:
    doc = balances.__doc__ or ""
    for words in ("management key", "is_available", "platform"):
        assert words in doc
