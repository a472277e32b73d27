"""The pace on screen: the bars' marker, the detail's words and the overview's sign and warning,
for a Codex account whose answer the test writes (so every number is known), at a fixed clock."""

from __future__ import annotations

from pathlib import Path

import httpx
from support.app import make_app, open_tab, settle
from test_overview_layout import rendered_rows

from tui.widgets.cells import MARKER, THRESHOLD_TICK
from tui.widgets.detail import ProviderPane

HOUR, DAY = 3600, 86400
BAR = "█░" + MARKER + THRESHOLD_TICK  # the alert thresholds tick the bars too


def codex_answer(five: tuple[float, float], week: tuple[float, float], now: float) -> dict:
    """A /wham/usage answer: (used %, seconds to reset) for the 5h and the weekly window."""

    def window(used: float, length: int, resets_in: float) -> dict:
        return {
            "used_percent": used,
            "limit_window_seconds": length,
            "reset_after_seconds": int(resets_in),
            "reset_at": int(now + resets_in),
        }

    return {
        "plan_type": "plus",
        "rate_limit": {
            "primary_window": window(five[0], 5 * HOUR, five[1]),
            "secondary_window": window(week[0], 7 * DAY, week[1]),
        },
        "credits": {"has_credits": False, "unlimited": False, "balance": "0"},
    }


def app_where_work_answers(tmp_path: Path, five, week):
    """The demo, with the `work` account answering `five` and `week` instead of its own."""
    app, clock, transport = make_app(tmp_path)
    assert transport is not None

    def override(request: httpx.Request) -> httpx.Response | None:
        if request.headers.get("ChatGPT-Account-Id") != "acc-demo-work":
            return None
        return httpx.Response(200, json=codex_answer(five, week, clock().timestamp()))

    transport.override = override
    return app, clock


# Half of each window gone. 5h: 10 % used where 50 % was due, a 40-point reserve. Week: 60 %
# used where 50 % was due, a 10-point deficit; at 60 % per 3.5 days the last 40 % lasts
# 40 / (60 / 302400 s) = 201600 s = 2d 8h, before the reset in 3d 12h.
HALF_FIVE_RESERVE = (10, 2.5 * HOUR)
HALF_WEEK_DEFICIT = (60, 3.5 * DAY)


def detail_lines(pane: ProviderPane) -> list[str]:
    return str(pane.detail.query_one(".detail-body").render()).split("\n")


async def show_work(pilot, app) -> ProviderPane:
    await open_tab(pilot, app, "2")
    pane = app.query_one("#pane-codex", ProviderPane)
    pane.select_key(next(e.key for e in pane.entries if e.shown.account == "work"))
    await pilot.pause()
    return pane


def bar_of(lines: list[str], title: str) -> str:
    """The bar drawn under the window titled `title`: its run of bar characters."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title + " "))
    bar_line = lines[start + 1]
    return bar_line[: len(bar_line) - len(bar_line.lstrip(BAR))]


async def test_the_detail_says_the_pace_in_words_and_counts_down_with_the_clock(
    tmp_path: Path,
) -> None:
    app, clock = app_where_work_answers(tmp_path, HALF_FIVE_RESERVE, HALF_WEEK_DEFICIT)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        pane = await show_work(pilot, app)
        lines = detail_lines(pane)
        assert "40% in reserve · lasts until reset" in lines
        assert "10% in deficit · runs out in 2d 8h (resets in 3d 12h)" in lines
        # Told at the fetch, counted down from it: an hour on, with no new answer.
        clock.advance(HOUR)
        pane.detail.redraw(clock())
        assert "10% in deficit · runs out in 2d 7h (resets in 3d 11h)" in detail_lines(pane)


async def test_the_detail_bars_mark_where_the_clock_says_they_should_end(tmp_path: Path) -> None:
    # 5h: three quarters gone, 10 % used: the bar (what is left) should end at 25 % of its
    # width, and its fill (90 %) reaches far past the marker.
    app, _ = app_where_work_answers(tmp_path, (10, 1.25 * HOUR), HALF_WEEK_DEFICIT)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        pane = await show_work(pilot, app)
        lines = detail_lines(pane)
        five, week = bar_of(lines, "5h"), bar_of(lines, "Weekly")
        assert five.count(MARKER) == 1 and week.count(MARKER) == 1
        assert five.index(MARKER) == int(0.25 * len(five))
        assert week.index(MARKER) == int(0.5 * len(week))
        # Reserve: fill on both sides of the marker. Deficit: the fill stops short of it.
        assert five[five.index(MARKER) + 1] == "█"
        assert week[week.index(MARKER) - 1] == "░"


async def test_the_overview_shows_the_signs_and_warns_of_a_week_that_runs_out(
    tmp_path: Path,
) -> None:
    app, _ = app_where_work_answers(tmp_path, HALF_FIVE_RESERVE, HALF_WEEK_DEFICIT)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        rows = {key: (line, status) for key, line, status in await rendered_rows(pilot, app)}
        line, status = rows[("codex", "work")]
        assert "90%▼" in line and "40%▲" in line
        assert status.strip() == "ok · runs out before reset"  # the width left over allows it
        assert line.count(MARKER) == 2  # each bar has its marker
        # The demo's `old` login answers nothing: no pace, no sign, no warning.
        line, status = rows[("codex", "old")]
        assert not any(sign in line for sign in "▲▼·" + MARKER)
        assert status.strip() == "expired"


async def test_a_narrow_overview_keeps_the_signs_and_a_short_warning(tmp_path: Path) -> None:
    app, _ = app_where_work_answers(tmp_path, HALF_FIVE_RESERVE, HALF_WEEK_DEFICIT)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        rows = {key: (line, status) for key, line, status in await rendered_rows(pilot, app)}
        line, status = rows[("codex", "work")]
        assert MARKER not in line  # no bars this narrow
        assert "90%▼" in line and "40%▲" in line
        assert status.strip() == "ok · runs out"


async def test_a_five_hour_window_running_out_is_signed_but_not_warned_of(tmp_path: Path) -> None:
    # 5h: half gone, 80 % used — runs out in 37m 30s, before its reset in 2h 30m. The week lasts.
    app, _ = app_where_work_answers(tmp_path, (80, 2.5 * HOUR), (20, 3.5 * DAY))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        rows = {key: (line, status) for key, line, status in await rendered_rows(pilot, app)}
        line, status = rows[("codex", "work")]
        assert "20%▲" in line and "80%▼" in line
        assert status.strip() == "ok"
        pane = await show_work(pilot, app)
        assert "30% in deficit · runs out in 37m 30s (resets in 2h 30m)" in detail_lines(pane)


async def test_a_window_too_young_to_tell_shows_no_pace_anywhere(tmp_path: Path) -> None:
    # 5h: 1 % of it gone (under the 3 % a pace needs); the week on track (50 % at half-time).
    app, _ = app_where_work_answers(tmp_path, (1, 0.99 * 5 * HOUR), (50, 3.5 * DAY))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        rows = {key: (line, status) for key, line, status in await rendered_rows(pilot, app)}
        line, _ = rows[("codex", "work")]
        assert "99%  " in line and "50%·" in line
        assert line.count(MARKER) == 1  # only the week's bar
        pane = await show_work(pilot, app)
        lines = detail_lines(pane)
        assert MARKER not in bar_of(lines, "5h") and MARKER in bar_of(lines, "Weekly")
        assert "on track · lasts until reset" in lines
        assert sum("in reserve" in line or "in deficit" in line for line in lines) == 0


async def test_windows_without_a_length_show_no_pace(tmp_path: Path) -> None:
    # Copilot's monthly counts come without a window length: nothing to pace them by.
    app, _, _ = make_app(tmp_path, providers=["copilot"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        for _, line, status in await rendered_rows(pilot, app):
            quota = line.split(status)[0]  # the status may say "exhausted · resets …"
            assert not any(sign in quota for sign in "▲▼·" + MARKER), line
            assert "runs out" not in status
        await open_tab(pilot, app, "2")
        pane = app.query_one("#pane-copilot", ProviderPane)
        for entry in pane.entries:
            pane.select_key(entry.key)
            await pilot.pause()
            text = "\n".join(detail_lines(pane))
            assert MARKER not in text
            assert not any(word in text for word in ("in deficit", "in reserve", "on track"))
