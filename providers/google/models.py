"""Model windows folded into families (Claude, Gemini Pro, …), and the accounts' order. Pure."""

from __future__ import annotations

import re
from typing import Any

from providers.google.summary import group_name
from providers.kit.window_ids import slug
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


def _family_name(group: str) -> str:
    """A summary group's name as its family's, short enough for the overview's cells:
    "Gemini Models" → "Gemini", "Claude and GPT models" → "Claude & GPT"; never one of
    the model families' names, so that no window is counted in two families."""
    short = re.sub(r"\s+models?$", "", group, flags=re.I).strip().replace(" and ", " & ")
    return short if short and short not in GROUPS else group


def _summary_families(windows: tuple[Window, ...] | list[Window]) -> list[tuple[str, Window]]:
    """One family per quota-summary group, in answer order: its most used limit (5-hour or
    weekly), with that limit's own reset, so the share shown and its reset belong together."""
    members: dict[str, list[Window]] = {}
    for window in windows:
        group = group_name(window)
        if group is not None:
            members.setdefault(group, []).append(window)
    result = []
    for group, found in members.items():
        tightest = max(found, key=lambda w: -1.0 if w.used_percent is None else w.used_percent)
        name = _family_name(group)
        family = Window(
            id=f"group:summary:{slug(group)}",
            label=name,
            used_percent=tightest.used_percent,
            resets_at=tightest.resets_at,
        )
        result.append((name, family))
    return result


def group_windows(windows: tuple[Window, ...] | list[Window]) -> list[tuple[str, Window]]:
    """Windows folded into families. Pure.

    The quota summary's groups (Antigravity, Changes in 2026) come first, as the service
    groups them. Model windows fold into Claude / Gemini Pro / Gemini Flash / Other: each
    group is one synthetic window, the least remaining (highest used) of its members and
    their earliest reset. Groups without members are left out; the order is GROUPS.
    """
    members: dict[str, list[Window]] = {name: [] for name in GROUPS}
    for window in windows:
        if group_name(window) is None:
            members[group_of(window)].append(window)
    result = _summary_families(windows)
    for name in GROUPS:
        group = members[name]
        if not group:
            continue
        used = [w.used_percent for w in group if w.used_percent is not None]
        resets = [w.resets_at for w in group if w.resets_at is not None]
        family_slug = name.lower().replace(" ", "_")
        result.append(
            (
                name,
                Window(
                    id=f"group:{family_slug}",
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
