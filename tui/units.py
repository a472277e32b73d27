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


def unit_suffix(label: str, unit: str | None, count: float | None = None) -> str:
    """' USD' to put after an amount, or '' when there is no unit or the label names it.

    With the count it follows, a counted noun takes its singular for exactly one ("1 request",
    not "1 requests"); codes such as USD or NANO are left as they are."""
    if not unit or names_unit(label, unit):
        return ""
    if count == 1 and re.fullmatch(r"[a-z]+[^s]s", unit):
        unit = unit[:-1]
    return f" {unit}"
