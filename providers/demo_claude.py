"""Demo data for claude: being written (issue 4)."""

from __future__ import annotations

import httpx

from providers.base import Account


def accounts(now: float, copy: int) -> list[Account]:
    return []


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    return None
