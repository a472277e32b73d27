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

from collections.abc import Iterable
from itertools import pairwise

from textual._compositor import Compositor
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip


class BandCompositor(Compositor):
    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        crop_overlaps = crop.overlaps
        top, bottom = crop.y, crop.bottom
        crop_left, crop_right = crop.x, crop.right
        cuts = self.cuts
        # Per line, the cuts already painted by a widget in front. The update writes, on each
        # of its lines, the pieces of line between two cuts ("chops") that meet its cells, and
        # _render_chops fills each chop with the frontmost widget's strip: a widget none of
        # whose chops within the crop is still free (a container behind its children, a
        # column beside the change) would be rendered for nothing.
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
            needed = False
            for line in range(y, y + height):
                line_cuts = cuts[line]
                line_taken = taken.setdefault(line, set())
                for cut, end in pairwise(line_cuts):
                    # (ChopsUpdate writes a chop that starts at the right edge of a change
                    # too, as a cursor move with nothing after it: <=, to send the same.)
                    if (
                        x <= cut < right
                        and cut <= crop_right
                        and end > crop_left
                        and cut not in line_taken
                    ):
                        line_taken.add(cut)
                        needed = True
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
