"""The app's refresh loop without a screen: the same store, schedule, backoff and discovery.

One asyncio task sleeps until the next account is due (or the next re-discovery), so an idle
`serve` wakes once per due fetch, not every second. Answers go to the same sinks as the app's
(history, alerts, the status-line cache), in batches, in a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from providers.base import Account, Provider, SwitchRefused
from providers.collect import fetch_guarded
from providers.discover import Sources, discover
from providers.kit.http import HttpSession, make_client
from providers.kit.paths import Paths
from providers.model import AccountSnapshot, Status
from tui.answers import Answers, state_dir
from tui.config import Config
from tui.store.store import Entry, Store
from tui.switching.auto import (
    AutoSwitch,
    NoneQualifies,
    Switch,
    auto_switches,
    candidates_of,
    switched_event,
)

REDISCOVER_SECONDS = 60.0
# Answers arriving together are handed on together; a thousand accounts make a few batches.
BATCH_SECONDS = 1.0
# The longest sleep: a clock jump (suspend, NTP) is noticed within this.
MAX_SLEEP = 30.0

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    return datetime.now(UTC)


class Refresher:
    def __init__(
        self,
        sources: Sources,
        config: Config,
        answers: Answers,
        *,
        clock: Clock = wall_clock,
        log: Callable[[str], None] = lambda line: None,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self.sources = sources
        self.config = config
        self.answers = answers
        self.clock = clock
        self.log = log
        self.on_change = on_change  # the HTTP side renders its documents again
        self.store = Store(policy=config.refresh_policy())
        self.store.merge(sources.pairs)
        self.errors: dict[tuple[str, str], int] = {}  # (entry key, status) → count
        # The latest failed answer of each account that failed, to name its counter even
        # after the account is gone (a Prometheus counter never goes back).
        self.failed: dict[str, AccountSnapshot] = {}
        self.last_success: dict[str, datetime] = {}  # entry key → time
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._finished: dict[str, AccountSnapshot] = {}
        self._handing: asyncio.Task[None] | None = None
        self._last_discovery = clock()
        self._http: HttpSession | None = None
        # Not in the demo: without the app's sandbox a switch would write the real ~/.codex.
        self.auto_switches, problems = auto_switches(
            [] if sources.demo else sources.providers,
            config,
            interval=self.store.policy.interval,
            state_dir=state_dir(),
        )
        for problem in problems:
            log(problem)

    # ------------------------------------------------------------------ the loop

    async def run(self, stop: asyncio.Event) -> None:
        in_flight = self.store.policy.max_in_flight
        self._http = HttpSession(
            client=make_client(self.sources.transport, in_flight),
            origins=self.sources.origins,
            clock=self.clock,
            max_in_flight=in_flight,
        )
        try:
            while not stop.is_set():
                now = self.clock()
                if (
                    not self.sources.demo
                    and (now - self._last_discovery).total_seconds() >= REDISCOVER_SECONDS
                ):
                    await self._rediscover()
                self._dispatch(self.clock())
                await self._sleep(stop, self._seconds_to_next(self.clock()))
        finally:
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self._hand_over()
            await self._http.client.aclose()

    async def _sleep(self, stop: asyncio.Event, seconds: float) -> None:
        self._wake.clear()
        waits = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self._wake.wait())]
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    def _seconds_to_next(self, now: datetime) -> float:
        """Until the next account is due or the next discovery, whichever comes first."""
        dues = [
            (entry.next_due - now).total_seconds()
            for entry in self.store.entries.values()
            if not entry.in_flight and entry.next_due is not None
        ]
        if any(e.next_due is None and not e.in_flight for e in self.store.entries.values()):
            dues.append(0.0)
        if not self.sources.demo:
            dues.append(REDISCOVER_SECONDS - (now - self._last_discovery).total_seconds())
        return min([MAX_SLEEP, *dues]) if dues else MAX_SLEEP

    def _dispatch(self, now: datetime) -> None:
        for entry in self.store.due(now):
            self.store.begin(entry, now)
            task = asyncio.create_task(self._fetch(entry))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _fetch(self, entry: Entry) -> None:
        assert self._http is not None
        snapshot = await fetch_guarded(entry.provider, entry.account, self._http, self.clock)
        before = entry.snapshot.status if not entry.loading else None
        now = self.clock()
        self.store.finish(entry, snapshot, now)
        self._note(entry, snapshot, before, now)
        self._finished[entry.key] = snapshot
        if self._handing is None or self._handing.done():
            self._handing = asyncio.create_task(self._hand_over_soon())
        self._wake.set()  # a freed slot: the next due account goes now

    def _note(
        self, entry: Entry, snapshot: AccountSnapshot, before: Status | None, now: datetime
    ) -> None:
        name = f"{entry.provider.id}/{snapshot.account}"
        if snapshot.ok:
            self.last_success[entry.key] = now
            if before is None:
                self.log(f"{name}: ok")
            elif before is not Status.OK:
                self.log(f"{name}: ok again")
            return
        key = (entry.key, snapshot.status.value)
        self.errors[key] = self.errors.get(key, 0) + 1
        self.failed[entry.key] = snapshot
        if before is not snapshot.status:
            self.log(f"{name}: {snapshot.status.value}: {snapshot.message or ''}".rstrip(": "))

    async def _hand_over_soon(self) -> None:
        await asyncio.sleep(BATCH_SECONDS)
        await self._hand_over()

    async def _hand_over(self) -> None:
        batch, self._finished = list(self._finished.values()), {}
        if batch:
            await asyncio.to_thread(self.answers.take, batch, self.clock())
            await self._consider_switches()
        self.on_change()

    async def _consider_switches(self) -> None:
        """The app's automatic switching, the same rules (tui/switching/auto.py)."""
        now = self.clock()
        entries = list(self.store)
        for auto in self.auto_switches:
            decision = auto.decide(
                candidates_of(entries, auto.provider, now, self.store.policy.interval), now
            )
            if isinstance(decision, NoneQualifies):
                self.log(decision.message)
            elif isinstance(decision, Switch):
                await self._switch(auto, decision)

    async def _switch(self, auto: AutoSwitch, decision: Switch) -> None:
        chosen = decision.target.account.path
        assert chosen is not None
        provider = decision.provider
        context = decision.switcher.context(
            Paths(), self.config.provider(provider.id), self.sources.account_dirs
        )
        auto.busy = True
        try:
            done = await asyncio.to_thread(
                decision.switcher.activate, chosen, context, self.clock()
            )
        except (SwitchRefused, OSError) as error:
            self.log(f"automatic switch stopped: {error}")
            auto.switched(self.clock())
            return
        finally:
            auto.busy = False
        now = self.clock()
        auto.switched(now)
        self.log(f"switched automatically: {decision.reason}. {done}")
        await asyncio.to_thread(self.answers.announce, switched_event(decision, now))
        if not self.sources.demo:
            await self._rediscover()

    async def _rediscover(self) -> None:
        self._last_discovery = self.clock()
        try:
            pairs: list[tuple[Provider, Account]] = await asyncio.to_thread(
                discover, self.sources.providers, self.config, self.sources.account_dirs
            )
        except Exception as error:  # a provider's discovery bug must not stop the refresher
            self.log(f"discovery failed ({type(error).__name__})")
            return
        if self.store.merge(pairs):
            self.log(f"accounts: {len(self.store)}")
            self.on_change()

    # ------------------------------------------------------------------ what is known

    def shown(self) -> list[AccountSnapshot]:
        """Every account's data to report: the latest, or the last good one after an error."""
        return [entry.shown for entry in self.store]


async def stop_after(seconds: float, stop: asyncio.Event) -> None:
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.sleep(seconds)
        stop.set()
