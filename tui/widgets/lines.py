"""A column of one-line rows drawn a line at a time: only the rows on screen are ever rendered.

A DiffText holds its whole text, so with a thousand accounts every redraw built and compared
a thousand lines per column. Here the widget is as tall as the rows, sits in a scrolling
container, and Textual asks it only for the lines it shows (render_line); the owner says which
lines changed, down to the cells that changed, so a ticking countdown repaints a few cells.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.content import Content
from textual.geometry import Region
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from tui.widgets.difftext import changed_regions


class LineColumn(Widget):
    DEFAULT_CSS = """
    LineColumn {
        height: auto;
        width: 100%;
    }
    """

    def __init__(self, line: Callable[[int], Content], **kwargs) -> None:
        super().__init__(**kwargs)
        self._line = line  # row index -> the row's text in this column, drawn on demand
        self._count = 0

    def set_count(self, count: int) -> None:
        """How many rows there are: the widget's height, so the container can scroll."""
        if count != self._count:
            self._count = count
            self.styles.height = count
        self.refresh()

    def get_content_height(self, container, viewport, width: int) -> int:
        return self._count

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if not 0 <= y < self._count:
            return Strip.blank(width, self.visual_style.rich_style)
        strips = Visual.to_strips(self, self._line(y), width, 1, self.visual_style, pad=True)
        return strips[0] if strips else Strip.blank(width, self.visual_style.rich_style)

    def line_changed(self, y: int, old: Content, new: Content) -> None:
        """Row y now reads `new`: repaint the cells that differ from `old`."""
        if not self.is_mounted:
            return
        width = self.size.width
        regions = changed_regions(old, new, width)
        if regions == []:
            return  # refresh() with no region would repaint everything
        if regions is None:
            self.refresh(Region(0, y, width, 1))
        else:
            self.refresh(*(region.translate((0, y)) for region in regions))
