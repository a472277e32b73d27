"""New API / One API gateways: being written (issue 6)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, Problem
from providers.http import HttpSession
from providers.keys import API_KEY_SETTINGS
from providers.model import AccountSnapshot, Quota


class NewApiProvider:
    id = "newapi"
    name = "New API"
    settings: ClassVar[dict[str, type]] = dict(API_KEY_SETTINGS)

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return []

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return account.problem

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        raise NotImplementedError

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return (snapshot.account,)
