"""Nano-GPT: discovery, both requests, how their failures combine, the parsers, the demo."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import leaks
from support.leaks import leaked
from support.servers import LocalServer, Reply, Seen

from providers.base import Account, DiscoveryContext, ParseError
from providers.collect import fetch_snapshot
from providers.kit import keys
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Balance, Status, Window
from providers.nanogpt import demo as demo_nanogpt
from providers.nanogpt.provider import NanoGptProvider, parse_balance, parse_usage
from tui.cli import main

NOW = datetime(2025, 2, 2, 12, 0, tzinfo=UTC)
USAGE_PATH = "/api/subscription/v1/usage"
BALANCE_PATH = "/api/check-balance"
OPENCODE = "~/.local/share/opencode/auth.json"

SPEC_USAGE = {
    "active": True,
    "limits": {"daily": 5000, "monthly": 60000},
    "daily": {"used": 5, "remaining": 4995, "percentUsed": 0.001, "resetAt": 1738540800000},
    "monthly": {"used": 45, "remaining": 59955, "percentUsed": 0.00075, "resetAt": 1739404800000},
    "period": {"currentPeriodEnd": "2025-02-13T23:59:59.000Z"},
}
SPEC_BALANCE = {"usd_balance": "129.46956147", "nano_balance": "26.71801147"}
INACTIVE = {"active": False, "limits": {"daily": 0, "monthly": 0}}


@pytest.fixture(autouse=True)
def fresh_key_commands(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(keys, "_COMMAND_RESULTS", {})


def window(quota_or_snapshot, window_id: str) -> Window:
    [found] = [w for w in quota_or_snapshot.windows if w.id == window_id]
    return found


# --------------------------------------------------------------------------- parsers


def test_spec_usage_gives_daily_and_monthly_windows() -> None:
    quota = parse_usage(SPEC_USAGE)
    assert [w.id for w in quota.windows] == ["daily", "monthly"]
    daily = window(quota, "daily")
    assert daily.label == "Daily"
    assert daily.used_percent == pytest.approx(0.1)  # a 0-1 fraction times 100
    assert daily.remaining_percent == pytest.approx(99.9)
    assert (daily.used, daily.limit, daily.unit) == (5, 5000, "requests")
    assert daily.resets_at == datetime(2025, 2, 3, 0, 0, tzinfo=UTC)  # epoch ms
    assert daily.window_seconds == 86400
    monthly = window(quota, "monthly")
    assert monthly.used_percent == pytest.approx(0.075)
    assert (monthly.used, monthly.limit) == (45, 60000)
    assert monthly.resets_at == datetime(2025, 2, 13, 0, 0, tzinfo=UTC)
    assert monthly.window_seconds is None  # a month has no fixed length
    assert quota.details == (("Period ends", "2025-02-13 23:59 UTC"),)
    assert quota.balances == () and quota.plan is None


def test_percent_used_is_a_fraction_not_a_percentage() -> None:
    answer = {**SPEC_USAGE, "daily": {"used": 2500, "percentUsed": 0.5}}
    assert window(parse_usage(answer), "daily").used_percent == 50.0


def test_percent_from_used_and_limit_when_the_fraction_is_missing() -> None:
    answer = {
        "active": True,
        "limits": {"daily": 200},
        "daily": {"used": "50", "remaining": "150"},
    }
    daily = window(parse_usage(answer), "daily")
    assert daily.used_percent == 25.0 and daily.limit == 200


def test_limit_from_used_plus_remaining_when_limits_are_missing() -> None:
    answer = {"active": True, "monthly": {"used": 10, "remaining": 30}}
    quota = parse_usage(answer)
    assert [w.id for w in quota.windows] == ["monthly"]
    assert (window(quota, "monthly").limit, window(quota, "monthly").used_percent) == (40, 25.0)


def test_numbers_may_be_strings() -> None:
    answer = {
        "active": "true",
        "limits": {"daily": "5000"},
        "daily": {"used": "5", "percentUsed": "0.001", "resetAt": "1738540800000"},
    }
    daily = window(parse_usage(answer), "daily")
    assert daily.used_percent == pytest.approx(0.1)
    assert daily.resets_at == datetime(2025, 2, 3, tzinfo=UTC)


def test_a_malformed_window_is_dropped_alone() -> None:
    answer = {**SPEC_USAGE, "daily": "junk"}
    assert [w.id for w in parse_usage(answer).windows] == ["monthly"]
    answer = {**SPEC_USAGE, "daily": {"resetAt": 1738540800000}}
    assert [w.id for w in parse_usage(answer).windows] == ["monthly"]


def test_inactive_subscription_has_no_windows_and_says_so() -> None:
    quota = parse_usage({**SPEC_USAGE, "active": False})
    assert quota.windows == ()
    assert quota.details == (("Subscription", "no active subscription (balances only)"),)


TOKEN_PLAN_USAGE = {
    "active": True,
    "state": "active",
    "limits": {"weeklyInputTokens": 60000000, "dailyInputTokens": None, "dailyImages": 100},
    "period": {"currentPeriodEnd": "2026-10-11T04:18:21.000Z"},
    "weeklyInputTokens": {
        "used": 631288,
        "remaining": 59368712,
        "percentUsed": 0.25,
        "resetAt": 1791763200000,
    },
    "dailyInputTokens": None,
    "dailyImages": {"used": 0, "remaining": 100, "percentUsed": 0, "resetAt": 1791244800000},
}


def test_token_plans_give_weekly_token_and_daily_image_windows() -> None:
    # Newer plans count input tokens and images, not requests: same objects, other names.
    quota = parse_usage(TOKEN_PLAN_USAGE)
    assert [(w.id, w.unit, w.window_seconds) for w in quota.windows] == [
        ("weekly", "tokens", 7 * 86400),
        ("daily_images", "images", 86400),
    ]
    weekly = window(quota, "weekly")
    assert weekly.used_percent == 25.0
    assert (weekly.used, weekly.limit) == (631288, 60000000)
    assert weekly.resets_at == datetime.fromtimestamp(1791763200, tz=UTC)
    assert window(quota, "daily_images").limit == 100


def test_an_unknown_usage_object_is_kept_under_its_own_name() -> None:
    answer = {**SPEC_USAGE, "weeklyVideos": {"used": 1, "remaining": 3, "percentUsed": 0.25}}
    quota = parse_usage(answer)
    assert [w.id for w in quota.windows] == ["daily", "monthly", "weekly_videos"]
    assert window(quota, "weekly_videos").label == "Weekly videos"
    assert window(quota, "weekly_videos").used_percent == 25.0


def test_state_inactive_without_active_is_no_subscription() -> None:
    # The documented `state` field (active / grace / inactive) when `active` is left out.
    answer = {key: value for key, value in SPEC_USAGE.items() if key != "active"}
    quota = parse_usage({**answer, "state": "inactive"})
    assert quota.windows == ()
    assert quota.details == (("Subscription", "no active subscription (balances only)"),)
    assert [w.id for w in parse_usage({**answer, "state": "grace"}).windows] == [
        "daily",
        "monthly",
    ]


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ([], "not a JSON object"),
        ({}, "neither"),
        ({"active": True}, "no daily or monthly"),
        ({"active": True, "daily": None, "monthly": "x"}, "no daily or monthly"),
    ],
)
def test_usage_answers_without_figures_are_parse_errors(answer, words) -> None:
    with pytest.raises(ParseError, match=words):
        parse_usage(answer)


def test_balance_strings_become_usd_and_nano() -> None:
    assert parse_balance(SPEC_BALANCE) == (
        Balance(id="usd", label="USD balance", amount=129.46956147, unit="USD"),
        Balance(id="nano", label="NANO balance", amount=26.71801147, unit="NANO"),
    )
    assert [b.id for b in parse_balance({"usd_balance": 1.5, "nano_balance": None})] == ["usd"]
    for bad in ({}, {"usd_balance": "n/a"}, "text"):
        with pytest.raises(ParseError):
            parse_balance(bad)


# --------------------------------------------------------------------------- discovery


def write_opencode(home: Path, entries: dict[str, Any]) -> Path:
    path = home / ".local/share/opencode/auth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))
    return path


def discover(settings: dict | None = None) -> list[Account]:
    return NanoGptProvider().discover(DiscoveryContext(paths=Paths(), settings=settings or {}))


def test_keys_from_config_env_and_opencode_each_an_account(home, monkeypatch) -> None:
    assert discover() == []
    monkeypatch.setenv("NANOGPT_API_KEY", "nano-env-0123456789")
    write_opencode(home, {"nano-gpt": {"type": "api", "key": "nano-oc-0123456789"}})
    accounts = discover({"key": "nano-config-0123456789", "name": "team"})
    assert [(a.label, a.source) for a in accounts] == [
        ("team", "config"),
        ("env", "env:NANOGPT_API_KEY"),
        ("opencode", OPENCODE),
    ]
    assert [a.secret for a in accounts] == [
        Secret("nano-config-0123456789"),
        Secret("nano-env-0123456789"),
        Secret("nano-oc-0123456789"),
    ]
    assert {a.provider for a in accounts} == {"nanogpt"}


def test_same_key_twice_is_one_account(home, monkeypatch) -> None:
    monkeypatch.setenv("NANOGPT_API_KEY", "nano-same-0123456789")
    write_opencode(home, {"nano-gpt": {"key": "nano-same-0123456789"}})
    [account] = discover()
    assert account.source == "env:NANOGPT_API_KEY"


def test_key_env_and_key_cmd(home, monkeypatch) -> None:
    monkeypatch.setenv("MY_NANO", "nano-var-0123456789")
    [from_env] = discover({"key_env": "MY_NANO"})
    assert from_env.secret == Secret("nano-var-0123456789") and from_env.source == "env:MY_NANO"
    [unset] = discover({"key_env": "UNSET_NANO"})
    assert unset.problem is not None and unset.problem.status is Status.AUTH_EXPIRED
    assert "UNSET_NANO" in unset.problem.message
    assert NanoGptProvider().precheck(unset, NOW) == unset.problem
    [from_cmd] = discover({"key_cmd": [sys.executable, "-c", "print('nano-cmd-0123456789')"]})
    assert from_cmd.secret == Secret("nano-cmd-0123456789") and from_cmd.problem is None


def test_other_opencode_entries_are_not_nano_gpt(home) -> None:
    write_opencode(home, {"openai": {"key": "x-0123456789"}, "nano-gpt": {"access": "y"}})
    assert discover() == []


def test_identity_and_settings() -> None:
    assert (NanoGptProvider.id, NanoGptProvider.name) == ("nanogpt", "Nano-GPT")
    assert NanoGptProvider.settings == {"key": str, "key_env": str, "key_cmd": list, "name": str}


# --------------------------------------------------------------------------- the requests


def fetch_with(server: LocalServer, key: str, source: str = "env:NANOGPT_API_KEY"):
    async def run() -> AccountSnapshot:
        async with make_client() as client:
            http = HttpSession(client=client, origins={"nanogpt": server.url})
            account = Account("nanogpt", "t", source, secret=Secret(key))
            return await fetch_snapshot(NanoGptProvider(), account, http)

    return asyncio.run(run())


def serving(usage: Reply, balance: Reply):
    def serve(seen: Seen) -> Reply:
        if seen.path == USAGE_PATH:
            return usage
        if seen.path == BALANCE_PATH:
            return balance
        return Reply(status=404, body={"error": "?"})

    return serve


def test_both_requests_carry_the_key_as_documented() -> None:
    key = "nano-request-0123456789abcdef"
    with LocalServer(serving(Reply(body=SPEC_USAGE), Reply(body=SPEC_BALANCE))) as server:
        snapshot = fetch_with(server, key)
    assert snapshot.status is Status.OK
    by_path = {seen.path: seen for seen in server.seen}
    usage, balance = by_path[USAGE_PATH], by_path[BALANCE_PATH]
    assert usage.method == "GET"
    assert usage.headers["authorization"] == f"Bearer {key}"
    assert usage.headers["x-api-key"] == key
    assert balance.method == "POST"
    assert balance.headers["x-api-key"] == key
    assert "authorization" not in balance.headers
    assert [w.id for w in snapshot.windows] == ["daily", "monthly"]
    assert [b.id for b in snapshot.balances] == ["usd", "nano"]
    assert ("Period ends", "2025-02-13 23:59 UTC") in snapshot.details


def test_real_urls() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = SPEC_USAGE if request.url.path == USAGE_PATH else SPEC_BALANCE
        return httpx.Response(200, json=body)

    async def run() -> AccountSnapshot:
        async with make_client(httpx.MockTransport(handle)) as client:
            account = Account("nanogpt", "t", "config", secret=Secret("nano-url-0123456789"))
            return await fetch_snapshot(
                NanoGptProvider(), account, HttpSession(client=client, origins={})
            )

    assert asyncio.run(run()).status is Status.OK
    assert sorted((r.method, str(r.url)) for r in seen) == [
        ("GET", "https://nano-gpt.com/api/subscription/v1/usage"),
        ("POST", "https://nano-gpt.com/api/check-balance"),
    ]


def test_inactive_subscription_is_ok_with_balances_only() -> None:
    with LocalServer(serving(Reply(body=INACTIVE), Reply(body=SPEC_BALANCE))) as server:
        snapshot = fetch_with(server, "nano-payg-0123456789")
    assert snapshot.status is Status.OK and snapshot.message is None
    assert snapshot.windows == ()
    assert [b.amount for b in snapshot.balances] == [129.46956147, 26.71801147]
    assert ("Subscription", "no active subscription (balances only)") in snapshot.details


@pytest.mark.parametrize(
    ("usage", "expected", "words"),
    [
        (
            Reply(status=401, body={"error": "Invalid API key"}),
            Status.AUTH_EXPIRED,
            ["Nano-GPT rejected the API key", "Invalid API key", "$NANOGPT_API_KEY"],
        ),
        (Reply(status=403, body={}), Status.FORBIDDEN, ["HTTP 403"]),
        (
            Reply(status=429, body={}, headers={"retry-after": "60"}),
            Status.RATE_LIMITED,
            ["retry later"],
        ),
        (Reply(status=500, body={"message": "db down"}), Status.ERROR, ["HTTP 500", "db down"]),
        (Reply(status=502, raw=b"bad gateway"), Status.ERROR, ["HTTP 502", "trouble"]),
        (
            Reply(raw=b"<html>login</html>", headers={"content-type": "text/html"}),
            Status.BAD_RESPONSE,
            ["HTML"],
        ),
        (Reply(body={"active": True}), Status.BAD_RESPONSE, ["no daily or monthly"]),
    ],
)
def test_a_failed_usage_call_decides_the_account_even_when_the_balance_works(
    usage, expected, words
) -> None:
    with LocalServer(serving(usage, Reply(body=SPEC_BALANCE))) as server:
        snapshot = fetch_with(server, "nano-fail-0123456789")
    assert snapshot.status is expected, snapshot.message
    for word in words:
        assert word in snapshot.message
    assert snapshot.windows == () and snapshot.balances == ()
    if expected is Status.RATE_LIMITED:
        assert snapshot.retry_after == 60


@pytest.mark.parametrize(
    ("balance", "words"),
    [
        (Reply(status=500, body={}), "HTTP 500"),
        (Reply(status=401, body={"error": "nope"}), "rejected the API key"),
        (Reply(body={"usd_balance": None}), "no usd_balance"),
        (Reply(raw=b"not json"), "not JSON"),
    ],
)
def test_a_failed_balance_call_alone_keeps_the_windows_and_says_why(balance, words) -> None:
    with LocalServer(serving(Reply(body=SPEC_USAGE), balance)) as server:
        snapshot = fetch_with(server, "nano-half-0123456789")
    assert snapshot.status is Status.OK and snapshot.message is None
    assert [w.id for w in snapshot.windows] == ["daily", "monthly"]
    assert snapshot.balances == ()
    [note] = [value for name, value in snapshot.details if name == "Balance"]
    assert note.startswith("unavailable") and words in note


def test_inactive_with_a_failed_balance_is_still_ok_and_says_both() -> None:
    with LocalServer(serving(Reply(body=INACTIVE), Reply(status=503, body={}))) as server:
        snapshot = fetch_with(server, "nano-both-0123456789")
    assert snapshot.status is Status.OK
    names = [name for name, _ in snapshot.details]
    assert names == ["Subscription", "Balance"]


def test_auth_remedy_names_the_place_of_the_key() -> None:
    reply = Reply(status=401, body={"error": "Invalid API key"})
    with LocalServer(serving(reply, reply)) as server:
        from_config = fetch_with(server, "nano-k-0123456789", "config")
        from_opencode = fetch_with(server, "nano-k-0123456789", OPENCODE)
    assert "the config file ([providers.nanogpt])" in from_config.message
    assert f'{OPENCODE} ("nano-gpt")' in from_opencode.message


def test_unreachable_service() -> None:
    async def run() -> AccountSnapshot:
        async with make_client() as client:
            http = HttpSession(client=client, origins={"nanogpt": "http://127.0.0.1:9"})
            account = Account("nanogpt", "t", "config", secret=Secret("nano-off-0123456789"))
            return await fetch_snapshot(NanoGptProvider(), account, http)

    assert asyncio.run(run()).status is Status.UNREACHABLE


# --------------------------------------------------------------------------- order


def snap(name: str, daily: float | None, monthly: float | None, usd: float | None):
    windows = tuple(
        Window(id=wid, label=wid, used_percent=value)
        for wid, value in (("daily", daily), ("monthly", monthly))
        if value is not None
    )
    balances = (Balance(id="usd", label="USD", amount=usd, unit="USD"),) if usd is not None else ()
    return AccountSnapshot(
        "nanogpt", name, "config", False, Status.OK, windows=windows, balances=balances
    )


def test_sort_most_daily_left_then_monthly_then_balance_then_name() -> None:
    provider = NanoGptProvider()
    snaps = [
        snap("z-none", None, None, None),
        snap("rich", None, None, 100),
        snap("poor", None, None, 1),
        snap("b-busy", 90, 10, None),
        snap("a-busy", 90, 10, None),
        snap("fresh", 5, 50, None),
        snap("fresh-month", 5, 20, None),
    ]
    ordered = [s.account for s in sorted(snaps, key=provider.sort_key)]
    assert ordered == ["fresh-month", "fresh", "a-busy", "b-busy", "rich", "poor", "z-none"]


# --------------------------------------------------------------------------- end to end


def test_once_json_end_to_end(home, monkeypatch, capsys, tmp_path) -> None:
    usages = {
        "nano-config-0123456789": SPEC_USAGE,
        "nano-env-0123456789": INACTIVE,
        "nano-oc-0123456789": None,  # rejected
    }

    def serve(seen: Seen) -> Reply:
        key = seen.headers.get("x-api-key", "")
        if key not in usages or usages[key] is None:
            return Reply(status=401, body={"error": "Invalid API key"})
        if seen.path == USAGE_PATH:
            return Reply(body=usages[key])
        return Reply(body=SPEC_BALANCE)

    config = tmp_path / "config.toml"
    config.write_text('[providers.nanogpt]\nkey = "nano-config-0123456789"\nname = "sub"\n')
    monkeypatch.setenv("NANOGPT_API_KEY", "nano-env-0123456789")
    write_opencode(home, {"nano-gpt": {"type": "api", "key": "nano-oc-0123456789"}})
    with LocalServer(serve) as server:
        monkeypatch.setenv("AIQUOTA_NANOGPT_URL", server.url)
        code = main(["--once", "--json", "--provider", "nanogpt", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1
    accounts = json.loads(out)["accounts"]
    rows = [(a["account"], a["source"], a["status"]) for a in accounts]
    assert rows == [
        ("sub", "config", "ok"),  # has a daily window: first
        ("default", "env:NANOGPT_API_KEY", "ok"),  # no name of its own (§0)
        ("opencode", OPENCODE, "auth_expired"),
    ]
    sub, payg, rejected = accounts
    assert [w["id"] for w in sub["windows"]] == ["daily", "monthly"]
    assert sub["windows"][0]["used_percent"] == pytest.approx(0.1)
    assert sub["windows"][0]["resets_at"] == "2025-02-03T00:00:00Z"
    assert [b["id"] for b in sub["balances"]] == ["usd", "nano"]
    assert payg["windows"] == [] and payg["balances"][0]["amount"] == 129.46956147
    assert payg["message"] is None
    assert '("nano-gpt")' in rejected["message"]
    for key in usages:
        assert key not in out + err
    assert {s.path for s in server.seen} == {USAGE_PATH, BALANCE_PATH}


# --------------------------------------------------------------------------- Changes in 2026
# PROVIDERS.md §6, Changes in 2026: the 60M-token plan, as recorded.
WEEKLY_TOKENS_USAGE = {
    "active": True,
    "limits": {"weeklyInputTokens": 60000000, "dailyInputTokens": None},
    "weeklyInputTokens": {
        "used": 21450000,
        "remaining": 38550000,
        "percentUsed": 0.3575,
        "resetAt": 1799193600000,
    },
    "dailyInputTokens": None,
    "period": {"currentPeriodEnd": "2026-12-20T16:50:28.000Z"},
}
WEEKLY_RESET = datetime(2027, 1, 6, tzinfo=UTC)


def weekly_of(answer: dict[str, Any]) -> Window:
    return window(parse_usage(answer), "weekly")


def test_the_2026_token_plan_is_one_weekly_input_token_window() -> None:
    quota = parse_usage(WEEKLY_TOKENS_USAGE)
    [weekly] = quota.windows  # daily / monthly absent, dailyInputTokens null: no window
    assert (weekly.id, weekly.label, weekly.unit) == ("weekly", "Weekly input tokens", "tokens")
    assert weekly.window_seconds == 604800
    assert (weekly.used, weekly.limit) == (21450000, 60000000)
    assert weekly.used_percent == pytest.approx(35.75)
    assert weekly.resets_at == WEEKLY_RESET  # epoch ms
    assert quota.details == (("Period ends", "2026-12-20 16:50 UTC"),)


def test_the_weekly_window_with_every_number_a_string() -> None:
    answer = {
        "active": "true",
        "limits": {"weeklyInputTokens": "60000000"},
        "weeklyInputTokens": {
            "used": "21450000",
            "remaining": "38550000",
            "percentUsed": "0.3575",
            "resetAt": "1799193600000",
        },
    }
    weekly = weekly_of(answer)
    assert (weekly.used, weekly.limit) == (21450000, 60000000)
    assert weekly.used_percent == pytest.approx(35.75)
    assert weekly.resets_at == WEEKLY_RESET


@pytest.mark.parametrize(
    ("entry", "limits", "used", "limit", "percent"),
    [
        # no limits entry: the allowance is used + remaining
        ({"used": 15000000, "remaining": 45000000, "percentUsed": 0.25}, {}, 15e6, 60e6, 25.0),
        # no used: the allowance less what remains
        ({"remaining": "45000000"}, {"weeklyInputTokens": 60000000}, 15e6, 60e6, 25.0),
        # no share, or one that is no number: used / limit
        ({"used": 6000000, "remaining": None}, {"weeklyInputTokens": "60000000"}, 6e6, 60e6, 10.0),
        ({"used": 6000000, "percentUsed": "n/a"}, {"weeklyInputTokens": 6e7}, 6e6, 60e6, 10.0),
        # the limits entry wins over used + remaining
        ({"used": 1, "remaining": 1, "percentUsed": 0.5}, {"weeklyInputTokens": 4}, 1, 4, 50.0),
        # a null limit falls back to used + remaining
        ({"used": 3, "remaining": 1}, {"weeklyInputTokens": None}, 3, 4, 75.0),
    ],
)
def test_weekly_figures_are_derived_from_what_is_there(entry, limits, used, limit, percent):
    weekly = weekly_of({"active": True, "limits": limits, "weeklyInputTokens": entry})
    assert (weekly.used, weekly.limit) == (used, limit)
    assert weekly.used_percent == pytest.approx(percent)
    assert weekly.resets_at is None


@pytest.mark.parametrize("empty", [None, {}, "x", {"resetAt": 1799193600000}])
def test_a_weekly_object_without_figures_is_no_window(empty) -> None:
    answer = {**WEEKLY_TOKENS_USAGE, "weeklyInputTokens": empty}
    with pytest.raises(ParseError):
        parse_usage(answer)
    answer = {**answer, "daily": SPEC_USAGE["daily"]}
    assert [w.id for w in parse_usage(answer).windows] == ["daily"]


def test_daily_input_tokens_with_figures_and_request_windows_beside_the_weekly_one() -> None:
    answer = {
        "weeklyInputTokens": WEEKLY_TOKENS_USAGE["weeklyInputTokens"],
        "dailyInputTokens": {"used": 2000000, "remaining": 6000000, "percentUsed": 0.25},
        "monthly": None,
        "daily": SPEC_USAGE["daily"],
        "limits": {"daily": 5000, "weeklyInputTokens": 60000000, "dailyInputTokens": 8000000},
        "active": True,
    }  # keys in another order than the service's: the windows keep theirs
    quota = parse_usage(answer)
    assert [(w.id, w.unit) for w in quota.windows] == [
        ("daily", "requests"),
        ("weekly", "tokens"),
        ("daily_tokens", "tokens"),
    ]
    tokens = window(quota, "daily_tokens")
    assert (tokens.label, tokens.limit, tokens.used_percent) == ("Daily input tokens", 8e6, 25.0)
    assert tokens.window_seconds == 86400


def test_snake_case_spellings_are_read_as_their_camel_twins() -> None:
    answer = {
        "active": True,
        "limits": {"weekly_input_tokens": 60000000},
        "weekly_input_tokens": {
            "used": 21450000,
            "remaining": 38550000,
            "percent_used": 0.3575,
            "reset_at": 1799193600000,
        },
        "daily_input_tokens": None,
    }
    [weekly] = parse_usage(answer).windows
    assert (weekly.id, weekly.label, weekly.limit) == ("weekly", "Weekly input tokens", 6e7)
    assert weekly.used_percent == pytest.approx(35.75) and weekly.resets_at == WEEKLY_RESET


def test_both_spellings_give_one_window_the_camel_one_first() -> None:
    snake = {"used": 1, "remaining": 3, "percent_used": 0.25}
    camel_null = {**WEEKLY_TOKENS_USAGE, "weekly_input_tokens": snake}
    assert [w.used_percent for w in parse_usage(camel_null).windows] == [pytest.approx(35.75)]
    snake_only = {**camel_null, "weeklyInputTokens": None}
    [weekly] = parse_usage(snake_only).windows
    assert (weekly.id, weekly.used_percent, weekly.limit) == ("weekly", 25.0, 6e7)


def test_an_active_token_plan_with_only_the_weekly_window_is_ok() -> None:
    with LocalServer(serving(Reply(body=WEEKLY_TOKENS_USAGE), Reply(body=SPEC_BALANCE))) as server:
        snapshot = fetch_with(server, "nano-weekly-0123456789")
    assert snapshot.status is Status.OK and snapshot.message is None
    assert [(w.id, w.label) for w in snapshot.windows] == [("weekly", "Weekly input tokens")]
    assert [b.id for b in snapshot.balances] == ["usd", "nano"]


def test_once_json_shows_the_weekly_input_tokens(home, monkeypatch, capsys) -> None:
    monkeypatch.setenv("NANOGPT_API_KEY", "nano-weekly-0123456789")
    with LocalServer(serving(Reply(body=WEEKLY_TOKENS_USAGE), Reply(body=SPEC_BALANCE))) as server:
        monkeypatch.setenv("AIQUOTA_NANOGPT_URL", server.url)
        code = main(["--once", "--json", "--provider", "nanogpt"])
    out, _ = capsys.readouterr()
    assert code == 0
    [account] = json.loads(out)["accounts"]
    [weekly] = account["windows"]
    assert weekly["id"] == "weekly" and weekly["unit"] == "tokens"
    assert (weekly["used"], weekly["limit"]) == (21450000, 60000000)
    assert weekly["used_percent"] == pytest.approx(35.75)
    assert weekly["remaining_percent"] == pytest.approx(64.25)
    assert (weekly["resets_at"], weekly["window_seconds"]) == ("2027-01-06T00:00:00Z", 604800)


# --------------------------------------------------------------------------- demo


def test_demo_through_the_real_path(capsys) -> None:
    code = main(["--demo", "--once", "--json", "--provider", "nanogpt"])
    out, _ = capsys.readouterr()
    assert code == 1  # the demo's revoked key
    accounts = {a["account"]: a for a in json.loads(out)["accounts"]}
    assert set(accounts) == {"nano-pro", "nano-tokens", "nano-payg", "nano-revoked"}
    pro = accounts["nano-pro"]
    assert pro["status"] == "ok" and [w["id"] for w in pro["windows"]] == ["daily", "monthly"]
    assert all(w["resets_at"] for w in pro["windows"]) and pro["balances"]
    tokens = accounts["nano-tokens"]
    assert tokens["status"] == "ok"
    assert [(w["id"], w["label"], w["unit"]) for w in tokens["windows"]] == [
        ("weekly", "Weekly input tokens", "tokens")
    ]
    assert (tokens["windows"][0]["used"], tokens["windows"][0]["limit"]) == (21450000, 60000000)
    payg = accounts["nano-payg"]
    assert payg["status"] == "ok" and payg["windows"] == [] and len(payg["balances"]) == 2
    assert accounts["nano-revoked"]["status"] == "auth_expired"
    assert demo_nanogpt.KEY_PREFIX not in out


def test_demo_copies_are_distinct_and_answers_only_its_own() -> None:
    now = NOW.timestamp()
    everything = demo_nanogpt.accounts(now, 0) + demo_nanogpt.accounts(now, 1)
    assert len({a.key for a in everything}) == len(everything) == 8
    assert len({a.secret for a in everything}) == 8
    other = httpx.Request("GET", "https://openrouter.ai/api/v1/key")
    assert demo_nanogpt.answer(other, now) is None
    stranger = httpx.Request("POST", "https://nano-gpt.com" + BALANCE_PATH)
    assert demo_nanogpt.answer(stranger, now).status_code == 401


# --------------------------------------------------------------------------- secrets

CANARY = "CANARY7f3a9c"


def canary_key(behaviour: str) -> str:
    return leaks.canary_key(CANARY, behaviour, ".XyZwVu")


def echo(seen: Seen) -> Reply:
    """A hostile server that puts the caller's key everywhere it can."""
    key = seen.headers.get("x-api-key", "")
    behaviour, headers = leaks.what_was_sent(key, CANARY)
    if behaviour.startswith("ok"):
        if seen.path == BALANCE_PATH:
            return Reply(body={"usd_balance": "1", "nano_balance": key, "note": key})
        return Reply(
            body={**SPEC_USAGE, "plan": key, "period": {"currentPeriodEnd": key}},
            headers=headers,
        )
    if behaviour == "e401":
        return Reply(status=401, body={"error": f"bad key {key}"}, headers=headers)
    if behaviour == "e500":
        return Reply(status=500, body={"message": f"{key} broke us " + "x " * 80})
    if behaviour == "halfbad" and seen.path == BALANCE_PATH:
        return Reply(status=500, body={"message": f"balance {key} failed"})
    if behaviour == "halfbad":
        return Reply(body=SPEC_USAGE)
    return Reply(raw=f"<html>{key}</html>".encode(), headers={"content-type": "text/html"})


@pytest.mark.parametrize("form", ["key", "key_env", "key_cmd"])
@pytest.mark.parametrize("json_output", [False, True], ids=["table", "json"])
def test_canary_keys_never_reach_output(home, tmp_path, monkeypatch, capsys, form, json_output):
    planted = {name: canary_key(name) for name in ("okconfig", "e401", "e500", "halfbad", "html")}
    config = tmp_path / "config.toml"
    if form == "key":
        config.write_text(f'[providers.nanogpt]\nkey = "{planted["okconfig"]}"\n')
    elif form == "key_env":
        monkeypatch.setenv("SECRET_NANO", planted["okconfig"])
        config.write_text('[providers.nanogpt]\nkey_env = "SECRET_NANO"\n')
    else:
        script = tmp_path / "print_key.py"
        script.write_text(f"print({planted['okconfig']!r})\n")
        config.write_text(
            f"[providers.nanogpt]\nkey_cmd = [{json.dumps(sys.executable)}, "
            f"{json.dumps(str(script))}]\n"
        )
    monkeypatch.setenv("NANOGPT_API_KEY", planted["e401"])
    write_opencode(home, {"nano-gpt": {"type": "api", "key": planted["e500"]}})
    args = ["--once", "--provider", "nanogpt", "--config", str(config)]
    args += ["--json"] if json_output else []
    with LocalServer(echo) as server:
        monkeypatch.setenv("AIQUOTA_NANOGPT_URL", server.url)
        code = main(args)
        # the two remaining behaviours, through the fetch path directly
        half = fetch_with(server, planted["halfbad"])
        html = fetch_with(server, planted["html"])
    out, err = capsys.readouterr()
    assert code == 1
    assert leaked(out + err, planted, CANARY) == []
    text = repr((half, html))
    assert leaked(text, planted, CANARY) == []
    assert half.status is Status.OK and html.status is Status.BAD_RESPONSE
    sent = {s.headers.get("x-api-key") for s in server.seen}
    assert sent == set(planted.values())
    if json_output:
        statuses = {a["source"]: a["status"] for a in json.loads(out)["accounts"]}
        configured = "env:SECRET_NANO" if form == "key_env" else "config"
        assert statuses == {
            configured: "ok",
            "env:NANOGPT_API_KEY": "auth_expired",
            OPENCODE: "error",
        }
