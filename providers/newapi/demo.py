"""Demo data for New API / One API gateways: a team gateway with model limits and a key that
expires in six weeks, a home One API with an unlimited key, an older gateway behind a path
prefix that only speaks the OpenAI-style billing API (served through the 404 fallback), and
a key the gateway no longer knows (HTTP 200 with an error body, as the real ones answer)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from providers.base import Account
from providers.kit.demo_tools import DAY, copy_label, key_part
from providers.kit.secrets import Secret
from providers.newapi.provider import (
    BILLING_USAGE_PATH,
    DEFAULT_QUOTA_PER_USD,
    SUBSCRIPTION_PATH,
    USAGE_PATH,
)

KEY_PREFIX = "sk-demonewapi"
HOSTS = ("newapi.demo.invalid", "oneapi.demo.invalid", "legacy.demo.invalid")


@dataclass(frozen=True)
class DemoGateway:
    label: str
    base_url: str
    answer: Callable[[str, float], httpx.Response]  # (path, now) → response
    quota_per_usd: float = DEFAULT_QUOTA_PER_USD


def _usage(path: str, data: dict[str, Any]) -> httpx.Response:
    """The token's usage at /api/usage/token; any other path is not found."""
    if not path.endswith(USAGE_PATH):
        return _not_found(path)
    return httpx.Response(
        200, json={"code": True, "message": "ok", "data": {"object": "token_usage", **data}}
    )


def _not_found(path: str) -> httpx.Response:
    return httpx.Response(
        404,
        json={
            "error": {
                "message": f"Invalid URL (GET {path})",
                "type": "invalid_request_error",
                "code": "",
            }
        },
    )


def _token(
    name: str, granted: int, used: int, unlimited: bool, models: list[str], expires_at: int
) -> dict[str, Any]:
    """A token's figures as the gateway gives them (available is what is left of granted)."""
    return {
        "name": name,
        "total_granted": granted,
        "total_used": used,
        "total_available": granted - used,
        "unlimited_quota": unlimited,
        "model_limits": dict.fromkeys(models, True),
        "model_limits_enabled": bool(models),
        "expires_at": expires_at,
    }


def _team(path: str, now: float) -> httpx.Response:
    models = ["gpt-4o-mini", "claude-3-5-haiku", "deepseek-chat"]
    return _usage(
        path, _token("ci-runner", 25_000_000, 16_412_300, False, models, int(now + 41 * DAY))
    )


def _home(path: str, now: float) -> httpx.Response:
    return _usage(path, _token("Default Token", 3_120_450, 3_120_450, True, [], 0))


def _legacy(path: str, now: float) -> httpx.Response:
    # Older than /api/usage/token: only the OpenAI-style billing pair.
    if path.endswith(SUBSCRIPTION_PATH):
        return httpx.Response(
            200,
            json={
                "object": "billing_subscription",
                "has_payment_method": True,
                "soft_limit_usd": 40.0,
                "hard_limit_usd": 40.0,
                "system_hard_limit_usd": 40.0,
                "access_until": 0,
            },
        )
    if path.endswith(BILLING_USAGE_PATH):
        return httpx.Response(200, json={"object": "list", "total_usage": 1234.5})
    return _not_found(path)


def _revoked(path: str, now: float) -> httpx.Response:
    return httpx.Response(200, json={"success": False, "message": "token not found"})


# Labels are the [[newapi]] names, distinct from every other demo's.
DEMO_GATEWAYS = (
    DemoGateway("team-gateway", "https://newapi.demo.invalid", _team),
    DemoGateway("home-oneapi", "https://oneapi.demo.invalid/", _home),
    DemoGateway("legacy-oneapi", "https://legacy.demo.invalid/oneapi", _legacy),
    DemoGateway("old-laptop-key", "https://newapi.demo.invalid", _revoked),
)


def _key_for(gateway: DemoGateway, copy: int) -> str:
    return f"{KEY_PREFIX}{key_part(gateway.label)}{copy}0123456789abcdef"


def accounts(now: float, copy: int) -> list[Account]:
    result = []
    for gateway in DEMO_GATEWAYS:
        label = copy_label(gateway.label, copy)
        where = f'[[newapi]] "{label}"'
        result.append(
            Account(
                provider="newapi",
                label=label,
                source="config",
                secret=Secret(_key_for(gateway, copy)),
                identity=label,
                extra={
                    "name": label,
                    "base_url": gateway.base_url,
                    "quota_per_usd": gateway.quota_per_usd,
                    "key_place": f"the config file ({where} key)",
                    "url_place": f"the config file ({where} base_url)",
                },
            )
        )
    return result


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if request.url.host not in HOSTS:
        return None
    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    for gateway in DEMO_GATEWAYS:
        if httpx.URL(gateway.base_url).host == request.url.host and key.startswith(
            f"{KEY_PREFIX}{key_part(gateway.label)}"
        ):
            return gateway.answer(request.url.path, now)
    # Like the real gateways: an unknown key is an HTTP 200 error body.
    return httpx.Response(200, json={"success": False, "message": "token not found"})
