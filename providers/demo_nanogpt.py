"""Demo data for Nano-GPT: being written (issue 6)."""

from __future__ import annotations

import httpx

from providers.base import Account


def accounts(now: float, copy: int) -> list[Account]:
    return []


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    return None
