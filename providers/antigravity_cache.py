"""Antigravity's local quota cache (state.vscdb): being written (issue 5).

Interface used by providers/google.py:
  discover(context) -> list[Account]        accounts with provider "antigravity",
                                            extra["kind"] == "cache", path set
  async fetch(account, now) -> Quota        read-only SQLite read + protobuf decode;
                                            raises FetchError / ParseError on problems
"""

from __future__ import annotations

from datetime import datetime

from providers.base import Account, DiscoveryContext
from providers.model import Quota


def discover(context: DiscoveryContext) -> list[Account]:
    return []


async def fetch(account: Account, now: datetime) -> Quota:
    raise NotImplementedError
