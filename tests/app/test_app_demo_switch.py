"""The demo's Codex switch runs the real flow on sample files in a private temporary folder."""

from __future__ import annotations

from pathlib import Path

from support.app import make_app, settle, wait_for
from textual.widgets._toast import Toast

from tui.screens.confirm import Confirm
from tui.widgets.detail import ProviderPane


def every_file(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def marked_active(pane: ProviderPane) -> list[str]:
    """The accounts whose list line carries the ● marker, as drawn."""
    lines = [
        str(pane.account_list.get_option_at_index(index).prompt)
        for index in range(pane.account_list.option_count)
    ]
    return [line.split()[1] for line in lines if line.startswith("●")]


async def test_the_demo_switches_codex_accounts_on_its_own_files_only(
    tmp_path: Path, home: Path, work: Path
) -> None:
    before = every_file(home) | every_file(work)
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        sandbox = app._sandbox
        assert sandbox is not None
        await pilot.press("2")
        pane = app.query_one("#pane-codex", ProviderPane)
        await wait_for(pilot, lambda: pane.ready)
        assert marked_active(pane) == ["work"]
        side = next(entry.key for entry in pane.entries if entry.shown.account == "side")
        pane.select_key(side)
        await pilot.press("enter")
        assert isinstance(app.screen, Confirm)
        assert "This is the demo" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("y")
        await wait_for(pilot, lambda: marked_active(pane) == ["side"])
        notices = [toast.render().plain for toast in app.screen.query(Toast)]
        assert any(notice.startswith("Demo: Codex now uses 'side'") for notice in notices)
        live = sandbox.paths.codex_home / "auth.json"
        assert live.read_bytes() == (sandbox.paths.cwd / "account/side.auth.json").read_bytes()
        assert (sandbox.paths.codex_home / "auth.json.bak").exists()
        # And back again: the live login, saved back to work.auth.json, still works.
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "work"))
        await pilot.press("enter", "y")
        await wait_for(pilot, lambda: marked_active(pane) == ["work"])
        root = sandbox.root
        assert root.is_dir()
    assert every_file(home) | every_file(work) == before  # nothing of the user's was touched
    assert not (home / ".codex").exists()
    assert not root.exists()  # the sample files went with the app


async def test_the_demo_refuses_an_expired_sample_account_as_real_use_would(
    tmp_path: Path,
) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        pane = app.query_one("#pane-codex", ProviderPane)
        await wait_for(pilot, lambda: pane.ready)
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "old"))
        await pilot.press("enter", "y")

        def refused() -> bool:
            notices = [toast.render().plain for toast in app.screen.query(Toast)]
            return any("Not switched" in notice and "'old'" in notice for notice in notices)

        await wait_for(pilot, refused)
        assert marked_active(pane) == ["work"]
