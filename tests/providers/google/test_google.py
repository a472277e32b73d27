"""Gemini and Antigravity cloud quota (PROVIDERS.md §5): pure parsers, discovery of both
credential files, refresh in memory only, every failure the brief names, the grouped view,
the command line end to end against a local server, the demo, and no secret in any output."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from support.credentials import DAY, HOUR
from support.leaks import ONCE_AND_JSON, fingerprint, leaked
from support.servers import LocalServer, Reply, Seen, hostile_reply

from providers import demo, google
from providers.base import Account, DiscoveryContext, ParseError
from providers.collect import fetch_snapshot
from providers.demo import fake_jwt
from providers.google import cache as antigravity_cache
from providers.google import demo as demo_google
from providers.google.antigravity import AntigravityProvider
from providers.google.gemini import GeminiProvider
from providers.google.models import group_windows
from providers.google.parse import (
    parse_available_models,
    parse_load_code_assist,
    parse_user_quota,
    verification_text,
)
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.model import AccountSnapshot, Quota, Status, Window
from providers.registry import select
from tui.cli import main

RESET = "2026-01-30T17:05:02Z"
RESET_AT = datetime(2026, 1, 30, 17, 5, 2, tzinfo=UTC)


@pytest.fixture(autouse=True)
def forget_tokens(monkeypatch):
    # conftest does not isolate GOOGLE_*: a developer's own project must not reach a test.
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    google.clear_memory()
    yield
    google.clear_memory()


def by_id(windows: tuple[Window, ...]) -> dict[str, Window]:
    return {window.id: window for window in windows}


# =========================================================================== parse: retrieveUserQuota

SEED_BUCKETS = {
    "buckets": [
        {"modelId": "gemini-2.5-pro", "tokenType": "REQUESTS", "remainingFraction": 0.85,
         "remainingAmount": "850", "resetTime": RESET},
        {"modelId": "gemini-2.0-flash", "remainingFraction": 1, "resetTime": RESET},
        {"modelId": "gemini-2.5-flash", "remainingFraction": 1, "resetTime": RESET},
    ]
}  # fmt: skip


def test_buckets_become_one_window_per_model_ordered_by_id() -> None:
    windows = parse_user_quota(SEED_BUCKETS)
    assert [w.id for w in windows] == [
        "model:gemini-2.0-flash",
        "model:gemini-2.5-flash",
        "model:gemini-2.5-pro",
    ]
    pro = by_id(windows)["model:gemini-2.5-pro"]
    assert pro.label == "gemini-2.5-pro"
    assert pro.used_percent == 15.0
    assert pro.remaining_percent == 85.0
    assert pro.resets_at == RESET_AT
    assert pro.unit == "requests"
    assert (pro.used, pro.limit) == (150.0, 1000.0)  # derivable from amount and fraction
    flash = by_id(windows)["model:gemini-2.0-flash"]
    assert flash.used_percent == 0.0 and flash.used is None and flash.limit is None


def test_a_token_type_other_than_requests_is_in_the_label_and_unit() -> None:
    answer = {
        "buckets": [
            {"modelId": "gemini-2.5-pro", "tokenType": "REQUESTS", "remainingFraction": 0.5},
            {"modelId": "gemini-2.5-pro", "tokenType": "TOKENS", "remainingFraction": 0.25},
        ]
    }
    windows = by_id(parse_user_quota(answer))
    assert windows["model:gemini-2.5-pro"].unit == "requests"
    tokens = windows["model:gemini-2.5-pro:tokens"]
    assert tokens.label == "gemini-2.5-pro (tokens)"
    assert tokens.unit == "tokens"
    assert tokens.used_percent == 75.0


def test_a_lone_bucket_of_another_token_type_keeps_the_model_id() -> None:
    # PROVIDERS.md §5: id `model:<modelId>`, label the model id; the type is only the unit
    # unless the same model also has a bucket of another type.
    answer = {"buckets": [{"modelId": "gemini-2.5-pro", "tokenType": "TOKENS",
                           "remainingFraction": 0.5, "remainingAmount": "500000"}]}  # fmt: skip
    [window] = parse_user_quota(answer)
    assert (window.id, window.label, window.unit) == (
        "model:gemini-2.5-pro",
        "gemini-2.5-pro",
        "tokens",
    )
    assert (window.used, window.limit) == (500000.0, 1000000.0)


def test_two_other_token_types_of_one_model_are_both_kept() -> None:
    answer = {"buckets": [
        {"modelId": "m", "tokenType": "INPUT_TOKENS", "remainingFraction": 0.5},
        {"modelId": "m", "tokenType": "OUTPUT_TOKENS", "remainingFraction": 0.25},
        {"modelId": "n", "tokenType": "REQUESTS", "remainingFraction": 1},
    ]}  # fmt: skip
    assert [w.id for w in parse_user_quota(answer)] == [
        "model:m:input_tokens",
        "model:m:output_tokens",
        "model:n",
    ]


def test_a_bucket_without_a_fraction_is_exhausted() -> None:
    answer = {"buckets": [{"modelId": "gemini-2.5-pro", "resetTime": RESET}]}
    [window] = parse_user_quota(answer)
    assert window.used_percent == 100.0 and window.remaining_percent == 0.0
    assert window.used is None and window.limit is None  # 0 left: the limit is not derivable


def test_numbers_may_be_strings_and_float_noise_is_rounded() -> None:
    answer = {"buckets": [{"modelId": "m", "remainingFraction": "0.8500000119",
                           "remainingAmount": 850}]}  # fmt: skip
    [window] = parse_user_quota(answer)
    assert window.used_percent == 15.0
    assert (window.used, window.limit) == (150.0, 1000.0)


@pytest.mark.parametrize(
    "bad", [None, "x", 5, {"remainingFraction": 0.5}, {"modelId": "m", "remainingFraction": "lots"}]
)
def test_a_malformed_bucket_is_dropped_alone(bad) -> None:
    answer = {"buckets": [bad, {"modelId": "ok", "remainingFraction": 0.5}]}
    assert [w.id for w in parse_user_quota(answer)] == ["model:ok"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ([], "not a JSON object"),
        ({"models": {}}, "no buckets"),
        ({"buckets": "none"}, "not a list"),
        ({"buckets": [1, "two"]}, "no usable bucket"),
    ],
)
def test_an_answer_we_cannot_read_is_a_parse_error(data, words) -> None:
    with pytest.raises(ParseError, match=words):
        parse_user_quota(data)


def test_no_buckets_is_an_account_without_windows() -> None:
    assert parse_user_quota({"buckets": []}) == ()
    assert parse_user_quota({"buckets": None}) == ()


# =========================================================================== parse: fetchAvailableModels

SEED_MODELS = {
    "models": {
        "gemini-3-pro-high": {
            "displayName": "Gemini 3 Pro (High)",
            "quotaInfo": {"remainingFraction": 1.0, "resetTime": "2026-01-24T00:00:00Z"},
        },
        "gemini-3-pro-image": {
            "quotaInfo": {"remainingFraction": 0.85, "resetTime": "2026-01-24T00:00:00Z"}
        },
        "claude-opus-4-5-thinking": {
            "displayName": "Claude Opus 4.5 (Thinking)",
            "quotaInfo": {"remainingFraction": 0.0, "resetTime": "2026-01-25T12:00:00Z"},
        },
        "claude-sonnet-4-5": {
            "displayName": "Claude Sonnet 4.5",
            "quotaInfo": {"resetTime": "2026-01-25T12:00:00Z"},
        },
        "chat_20706": {"displayName": "Internal"},
    }
}


def test_models_become_windows_labelled_by_display_name() -> None:
    windows = parse_available_models(SEED_MODELS)
    assert [(w.id, w.label) for w in windows] == [
        ("model:claude-opus-4-5-thinking", "Claude Opus 4.5 (Thinking)"),
        ("model:claude-sonnet-4-5", "Claude Sonnet 4.5"),
        ("model:gemini-3-pro-high", "Gemini 3 Pro (High)"),
        ("model:gemini-3-pro-image", "gemini-3-pro-image"),  # no displayName: the id
    ]
    found = by_id(windows)
    assert found["model:gemini-3-pro-high"].used_percent == 0.0
    assert found["model:gemini-3-pro-image"].used_percent == 15.0
    assert found["model:gemini-3-pro-image"].resets_at == datetime(2026, 1, 24, tzinfo=UTC)
    assert found["model:claude-opus-4-5-thinking"].remaining_percent == 0.0


def test_quota_info_without_a_fraction_is_zero_left() -> None:
    window = by_id(parse_available_models(SEED_MODELS))["model:claude-sonnet-4-5"]
    assert window.used_percent == 100.0 and window.remaining_percent == 0.0
    assert window.resets_at == datetime(2026, 1, 25, 12, tzinfo=UTC)


def test_a_model_without_quota_info_is_skipped() -> None:
    assert "model:chat_20706" not in by_id(parse_available_models(SEED_MODELS))
    assert parse_available_models({"models": {"a": {"displayName": "A"}}}) == ()


def test_model_names_are_data_new_ones_appear() -> None:
    answer = {"models": {"zeta-9-ultra": {"quotaInfo": {"remainingFraction": 0.3}}}}
    [window] = parse_available_models(answer)
    assert window.id == "model:zeta-9-ultra" and window.used_percent == 70.0


def test_models_as_a_list_are_read_too() -> None:
    answer = {"models": [{"modelId": "m1", "quotaInfo": {"remainingFraction": 0.5}}, "junk"]}
    assert [w.id for w in parse_available_models(answer)] == ["model:m1"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ("x", "not a JSON object"),
        ({"buckets": []}, "no models"),
        ({"models": 3}, "not an object"),
        ({"models": {"a": 1, "b": {"quotaInfo": "x"}}}, "no usable model"),
    ],
)
def test_a_models_answer_we_cannot_read_is_a_parse_error(data, words) -> None:
    with pytest.raises(ParseError, match=words):
        parse_available_models(data)


def test_an_empty_object_is_no_quota_rather_than_a_bad_answer() -> None:
    # Google's protobuf JSON leaves empty lists and maps out, so "nothing" arrives as {}.
    assert parse_user_quota({}) == ()
    assert parse_available_models({}) == ()


# =========================================================================== parse: loadCodeAssist


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (
            {"cloudaicompanionProject": "proj-1", "currentTier": {"id": "free-tier"}},
            ("proj-1", "free-tier"),
        ),
        (
            {"cloudaicompanionProject": {"id": "proj-2", "name": "x"},
             "currentTier": {"id": "standard-tier"}},
            ("proj-2", "standard-tier"),
        ),
        ({"allowedTiers": []}, (None, None)),
        ({"cloudaicompanionProject": {"name": "no id"}}, (None, None)),
    ],
)  # fmt: skip
def test_load_code_assist_gives_project_and_plan(answer, expected) -> None:
    assert parse_load_code_assist(answer) == expected


def test_load_code_assist_that_is_not_an_object_is_a_parse_error() -> None:
    with pytest.raises(ParseError):
        parse_load_code_assist(["nope"])


# =========================================================================== grouped view and order


def w(model: str, label: str, used: float | None, reset: datetime | None = None) -> Window:
    return Window(f"model:{model}", label, used_percent=used, resets_at=reset)


def test_group_windows_lowest_remaining_and_earliest_reset() -> None:
    early, late = RESET_AT, RESET_AT + timedelta(hours=5)
    windows = [
        w("claude-sonnet-4-5", "Claude Sonnet 4.5", 20, late),
        w("claude-opus-4-5-thinking", "Claude Opus 4.5", 65, early),
        w("gemini-3-pro-high", "Gemini 3 Pro (High)", 40, late),
        w("gemini-2.5-pro", "gemini-2.5-pro", 10, None),
        w("gemini-3-flash", "Gemini 3 Flash", 0, late),
        w("gemini-3-flash-preview", "GEMINI FLASH PREVIEW", 30, early),
        w("gpt-oss-120b", "GPT-OSS 120B", 5, late),
        w("gemini-3-preview", "Gemini 3 Preview", 1, late),  # "preview" is not "pro"
    ]
    groups = group_windows(windows)
    assert [name for name, _ in groups] == ["Claude", "Gemini Pro", "Gemini Flash", "Other"]
    found = dict(groups)
    assert found["Claude"].used_percent == 65 and found["Claude"].resets_at == early
    assert found["Claude"].remaining_percent == 35
    assert found["Gemini Pro"].used_percent == 40 and found["Gemini Pro"].resets_at == late
    assert found["Gemini Flash"].used_percent == 30 and found["Gemini Flash"].resets_at == early
    assert found["Other"].used_percent == 5
    assert found["Claude"].id == "group:claude" and found["Gemini Pro"].label == "Gemini Pro"


def test_group_windows_leaves_out_empty_groups_and_handles_unknowns() -> None:
    assert group_windows([]) == []
    [(name, window)] = group_windows([w("claude-x", "x", None)])
    assert name == "Claude" and window.used_percent is None and window.resets_at is None


def snap(label: str, *left: float, provider: str = "antigravity") -> AccountSnapshot:
    windows = tuple(w(f"m{i}", f"m{i}", 100 - value) for i, value in enumerate(left))
    return AccountSnapshot(provider, label, "src", False, Status.OK, windows=windows)


def test_order_is_most_left_on_the_least_remaining_model_then_name() -> None:
    snapshots = [snap("zed", 90, 40), snap("amy", 50, 100), snap("bob", 50, 80),
                 snap("top", 70, 75), snap("none")]  # fmt: skip
    ordered = sorted(snapshots, key=google.sort_key)
    assert [s.account for s in ordered] == ["top", "amy", "bob", "zed", "none"]


def test_provider_shapes() -> None:
    gemini, antigravity = GeminiProvider(), AntigravityProvider()
    assert (gemini.id, gemini.name) == ("gemini", "Gemini")
    assert (antigravity.id, antigravity.name) == ("antigravity", "Antigravity")
    assert gemini.settings == {"client_id": str, "client_secret": str, "project": str}
    assert antigravity.settings == {"client_id": str, "client_secret": str, "cache_path": str}


# =========================================================================== verification 403


VERIFY_MESSAGE = (
    "To continue, verify your account at https://accounts.google.com/signin/continue?x=1"
)


def verify_body(message: str = VERIFY_MESSAGE) -> dict[str, Any]:
    return {
        "error": {
            "code": 403,
            "message": message,
            "status": "PERMISSION_DENIED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "VALIDATION_REQUIRED",
                    "metadata": {"validation_url": "https://accounts.google.com/signin/continue"},
                }
            ],
        }
    }


@pytest.mark.parametrize(
    "body",
    [
        verify_body(),
        verify_body("Permission denied"),  # only the reason says so
        {"error": {"code": 403, "message": "Please verify your account to continue"}},
        {"error": "verification required"},
    ],
)
def test_a_verify_account_403_is_recognised(body) -> None:
    assert verification_text(body) is not None


@pytest.mark.parametrize(
    "body",
    [
        None,
        "verify",
        {"error": {"code": 403, "message": "Cloud Code Assist API has not been used in project"}},
        {"error": {"status": "PERMISSION_DENIED", "details": [{"reason": "SERVICE_DISABLED"}]}},
    ],
)
def test_other_403s_are_not_verification(body) -> None:
    assert verification_text(body) is None


# =========================================================================== discovery


def write_gemini(
    home: Path,
    access: str | None = "ya29.gemini-access-000000",
    *,
    expires_in: float | None = HOUR,
    refresh: str | None = "1//gemini-refresh-000000",
    email: str | None = "ada@example.com",
) -> Path:
    path = home / ".gemini/oauth_creds.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, Any] = {
        "token_type": "Bearer",
        "scope": "https://www.googleapis.com/auth/cloud-platform openid",
    }
    if access is not None:
        document["access_token"] = access
    if refresh is not None:
        document["refresh_token"] = refresh
    if expires_in is not None:
        document["expiry_date"] = int((datetime.now(UTC).timestamp() + expires_in) * 1000)
    if email is not None:
        document["id_token"] = fake_jwt({"email": email, "sub": "123"})
    path.write_text(json.dumps(document))
    return path


def ag_entry(email: str, refresh: str, **extra: Any) -> dict[str, Any]:
    return {"email": email, "refreshToken": refresh, "addedAt": 1, "lastUsed": 2, **extra}


def write_antigravity(folder: Path, accounts: Any, *, version: int = 3, active: Any = 0) -> Path:
    path = folder / "antigravity-accounts.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": version, "accounts": accounts, "activeIndex": active}))
    return path


def context(settings: dict[str, Any] | None = None) -> DiscoveryContext:
    return DiscoveryContext(paths=Paths(), settings=settings or {})


def gemini_accounts(settings: dict[str, Any] | None = None) -> list[Account]:
    return GeminiProvider().discover(context(settings))


def ag_accounts(settings: dict[str, Any] | None = None) -> list[Account]:
    return AntigravityProvider().discover(context(settings))


def test_gemini_login_is_the_active_account_named_by_its_email(home: Path) -> None:
    write_gemini(home)
    [account] = gemini_accounts()
    assert account.provider == "gemini"
    assert account.label == "ada@example.com"
    assert account.source == "~/.gemini/oauth_creds.json"
    assert account.active and account.problem is None
    assert account.secret.reveal() == "ya29.gemini-access-000000"
    assert account.extra["refresh"].reveal() == "1//gemini-refresh-000000"
    expires = account.extra["expires"]
    assert abs(expires.timestamp() - (datetime.now(UTC).timestamp() + HOUR)) < 60  # ms read


def test_gemini_without_an_id_token_is_default(home: Path) -> None:
    write_gemini(home, email=None)
    assert [a.label for a in gemini_accounts()] == ["default"]


def test_no_gemini_file_is_no_account(home: Path) -> None:
    assert gemini_accounts() == []


@pytest.mark.parametrize(
    ("content", "status", "words"),
    [
        ("{nope", Status.ERROR, "is not valid JSON"),
        ("[1]", Status.ERROR, "is not a JSON object"),
        ('{"token_type": "Bearer"}', Status.AUTH_EXPIRED, "run `gemini` to sign in again"),
    ],
)
def test_a_broken_gemini_file_is_an_account_with_a_problem(home, content, status, words) -> None:
    (home / ".gemini").mkdir()
    (home / ".gemini/oauth_creds.json").write_text(content)
    [account] = gemini_accounts()
    assert account.problem.status is status and words in account.problem.message


def test_gemini_project_from_config_or_google_cloud_project(home: Path, monkeypatch) -> None:
    write_gemini(home)
    assert gemini_accounts()[0].extra["project"] is None
    monkeypatch.setenv("GOOGLE_CLOUD_PROJECT", "env-project")
    assert gemini_accounts()[0].extra["project"] == "env-project"
    assert gemini_accounts({"project": "cfg-project"})[0].extra["project"] == "cfg-project"


def test_client_settings_from_env_win_over_config(home: Path, monkeypatch) -> None:
    write_gemini(home)
    settings = {"client_id": "cfg-id", "client_secret": "cfg-secret-value"}
    [account] = gemini_accounts(settings)
    assert account.extra["client_id"] == "cfg-id"
    assert account.extra["client_secret"].reveal() == "cfg-secret-value"
    monkeypatch.setenv("GEMINI_CLIENT_ID", "env-id")
    [account] = gemini_accounts(settings)
    assert account.extra["client_id"] == "env-id"
    assert account.extra["client_sources"] == ("env:GEMINI_CLIENT_ID", "config")
    assert "cfg-secret-value" not in repr(account)


def test_antigravity_v3_file_one_account_per_entry(home: Path) -> None:
    write_antigravity(
        home / ".config/opencode",
        [
            ag_entry("grace@example.com", "1//grace-refresh", projectId="proj-grace",
                     rateLimitResetTimes={"claude": 1769094487111}),
            ag_entry("linus@example.com", "1//linus-refresh", managedProjectId="managed-linus"),
            ag_entry("ken@example.com", "1//ken-refresh"),
        ],
        active=1,
    )  # fmt: skip
    accounts = ag_accounts()
    assert [(a.label, a.active, a.extra["project"]) for a in accounts] == [
        ("grace@example.com", False, "proj-grace"),
        ("linus@example.com", True, "managed-linus"),
        ("ken@example.com", False, None),
    ]
    assert {a.source for a in accounts} == {"~/.config/opencode/antigravity-accounts.json"}
    assert all(a.extra["kind"] == "cloud" and a.problem is None for a in accounts)
    assert accounts[0].extra["refresh"].reveal() == "1//grace-refresh"
    assert len({a.key for a in accounts}) == 3


def test_antigravity_v4_file_is_read_defensively(home: Path) -> None:
    entries = [
        {
            "email": "grace@example.com",
            "refreshToken": "1//grace-v4|proj-packed|managed-packed",
            "enabled": True,
            "fingerprint": {"userAgent": "antigravity/1.15.8"},
            "verificationRequired": False,
        },
        {"email": "nested@example.com", "token": {"refresh_token": "1//nested-v4"},
         "projectId": "proj-nested"},
        {"email": "dead@example.com", "projectId": "p"},
        "garbage",
    ]  # fmt: skip
    write_antigravity(home / ".config/opencode", entries, version=4, active=0)
    accounts = ag_accounts()
    assert [a.label for a in accounts] == [
        "grace@example.com",
        "nested@example.com",
        "dead@example.com",
    ]
    grace, nested, dead = accounts
    assert grace.active and grace.extra["refresh"].reveal() == "1//grace-v4"
    assert grace.extra["project"] == "proj-packed"
    assert nested.extra["refresh"].reveal() == "1//nested-v4"
    assert dead.problem.status is Status.AUTH_EXPIRED
    assert "opencode auth login" in dead.problem.message


@pytest.mark.parametrize(
    ("active", "expected"),
    [(5, [False, True]), (2, [False, True]), (-1, [True, False]), (None, [True, False]),
     ("1", [True, False]), (True, [True, False]), (1.0, [False, True])],
)  # fmt: skip
def test_an_unusable_active_index_is_read_as_the_plugin_reads_it(
    home: Path, active, expected
) -> None:
    # opencode-antigravity-auth's loadAccounts: a non-number is 0, then clamped to the list.
    entries = [ag_entry("a@x.io", "1//a-refresh"), ag_entry("b@x.io", "1//b-refresh")]
    write_antigravity(home / ".config/opencode", entries, active=active)
    assert [a.active for a in ag_accounts()] == expected


def test_a_file_without_active_index_marks_the_first_account_active(home: Path) -> None:
    path = home / ".config/opencode/antigravity-accounts.json"
    path.parent.mkdir(parents=True)
    entries = [ag_entry("a@x.io", "1//a-refresh"), ag_entry("b@x.io", "1//b-refresh")]
    path.write_text(json.dumps({"version": 4, "accounts": entries}))
    assert [(a.label, a.active) for a in ag_accounts()] == [("a@x.io", True), ("b@x.io", False)]


def test_an_empty_accounts_list_is_no_account(home: Path) -> None:
    write_antigravity(home / ".config/opencode", [], active=3)
    assert ag_accounts() == []


def test_opencode_config_dir_moves_the_accounts_file(home: Path, tmp_path, monkeypatch) -> None:
    write_antigravity(home / ".config/opencode", [ag_entry("home@x.io", "1//home-refresh")])
    elsewhere = tmp_path / "oc"
    write_antigravity(elsewhere, [ag_entry("moved@x.io", "1//moved-refresh")])
    monkeypatch.setenv("OPENCODE_CONFIG_DIR", str(elsewhere))
    [account] = ag_accounts()
    assert account.label == "moved@x.io"
    assert account.source == str(elsewhere / "antigravity-accounts.json")


def test_xdg_config_home_moves_the_accounts_file(home: Path, tmp_path, monkeypatch) -> None:
    xdg = tmp_path / "xdg"
    write_antigravity(xdg / "opencode", [ag_entry("xdg@x.io", "1//xdg-refresh")])
    monkeypatch.setenv("XDG_CONFIG_HOME", str(xdg))
    assert [a.label for a in ag_accounts()] == ["xdg@x.io"]


@pytest.mark.parametrize(
    ("content", "words"),
    [("{", "is not valid JSON"), ("[]", "not a JSON object"), ('{"accounts": 3}', "not a list")],
)
def test_a_broken_accounts_file_is_one_account_with_a_problem(home: Path, content, words) -> None:
    (home / ".config/opencode").mkdir(parents=True)
    (home / ".config/opencode/antigravity-accounts.json").write_text(content)
    [account] = ag_accounts()
    assert account.problem.status is Status.ERROR and words in account.problem.message


def test_cache_accounts_come_after_the_cloud_ones(home: Path, monkeypatch) -> None:
    write_antigravity(home / ".config/opencode", [ag_entry("cloud@x.io", "1//cloud-refresh")])
    cached = Account(provider="antigravity", label="cached@x.io", source="local cache",
                     extra={"kind": "cache"})  # fmt: skip
    monkeypatch.setattr(antigravity_cache, "discover", lambda context: [cached])
    assert [a.label for a in ag_accounts()] == ["cloud@x.io", "cached@x.io"]


async def test_cache_accounts_are_fetched_by_the_cache_module(monkeypatch) -> None:
    cached = Account(provider="antigravity", label="c", source="local cache",
                     extra={"kind": "cache"})  # fmt: skip
    seen: list[Account] = []

    async def fake_fetch(account: Account, now: datetime) -> Quota:
        seen.append(account)
        return Quota(windows=(w("x", "X", 10),))

    monkeypatch.setattr(antigravity_cache, "fetch", fake_fetch)
    snapshot = await run(AntigravityProvider(), cached, lambda request: httpx.Response(500))
    assert snapshot.status is Status.OK and seen == [cached]
    assert snapshot.windows[0].id == "model:x"


# =========================================================================== fetch (in-process)

CLIENT = {"client_id": "client-id-1.apps.example.com", "client_secret": "client-secret-value-1"}


class Google:
    """A fake Google: token endpoint, loadCodeAssist, both quota calls; records requests."""

    def __init__(self, **overrides: Callable[[httpx.Request], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self.overrides = overrides
        self.issued = 0

    def paths(self) -> list[str]:
        return [request.url.path for request in self.requests]

    def forms(self) -> list[dict[str, str]]:
        return [
            {k: v[0] for k, v in parse_qs(r.content.decode()).items()}
            for r in self.requests
            if r.url.path == "/token"
        ]

    def bodies(self, path: str) -> list[Any]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        name = request.url.path.rsplit(":", 1)[-1].strip("/")
        if name in self.overrides:
            return self.overrides[name](request)
        if name == "token":
            self.issued += 1
            return httpx.Response(
                200, json={"access_token": f"ya29.fresh-{self.issued:04d}", "expires_in": 3599}
            )
        if name == "loadCodeAssist":
            return httpx.Response(
                200,
                json={
                    "cloudaicompanionProject": {"id": "found-project"},
                    "currentTier": {"id": "standard-tier"},
                },
            )
        if name == "retrieveUserQuota":
            return httpx.Response(200, json=SEED_BUCKETS)
        if name == "fetchAvailableModels":
            return httpx.Response(200, json=SEED_MODELS)
        return httpx.Response(404, json={})


async def run(
    provider: Any,
    account: Account,
    handler: Callable[[httpx.Request], httpx.Response],
    now: datetime | None = None,
) -> AccountSnapshot:
    moment = now or datetime.now(UTC)
    async with make_client(httpx.MockTransport(handler)) as client:
        http = HttpSession(client=client, origins={}, clock=lambda: moment)
        return await fetch_snapshot(provider, account, http, clock=lambda: moment)


def gemini_account(home: Path, settings: dict[str, Any] | None = CLIENT, **kwargs) -> Account:
    write_gemini(home, **kwargs)
    [account] = gemini_accounts(settings)
    return account


def ag_account(home: Path, settings: dict[str, Any] | None = CLIENT, **extra: Any) -> Account:
    write_antigravity(home / ".config/opencode", [ag_entry("grace@example.com", "1//grace-rt",
                                                            **extra)])  # fmt: skip
    [account] = ag_accounts(settings)
    return account


async def test_a_valid_gemini_token_is_used_as_is(home: Path) -> None:
    google_ = Google()
    snapshot = await run(GeminiProvider(), gemini_account(home), google_)
    assert snapshot.status is Status.OK, snapshot.message
    assert google_.paths() == ["/v1internal:loadCodeAssist", "/v1internal:retrieveUserQuota"]
    assert {r.headers["authorization"] for r in google_.requests} == {
        "Bearer ya29.gemini-access-000000"
    }
    assert google_.bodies("/v1internal:loadCodeAssist") == [google.LOAD_CODE_ASSIST_BODY]
    assert google_.bodies("/v1internal:retrieveUserQuota") == [{"project": "found-project"}]
    assert snapshot.plan == "standard-tier"
    assert [w.id for w in snapshot.windows][-1] == "model:gemini-2.5-pro"
    assert all(r.url.host == "cloudcode-pa.googleapis.com" for r in google_.requests)


async def test_a_known_project_skips_load_code_assist(home: Path) -> None:
    google_ = Google()
    account = gemini_account(home, settings={**CLIENT, "project": "my-project"})
    snapshot = await run(GeminiProvider(), account, google_)
    assert snapshot.status is Status.OK
    assert google_.paths() == ["/v1internal:retrieveUserQuota"]
    assert google_.bodies("/v1internal:retrieveUserQuota") == [{"project": "my-project"}]


async def test_the_discovered_project_is_remembered(home: Path) -> None:
    google_ = Google()
    account = gemini_account(home)
    await run(GeminiProvider(), account, google_)
    await run(GeminiProvider(), account, google_)
    assert google_.paths().count("/v1internal:loadCodeAssist") == 1


@pytest.mark.parametrize("project", ["string-project", {"id": "object-project"}])
async def test_load_code_assist_project_in_both_forms(home: Path, project) -> None:
    google_ = Google(
        loadCodeAssist=lambda r: httpx.Response(200, json={"cloudaicompanionProject": project})
    )
    await run(GeminiProvider(), gemini_account(home), google_)
    expected = project if isinstance(project, str) else project["id"]
    assert google_.bodies("/v1internal:retrieveUserQuota") == [{"project": expected}]


async def test_no_project_anywhere_names_the_remedy(home: Path) -> None:
    google_ = Google(loadCodeAssist=lambda r: httpx.Response(200, json={"currentTier": {}}))
    snapshot = await run(GeminiProvider(), gemini_account(home), google_)
    assert snapshot.status is Status.ERROR
    assert "[providers.gemini] project" in snapshot.message
    assert "GOOGLE_CLOUD_PROJECT" in snapshot.message


async def test_an_expired_gemini_token_is_refreshed_in_memory_only(home: Path) -> None:
    account = gemini_account(home, expires_in=-HOUR)
    path = home / ".gemini/oauth_creds.json"
    os.utime(path, (1_600_000_000, 1_600_000_000))
    before, listing = fingerprint([path]), sorted(os.listdir(path.parent))
    google_ = Google()
    snapshot = await run(GeminiProvider(), account, google_)
    assert snapshot.status is Status.OK, snapshot.message
    assert google_.paths()[0] == "/token"
    [token_request] = [r for r in google_.requests if r.url.path == "/token"]
    assert token_request.url.host == "oauth2.googleapis.com"
    assert token_request.method == "POST"
    assert google_.forms() == [
        {
            "client_id": CLIENT["client_id"],
            "client_secret": CLIENT["client_secret"],
            "refresh_token": "1//gemini-refresh-000000",
            "grant_type": "refresh_token",
        }
    ]
    quota_calls = [r for r in google_.requests if r.url.path != "/token"]
    assert {r.headers["authorization"] for r in quota_calls} == {"Bearer ya29.fresh-0001"}
    # Kept in memory: the next fetch uses it without another refresh.
    await run(GeminiProvider(), account, google_)
    assert google_.paths().count("/token") == 1
    assert google_.requests[-1].headers["authorization"] == "Bearer ya29.fresh-0001"
    # Never written: the credential file and its folder are exactly as they were.
    assert fingerprint([path]) == before
    assert sorted(os.listdir(path.parent)) == listing


async def test_the_remembered_token_is_refreshed_again_once_it_expires(home: Path) -> None:
    account = gemini_account(home, expires_in=-HOUR)
    google_ = Google()
    start = datetime.now(UTC)
    await run(GeminiProvider(), account, google_, now=start)
    await run(GeminiProvider(), account, google_, now=start + timedelta(minutes=30))
    assert google_.paths().count("/token") == 1
    await run(GeminiProvider(), account, google_, now=start + timedelta(minutes=59, seconds=30))
    assert google_.paths().count("/token") == 2  # within the margin of its expiry


async def test_a_token_with_an_unknown_expiry_is_tried_then_refreshed_on_401(home: Path) -> None:
    def quota(request: httpx.Request) -> httpx.Response:
        if request.headers["authorization"] == "Bearer ya29.gemini-access-000000":
            return httpx.Response(401, json={"error": {"code": 401}})
        return httpx.Response(200, json=SEED_BUCKETS)

    google_ = Google(retrieveUserQuota=quota)
    account = gemini_account(home, settings={**CLIENT, "project": "p"}, expires_in=None)
    snapshot = await run(GeminiProvider(), account, google_)
    assert snapshot.status is Status.OK
    assert google_.paths() == [
        "/v1internal:retrieveUserQuota",
        "/token",
        "/v1internal:retrieveUserQuota",
    ]


async def test_a_401_without_a_way_to_refresh_is_auth_expired(home: Path) -> None:
    google_ = Google(retrieveUserQuota=lambda r: httpx.Response(401, json={}))
    account = gemini_account(home, settings={"project": "p"})
    snapshot = await run(GeminiProvider(), account, google_)
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "run `gemini` to sign in again" in snapshot.message
    assert google_.paths() == ["/v1internal:retrieveUserQuota"]


async def test_a_401_with_a_refresh_token_but_no_client_names_the_settings(home: Path) -> None:
    google_ = Google(retrieveUserQuota=lambda r: httpx.Response(401, json={}))
    account = gemini_account(home, settings={"project": "p", "client_id": "id"})
    snapshot = await run(GeminiProvider(), account, google_)
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "run `gemini` to sign in again" in snapshot.message
    assert "GEMINI_CLIENT_SECRET or [providers.gemini] client_secret" in snapshot.message
    assert google_.paths() == ["/v1internal:retrieveUserQuota"]


@pytest.mark.parametrize(
    ("settings", "env", "named"),
    [
        ({}, {}, ["GEMINI_CLIENT_ID and GEMINI_CLIENT_SECRET",
                  "[providers.gemini] client_id/client_secret in config.toml"]),
        ({"client_id": "id"}, {}, ["GEMINI_CLIENT_SECRET or [providers.gemini] client_secret"]),
        ({}, {"GEMINI_CLIENT_SECRET": "s3cret-value"},
         ["GEMINI_CLIENT_ID or [providers.gemini] client_id"]),
    ],
)  # fmt: skip
async def test_missing_client_settings_are_named_exactly(
    home: Path, monkeypatch, settings, env, named
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    account = gemini_account(home, settings=settings, expires_in=-HOUR)
    google_ = Google()
    snapshot = await run(GeminiProvider(), account, google_)
    assert snapshot.status is Status.AUTH_EXPIRED
    for words in named:
        assert words in snapshot.message
    assert "run `gemini` once" in snapshot.message
    assert google_.requests == []  # decided offline


async def test_missing_client_settings_do_not_matter_while_the_token_is_valid(home) -> None:
    snapshot = await run(GeminiProvider(), gemini_account(home, settings={}), Google())
    assert snapshot.status is Status.OK


async def test_an_expired_token_without_refresh_token_asks_to_sign_in(home: Path) -> None:
    account = gemini_account(home, expires_in=-HOUR, refresh=None)
    snapshot = await run(GeminiProvider(), account, Google())
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "run `gemini` to sign in again" in snapshot.message


def token_error(code: str, status: int = 400) -> Callable[[httpx.Request], httpx.Response]:
    body = {"error": code, "error_description": "Token has been expired or revoked."}
    return lambda request: httpx.Response(status, json=body)


@pytest.mark.parametrize("status", [400, 401])
async def test_invalid_grant_is_auth_expired(home: Path, status) -> None:
    google_ = Google(token=token_error("invalid_grant", status))
    snapshot = await run(GeminiProvider(), gemini_account(home, expires_in=-HOUR), google_)
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "invalid_grant" in snapshot.message
    assert "run `gemini` to sign in again" in snapshot.message
    assert google_.paths() == ["/token"]


@pytest.mark.parametrize(
    ("code", "status"), [("unauthorized_client", 400), ("invalid_client", 401)]
)
async def test_a_client_that_did_not_issue_the_token_is_named(home: Path, code, status) -> None:
    google_ = Google(token=token_error(code, status))
    snapshot = await run(GeminiProvider(), gemini_account(home, expires_in=-HOUR), google_)
    assert snapshot.status is Status.ERROR
    assert code in snapshot.message
    assert "do not match the app that issued this token" in snapshot.message
    assert "[providers.gemini] in config.toml" in snapshot.message


async def test_a_token_answer_without_access_token_is_bad_response(home: Path) -> None:
    google_ = Google(token=lambda r: httpx.Response(200, json={"expires_in": 3600}))
    snapshot = await run(GeminiProvider(), gemini_account(home, expires_in=-HOUR), google_)
    assert snapshot.status is Status.BAD_RESPONSE


async def test_antigravity_always_refreshes_and_uses_the_entry_project(home: Path) -> None:
    google_ = Google()
    account = ag_account(home, projectId="proj-grace")
    snapshot = await run(AntigravityProvider(), account, google_)
    assert snapshot.status is Status.OK, snapshot.message
    # The quota summary is asked beside the models (this fake has none: a 404, ignored).
    assert google_.paths() == [
        "/token",
        "/v1internal:fetchAvailableModels",
        "/v1internal:retrieveUserQuotaSummary",
    ]
    assert google_.forms()[0]["refresh_token"] == "1//grace-rt"
    assert google_.bodies("/v1internal:fetchAvailableModels") == [{"project": "proj-grace"}]
    assert google_.bodies("/v1internal:retrieveUserQuotaSummary") == [{"project": "proj-grace"}]
    assert {r.headers["authorization"] for r in google_.requests[1:]} == {"Bearer ya29.fresh-0001"}
    assert snapshot.windows[0].id == "model:claude-opus-4-5-thinking"
    await run(AntigravityProvider(), account, google_)
    assert google_.paths().count("/token") == 1


async def test_antigravity_without_a_project_asks_load_code_assist(home: Path) -> None:
    google_ = Google()
    snapshot = await run(AntigravityProvider(), ag_account(home), google_)
    assert google_.paths() == [
        "/token",
        "/v1internal:loadCodeAssist",
        "/v1internal:fetchAvailableModels",
        "/v1internal:retrieveUserQuotaSummary",
    ]
    assert google_.bodies("/v1internal:fetchAvailableModels") == [{"project": "found-project"}]
    assert google_.bodies("/v1internal:retrieveUserQuotaSummary") == [{"project": "found-project"}]
    assert snapshot.plan == "standard-tier"


async def test_antigravity_client_settings_come_from_its_own_env(home: Path, monkeypatch) -> None:
    monkeypatch.setenv("ANTIGRAVITY_CLIENT_ID", "ag-id")
    monkeypatch.setenv("ANTIGRAVITY_CLIENT_SECRET", "ag-secret-value")
    monkeypatch.setenv("GEMINI_CLIENT_ID", "wrong")
    google_ = Google()
    await run(AntigravityProvider(), ag_account(home, settings={}, projectId="p"), google_)
    form = google_.forms()[0]
    assert (form["client_id"], form["client_secret"]) == ("ag-id", "ag-secret-value")


async def test_antigravity_missing_client_settings_are_named(home: Path) -> None:
    google_ = Google()
    snapshot = await run(AntigravityProvider(), ag_account(home, settings={}), google_)
    assert snapshot.status is Status.ERROR
    assert "ANTIGRAVITY_CLIENT_ID and ANTIGRAVITY_CLIENT_SECRET" in snapshot.message
    assert "[providers.antigravity] client_id/client_secret" in snapshot.message
    assert google_.requests == []


async def test_antigravity_invalid_grant_is_auth_expired(home: Path) -> None:
    google_ = Google(token=token_error("invalid_grant"))
    snapshot = await run(AntigravityProvider(), ag_account(home, projectId="p"), google_)
    assert snapshot.status is Status.AUTH_EXPIRED
    assert "grace@example.com" in snapshot.message and "opencode auth login" in snapshot.message


async def test_a_verify_your_account_403_is_forbidden_with_the_remedy(home: Path) -> None:
    long = (
        "To continue, verify your account at https://accounts.google.com/signin/continue?a=b "
        + ("and some more words " * 20)
    )
    google_ = Google(fetchAvailableModels=lambda r: httpx.Response(403, json=verify_body(long)))
    snapshot = await run(AntigravityProvider(), ag_account(home, projectId="p"), google_)
    assert snapshot.status is Status.FORBIDDEN
    assert snapshot.message.startswith("Google asks to verify grace@example.com (HTTP 403)")
    assert '"To continue, verify your account and some more words' in snapshot.message
    assert "https://" not in snapshot.message
    assert "sign in to this account in a browser" in snapshot.message
    assert len(snapshot.message) < 300


async def test_another_403_is_plain_forbidden(home: Path) -> None:
    body = {"error": {"code": 403, "message": "The caller does not have permission"}}
    google_ = Google(fetchAvailableModels=lambda r: httpx.Response(403, json=body))
    snapshot = await run(AntigravityProvider(), ag_account(home, projectId="p"), google_)
    assert snapshot.status is Status.FORBIDDEN
    assert "verify" not in snapshot.message
    assert "project p" in snapshot.message


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (httpx.Response(429, json={}, headers={"retry-after": "30"}), Status.RATE_LIMITED),
        (httpx.Response(500, json={}), Status.ERROR),
        (httpx.Response(200, text="<html>login</html>"), Status.BAD_RESPONSE),
        (httpx.Response(200, json={"unexpected": 1}), Status.BAD_RESPONSE),
    ],
)
async def test_other_failures_map_to_statuses(home: Path, reply, status) -> None:
    google_ = Google(fetchAvailableModels=lambda r: reply)
    snapshot = await run(AntigravityProvider(), ag_account(home, projectId="p"), google_)
    assert snapshot.status is status


# =========================================================================== command line (local server)

_BODY = threading.local()


class _Tee(io.RawIOBase):
    """Wraps the handler's rfile: remembers the last body read, for the answer function."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        _BODY.value = data
        return data

    def readline(self, size: int = -1) -> bytes:
        return self._raw.readline(size)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def capture_bodies(server: LocalServer) -> LocalServer:
    """fakes.Seen has no body; the token endpoint must see which refresh token it got."""
    base = server.server.RequestHandlerClass

    class WithBody(base):  # type: ignore[misc,valid-type]
        def setup(self) -> None:
            super().setup()
            self.rfile = _Tee(self.rfile)

    server.server.RequestHandlerClass = WithBody
    return server


def body_form() -> dict[str, str]:
    raw = getattr(_BODY, "value", b"") or b""
    return {k: v[0] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}


def body_json() -> Any:
    raw = getattr(_BODY, "value", b"") or b""
    try:
        return json.loads(raw)
    except ValueError:
        return None


def layout(home: Path) -> dict[str, Path]:
    gemini = write_gemini(home, "ya29.old-gemini-access", expires_in=-DAY,
                          refresh="1//gemini-rt-e2e", email="ada@example.com")  # fmt: skip
    accounts = write_antigravity(
        home / ".config/opencode",
        [
            ag_entry("grace@example.com", "1//grace-rt-e2e", projectId="proj-grace"),
            ag_entry("linus@example.com", "1//linus-rt-e2e", managedProjectId="proj-linus"),
        ],
        active=0,
    )
    return {"gemini": gemini, "antigravity": accounts}


def e2e_answer(seen: Seen) -> Reply:
    if seen.path == "/token":
        refresh = body_form().get("refresh_token", "")
        return Reply(body={"access_token": f"ya29.e2e-{refresh[3:]}", "expires_in": 3599})
    token = seen.headers.get("authorization", "").removeprefix("Bearer ")
    if seen.path == "/v1internal:loadCodeAssist":
        return Reply(
            body={"cloudaicompanionProject": "proj-ada", "currentTier": {"id": "free-tier"}}
        )
    if seen.path == "/v1internal:retrieveUserQuota" and token == "ya29.e2e-gemini-rt-e2e":
        return Reply(body=SEED_BUCKETS)
    if seen.path == "/v1internal:fetchAvailableModels" and token == "ya29.e2e-grace-rt-e2e":
        return Reply(body=SEED_MODELS)
    if seen.path == "/v1internal:fetchAvailableModels" and token == "ya29.e2e-linus-rt-e2e":
        return Reply(status=403, body=verify_body())
    return Reply(status=401, body={"error": {"code": 401}})


def run_json(capsys, *args: str) -> tuple[int, dict[str, Any], str]:
    code = main(["--once", "--json", *args])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def set_clients(monkeypatch, secret: str = "e2e-client-secret") -> None:
    for prefix in ("GEMINI", "ANTIGRAVITY"):
        monkeypatch.setenv(f"{prefix}_CLIENT_ID", f"{prefix.lower()}-client-id")
        monkeypatch.setenv(f"{prefix}_CLIENT_SECRET", f"{secret}-{prefix.lower()}")


def test_real_layout_against_a_local_server(home: Path, monkeypatch, capsys) -> None:
    files = layout(home)
    before = fingerprint(files.values())
    set_clients(monkeypatch)
    with capture_bodies(LocalServer(e2e_answer)) as server:
        monkeypatch.setenv("AIQUOTA_GEMINI_URL", server.url)
        monkeypatch.setenv("AIQUOTA_ANTIGRAVITY_URL", server.url)
        code, document, err = run_json(capsys, "--provider", "gemini", "--provider", "antigravity")
    assert code == 1, err  # the verify-account 403
    rows = [
        (a["provider"], a["account"], a["active"], a["source"], a["plan"], a["status"])
        for a in document["accounts"]
    ]
    assert rows == [
        ("gemini", "ada@example.com", True, "~/.gemini/oauth_creds.json", "free-tier", "ok"),
        ("antigravity", "grace@example.com", True,
         "~/.config/opencode/antigravity-accounts.json", None, "ok"),
        ("antigravity", "linus@example.com", False,
         "~/.config/opencode/antigravity-accounts.json", None, "forbidden"),
    ]  # fmt: skip
    gemini, grace, linus = document["accounts"]
    pro = {w["id"]: w for w in gemini["windows"]}["model:gemini-2.5-pro"]
    assert pro["remaining_percent"] == 85.0 and pro["resets_at"] == RESET
    assert (pro["used"], pro["limit"], pro["unit"]) == (150.0, 1000.0, "requests")
    assert [w["label"] for w in grace["windows"]][:2] == [
        "Claude Opus 4.5 (Thinking)",
        "Claude Sonnet 4.5",
    ]
    assert "verify linus@example.com" in linus["message"]
    # Both the token and the quota calls went to the override, paths unchanged.
    paths = sorted(s.path for s in server.seen)
    assert paths == sorted(
        ["/token"] * 3
        + ["/v1internal:loadCodeAssist", "/v1internal:retrieveUserQuota"]
        + ["/v1internal:fetchAvailableModels", "/v1internal:retrieveUserQuotaSummary"] * 2
    )
    assert all(s.method == "POST" for s in server.seen)
    assert fingerprint(files.values()) == before


def test_the_plain_table_shows_google_accounts(home: Path, monkeypatch, capsys) -> None:
    layout(home)
    set_clients(monkeypatch)
    with capture_bodies(LocalServer(e2e_answer)) as server:
        monkeypatch.setenv("AIQUOTA_GEMINI_URL", server.url)
        monkeypatch.setenv("AIQUOTA_ANTIGRAVITY_URL", server.url)
        code = main(["--once", "--provider", "gemini", "--provider", "antigravity"])
    out, err = capsys.readouterr()
    assert code == 1 and err == ""
    assert "ada@example.com" in out and "grace@example.com" in out and "forbidden" in out


def test_config_file_client_settings_reach_the_refresh(home: Path, monkeypatch, capsys) -> None:
    layout(home)
    config = home / "config.toml"
    config.write_text(
        '[providers.gemini]\nclient_id = "cfg-id"\nclient_secret = "cfg-secret-value"\n'
        'project = "cfg-project"\n'
    )
    forms: list[dict[str, str]] = []
    bodies: list[Any] = []

    def answer(seen: Seen) -> Reply:
        if seen.path == "/token":
            forms.append(body_form())
            return Reply(body={"access_token": "ya29.cfg-access", "expires_in": 3599})
        bodies.append(body_json())
        return Reply(body=SEED_BUCKETS)

    with capture_bodies(LocalServer(answer)) as server:
        monkeypatch.setenv("AIQUOTA_GEMINI_URL", server.url)
        code, document, err = run_json(capsys, "--config", str(config), "--provider", "gemini")
    assert code == 0, err
    assert (forms[0]["client_id"], forms[0]["client_secret"]) == ("cfg-id", "cfg-secret-value")
    assert bodies == [{"project": "cfg-project"}]
    assert "cfg-secret-value" not in json.dumps(document) + err


def test_missing_client_settings_on_the_command_line(home: Path, capsys) -> None:
    layout(home)
    code, document, _ = run_json(capsys, "--provider", "gemini", "--provider", "antigravity")
    assert code == 1
    statuses = [(a["provider"], a["status"]) for a in document["accounts"]]
    assert statuses == [
        ("gemini", "auth_expired"),
        ("antigravity", "error"),
        ("antigravity", "error"),
    ]
    assert "GEMINI_CLIENT_ID and GEMINI_CLIENT_SECRET" in document["accounts"][0]["message"]
    assert "ANTIGRAVITY_CLIENT_ID" in document["accounts"][1]["message"]


# =========================================================================== demo


def is_cache(source: str) -> bool:
    """The editor-cache accounts (antigravity_cache's own demo and tests) are not ours."""
    return source.endswith(".vscdb")


def test_demo_once_json_shows_gemini_and_antigravity(capsys) -> None:
    code, document, _ = run_json(
        capsys, "--demo", "--provider", "gemini", "--provider", "antigravity"
    )
    document["accounts"] = [a for a in document["accounts"] if not is_cache(a["source"])]
    accounts = [
        (a["provider"], a["account"], a["active"], a["status"]) for a in document["accounts"]
    ]
    assert accounts == [
        ("gemini", "ada@example.com", True, "ok"),
        ("gemini", "alan@example.com", False, "forbidden"),
        ("antigravity", "hedy@example.com", False, "ok"),  # 20 % left beats grace's 0 %
        ("antigravity", "grace@example.com", True, "ok"),
        ("antigravity", "linus@example.com", False, "forbidden"),
    ]
    gemini, alan, hedy, grace, linus = document["accounts"]
    # Gemini CLI's end for consumer logins, and Antigravity 2.x's quota summary (2026).
    assert alan["message"].startswith("Google stopped serving Gemini CLI quota")
    assert "`antigravity` provider" in alan["message"]
    assert [w["id"] for w in hedy["windows"]] == [
        "gemini-models:five_hour",
        "gemini-models:weekly",
        "claude-and-gpt-models:five_hour",
        "claude-and-gpt-models:weekly",
    ]  # the all-100 % per-model placeholder beside them is not shown
    assert [w["used_percent"] for w in hedy["windows"]] == [7.0, 26.0, 80.0, 59.0]
    assert gemini["plan"] == "standard-tier" and len(gemini["windows"]) == 4
    windows = [Window(w["id"], w["label"], w["used_percent"]) for w in grace["windows"]]
    assert [name for name, _ in group_windows(windows)] == [
        "Claude", "Gemini Pro", "Gemini Flash", "Other"
    ]  # fmt: skip
    assert "model:chat_20706" not in {w["id"] for w in grace["windows"]}
    lite = {w["id"]: w for w in grace["windows"]}["model:gemini-2.5-flash-lite"]
    assert lite["remaining_percent"] == 0.0
    assert "verify" in linus["message"] and "browser" in linus["message"]
    assert code == 1


def test_demo_copies_are_distinct_and_all_answer() -> None:
    pairs = demo.accounts(select(["gemini", "antigravity"]), copies=3)
    accounts = [account for _, account in pairs if account.extra.get("kind") != "cache"]
    assert len(accounts) == 15
    assert len({a.label for a in accounts}) == 15
    assert len({a.key for a in accounts}) == 15
    assert len({a.extra["refresh"].reveal() for a in accounts}) == 15
    assert sum(a.active for a in accounts) == 2


async def test_demo_transport_refreshes_for_every_copy() -> None:
    pairs = demo.accounts(select(["gemini", "antigravity"]), copies=2)
    async with make_client(demo.transport()) as client:
        http = HttpSession(client=client, origins={})
        snapshots = [await fetch_snapshot(p, a, http) for p, a in pairs]
    cached = [s for s in snapshots if is_cache(s.source)]
    assert all(s.status is Status.OK for s in cached)  # delegated to antigravity_cache
    statuses = [s.status for s in snapshots if not is_cache(s.source)]
    ok, forbidden = Status.OK, Status.FORBIDDEN
    assert statuses == [ok, forbidden, ok, forbidden, ok] * 2


def test_demo_answers_only_its_own_requests() -> None:
    other = httpx.Request("GET", "https://api.anthropic.com/api/oauth/usage")
    assert demo_google.answer(other, 0) is None
    unknown = httpx.Request(
        "POST", google.USER_QUOTA_URL, headers={"Authorization": "Bearer nope"}, json={}
    )
    assert demo_google.answer(unknown, 0).status_code == 401
    bad_grant = httpx.Request(
        "POST",
        google.TOKEN_URL,
        data={
            "client_id": demo_google.DEMO_CLIENT_ID,
            "client_secret": demo_google.DEMO_CLIENT_SECRET,
            "refresh_token": "1//someone-else",
            "grant_type": "refresh_token",
        },
    )
    assert demo_google.answer(bad_grant, 0).status_code == 400


# =========================================================================== canary: no secret anywhere

CANARY = "CANARYg00g1e"
BEHAVIOURS = ["ok", "token400", "token401", "e401", "e403", "verify", "e429", "e500",
              "malformed", "html", "echo"]  # fmt: skip


@pytest.fixture
def planted(home: Path, monkeypatch) -> dict[str, str]:
    """Canary tokens and client secrets in every source the two providers read."""
    secrets = {
        "gemini_access": f"ya29.{CANARY}-gemini-access-0123456789",
        "gemini_refresh": f"1//{CANARY}-gemini-refresh-0123456789",
        "grace_refresh": f"1//{CANARY}-grace-refresh-0123456789",
        "linus_refresh": f"1//{CANARY}-linus-refresh-0123456789",
        "gemini_client_secret": f"GOCSPX-{CANARY}-gemini-secret",
        "ag_client_secret": f"GOCSPX-{CANARY}-antigravity-secret",
    }
    write_gemini(home, secrets["gemini_access"], expires_in=-HOUR,
                 refresh=secrets["gemini_refresh"], email="ada@example.com")  # fmt: skip
    write_antigravity(
        home / ".config/opencode",
        [
            ag_entry("grace@example.com", secrets["grace_refresh"], projectId="proj-grace"),
            ag_entry("linus@example.com", secrets["linus_refresh"]),
        ],
    )
    monkeypatch.setenv("GEMINI_CLIENT_ID", "gemini-client.apps.example.com")
    monkeypatch.setenv("GEMINI_CLIENT_SECRET", secrets["gemini_client_secret"])
    monkeypatch.setenv("ANTIGRAVITY_CLIENT_ID", "ag-client.apps.example.com")
    config = home / "config.toml"
    config.write_text(f'[providers.antigravity]\nclient_secret = "{secrets["ag_client_secret"]}"\n')
    secrets["config"] = str(config)
    return secrets


def echoing(behaviour: str, issued: dict[str, str]) -> Callable[[Seen], Reply]:
    """A hostile server that puts every credential it receives into every kind of answer."""

    def answer(seen: Seen) -> Reply:
        if seen.path == "/token":
            form = body_form()
            refresh, secret = form.get("refresh_token", ""), form.get("client_secret", "")
            if behaviour in {"token400", "token401"}:
                return Reply(
                    status=int(behaviour[-3:]),
                    body={"error": "invalid_grant" if behaviour == "token400" else secret,
                          "error_description": f"bad {refresh} for {secret}"},
                    headers={"x-echo": refresh},
                )  # fmt: skip
            access = f"ya29.{CANARY}-issued-{len(issued):04d}-0123456789"
            issued[access] = refresh
            return Reply(body={"access_token": access, "expires_in": 3599,
                               "scope": refresh, "id_token": secret})  # fmt: skip
        header = seen.headers.get("authorization", "")
        token = header.removeprefix("Bearer ")
        refresh = issued.get(token, "")
        if seen.path == "/v1internal:loadCodeAssist":
            return Reply(body={"cloudaicompanionProject": {"id": token},
                               "currentTier": {"id": refresh or token}})  # fmt: skip
        if behaviour == "ok":
            return Reply(
                body={
                    "buckets": [
                        {"modelId": token, "remainingFraction": 0.5, "resetTime": token},
                        {"modelId": "m", "tokenType": token, "remainingFraction": 0.5},
                        {"modelId": refresh, "remainingFraction": 0.2},
                    ],
                    "models": {
                        token: {"displayName": header, "quotaInfo": {"remainingFraction": 0.4}},
                        "m": {"displayName": refresh, "quotaInfo": {"resetTime": token}},
                    },
                },
                headers={"x-echo": token},
            )
        if behaviour == "verify":
            return Reply(status=403, body=verify_body(f"verify your account {token} {refresh}"))
        error = {"error": {"code": 1, "message": f"rejected {header} {refresh}", "status": token}}
        malformed = f'{{"buckets": ["{token}", '
        return hostile_reply(
            behaviour,
            header,
            error_body=error,
            malformed=malformed,
            headers={"x-echo": token},
            otherwise=Reply(
                body={"buckets": token, "models": [token], "error": {"message": refresh}}
            ),
        )

    return answer


@pytest.mark.parametrize("behaviour", BEHAVIOURS)
@ONCE_AND_JSON
def test_canary_never_reaches_stdout_or_stderr(
    planted, monkeypatch, capsys, behaviour, args
) -> None:
    issued: dict[str, str] = {}
    with capture_bodies(LocalServer(echoing(behaviour, issued))) as server:
        monkeypatch.setenv("AIQUOTA_GEMINI_URL", server.url)
        monkeypatch.setenv("AIQUOTA_ANTIGRAVITY_URL", server.url)
        code = main([*args, "--config", planted["config"],
                     "--provider", "gemini", "--provider", "antigravity"])  # fmt: skip
    out, err = capsys.readouterr()
    assert leaked(out + err, {k: v for k, v in planted.items() if k != "config"}, CANARY) == []
    assert [s.path for s in server.seen].count("/token") == 3  # every account really refreshed
    if "--json" in args:
        statuses = {a["status"] for a in json.loads(out)["accounts"]}
        expected = {
            "ok": "ok",
            "token400": "auth_expired",
            "token401": "auth_expired",
            "e401": "auth_expired",
            "e403": "forbidden",
            "verify": "forbidden",
            "e429": "rate_limited",
            "e500": "error",
            "malformed": "bad_response",
            "html": "bad_response",
            "echo": "bad_response",
        }[behaviour]
        assert statuses == {expected}
    assert code == (0 if behaviour == "ok" else 1)


def test_canary_of_a_broken_file_stays_hidden(home: Path, capsys) -> None:
    (home / ".gemini").mkdir()
    (home / ".gemini/oauth_creds.json").write_text(f'{{"access_token": "{CANARY}-0123456789"')
    (home / ".config/opencode").mkdir(parents=True)
    (home / ".config/opencode/antigravity-accounts.json").write_text(
        f'{{"accounts": [{{"refreshToken": "{CANARY}-0123456789"'
    )
    for args in (["--once"], ["--once", "--json"]):
        main([*args, "--provider", "gemini", "--provider", "antigravity"])
        out, err = capsys.readouterr()
        assert CANARY not in out + err


def test_credential_files_are_only_read(planted, home, monkeypatch, capsys) -> None:
    files = [home / ".gemini/oauth_creds.json", home / ".config/opencode/antigravity-accounts.json"]
    for path in files:
        os.utime(path, (1_600_000_000, 1_600_000_000))
    before = fingerprint(files)
    folders = {path.parent: sorted(os.listdir(path.parent)) for path in files}
    for behaviour in ("ok", "token400", "verify", "e500"):
        with capture_bodies(LocalServer(echoing(behaviour, {}))) as server:
            monkeypatch.setenv("AIQUOTA_GEMINI_URL", server.url)
            monkeypatch.setenv("AIQUOTA_ANTIGRAVITY_URL", server.url)
            main(["--once", "--json", "--config", planted["config"],
                  "--provider", "gemini", "--provider", "antigravity"])  # fmt: skip
        capsys.readouterr()
    assert fingerprint(files) == before
    assert {path.parent: sorted(os.listdir(path.parent)) for path in files} == folders
