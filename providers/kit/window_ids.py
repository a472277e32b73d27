"""Window ids by length and unique within an account (PROVIDERS.md §0, revised 2026).

One place decides what a window is called, so a 60-minute window is never `weekly` in one
provider and `five_hour` in another, and no account ever shows two windows with one id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import timedelta

from providers.model import Window

MINUTE = 60
HOUR = 3600
DAY = 86400

# (id, label, shortest, longest) in seconds, both ends included.
_STANDARD: tuple[tuple[str, str, float, float], ...] = (
    ("hourly", "1h", 50 * MINUTE, 70 * MINUTE),
    ("five_hour", "5h", 4.5 * HOUR, 5.5 * HOUR),
    ("daily", "Daily", 20 * HOUR, 28 * HOUR),
    ("weekly", "Weekly", 6 * DAY, 8 * DAY),
    ("monthly", "Monthly", 27 * DAY, 32 * DAY),
)


def _half_up(value: float) -> int:
    return int(value + 0.5)


def length_id(seconds: float) -> tuple[str, str]:
    """The id and label of a window `seconds` long: a standard name, else the length itself.

    Under 90 min `<m>m`, under 48 h `<n>h`, else `<n>d`, rounded half up (§0)."""
    for window_id, label, shortest, longest in _STANDARD:
        if shortest <= seconds <= longest:
            return window_id, label
    if seconds < 90 * MINUTE:
        text = f"{max(1, _half_up(seconds / MINUTE))}m"
    elif seconds < 48 * HOUR:
        text = f"{_half_up(seconds / HOUR)}h"
    else:
        text = f"{_half_up(seconds / DAY)}d"
    return text, text


def short_label(window_id: str, label: str) -> str:
    """The length part of a label for a namespaced window ("Weekly" → "weekly" stays words)."""
    return {"five_hour": "5h", "daily": "1d", "weekly": "7d", "monthly": "30d"}.get(
        window_id, label
    )


def slug(text: str) -> str:
    """A name as an id part: lower case, every run of other characters one `-` (§0)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "limit"


def namespaced(name: str, seconds: float) -> tuple[str, str]:
    """`<slug>:<length id>` and "<name> <length label>" for a named limit of a known length."""
    window_id, label = length_id(seconds)
    return f"{slug(name)}:{window_id}", f"{name} {short_label(window_id, label)}"


Same = Callable[[Window, Window], bool]
# How many earlier windows of one id and figures a window is checked against for a repeat.
_COMPARED = 16


def same_limit(first: Window, second: Window) -> bool:
    """§0's default test that two windows with one id are one limit told twice."""
    if first.window_seconds != second.window_seconds:
        return False
    if first.used_percent != second.used_percent:
        return False
    if first.resets_at is None or second.resets_at is None:
        return first.resets_at is second.resets_at
    return abs(first.resets_at - second.resets_at) <= timedelta(seconds=60)


def unique_windows(windows: Iterable[Window], same: Same = same_limit) -> tuple[Window, ...]:
    """Windows with unique ids, in their order: a repeat of the same limit is dropped, a
    distinct window under a taken id becomes `<id>_2`, `<id>_3`, … labelled " (2)", " (3)".

    A repeat is looked for among every earlier window of its id, not only the first: the
    second of two distinct limits told twice is dropped, not numbered `_3`. `same` must only
    hold for windows of equal `window_seconds` and `used_percent` (§0's test, or a stricter
    one), so each window is compared only with the earlier ones that agree on both (the last
    _COMPARED of them: a real account has a handful, and a hostile answer of thousands of one
    id must not cost their square)."""
    kept: list[Window] = []
    # id as sent → (window_seconds, used_percent) → the windows already shown for that id
    earlier: dict[str, dict[tuple[int | None, float | None], list[Window]]] = {}
    taken: set[str] = set()
    counts: dict[str, int] = {}
    for window in windows:
        told = earlier.get(window.id)
        figures = (window.window_seconds, window.used_percent)
        if told is not None and any(
            same(other, window) for other in told.get(figures, [])[-_COMPARED:]
        ):
            continue
        if told is None:
            told = earlier[window.id] = {}
        told.setdefault(figures, []).append(window)
        if window.id not in taken:
            taken.add(window.id)
            kept.append(window)
            continue
        number = counts.get(window.id, 1)
        while True:
            number += 1
            candidate = f"{window.id}_{number}"
            if candidate not in taken:
                break
        counts[window.id] = number
        taken.add(candidate)
        kept.append(replace(window, id=candidate, label=f"{window.label} ({number})"))
    return tuple(kept)


def binding_first(windows: Iterable[Window]) -> tuple[Window, ...]:
    """At most one binding window, listed first; the others keep their order (§0)."""
    ordered = list(windows)
    bound = next((w for w in ordered if w.binding), None)
    rest = [replace(w, binding=False) if w.binding else w for w in ordered if w is not bound]
    return ((bound,) if bound is not None else ()) + tuple(rest)
