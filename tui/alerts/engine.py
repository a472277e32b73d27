"""Which alerts a batch of snapshots fires, given what was seen before: edge-triggered.

For each window the state keeps the remaining share last seen *when its level changed* (the
set of thresholds it is under, and whether it is used up), the fetch time of that sighting, the
reset time then known, and the period a pace warning was given for. A window alerts when it
falls under a threshold it was at or above (only the most severe of those crossed at once;
reaching 0 % is `quota_depleted` alone), re-arms when it is back at or above it, and the state
moves only forward in time: a sighting older than the stored one (another process fetched
later and wrote first) changes nothing, so two processes never fire one crossing twice.

A reset between two sightings (the stored reset time has passed and a later one is given)
counts as rising to 100 % in between, so a crossing after an unseen reset still fires.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from providers.model import AccountSnapshot, Status, Window
from tui.alerts.events import (
    ACCOUNT_PROBLEM,
    PACE_WARNING,
    QUOTA_DEPLETED,
    QUOTA_LOW,
    QUOTA_RESTORED,
    AlertEvent,
)
from tui.alerts.settings import AlertSettings, Rules
from tui.pace import window_pace

PROBLEMS = frozenset({Status.AUTH_EXPIRED, Status.FORBIDDEN})
# Weekly and monthly windows (and longer): a five-hour window's pace changes too fast to warn.
PREDICTIVE_MIN_SECONDS = 6 * 86400
# A reset time given as "in N seconds" moves a little with every fetch: only a later reset by
# more than this is a new period.
RESET_SLACK = timedelta(seconds=60)
# Marks of windows and accounts not seen for this long are forgotten (a removed account).
FORGET_AFTER = timedelta(days=365)

WindowKey = tuple[str, str, str]  # provider, account key, window id
AccountKey = tuple[str, str]  # provider, account key


@dataclass
class WindowMark:
    remaining: float
    at: datetime
    resets_at: datetime | None = None
    paced: datetime | None = None  # the reset time of the period a pace warning was given for


@dataclass
class AccountMark:
    problem: str | None  # the problem status it turned to, or None when it is fine
    at: datetime


@dataclass
class AlertState:
    windows: dict[WindowKey, WindowMark] = field(default_factory=dict)
    accounts: dict[AccountKey, AccountMark] = field(default_factory=dict)


def account_key(snapshot: AccountSnapshot) -> str:
    """Stable across refreshes and never a secret (Account.key: provider/identity/label)."""
    return snapshot.key or snapshot.account


@dataclass(frozen=True)
class _Level:
    """Where a remaining share stands against the thresholds."""

    depleted: bool
    under: frozenset[float]


def _level(remaining: float, rules: Rules) -> _Level:
    return _Level(remaining <= 0, frozenset(t for t in rules.remaining if remaining < t))


def evaluate(
    state: AlertState,
    snapshots: Sequence[AccountSnapshot],
    settings: AlertSettings,
    now: datetime,
    *,
    first_seen_alerts: bool = True,
) -> tuple[list[AlertEvent], bool]:
    """The alerts `snapshots` fire, and whether `state` (updated in place) changed."""
    events: list[AlertEvent] = []
    changed = False
    for snapshot in snapshots:
        rules = settings.rules_for(snapshot.provider)
        seen_at = snapshot.fetched_at or now
        changed |= _account(state, snapshot, rules, seen_at, first_seen_alerts, events)
        if not snapshot.ok:
            continue  # a failed fetch fires no quota alert and re-arms nothing
        for window in snapshot.windows:
            changed |= _window(state, snapshot, window, rules, seen_at, first_seen_alerts, events)
    changed |= _forget_old(state, now)
    return events, changed


def _account(
    state: AlertState,
    snapshot: AccountSnapshot,
    rules: Rules,
    seen_at: datetime,
    first_seen_alerts: bool,
    events: list[AlertEvent],
) -> bool:
    key = (snapshot.provider, account_key(snapshot))
    mark = state.accounts.get(key)
    if mark is not None and seen_at < mark.at:
        return False
    if snapshot.status in PROBLEMS:
        if mark is not None and mark.problem is not None:
            return False  # still the same turn: once per turn
        if rules.problems and (mark is not None or first_seen_alerts):
            events.append(
                AlertEvent(
                    ACCOUNT_PROBLEM,
                    snapshot.provider,
                    snapshot.account,
                    seen_at,
                    status=snapshot.status.value,
                    message=snapshot.message,
                )
            )
        state.accounts[key] = AccountMark(snapshot.status.value, seen_at)
        return True
    if snapshot.ok and (mark is None or mark.problem is not None):
        state.accounts[key] = AccountMark(None, seen_at)
        return True
    # Unreachable, rate limited, …: says nothing about the account's standing.
    return False


def _window(
    state: AlertState,
    snapshot: AccountSnapshot,
    window: Window,
    rules: Rules,
    seen_at: datetime,
    first_seen_alerts: bool,
    events: list[AlertEvent],
) -> bool:
    remaining = window.remaining_percent
    if remaining is None or not math.isfinite(remaining):
        return False  # unlimited or unknown: nothing to cross
    key = (snapshot.provider, account_key(snapshot), window.id)
    mark = state.windows.get(key)
    if mark is not None and seen_at < mark.at:
        return False  # an older sighting than the one the state holds

    def event(kind: str, threshold: float | None = None) -> AlertEvent:
        return AlertEvent(
            kind,
            snapshot.provider,
            snapshot.account,
            seen_at,
            window=window.id,
            remaining_percent=remaining,
            threshold=threshold,
            resets_at=window.resets_at,
            status=snapshot.status.value,
            window_label=window.label,
        )

    now_level = _level(remaining, rules)
    if mark is None:
        if first_seen_alerts:
            # Already under a threshold when first seen: once, for the most severe.
            fired = _crossing(_Level(False, frozenset()), now_level, rules)
            if fired is not None:
                events.append(event(*fired))
        new = WindowMark(remaining, seen_at, window.resets_at)
        changed = True
    else:
        reset = _reset_between(mark, window, seen_at)
        before = _Level(False, frozenset()) if reset else _level(mark.remaining, rules)
        if mark.remaining <= 0 < remaining and rules.restored:
            events.append(event(QUOTA_RESTORED))
        fired = _crossing(before, now_level, rules)
        if fired is not None:
            events.append(event(*fired))
        changed = reset or _level(mark.remaining, rules) != now_level
        changed |= mark.resets_at is None and window.resets_at is not None
        new = WindowMark(remaining, seen_at, window.resets_at, mark.paced) if changed else mark
    may_warn = rules.predictive and (mark is not None or first_seen_alerts)
    if may_warn and _pace_warns(window, new, seen_at):
        events.append(event(PACE_WARNING))
        new = WindowMark(new.remaining, new.at, new.resets_at, window.resets_at)
        changed = True
    if changed:
        state.windows[key] = new
    return changed


def _crossing(before: _Level, after: _Level, rules: Rules) -> tuple[str, float] | None:
    """The one alert for going from `before` to `after`: the most severe newly crossed."""
    if after.depleted and not before.depleted and rules.depleted:
        return QUOTA_DEPLETED, 0.0
    crossed = after.under - before.under
    if crossed:
        return QUOTA_LOW, min(crossed)
    return None


def _reset_between(mark: WindowMark, window: Window, seen_at: datetime) -> bool:
    """Whether the window reset since the stored sighting, seen or not."""
    if mark.resets_at is None or window.resets_at is None:
        return False
    return seen_at >= mark.resets_at and window.resets_at > mark.resets_at + RESET_SLACK


def _pace_warns(window: Window, mark: WindowMark, seen_at: datetime) -> bool:
    """A weekly or monthly window that will not last until its reset, not yet warned of in
    this period."""
    if window.window_seconds is None or window.window_seconds < PREDICTIVE_MIN_SECONDS:
        return False
    if window.resets_at is None or (window.remaining_percent or 0) <= 0:
        return False
    if mark.paced is not None and seen_at < mark.paced:
        return False  # warned already in this period
    pace = window_pace(window, seen_at)
    return pace is not None and not pace.lasts_until_reset


def _forget_old(state: AlertState, now: datetime) -> bool:
    cutoff = now - FORGET_AFTER
    old_windows = [key for key, mark in state.windows.items() if mark.at < cutoff]
    old_accounts = [key for key, mark in state.accounts.items() if mark.at < cutoff]
    for key in old_windows:
        del state.windows[key]
    for key in old_accounts:
        del state.accounts[key]
    return bool(old_windows or old_accounts)
