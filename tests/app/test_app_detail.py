"""The provider tab's detail: readable from the keyboard alone, and honest about its age."""

from __future__ import annotations

from pathlib import Path

import httpx
from support.app import make_app, settle, wait_for
from support.app import open_tab as support_open_tab

from tui.widgets.detail import DetailView, ProviderPane


def detail_text(pane: ProviderPane) -> str:
    return str(pane.detail.query_one(".detail-body").render())


def visible_lines(detail: DetailView) -> list[str]:
    """The detail's lines that are on screen now."""
    lines = str(detail.query_one(".detail-body").render()).split("\n")
    top = round(detail.scroll_y)
    return lines[top : top + detail.scrollable_content_region.height]


async def open_tab(pilot, app, provider: str, account: str) -> ProviderPane:
    await pilot.press("2")
    pane = app.query_one(f"#pane-{provider}", ProviderPane)
    await wait_for(pilot, lambda: pane.ready)
    pane.select_key(next(e.key for e in pane.entries if e.shown.account == account))
    await pilot.pause()
    return pane


async def test_a_tall_detail_scrolls_from_the_keyboard_to_its_last_window(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["antigravity"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        pane = await open_tab(pilot, app, "antigravity", "grace@example.com")
        detail = pane.detail
        last = pane.selected_entry().shown.windows[-1].label
        assert detail.max_scroll_y > 0  # more lines than rows
        assert not any(line.startswith(last) for line in visible_lines(detail))
        await pilot.press("pagedown")
        assert detail.scroll_y > 0
        await pilot.press("end")
        assert detail.scroll_y == detail.max_scroll_y
        assert any(line.startswith(last) for line in visible_lines(detail))
        await pilot.press("pageup")
        assert detail.scroll_y < detail.max_scroll_y
        await pilot.press("home")
        assert detail.scroll_y == 0
        await pilot.press("space")
        assert detail.scroll_y > 0
        # The list keeps its account: the page keys scrolled the detail, not the list.
        assert pane.selected_entry().shown.account == "grace@example.com"


async def test_page_keys_in_the_overview_do_not_touch_a_hidden_detail(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["antigravity"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        pane = await open_tab(pilot, app, "antigravity", "grace@example.com")
        await pilot.press("1", "end")
        assert pane.detail.scroll_y == 0


async def test_the_age_shown_is_the_age_of_the_data_not_of_the_last_try(tmp_path: Path) -> None:
    app, clock, transport = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        pane = await open_tab(pilot, app, "codex", "work")
        assert "updated just now" in detail_text(pane)
        clock.advance(12 * 60)
        transport.override = lambda request: httpx.Response(503, json={})
        await pilot.press("r")
        await settle(pilot, app)
        clock.advance(60)
        pane.detail.redraw(clock())
        text = detail_text(pane)
        assert "data from 13m ago · last try failed 1m ago" in text
        assert "updated" not in text


async def test_an_account_that_never_answered_says_so(tmp_path: Path) -> None:
    app, clock, transport = make_app(tmp_path)
    transport.override = lambda request: httpx.Response(503, json={})
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        pane = await open_tab(pilot, app, "codex", "work")
        clock.advance(120)
        pane.detail.redraw(clock())
        text = detail_text(pane)
        assert "never answered · last try 2m ago" in text
        assert "updated" not in text


async def test_the_detail_is_as_tall_as_its_text_at_the_width_it_is_shown(tmp_path: Path) -> None:
    # Its first text is drawn before the pane has a width (at a guess), and drawn again when
    # the pane gets its size: that text must also give the height back, or the panel scrolls
    # on into blank rows (the guess's longer lines, wrapped at the real width). The relayout
    # asked for from inside the resize was lost now and then: this caught it most runs.
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await support_open_tab(pilot, app, "2")
        pane = app.query_one("#pane-codex", ProviderPane)
        await pilot.wait_for_scheduled_animations()
        await pilot.pause(0.1)
        lines = detail_text(pane).split("\n")
        assert max(len(line) for line in lines) <= pane.detail.scrollable_content_region.width
        assert pane.detail.body.size.height == len(lines)


def test_a_windows_title_fits_a_narrow_pane_by_giving_up_the_local_time_first() -> None:
    from datetime import UTC, datetime, timedelta

    from providers.model import Window
    from tui.widgets.detail import window_lines

    now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    weekly = Window(
        "weekly", "Weekly", 21.0, resets_at=now + timedelta(days=5, hours=11), window_seconds=604800
    )
    wide = window_lines(weekly, now, 80, stale=False)[0].plain
    assert "resets in 5d 11h · " in wide and len(wide) <= 80
    for width in (38, 34, 26, 20):
        title = window_lines(weekly, now, width, stale=False)[0].plain
        assert title.startswith("Weekly") and "5d 11h" in title
        assert len(title) <= width, (width, title)
    assert "·" not in window_lines(weekly, now, 34, stale=False)[0].plain


def test_the_bars_of_one_detail_are_one_length_so_their_alert_ticks_line_up() -> None:
    """'3% used · 97% left' is shorter than '23% used · 77% left': the bar beside it grew a
    cell, and the 50 % tick of one window sat a column off the next one's."""
    from datetime import UTC, datetime

    from providers.model import Window
    from tui.widgets.cells import THRESHOLD_TICK
    from tui.widgets.detail import window_lines

    now = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
    bars = []
    for used in (3.0, 23.0, 100.0, 64.5):
        window = Window("five_hour", "5h", used)
        bars.append(window_lines(window, now, 60, False, thresholds=(50, 20))[1].plain)
    ticks = {tuple(i for i, c in enumerate(line) if c == THRESHOLD_TICK) for line in bars}
    assert len(ticks) == 1, bars
    assert {len(line) for line in bars} == {60}
    assert bars[0].endswith("   3% used ·  97% left")


async def test_a_long_name_in_the_account_list_is_cut_so_its_share_stays(tmp_path: Path) -> None:
    """At 80x24 the Antigravity list read 'hedy@example.com…': the name filled the list and
    the share (or the ✗) beside it was what the cut took. It stays, at every width."""
    app, _, _ = make_app(tmp_path, providers=["antigravity"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await support_open_tab(pilot, app, "2")
        for size in ((80, 24), (120, 40), (60, 20)):
            await pilot.resize_terminal(*size)
            await pilot.pause(0.1)
            lines = [strip.text for strip in app.screen._compositor.render_strips()]
            listed = [line.split("▕")[0] for line in lines[2:6]]  # under the tab bar
            assert len(listed) == 4, (size, lines)
            for line in listed:
                assert line.rstrip().endswith(("%", "✗", "!")), (size, listed)
            assert any("hedy@" in line and line.rstrip().endswith("74%") for line in listed)
