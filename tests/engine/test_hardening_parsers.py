"""Property-based hardening of every parser: whatever JSON a server sends, a Quota or a ParseError.

Each parser gets any JSON value (a recursive strategy of null, booleans, integers small and
huge, floats, text, lists and objects whose keys are drawn both at random and from the
parser's real keys), and must either return its result or raise ParseError: never any other
exception. The same values then go through providers.collect.fetch_snapshot with an
httpx.MockTransport serving them, which must give a snapshot with a plain status (never the
"Internal error" of a parser bug), and through the --json and table outputs, which must
stay valid (strict JSON: no NaN or Infinity).
"""

from __future__ import annotations

import asyncio
import json
import math
import struct
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzz import TEXTS, answers, json_values
from support.json_contract import assert_outputs_work
from support.protobuf_encoder import (
    Model,
    auth_json,
    f_bytes,
    f_double,
    f_float,
    f_message,
    f_string,
    f_varint,
    model,
    user_status,
    write_state,
)

from providers import google
from providers.base import Account, ParseError
from providers.claude import provider as claude
from providers.claude.provider import ClaudeProvider
from providers.codex import provider as codex
from providers.codex.provider import CodexProvider
from providers.collect import fetch_snapshot
from providers.copilot import provider as copilot
from providers.copilot.provider import CopilotProvider
from providers.google import cache as antigravity_cache
from providers.google.antigravity import AntigravityProvider
from providers.google.gemini import GeminiProvider
from providers.kit.http import FetchError, HttpSession, make_client
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Quota, Status, Window
from providers.zhipu import provider as zhipu
from providers.zhipu.provider import ZaiProvider, ZhipuProvider

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

# The profile's count (tests/conftest.py): 200 in every run, more with HYPOTHESIS_PROFILE=hunt.
EXAMPLES = settings().max_examples
PROPERTY = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
THROUGH_FETCH = settings(
    max_examples=max(20, EXAMPLES * 3 // 10),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --------------------------------------------------------------------------- strategies

# The keys each parser reads, at any depth.
CODEX_KEYS = [
    "plan_type", "rate_limit", "rate_limits", "primary_window", "primary", "five_hour",
    "five_hour_limit", "five_hour_rate_limit", "secondary_window", "secondary", "weekly",
    "weekly_limit", "weekly_rate_limit", "used_percent", "usedPercent", "used_percentage",
    "percent_left", "remaining_percent", "remainingPercent", "reset_at", "resets_at",
    "reset_time_ms", "resetAt", "reset_after_seconds", "resets_in_seconds", "reset_after",
    "limit_window_seconds", "window_seconds", "window_minutes", "credits", "has_credits",
    "unlimited", "balance", "additional_rate_limits", "limit_name", "metered_feature",
]  # fmt: skip
CLAUDE_KEYS = [
    "five_hour", "seven_day", "seven_day_sonnet", "seven_day_opus", "seven_day_oauth_apps",
    "seven_day_other", "five_hour_other", "iguana_necktie", "extra_usage", "spend", "limits",
    "utilization", "percent", "used_percent", "usedPercent", "remaining_percent", "percent_left",
    "remainingPercent", "resets_at", "reset_at", "resetsAt", "resetAt", "resets_in_seconds",
    "reset_after_seconds", "window_seconds", "duration_seconds", "limit_window_seconds",
    "display_name", "displayName", "name", "id", "kind", "scope", "model", "is_enabled",
    "used_credits", "monthly_limit", "amount_minor", "exponent", "currency", "limit_minor",
    "limit_amount_minor", "limit", "error", "type",
]  # fmt: skip
COPILOT_USER_KEYS = [
    "quota_snapshots", "limited_user_quotas", "monthly_quotas", "copilot_plan",
    "access_type_sku", "quota_reset_date", "quota_reset_date_utc", "limited_user_reset_date",
    "premium_interactions", "chat", "completions", "entitlement", "unlimited", "remaining",
    "quota_remaining", "percent_remaining", "overage_count", "login",
]  # fmt: skip
COPILOT_BILLING_KEYS = [
    "usageItems", "sku", "grossQuantity", "model", "netQuantity", "limit", "timePeriod",
    "year", "month", "product", "unitType", "pricePerUnit",
]  # fmt: skip
ZHIPU_KEYS = [
    "data", "limits", "level", "type", "usage", "currentValue", "remaining", "percentage",
    "unit", "number", "nextResetTime", "usageDetails", "modelCode", "success", "code", "msg",
    "message", "error",
]  # fmt: skip
GEMINI_KEYS = [
    "buckets", "modelId", "tokenType", "remainingFraction", "remainingAmount", "resetTime",
    "cloudaicompanionProject", "id", "currentTier", "paidTier",
]  # fmt: skip
MODELS_KEYS = [
    "models", "quotaInfo", "remainingFraction", "resetTime", "displayName", "modelId", "model",
    "id", "name", "gemini-2.5-pro", "claude-sonnet-4-5",
]  # fmt: skip
ANTIGRAVITY_KEYS = [
    "userStatusProtoBinaryBase64", "apiKey", "email", "name",
]  # fmt: skip


# Real answers (both shapes where a service has two), the seeds of the mutations.
RESET_ISO = "2026-11-22T14:00:00Z"
CODEX_SEEDS = [
    {
        "plan_type": "plus",
        "rate_limit": {
            "primary_window": {"used_percent": 20, "limit_window_seconds": 18000,
                               "reset_at": 1763812800, "reset_after_seconds": 3600},
            "secondary_window": {"used_percent": 40.5, "limit_window_seconds": 604800,
                                 "reset_at": 1764000000000},
        },
        "credits": {"has_credits": True, "unlimited": False, "balance": "14.5"},
        "additional_rate_limits": [
            {"limit_name": "GPT-5-Codex-Spark", "metered_feature": "spark",
             "rate_limit": {"primary_window": {"used_percent": 5, "window_minutes": 300,
                                               "resets_at": RESET_ISO},
                            "secondary_window": {"remaining_percent": 80,
                                                 "window_seconds": 604800}}},
        ],
    },
    {"five_hour": {"percent_left": 30, "resets_in_seconds": 100},
     "weekly": {"usedPercent": "12", "resetAt": RESET_ISO, "window_minutes": 10080}},
]  # fmt: skip
CLAUDE_SEEDS = [
    {
        "five_hour": {"utilization": 12.0, "resets_at": RESET_ISO},
        "seven_day": {"utilization": 40, "resets_at": RESET_ISO},
        "seven_day_opus": {"utilization": 5, "resets_at": None},
        "seven_day_oauth_apps": None,
        "iguana_necktie": {"utilization": 3, "window_seconds": 3600, "resets_in_seconds": 60},
        "extra_usage": {"is_enabled": True, "monthly_limit": 5000, "used_credits": 1234,
                        "utilization": 24.7},
        "spend": {"amount_minor": 1234, "exponent": 2, "currency": "usd",
                  "limit": {"amount_minor": 5000, "exponent": 2}},
    },
    {
        "limits": [
            {"kind": "session", "percent": 12, "resets_at": RESET_ISO},
            {"kind": "weekly_all", "utilization": 40, "resets_at": 1763812800},
            {"kind": "weekly_scoped", "utilization": 5, "scope": {"model": {"display_name": "Opus"}}},
            {"kind": "daily_tokens", "remaining_percent": 70, "window_seconds": 86400,
             "scope": {"model": "Sonnet"}},
        ],
        "seven_day_opus": {"utilization": 5},
        "extra_usage": {"is_enabled": False, "spend": {"amount_minor": 10, "exponent": 2}},
    },
]  # fmt: skip
COPILOT_USER_SEEDS = [
    {
        "login": "octocat",
        "copilot_plan": "individual",
        "access_type_sku": "free_limited_copilot",
        "quota_reset_date": "2026-12-01",
        "quota_reset_date_utc": "2026-12-01T00:00:00Z",
        "quota_snapshots": {
            "premium_interactions": {"entitlement": 300, "remaining": 120, "percent_remaining": 40.0,
                                     "unlimited": False, "overage_count": 3},
            "chat": {"entitlement": -1, "unlimited": True},
            "completions": {"entitlement": 0, "remaining": 0},
            "custom_window": {"entitlement": 10, "quota_remaining": 5},
        },
    },
    {
        "copilot_plan": "individual",
        "limited_user_reset_date": "2026-12-01",
        "monthly_quotas": {"chat": 50, "completions": 2000},
        "limited_user_quotas": {"chat": 10, "completions": 100},
    },
]  # fmt: skip
COPILOT_BILLING_SEEDS = [
    {
        "timePeriod": {"year": 2026, "month": 11},
        "user": "octocat",
        "usageItems": [
            {"product": "Copilot", "sku": "Copilot Premium Request", "model": "Claude Sonnet 4",
             "unitType": "requests", "pricePerUnit": 0.04, "grossQuantity": 120,
             "netQuantity": 0, "limit": 300},
            {"sku": "copilot_premium_request", "model": "GPT-5", "grossQuantity": "3.5",
             "netQuantity": 2},
        ],
    }
]  # fmt: skip
ZHIPU_SEEDS = [
    {
        "code": 200, "msg": "ok", "success": True,
        "data": {"level": "pro", "limits": [
            {"type": "TOKENS_LIMIT", "unit": 3, "number": 5, "usage": 100000,
             "currentValue": 2000, "remaining": 98000, "percentage": 2,
             "nextResetTime": 1763812800000},
            {"type": "TOKENS_LIMIT", "unit": 6, "number": 1, "percentage": 10},
            {"type": "TIME_LIMIT", "unit": 5, "number": 1, "usage": 1000, "currentValue": 10,
             "remaining": 990, "percentage": 1,
             "usageDetails": [{"modelCode": "search-prime", "usage": 5}]},
            {"type": "CREDIT_LIMIT", "usage": 10, "remaining": 4},
        ]},
    },
    {"limits": [{"type": "TOKENS_LIMIT", "usage": 10, "currentValue": 1}]},
]  # fmt: skip
GEMINI_SEEDS = [
    {
        "cloudaicompanionProject": {"id": "proj-1"},
        "currentTier": {"id": "standard-tier"},
        "buckets": [
            {"modelId": "gemini-2.5-pro", "tokenType": "REQUESTS", "remainingFraction": 0.75,
             "remainingAmount": "750", "resetTime": "2026-11-23T00:00:00Z"},
            {"modelId": "gemini-2.5-flash", "tokenType": "INPUT_TOKENS", "remainingFraction": 1},
            {"modelId": "gemini-2.5-flash", "remainingAmount": 3},
        ],
    }
]  # fmt: skip
MODELS_SEEDS = [
    {"models": {
        "gemini-2.5-pro": {"displayName": "Gemini 2.5 Pro",
                           "quotaInfo": {"remainingFraction": 0.5, "resetTime": RESET_ISO}},
        "claude-sonnet-4-5": {"displayName": "Claude Sonnet 4.5", "quotaInfo": {}},
        "chat_1": {"displayName": "x"},
    }},
    {"models": [{"modelId": "m-1", "displayName": "M", "quotaInfo": {"remainingFraction": "0.2"}}]},
]  # fmt: skip


# --------------------------------------------------------------------------- checks


def assert_presentable(quota: Quota) -> None:
    """What a parser returns must be usable downstream: finite numbers, text where text goes."""
    assert isinstance(quota, Quota)
    assert quota.plan is None or isinstance(quota.plan, str)
    for window in quota.windows:
        assert_window(window)
    for balance in quota.balances:
        assert isinstance(balance.id, str) and isinstance(balance.label, str)
        for number in (balance.amount, balance.limit):
            assert number is None or math.isfinite(number), balance
    for key, value in quota.details:
        assert isinstance(key, str) and isinstance(value, str)


def assert_window(window: Window) -> None:
    assert isinstance(window, Window)
    assert isinstance(window.id, str) and isinstance(window.label, str)
    for number in (window.used_percent, window.used, window.limit):
        assert number is None or (isinstance(number, float | int) and math.isfinite(number)), window
    assert window.window_seconds is None or isinstance(window.window_seconds, int)
    assert window.resets_at is None or window.resets_at.tzinfo is not None


def parses_or_refuses(parse: Callable[[], Any]) -> Any:
    """The parser's result, or None when it raised ParseError; anything else fails the test."""
    try:
        return parse()
    except ParseError as error:
        assert str(error), "a ParseError must say what is wrong"
        return None


# --------------------------------------------------------------------------- pure parsers


@PROPERTY
@given(answers(CODEX_KEYS, *CODEX_SEEDS))
def test_codex_parse_usage_never_crashes(data: Any) -> None:
    quota = parses_or_refuses(lambda: codex.parse_usage(data, NOW))
    if quota is not None:
        assert_presentable(quota)


@PROPERTY
@given(answers(CLAUDE_KEYS, *CLAUDE_SEEDS))
def test_claude_parse_usage_never_crashes(data: Any) -> None:
    quota = parses_or_refuses(lambda: claude.parse_usage(data, NOW))
    if quota is not None:
        assert_presentable(quota)


@PROPERTY
@given(answers(COPILOT_USER_KEYS, *COPILOT_USER_SEEDS))
def test_copilot_parse_user_never_crashes(data: Any) -> None:
    quota = parses_or_refuses(lambda: copilot.parse_user(data, NOW))
    if quota is not None:
        assert_presentable(quota)


@PROPERTY
@given(
    answers(COPILOT_BILLING_KEYS, *COPILOT_BILLING_SEEDS),
    st.one_of(st.none(), st.sampled_from(TEXTS)),
)
def test_copilot_parse_billing_never_crashes(data: Any, tier: str | None) -> None:
    quota = parses_or_refuses(lambda: copilot.parse_billing(data, tier, NOW))
    if quota is not None:
        assert_presentable(quota)


@PROPERTY
@given(answers(ZHIPU_KEYS, *ZHIPU_SEEDS))
def test_zhipu_parse_quota_never_crashes(data: Any) -> None:
    quota = parses_or_refuses(lambda: zhipu.parse_quota(data, NOW))
    if quota is not None:
        assert_presentable(quota)


@PROPERTY
@given(answers(ZHIPU_KEYS, *ZHIPU_SEEDS))
def test_zhipu_body_error_never_crashes(data: Any) -> None:
    for http_status in (None, 400, 401, 429, 500):
        error = zhipu.body_error(zhipu.ZHIPU, data, "the config file", http_status=http_status)
        assert error is None or (isinstance(error, FetchError) and error.message)


@PROPERTY
@given(answers(GEMINI_KEYS, *GEMINI_SEEDS))
def test_google_parse_user_quota_never_crashes(data: Any) -> None:
    windows = parses_or_refuses(lambda: google.parse_user_quota(data))
    if windows is not None:
        for window in windows:
            assert_window(window)
        google.group_windows(windows)


@PROPERTY
@given(answers(MODELS_KEYS, *MODELS_SEEDS))
def test_google_parse_available_models_never_crashes(data: Any) -> None:
    windows = parses_or_refuses(lambda: google.parse_available_models(data))
    if windows is not None:
        for window in windows:
            assert_window(window)
        google.group_windows(windows)


@PROPERTY
@given(answers(GEMINI_KEYS, *GEMINI_SEEDS))
def test_google_parse_load_code_assist_never_crashes(data: Any) -> None:
    result = parses_or_refuses(lambda: google.parse_load_code_assist(data))
    if result is not None:
        project, plan = result
        assert project is None or isinstance(project, str)
        assert plan is None or isinstance(plan, str)


# --------------------------------------------------------------------------- Antigravity cache


@PROPERTY
@given(st.binary(max_size=200))
def test_protobuf_decoder_never_crashes_on_any_bytes(data: bytes) -> None:
    status = parses_or_refuses(lambda: antigravity_cache.parse_user_status(data))
    if status is not None:
        for window in status.windows:
            assert_window(window)


def _fraction_field() -> st.SearchStrategy[bytes]:
    floats = st.floats(width=32, allow_nan=True, allow_infinity=True)
    return st.one_of(
        floats.map(lambda number: f_float(1, number)),
        st.floats(allow_nan=True, allow_infinity=True).map(lambda number: f_double(1, number)),
        st.integers(0, 2**64 - 1).map(lambda number: f_varint(1, number)),
        st.binary(max_size=6).map(lambda raw: f_bytes(1, raw)),
    )


def _timestamp_field() -> st.SearchStrategy[bytes]:
    seconds = st.one_of(st.integers(0, 2**64 - 1), st.sampled_from([1, 1763812800, 2**63 - 1]))
    nanos = st.integers(0, 2**64 - 1)
    return st.one_of(
        st.builds(lambda s, n: f_message(2, f_varint(1, s), f_varint(2, n)), seconds, nanos),
        st.binary(max_size=12).map(lambda raw: f_bytes(2, raw)),
        st.integers(0, 2**64 - 1).map(lambda number: f_varint(2, number)),
        st.just(struct.pack("<B", 2 << 3 | 5) + b"\x00\x00\x80\x7f"),  # fixed32 in field 2
    )


@st.composite
def proto_user_status(draw: st.DrawFn) -> bytes:
    """Structurally plausible user status messages with odd values in every known field."""
    groups = []
    for _ in range(draw(st.integers(0, 3))):
        models = []
        for _ in range(draw(st.integers(0, 3))):
            info = b"".join(
                draw(st.lists(st.one_of(_fraction_field(), _timestamp_field()), max_size=3))
            )
            label = draw(
                st.one_of(st.text(max_size=12), st.sampled_from(["", "  ", "Claude Sonnet"]))
            )
            parts = [f_string(1, label)] if draw(st.booleans()) else []
            kind = draw(st.sampled_from(["message", "varint", "bytes", "none"]))
            if kind == "message":
                parts.append(f_message(15, info))
            elif kind == "varint":
                parts.append(f_varint(15, draw(st.integers(0, 2**64 - 1))))
            elif kind == "bytes":
                parts.append(f_bytes(15, draw(st.binary(max_size=8))))
            models.append(f_message(1, *parts) if draw(st.booleans()) else f_varint(1, 7))
        groups.append(f_message(33, *models) if draw(st.booleans()) else f_varint(33, 1))
    email = draw(st.one_of(st.none(), st.text(max_size=10)))
    head = f_string(7, email) if email is not None else b""
    tail = draw(st.binary(max_size=6)) if draw(st.booleans()) else b""
    return head + b"".join(groups) + tail


@PROPERTY
@given(proto_user_status())
def test_protobuf_mapping_never_crashes_on_odd_fields(data: bytes) -> None:
    status = parses_or_refuses(lambda: antigravity_cache.parse_user_status(data))
    if status is not None:
        for window in status.windows:
            assert_window(window)
            assert window.used_percent is not None and 0 <= window.used_percent <= 100


def test_protobuf_mapping_reads_a_plain_message() -> None:
    data = user_status("a@b.c", [[Model("Gemini 3 Pro", fraction=0.25, reset=1763812800)]])
    status = antigravity_cache.parse_user_status(data)
    assert status.email == "a@b.c"
    assert [round(w.used_percent or 0) for w in status.windows] == [75]
    assert model(Model("x"))  # the encoder builds what the strategy mutates


@PROPERTY
@given(
    json_values(ANTIGRAVITY_KEYS), st.one_of(st.none(), proto_user_status(), st.binary(max_size=40))
)
def test_antigravity_auth_status_never_crashes(data: Any, proto: bytes | None) -> None:
    import base64

    if isinstance(data, dict) and proto is not None:
        data = {**data, "userStatusProtoBinaryBase64": base64.b64encode(proto).decode()}
    for value in (data, json.dumps(data), json.dumps(data).encode(), b"\xff\xfe" + b"x"):
        try:
            quota = antigravity_cache.quota_from(value, NOW.timestamp() - 60, NOW, "state.vscdb")
        except ParseError:
            continue
        except FetchError as error:
            assert error.status is Status.ERROR and "no quota yet" in error.message
            continue
        assert_presentable(quota)


@PROPERTY
@given(
    st.one_of(
        st.text(max_size=40), st.sampled_from(["", "====", "-_-_", "ü", "YQ", "YQ=", "a b c"])
    )
)
def test_base64_reader_never_crashes(text: str) -> None:
    result = parses_or_refuses(lambda: antigravity_cache.decode_base64(text))
    assert result is None or isinstance(result, bytes)


# --------------------------------------------------------------------------- through fetch_snapshot


def _account(provider: str, **extra: Any) -> Account:
    return Account(
        provider=provider,
        label="fuzz",
        source="test",
        secret=Secret("test-token-0123456789abcdef"),
        extra=extra,
    )


CASES: dict[str, tuple[Any, Account, st.SearchStrategy[Any], set[Status]]] = {
    # provider, account, keys, statuses a well-formed-but-odd 200 answer may produce
    "codex": (
        CodexProvider(),
        _account("codex", account_id="acc-1"),
        answers(CODEX_KEYS, *CODEX_SEEDS),
        set(),
    ),
    "claude": (
        ClaudeProvider(),
        _account("claude", origin="claude_code"),
        answers(CLAUDE_KEYS, *CLAUDE_SEEDS),
        set(),
    ),
    "copilot": (
        CopilotProvider(),
        _account("copilot", kind="internal", remedy="sign in again"),
        answers(COPILOT_USER_KEYS, *COPILOT_USER_SEEDS),
        set(),
    ),
    "copilot-billing": (
        CopilotProvider(),
        _account("copilot", kind="billing", username="octocat", tier="pro"),
        answers(COPILOT_BILLING_KEYS, *COPILOT_BILLING_SEEDS),
        set(),
    ),
    # An error body (`success: false`, a code) is the service's own answer, said in words.
    "zhipu": (
        ZhipuProvider(),
        _account("zhipu"),
        answers(ZHIPU_KEYS, *ZHIPU_SEEDS),
        {Status.ERROR, Status.AUTH_EXPIRED, Status.RATE_LIMITED},
    ),
    "zai": (
        ZaiProvider(),
        _account("zai"),
        answers(ZHIPU_KEYS, *ZHIPU_SEEDS),
        {Status.ERROR, Status.AUTH_EXPIRED, Status.RATE_LIMITED},
    ),
    "gemini": (
        GeminiProvider(),
        _account("gemini", project="proj-1"),
        answers(GEMINI_KEYS, *GEMINI_SEEDS),
        set(),
    ),
    # Without a known project, loadCodeAssist is asked first: it may name none (an error).
    "gemini-no-project": (
        GeminiProvider(),
        _account("gemini"),
        answers(GEMINI_KEYS, *GEMINI_SEEDS),
        {Status.ERROR},
    ),
    "antigravity": (
        AntigravityProvider(),
        _account("antigravity", project="proj-1", client_id="id", client_secret=Secret("secret-x")),
        answers(MODELS_KEYS, *MODELS_SEEDS),
        set(),
    ),
}


async def _fetch(provider: Any, account: Account, body: bytes) -> AccountSnapshot:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})

    async with make_client(httpx.MockTransport(handler)) as client:
        http = HttpSession(client=client, origins={}, clock=lambda: NOW)
        return await fetch_snapshot(provider, account, http, clock=lambda: NOW)


def check_snapshot(snapshot: AccountSnapshot, allowed: set[Status]) -> None:
    assert "Internal error" not in (snapshot.message or ""), snapshot.message
    assert snapshot.status in {Status.OK, Status.BAD_RESPONSE, *allowed}, snapshot
    if snapshot.status is not Status.OK:
        assert snapshot.message
    assert_outputs_work(snapshot)


@pytest.mark.parametrize("case", list(CASES))
def test_any_json_through_fetch_snapshot_is_ok_or_bad_response(case: str) -> None:
    google.clear_memory()
    provider, account, strategy, allowed = CASES[case]

    @THROUGH_FETCH
    @given(strategy)
    def run(data: Any) -> None:
        google.clear_memory()
        snapshot = asyncio.run(_fetch(provider, account, json.dumps(data).encode()))
        check_snapshot(snapshot, allowed)

    run()


@pytest.mark.parametrize("case", ["codex", "claude", "copilot", "zhipu", "gemini", "antigravity"])
@pytest.mark.parametrize(
    "body",
    [
        b'{"used_percent": NaN, "utilization": Infinity, "remainingFraction": -Infinity}',
        b'{"rate_limit": {"primary_window": {"used_percent": NaN}}, "five_hour": {"utilization": NaN}}',
        b"[" * 100_000 + b"]" * 100_000,  # deeper than json can recurse
        b'{"a": "\\ud800"}',  # a lone surrogate
        b"\xef\xbb\xbf{}",  # a BOM
        b"1e400",
        b"12345678901234567890" * 200,  # a 4000-digit integer
        b'{"five_hour": {"utilization": ' + b"9" * 5000 + b"}}",  # over Python's 4300 digits
        b'"' + b"x" * 1_000_000 + b'"',
    ],
)
def test_odd_json_texts_through_fetch_snapshot(case: str, body: bytes) -> None:
    google.clear_memory()
    provider, account, _, allowed = CASES[case]
    snapshot = asyncio.run(_fetch(provider, account, body))
    check_snapshot(snapshot, allowed)


def test_antigravity_cache_file_through_fetch_snapshot(tmp_path: Path) -> None:
    """The cache provider reads SQLite, not HTTP: the same property through a real file."""

    @THROUGH_FETCH
    @given(
        st.one_of(
            json_values(ANTIGRAVITY_KEYS).map(json.dumps),
            proto_user_status().map(lambda proto: auth_json(proto, email="x@y.z")),
            st.binary(max_size=30).map(lambda raw: auth_json(raw)),
            st.binary(max_size=30),
        )
    )
    def run(value: str | bytes) -> None:
        path = tmp_path / "state.vscdb"
        path.unlink(missing_ok=True)
        write_state(path, value)
        account = Account(
            provider="antigravity",
            label="local cache",
            source="state.vscdb",
            extra={"kind": "cache"},
            path=path,
        )
        snapshot = asyncio.run(_fetch(AntigravityProvider(), account, b"{}"))
        check_snapshot(snapshot, {Status.ERROR})

    run()
