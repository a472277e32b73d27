"""Model windows folded into families (Claude, Gemini Pro, …), and the accounts' order. Pure."""

from __future__ import annotations

import re
from typing import Any

from providers.model import AccountSnapshot, Window

# --------------------------------------------------------------------------- grouped view

GROUPS = ("Claude", "Gemini Pro", "Gemini Flash", "Other")
_PRO = re.compile(r"(?<![a-z0-9])pro(?![a-z0-9])")


def group_of(window: Window) -> str:
    text = f"{window.id} {window.label}".lower()
    if "claude" in text:
        return "Claude"
    if "gemini" in text and "flash" in text:
        return "Gemini Flash"
    if "gemini" in text and _PRO.search(text):
        return "Gemini Pro"
    return "Other"


def group_windows(windows: tuple[Window, ...] | list[Window]) -> list[tuple[str, Window]]:
    """Model windows folded into Claude / Gemini Pro / Gemini Flash / Other. Pure.

    Each group is one synthetic window: the least remaining (highest used) of its members
    and their earliest reset. Groups without members are left out; the order is GROUPS.
    """
    members: dict[str, list[Window]] = {name: [] for name in GROUPS}
    for window in windows:
        members[group_of(window)].append(window)
    result = []
    for name in GROUPS:
        group = members[name]
        if not group:
            continue
        used = [w.used_percent for w in group if w.used_percent is not None]
        resets = [w.resets_at for w in group if w.resets_at is not None]
        slug = name.lower().replace(" ", "_")
        result.append(
            (
                name,
                Window(
                    id=f"group:{slug}",
                    label=name,
                    used_percent=max(used) if used else None,
                    resets_at=min(resets) if resets else None,
                ),
            )
        )
    return result


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most left on the account's least-remaining model first, then name."""
    left = [w.remaining_percent for w in snapshot.windows if w.remaining_percent is not None]
    least = min(left) if left else None
    return (least is None, -(least or 0.0), snapshot.account.lower())
