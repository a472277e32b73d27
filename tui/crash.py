"""What an unexpected exception prints: scrubbed, without control characters, never locals.

A frame's local variables may hold a token (a parser's `token`, a request's headers), so no
crash report shows them; Python's own traceback format never does. The exception's message
and the source lines can still quote a secret or a server's words, so the whole report
passes through the scrubber and each line through `clean_text`.
"""

from __future__ import annotations

import traceback

from providers.kit.secrets import scrub
from providers.kit.text import clean_text

LINE_LIMIT = 1000


def crash_report(error: BaseException) -> str:
    """One line saying what happened, then the traceback (no locals), fit for stderr."""
    lines = [
        f"aiquota-tui: internal error ({type(error).__name__}); please report it with the "
        "traceback below",
        *"".join(traceback.format_exception(error)).splitlines(),
    ]
    return "\n".join(clean_text(line, LINE_LIMIT) for line in scrub("\n".join(lines)).split("\n"))
