"""A text widget that repaints only the cells that changed.

A ticking countdown changes a few characters of a line once a second. Repainting the
whole line (or the whole detail panel) would send hundreds of bytes a second per
countdown over SSH; repainting only the changed cells sends a few dozen.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget


def changed_regions(old: Content, new: Content, width: int) -> list[Region] | None:
    """The cells that differ between two renderings, or None when only a full repaint will do.

    Only plain-text changes at the same positions with identical styling qualify: a
    change of style, of line count, wide characters or wrapped lines all repaint fully.
    """
    if old.spans != new.spans:
        return None
    old_lines = old.plain.split("\n")
    new_lines = new.plain.split("\n")
    if len(old_lines) != len(new_lines):
        return None
    regions = []
    for y, (before, after) in enumerate(zip(old_lines, new_lines, strict=True)):
        if before == after:
            continue
        if cell_len(before) != len(before) or cell_len(after) != len(after):
            return None  # wide characters: character index is not cell position
        if max(len(before), len(after)) > width:
            return None  # the line wraps, so line index is not screen row
        start = 0
        while start < min(len(before), len(after)) and before[start] == after[start]:
            start += 1
        end_before, end_after = len(before), len(after)
        while (
            end_before > start
            and end_after > start
            and before[end_before - 1] == after[end_after - 1]
        ):
            end_before -= 1
            end_after -= 1
        regions.append(Region(start, y, max(end_before, end_after) - start, 1))
    return regions


class DiffText(Widget):
    DEFAULT_CSS = """
    DiffText {
        height: auto;
        width: 100%;
    }
    """

    def __init__(self, content: Content | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self._content = content or Content("")

    @property
    def content(self) -> Content:
        return self._content

    def render(self) -> Content:
        return self._content

    def show(self, content: Content) -> bool:
        """Display content; returns whether anything changed."""
        old = self._content
        if content.plain == old.plain and content.spans == old.spans:
            return False
        self._content = content
        if not self.is_mounted:
            return True
        regions = changed_regions(old, content, self.content_region.width)
        if regions is None:
            # Height may follow (wrapping, line count): a rare full redraw lays out again,
            # unless the height is fixed (a one-line header): a layout of the whole screen
            # for every change of the overview's sort line kept key presses waiting.
            height = self.styles.height
            self.refresh(layout=height is None or not height.is_cells)
        elif regions:
            self.refresh(*regions)
        return True
