"""The app at scale: answers arriving together are drawn together, an order is sorted only
when it changed, hidden provider tabs do no per-account work, and a long overview draws only
the rows on screen while the keys still reach every account."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import httpx
from support.app import CountingTransport, make_app, settle
from support.clock import FakeClock

import tui.app
from providers.discover import build_sources
from providers.registry import select
from tui.app import QuotaApp
from tui.config import Config
from tui.store.schedule import RefreshPolicy
from tui.store.store import Store
from tui.widgets.detail import ProviderPane
from tui.widgets.overview import OverviewPane, OverviewRow


class HeldTransport(CountingTransport):
    """The demo's answers, held back until `release` is set: then they all arrive together."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.release = asyncio.Event()
        self.waiting = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.waiting += 1
        await self.release.wait()
        return await super().handle_async_request(request)


def codex_app(tmp_path: Path, copies: int, transport: httpx.AsyncBaseTransport | None = None):
    """`copies` × the demo's four Codex accounts, every one asked at once."""
    clock = FakeClock()
    sources = build_sources(
        select(["codex"]), Config(), use_demo=True, clock=clock, demo_copies=copies
    )
    transport = transport or CountingTransport(clock)
    sources = replace(sources, transport=transport)
    store = Store(policy=RefreshPolicy(max_in_flight=10_000))
    app = QuotaApp(sources, clock=clock, state_path=tmp_path / "state.toml", store=store)
    return app, clock


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_many_answers_at_once_redraw_the_overview_a_few_times(
    tmp_path: Path, monkeypatch
) -> None:
    transport = HeldTransport(FakeClock())
    app, _ = codex_app(tmp_path, copies=50, transport=transport)
    redraws = 0
    original = OverviewPane.redraw

    def counted(self, now) -> None:
        nonlocal redraws
        redraws += 1
        original(self, now)

    monkeypatch.setattr(OverviewPane, "redraw", counted)
    async with app.run_test(size=(120, 40)) as pilot:
        # Every request that can be in flight (the client's pool caps them) is held back.
        seen = -1
        while transport.waiting != seen or not transport.waiting:
            seen = transport.waiting
            await pilot.pause(0.05)
        redraws = 0
        transport.release.set()
        await settle(pilot, app)
        assert all(not entry.loading for entry in app.store)
        # 200 answers (the 50 expired copies ask nothing); a redraw each would be 200.
        assert redraws <= 8


async def test_answers_that_change_no_sort_key_sort_nothing(tmp_path: Path, monkeypatch) -> None:
    app, clock, transport = make_app(tmp_path)
    sorts: list[str] = []
    original = tui.app.sort_entries

    def counted(entries, mode, *args, **kwargs):
        sorts.append(mode)
        return original(entries, mode, *args, **kwargs)

    monkeypatch.setattr(tui.app, "sort_entries", counted)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("s")  # most remaining: spark, corp, work, side, old
        overview = app.query_one(OverviewPane)
        names = [row.entry.shown.account for row in overview.rows]
        assert names == ["spark", "corp", "work", "side", "old"]
        sorts.clear()
        clock.advance(600)  # past every poll floor
        await pilot.press("R")  # the same answers again
        await settle(pilot, app)
        assert sorts == []
        # spark fails: it has a problem now and goes after every usable account.
        transport.override = lambda request: (
            httpx.Response(503, json={})
            if request.headers.get("ChatGPT-Account-Id") == "acc-demo-spark"
            else None
        )
        clock.advance(600)
        await pilot.press("R")
        await settle(pilot, app)
        assert sorts  # sorted again, because spark's key changed
        names = [row.entry.shown.account for row in overview.rows]
        assert names == ["corp", "work", "side", "spark", "old"]


async def test_a_hidden_provider_tab_does_no_work_until_shown(tmp_path: Path, monkeypatch) -> None:
    app, clock, transport = make_app(tmp_path, providers=["codex", "claude"])
    calls: list[str] = []
    for name in ("set_options", "replace_option_prompt"):
        original = getattr(tui.widgets.detail.AccountList, name)

        def counted(self, *args, _name=name, _original=original, **kwargs):
            calls.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(tui.widgets.detail.AccountList, name, counted)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.pause(ProviderPane.BUILD_DELAY + 0.1)  # the hidden panes are built
        pane = app._provider_panes["codex"]
        assert pane.ready
        transport.override = lambda request: (
            httpx.Response(503, json={})
            if request.headers.get("ChatGPT-Account-Id") == "acc-demo-spark"
            else None
        )
        clock.advance(600)
        await pilot.press("R")
        await settle(pilot, app)
        assert calls == []  # five answers for a hidden tab: not one option drawn
        await pilot.press("2")  # Codex: it catches up and shows spark's failure
        await pilot.pause()
        assert calls
        prompts = {option.id: str(option.prompt) for option in pane.account_list.options}
        spark = next(key for key in prompts if "spark" in prompts[key])
        assert prompts[spark].rstrip().endswith("!") or prompts[spark].rstrip().endswith("✗")
        assert pane.selected_entry() is not None


async def test_a_long_overview_draws_only_its_visible_rows_and_keys_reach_the_last(
    tmp_path: Path, monkeypatch
) -> None:
    app, clock = codex_app(tmp_path, copies=50)
    drawn: set[int] = set()
    original = OverviewRow.redraw

    def counted(self, now, columns) -> None:
        drawn.add(id(self))
        original(self, now, columns)

    monkeypatch.setattr(OverviewRow, "redraw", counted)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        overview = app.query_one(OverviewPane)
        assert len(overview.rows) == 250
        height = overview.scroll.scrollable_content_region.height
        assert 0 < height < 30
        on_screen = {id(row) for row in overview.rows[: height + 1]}
        drawn.clear()
        clock.advance(1)
        app._tick()  # the clock's second: the countdowns on screen, and only those, redraw
        await pilot.pause()
        assert drawn and drawn <= on_screen
        await pilot.press(*["j"] * 249)
        await pilot.pause()
        assert overview.selected == 249
        last = overview.rows[249]
        lines = screen_lines(app)
        expected = last.main.plain.split()[1]  # the account's name, as the row draws it
        row_lines = [line for line in lines if expected in line]
        assert row_lines, (expected, lines)
        assert overview.scroll.scroll_y > 0


async def test_page_keys_move_a_long_overviews_selection(tmp_path: Path) -> None:
    from support.app import settle

    app, _ = codex_app(tmp_path, copies=40)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        overview = app.overview
        rows = len(overview.rows)
        assert rows > 100
        await pilot.press("end")
        assert overview.selected == rows - 1
        await pilot.pause()
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        last = overview.rows[-1].entry.shown.account
        assert any(last in line for line in lines)  # scrolled to it
        await pilot.press("pageup")
        page = overview.scroll.scrollable_content_region.height - 1
        assert overview.selected == rows - 1 - page
        await pilot.press("pagedown", "home")
        assert overview.selected == 0
        await pilot.press("space")
        assert overview.selected == page
