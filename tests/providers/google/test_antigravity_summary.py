"""Antigravity's quota summary (PROVIDERS.md §5, Changes in 2026): the groups' 5-hour and weekly
limits as `<group slug>:<length id>` windows, read where offered and listed first, the per-model
answer as the fallback, and its all-100 % placeholder dropped when the summary shows use."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from support.fuzz import answers
from support.servers import LocalServer, Reply, Seen

from providers import google
from providers.base import Account, ParseError
from providers.collect import fetch_snapshot
from providers.google.antigravity import AntigravityProvider
from providers.google.models import group_windows
from providers.google.summary import (
    PLACEHOLDER_NOTE,
    SummaryUnusable,
    combine,
    group_name,
    parse_quota_summary,
)
from providers.kit.http import FetchError, HttpSession, make_client
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Status, Window
from tui.cli import main

MODELS = "/v1internal:fetchAvailableModels"
SUMMARY = "/v1internal:retrieveUserQuotaSummary"

# The answer CodexBar's summary parser tests record (Antigravity 2.x).
SPEC_SUMMARY = {
    "response": {
        "description": "Within each group, models share a weekly limit and a 5-hour limit.",
        "groups": [
            {
                "displayName": "Gemini Models",
                "description": "Models within this group: Gemini Flash, Gemini Pro",
                "buckets": [
                    {"bucketId": "gemini-weekly", "displayName": "Weekly Limit",
                     "remaining": {"remainingFraction": 0.74}, "resetTime": "2026-12-06T09:12:00Z"},
                    {"bucketId": "gemini-5h", "displayName": "Five Hour Limit",
                     "remaining": {"remainingFraction": 0.93}, "resetTime": "2026-12-01T23:40:00Z"},
                ],
            },
            {
                "displayName": "Claude and GPT models",
                "buckets": [
                    {"bucketId": "3p-weekly", "displayName": "Weekly Limit",
                     "remainingFraction": 0.41, "resetTime": "2026-12-07T01:05:00Z"},
                    {"bucketId": "3p-5h", "displayName": "Five Hour Limit",
                     "remaining": {"case": "remainingFraction", "value": 0.2},
                     "resetTime": "2026-12-02T00:10:00Z", "disabled": False,
                     "description": "You have used some of your 5-hour limit."},
                ],
            },
        ],
    }
}  # fmt: skip
SPEC_IDS = [
    "gemini-models:five_hour",
    "gemini-models:weekly",
    "claude-and-gpt-models:five_hour",
    "claude-and-gpt-models:weekly",
]
PLACEHOLDER_MODELS = {
    "models": {
        "gemini-3-pro-high": {"displayName": "Gemini 3 Pro (High)",
                              "quotaInfo": {"remainingFraction": 1, "resetTime": "2026-12-02T00:00:00Z"}},
        "claude-sonnet-4-6": {"displayName": "Claude Sonnet 4.6",
                              "quotaInfo": {"remainingFraction": 1.0}},
        "chat_20706": {"displayName": "Internal chat"},  # no quota data
    }
}  # fmt: skip
USED_MODELS = {
    "models": {
        "gemini-3-pro-high": {"displayName": "Gemini 3 Pro (High)",
                              "quotaInfo": {"remainingFraction": 0.6}},
        "claude-sonnet-4-6": {"displayName": "Claude Sonnet 4.6",
                              "quotaInfo": {"remainingFraction": 1}},
    }
}  # fmt: skip


@pytest.fixture(autouse=True)
def forget():
    google.clear_memory()
    yield
    google.clear_memory()


def ids(windows: tuple[Window, ...] | list[Window]) -> list[str]:
    return [w.id for w in windows]


def group(name: Any, *buckets: Any) -> dict[str, Any]:
    return {"displayName": name, "buckets": list(buckets)}


def bucket(bucket_id: Any = "x-5h", fraction: Any = 0.5, **fields: Any) -> dict[str, Any]:
    return {"bucketId": bucket_id, "remainingFraction": fraction, **fields}


def summary_of(*groups: Any) -> tuple[Window, ...]:
    return parse_quota_summary({"response": {"groups": list(groups)}})


# --------------------------------------------------------------------------- the summary answer


def test_the_spec_summary_gives_two_windows_a_group_five_hour_first() -> None:
    windows = parse_quota_summary(SPEC_SUMMARY)
    assert ids(windows) == SPEC_IDS
    assert [w.used_percent for w in windows] == [7.0, 26.0, 80.0, 59.0]
    assert [w.label for w in windows] == [
        "Gemini Models 5h",
        "Gemini Models Weekly",
        "Claude and GPT models 5h",
        "Claude and GPT models Weekly",
    ]
    assert [w.window_seconds for w in windows] == [18000, 604800, 18000, 604800]
    assert windows[0].resets_at == datetime(2026, 12, 1, 23, 40, tzinfo=UTC)
    assert windows[3].resets_at == datetime(2026, 12, 7, 1, 5, tzinfo=UTC)
    assert all(w.unit is None and w.used is None and not w.binding for w in windows)


@pytest.mark.parametrize("where", ["response", "summary", "root"])
def test_groups_under_response_summary_or_at_the_root(where) -> None:
    groups = SPEC_SUMMARY["response"]["groups"]
    document = {"groups": groups} if where == "root" else {where: {"groups": groups}}
    assert ids(parse_quota_summary(document)) == SPEC_IDS


def test_numbers_as_strings_and_the_three_fraction_forms() -> None:
    windows = summary_of(
        group(
            "Gemini Models",
            {"bucketId": "g-weekly", "remaining": {"remainingFraction": "0.25"}},
            {"bucketId": "g-5h", "remaining": {"case": "remainingFraction", "value": "0.5"}},
        ),
        group("Other", {"bucketId": "o-5h", "remainingFraction": "1"}),
    )
    assert [(w.id, w.used_percent) for w in windows] == [
        ("gemini-models:five_hour", 50.0),
        ("gemini-models:weekly", 75.0),
        ("other:five_hour", 0.0),
    ]


@pytest.mark.parametrize(
    ("bucket_id", "name", "window_id", "label", "seconds"),
    [
        ("gemini-5h", None, "g:five_hour", "G 5h", 18000),
        ("five_hour", None, "g:five_hour", "G 5h", 18000),
        ("FIVE-HOUR", None, "g:five_hour", "G 5h", 18000),
        ("session-limit", None, "g:five_hour", "G 5h", 18000),
        (None, "5-hour limit", "g:five_hour", "G 5h", 18000),
        ("limit-a", "Five Hour Limit", "g:five_hour", "G 5h", 18000),
        ("3p-weekly", None, "g:weekly", "G Weekly", 604800),
        ("per_week", None, "g:weekly", "G Weekly", 604800),
        ("g-7d", None, "g:weekly", "G Weekly", 604800),
        (None, "Weekly Limit", "g:weekly", "G Weekly", 604800),
        # the bucketId says it before the displayName does
        ("gemini-weekly", "Five Hour Limit", "g:weekly", "G Weekly", 604800),
        # neither: named by the bucket, no length
        ("monthly-cap", "Monthly Cap", "g:monthly-cap", "G Monthly Cap", None),
        ("Daily Cap", None, "g:daily-cap", "G Daily Cap", None),
        (None, None, "g:limit", "G limit", None),
        # words inside other words are no length
        ("weeklies-x", "fifty hours", "g:weeklies-x", "G fifty hours", None),
    ],
)
def test_a_buckets_length_comes_from_its_words(bucket_id, name, window_id, label, seconds) -> None:
    fields = {"displayName": name} if name else {}
    [only] = summary_of(group("G", {"bucketId": bucket_id, "remainingFraction": 0.5, **fields}))
    assert (only.id, only.label, only.window_seconds) == (window_id, label, seconds)


def test_in_each_group_five_hour_then_weekly_then_the_rest_groups_in_answer_order() -> None:
    windows = summary_of(
        group("B", bucket("b-cap", 0.1), bucket("b-weekly", 0.2), bucket("b-5h", 0.3)),
        group("A", bucket("a-weekly", 0.4), bucket("a-5h", 0.5)),
    )
    assert ids(windows) == ["b:five_hour", "b:weekly", "b:b-cap", "a:five_hour", "a:weekly"]


@pytest.mark.parametrize(
    "unusable",
    [
        {"bucketId": "x-5h", "disabled": True, "remainingFraction": 0.5},
        {"bucketId": "x-5h", "disabled": "true", "remainingFraction": 0.5},
        {"bucketId": "x-5h"},  # no fraction at all: use unknown, not exhausted
        {"bucketId": "x-5h", "remainingFraction": None, "remaining": None},
        {"bucketId": "x-5h", "remainingFraction": "lots"},
        {"bucketId": "x-5h", "remaining": {"case": "remainingAmount", "value": 3}},
        {"bucketId": "x-5h", "remaining": 0.5},
        "junk",
        None,
    ],
)
def test_a_bucket_without_a_fraction_or_disabled_makes_no_window(unusable) -> None:
    windows = summary_of(group("G", unusable, bucket("g-weekly", 0.5)))
    assert ids(windows) == ["g:weekly"]


def test_a_fraction_outside_zero_to_one_is_clamped() -> None:
    windows = summary_of(group("G", bucket("g-5h", -3), bucket("g-weekly", 7)))
    assert [w.used_percent for w in windows] == [100.0, 0.0]


def test_groups_without_a_name_or_buckets_are_skipped() -> None:
    windows = summary_of(
        group(None, bucket()),
        {"buckets": [bucket()]},
        group("Empty"),
        {"displayName": "Null", "buckets": None},
        "junk",
        group("Real", bucket("r-5h", 0.9)),
    )
    assert ids(windows) == ["real:five_hour"]


@pytest.mark.parametrize(
    ("document", "words"),
    [
        ("text", "not a JSON object"),
        ([SPEC_SUMMARY], "not a JSON object"),
        ({}, "no groups"),
        ({"response": {}}, "no groups"),
        ({"response": {"groups": {"a": 1}}}, "no groups"),
        ({"code": 3, "message": "denied", **SPEC_SUMMARY}, "code 3"),
        ({"response": {"code": "7", "groups": SPEC_SUMMARY["response"]["groups"]}}, "code 7"),
        # the shape CodexBar has seen OAuth tokens get: model buckets, no groups
        ({"buckets": [{"modelId": "gemini-3-pro", "remainingFraction": 0.5}]}, "models"),
        ({"response": {"groups": []}}, "no group has a usable limit"),
        ({"groups": [group("G", bucket(disabled=True))]}, "no group has a usable limit"),
    ],
)
def test_an_answer_that_is_no_summary_is_unusable(document, words) -> None:
    with pytest.raises(SummaryUnusable, match=words):
        parse_quota_summary(document)


def test_code_zero_is_no_error() -> None:
    assert ids(parse_quota_summary({"code": 0, **SPEC_SUMMARY})) == SPEC_IDS


def test_two_groups_of_one_name_are_told_apart_downstream() -> None:
    windows = summary_of(group("G", bucket("g-5h", 0.1)), group("G", bucket("g-5h", 0.6)))
    assert ids(windows) == ["g:five_hour", "g:five_hour"]  # collect.py numbers the second


# --------------------------------------------------------------------------- the two together


def model(name: str, used: float) -> Window:
    return Window(f"model:{name}", name, used)


SUMMARY_WINDOWS = parse_quota_summary(SPEC_SUMMARY)


def test_a_summary_comes_first_then_the_models() -> None:
    models = (model("gemini-3-pro", 40.0), model("claude", 0.0))
    windows, notes = combine(models, SUMMARY_WINDOWS)
    assert ids(windows) == [*SPEC_IDS, "model:gemini-3-pro", "model:claude"]
    assert notes == ()


def test_an_all_100_percent_model_answer_beside_a_summary_with_use_is_dropped() -> None:
    models = (model("gemini-3-pro", 0.0), model("claude", 0.0))
    windows, notes = combine(models, SUMMARY_WINDOWS)
    assert ids(windows) == SPEC_IDS
    assert notes == (("Per-model quota", PLACEHOLDER_NOTE),)


def test_an_all_100_percent_model_answer_stays_when_the_summary_shows_no_use() -> None:
    untouched = summary_of(group("G", bucket("g-5h", 1), bucket("g-weekly", "1.0")))
    models = (model("gemini-3-pro", 0.0),)
    windows, notes = combine(models, untouched)
    assert ids(windows) == ["g:five_hour", "g:weekly", "model:gemini-3-pro"] and notes == ()


def test_a_failed_summary_leaves_the_models_alone_and_says_why() -> None:
    models = (model("gemini-3-pro", 0.0),)
    failure = FetchError(Status.ERROR, "cloudcode-pa.googleapis.com answered HTTP 404")
    windows, notes = combine(models, failure)
    assert windows == models
    assert notes == (
        ("Quota summary", "unavailable: cloudcode-pa.googleapis.com answered HTTP 404"),
    )
    windows, notes = combine(models, SummaryUnusable("the answer lists models, not groups"))
    assert windows == models
    assert notes == (("Quota summary", "unavailable: unexpected answer (the answer lists models, not groups)"),)  # fmt: skip


def test_a_failed_model_call_beside_a_good_summary_keeps_the_summary() -> None:
    failure = FetchError(Status.ERROR, "cloudcode-pa.googleapis.com answered HTTP 500")
    windows, notes = combine(failure, SUMMARY_WINDOWS)
    assert windows == SUMMARY_WINDOWS
    assert notes == (("Per-model quota", "unavailable: cloudcode-pa.googleapis.com answered HTTP 500"),)  # fmt: skip
    windows, _ = combine(ParseError("no usable model"), SUMMARY_WINDOWS)
    assert windows == SUMMARY_WINDOWS


def test_both_failing_is_the_model_calls_failure() -> None:
    failure = FetchError(Status.RATE_LIMITED, "Rate-limited by Google")
    with pytest.raises(FetchError) as raised:
        combine(failure, SummaryUnusable("no groups"))
    assert raised.value is failure


# --------------------------------------------------------------------------- families


def test_summary_groups_are_the_first_families_with_their_tightest_limit() -> None:
    models = (model("claude-sonnet", 10.0), model("gemini-3-pro", 30.0))
    families = group_windows(SUMMARY_WINDOWS + models)
    assert [(name, w.label, w.used_percent) for name, w in families] == [
        ("Gemini", "Gemini", 26.0),
        ("Claude & GPT", "Claude & GPT", 80.0),
        ("Claude", "Claude", 10.0),
        ("Gemini Pro", "Gemini Pro", 30.0),
    ]
    gemini = families[0][1]
    assert gemini.resets_at == datetime(2026, 12, 6, 9, 12, tzinfo=UTC)  # the weekly one's
    assert len({w.id for _, w in families}) == len(families)


def test_a_summary_window_alone_names_the_same_family() -> None:
    # The app asks which family one window belongs to: the same answer as for all of them.
    for window in SUMMARY_WINDOWS:
        [(name, _)] = group_windows((window,))
        assert name in {"Gemini", "Claude & GPT"}
    assert group_name(SUMMARY_WINDOWS[2]) == "Claude and GPT models"
    assert group_name(model("claude", 1.0)) is None


def test_a_group_named_like_a_model_family_keeps_its_whole_name() -> None:
    windows = summary_of(group("Claude models", bucket("c-5h", 0.5)))
    [(name, _)] = group_windows(windows)
    assert name == "Claude models"


# --------------------------------------------------------------------------- the fetch


def ag_account() -> Account:
    return Account(
        provider="antigravity",
        label="grace@example.com",
        source="~/.config/opencode/antigravity-accounts.json",
        active=True,
        extra={
            "kind": "cloud",
            "refresh": Secret("1//grace-rt"),
            "project": "proj-grace",
            "email": "grace@example.com",
            "client_id": "ag-id",
            "client_secret": Secret("ag-secret-value"),
            "client_sources": ("config",),
        },
    )


Handler = Callable[[httpx.Request], httpx.Response]


class Google:
    """Token, models and summary calls answered as told; the requests kept."""

    def __init__(self, models: Any = USED_MODELS, summary: Any = SPEC_SUMMARY) -> None:
        self.answers = {"fetchAvailableModels": models, "retrieveUserQuotaSummary": summary}
        self.requests: list[httpx.Request] = []
        self.issued = 0
        self.reject: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        name = request.url.path.rsplit(":", 1)[-1].strip("/")
        if name == "token":
            self.issued += 1
            token = f"ya29.fresh-{self.issued}"
            return httpx.Response(200, json={"access_token": token, "expires_in": 3599})
        if request.headers.get("authorization", "").removeprefix("Bearer ") in self.reject:
            return httpx.Response(401, json={"error": {"code": 401}})
        answer = self.answers.get(name)
        if isinstance(answer, httpx.Response):
            return answer
        return httpx.Response(200, json=answer) if answer is not None else httpx.Response(404)

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]


async def run(handler: Handler, account: Account | None = None) -> AccountSnapshot:
    async with make_client(httpx.MockTransport(handler)) as client:
        return await fetch_snapshot(
            AntigravityProvider(), account or ag_account(), HttpSession(client=client, origins={})
        )


def detail(snapshot: AccountSnapshot, name: str) -> str | None:
    return dict(snapshot.details).get(name)


async def test_both_calls_go_out_with_the_project_and_the_summary_leads() -> None:
    fake = Google()
    snapshot = await run(fake)
    assert snapshot.status is Status.OK, snapshot.message
    assert sorted(fake.paths()) == sorted(["/token", MODELS, SUMMARY])
    [asked] = [r for r in fake.requests if r.url.path == SUMMARY]
    assert (asked.method, asked.url.host) == ("POST", "cloudcode-pa.googleapis.com")
    assert json.loads(asked.content) == {"project": "proj-grace"}
    assert asked.headers["authorization"] == "Bearer ya29.fresh-1"
    assert ids(snapshot.windows) == [
        *SPEC_IDS, "model:claude-sonnet-4-6", "model:gemini-3-pro-high"
    ]  # fmt: skip
    assert detail(snapshot, "Project") == "proj-grace"


async def test_the_placeholder_model_answer_is_dropped_and_said() -> None:
    snapshot = await run(Google(models=PLACEHOLDER_MODELS))
    assert snapshot.status is Status.OK
    assert ids(snapshot.windows) == SPEC_IDS
    assert detail(snapshot, "Per-model quota") == PLACEHOLDER_NOTE


@pytest.mark.parametrize(
    "summary",
    [
        None,  # 404: the endpoint is not offered
        httpx.Response(500, json={}),
        httpx.Response(403, json={"error": {"code": 403, "message": "The caller does not have permission"}}),
        httpx.Response(200, text="<html>login</html>"),
        {"buckets": [{"modelId": "gemini-3-pro", "remainingFraction": 0.5}]},
        {"code": 9, "message": "failed precondition"},
        {"response": {"groups": [group("G", bucket(disabled=True))]}},
    ],
    ids=["404", "500", "403", "html", "model-buckets", "code", "no-usable-group"],
)  # fmt: skip
async def test_a_failing_summary_is_ignored_the_models_stand_as_before(summary) -> None:
    snapshot = await run(Google(models=PLACEHOLDER_MODELS, summary=summary))
    assert snapshot.status is Status.OK and snapshot.message is None
    assert ids(snapshot.windows) == ["model:claude-sonnet-4-6", "model:gemini-3-pro-high"]
    note = detail(snapshot, "Quota summary")
    assert note is not None and note.startswith("unavailable: ")


@pytest.mark.parametrize(
    "models",
    [httpx.Response(500, json={}), httpx.Response(429, json={}), {"unexpected": 1}],
    ids=["500", "429", "bad-answer"],
)
async def test_a_failing_model_call_beside_a_good_summary_is_ok(models) -> None:
    snapshot = await run(Google(models=models))
    assert snapshot.status is Status.OK and snapshot.message is None
    assert ids(snapshot.windows) == SPEC_IDS
    assert detail(snapshot, "Per-model quota").startswith("unavailable: ")


@pytest.mark.parametrize(
    ("models", "status"),
    [
        (httpx.Response(500, json={}), Status.ERROR),
        (httpx.Response(429, json={}, headers={"retry-after": "30"}), Status.RATE_LIMITED),
        ({"unexpected": 1}, Status.BAD_RESPONSE),
    ],
)
async def test_both_failing_is_the_model_calls_status_as_before(models, status) -> None:
    snapshot = await run(Google(models=models, summary=None))
    assert snapshot.status is status and snapshot.windows == ()


async def test_a_remembered_token_google_rejects_is_refreshed_once_for_both_calls() -> None:
    fake = Google()
    account = ag_account()
    await run(fake, account)
    fake.reject = {"ya29.fresh-1"}
    fake.requests.clear()
    snapshot = await run(fake, account)
    assert snapshot.status is Status.OK, snapshot.message
    assert ids(snapshot.windows)[:4] == SPEC_IDS
    assert sorted(fake.paths()) == sorted([MODELS, SUMMARY, "/token", MODELS, SUMMARY])
    assert fake.requests[-1].headers["authorization"] == "Bearer ya29.fresh-2"


async def test_window_ids_stay_unique_when_the_summary_repeats_a_group() -> None:
    groups = [copy.deepcopy(g) for g in SPEC_SUMMARY["response"]["groups"] * 2]
    doubled = {"response": {"groups": groups}}
    doubled["response"]["groups"][2]["buckets"][1]["remaining"] = {"remainingFraction": 0.5}
    snapshot = await run(Google(summary=doubled))
    window_ids = ids(snapshot.windows)
    assert len(window_ids) == len(set(window_ids))
    # a true repeat merged, a different share numbered
    assert "gemini-models:five_hour_2" in window_ids and "gemini-models:weekly_2" not in window_ids


def test_once_json_shows_the_summary_windows(home: Path, monkeypatch, capsys) -> None:
    folder = home / ".config/opencode"
    folder.mkdir(parents=True)
    accounts = {"version": 4, "activeIndex": 0, "accounts": [
        {"email": "grace@example.com", "refreshToken": "1//grace-e2e", "projectId": "proj-grace"}]}  # fmt: skip
    (folder / "antigravity-accounts.json").write_text(json.dumps(accounts))
    monkeypatch.setenv("ANTIGRAVITY_CLIENT_ID", "ag-id")
    monkeypatch.setenv("ANTIGRAVITY_CLIENT_SECRET", "ag-secret-value")

    def serve(seen: Seen) -> Reply:
        if seen.path == "/token":
            return Reply(body={"access_token": "ya29.e2e", "expires_in": 3599})
        if seen.path == SUMMARY:
            return Reply(body=SPEC_SUMMARY)
        if seen.path == MODELS:
            return Reply(body=PLACEHOLDER_MODELS)
        return Reply(status=404, body={})

    with LocalServer(serve) as server:
        monkeypatch.setenv("AIQUOTA_ANTIGRAVITY_URL", server.url)
        code = main(["--once", "--json", "--provider", "antigravity"])
    out, _ = capsys.readouterr()
    [account] = [a for a in json.loads(out)["accounts"] if a["account"] == "grace@example.com"]
    assert code == 0 and account["status"] == "ok"
    shown = [
        (w["id"], w["label"], w["used_percent"], w["window_seconds"]) for w in account["windows"]
    ]
    assert shown == [
        ("gemini-models:five_hour", "Gemini Models 5h", 7.0, 18000),
        ("gemini-models:weekly", "Gemini Models Weekly", 26.0, 604800),
        ("claude-and-gpt-models:five_hour", "Claude and GPT models 5h", 80.0, 18000),
        ("claude-and-gpt-models:weekly", "Claude and GPT models Weekly", 59.0, 604800),
    ]
    assert account["windows"][2]["remaining_percent"] == 20.0
    assert account["windows"][0]["resets_at"] == "2026-12-01T23:40:00Z"
    assert sorted(s.path for s in server.seen) == sorted(["/token", MODELS, SUMMARY])


# --------------------------------------------------------------------------- any answer at all

SUMMARY_KEYS = [
    "response", "summary", "groups", "code", "displayName", "name", "buckets", "bucketId",
    "remaining", "remainingFraction", "case", "value", "resetTime", "disabled", "models",
]  # fmt: skip


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers(SUMMARY_KEYS, SPEC_SUMMARY))
def test_any_summary_answer_gives_windows_or_says_why(data: Any) -> None:
    try:
        windows = parse_quota_summary(data)
    except SummaryUnusable as error:
        assert str(error)
        return
    assert windows
    for window in windows:
        assert ":" in window.id and group_name(window) is not None
        assert window.used_percent is not None and 0 <= window.used_percent <= 100
        assert window.window_seconds in (None, 18000, 604800)
    group_windows(windows)
