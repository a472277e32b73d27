"""Sample accounts and a fake transport for --demo.

The answers are served to the real provider code through httpx.MockTransport, so the
demo exercises the same fetch and parse path as real use, with no credentials and no
network. Times are made relative to the moment of each request so countdowns move.
Each provider's sample data lives in providers/demo_<id>.py with two functions:
`accounts(now, copy)` and `answer(request, now)` (None when the request is not its own).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType

import httpx

from providers import (
    demo_antigravity_cache,
    demo_balances,
    demo_claude,
    demo_codex,
    demo_copilot,
    demo_google,
    demo_nanogpt,
    demo_newapi,
    demo_zhipu,
)
from providers.base import Account, Provider
from providers.demo_tools import fake_jwt

__all__ = ["Clock", "accounts", "fake_jwt", "transport", "wall_clock"]

# A module may serve several providers (demo_zhipu answers for zhipu and zai).
DEMOS: dict[str, ModuleType] = {
    "codex": demo_codex,
    "claude": demo_claude,
    "copilot": demo_copilot,
    "zhipu": demo_zhipu,
    "google": demo_google,
    "antigravity_cache": demo_antigravity_cache,
    "nanogpt": demo_nanogpt,
    "newapi": demo_newapi,
    "balances": demo_balances,
}

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


def accounts(
    providers: list[Provider], *, copies: int = 1, clock: Clock = wall_clock
) -> list[tuple[Provider, Account]]:
    """The demo accounts of the given providers; `copies` > 1 grows the demo for benchmarks."""
    now = clock().timestamp()
    by_id = {provider.id: provider for provider in providers}
    pairs = []
    for module in DEMOS.values():
        for copy in range(max(1, copies)):
            for account in module.accounts(now, copy):
                if account.provider in by_id:
                    pairs.append((by_id[account.provider], account))
    return pairs


def transport(clock: Clock = wall_clock) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        now = clock().timestamp()
        for module in DEMOS.values():
            response = module.answer(request, now)
            if response is not None:
                return response
        return httpx.Response(404, json={"detail": "no demo answer for this path"})

    return httpx.MockTransport(handle)
