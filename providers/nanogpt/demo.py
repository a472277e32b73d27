"""Demo data for Nano-GPT: a key with an active subscription (daily and monthly windows plus
balances), a token plan as it answers since 2026 (one weekly input-token window, `daily` and
`monthly` null), a pay-as-you-go key with no subscription (balances only), and a revoked key."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import DAY, HOUR, DemoKey, DemoKeys

USAGE_PATH = "/api/subscription/v1/usage"
BALANCE_PATH = "/api/check-balance"
KEY_PREFIX = "demo-nano-"


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _subscribed(now: float) -> dict[str, Any]:
    return {
        "active": True,
        "limits": {"daily": 5000, "monthly": 60000},
        "daily": {
            "used": 1130,
            "remaining": 3870,
            "percentUsed": 0.226,
            "resetAt": _ms(now + 7.5 * HOUR),
        },
        "monthly": {
            "used": 21450,
            "remaining": 38550,
            "percentUsed": 0.3575,
            "resetAt": _ms(now + 12 * DAY),
        },
        "period": {"currentPeriodEnd": _iso(now + 12 * DAY)},
    }


def _token_plan(now: float) -> dict[str, Any]:
    return {
        "active": True,
        "limits": {"weeklyInputTokens": 60_000_000, "dailyInputTokens": None},
        "weeklyInputTokens": {
            "used": "21450000",
            "remaining": "38550000",
            "percentUsed": 0.3575,
            "resetAt": _ms(now + 3.4 * DAY),
        },
        "dailyInputTokens": None,
        "daily": None,
        "monthly": None,
        "period": {"currentPeriodEnd": _iso(now + 19 * DAY)},
    }


def _inactive(now: float) -> dict[str, Any]:
    return {"active": False, "limits": {"daily": 0, "monthly": 0}, "daily": None, "monthly": None}


@dataclass(frozen=True)
class DemoAnswers:
    usage: Callable[[float], dict[str, Any]] | None  # None: the key is rejected
    balance: dict[str, str]


# Labels are config names ([providers.nanogpt] name) or env: distinct from every other demo's.
DEMO_KEYS = DemoKeys(
    KEY_PREFIX,
    (
        DemoKey(
            "nanogpt",
            "nano-pro",
            "config",
            DemoAnswers(_subscribed, {"usd_balance": "12.48031", "nano_balance": "3.1"}),
        ),
        DemoKey(
            "nanogpt",
            "nano-tokens",
            "config",
            DemoAnswers(_token_plan, {"usd_balance": "4.2", "nano_balance": "0"}),
        ),
        DemoKey(
            "nanogpt",
            "nano-payg",
            "env:NANOGPT_API_KEY",
            DemoAnswers(_inactive, {"usd_balance": "129.46956147", "nano_balance": "26.71801147"}),
        ),
        DemoKey(
            "nanogpt", "nano-revoked", "~/.local/share/opencode/auth.json", DemoAnswers(None, {})
        ),
    ),
    with_provider=False,
)


def accounts(now: float, copy: int) -> list[Account]:
    return DEMO_KEYS.accounts(copy)


def _json(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if request.url.path not in (USAGE_PATH, BALANCE_PATH):
        return None
    demo = DEMO_KEYS.owner(request.headers.get("x-api-key", ""))
    if demo is None or demo.answer.usage is None:
        return _json(401, {"error": "Invalid API key"})
    if request.url.path == USAGE_PATH:
        return _json(200, demo.answer.usage(now))
    return _json(200, demo.answer.balance)
