"""Building the app on demo data with a controllable clock and transport, for Pilot tests."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import httpx
from support.clock import FakeClock

from providers import demo
from providers.discover import build_sources
from providers.registry import select
from tui.app import QuotaApp
from tui.config import Config
from tui.store.store import Store


class CountingTransport(httpx.AsyncBaseTransport):
    """The demo's answers, counted per account, with an optional override per call."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.inner = demo.transport(clock)
        self.calls: Counter[str] = Counter()
        self.override: Callable[[httpx.Request], httpx.Response | None] | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        account_id = request.headers.get("ChatGPT-Account-Id", "")
        self.calls[account_id] += 1
        if self.override is not None:
            response = self.override(request)
            if response is not None:
                return response
        return await self.inner.handle_async_request(request)


def make_app(
    tmp_path: Path,
    *,
    clock: FakeClock | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    config: Config | None = None,
    store: Store | None = None,
    providers: list[str] | None = None,
) -> tuple[QuotaApp, FakeClock, CountingTransport | None]:
    """The app on demo data; Codex only unless `providers` names more (keeps layouts stable)."""
    clock = clock or FakeClock()
    sources = build_sources(select(providers or ["codex"]), Config(), use_demo=True, clock=clock)
    counting = None
    if transport is None:
        counting = CountingTransport(clock)
        transport = counting
    sources = replace(sources, transport=transport)
    app = QuotaApp(sources, config, clock=clock, state_path=tmp_path / "state.toml", store=store)
    return app, clock, counting


async def settle(pilot, app: QuotaApp, *, rounds: int = 500) -> None:
    """Wait until no account is still loading or in flight, and their answers are stored."""
    for _ in range(rounds):
        await pilot.pause(0.02)
        if (
            not app.redraw_pending
            and all(not e.loading and not e.in_flight for e in app.store)
            and app.history_settled  # the answers stored and the detail's history read
        ):
            await pilot.pause()
            return
    raise AssertionError("accounts never finished loading")


async def steady(pilot, app: QuotaApp, *, rounds: int = 100) -> None:
    """Pause until two screenshots in a row are the same: under load, a layout pass (a
    scrollbar appearing once the content's height is known) can land after the data did."""
    before = app.export_screenshot()
    for _ in range(rounds):
        await pilot.pause(0.05)
        await pilot.wait_for_scheduled_animations()
        now = app.export_screenshot()
        if now == before:
            return
        before = now
    raise AssertionError("the screen never settled")


async def wait_for(pilot, predicate, *, rounds: int = 500) -> None:
    """Pause until predicate() holds (work in threads and workers finishes in its own time)."""
    for _ in range(rounds):
        if predicate():
            return
        await pilot.pause(0.02)
    raise AssertionError("the condition never held")


async def open_tab(pilot, app: QuotaApp, *keys: str) -> None:
    """Press the keys that show a provider tab, then wait until its pane is built and drawn:
    a pane's build may be under way (its half-second timer) when the key arrives."""
    await pilot.press(*keys)
    await wait_for(
        pilot,
        lambda: (
            (pane := app._active_pane()) is not None
            and pane.ready
            and not pane.behind
            and not app.redraw_pending
            and app.history_settled
        ),
    )
    await pilot.pause()


def real_app(
    tmp_path: Path,
    provider: str,
    transport: httpx.AsyncBaseTransport,
    *,
    clock: FakeClock | None = None,
) -> QuotaApp:
    """The app on real discovery (the test's HOME and cwd) for one provider, every request
    answered by `transport`."""
    sources = replace(
        build_sources(select([provider]), Config(), use_demo=False), transport=transport
    )
    return QuotaApp(sources, clock=clock or FakeClock(), state_path=tmp_path / "state.toml")
