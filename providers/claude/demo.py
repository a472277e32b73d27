"""Demo data for Claude: Claude Code's login on a Max plan (the classic named windows, its
Opus week fuller than the plain week), OpenCode's login (the 2026 shape: per-model keys null,
`limits[]` with a "Fable only" week that binds now, extra usage in euros), and a team login
that Anthropic is rate-limiting (HTTP 429 with Retry-After)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import DAY, HOUR, copy_label, demo_token, token_key
from providers.kit.secrets import Secret

USAGE_PATH = "/api/oauth/usage"
TOKEN_PREFIX = "sk-ant-oat01-demo-"
RETRY_AFTER_SECONDS = 240


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _classic_answer(now: float) -> dict[str, Any]:
    return {
        "five_hour": {"utilization": 23.0, "resets_at": _iso(now + 2.3 * HOUR)},
        "seven_day": {"utilization": 41.0, "resets_at": _iso(now + 3.6 * DAY)},
        "seven_day_sonnet": {"utilization": 12.0, "resets_at": _iso(now + 3.6 * DAY)},
        "seven_day_opus": {"utilization": 68.0, "resets_at": _iso(now + 3.6 * DAY)},
        "seven_day_oauth_apps": None,
        "extra_usage": {
            "is_enabled": False,
            "monthly_limit": None,
            "used_credits": None,
            "utilization": None,
        },
    }


def _answer_2026(now: float) -> dict[str, Any]:
    """The answer as PROVIDERS.md §2 "Changes in 2026" shows it: Fable's week binds."""
    session_reset = _iso(now + 2.1 * HOUR)
    weekly_reset = _iso(now + 3.9 * DAY)
    return {
        "five_hour": {"utilization": 37.0, "resets_at": session_reset},
        "seven_day": {"utilization": 39.0, "resets_at": weekly_reset},
        "seven_day_opus": None,
        "seven_day_sonnet": None,
        "seven_day_oauth_apps": None,
        "limits": [
            {
                "kind": "session",
                "group": "session",
                "percent": 37,
                "severity": "normal",
                "resets_at": session_reset,
                "scope": None,
                "is_active": False,
            },
            {
                "kind": "weekly_all",
                "group": "weekly",
                "percent": 39,
                "severity": "normal",
                "resets_at": weekly_reset,
                "scope": None,
                "is_active": False,
            },
            {
                "kind": "weekly_scoped",
                "group": "weekly",
                "percent": 69,
                "severity": "warning",
                "resets_at": weekly_reset,
                "scope": {"model": {"id": None, "display_name": "Fable"}, "surface": None},
                "is_active": True,
            },
        ],
        "extra_usage": {
            "is_enabled": True,
            "monthly_limit": 20000,
            "used_credits": 4150,
            "utilization": 20.75,
            "currency": "EUR",
        },
    }


def _rate_limited(now: float) -> httpx.Response:
    return httpx.Response(
        429,
        json={"type": "error", "error": {"type": "rate_limit_error", "message": "Rate limited"}},
        headers={"retry-after": str(RETRY_AFTER_SECONDS)},
    )


@dataclass(frozen=True)
class DemoClaude:
    key: str
    label: str
    source: str
    active: bool
    plan: str | None
    tier: str | None
    reply: Callable[[float], httpx.Response]


def _ok(build: Callable[[float], dict[str, Any]]) -> Callable[[float], httpx.Response]:
    return lambda now: httpx.Response(200, json=build(now))


CLAUDE_ACCOUNTS = (
    DemoClaude(
        "code",
        "default",
        "~/.claude/.credentials.json",
        True,
        "max",
        "default_claude_max_20x",
        _ok(_classic_answer),
    ),
    DemoClaude(
        "opencode",
        "opencode",
        "~/.local/share/opencode/auth.json",
        False,
        None,
        None,
        _ok(_answer_2026),
    ),
    DemoClaude(
        "team",
        "team",
        "~/.claude-team/.credentials.json",
        False,
        "team",
        "default_claude_team",
        _rate_limited,
    ),
)
_BY_KEY = {demo.key: demo for demo in CLAUDE_ACCOUNTS}


def accounts(now: float, copy: int) -> list[Account]:
    result = []
    for demo in CLAUDE_ACCOUNTS:
        result.append(
            Account(
                provider="claude",
                label=copy_label(demo.label, copy),
                source=demo.source,
                secret=Secret(demo_token(TOKEN_PREFIX, demo.key, copy)),
                active=demo.active and copy == 0,
                extra={
                    "origin": "opencode" if demo.key == "opencode" else "claude_code",
                    "plan": demo.plan,
                    "rate_limit_tier": demo.tier,
                    "expires": datetime.fromtimestamp(now + 30 * DAY, tz=UTC),
                },
            )
        )
    return result


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if request.url.host != "api.anthropic.com" or request.url.path != USAGE_PATH:
        return None
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    demo = _BY_KEY.get(token_key(token, TOKEN_PREFIX) or "")
    if demo is None:
        return httpx.Response(
            401, json={"type": "error", "error": {"type": "authentication_error"}}
        )
    return demo.reply(now)
