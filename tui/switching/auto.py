"""Automatic switching: when the active account runs low, move to the one with the most room.

Opt-in per provider (`[providers.codex] auto_switch = true`), for providers whose switcher can
make a saved account the CLI's login. Decided here, carried out by the app or `serve` with the
same safe switch as `enter` (every token saved first). Safety rules (issue 16):
- only when the active account's five-hour or weekly % left is under `switch_below`;
- only onto an ok account with at least `switch_target_min` in both windows, whose data is no
  older than two refresh intervals;
- never again within `switch_cooldown` seconds of the last automatic switch (remembered across
  restarts in the state folder), so two accounts never trade places back and forth;
- when none qualifies, say so once and wait for the earliest reset before looking again.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from providers.base import Account, Provider, Switcher
from providers.kit.files import read_text
from providers.model import AccountSnapshot
from tui.config import Config
from tui.store.store import Entry
from tui.switching.best import best, headroom, lefts
from tui.switching.rules import SwitchRules, switch_rules

STATE_FILE_NAME = "auto-switch.json"


@dataclass(frozen=True)
class Candidate:
    account: Account
    snapshot: AccountSnapshot  # the data to judge it by (the last good one)
    fresh: bool


@dataclass(frozen=True)
class Switch:
    provider: Provider
    switcher: Switcher
    source: Candidate  # the active account, running low
    target: Candidate
    reason: str


@dataclass(frozen=True)
class NoneQualifies:
    provider: Provider
    source: Candidate
    message: str
    wait_until: datetime | None


Decision = Switch | NoneQualifies | None


class AutoSwitch:
    """One provider's automatic switching: its rules, its cooldown, its one 'none qualifies'."""

    def __init__(
        self,
        provider: Provider,
        switcher: Switcher,
        rules: SwitchRules,
        *,
        interval: float,
        state_path: Path | None,
    ) -> None:
        self.provider = provider
        self.switcher = switcher
        self.rules = rules
        self.interval = interval
        self.state_path = state_path
        self.last_switch: datetime | None = self._load()
        self._waiting_until: datetime | None = None
        self._judged: frozenset[str] = frozenset()  # the targets' keys the wait is about
        self._said_none = False
        self.busy = False  # a switch is under way

    def decide(self, candidates: Sequence[Candidate], now: datetime) -> Decision:
        if self.busy:
            return None
        active = next((c for c in candidates if c.account.active), None)
        # Not on old news either: a window low hours ago may have reset since.
        if active is None or not active.snapshot.ok or not active.fresh:
            return None
        known = lefts(active.snapshot)
        if not known or min(known) >= self.rules.below:
            self._said_none = False
            self._waiting_until = None
            return None
        targets = [
            c
            for c in candidates
            if not c.account.active
            and c.fresh
            and self.switcher.refusal(c.account) is None
            and c.account.path is not None
        ]
        # Waiting for a reset is for accounts already judged by their figures; one that had
        # none then (not fetched yet at start, failing, stale) is news worth judging now.
        if (
            self._waiting_until is not None
            and now < self._waiting_until
            and all(c.snapshot.key in self._judged for c in targets)
        ):
            return None
        # Another process (the app and `serve` side by side) may have switched since we
        # loaded the file: its switch counts for our cooldown too (a time ahead of the
        # clock is not one: that is the clock gone back, handled below once).
        on_disk = self._load()
        if (
            on_disk is not None
            and on_disk <= now
            and (self.last_switch is None or on_disk > self.last_switch)
        ):
            self.last_switch = on_disk
        if self.last_switch is not None and self.last_switch > now:
            self.last_switch = now  # the clock went back: the cooldown counts from now
        if self.last_switch is not None and now - self.last_switch < timedelta(
            seconds=self.rules.cooldown
        ):
            return None
        chosen = best([c.snapshot for c in targets], self.rules.target_min)
        if chosen is None:
            wait = _earliest_reset([active, *targets], now)
            self._waiting_until = wait
            self._judged = frozenset(
                c.snapshot.key for c in targets if c.snapshot.ok and lefts(c.snapshot)
            )
            if self._said_none:
                return None
            self._said_none = True
            return NoneQualifies(
                self.provider,
                active,
                f"{self.provider.name} '{active.snapshot.account}' has "
                f"{min(known):.0f}% left, but no saved account has {self.rules.target_min:g}% "
                "in both windows; waiting for the next reset",
                wait,
            )
        target = next(c for c in targets if c.snapshot is chosen)
        reason = (
            f"'{active.snapshot.account}' is down to {min(known):.0f}% left; "
            f"'{chosen.account}' has {headroom(chosen):.0f}%"
        )
        return Switch(self.provider, self.switcher, active, target, reason)

    def switched(self, now: datetime) -> None:
        self.last_switch = now
        self._said_none = False
        self._waiting_until = None
        self._save(now)

    # ------------------------------------------------------------------ the cooldown on disk

    def _load(self) -> datetime | None:
        if self.state_path is None:
            return None
        read = read_text(self.state_path, str(self.state_path), limit=64 * 1024)
        if not read.ok:
            return None
        try:
            value = json.loads(read.data).get(self.provider.id)
            moment = datetime.fromisoformat(value) if isinstance(value, str) else None
        except (ValueError, AttributeError, RecursionError):
            return None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)  # a hand-edited time without its zone
        return moment

    def _save(self, now: datetime) -> None:
        if self.state_path is None:
            return
        with contextlib.suppress(OSError, ValueError):
            read = read_text(self.state_path, str(self.state_path), limit=64 * 1024)
            data = {}
            if read.ok:
                with contextlib.suppress(ValueError, RecursionError):  # "[[[…": start afresh
                    loaded = json.loads(read.data)
                    data = loaded if isinstance(loaded, dict) else {}
            data[self.provider.id] = now.isoformat()
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.state_path.parent, suffix=".tmp")
            try:
                with os.fdopen(handle, "w") as stream:
                    json.dump(data, stream)
                os.replace(temporary, self.state_path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise


def _earliest_reset(candidates: Sequence[Candidate], now: datetime) -> datetime | None:
    resets = [
        window.resets_at
        for candidate in candidates
        for window in candidate.snapshot.windows
        if window.id in ("five_hour", "weekly") and window.resets_at and window.resets_at > now
    ]
    return min(resets, default=None)


def fresh_enough(snapshot: AccountSnapshot, now: datetime, interval: float) -> bool:
    """Data no older than two refresh intervals (a target is judged by what it says now)."""
    return snapshot.fetched_at is not None and (now - snapshot.fetched_at) <= timedelta(
        seconds=2 * interval
    )


def switched_event(decision: Switch, now: datetime) -> dict[str, object]:
    """The `account_switched` alert (CONTRACT.md hooks): the new account and the one before."""
    target = decision.target.snapshot
    weekly = target.window("weekly")
    return {
        "event": "account_switched",
        "provider": decision.provider.id,
        "account": target.account,
        "from_account": decision.source.snapshot.account,
        "window": None,
        "remaining_percent": headroom(target),
        "threshold": None,
        "resets_at": weekly.resets_at if weekly else None,
        "status": target.status.value,
        "at": now,
        "message": decision.reason,
    }


def candidates_of(
    entries: Sequence[Entry], provider: Provider, now: datetime, interval: float
) -> list[Candidate]:
    """The store's answered accounts of one provider. The active one is judged by what it
    shows (its last good answer through a passing error); a target by its latest answer, so
    an account that just turned auth_expired is no target because its last good data is
    recent."""
    found = []
    for entry in entries:
        if entry.provider is not provider or entry.loading:
            continue
        snapshot = entry.shown if entry.account.active else entry.snapshot
        found.append(Candidate(entry.account, snapshot, fresh_enough(snapshot, now, interval)))
    return found


def auto_switches(
    providers: Sequence[Provider],
    config: Config,
    *,
    interval: float,
    state_dir: Path | None,
) -> tuple[list[AutoSwitch], list[str]]:
    """One AutoSwitch per provider that can switch and has auto_switch on; problems as sentences."""
    found: list[AutoSwitch] = []
    problems: list[str] = []
    for provider in providers:
        switcher = provider.switcher()
        if switcher is None:
            continue
        rules, said = switch_rules(config.provider(provider.id))
        problems += [f"[providers.{provider.id}] {sentence}" for sentence in said]
        if rules.enabled:
            path = state_dir / STATE_FILE_NAME if state_dir is not None else None
            found.append(AutoSwitch(provider, switcher, rules, interval=interval, state_path=path))
    return found, problems
