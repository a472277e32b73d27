"""Every account's latest and last good snapshot, and when it is due again.

The app asks the store what to fetch and tells it what came back; nothing here knows
about widgets or HTTP, so the scheduling rules are tested with a fake clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from providers.base import Account, Provider
from providers.collect import later_duplicates, pending_snapshot
from providers.model import AccountSnapshot
from tui.store.schedule import RefreshPolicy, after, backoff, next_after_failure, next_after_success


@dataclass
class Entry:
    provider: Provider
    account: Account
    snapshot: AccountSnapshot
    last_good: AccountSnapshot | None = None
    loading: bool = True
    in_flight: bool = False
    failures: int = 0
    problem_since: datetime | None = None
    last_attempt: datetime | None = None
    next_due: datetime | None = None  # None: as soon as possible
    # Another source of the same provider, found earlier, turned out to be the same account
    # (its answer names the same identity): this one is fetched but not shown.
    merged: bool = False

    @property
    def key(self) -> str:
        return self.account.key

    @property
    def shown(self) -> AccountSnapshot:
        """The data to draw: the latest, or the last good one while the latest is an error."""
        if not self.snapshot.ok and self.last_good is not None:
            return self.last_good
        return self.snapshot

    @property
    def stale(self) -> bool:
        return not self.snapshot.ok and self.last_good is not None


def _same_facts(old: Account, new: Account) -> bool:
    return (old.active, old.source, old.label) == (new.active, new.source, new.label)


def _with_account_facts(snapshot: AccountSnapshot, account: Account) -> AccountSnapshot:
    return replace(snapshot, active=account.active, source=account.source, account=account.label)


@dataclass
class Store:
    policy: RefreshPolicy = field(default_factory=RefreshPolicy)
    entries: dict[str, Entry] = field(default_factory=dict)
    # Bumped whenever the set of accounts changes, so views know to rebuild.
    generation: int = 0
    # Nothing is due before this (None: not known): the 1 Hz clock asks due() every second,
    # and with a thousand accounts a scan of them all each second was most of the idle cost.
    # Every method that changes a due time or the in-flight count forgets it.
    _quiet_until: datetime | None = field(default=None, repr=False)

    def merge(self, pairs: Iterable[tuple[Provider, Account]]) -> bool:
        """Take a fresh discovery: new accounts join, gone ones leave, known ones get new credentials."""
        fresh: dict[str, Entry] = {}
        changed = False
        for provider, account in pairs:
            entry = self.entries.get(account.key)
            if entry is None:
                entry = Entry(provider, account, pending_snapshot(account))
            elif entry.account != account:
                # New credentials (a login, a switch, a rotated token): fetch with them now, and
                # show what discovery already knows (which account is active) at once.
                entry.next_due = None
                changed |= _same_facts(entry.account, account) is False
                entry.account = account
                entry.snapshot = _with_account_facts(entry.snapshot, account)
                if entry.last_good is not None:
                    entry.last_good = _with_account_facts(entry.last_good, account)
            fresh.setdefault(account.key, entry)
        changed |= list(fresh) != list(self.entries)
        self.entries = fresh
        self._quiet_until = None
        self._mark_merged()
        if changed:
            self.generation += 1
        return changed

    def get(self, key: str) -> Entry | None:
        return self.entries.get(key)

    def __iter__(self):
        """The accounts to show: every entry but those merged into an earlier one."""
        return (entry for entry in self.entries.values() if not entry.merged)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _mark_merged(self) -> None:
        """Sources whose answers name the same identity are one account; the first one
        discovered wins (PROVIDERS.md §3), by the same rule as --once. The last good answer
        counts, so a passing error does not split an account in two."""
        entries = list(self.entries.values())
        marks = [
            (e.provider.id, e.last_good.identity) if e.last_good and e.last_good.identity else None
            for e in entries
        ]
        for entry, repeat in zip(entries, later_duplicates(marks), strict=True):
            entry.merged = repeat

    def due(self, now: datetime) -> list[Entry]:
        """Accounts to fetch now, within the cap on requests in flight."""
        if self._quiet_until is not None and now < self._quiet_until:
            return []
        room = self.policy.max_in_flight - sum(1 for e in self.entries.values() if e.in_flight)
        ready = [
            entry
            for entry in self.entries.values()
            if not entry.in_flight and (entry.next_due is None or entry.next_due <= now)
        ]
        ready.sort(key=lambda e: e.next_due or datetime.min.replace(tzinfo=now.tzinfo))
        if not ready:
            waiting = [e.next_due for e in self.entries.values() if not e.in_flight and e.next_due]
            if waiting:
                self._quiet_until = min(waiting)
        return ready[: max(room, 0)]

    def begin(self, entry: Entry, now: datetime) -> None:
        self._quiet_until = None
        entry.in_flight = True
        entry.last_attempt = now

    def finish(self, entry: Entry, snapshot: AccountSnapshot, now: datetime) -> None:
        self._quiet_until = None
        entry.in_flight = False
        entry.loading = False
        entry.snapshot = snapshot
        if snapshot.ok:
            entry.last_good = snapshot
            entry.failures = 0
            entry.problem_since = None
        else:
            entry.failures += 1
            entry.problem_since = entry.problem_since or now
        entry.next_due = self._next_due(entry, snapshot, now)
        self._mark_merged()

    def _next_due(self, entry: Entry, snapshot: AccountSnapshot, now: datetime) -> datetime:
        """When to ask again; never fails, since an account left without a due time in the past
        would be asked at every tick of the clock."""
        try:
            if snapshot.ok:
                return next_after_success(snapshot, now, self.policy, entry.provider)
            return next_after_failure(snapshot, entry.failures, now, self.policy, entry.provider)
        except (ArithmeticError, ValueError, TypeError):  # odd values a provider let through
            wait = self.policy.interval if snapshot.ok else backoff(entry.failures, self.policy)
            return after(now, max(wait, entry.provider.poll_floor))

    def request_now(self, entry: Entry, now: datetime) -> None:
        """A refresh the user asked for: skip any backoff, but never poll faster than allowed."""
        self._quiet_until = None
        floor = entry.provider.poll_floor
        earliest = now
        if floor and entry.last_attempt is not None:
            earliest = max(now, after(entry.last_attempt, floor))
        entry.next_due = earliest
