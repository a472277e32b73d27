"""Keys as they are bound: the help, the pop-ups' own footers, and tabs past the ninth."""

from __future__ import annotations

from pathlib import Path

from support.app import make_app, settle, wait_for
from textual._xterm_parser import XTermParser
from textual.widgets import Tabs
from textual.widgets._footer import FooterKey

from providers.registry import BY_ID
from tui.config import Config
from tui.screens.confirm import Confirm
from tui.screens.help import HelpScreen
from tui.screens.pickers import AccountPicker, ThemePicker
from tui.widgets.detail import ProviderPane


def footer_keys(app) -> dict[str, str]:
    """What the footer of the screen on top offers: key -> description."""
    return {key.key_display or key.key: key.description for key in app.screen.query(FooterKey)}


def as_terminal_sends(sequence: str) -> str:
    """The key Textual reads from these bytes (tmux sends Alt+3 as ESC 3)."""
    [key] = XTermParser().feed(sequence)
    return key.key


def help_text(app) -> str:
    assert isinstance(app.screen, HelpScreen)
    return "\n".join(str(widget.render()) for widget in app.screen.query("Static"))


async def test_the_help_shows_the_keys_as_remapped_in_the_config(tmp_path: Path) -> None:
    keys = {"refresh_all": "ctrl+r", "tab_3": "f3", "detail_bottom": "G"}
    app, _, _ = make_app(tmp_path, config=Config(keys=keys))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("question_mark")
        rows = dict(app.screen.rows)
        assert rows["ctrl+r"].startswith("refresh every account")
        assert "R" not in rows  # the default key is gone, as it is from the app
        assert rows["f3"] == "tab 3"
        assert rows["1–2"].startswith("tabs 1–2") and rows["4–9"] == "tabs 4–9"
        assert rows["0"] == "tab 10" and rows["alt+1–alt+9"] == "tabs 11–19"
        assert rows["home / G"].startswith("the detail's top / bottom")
        text = help_text(app)
        assert "make it the Codex CLI's login (asks first" in text
        assert "●" in text and "signed in to now" in text
        assert "the lower % left of its first two windows" in text  # the list's percentage


async def test_the_command_palette_names_the_keys_as_remapped(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, config=Config(keys={"refresh_all": "ctrl+r"}))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        hints = {command.title: command.help for command in app.get_system_commands(app.screen)}
        assert hints["Refresh all accounts"] == "Fetch every account now (ctrl+r)"
        assert hints["Refresh selected account"] == "Fetch the selected account now (r)"
        assert hints["Keys"] == "Show every key (?)"


async def test_every_pop_up_shows_its_own_keys_in_its_footer(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        dashboard = footer_keys(app)
        assert dashboard["a"] == "Find"
        await pilot.press("question_mark")
        assert footer_keys(app) == {"esc": "Close"}
        await pilot.press("escape", "a")
        assert isinstance(app.screen, AccountPicker)
        assert footer_keys(app) == {"⏎": "Go to", "esc": "Close"}
        await pilot.press("escape", "t")
        assert isinstance(app.screen, ThemePicker)
        assert footer_keys(app) == {"⏎": "Keep", "esc": "Cancel"}
        await pilot.press("escape", "2")
        pane = app.query_one("#pane-codex", ProviderPane)
        await wait_for(pilot, lambda: pane.ready)
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "side"))
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        assert footer_keys(app) == {"y": "Switch", "n": "Cancel"}  # the button's word
        await pilot.press("n")
        assert footer_keys(app) == dashboard | {"]": "Next", "[": "Prev"}


async def test_enter_in_the_theme_and_account_pickers_still_chooses(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("t", "down", "enter")
        assert not isinstance(app.screen, ThemePicker)
        assert app.theme != "aiquota-dark"
        await pilot.press("a", "s", "space")  # a space is typed, not a page of the detail
        assert app.screen.query_one("#picker-input").value == "s "
        await pilot.press("backspace", "backspace", *"side", "enter")
        assert not isinstance(app.screen, AccountPicker)
        assert app.tabs.active == "tab-codex"
        assert app.query_one("#pane-codex", ProviderPane).selected_entry().shown.account == "side"


async def test_tabs_past_the_ninth_have_keys_and_the_overview_never_scrolls_away(
    tmp_path: Path,
) -> None:
    app, _, _ = make_app(tmp_path, providers=list(BY_ID))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        ids = app._tab_ids()
        assert len(ids) == 13
        tabs = app.query_one(Tabs)
        presses = [("0", 10), ("alt+3", 13), ("9", 9), ("alt+1", 11)]
        presses += [(as_terminal_sends("\x1b3"), 13), (as_terminal_sends("\x1b2"), 12)]
        for key, number in presses:
            await pilot.press(key)
            await pilot.pause()
            assert app.tabs.active == ids[number - 1]
            overview = tabs.query_one("#--content-tab-tab-overview")
            active = tabs.active_tab
            assert overview.label.plain == "1 Overview"
            assert active.label.plain.startswith(f"{number} ")  # the active tab keeps its name
            # Every tab fits, so the bar never scrolls the Overview out of sight.
            assert tabs.query_one("#tabs-scroll").max_scroll_x == 0
            assert overview.region.x >= 0 and active.region.right <= 80


async def test_tab_titles_keep_their_names_when_there_is_room(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["codex", "claude", "copilot"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        labels = [tab.label.plain for tab in app.query_one(Tabs).query("Tab")]
        assert labels == ["1 Overview", "2 Codex", "3 Claude", "4 Copilot"]


async def test_tab_titles_follow_the_terminal_width(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=list(BY_ID))
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        labels = [tab.label.plain for tab in app.query_one(Tabs).query("Tab")]
        assert labels[:3] == ["1 Overview", "2 Codex", "3 Claude"]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        labels = [tab.label.plain for tab in app.query_one(Tabs).query("Tab")]
        assert labels[:3] == ["1 Overview", "2", "3"]


async def test_the_footer_keeps_the_keys_that_matter_in_sight_at_every_width(
    tmp_path: Path,
) -> None:
    from support.app import open_tab

    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await open_tab(pilot, app, "2")
        await pilot.pause()
        footer = [strip.text for strip in app.screen._compositor.render_strips()][-1]
        # The last of the tab's keys is on screen; the palette's hint gave way for it.
        assert "] Next" in footer and "[ Prev" in footer, footer
        assert "palette" not in footer
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        footer = [strip.text for strip in app.screen._compositor.render_strips()][-1]
        assert "[ Prev" in footer and "palette" in footer, footer
        # Narrower still: the least used keys leave the footer (not the app), Quit stays.
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        footer = [strip.text for strip in app.screen._compositor.render_strips()][-1]
        assert "q Quit" in footer and "[ Prev" in footer and "t Theme" not in footer, footer
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, ThemePicker))
