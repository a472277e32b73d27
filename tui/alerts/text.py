"""What an alert says to a person: a title and one line, the same in every channel."""

from __future__ import annotations

import math

from providers.registry import BY_ID
from tui.alerts.events import (
    ACCOUNT_PROBLEM,
    ACCOUNT_SWITCHED,
    PACE_WARNING,
    QUOTA_DEPLETED,
    QUOTA_LOW,
    QUOTA_RESTORED,
    AlertEvent,
    plain_number,
)
from tui.format import countdown
from tui.percent import percent_text

_TITLES = {
    QUOTA_LOW: "quota low",
    QUOTA_DEPLETED: "quota used up",
    QUOTA_RESTORED: "quota back",
    PACE_WARNING: "quota will run out early",
    ACCOUNT_PROBLEM: "account needs attention",
    ACCOUNT_SWITCHED: "account switched",
}
# How a notice in the app looks: a problem or a used-up window stands out.
SEVERITY = {
    QUOTA_LOW: "warning",
    QUOTA_DEPLETED: "error",
    QUOTA_RESTORED: "information",
    PACE_WARNING: "warning",
    ACCOUNT_PROBLEM: "error",
    ACCOUNT_SWITCHED: "information",
}


def provider_name(provider_id: str) -> str:
    provider = BY_ID.get(provider_id)
    return provider.name if provider is not None else provider_id


def title(event: AlertEvent) -> str:
    return f"{provider_name(event.provider)} {_TITLES.get(event.event, event.event)}"


def _reset(event: AlertEvent) -> str:
    if event.resets_at is None:
        return ""
    return f", resets in {countdown((event.resets_at - event.at).total_seconds())}"


def _left_below(remaining: float | None, threshold: float | None) -> str:
    """What is left, never reading as the threshold itself: 19.6 % under 20 is "19.6%"
    (rounded it would say "20% left (below 20%)"), 19.96 % is "19.9%"."""
    shown = percent_text(remaining)
    if remaining is None or threshold is None or remaining >= threshold:
        return shown
    if float(shown.rstrip("%") or "nan") < threshold:
        return shown
    return f"{math.floor(remaining * 10) / 10:g}%"


def body(event: AlertEvent) -> str:
    """'work · 5h: 18% left (below 20%), resets in 2h 13m'."""
    where = event.account
    if event.window is not None:
        where += f" · {event.window_label or event.window}"
    left = percent_text(event.remaining_percent)
    if event.event == QUOTA_LOW:
        left = _left_below(event.remaining_percent, event.threshold)
        below = f"{plain_number(event.threshold)}%"  # as configured: 50.5 is not "51%"
        return f"{where}: {left} left (below {below}){_reset(event)}"
    if event.event == QUOTA_DEPLETED:
        return f"{where}: used up{_reset(event)}"
    if event.event == QUOTA_RESTORED:
        return f"{where}: {left} left again"
    if event.event == PACE_WARNING:
        return f"{where}: at this pace it runs out before it resets ({left} left{_reset(event)})"
    if event.event == ACCOUNT_PROBLEM:
        said = f": {event.message}" if event.message else ""
        return f"{where} is {event.status}{said}"
    if event.event == ACCOUNT_SWITCHED:
        said = f" ({event.message})" if event.message else ""
        return f"now {event.account}, was {event.from_account or 'none'}{said}"
    return where


def notice(event: AlertEvent) -> str:
    return f"{title(event)}: {body(event)}"
