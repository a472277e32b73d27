"""Demo data for Nano-GPT: a key with an active subscription (daily and monthly windows plus
balances), a pay-as-you-go key with no subscription (balances only), and a revoked key."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import DAY, HOUR, key_part
from providers.kit.secrets import Secret

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


def _inactive(now: float) -> dict[str, Any]:
    return {"active": False, "limits": {"daily": 0, "monthly": 0}, "daily": None, "monthly": None}


@dataclass(frozen=True)
class DemoKey:
    label: str
    source: str
    usage: Callable[[float], dict[str, Any]] | None  # None: the key is rejected
    balance: dict[str, str]


# Labels are config names ([providers.nanogpt] name) or env: distinct from every other demo's.
DEMO_KEYS = (
    DemoKey("nano-pro", "config", _subscribed, {"usd_balance": "12.48031", "nano_balance": "3.1"}),
    DemoKey(
        "nano-payg",
        "env:NANOGPT_API_KEY",
        _inactive,
        {"usd_balance": "129.46956147", "nano_balance": "26.71801147"},
    ),
    DemoKey("nano-revoked", "~/.local/share/opencode/auth.json", None, {}),
)


def _key_for(demo: DemoKey, copy: int) -> str:
    return f"{KEY_PREFIX}{key_part(demo.label)}-{copy}.0123456789abcdef"


def accounts(now: float, copy: int) -> list[Account]:
    return [
        Account(
            provider="nanogpt",
            label=demo.label if copy == 0 else f"{demo.label}-{copy + 1}",
            source=demo.source,
            secret=Secret(_key_for(demo, copy)),
        )
        for demo in DEMO_KEYS
    ]


def _json(status: int, body: dict[str, Any]) -> httpx.Response:
    return httpx.Response(
        status, content=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if request.url.path not in (USAGE_PATH, BALANCE_PATH):
        return None
    key = request.headers.get("x-api-key", "")
    for demo in DEMO_KEYS:
        if key.startswith(f"{KEY_PREFIX}{key_part(demo.label)}-") and demo.usage is not None:
            if request.url.path == USAGE_PATH:
                return _json(200, demo.usage(now))
            return _json(200, demo.balance)
    return _json(401, {"error": "Invalid API key"})
