"""The app driven through Pilot: every key, loading, stale data, state, worker errors."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
import pytest
from support.app import make_app, real_app, settle, wait_for
from textual.command import CommandPalette
from textual.widgets import ProgressBar, TabbedContent

import tui.app
from providers.model import Status
from tui.screens.help import HelpScreen
from tui.screens.pickers import AccountPicker, ThemePicker
from tui.state import load_state
from tui.widgets.detail import ProviderPane
from tui.widgets.overview import OverviewPane


def overview_names(app) -> list[str]:
    return [row.entry.shown.account for row in app.query_one(OverviewPane).rows]


def row_text(app, name: str) -> str:
    for row in app.query_one(OverviewPane).rows:
        if row.entry.shown.account == name:
            return row.plain
    raise AssertionError(name)


def active_tab(app) -> str:
    return app.query_one(TabbedContent).active


def codex_pane(app) -> ProviderPane:
    return app.query_one("#pane-codex", ProviderPane)


async def test_first_frame_shows_loading_without_waiting_for_the_network(tmp_path: Path) -> None:
    gate = asyncio.Event()

    class Stalled(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request):
            await gate.wait()
            return httpx.Response(500)

    app, _, _ = make_app(tmp_path, transport=Stalled())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        texts = [row.plain for row in app.query_one(OverviewPane).rows]
        assert texts and all("loading…" in t for t in texts if "old" not in t)
        # no animated indicator is left running while we wait
        assert not list(app.query(ProgressBar))
        assert not any(w.loading for w in app.query("*"))
        gate.set()


async def test_overview_lists_every_account_in_provider_order(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert overview_names(app) == ["spark", "work", "side", "corp", "old"]
        assert "97%" in row_text(app, "spark") and "ok" in row_text(app, "spark")
        assert "ok" in row_text(app, "corp")  # a monthly credit pool and no 5h/weekly window
        assert "●" in row_text(app, "work")
        assert "expired" in row_text(app, "old")


async def test_digits_and_tab_keys_switch_tabs(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert active_tab(app) == "tab-overview"
        await pilot.press("2")
        assert active_tab(app) == "tab-codex"
        await pilot.press("1")
        assert active_tab(app) == "tab-overview"
        await pilot.press("tab")
        assert active_tab(app) == "tab-codex"
        await pilot.press("tab")
        assert active_tab(app) == "tab-overview"  # wraps
        await pilot.press("shift+tab")
        assert active_tab(app) == "tab-codex"
        await pilot.press("9")  # no ninth tab: nothing happens
        assert active_tab(app) == "tab-codex"


async def test_brackets_move_between_accounts_in_a_provider_tab(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        pane = codex_pane(app)
        assert pane.selected_entry().shown.account == "spark"
        await pilot.press("right_square_bracket")
        assert pane.selected_entry().shown.account == "work"
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert pane.selected_entry().shown.account == "old"  # wraps around
        await pilot.press("k")
        assert pane.selected_entry().shown.account == "corp"
        await pilot.press("j", "j")
        assert pane.selected_entry().shown.account == "spark"  # the list wraps, like ] and [
        await pilot.press("up", "up", "up")
        assert pane.selected_entry().shown.account == "side"
        detail = str(pane.detail.query_one(".detail-body").render())
        assert "side" in detail and "resets in" in detail and "% left" in detail
        await pilot.press("j")
        detail = str(pane.detail.query_one(".detail-body").render())
        assert "corp" in detail and "Monthly credits" in detail and "% left" in detail


async def test_jk_and_enter_in_the_overview_open_the_account(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("j", "j", "k", "down")
        overview = app.query_one(OverviewPane)
        assert overview.rows[overview.selected].entry.shown.account == "side"
        await pilot.press("enter")
        assert active_tab(app) == "tab-codex"
        assert codex_pane(app).selected_entry().shown.account == "side"


async def test_account_picker_finds_by_fuzzy_name_and_jumps(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("a")
        assert isinstance(app.screen, AccountPicker)
        await pilot.press("s", "d", "e")  # s…d…e: only "side"
        await pilot.press("enter")
        assert not isinstance(app.screen, AccountPicker)
        assert active_tab(app) == "tab-codex"
        assert codex_pane(app).selected_entry().shown.account == "side"


async def test_account_picker_escape_changes_nothing(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("a", "1", "escape")  # typing a digit in the picker does not switch tabs
        assert active_tab(app) == "tab-overview"
        assert not isinstance(app.screen, AccountPicker)


async def test_r_refreshes_only_the_selected_account_and_R_all(tmp_path: Path) -> None:
    app, _, transport = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        before = dict(transport.calls)
        await pilot.press("2", "right_square_bracket")  # work
        await pilot.press("r")
        await settle(pilot, app)
        assert transport.calls["acc-demo-work"] == before["acc-demo-work"] + 1
        assert transport.calls["acc-demo-side"] == before["acc-demo-side"]
        await pilot.press("R")
        await settle(pilot, app)
        for account_id in ("acc-demo-work", "acc-demo-side", "acc-demo-spark"):
            assert transport.calls[account_id] >= before[account_id] + 1


async def test_sort_cycles_and_names_the_order(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        sort_line = app.query_one("#overview-sort")
        assert "sorted by provider" in str(sort_line.render())
        await pilot.press("s")
        assert "sorted by most remaining" in str(sort_line.render())
        # most remaining = the least-left window: spark 79, corp 63.5 (its monthly credits),
        # work 62, side 4
        assert overview_names(app)[:4] == ["spark", "corp", "work", "side"]
        await pilot.press("s")
        assert "sorted by soonest reset" in str(sort_line.render())
        assert overview_names(app)[0] == "side"  # its 5h window resets in 41 minutes
        await pilot.press("s")
        assert "sorted by provider" in str(sort_line.render())


async def test_theme_picker_previews_applies_and_cancels(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        original = app.theme
        await pilot.press("t")
        assert isinstance(app.screen, ThemePicker)
        await pilot.press("down")
        previewed = app.theme
        assert previewed != original
        await pilot.press("escape")
        assert app.theme == original
        await pilot.press("t", "down", "enter")
        assert app.theme == previewed
        assert load_state(tmp_path / "state.toml").theme == previewed


async def test_help_screen_opens_and_closes(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("2")  # tabs do not move under the dialog
        assert active_tab(app) == "tab-overview"
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_command_palette_offers_the_app_actions(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for wanted in (
            "Refresh all accounts",
            "Change overview order",
            "Find account",
            "Choose theme",
            "Go to Codex",
        ):
            assert wanted in titles
        await pilot.press("ctrl+p")
        assert isinstance(app.screen, CommandPalette)


async def test_q_quits(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
    assert app.return_value == 0


async def test_state_is_saved_and_restored(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("s", "2", "right_square_bracket", "q")
    state = load_state(tmp_path / "state.toml")
    assert state.sort == "remaining" and state.tab == "tab-codex"
    assert state.account and state.account.endswith("/work")
    again, _, _ = make_app(tmp_path)
    async with again.run_test(size=(120, 40)) as pilot:
        await settle(pilot, again)
        assert active_tab(again) == "tab-codex"
        assert codex_pane(again).selected_entry().shown.account == "work"
        assert again.query_one(OverviewPane).sort == "remaining"


async def test_orders_chosen_in_a_row_end_in_one_notice_of_the_last(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)

    def sort_notices() -> list[str]:
        return [n.message for n in app._notifications if n.message.startswith("Sorted by")]

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("s", "s")  # most remaining, then soonest reset
        sort_line = str(app.query_one("#overview-sort").render())
        assert "sorted by soonest reset" in sort_line  # the order itself shows at once
        await wait_for(pilot, lambda: sort_notices() != [])
        await pilot.pause(0.3)
        assert sort_notices() == ["Sorted by soonest reset"]
        await pilot.press("s")
        await wait_for(pilot, lambda: sort_notices() == ["Sorted by provider"])


async def test_a_new_order_is_saved_from_a_thread_and_the_last_one_wins(
    tmp_path: Path, monkeypatch
) -> None:
    app, _, _ = make_app(tmp_path)
    writers: list[bool] = []
    original = tui.app.save_state

    def recorded(state, path):
        writers.append(threading.current_thread() is threading.main_thread())
        return original(state, path)

    monkeypatch.setattr(tui.app, "save_state", recorded)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("s", "s")  # most remaining, then soonest reset
        await wait_for(pilot, lambda: load_state(tmp_path / "state.toml").sort == "reset")
        assert writers and not any(writers)  # the UI thread never waited for the disk
        await pilot.press("q")
    assert load_state(tmp_path / "state.toml").sort == "reset"


async def test_countdowns_tick_with_the_clock(tmp_path: Path) -> None:
    app, clock, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        before = row_text(app, "side")
        assert "40m 59s" in before or "41m 00s" in before
        clock.advance(1)
        app._tick()
        await pilot.pause()
        after = row_text(app, "side")
        assert after != before


async def test_error_keeps_the_last_good_data_marked_stale(tmp_path: Path) -> None:
    app, _, transport = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        transport.override = lambda request: httpx.Response(503, json={})
        await pilot.press("2", "right_square_bracket", "r")
        await settle(pilot, app)
        entry = codex_pane(app).selected_entry()
        assert entry.snapshot.status is Status.ERROR
        assert entry.stale and entry.shown.windows
        detail = str(codex_pane(app).detail.query_one(".detail-body").render())
        assert "HTTP 503" in detail and "stale" in detail and "85% left" in detail
        await pilot.press("1")
        assert "(stale)" in row_text(app, "work")


async def test_a_worker_exception_never_quits_the_app(tmp_path: Path, monkeypatch) -> None:
    async def explode(*args, **kwargs):
        raise RuntimeError("boom")

    app, _, _ = make_app(tmp_path)
    monkeypatch.setattr("providers.collect.fetch_snapshot", explode)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert app.is_running
        statuses = {e.shown.account: e.snapshot.status for e in app.store}
        assert statuses["work"] is Status.ERROR
        await pilot.press("2")
        assert active_tab(app) == "tab-codex"


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_nothing_important_is_cut_at_either_size(tmp_path: Path, size) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        text = row_text(app, "work")
        for piece in ("Codex", "work", "85%", "62%", "2h", "ok"):
            assert piece in text
        await pilot.press("2", "right_square_bracket")
        detail = str(codex_pane(app).detail.query_one(".detail-body").render())
        for piece in ("15% used", "85% left", "resets in", "Weekly", "updated"):
            assert piece in detail


async def test_idle_ticks_repaint_nothing_and_a_countdown_repaints_only_its_cells(
    tmp_path: Path,
) -> None:
    app, clock, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        clock.advance(5)  # away from a minute boundary, where minute-only countdowns change too
        app._tick()
        await pilot.pause()
        # The rows' cells, and over their reset column the countdowns, in a widget of their own.
        columns = {name: app.query_one(f"#overview-{name}") for name in ("lines", "resets")}
        refreshes: dict[str, list[tuple]] = {name: [] for name in columns}
        for name, widget in columns.items():
            original = widget.refresh

            def spy(*regions, _o=original, _name=name, **kwargs):
                refreshes[_name].append(regions)
                return _o(*regions, **kwargs)

            widget.refresh = spy
        app._tick()  # the same second: nothing changed, nothing repainted
        await pilot.pause()
        assert refreshes == {"lines": [], "resets": []}
        clock.advance(1)
        app._tick()  # one second on: "side" shows seconds (its window resets within the hour)
        await pilot.pause()
        assert refreshes["lines"] == []
        [regions] = refreshes["resets"]
        side = overview_names(app).index("side")
        assert [(r.y, r.height) for r in regions] == [(side, 1)]
        assert all(r.width <= 2 for r in regions)


async def test_user_themes_load_and_a_broken_one_is_skipped_with_a_notice(
    tmp_path: Path, home: Path
) -> None:
    folder = home / ".config/aiquota-tui/themes"
    folder.mkdir(parents=True)
    (folder / "mine.toml").write_text('name = "mine"\nprimary = "#ff8800"\ncritical = "#ff0000"\n')
    (folder / "broken.toml").write_text('name = "broken"\nprimary = \n')
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert "mine" in app.available_themes
        assert "broken" not in app.available_themes
        notices = [n.message for n in app._notifications]
        assert any("broken.toml" in n and "skipped" in n for n in notices)
        app.theme = "mine"
        await pilot.pause()
        assert app.theme == "mine"


async def test_builtin_ansi_theme_still_colours_the_bars(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        app.theme = "ansi-dark"
        await pilot.pause()
        variables = app.get_css_variables()
        assert variables["quota-plenty"] and variables["quota-critical"]


async def test_keys_can_be_remapped_by_binding_id(tmp_path: Path) -> None:
    from tui.config import Config

    app, _, transport = make_app(tmp_path, config=Config(keys={"refresh_all": "ctrl+r"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        before = transport.calls["acc-demo-spark"]
        await pilot.press("ctrl+r")
        await settle(pilot, app)
        assert transport.calls["acc-demo-spark"] == before + 1


async def test_per_model_providers_show_groups_in_the_overview_and_the_detail(
    tmp_path: Path,
) -> None:
    app, _, _ = make_app(tmp_path, providers=["antigravity"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        grace = row_text(app, "grace@example.com")
        assert "Claude" in grace and "G Pro" in grace  # families, not the first two models
        await pilot.press("2")
        pane = app.query_one("#pane-antigravity", ProviderPane)
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "grace@example.com"))
        await pilot.pause()
        detail = str(pane.detail.query_one(".detail-body").render())
        assert "By group" in detail and "By model" in detail
        assert detail.index("By group") < detail.index("Gemini Flash") < detail.index("By model")


async def test_new_logins_are_picked_up_without_a_restart(tmp_path: Path, home: Path) -> None:

    from support.clock import FakeClock
    from support.credentials import codex_token, usage_answer, write_codex_auth

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(20, 30)))
    clock = FakeClock()
    app = real_app(tmp_path, "codex", transport, clock=clock)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert overview_names(app) == []
        assert app.query("#no-accounts")
        write_codex_auth(
            home / ".codex/auth.json", codex_token("acc-new"), "acc-new", email="new@example.com"
        )
        clock.advance(61)
        app._tick()  # rediscovery runs in a thread: wait for its result, then for the fetch
        await wait_for(pilot, lambda: len(app.store) == 1)
        await settle(pilot, app)
        assert overview_names(app) == ["new@example.com"]
        assert "80%" in row_text(app, "new@example.com")
        assert not app.query("#no-accounts")
        await pilot.press("2")
        assert active_tab(app) == "tab-codex"


async def test_balance_only_accounts_show_their_balances_in_the_overview(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["deepseek", "moonshot"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        assert "Balance (CNY) 110" in row_text(app, "ds-main")
        assert "Available 49.58 USD" in row_text(app, "kimi")
