"""When to print a unit after an amount: once, not twice ("Credits 12.50", not "Credits 12.50 credits")."""

from __future__ import annotations

import re


def names_unit(label: str, unit: str | None) -> bool:
    """True when the label already says the unit as a word of its own: 'Balance (CNY)' names CNY,
    'Credits' names credits, but 'Monthly' does not name M."""
    if not unit:
        return False
    word = rf"(?<!\w){re.escape(unit.strip())}(?!\w)"
    return re.search(word, label, re.IGNORECASE) is not None


def unit_suffix(label: str, unit: str | None) -> str:
    """' USD' to put after an amount, or '' when there is no unit or the label names it."""
    if not unit or names_unit(label, unit):
        return ""
    return f" {unit}"
