"""Demo data for Zhipu AI and Z.ai: a Zhipu Pro key with 5h, weekly and MCP windows, a Z.ai
Lite key with its MCP calls used up, a Z.ai credit plan as the service answers since 2026
(`planName`, 5h and weekly `CREDIT_LIMIT`s, MCP calls with a length of their own), and a Z.ai
key the service calls invalid (HTTP 200 with an error body, as the real service answers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import DAY, HOUR, DemoKey, DemoKeys

QUOTA_PATH = "/api/monitor/usage/quota/limit"
KEY_PREFIX = "demo-glm-"


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _ok(level: str, limits: list[dict[str, Any]], **names: str) -> dict[str, Any]:
    return {
        "code": 200,
        "msg": "success",
        "success": True,
        "data": {**names, "level": level, "limits": limits},
    }


def _limit(kind: str, unit: int, number: int, **fields: Any) -> dict[str, Any]:
    """One entry of `limits`: its type and period (unit, number), then what it says."""
    return {"type": kind, "unit": unit, "number": number, **fields}


def _counts(usage: int, used: int) -> dict[str, int]:
    """A limit's figures when the service gives them: the total, used, and what is left."""
    return {"usage": usage, "currentValue": used, "remaining": usage - used}


def _zhipu_pro(now: float) -> dict[str, Any]:
    return _ok(
        "pro",
        [
            _limit(
                "TOKENS_LIMIT",
                3,
                5,
                **_counts(40_000_000, 13_628_365),
                percentage=34,
                nextResetTime=_ms(now + 3.2 * HOUR),
            ),
            _limit("TOKENS_LIMIT", 6, 1, percentage=8.1, nextResetTime=_ms(now + 4.6 * DAY)),
            _limit(
                "TIME_LIMIT",
                5,
                1,
                **_counts(1000, 212),
                percentage=21,
                nextResetTime=_ms(now + 17 * DAY),
                usageDetails=[
                    {"modelCode": "search-prime", "usage": 150},
                    {"modelCode": "web-reader", "usage": 62},
                    {"modelCode": "zread", "usage": 0},
                ],
            ),
        ],
    )


def _zai_lite(now: float) -> dict[str, Any]:
    return _ok(
        "lite",
        [
            _limit("TOKENS_LIMIT", 3, 5, percentage="71", nextResetTime=_ms(now + 1.4 * HOUR)),
            _limit("TOKENS_LIMIT", 6, 1, percentage="44", nextResetTime=_ms(now + 2.3 * DAY)),
            _limit("TIME_LIMIT", 5, 1, **_counts(100, 100), percentage=100),
        ],
    )


def _zai_credits(now: float) -> dict[str, Any]:
    # A credit-based Coding Plan (2026): credits instead of tokens, numbers sent as text, and
    # MCP calls counted per week (unit 6, number 1) rather than by the monthly marker.
    return _ok(
        "pro",
        [
            _limit(
                "CREDIT_LIMIT",
                3,
                5,
                usage="1600",
                currentValue="412",
                remaining="1188",
                percentage="25.75",
                nextResetTime=_ms(now + 2.6 * HOUR),
            ),
            _limit(
                "CREDIT_LIMIT",
                6,
                1,
                **_counts(8000, 2150),
                percentage=26.875,
                nextResetTime=_ms(now + 5.1 * DAY),
            ),
            _limit(
                "TIME_LIMIT",
                6,
                1,
                **_counts(1000, 64),
                percentage=6.4,
                nextResetTime=_ms(now + 5.1 * DAY),
                usageDetails=[
                    {"modelCode": "search-prime", "usage": 51},
                    {"modelCode": "web-reader", "usage": 13},
                ],
            ),
        ],
        planName="GLM Coding Pro",
    )


def _invalid_key(now: float) -> dict[str, Any]:
    # What the service really does with a bad key: HTTP 200, success false.
    return {"code": 401, "msg": "token expired or incorrect", "success": False}


# Labels are config names ([providers.<id>] name), distinct from every other demo's.
DEMO_KEYS: DemoKeys[Callable[[float], dict[str, Any]]] = DemoKeys(
    KEY_PREFIX,
    (
        DemoKey("zhipu", "glm-pro", "config", _zhipu_pro),
        DemoKey("zai", "glm-lite", "config", _zai_lite),
        DemoKey("zai", "glm-credits", "~/.local/share/opencode/auth.json", _zai_credits),
        DemoKey("zai", "glm-revoked", "env:Z_AI_API_KEY", _invalid_key),
    ),
)


def accounts(now: float, copy: int) -> list[Account]:
    return DEMO_KEYS.accounts(copy)


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if request.url.path != QUOTA_PATH:
        return None
    demo = DEMO_KEYS.owner(request.headers.get("Authorization", ""))
    if demo is not None:
        return httpx.Response(200, json=demo.answer(now))
    # Like the real service: an unknown key is an HTTP 200 error body.
    return httpx.Response(
        200, json={"code": 1002, "msg": "Authorization Token非法，请确认", "success": False}
    )
