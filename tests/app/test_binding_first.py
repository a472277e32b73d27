"""A limit that binds, or a scoped limit fuller than the plain one, is shown in the plain
one's place (issue 14), by rules that never ask which provider they serve: the window order
the provider chose, its `binding` flag and the windows' lengths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from support.app import make_app, open_tab, settle

from providers.model import AccountSnapshot, Status, Window
from tui.format import exhausted_windows, headline_windows, slot_window, stands_in_for
from tui.widgets.overview import OverviewPane

NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)
HOUR, WEEK = 3600, 7 * 86400


def w(window_id: str, used: float, seconds: int | None, *, binding: bool = False) -> Window:
    return Window(
        id=window_id,
        label=window_id,
        used_percent=used,
        window_seconds=seconds,
        resets_at=NOW + timedelta(days=1),
        binding=binding,
    )


def snapshot(*windows: Window) -> AccountSnapshot:
    return AccountSnapshot("any", "a", "test", False, Status.OK, windows=windows)


def test_a_window_ahead_of_its_lengths_own_window_stands_in_for_it() -> None:
    fable, five, weekly = (
        w("weekly:Fable", 69, WEEK),
        w("five_hour", 37, 5 * HOUR),
        w("weekly", 39, WEEK),
    )
    windows = [fable, five, weekly]
    assert stands_in_for(windows, fable) is weekly
    assert stands_in_for(windows, five) is None and stands_in_for(windows, weekly) is None
    assert slot_window(windows, "weekly") is fable
    assert slot_window(windows, "five_hour") is five


def test_the_usual_order_has_no_stand_ins() -> None:
    """Codex-like: the plain windows first, the extra limits after them, as every provider
    but one lists them; and a window of no known length stands in for nothing."""
    windows = [
        w("five_hour", 10, 5 * HOUR),
        w("weekly", 20, WEEK),
        w("spark:five_hour", 90, 5 * HOUR),
        w("spark:weekly", 95, WEEK),
        w("model", 99, None),
    ]
    assert all(stands_in_for(windows, window) is None for window in windows)
    assert slot_window(windows, "weekly") is windows[1]
    assert slot_window(windows, "monthly") is None
    only_scoped = [w("weekly:Opus", 50, WEEK)]
    assert slot_window(only_scoped, "weekly") is None  # no plain weekly: nothing to stand in for


def test_exhaustion_counts_a_stand_in_only_when_it_binds_and_always_what_it_displaced() -> None:
    quiet = snapshot(
        w("five_hour", 10, 5 * HOUR), w("weekly:Opus", 100, WEEK), w("weekly", 40, WEEK)
    )
    assert [x.id for x in headline_windows(quiet) if x] == ["five_hour", "weekly:Opus"]
    assert exhausted_windows(quiet) == []
    binding = snapshot(
        w("weekly:Opus", 100, WEEK, binding=True),
        w("five_hour", 10, 5 * HOUR),
        w("weekly", 40, WEEK),
    )
    assert [x.id for x in exhausted_windows(binding)] == ["weekly:Opus"]
    behind = snapshot(
        w("five_hour", 10, 5 * HOUR), w("weekly:Opus", 100, WEEK), w("weekly", 100, WEEK)
    )
    assert [x.id for x in exhausted_windows(behind)] == ["weekly"]
    plain = snapshot(
        w("five_hour", 100, 5 * HOUR), w("weekly", 40, WEEK), w("weekly:Opus", 100, WEEK)
    )
    assert [x.id for x in exhausted_windows(plain)] == ["five_hour"]


async def test_the_overview_and_the_claude_tab_show_the_binding_limit_first(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["claude"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        pane = app.query_one(OverviewPane)
        [row] = [r for r in pane.rows if r.entry.shown.account == "opencode"]
        first, second = headline_windows(row.entry.shown, row.entry.provider)
        assert (first.id, first.binding, second.id) == ("weekly:Fable", True, "five_hour")
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        [line] = [text for text in lines if " opencode " in text]
        assert line.index("Fable only") < line.index("5h")
        assert "Weekly" not in line  # shown in its place, not beside it
        [classic] = [text for text in lines if " default " in text]
        assert "wk Opus" in classic  # 68 % used beats the plain week's 41 %
        await open_tab(pilot, app, "2")
        claude = app._active_pane()
        claude.select_key(next(e.key for e in claude.entries if e.shown.account == "opencode"))
        await pilot.pause()
        body = str(claude.detail.query_one(".detail-body").render())
        assert body.index("Fable only") < body.index("5h") < body.index("Weekly")
        assert body.count("the limit that binds now") == 1
        assert body.index("the limit that binds now") < body.index("5h")
