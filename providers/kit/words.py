"""Counted nouns for messages and labels: "1 account", "3 accounts", "12.5 requests".

Here rather than in tui/ because provider messages count things too, and providers/
never imports the front end.
"""

from __future__ import annotations


def count_text(count: float) -> str:
    """A count as people write it: 3821, 12.5 (no trailing zeros, no float noise)."""
    if count == int(count):
        return f"{int(count)}"
    return f"{count:.2f}".rstrip("0").rstrip(".")


def plural(count: float, singular: str) -> str:
    """The count with its noun, singular for exactly one: plural(1, "account") → "1 account";
    0 and fractions take the plural ("0 accounts", "1.5 requests")."""
    noun = singular if count == 1 else f"{singular}s"
    return f"{count_text(count)} {noun}"
