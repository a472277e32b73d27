"""Gemini CLI's end for individual, AI Pro and Ultra accounts (PROVIDERS.md §5, Changes in
2026): every place Google may say so is recognised, the account is told to move to the
`antigravity` provider, and a 403 that says nothing of the kind keeps its old sentence."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from support.fuzz import answers
from support.servers import LocalServer, Reply, Seen

from providers import google
from providers.base import Account
from providers.collect import fetch_snapshot
from providers.google.antigravity import AntigravityProvider
from providers.google.gemini import GeminiProvider
from providers.google.retired import MESSAGE, ineligible_in_load, names_retirement
from providers.kit.http import HttpSession, make_client
from providers.kit.secrets import Secret
from providers.model import AccountSnapshot, Status
from tui.cli import main

LOAD = "/v1internal:loadCodeAssist"
QUOTA = "/v1internal:retrieveUserQuota"
TOKEN = "/token"

# The error as gemini-cli's users quote it (July–September 2026).
SPEC_403 = {
    "error": {
        "code": 403,
        "status": "PERMISSION_DENIED",
        "message": "IneligibleTierError / UNSUPPORTED_CLIENT: This client is no longer supported "
        "for Gemini Code Assist for individuals. To continue using Gemini, please migrate to "
        "the Antigravity suite of products.",
    }
}
SPEC_LOAD = {
    "ineligibleTiers": [
        {
            "reasonCode": "UNSUPPORTED_CLIENT",
            "reasonMessage": "This client is no longer supported for Gemini Code Assist for "
            "individuals. …",
            "tierId": "free-tier",
            "tierName": "Gemini Code Assist for individuals",
        }
    ]
}
BUCKETS = {"buckets": [{"modelId": "gemini-2.5-pro", "remainingFraction": 0.5}]}


@pytest.fixture(autouse=True)
def forget(monkeypatch):
    monkeypatch.delenv("GOOGLE_CLOUD_PROJECT", raising=False)
    google.clear_memory()
    yield
    google.clear_memory()


def error(message: str = "", **fields: Any) -> dict[str, Any]:
    return {"error": {"code": 403, "status": "PERMISSION_DENIED", "message": message, **fields}}


# --------------------------------------------------------------------------- the signals


@pytest.mark.parametrize(
    "body",
    [
        SPEC_403,
        # Google's usual ErrorInfo form, the reason alone
        error("The caller does not have permission", details=[
            {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "UNSUPPORTED_CLIENT",
             "domain": "cloudcode-pa.googleapis.com"}]),
        error("Forbidden", status="UNSUPPORTED_CLIENT"),
        error("IneligibleTierError"),
        error("ineligible tier error: this account cannot use Code Assist"),
        error("This client is no longer supported for Gemini Code Assist for individuals."),
        error("Please migrate to Antigravity to keep using Gemini."),
        error("To continue, move to the Antigravity app."),
        # … with words between the ask and Antigravity
        error("Please migrate your account to Antigravity."),
        error("Migrate your Gemini CLI workflows to the Antigravity CLI (agy)."),
        error("Switch over to Antigravity to keep your quota."),
        # gemini-cli quotes whole error bodies inside its own messages: JSON inside a string
        {"error": {"code": 403, "message": json.dumps(SPEC_403, indent=2)}},
        {"error": {"message": json.dumps({"error": {"details": [{"reason": "UNSUPPORTED_CLIENT"}]}})}},
        # … read decoded, not only as text: here the words only appear once unescaped
        {"error": {"message": '{"error": {"status": "UNSUPPORTED\\u005fCLIENT"}}'}},
        [{"error": SPEC_403["error"]}],  # a list of errors, as some Google fronts send
        "UNSUPPORTED_CLIENT",  # a bare JSON string
        {"error": "UNSUPPORTED_CLIENT"},
        {"error": "invalid_request", "error_description": "IneligibleTierError: client retired"},
        error("denied", details=[{"reason": "X", "metadata": {"cause": "UNSUPPORTED_CLIENT"}}]),
        error("denied", details=[{"metadata": {"UNSUPPORTED_CLIENT": "true"}}]),
    ],
)  # fmt: skip
def test_every_place_google_may_say_it_is_read(body) -> None:
    assert names_retirement(body)


@pytest.mark.parametrize(
    "body",
    [
        None,
        {},
        [],
        42,
        error("The caller does not have permission"),
        error("Gemini Code Assist API has not been used in project p before or it is disabled"),
        error("This feature is no longer supported."),  # not about Gemini Code Assist
        error("Antigravity is not enabled for this project"),  # no migration asked
        error("We moved our docs. Go to antigravity.google for more"),  # no ask either
        error("To continue, verify your account at https://accounts.google.com/signin/continue"),
        {"error": {"message": "{not json"}},
        {"error": {"code": "UNSUPPORTED"}},
    ],
)
def test_other_403_bodies_are_not_the_retirement(body) -> None:
    assert not names_retirement(body)


def test_a_hostile_body_is_read_in_bounded_time() -> None:
    deep: Any = "UNSUPPORTED_CLIENT"
    for _ in range(10_000):
        deep = {"a": deep}
    assert not names_retirement(deep)  # deeper than any real body: not read, no crash
    wide = {"error": {"details": [{"reason": f"R{i}"} for i in range(100_000)]}}
    assert not names_retirement(wide)
    nested_text = "UNSUPPORTED_CLIENT"
    for _ in range(12):  # JSON text in JSON text in …: each level doubles the escapes
        nested_text = json.dumps({"message": nested_text})
    assert names_retirement(nested_text)  # the words are in the outer text already
    assert names_retirement(json.dumps({"message": json.dumps({"message": "UNSUPPORTED_CLIENT"})}))


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers(["error", "message", "status", "details", "reason", "metadata"], SPEC_403))
def test_any_error_body_is_read_without_a_crash(data: Any) -> None:
    assert names_retirement(data) in (True, False)
    assert ineligible_in_load(data) in (True, False)


@pytest.mark.parametrize(
    ("document", "retired"),
    [
        (SPEC_LOAD, True),
        ({**SPEC_LOAD, "currentTier": None}, True),
        ({"ineligibleTiers": [{"reasonCode": " unsupported_client "}]}, True),
        ({"ineligibleTiers": ["x", None, {"reasonCode": 3}, SPEC_LOAD["ineligibleTiers"][0]]}, True),
        # a current tier means the account is served: ineligible tiers are the others
        ({**SPEC_LOAD, "currentTier": {"id": "standard-tier"}}, False),
        ({"ineligibleTiers": [{"reasonCode": "INELIGIBLE_ACCOUNT"}]}, False),
        ({"ineligibleTiers": None}, False),
        ({"ineligibleTiers": {"reasonCode": "UNSUPPORTED_CLIENT"}}, False),
        ({}, False),
        ("UNSUPPORTED_CLIENT", False),
    ],
)  # fmt: skip
def test_load_code_assist_without_a_tier_and_an_unsupported_client(document, retired) -> None:
    assert ineligible_in_load(document) is retired


# --------------------------------------------------------------------------- the fetch


def gemini_account(project: str | None = None, *, expired: bool = False) -> Account:
    expires = datetime.now(UTC) + (timedelta(hours=-1) if expired else timedelta(hours=1))
    return Account(
        provider="gemini",
        label="ada@example.com",
        source="~/.gemini/oauth_creds.json",
        secret=Secret("ya29.gemini-access-000000"),
        active=True,
        extra={
            "refresh": Secret("1//gemini-refresh-000000"),
            "expires": expires,
            "project": project,
            "email": "ada@example.com",
            "client_id": "client-id-1.apps.example.com",
            "client_secret": Secret("client-secret-value-1"),
            "client_sources": ("config",),
        },
    )


Handler = Callable[[httpx.Request], httpx.Response]


def fake(**answers: httpx.Response) -> tuple[Handler, list[str]]:
    """Google answering each path name (loadCodeAssist, token, …) as told; the paths seen."""
    seen: list[str] = []
    defaults = {
        "token": httpx.Response(200, json={"access_token": "ya29.fresh", "expires_in": 3599}),
        "loadCodeAssist": httpx.Response(
            200, json={"cloudaicompanionProject": "p", "currentTier": {"id": "standard-tier"}}
        ),
        "retrieveUserQuota": httpx.Response(200, json=BUCKETS),
        "fetchAvailableModels": httpx.Response(200, json={"models": {}}),
        "retrieveUserQuotaSummary": httpx.Response(404, json={}),
    }

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        name = request.url.path.rsplit(":", 1)[-1].strip("/")
        return {**defaults, **answers}.get(name, httpx.Response(404, json={}))

    return handle, seen


async def run(provider: Any, account: Account, handler: Handler) -> AccountSnapshot:
    async with make_client(httpx.MockTransport(handler)) as client:
        return await fetch_snapshot(provider, account, HttpSession(client=client, origins={}))


def retired(snapshot: AccountSnapshot) -> bool:
    return snapshot.status is Status.FORBIDDEN and snapshot.message == MESSAGE


def test_the_message_says_exactly_what_happened_and_what_to_do() -> None:
    assert MESSAGE == (
        "Google stopped serving Gemini CLI quota to individual, AI Pro and Ultra accounts on "
        "2026-06-18: track this account with the `antigravity` provider (sign in to Antigravity)"
    )


async def test_a_403_from_the_quota_call_points_to_antigravity() -> None:
    handler, seen = fake(retrieveUserQuota=httpx.Response(403, json=SPEC_403))
    snapshot = await run(GeminiProvider(), gemini_account("my-project"), handler)
    assert retired(snapshot), snapshot.message
    assert "no access" not in snapshot.message and "project" not in snapshot.message
    assert seen == [QUOTA] and snapshot.windows == ()


async def test_a_403_from_load_code_assist_stops_before_the_quota_call() -> None:
    reason_only = error("Permission denied", details=[{"reason": "UNSUPPORTED_CLIENT"}])
    handler, seen = fake(loadCodeAssist=httpx.Response(403, json=reason_only))
    snapshot = await run(GeminiProvider(), gemini_account(), handler)
    assert retired(snapshot), snapshot.message
    assert seen == [LOAD]


async def test_an_ineligible_tier_answer_stops_before_the_quota_call_and_is_not_kept() -> None:
    handler, seen = fake(loadCodeAssist=httpx.Response(200, json=SPEC_LOAD))
    account = gemini_account()
    first = await run(GeminiProvider(), account, handler)
    second = await run(GeminiProvider(), account, handler)
    assert retired(first) and retired(second)
    assert seen == [LOAD, LOAD]  # asked again each time: the account may be moved to a plan


async def test_the_token_refresh_can_say_it_too() -> None:
    body = {"error": "invalid_request", "error_description": SPEC_403["error"]["message"]}
    handler, seen = fake(token=httpx.Response(400, json=body))
    snapshot = await run(GeminiProvider(), gemini_account(expired=True), handler)
    assert retired(snapshot), snapshot.message
    assert seen == [TOKEN]


async def test_an_invalid_grant_refresh_is_still_auth_expired() -> None:
    body = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    handler, _ = fake(token=httpx.Response(400, json=body))
    snapshot = await run(GeminiProvider(), gemini_account(expired=True), handler)
    assert snapshot.status is Status.AUTH_EXPIRED


@pytest.mark.parametrize(
    "body",
    [error("The caller does not have permission"), {}, None],
    ids=["plain", "empty", "no-body"],
)
async def test_a_403_without_the_signals_keeps_its_old_sentence(body) -> None:
    reply = httpx.Response(403, json=body) if body is not None else httpx.Response(403)
    handler, _ = fake(retrieveUserQuota=reply)
    snapshot = await run(GeminiProvider(), gemini_account("my-project"), handler)
    assert snapshot.status is Status.FORBIDDEN
    assert "may have no Gemini access, or the project is not its own" in snapshot.message
    assert "antigravity" not in snapshot.message


@pytest.mark.parametrize("status", [401, 429, 500])
async def test_only_a_403_names_the_retirement(status) -> None:
    handler, _ = fake(retrieveUserQuota=httpx.Response(status, json=SPEC_403))
    snapshot = await run(GeminiProvider(), gemini_account("my-project"), handler)
    assert snapshot.message != MESSAGE


async def test_an_antigravity_account_is_never_sent_to_itself() -> None:
    account = Account(
        provider="antigravity",
        label="grace@example.com",
        source="~/.config/opencode/antigravity-accounts.json",
        extra={
            "kind": "cloud",
            "refresh": Secret("1//grace-rt"),
            "project": "proj-grace",
            "email": "grace@example.com",
            "client_id": "ag-id",
            "client_secret": Secret("ag-secret-value"),
        },
    )
    handler, _ = fake(fetchAvailableModels=httpx.Response(403, json=SPEC_403))
    snapshot = await run(AntigravityProvider(), account, handler)
    assert snapshot.status is Status.FORBIDDEN and snapshot.message != MESSAGE


def test_once_json_shows_the_retired_gemini_login(home: Path, monkeypatch, capsys) -> None:
    path = home / ".gemini/oauth_creds.json"
    path.parent.mkdir(parents=True)
    expiry = int((datetime.now(UTC) + timedelta(hours=1)).timestamp() * 1000)
    path.write_text(json.dumps({"access_token": "ya29.retired-0000", "expiry_date": expiry}))

    def serve(seen: Seen) -> Reply:
        if seen.path == LOAD:
            return Reply(status=200, body=SPEC_LOAD)
        return Reply(status=500, body={})

    with LocalServer(serve) as server:
        monkeypatch.setenv("AIQUOTA_GEMINI_URL", server.url)
        code = main(["--once", "--json", "--provider", "gemini"])
    out, _ = capsys.readouterr()
    assert code == 1
    [account] = json.loads(out)["accounts"]
    assert (account["status"], account["message"]) == ("forbidden", MESSAGE)
    assert [s.path for s in server.seen] == [LOAD]
    assert "ya29.retired-0000" not in out
