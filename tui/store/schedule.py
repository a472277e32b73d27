"""When each account is fetched next: interval, backoff, Retry-After, refresh after a reset.

Pure functions of (what happened, when): the app's clock drives them, tests drive them
with a fake one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from providers.base import Provider
from providers.kit.http import MAX_IN_FLIGHT, clamp_delay
from providers.model import AccountSnapshot, Status


@dataclass(frozen=True)
class RefreshPolicy:
    interval: float = 300.0
    backoff_base: float = 30.0
    backoff_cap: float = 1800.0
    # A window that has just reset is worth a fresh look shortly after, not at the next round.
    after_reset: float = 30.0
    # Enough that 50 accounts finish in two rounds; the HttpSession lets as many requests on
    # the wire (one per connection), so the app's cap and the session's are the same number.
    max_in_flight: int = MAX_IN_FLIGHT


# No schedule looks further ahead: whatever a server or a config file asks (1e12, inf), the
# account is asked again within a day, and no datetime arithmetic can overflow.
MAX_DELAY = 86400.0


def after(now: datetime, seconds: float) -> datetime:
    """now + seconds, the seconds kept within 0 … MAX_DELAY (NaN, as from a config's `nan`,
    is the default interval). Never raises for any number."""
    if seconds != seconds:  # NaN; math.isnan() would raise on an int beyond float range
        seconds = RefreshPolicy.interval
    return now + timedelta(seconds=min(max(0.0, seconds), MAX_DELAY))


def backoff(failures: int, policy: RefreshPolicy) -> float:
    """30 s, 60 s, 120 s … capped at 30 min, for the n-th failure in a row."""
    if failures <= 0:
        return 0.0
    return min(policy.backoff_cap, policy.backoff_base * 2 ** min(failures - 1, 20))


def next_after_success(
    snapshot: AccountSnapshot, now: datetime, policy: RefreshPolicy, provider: Provider
) -> datetime:
    # The provider's own floor: services that punish frequent polling are never asked more often.
    floor = provider.poll_floor
    wait = max(policy.interval, floor)
    # In seconds, not datetimes: a reset at the end of year 9999 plus 30 s would overflow.
    upcoming = [
        (w.resets_at - now).total_seconds()
        for w in snapshot.windows
        if w.resets_at and w.resets_at > now
    ]
    if upcoming:
        wait = min(wait, max(min(upcoming) + policy.after_reset, floor))
    return after(now, wait)


def next_after_failure(
    snapshot: AccountSnapshot,
    failures: int,
    now: datetime,
    policy: RefreshPolicy,
    provider: Provider,
) -> datetime:
    wait = max(backoff(failures, policy), provider.poll_floor)
    # Clamped again here, whoever built the snapshot: inf would overflow the timedelta and NaN
    # would make every comparison false.
    retry_after = clamp_delay(snapshot.retry_after)
    if retry_after is not None:
        wait = max(wait, retry_after)
    elif snapshot.status is Status.RATE_LIMITED:
        wait = max(wait, provider.rate_limit_wait or 0.0)
    return after(now, wait)
