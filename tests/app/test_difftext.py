"""Which cells a change repaints: few for a ticking countdown, all for anything else."""

from __future__ import annotations

from textual.content import Content, Span
from textual.geometry import Region

from tui.widgets.difftext import changed_regions


def test_a_countdown_tick_repaints_only_the_changed_digits() -> None:
    old = Content("work   40m 59s  ok", spans=[Span(0, 4, "bold")])
    new = Content("work   40m 58s  ok", spans=[Span(0, 4, "bold")])
    assert changed_regions(old, new, 80) == [Region(12, 0, 1, 1)]


def test_minute_rollover_covers_every_changed_cell() -> None:
    old = Content("a\nresets in 10m 00s")
    new = Content("a\nresets in 9m 59s ")
    [region] = changed_regions(old, new, 80)
    assert region.y == 1 and region.x == 10 and region.width == 7


def test_a_style_change_needs_a_full_repaint() -> None:
    old = Content("85%", spans=[Span(0, 3, "$quota-plenty")])
    new = Content("85%", spans=[Span(0, 3, "$quota-low")])
    assert changed_regions(old, new, 80) is None


def test_line_count_change_wide_characters_and_wrapping_need_a_full_repaint() -> None:
    assert changed_regions(Content("a"), Content("a\nb"), 80) is None
    assert changed_regions(Content("名前 1"), Content("名前 2"), 80) is None
    assert changed_regions(Content("x" * 50 + "1"), Content("x" * 50 + "2"), 40) is None


def test_identical_content_repaints_nothing() -> None:
    assert changed_regions(Content("same"), Content("same"), 80) == []
