"""Alerts in the app: a notice (never markup), the bell and terminal notification through the
app's own writer, and the thresholds ticked on the detail view's bars."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import platformdirs
import pytest
from support.app import make_app, open_tab, real_app, settle, wait_for
from support.clock import FakeClock
from support.credentials import codex_token, usage_answer, write_codex_auth

from providers.discover import build_sources
from providers.model import Window
from providers.registry import select
from tui.alerts.settings import AlertSettings, Rules
from tui.app import QuotaApp
from tui.config import Config
from tui.widgets.cells import THRESHOLD_TICK, bar, threshold_marks
from tui.widgets.detail import window_lines

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def notices(app: QuotaApp) -> list[str]:
    return [n.message for n in app._notifications]


async def test_a_low_window_is_a_notice_and_a_ring_through_the_apps_writer(
    tmp_path: Path, home: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    monkeypatch.setattr(QuotaApp, "_terminal_from_thread", lambda self, text: written.append(text))
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-live"), "acc-live")
    write_codex_auth(work / "account/w[b]x.auth.json", codex_token("acc-live"), "acc-live")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(60, 10)))
    app = real_app(tmp_path, "codex", transport)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await wait_for(pilot, lambda: any("quota low" in n for n in notices(app)))
        (notice,) = [n for n in notices(app) if "quota low" in n]
        assert notice.startswith("Codex quota low: w[b]x · ")  # shown as written, not markup
        await wait_for(pilot, lambda: written)
        assert written[0].startswith("\a") and "\x1b]777;notify;Codex quota low;" in written[0]
    # The state was kept: a new app on the same answers says nothing again.
    again = real_app(tmp_path, "codex", transport)
    async with again.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, again)
        await pilot.pause(0.2)
        assert not any("quota low" in n for n in notices(again))


async def test_the_demo_greets_you_with_no_alert(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        await pilot.pause(0.2)
        assert not any(word in n for n in notices(app) for word in ("quota low", "used up"))


def test_threshold_ticks_sit_where_the_fill_ends_as_the_alert_fires() -> None:
    assert threshold_marks((50, 20), 10) == {5: THRESHOLD_TICK, 2: THRESHOLD_TICK}
    assert threshold_marks((100, 0.1), 10) == {1: THRESHOLD_TICK}  # 100 % is no tick; ends stay in
    assert threshold_marks((50,), 3) == {}  # too short to tell a tick from the fill
    # 30 % left of ten cells: three filled; the 20 % tick on the third, the 50 % one on the sixth.
    assert bar(30, 10, marks=threshold_marks((50, 20), 10)).plain == "██│░░│░░░░"
    assert bar(30, 10).plain == "███░░░░░░░"


def test_the_detail_views_bars_carry_the_ticks() -> None:
    window = Window("five_hour", "5h", used_percent=70, window_seconds=18000)
    with_ticks = window_lines(window, NOW, 60, False, thresholds=(50, 20))[1].plain
    without = window_lines(window, NOW, 60, False)[1].plain
    assert with_ticks.count(THRESHOLD_TICK) == 2 and THRESHOLD_TICK not in without
    assert len(with_ticks) == len(without)


async def test_the_detail_view_ticks_its_providers_thresholds(tmp_path: Path) -> None:
    config = Config(alerts=AlertSettings(rules=Rules(remaining=(50,)), providers={}))
    app, _, _ = make_app(tmp_path, config=config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await open_tab(pilot, app, "2")
        detail = app.query_one("#detail-codex .detail-body").render()
        bars = [line for line in str(detail).splitlines() if "█" in line or "░" in line]
        assert bars and all(line.count(THRESHOLD_TICK) == 1 for line in bars)


async def test_no_alerts_in_the_app_says_nothing_and_keeps_the_state(
    tmp_path: Path, home: Path, work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[str] = []
    monkeypatch.setattr(QuotaApp, "_terminal_from_thread", lambda self, text: written.append(text))
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-live"), "acc-live")
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=usage_answer(60, 10)))
    sources = replace(
        build_sources(select(["codex"]), Config(), use_demo=False), transport=transport
    )
    app = QuotaApp(sources, clock=FakeClock(), state_path=tmp_path / "s.toml", deliver_alerts=False)
    state = Path(platformdirs.user_state_dir("aiquota-tui")) / "alerts.toml"
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot, app)
        # The batch handed over and done with (saved, then delivered, or not).
        await wait_for(pilot, lambda: state.is_file() and not app._handing)
        await pilot.pause()
        assert not any("quota low" in n for n in notices(app)) and written == []
    assert "five_hour" in state.read_text()
