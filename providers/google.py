"""Google: Gemini CLI and Antigravity cloud quota: being written (issue 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from providers import antigravity_cache
from providers.base import Account, DiscoveryContext, Problem
from providers.http import HttpSession
from providers.model import AccountSnapshot, Quota


class GeminiProvider:
    id = "gemini"
    name = "Gemini"
    settings: ClassVar[dict[str, type]] = {}

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return []

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return account.problem

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        raise NotImplementedError

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return (snapshot.account,)


class AntigravityProvider(GeminiProvider):
    id = "antigravity"
    name = "Antigravity"

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return antigravity_cache.discover(context)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        return await antigravity_cache.fetch(account, now)
