"""The one rule for printing a percentage, shared by --once, the app and its notices.

Whole numbers read fastest, so a share is rounded to a whole (halves up). But 0 % and 100 % are
the two values a reader acts on — "nothing left", "untouched" — so a share that only rounds to
one of them keeps one decimal: 99.6 % left is "99.6%", 0.4 % left is "0.4%", never "100%" or "0%".
"""

from __future__ import annotations

import math

from providers.kit.values import finite

_EDGES = (0, 100)
_TENTH = 0.1


def percent_text(value: float | None, *, missing: str = "–") -> str:
    """'85%', '99.6%', '0.4%', '254%'; `missing` for an unknown (or non-finite) share."""
    value = finite(value)
    if value is None:
        return missing
    whole = math.floor(value + 0.5)
    if whole not in _EDGES or value == whole:
        return f"{whole}%"
    tenth = math.floor(value * 10 + 0.5) / 10
    if tenth in _EDGES:
        # One decimal can still land on the edge (99.96, 0.04): stop a tenth short of it.
        tenth = whole + math.copysign(_TENTH, value - whole)
    return f"{tenth:.1f}%"
