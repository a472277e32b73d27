"""SVG snapshots of the overview and a provider tab at 80x24 and 120x40, clock frozen.

Snapshots change between Textual releases; the test extras pin Textual's version.
Update them deliberately with `pytest tests/app/test_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.app import make_app, open_tab, settle, steady, wait_for

SIZES = [(80, 24), (120, 40)]


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_overview(snap_compare, tmp_path: Path, size) -> None:
    app, _, _ = make_app(tmp_path)

    async def loaded(pilot) -> None:
        await settle(pilot, app)
        await pilot.wait_for_scheduled_animations()
        await steady(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_codex_tab_with_extra_limits_and_credits(snap_compare, tmp_path: Path, size) -> None:
    app, _, _ = make_app(tmp_path)

    async def open_spark(pilot) -> None:
        await settle(pilot, app)
        await open_tab(pilot, app, "2")
        await pilot.wait_for_scheduled_animations()
        await steady(pilot, app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_spark)


def test_codex_tab_expired_account(snap_compare, tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)

    async def open_old(pilot) -> None:
        await settle(pilot, app)
        await open_tab(pilot, app, "2")
        await pilot.press("left_square_bracket")
        await pilot.pause()
        await wait_for(pilot, lambda: app.history_settled)  # the detail's sparklines read
        await pilot.wait_for_scheduled_animations()
        await steady(pilot, app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_old)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_overview_every_provider(snap_compare, tmp_path: Path, size) -> None:
    app, _, _ = make_app(tmp_path, providers=["codex", "claude", "copilot", "zhipu", "zai"])

    async def loaded(pilot) -> None:
        await settle(pilot, app)
        await pilot.wait_for_scheduled_animations()
        await steady(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=loaded)


def test_copilot_tab_with_overage(snap_compare, tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["copilot"])

    async def open_octocat(pilot) -> None:
        await settle(pilot, app)
        await open_tab(pilot, app, "2")
        pane = app.query_one("#pane-copilot")
        pane.select_key(next(e.key for e in pane.entries if e.shown.account == "octocat"))
        await pilot.pause()
        await wait_for(pilot, lambda: app.history_settled)  # the detail's sparklines read
        await pilot.wait_for_scheduled_animations()
        await steady(pilot, app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(120, 40), run_before=open_octocat)
