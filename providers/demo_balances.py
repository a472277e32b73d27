"""Demo data for OpenRouter, DeepSeek and Moonshot: being written (issue 6)."""

from __future__ import annotations

import httpx

from providers.base import Account


def accounts(now: float, copy: int) -> list[Account]:
    return []


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    return None
