"""The overview as it is drawn on screen at the sizes people use: half a tmux window (60×20),
the classic 80×24, and larger. What is read is the rendered screen, not the rows' model."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.app import make_app, settle
from textual.color import Color

from providers.registry import PROVIDERS
from tui.widgets.overview import OverviewPane

SIZES = [(60, 20), (80, 24), (120, 40), (200, 50)]
ALL = [provider.id for provider in PROVIDERS]

# Every demo account and the status word its row must show (the demo's answers are fixed).
PROBLEMS = {
    ("codex", "old"): "expired",
    ("claude", "team"): "rate-limited",
    ("copilot", "opencode"): "expired",
    ("copilot", "octocat"): "exhausted",  # premium requests at 0 % left
    ("zai", "glm-revoked"): "expired",
    ("antigravity", "antigravity-demo@example.com"): "exhausted",  # Gemini Pro family at 0 %
    ("antigravity", "linus@example.com"): "forbidden",
    ("gemini", "alan@example.com"): "forbidden",  # Gemini CLI no longer serves it (2026)
    ("nanogpt", "nano-revoked"): "expired",
    ("newapi", "old-laptop-key"): "expired",
    ("deepseek", "ds-drained"): "error",
}
ROW_CHARACTERS = "█░"


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def rendered_rows(pilot, app) -> list[tuple[tuple[str, str], str, str]]:
    """(provider id, account) → the row's whole line and its status cells, as drawn, scrolling
    the list a page at a time so rows below the fold are read too."""
    pane = app.query_one(OverviewPane)
    status_x, status_right = pane.status_span()
    rows_region = pane.scroll.region
    seen: dict[int, tuple[str, str]] = {}
    assert rows_region.height > 0
    for top in range(0, len(pane.rows), rows_region.height):
        pane.scroll.scroll_to(y=top, animate=False)
        await pilot.pause()
        lines = screen_lines(app)
        offset = int(pane.scroll.scroll_y)
        for y in range(rows_region.y, rows_region.bottom):
            index = offset + y - rows_region.y
            if index < len(pane.rows):
                line = lines[y]
                seen[index] = (line, line[status_x:status_right])
    return [
        ((row.entry.provider.id, row.entry.shown.account), *seen[index])
        for index, row in enumerate(pane.rows)
    ]


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
async def test_every_row_shows_its_status_at_every_size(tmp_path: Path, size) -> None:
    app, _, _ = make_app(tmp_path, providers=ALL)
    async with app.run_test(size=size) as pilot:
        await settle(pilot, app)
        rows = await rendered_rows(pilot, app)
        # 2026 shapes added five: a Codex pool, Z.ai credits, Nano-GPT tokens, Gemini retired,
        # Antigravity 2.x
        assert len(rows) == 35
        for key, line, status in rows:
            word = PROBLEMS.get(key, "ok")
            assert status.split()[:1] == [word], (size, key, line)
            assert len(line.rstrip()) <= size[0]


def _table(rows) -> list[str]:
    return [line for _, line, _ in rows]


async def test_a_narrow_pane_gives_up_bars_then_plan_then_name_length(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=ALL)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        lines = _table(await rendered_rows(pilot, app))
        header = screen_lines(app)[app.query_one("#overview-header").region.y]
        # no bars and no plan, but every percentage left, and names cut with an ellipsis
        assert not any(c in line for line in lines for c in ROW_CHARACTERS)
        assert "PLAN" not in header and "STATUS" in header
        spark = next(line for line in lines if "spark" in line)
        assert "97%" in spark and "79%" in spark
        assert any("antig…" in line for line in lines)
        # the active marker survives a cut name
        assert any("… ●" in line for line in lines)

    app, _, _ = make_app(tmp_path, providers=ALL)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        lines = _table(await rendered_rows(pilot, app))
        header = screen_lines(app)[app.query_one("#overview-header").region.y]
        # names of up to 20 cells come before the plan, which has no room here
        assert "PLAN" not in header
        assert any("grace@example.com ●" in line for line in lines)
        assert not any(c in line for line in lines for c in ROW_CHARACTERS)

    app, _, _ = make_app(tmp_path, providers=["codex", "claude", "copilot", "zhipu", "zai"])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        lines = _table(await rendered_rows(pilot, app))
        header = screen_lines(app)[app.query_one("#overview-header").region.y]
        # with shorter names the plan comes back, still before the bars
        assert "PLAN" in header
        assert any("octocat (billing) pro+" in " ".join(line.split()) for line in lines)
        assert not any(c in line for line in lines for c in ROW_CHARACTERS)


async def test_wider_terminals_give_names_and_plans_their_full_width(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=ALL)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot, app)
        lines = _table(await rendered_rows(pilot, app))
        text = "\n".join(lines)
        for whole in (
            "Antigravity ",
            "antigravity-demo@example.com",
            "individual_pro",
            "standard-tier",
        ):
            assert whole in text
        names_and_plans = len(" Antigravity  antigravity-demo@example.com  individual_pro ")
        assert not any("…" in line[:names_and_plans] for line in lines)
        assert "█" * 20 in text  # and the bars still grow
        assert "exhausted · resets" in text

    app, _, _ = make_app(tmp_path, providers=ALL)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        text = "\n".join(_table(await rendered_rows(pilot, app)))
        assert "individua" in text  # the plan, if cut
        assert "█" in text  # bars, if short ones


async def test_exhausted_is_drawn_in_the_themes_error_colour_bold(tmp_path: Path) -> None:
    app, _, _ = make_app(tmp_path, providers=["copilot"])
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        strips = app.screen._compositor.render_strips()
        [segment] = [s for strip in strips for s in strip if s.text.startswith("exhausted")]

        # (Textual blends text a shade towards the background: compare within a few steps)
        def near(colour, name: str) -> bool:
            wanted = Color.parse(app.theme_variables[name]).rgb
            return all(abs(a - b) <= 3 for a, b in zip(colour.triplet, wanted, strict=True))

        assert segment.style.bold and near(segment.style.color, "error")
        assert not near(segment.style.color, "quota-exhausted")
        [ok, *_] = [s for strip in strips for s in strip if s.text.startswith("ok")]
        assert near(ok.style.color, "success")


def test_a_cut_label_keeps_what_tells_two_windows_apart() -> None:
    """At 80x24 the Claude rows read 'Week…' (Weekly · Opus: which week?) and 'Fabl…'."""
    from providers.model import Window
    from tui.widgets.cells import fit, short_label

    opus = Window("weekly_opus", "Weekly · Opus", 68.0)
    fable = Window("weekly:Fable", "Fable only", 69.0)
    assert short_label(opus, 7) == "wk Opus"
    assert short_label(opus, 13) == "Weekly · Opus"
    assert short_label(opus, 4) == "Opus"  # not 'wk…'
    assert short_label(fable, 7) == "Fable"
    assert short_label(Window("weekly", "Weekly", 1.0), 4) == "wk"  # the standard ones stay
    # A cut never leaves a space before its …
    assert fit("Fable only", 7) == "Fable… "
    assert fit("ab cd", 4) == "ab… "


def test_a_narrow_overviews_header_uses_short_names_not_cut_ones() -> None:
    from tui.widgets.overview import Columns, header

    # The columns of the demo's every-provider overview at 60x20.
    narrow = header(Columns(provider=5, account=6, plan=0, label=4, bar=0, reset=7)).plain
    assert "…" not in narrow and narrow.startswith("PROV ") and " ACCT " in narrow
    assert " ACCOUNT " in header(Columns.for_width(120)).plain
