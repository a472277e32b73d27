"""Copilot's AI credits: the window they are shown in and their dollar value (PROVIDERS.md §3,
Changes in 2026). Since 2026-06-01 Copilot usage is billed in AI credits, 1 credit = $0.01.

Shared by the internal endpoint's parser and the public AI-credit report's, so both name the
window and word the money the same way.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from providers.kit.words import count_text, plural

WINDOW_ID = "ai_credits"
LABEL = "AI credits"
UNIT = "credits"


def dollars(credits: float) -> str:
    """The dollar value of a number of credits, rounded half up to the cent: 842.5 → "$8.43".

    A credit is a cent, so the credits are the cents. Decimal, because 842.5 / 100 as a float
    is 8.4249… and would print as $8.42."""
    try:
        cents = Decimal(repr(credits)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):  # callers pass finite numbers; never crash anyway
        return "$?"
    sign = "-" if cents < 0 else ""
    whole, cent = divmod(abs(int(cents)), 100)
    return f"{sign}${whole:,}.{cent:02d}"


def credits_text(credits: float) -> str:
    """ "842.5 credits ($8.43)": the count and what it costs, for the detail view."""
    return f"{plural(credits, 'credit')} ({dollars(credits)})"


def used_of_text(used: float, limit: float) -> str:
    """ "319.75 of 1500 credits ($3.20 of $15.00)"."""
    return f"{count_text(used)} of {plural(limit, 'credit')} ({dollars(used)} of {dollars(limit)})"
