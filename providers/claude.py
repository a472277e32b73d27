"""Claude: being written (issue 4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, Problem
from providers.http import HttpSession
from providers.model import AccountSnapshot, Quota

ID = "claude"


class ClaudeProvider:
    id = ID
    name = "Claude"
    settings: ClassVar[dict[str, type]] = {}

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return []

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return None

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        raise NotImplementedError

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return (snapshot.account,)
