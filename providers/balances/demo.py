"""Demo data for the API-key balances: an OpenRouter key with a monthly key limit and
credits, a DeepSeek account holding CNY and USD, a Moonshot account, and a DeepSeek
account drained to zero (the service says it is too low to use: an error state)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import key_part
from providers.kit.secrets import Secret

OPENROUTER_KEY_PATH = "/api/v1/key"
OPENROUTER_CREDITS_PATH = "/api/v1/credits"
DEEPSEEK_PATH = "/user/balance"
MOONSHOT_PATH = "/v1/users/me/balance"
KEY_PREFIX = "demo-bal-"

Answer = Callable[[str, float], dict[str, Any] | None]


def _openrouter(path: str, now: float) -> dict[str, Any] | None:
    if path == OPENROUTER_KEY_PATH:
        return {
            "data": {
                "label": "sk-or-v1-7d1…e42",
                "limit": 50,
                "limit_remaining": 31.75,
                "limit_reset": "monthly",
                "usage": 142.6,
                "usage_daily": 1.92,
                "usage_weekly": 6.4,
                "usage_monthly": 18.25,
                "is_free_tier": False,
            }
        }
    if path == OPENROUTER_CREDITS_PATH:
        return {"data": {"total_credits": 200.0, "total_usage": 142.6}}
    return None


def _deepseek(path: str, now: float) -> dict[str, Any] | None:
    if path != DEEPSEEK_PATH:
        return None
    return {
        "is_available": True,
        "balance_infos": [
            {
                "currency": "CNY",
                "total_balance": "110.00",
                "granted_balance": "10.00",
                "topped_up_balance": "100.00",
            },
            {
                "currency": "USD",
                "total_balance": "4.20",
                "granted_balance": "0.00",
                "topped_up_balance": "4.20",
            },
        ],
    }


def _deepseek_drained(path: str, now: float) -> dict[str, Any] | None:
    if path != DEEPSEEK_PATH:
        return None
    return {
        "is_available": False,
        "balance_infos": [
            {
                "currency": "CNY",
                "total_balance": "0.00",
                "granted_balance": "0.00",
                "topped_up_balance": "0.00",
            }
        ],
    }


def _moonshot(path: str, now: float) -> dict[str, Any] | None:
    if path != MOONSHOT_PATH:
        return None
    return {
        "code": 0,
        "data": {"available_balance": 49.58, "voucher_balance": 46.58, "cash_balance": 3.0},
        "scode": "0x0",
        "status": True,
    }


@dataclass(frozen=True)
class DemoKey:
    provider: str
    label: str
    source: str
    answer: Answer


# Labels are config names or env: distinct from every other demo's.
DEMO_KEYS = (
    DemoKey("openrouter", "or-personal", "config", _openrouter),
    DemoKey("deepseek", "ds-main", "env:DEEPSEEK_API_KEY", _deepseek),
    DemoKey("deepseek", "ds-drained", "config", _deepseek_drained),
    DemoKey("moonshot", "kimi", "env:MOONSHOT_API_KEY", _moonshot),
)
_PATHS = {OPENROUTER_KEY_PATH, OPENROUTER_CREDITS_PATH, DEEPSEEK_PATH, MOONSHOT_PATH}


def _key_for(demo: DemoKey, copy: int) -> str:
    return f"{KEY_PREFIX}{demo.provider}-{key_part(demo.label)}-{copy}.0123456789abcdef"


def accounts(now: float, copy: int) -> list[Account]:
    return [
        Account(
            provider=demo.provider,
            label=demo.label if copy == 0 else f"{demo.label}-{copy + 1}",
            source=demo.source,
            secret=Secret(_key_for(demo, copy)),
        )
        for demo in DEMO_KEYS
    ]


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    path = request.url.path
    if path not in _PATHS:
        return None
    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    for demo in DEMO_KEYS:
        if key.startswith(f"{KEY_PREFIX}{demo.provider}-{key_part(demo.label)}-"):
            body = demo.answer(path, now)
            if body is not None:
                return httpx.Response(200, json=body)
            return httpx.Response(404, json={"error": {"message": "Not found", "code": 404}})
    return httpx.Response(401, json={"error": {"message": "Invalid Authentication", "code": 401}})
