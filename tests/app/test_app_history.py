"""History on screen: sparklines in the detail, the `h` screen at 80x24 and 120x40, the demo's
own database, and the user's database written by the app (never by the demo)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from support.app import make_app, open_tab, real_app, settle, wait_for
from support.clock import FakeClock
from support.credentials import codex_token, usage_answer, write_codex_auth

from providers.discover import build_sources
from providers.registry import select
from tui.app import QuotaApp
from tui.config import Config
from tui.history.query import read_rows
from tui.history.store import default_path
from tui.screens.history import HistoryScreen
from tui.widgets.detail import ProviderPane


def detail_lines(pane: ProviderPane) -> list[str]:
    return str(pane.detail.query_one(".detail-body").render()).split("\n")


def footer_words(app) -> list[str]:
    """The descriptions the footer shows now (a hidden binding is not active)."""
    return [
        active.binding.description
        for active in app.screen.active_bindings.values()
        if active.binding.show and active.enabled
    ]


async def _codex_tab(pilot, app) -> ProviderPane:
    await settle(pilot, app)
    await open_tab(pilot, app, "2")
    pane = app._active_pane()
    assert isinstance(pane, ProviderPane)
    return pane


async def test_the_demo_detail_shows_each_windows_sparkline(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        pane = await _codex_tab(pilot, app)
        lines = detail_lines(pane)
        sparks = [line for line in lines if " since " in line]
        # spark has four windows (two its own limits), each with its period so far.
        assert len(sparks) == 4
        assert all(any(block in line for block in "▁▂▃▄▅▆▇█") for line in sparks)
        # Where the history covers enough of the window, its recent rate's forecast follows
        # the sparkline (the weekly ones here: their last 28 hours are in the demo's week).
        recent = [line for line in lines if "'s rate: " in line or "no use in the last" in line]
        assert any("28h's rate: " in line for line in recent), recent
        after_spark = [lines[lines.index(line) - 1] for line in recent]
        assert all(" since " in line for line in after_spark)
        assert app.history_path is not None and app.history_path.is_relative_to(app._sandbox.root)
    assert not default_path().exists()  # the demo never touched the user's history


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_h_opens_the_accounts_history_and_d_switches_to_30_days(tmp_path: Path, size) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await _codex_tab(pilot, app)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        await wait_for(pilot, lambda: screen.history is not None and not screen.reading)
        await pilot.pause()
        body = str(screen.query_one("#history-body").render())
        lines = body.split("\n")
        assert "5h  now 3% used" in lines[0]
        assert any(line.startswith("Weekly") for line in lines)
        assert max(len(line) for line in lines) <= size[0]
        # The day labels of the week, and the weekly reset marked.
        assert "Sun" in body and "▲" in body
        note = str(screen.query_one("#history-note").render())
        assert note.startswith("Last 7 days")
        assert "30 days" in footer_words(app) and "7 days" not in footer_words(app)
        await pilot.press("d")
        await wait_for(pilot, lambda: screen.days == 30 and not screen.reading)
        await pilot.pause()
        assert str(screen.query_one("#history-note").render()).startswith("Last 30 days")
        assert "7 days" in footer_words(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen))


async def test_h_follows_a_remap_in_keys_and_is_in_the_help(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, config=Config(keys={"history": "y"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await _codex_tab(pilot, app)
        await pilot.press("h")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen)
        await pilot.press("y")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await pilot.press("y")  # the key that opened it closes it
        await wait_for(pilot, lambda: not isinstance(app.screen, HistoryScreen))
        await pilot.press("question_mark")
        await pilot.pause()
        rows = dict(app.screen.rows)  # the help's (keys, what they do), as bound now
        assert rows["y"].startswith("the selected account's history")


async def test_h_in_the_overview_shows_the_selected_row(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        assert app.screen.key == app.overview.selected_key()


async def test_history_off_says_so(tmp_path: Path, home: Path) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(5, 10)))
    sources = replace(
        build_sources(select(["codex"]), Config(), use_demo=False), transport=transport
    )
    off = Config(history={"enabled": False})
    app = QuotaApp(sources, off, clock=FakeClock(), state_path=tmp_path / "state.toml")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("h")
        await pilot.pause()
        assert not isinstance(app.screen, HistoryScreen)
        assert any("History is off" in str(n.message) for n in app._notifications)
    assert not default_path().exists()  # nothing recorded either


async def test_the_app_records_good_answers_into_the_users_history(
    tmp_path: Path, home: Path
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(5, 10)))
    app = real_app(tmp_path, "codex", transport)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: default_path().exists() and app.history_settled)
    samples, _ = read_rows(default_path(), 0)
    assert [(s.provider, s.account, s.window, s.used_percent) for s in samples] == [
        ("codex", "default", "five_hour", 5.0),
        ("codex", "default", "weekly", 10.0),
    ]


def test_a_reset_mark_on_a_day_label_clears_the_label_not_one_letter() -> None:
    """A weekly reset landing inside '28 Nov' showed '28 ▲ov': the label gives way whole."""
    from datetime import datetime

    from tui.history import chart
    from tui.history.query import Point
    from tui.screens.history import window_block

    start = datetime(2026, 11, 2).astimezone().timestamp()
    end = start + 30 * 86400
    width = 72
    labels = chart.day_labels(start, end, width)
    column, text = labels[-1]
    # A reset in the label's third cell (its space or a letter of the month).
    step = (end - start) / width
    reset = start + (column + 3) * step + step / 2
    week = 7 * 86400
    points = [
        Point(int(reset - 3600), 60.0, int(reset), week),
        Point(int(reset + 3600), 1.0, int(reset + week), week),
    ]
    axis = window_block("Weekly", points, start, end, width, 2, week)[-1].plain
    assert axis[column + 3] == "▲"
    # The label around the mark is gone whole; the others stay.
    assert axis[column : column + len(text)].strip() == "▲"
    assert all(other in axis for _, other in labels[:-1])
