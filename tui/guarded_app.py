"""The App base QuotaApp builds on: what it writes outside its widgets is cleaned.

Two doors bypass the snapshot cleaning: notices (built from config warnings, theme file
names, switch results) and the report printed when the app crashes. Textual's crash report
is a rich traceback with `show_locals=True` (App._fatal_error in Textual 8), which would
print a frame's local variables, tokens included; ours never does.
"""

from __future__ import annotations

import sys

from rich.text import Text
from textual.app import App
from textual.notifications import SeverityLevel

from providers.kit.secrets import scrub
from providers.kit.text import LONG_TEXT_LIMIT, clean_text
from tui.crash import crash_report


class GuardedApp(App[int]):
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notices are plain text unless a caller asks otherwise: they carry names, paths and
        messages from servers and files, whose brackets must neither vanish nor crash the app."""
        super().notify(
            clean_text(scrub(message), LONG_TEXT_LIMIT),
            title=clean_text(scrub(title)),
            severity=severity,
            timeout=timeout,
            markup=markup,
        )

    def _fatal_error(self) -> None:
        """Textual's own, but with a report without locals (Textual has no public hook)."""
        error = sys.exc_info()[1] or self._exception
        self.bell()
        if error is not None:
            self._exit_renderables.append(Text(crash_report(error)))
        self._close_messages_no_wait()
