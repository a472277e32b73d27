"""Demo data for the API-key balances: an OpenRouter key with a monthly key limit and
credits, a DeepSeek account holding CNY and USD, a Moonshot account, and a DeepSeek
account drained to zero (the service says it is too low to use: an error state)."""

from __future__ import annotations

from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import DemoKey, DemoKeys

OPENROUTER_KEY_PATH = "/api/v1/key"
OPENROUTER_CREDITS_PATH = "/api/v1/credits"
DEEPSEEK_PATH = "/user/balance"
MOONSHOT_PATH = "/v1/users/me/balance"
KEY_PREFIX = "demo-bal-"

# What the demo serves a key: the body for each path (these answers do not move with time).
Bodies = dict[str, dict[str, Any]]

_OPENROUTER: Bodies = {
    OPENROUTER_KEY_PATH: {
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
    },
    OPENROUTER_CREDITS_PATH: {"data": {"total_credits": 200.0, "total_usage": 142.6}},
}


def _deepseek(available: bool, *infos: tuple[str, str, str, str]) -> Bodies:
    """DeepSeek's answer: (currency, total, granted, topped up) per balance."""
    return {
        DEEPSEEK_PATH: {
            "is_available": available,
            "balance_infos": [
                {
                    "currency": currency,
                    "total_balance": total,
                    "granted_balance": granted,
                    "topped_up_balance": topped_up,
                }
                for currency, total, granted, topped_up in infos
            ],
        }
    }


_MOONSHOT: Bodies = {
    MOONSHOT_PATH: {
        "code": 0,
        "data": {"available_balance": 49.58, "voucher_balance": 46.58, "cash_balance": 3.0},
        "scode": "0x0",
        "status": True,
    }
}

# Labels are config names or env: distinct from every other demo's.
DEMO_KEYS = DemoKeys(
    KEY_PREFIX,
    (
        DemoKey("openrouter", "or-personal", "config", _OPENROUTER),
        DemoKey(
            "deepseek",
            "ds-main",
            "env:DEEPSEEK_API_KEY",
            _deepseek(True, ("CNY", "110.00", "10.00", "100.00"), ("USD", "4.20", "0.00", "4.20")),
        ),
        DemoKey(
            "deepseek", "ds-drained", "config", _deepseek(False, ("CNY", "0.00", "0.00", "0.00"))
        ),
        DemoKey("moonshot", "kimi", "env:MOONSHOT_API_KEY", _MOONSHOT),
    ),
)
_PATHS = {OPENROUTER_KEY_PATH, OPENROUTER_CREDITS_PATH, DEEPSEEK_PATH, MOONSHOT_PATH}


def accounts(now: float, copy: int) -> list[Account]:
    return DEMO_KEYS.accounts(copy)


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    path = request.url.path
    if path not in _PATHS:
        return None
    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    demo = DEMO_KEYS.owner(key)
    if demo is None:
        return httpx.Response(
            401, json={"error": {"message": "Invalid Authentication", "code": 401}}
        )
    body = demo.answer.get(path)
    if body is not None:
        return httpx.Response(200, json=body)
    return httpx.Response(404, json={"error": {"message": "Not found", "code": 404}})
