"""The normalized quota model every provider produces (PROVIDERS.md §0).

Frozen dataclasses so a snapshot can be shared between the fetcher, the store and
the widgets without anyone mutating it behind the others' backs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    OK = "ok"
    AUTH_EXPIRED = "auth_expired"
    FORBIDDEN = "forbidden"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    BAD_RESPONSE = "bad_response"
    ERROR = "error"


@dataclass(frozen=True)
class Window:
    """One quota window: a share of something that resets on a clock."""

    id: str
    label: str
    used_percent: float | None = None
    resets_at: datetime | None = None
    window_seconds: int | None = None
    used: float | None = None
    limit: float | None = None
    unit: str | None = None
    unlimited: bool = False
    # The limit holding the account back now, as the service says (PROVIDERS.md §0): true on
    # at most one window of an account, which is then listed first.
    binding: bool = False

    def __post_init__(self) -> None:
        # Overage may pass 100, but nothing is used below 0: a negative share (a rounding
        # slip, a service counting a refund) would otherwise show more than 100 % left.
        if self.used_percent is not None and self.used_percent < 0:
            object.__setattr__(self, "used_percent", 0.0)

    @property
    def remaining_percent(self) -> float | None:
        if self.unlimited or self.used_percent is None:
            return None
        return max(0.0, 100.0 - self.used_percent)


@dataclass(frozen=True)
class Balance:
    """Money or credits left, with no reset clock."""

    id: str
    label: str
    amount: float | None = None
    limit: float | None = None
    unit: str | None = None
    unlimited: bool = False


@dataclass(frozen=True)
class Quota:
    """What a parser returns: the account-independent part of a snapshot."""

    plan: str | None = None
    windows: tuple[Window, ...] = ()
    balances: tuple[Balance, ...] = ()
    details: tuple[tuple[str, str], ...] = ()
    # Who the answer says the account is ("github:octocat"), never a secret: sources of one
    # provider whose answers name the same identity are one account, the first source winning.
    identity: str | None = None
    # The account's name as the answer gives it (a login), for sources that have none.
    account: str | None = None
    # When the data was current, for data older than the fetch (a cache another program
    # wrote); None means "as of this fetch".
    as_of: datetime | None = None


@dataclass(frozen=True)
class AccountSnapshot:
    """Everything known about one account after one fetch attempt."""

    provider: str
    account: str
    source: str
    active: bool
    status: Status
    message: str | None = None
    plan: str | None = None
    windows: tuple[Window, ...] = ()
    balances: tuple[Balance, ...] = ()
    fetched_at: datetime | None = None
    # Not part of the JSON contract: hints for the refresh scheduler and detail view.
    retry_after: float | None = field(default=None, compare=False)
    details: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    key: str = field(default="", compare=False)
    identity: str | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.status is Status.OK

    def window(self, window_id: str) -> Window | None:
        for window in self.windows:
            if window.id == window_id:
                return window
        return None


def most_left_first(snapshot: AccountSnapshot, *window_ids: str) -> tuple[Any, ...]:
    """A sort key part: most left in each named window first, accounts without it after."""
    key: list[Any] = []
    for window_id in window_ids:
        window = snapshot.window(window_id)
        left = window.remaining_percent if window else None
        key += [left is None, -(left or 0.0)]
    return tuple(key)


JSONValue = Any
