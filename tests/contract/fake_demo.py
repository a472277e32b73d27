"""The made-up provider's own tiny demo (test_new_provider.py): two keys, one answer each."""

from __future__ import annotations

import httpx

from providers.base import Account
from providers.kit.secrets import Secret

URL = "https://quota.fake.example/v1/usage"


def accounts(now: float, copy: int) -> list[Account]:
    return [
        Account(
            provider="fakequota",
            label=f"{name}{copy or ''}",
            source="env:FAKEQUOTA_API_KEY",
            secret=Secret(f"fq-{name}-{copy}-0123456789abcdef"),
        )
        for name in ("alpha", "beta")
    ]


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if request.url != URL:
        return None
    used = 25.0 if "alpha" in request.headers.get("authorization", "") else 80.0
    return httpx.Response(200, json={"plan": "fake", "used": used, "limit": 100})
