"""What the 1 Hz clock may skip: a countdown that shows no seconds is not worked out again
until its text can change, and nothing skipped ever leaves a countdown behind the clock."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from support.app import make_app, settle, wait_for
from textual.visual import Visual

from providers.base import Account
from providers.model import AccountSnapshot, Status, Window
from providers.registry import BY_ID, PROVIDERS
from tui.format import exhausted_windows, until, until_steady
from tui.store.store import Entry
from tui.widgets.overview import OverviewRow, status_steady_until, status_text

CODEX = BY_ID["codex"]

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@given(
    left=st.floats(min_value=-10, max_value=40 * 86400, allow_nan=False),
    step=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_a_countdown_reads_the_same_until_its_steady_moment_and_changes_after(
    left: float, step: float
) -> None:
    moment = NOW + timedelta(seconds=left)
    steady = until_steady(moment, NOW)
    text = until(moment, NOW)
    if steady is None:
        assert text == "resetting…"
        assert until(moment, NOW + timedelta(days=3)) == text
        return
    assert steady > NOW
    # Anywhere before the steady moment the text is the same, and at it, it is not: the moment
    # is the next change, not a later one.
    micros = (steady - NOW) // timedelta(microseconds=1)
    assert until(moment, NOW + timedelta(microseconds=int(micros * step))) == text
    assert until(moment, steady - timedelta(microseconds=1)) == text
    assert until(moment, steady) != text


def test_steady_moments_by_how_far_off_the_reset_is() -> None:
    tick = timedelta(microseconds=1)  # just past the whole second, minute or hour left
    # Under an hour the seconds show: the next second.
    in_40m = NOW + timedelta(minutes=40, seconds=56.5)
    assert until_steady(in_40m, NOW) == NOW + timedelta(seconds=0.5) + tick
    # Hours and minutes: the next whole minute left.
    in_2h = NOW + timedelta(hours=2, minutes=13, seconds=20)
    assert until_steady(in_2h, NOW) == NOW + timedelta(seconds=20) + tick
    # Days and hours: the next whole hour left.
    in_29d = NOW + timedelta(days=29, hours=22, minutes=5)
    assert until_steady(in_29d, NOW) == NOW + timedelta(minutes=5) + tick
    # The last second: 'resetting…' at the moment itself.
    assert until_steady(NOW + timedelta(seconds=0.5), NOW) == NOW + timedelta(seconds=0.5)
    assert until_steady(NOW - timedelta(seconds=1), NOW) is None


# ----------------------------------------------------------------- the status column


def _window(window_id: str, left: float, reset: datetime | None) -> Window:
    return Window(id=window_id, label=window_id, used_percent=100 - left, resets_at=reset)


def _entry(status: Status, *windows: Window, since: datetime | None = None, stale=False):
    shot = AccountSnapshot(
        provider="codex",
        account="a",
        source="test",
        active=False,
        status=status,
        message=None if status is Status.OK else "broken",
        windows=windows,
    )
    good = shot if status is Status.OK else replace(shot, status=Status.OK, message=None)
    account = Account(provider="codex", label="a", source="a")
    entry = Entry(CODEX, account, shot, last_good=good if status is Status.OK or stale else None)
    entry.loading = False
    entry.problem_since = since
    return entry


def _entries(offset: float) -> list[Entry]:
    """Every kind of status whose text the time can change, and some it cannot."""
    soon = NOW + timedelta(seconds=offset)
    return [
        _entry(Status.OK, _window("five_hour", 0, soon), _window("weekly", 40, None)),
        _entry(Status.OK, _window("five_hour", 0, None), _window("weekly", 40, None)),
        _entry(Status.OK, _window("five_hour", 60, soon)),
        _entry(Status.UNREACHABLE, since=NOW - timedelta(seconds=offset)),
        _entry(Status.RATE_LIMITED, since=NOW - timedelta(seconds=offset), stale=True),
        _entry(Status.AUTH_EXPIRED, since=NOW - timedelta(seconds=offset)),
    ]


@given(
    offset=st.floats(min_value=0.5, max_value=3 * 86400, allow_nan=False),
    step=st.floats(min_value=0, max_value=1, exclude_max=True),
    width=st.sampled_from([None, 30, 17, 12]),
)
def test_a_status_reads_the_same_until_its_steady_moment(offset, step, width) -> None:
    for entry in _entries(offset):
        exhausted = exhausted_windows(entry.snapshot, entry.provider)
        text = status_text(entry, NOW, width, exhausted)
        steady = status_steady_until(entry, NOW, exhausted)
        later = NOW + timedelta(days=5)
        if steady is None:
            assert status_text(entry, later, width, exhausted) == text, entry
            continue
        assert steady > NOW
        micros = (steady - NOW) // timedelta(microseconds=1)
        between = NOW + timedelta(microseconds=int(micros * step))
        assert status_text(entry, between, width, exhausted) == text, entry
        assert status_text(entry, steady - timedelta(microseconds=1), width, exhausted) == text
        if width is None:  # its longest form shows every change
            assert status_text(entry, steady, width, exhausted) != text, entry


def count_row_redraws(monkeypatch) -> list[str]:
    """From now on, the account of every overview row redrawn, in order."""
    redrawn: list[str] = []
    original = OverviewRow.redraw

    def counted(self, now, columns) -> None:
        redrawn.append(self.entry.shown.account)
        original(self, now, columns)

    monkeypatch.setattr(OverviewRow, "redraw", counted)
    return redrawn


async def test_an_idle_second_redraws_only_the_rows_whose_text_the_time_changed(
    tmp_path: Path, monkeypatch
) -> None:
    app, clock, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        clock.advance(5.5)  # between whole seconds, away from a minute boundary
        app._tick()
        await pilot.pause()
        redrawn = count_row_redraws(monkeypatch)
        app._tick()  # the same moment: nothing to redraw
        assert redrawn == []
        clock.advance(1)
        app._tick()  # "side" resets within the hour: its seconds tick; the others show minutes
        assert redrawn == ["side"]


async def test_a_cell_is_drawn_as_textual_draws_it(tmp_path: Path) -> None:
    """RowColumn.cell_strip's short way gives the strips Textual's Visual.to_strips gives,
    styles, colours and offsets alike, for every cell of every demo row, selected or not, in
    a dark, a light and an ANSI theme."""
    app, _, _ = make_app(tmp_path, providers=[provider.id for provider in PROVIDERS])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        pane = app.overview
        widths = pane._widths()
        compared = 0
        for theme in ("aiquota-dark", "textual-light", "ansi-dark"):
            app.theme = theme
            await pilot.pause()
            for view in (pane.lines_view, pane.resets_view):
                for row in pane.rows:
                    for selected in (False, True):
                        for cell, width in zip(row.padded(widths, selected), widths, strict=True):
                            textual = Visual.to_strips(
                                view, cell, width, 1, view.visual_style, pad=True
                            )[0]
                            assert list(view.cell_strip(cell, width)) == list(textual)
                            compared += 1
        assert compared == 3 * 2 * len(pane.rows) * 2 * 3


async def test_an_answer_redraws_its_own_row_and_no_other(tmp_path: Path, monkeypatch) -> None:
    app, clock, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        redrawn = count_row_redraws(monkeypatch)
        # work's five-hour window drops to 10 % left: no width and no order changes with it.
        entry = next(e for e in app.store if e.shown.account == "work")
        first, *others = entry.snapshot.windows
        answer = replace(entry.snapshot, windows=(replace(first, used_percent=90.0), *others))
        app.store.begin(entry, clock())
        app.store.finish(entry, answer, clock())
        app._entry_changed(entry)
        await wait_for(pilot, lambda: not app.redraw_pending)
        await pilot.pause()
        assert set(redrawn) == {"work"}
        lines = [strip.text for strip in app.screen._compositor.render_strips()]
        assert any("work" in line and " 10%" in line for line in lines)
