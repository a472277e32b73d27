"""The app's compositor renders less than Textual's for a partial update, and sends the same.

tui/screen.py's BandCompositor asks widgets only for the lines an update touches and skips
those whose part of them is hidden or beside the change; whatever the changed cells, the
bytes it sends must be Textual's own compositor's, on every screen the app shows."""

from __future__ import annotations

import copy
import random
from pathlib import Path

from support.app import make_app, open_tab, settle
from textual._compositor import Compositor
from textual.geometry import Region

from providers.registry import PROVIDERS
from tui.screen import BandCompositor


def _sent(compositor: Compositor, regions: list[Region], console) -> str | None:
    compositor._dirty_regions.clear()
    compositor._dirty_regions.update(regions)
    update = compositor.render_partial_update()
    return None if update is None else update.render_segments(console)


def _changes(app, rng: random.Random) -> list[list[Region]]:
    """Sets of changed cells: each widget on screen, single cells, two far apart, lines."""
    width, height = app.size
    screen = Region(0, 0, width, height)
    visible = app.screen._compositor.visible_widgets.values()
    changes = [[region.intersection(clip).intersection(screen)] for region, clip in visible]
    for _ in range(60):
        cells = []
        for _ in range(rng.randint(1, 3)):
            x, y = rng.randrange(width), rng.randrange(height)
            cells.append(Region(x, y, rng.randint(1, width - x), rng.randint(1, 2)))
        changes.append([cell.intersection(screen) for cell in cells])
    changes.append([Region(0, y, width, 1) for y in range(0, height, 7)])
    return [[region for region in change if region.area] for change in changes if change]


async def _compare(app, rng: random.Random) -> int:
    band = app.screen._compositor
    assert isinstance(band, BandCompositor)
    stock = copy.copy(band)
    stock.__class__ = Compositor  # the same map and cuts, Textual's own rendering
    compared = 0
    for regions in _changes(app, rng):
        if not regions:
            continue
        assert _sent(band, regions, app.console) == _sent(stock, regions, app.console), regions
        compared += 1
    return compared


async def test_partial_updates_send_what_textuals_compositor_sends(tmp_path: Path) -> None:
    rng = random.Random(13)
    app, _, _ = make_app(tmp_path, providers=[provider.id for provider in PROVIDERS])
    for size in ((120, 40), (80, 24)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            assert await _compare(app, rng) > 50  # the overview
            app.overview.move(12)  # a selected row, scrolled
            await pilot.pause()
            assert await _compare(app, rng) > 50
            app.notify("a notice over the rows", timeout=30)
            await pilot.pause()
            assert await _compare(app, rng) > 50
            await open_tab(pilot, app, "2")  # a provider tab: list and detail
            assert await _compare(app, rng) > 50
        app, _, _ = make_app(tmp_path, providers=[provider.id for provider in PROVIDERS])
