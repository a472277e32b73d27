"""The app's footer: its keys first; the command palette's hint only where there is room.

Textual's footer crops whatever does not fit at the right, and the palette's hint takes 11
cells: at 80 columns it pushed the provider tab's last key ("[ Prev") off the screen. The
palette still opens with its key, and `?` lists it.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

# The provider tab's keys take 75 cells; with the hint and a little air, this many fit.
PALETTE_HINT_WIDTH = 90


class QuotaFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        wanted = event.size.width >= PALETTE_HINT_WIDTH
        if self.show_command_palette != wanted:
            self.show_command_palette = wanted
            self.refresh(recompose=True)  # Textual's footer reads it only when it composes
