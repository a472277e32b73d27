"""Which saved account has the most headroom (issue 16's rules, one place for both users).

Headroom is the lower of an account's five-hour and weekly % left (the one it has, when it has
one). An account is a candidate when its answer is ok and every one of those windows has at
least `target_min` % left; the most headroom wins, ties going to the earliest weekly reset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from providers.model import AccountSnapshot

# The windows that say whether an account can take work now (every provider's ids, §0).
HEADROOM_WINDOWS = ("five_hour", "weekly")


def lefts(snapshot: AccountSnapshot) -> list[float]:
    found = []
    for window_id in HEADROOM_WINDOWS:
        window = snapshot.window(window_id)
        if window is not None and window.remaining_percent is not None:
            found.append(window.remaining_percent)
    return found


def headroom(snapshot: AccountSnapshot) -> float | None:
    known = lefts(snapshot)
    return min(known) if known else None


def _weekly_reset(snapshot: AccountSnapshot) -> float:
    window = snapshot.window("weekly")
    if window is None or window.resets_at is None:
        return float("inf")
    return window.resets_at.timestamp()


@dataclass(frozen=True)
class Judged:
    snapshot: AccountSnapshot
    room: float | None
    reason: str | None  # why it is no candidate; None when it is one


def judge(snapshot: AccountSnapshot, target_min: float) -> Judged:
    if not snapshot.ok:
        return Judged(snapshot, None, f"not readable ({snapshot.status.value})")
    known = lefts(snapshot)
    if not known:
        return Judged(snapshot, None, "no five-hour or weekly window")
    room = min(known)
    if room < target_min:
        return Judged(snapshot, room, f"{room:.0f}% left, under {target_min:g}%")
    return Judged(snapshot, room, None)


def best(snapshots: Sequence[AccountSnapshot], target_min: float) -> AccountSnapshot | None:
    """The candidate with the most headroom, or None when none qualifies."""
    candidates = [j for j in (judge(s, target_min) for s in snapshots) if j.reason is None]
    if not candidates:
        return None
    chosen = min(candidates, key=lambda j: (-(j.room or 0.0), _weekly_reset(j.snapshot)))
    return chosen.snapshot
