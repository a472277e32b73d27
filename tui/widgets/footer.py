"""The app's footer: its keys first, as many as the width allows.

Textual's footer crops whatever does not fit at the right. The command palette's hint takes
11 cells: at 80 columns it pushed the provider tab's last key ("[ Prev") off the screen, so
it shows from 90 columns. Under 80, the keys one reaches for least (theme, refresh all, find)
leave the footer, so Quit and the account keys stay in sight. Every key still works, and `?`
lists them all.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# The provider tab's keys take 75 cells; with the hint and a little air, this many fit.
PALETTE_HINT_WIDTH = 90
NARROW_WIDTH = 80
HIDDEN_WHEN_NARROW = frozenset({"pick_theme", "refresh_all", "pick_account"})


class QuotaFooter(Footer):
    narrow = False

    def on_resize(self, event: events.Resize) -> None:
        palette = event.size.width >= PALETTE_HINT_WIDTH
        narrow = event.size.width < NARROW_WIDTH
        if (palette, narrow) != (self.show_command_palette, self.narrow):
            self.show_command_palette, self.narrow = palette, narrow
            self.refresh(recompose=True)  # Textual's footer reads both only when it composes

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            hidden = isinstance(widget, FooterKey) and widget.action in HIDDEN_WHEN_NARROW
            if not (self.narrow and hidden):
                yield widget
