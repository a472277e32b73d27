"""Demo data for Gemini and Antigravity (cloud accounts).

- `gemini`: the Gemini CLI login on a standard tier, with a still-valid access token, its
  project found through loadCodeAssist ({id} form), four model buckets; and a consumer login
  Gemini CLI stopped serving on 2026-06-18 (loadCodeAssist names no tier, only an
  `UNSUPPORTED_CLIENT` ineligible one), which is told to move to the `antigravity` provider.
- `antigravity`: three accounts of OpenCode's antigravity-accounts.json. The active one has
  Claude, Gemini Pro, Gemini Flash and other models (one exhausted, one without quota data)
  and no quota summary (a 404: the per-model answer alone); one is stopped by Google's
  "verify your account" 403; one answers as Antigravity 2.x does (Changes in 2026): a quota
  summary of two groups with a 5-hour and a weekly limit each, beside an all-100 % per-model
  placeholder that is therefore not shown.
Antigravity tokens are always refreshed, so POST /token is answered here too: the demo goes
through the same fake transport as every other request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

import httpx

from providers.base import Account
from providers.kit.demo_tools import DAY, HOUR, copy_label, demo_token, token_key
from providers.kit.secrets import Secret

TOKEN_HOST = "oauth2.googleapis.com"
TOKEN_PATH = "/token"
CLOUDCODE_HOST = "cloudcode-pa.googleapis.com"
LOAD_PATH = "/v1internal:loadCodeAssist"
QUOTA_PATH = "/v1internal:retrieveUserQuota"
MODELS_PATH = "/v1internal:fetchAvailableModels"
SUMMARY_PATH = "/v1internal:retrieveUserQuotaSummary"

ACCESS_PREFIX = "ya29.demo-"
REFRESH_PREFIX = "1//demo-"
# Placeholders that only this demo transport accepts: not any real OAuth client.
DEMO_CLIENT_ID = "aiquota-demo.apps.example.com"
DEMO_CLIENT_SECRET = "demo-only-client-secret"


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bucket(model: str, fraction: float, limit: int, reset: str) -> dict[str, Any]:
    return {
        "modelId": model,
        "tokenType": "REQUESTS",
        "remainingFraction": fraction,
        "remainingAmount": str(round(limit * fraction)),
        "resetTime": reset,
    }


def _gemini_quota(now: float) -> dict[str, Any]:
    reset = _iso(now + 17 * HOUR)
    return {
        "buckets": [
            _bucket("gemini-2.0-flash", 1.0, 1500, reset),
            _bucket("gemini-2.5-flash", 0.62, 1500, reset),
            _bucket("gemini-2.5-flash-lite", 0.97, 1500, reset),
            _bucket("gemini-2.5-pro", 0.18, 250, _iso(now + 9.5 * HOUR)),
        ]
    }


def _model(name: str, fraction: float | None, reset: str) -> dict[str, Any]:
    quota: dict[str, Any] = {"resetTime": reset}
    if fraction is not None:
        quota["remainingFraction"] = fraction
    return {"displayName": name, "quotaInfo": quota}


def _antigravity_models(now: float) -> dict[str, Any]:
    soon, later = _iso(now + 3.2 * HOUR), _iso(now + 4.7 * HOUR)
    return {
        "models": {
            "claude-sonnet-4-5": _model("Claude Sonnet 4.5", 0.8, soon),
            "claude-opus-4-5-thinking": _model("Claude Opus 4.5 (Thinking)", 0.35, soon),
            "gemini-3-pro-high": _model("Gemini 3 Pro (High)", 0.6, later),
            "gemini-3-pro-low": _model("Gemini 3 Pro (Low)", 0.9, later),
            "gemini-3-flash": _model("Gemini 3 Flash", 1.0, later),
            # quotaInfo without a fraction: used up until the reset.
            "gemini-2.5-flash-lite": _model("Gemini 2.5 Flash Lite", None, _iso(now + HOUR)),
            "gpt-oss-120b-medium": _model("GPT-OSS 120B (Medium)", 0.95, later),
            # No quotaInfo at all: no quota data, not shown.
            "chat_20706": {"displayName": "Internal chat"},
        }
    }


def _placeholder_models(now: float) -> dict[str, Any]:
    """What fetchAvailableModels can answer beside a summary: every model untouched."""
    reset = _iso(now + 5 * HOUR)
    return {
        "models": {
            "gemini-3-pro-high": _model("Gemini 3 Pro (High)", 1.0, reset),
            "gemini-3-flash": _model("Gemini 3 Flash", 1.0, reset),
            "claude-sonnet-4-6": _model("Claude Sonnet 4.6", 1.0, reset),
            "gpt-oss-120b-medium": _model("GPT-OSS 120B (Medium)", 1.0, reset),
        }
    }


def _summary_bucket(bucket_id: str, name: str, fraction: float, reset: float) -> dict[str, Any]:
    return {
        "bucketId": bucket_id,
        "displayName": name,
        "remaining": {"remainingFraction": fraction},
        "resetTime": _iso(reset),
    }


def _quota_summary(now: float) -> dict[str, Any]:
    return {
        "response": {
            "description": "Within each group, models share a weekly limit and a 5-hour limit.",
            "groups": [
                {
                    "displayName": "Gemini Models",
                    "description": "Models within this group: Gemini Flash, Gemini Pro",
                    "buckets": [
                        _summary_bucket("gemini-weekly", "Weekly Limit", 0.74, now + 4.4 * DAY),
                        _summary_bucket("gemini-5h", "Five Hour Limit", 0.93, now + 1.7 * HOUR),
                    ],
                },
                {
                    "displayName": "Claude and GPT models",
                    "buckets": [
                        {
                            "bucketId": "3p-weekly",
                            "displayName": "Weekly Limit",
                            "remainingFraction": "0.41",
                            "resetTime": _iso(now + 5.1 * DAY),
                        },
                        {
                            "bucketId": "3p-5h",
                            "displayName": "Five Hour Limit",
                            "remaining": {"case": "remainingFraction", "value": 0.2},
                            "resetTime": _iso(now + 2.2 * HOUR),
                            "disabled": False,
                        },
                    ],
                },
            ],
        }
    }


# loadCodeAssist for a consumer login since 2026-06-18: no current tier, Gemini CLI refused.
_RETIRED_LOAD = {
    "ineligibleTiers": [
        {
            "reasonCode": "UNSUPPORTED_CLIENT",
            "reasonMessage": "This client is no longer supported for Gemini Code Assist for "
            "individuals. To continue using Gemini, please migrate to the Antigravity suite.",
            "tierId": "free-tier",
            "tierName": "Gemini Code Assist for individuals",
        }
    ]
}


def _verify_403(now: float) -> httpx.Response:
    return httpx.Response(
        403,
        json={
            "error": {
                "code": 403,
                "message": "To continue, verify your account at "
                "https://accounts.google.com/signin/continue?sarp=1&scc=1",
                "status": "PERMISSION_DENIED",
                "details": [
                    {
                        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                        "reason": "VALIDATION_REQUIRED",
                        "domain": "cloudcode-pa.googleapis.com",
                        "metadata": {
                            "validation_url": "https://accounts.google.com/signin/continue"
                        },
                    }
                ],
            }
        },
    )


@dataclass(frozen=True)
class DemoGoogle:
    key: str
    provider: str
    name: str  # the e-mail's local part
    active: bool
    project: str | None
    tier: str


GEMINI_DEMO = DemoGoogle("gemini", "gemini", "ada", True, None, "standard-tier")
# A Google AI Pro login still in ~/.gemini after Gemini CLI stopped serving such accounts.
RETIRED_DEMO = DemoGoogle("alan", "gemini", "alan", False, None, "")
ANTIGRAVITY_DEMOS = (
    DemoGoogle("grace", "antigravity", "grace", True, "demo-antigravity-grace", "free-tier"),
    DemoGoogle("linus", "antigravity", "linus", False, "demo-antigravity-linus", "free-tier"),
    DemoGoogle("hedy", "antigravity", "hedy", False, "demo-antigravity-hedy", "standard-tier"),
)
_BY_KEY = {demo.key: demo for demo in (GEMINI_DEMO, RETIRED_DEMO, *ANTIGRAVITY_DEMOS)}
# Accounts whose quota summary answers (the others get a 404, as before Antigravity 2.x).
_WITH_SUMMARY = {"hedy"}


def _email(demo: DemoGoogle, copy: int) -> str:
    return f"{copy_label(demo.name, copy)}@example.com"


def _client() -> dict[str, Any]:
    return {
        "client_id": DEMO_CLIENT_ID,
        "client_secret": Secret(DEMO_CLIENT_SECRET),
        "client_sources": ("config",),
    }


def _account(
    demo: DemoGoogle, copy: int, source: str, extra: dict[str, Any], **fields: Any
) -> Account:
    """One demo login of either pool; `extra` and `fields` hold what only its pool has."""
    email = _email(demo, copy)
    return Account(
        provider=demo.provider,
        label=email,
        source=source,
        active=demo.active and copy == 0,
        extra={
            **extra,
            "refresh": Secret(demo_token(REFRESH_PREFIX, demo.key, copy)),
            "project": demo.project,
            "email": email,
            **_client(),
        },
        **fields,
    )


def _gemini_account(demo: DemoGoogle, now: float, copy: int) -> Account:
    return _account(
        demo,
        copy,
        "~/.gemini/oauth_creds.json",
        {"expires": datetime.fromtimestamp(now + 50 * 60, tz=UTC)},
        # A token that is still valid: the demo Gemini login needs no refresh.
        secret=Secret(demo_token(ACCESS_PREFIX, demo.key, copy)),
    )


def _antigravity_account(demo: DemoGoogle, copy: int) -> Account:
    return _account(
        demo,
        copy,
        "~/.config/opencode/antigravity-accounts.json",
        {"kind": "cloud"},
        identity=_email(demo, copy),
    )


def accounts(now: float, copy: int) -> list[Account]:
    result = [_gemini_account(demo, now, copy) for demo in (GEMINI_DEMO, RETIRED_DEMO)]
    result += [_antigravity_account(demo, copy) for demo in ANTIGRAVITY_DEMOS]
    # The Antigravity editor's local cache (state.vscdb, extra kind "cache") is read from a
    # file, not over HTTP: its demo accounts come from cache_demo.py.
    return result


# --------------------------------------------------------------------------- transport


def _demo_of(token: str, prefix: str) -> DemoGoogle | None:
    return _BY_KEY.get(token_key(token, prefix) or "")


def _token_answer(request: httpx.Request) -> httpx.Response:
    form = parse_qs(request.content.decode("utf-8", "replace"))
    refresh = (form.get("refresh_token") or [""])[0]
    secret = (form.get("client_secret") or [""])[0]
    if (form.get("client_id") or [""])[0] != DEMO_CLIENT_ID or secret != DEMO_CLIENT_SECRET:
        return httpx.Response(401, json={"error": "invalid_client"})
    demo = _demo_of(refresh, REFRESH_PREFIX)
    if demo is None:
        return httpx.Response(400, json={"error": "invalid_grant"})
    copy = refresh.removeprefix(f"{REFRESH_PREFIX}{demo.key}-").split("-", 1)[0]
    access = f"{ACCESS_PREFIX}{demo.key}-{copy}-Zm9yLWRlbW8tb25seQ"
    return httpx.Response(
        200, json={"access_token": access, "expires_in": 3599, "token_type": "Bearer"}
    )


def _cloudcode_answer(request: httpx.Request, now: float) -> httpx.Response:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    demo = _demo_of(token, ACCESS_PREFIX)
    if demo is None:
        return httpx.Response(401, json={"error": {"code": 401, "status": "UNAUTHENTICATED"}})
    path = request.url.path
    if path == LOAD_PATH and demo is RETIRED_DEMO:
        return httpx.Response(200, json=_RETIRED_LOAD)
    if path == LOAD_PATH:
        copy = token.removeprefix(f"{ACCESS_PREFIX}{demo.key}-").split("-", 1)[0]
        return httpx.Response(
            200,
            json={
                "currentTier": {"id": demo.tier, "name": demo.tier.replace("-", " ").title()},
                "cloudaicompanionProject": {"id": f"demo-{demo.key}-{copy}"},
            },
        )
    if demo.key == "linus":
        return _verify_403(now)
    if path == QUOTA_PATH and demo.provider == "gemini":
        return httpx.Response(200, json=_gemini_quota(now))
    if path == MODELS_PATH and demo.key in _WITH_SUMMARY:
        return httpx.Response(200, json=_placeholder_models(now))
    if path == MODELS_PATH and demo.provider == "antigravity":
        return httpx.Response(200, json=_antigravity_models(now))
    if path == SUMMARY_PATH and demo.key in _WITH_SUMMARY:
        return httpx.Response(200, json=_quota_summary(now))
    return httpx.Response(404, json={"error": {"code": 404, "status": "NOT_FOUND"}})


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    host, path = request.url.host, request.url.path
    if host == TOKEN_HOST and path == TOKEN_PATH and request.method == "POST":
        return _token_answer(request)
    if host == CLOUDCODE_HOST and path.startswith("/v1internal:"):
        return _cloudcode_answer(request, now)
    return None
