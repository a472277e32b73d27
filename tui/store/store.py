"""Every account's latest and last good snapshot, and when it is due again.

The app asks the store what to fetch and tells it what came back; nothing here knows
about widgets or HTTP, so the scheduling rules are tested with a fake clock.
"""

from __future__ import annotations

import heapq
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
    # The account's key, worked out once per account (the views and the sorts ask for it
    # thousands of times a second while a thousand accounts answer).
    _key_of: Account | None = field(default=None, init=False, repr=False, compare=False)
    _key: str = field(default="", init=False, repr=False, compare=False)

    @property
    def key(self) -> str:
        account = self.account
        if account is not self._key_of:
            self._key_of = account
            self._key = account.key
        return self._key

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
    # When each account is due, as a heap of (due, place, version, key): due() is asked after
    # every answer and every second, and with a thousand accounts a scan of them all each
    # time was a millisecond of the UI thread. An item whose version is not its entry's
    # (the due time changed since, or it was begun) is stale and dropped when it surfaces.
    _heap: list[tuple[tuple[int, float], int, int, str]] = field(default_factory=list, repr=False)
    _versions: dict[str, int] = field(default_factory=dict, repr=False)
    _places: dict[str, int] = field(default_factory=dict, repr=False)
    _in_flight: int = field(default=0, repr=False)
    # Each account's (provider, identity) mark, and the accounts holding each mark.
    _marks: dict[str, tuple[str, str] | None] = field(default_factory=dict, repr=False)
    _holders: dict[tuple[str, str], set[str]] = field(default_factory=dict, repr=False)

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
        self._reschedule_all()
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

    @staticmethod
    def _mark(entry: Entry) -> tuple[str, str] | None:
        """Who the account's last good answer says it is: (provider, identity), or None."""
        good = entry.last_good
        return (entry.provider.id, good.identity) if good and good.identity else None

    def _mark_merged(self) -> None:
        """Sources whose answers name the same identity are one account; the first one
        discovered wins (PROVIDERS.md §3), by the same rule as --once. The last good answer
        counts, so a passing error does not split an account in two."""
        entries = list(self.entries.values())
        marks = [self._mark(entry) for entry in entries]
        self._marks = {}
        self._holders = {}
        for entry, mark, repeat in zip(entries, marks, later_duplicates(marks), strict=True):
            entry.merged = repeat
            self._marks[entry.key] = mark
            if mark is not None:
                self._holders.setdefault(mark, set()).add(entry.key)

    def _remark(self, entry: Entry) -> None:
        """After an answer: the same as _mark_merged, looking only at the accounts that share
        the old or the new identity of this one (with a thousand accounts, looking at all of
        them after every answer was most of what an answer cost the store)."""
        key = entry.key
        before, after = self._marks.get(key), self._mark(entry)
        if before == after:
            return
        self._marks[key] = after
        if before is not None:
            self._holders.get(before, set()).discard(key)
        if after is None:
            entry.merged = False
        else:
            self._holders.setdefault(after, set()).add(key)
        for mark in (before, after):
            if mark is None:
                continue
            holders = sorted(self._holders.get(mark, ()), key=self._places.__getitem__)
            for place, holder in enumerate(holders):
                repeat = place > 0
                if self.entries[holder].merged != repeat:
                    self.entries[holder].merged = repeat
                    self.generation += 1  # which accounts are shown changed

    # ------------------------------------------------------------------ the schedule

    @staticmethod
    def _due_key(entry: Entry) -> tuple[int, float]:
        """Sooner first; an account with no due time (as soon as possible) before any."""
        return (0, 0.0) if entry.next_due is None else (1, entry.next_due.timestamp())

    def _reschedule(self, entry: Entry) -> None:
        """The entry's due time (or whether it is in flight) changed: queue it anew."""
        key = entry.key
        version = self._versions.get(key, 0) + 1
        self._versions[key] = version
        if not entry.in_flight and key in self._places:
            heapq.heappush(self._heap, (self._due_key(entry), self._places[key], version, key))

    def _reschedule_all(self) -> None:
        self._places = {key: place for place, key in enumerate(self.entries)}
        self._versions = {key: 0 for key in self.entries}
        self._heap = [
            (self._due_key(entry), self._places[key], 0, key)
            for key, entry in self.entries.items()
            if not entry.in_flight
        ]
        heapq.heapify(self._heap)
        self._in_flight = sum(1 for entry in self.entries.values() if entry.in_flight)

    def _current(self, entry: Entry) -> bool:
        return self.entries.get(entry.key) is entry

    def due(self, now: datetime) -> list[Entry]:
        """Accounts to fetch now, within the cap on requests in flight: the soonest due first
        (those with no due time before all), in the order they were found."""
        heap = self._heap
        room = self.policy.max_in_flight - self._in_flight
        now_key = (1, now.timestamp())
        ready: list[Entry] = []
        taken: list[tuple[tuple[int, float], int, int, str]] = []
        while heap and len(ready) < room and heap[0][0] <= now_key:
            item = heapq.heappop(heap)
            _, _, version, key = item
            entry = self.entries.get(key)
            if entry is None or entry.in_flight or self._versions.get(key) != version:
                continue  # stale: gone, begun, or queued again since
            ready.append(entry)
            taken.append(item)
        for item in taken:  # still due until begun: asking again gives the same answer
            heapq.heappush(heap, item)
        return ready

    def begin(self, entry: Entry, now: datetime) -> None:
        if not entry.in_flight and self._current(entry):
            self._in_flight += 1
        entry.in_flight = True
        entry.last_attempt = now
        self._reschedule(entry)  # its queued items are stale now

    def finish(self, entry: Entry, snapshot: AccountSnapshot, now: datetime) -> None:
        if entry.in_flight and self._current(entry):
            self._in_flight -= 1
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
        self._reschedule(entry)
        if self._current(entry):
            self._remark(entry)

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
        floor = entry.provider.poll_floor
        earliest = now
        if floor and entry.last_attempt is not None:
            earliest = max(now, after(entry.last_attempt, floor))
        entry.next_due = earliest
        self._reschedule(entry)
