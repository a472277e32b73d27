"""Text that did not come from our code is never parsed as markup (issue 11, item 2).

A server's login, a saved account's file name, a theme file's name and a config notice may hold
square brackets; drawn as markup they either lose them or crash the app with a MarkupError.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from support.app import make_app, real_app, settle, wait_for
from support.credentials import codex_token, usage_answer, write_codex_auth
from textual.widgets import OptionList
from textual.widgets._toast import Toast

from tui.app import QuotaApp
from tui.config import Config
from tui.screens.confirm import Confirm

HOSTILE_LOGIN = "octo[/]cat"


def toasts(app: QuotaApp) -> list[str]:
    """What the notices on screen read, as drawn."""
    return [toast.render().plain for toast in app.screen.query(Toast)]


def copilot_answer(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "login": HOSTILE_LOGIN,
            "copilot_plan": "individual_pro",
            "quota_reset_date_utc": "2026-12-01T00:00:00.000Z",
            "quota_snapshots": {
                "premium_interactions": {"entitlement": 300, "remaining": 120, "unlimited": False}
            },
        },
    )


async def test_a_login_with_brackets_from_the_server_is_shown_as_it_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COPILOT_API_TOKEN", "ghu_markuptest0123456789abcdef")
    app = real_app(tmp_path, "copilot", httpx.MockTransport(copilot_answer))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        [entry] = app.store
        assert entry.shown.account == HOSTILE_LOGIN
        await pilot.press("a")  # the account picker lists it
        await pilot.pause()
        await pilot.press("escape", "2", "r")  # its tab, and the refresh notice names it
        await settle(pilot, app)
        await wait_for(pilot, lambda: toasts(app))
        assert any(HOSTILE_LOGIN in text for text in toasts(app))
        detail = str(app.query_one("#detail-copilot .detail-body").render())
        assert HOSTILE_LOGIN in detail


async def test_a_saved_account_file_with_brackets_in_its_name_switches_and_says_so(
    tmp_path: Path, home: Path, work: Path
) -> None:
    live = write_codex_auth(home / ".codex/auth.json", codex_token("acc-live"), "acc-live")
    odd = write_codex_auth(work / 'account/w[a="b]x.auth.json', codex_token("acc-w"), "acc-w")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(10, 20)))
    app = real_app(tmp_path, "codex", transport)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        pane = app.query_one("#pane-codex")
        await wait_for(pilot, lambda: pane.ready)
        key = next(e.key for e in pane.entries if e.shown.account == 'w[a="b]x')
        pane.select_key(key)
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        body = app.screen.query_one("#confirm-body").render()
        assert "Make 'w[a=\"b]x' the Codex CLI's login?" in str(body)
        await pilot.press("y")
        await wait_for(pilot, lambda: app.store.get(key).account.active)
        await wait_for(pilot, lambda: any("Codex now uses" in text for text in toasts(app)))
        assert any("Codex now uses 'w[a=\"b]x'" in text for text in toasts(app))
    assert live.read_bytes() == odd.read_bytes()  # the switch itself ran


async def test_a_broken_theme_file_with_brackets_in_its_name_is_named_in_its_notice(
    tmp_path: Path, home: Path
) -> None:
    folder = home / ".config/aiquota-tui/themes"
    folder.mkdir(parents=True)
    (folder / 'w[a="b]x.toml').write_text("name = \n")
    (folder / "[b]bold.toml").write_text("name = \n")
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: len(toasts(app)) == 2)
        shown = "\n".join(toasts(app))
        assert 'w[a="b]x.toml' in shown and "[b]bold.toml" in shown


async def test_a_user_theme_named_with_brackets_is_offered_as_it_is(
    tmp_path: Path, home: Path
) -> None:
    folder = home / ".config/aiquota-tui/themes"
    folder.mkdir(parents=True)
    (folder / "odd.toml").write_text('name = "my[/]theme"\nprimary = "#ff8800"\n')
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("t")
        options = app.screen.query_one("#theme-options", OptionList)
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "my[/]theme" in prompts


async def test_a_config_notice_keeps_its_brackets(tmp_path: Path) -> None:
    warning = "config.toml: unknown binding 'nope' in [keys] ignored"
    app, _, _ = make_app(tmp_path, config=Config(warnings=(warning,)))
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: toasts(app))
        assert toasts(app) == [warning]
