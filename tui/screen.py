"""The app's main screen: Textual's, with a compositor that renders only the lines it sends.

For a partial update Textual's compositor renders every widget whose container overlaps the
changed cells over the widget's whole visible height, then keeps only the changed lines:
on the overview a ticking countdown rendered the screen, the tabs, the tab pane, the
overview and its columns, about 300 lines, to send one. BandCompositor asks each of those
widgets only for the lines the update touches (Widget.render_lines takes any crop), and
not at all a widget whose part of those lines near the change is behind widgets in front of
it (a container behind its children) or beside the change (the other columns): the cells
sent are the same, as `render_partial_update` only ever writes the pieces of those lines
that meet the changed cells, each from the frontmost widget there.

Written against Textual 8's Compositor._get_renders (textual/_compositor.py), which the
snapshot tests' pinned Textual keeps fixed. A full update (crop None or the whole screen)
is Textual's own.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip


class BandCompositor(Compositor):
    # The lines a partial update writes (its changed cells' lines), while it renders.
    _update_lines: list[int] | None = None

    def render_partial_update(self):
        height = self.size.height
        lines = {y for region in self._dirty_regions for y in region.line_range}
        self._update_lines = sorted(y for y in lines if 0 <= y < height)
        try:
            return super().render_partial_update()
        finally:
            self._update_lines = None

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        update_lines = self._update_lines
        if crop is None or update_lines is None:  # a full update: Textual's own
            yield from super()._get_renders(crop)
            return
        crop_overlaps = crop.overlaps
        top, bottom = crop.y, crop.bottom
        crop_left, crop_right = crop.x, crop.right
        cuts = self.cuts
        # Per line written, the chops already painted by a widget in front. The update
        # writes, on each of its lines, the pieces between two cuts ("chops") that meet its
        # cells, and _render_chops fills each chop with the frontmost widget's strip: a
        # widget none of whose chops there is still free (a container behind its children,
        # a column beside the change) would be rendered for nothing.
        taken: dict[int, set[int]] = {}
        for widget, (region, clip) in self.visible_widgets.items():
            if not crop_overlaps(clip):
                continue
            # The clip cut to the crop's lines: _render_chops pairs the strips with the lines
            # of region ∩ clip, so it places these as it placed the whole widget's.
            band_top = max(clip.y, top)
            clip = Region(clip.x, band_top, clip.width, min(clip.bottom, bottom) - band_top)
            x, y, width, height = region.intersection(clip)
            if not (width and height):
                continue
            right = x + width
            # Its chops that may be written: from the one holding the crop's (or its own)
            # left edge, while they start inside it and at or before the crop's right edge
            # (ChopsUpdate writes a chop starting at a change's right edge too, as a cursor
            # move with nothing after it).
            first = max(x, crop_left)
            last = min(right - 1, crop_right)
            needed = False
            for line in update_lines[bisect_left(update_lines, y) :]:
                if line >= y + height:
                    break
                line_cuts = cuts[line]
                line_taken = taken.setdefault(line, set())
                index = bisect_right(line_cuts, first) - 1
                while index < len(line_cuts) and (cut := line_cuts[index]) <= last:
                    if cut not in line_taken:
                        line_taken.add(cut)
                        needed = True
                    index += 1
            if needed:
                yield (
                    region,
                    clip,
                    widget.render_lines(Region(x - region.x, y - region.y, width, height)),
                )


class QuotaScreen(Screen):
    """The screen the dashboard lives on (App.get_default_screen)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._compositor = BandCompositor()
