"""The one-character pace sign, alone so that `aiquota-tui status` need not import the model.

tui/pace.py names the stages; a stage ending in "deficit" is faster than the clock.
"""

from __future__ import annotations

ON_TRACK = "on_track"
# One character per pace, for the overview and the status line: up is using faster than the
# clock (a deficit), down is slower (a reserve); the second of each pair is ASCII.
_SIGNS = {"deficit": ("▲", "+"), "reserve": ("▼", "-"), ON_TRACK: ("•", "=")}


def pace_sign(stage: str | None, *, ascii_only: bool = False) -> str:
    """'▲' for any deficit stage, '▼' for any reserve, '•' on track, '' for no pace."""
    if not stage:
        return ""
    family = (
        "deficit"
        if stage.endswith("deficit")
        else "reserve"
        if stage.endswith("reserve")
        else stage
    )
    signs = _SIGNS.get(family)
    return "" if signs is None else signs[1 if ascii_only else 0]
