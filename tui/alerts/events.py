"""One alert, as hooks receive it (CONTRACT.md "Alert hooks"), and how other features send one.

The automatic switcher (and anything else that decides something worth telling) builds an
`AlertEvent` and hands it to the run's alert sink:

    from tui.alerts.events import AlertEvent, alert_sink_of

    sink = alert_sink_of(answers)          # None when alerts are not running
    if sink is not None:
        sink.emit(AlertEvent.switched("codex", from_account="a", to_account="b", at=now))

`emit` never raises and never blocks on a hook; it obeys --no-alerts and --demo like any alert.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from providers.kit.text import clean_text
from tui.once import iso_utc

QUOTA_LOW = "quota_low"
QUOTA_DEPLETED = "quota_depleted"
QUOTA_RESTORED = "quota_restored"
PACE_WARNING = "pace_warning"
ACCOUNT_PROBLEM = "account_problem"
ACCOUNT_SWITCHED = "account_switched"
EVENTS = (
    QUOTA_LOW,
    QUOTA_DEPLETED,
    QUOTA_RESTORED,
    PACE_WARNING,
    ACCOUNT_PROBLEM,
    ACCOUNT_SWITCHED,
)


@dataclass(frozen=True)
class AlertEvent:
    """What happened, to which window of which account. Never holds a secret: only names the
    user sees on screen, numbers, times and a status word."""

    event: str  # one of EVENTS
    provider: str
    account: str
    at: datetime  # when it was seen (the fetch time)
    window: str | None = None  # the window id, for quota and pace events
    remaining_percent: float | None = None
    threshold: float | None = None  # the crossed threshold; 0 for quota_depleted
    resets_at: datetime | None = None
    status: str | None = None  # the account's status word ("ok", "auth_expired", …)
    from_account: str | None = None  # account_switched only: the previous active account
    # For people only (notices, notifications), not in the hook contract:
    window_label: str | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        # Names come from files and servers: already cleaned where snapshots are built, and
        # cleaned again here because an event may be built by any feature from any string.
        for name in ("provider", "account", "window", "status", "from_account", "window_label"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, clean_text(str(value)))
        if self.message is not None:
            object.__setattr__(self, "message", clean_text(self.message, 300))

    @classmethod
    def switched(
        cls,
        provider: str,
        *,
        from_account: str | None,
        to_account: str,
        at: datetime,
        status: str = "ok",
        message: str | None = None,
        remaining_percent: float | None = None,
        resets_at: datetime | None = None,
    ) -> AlertEvent:
        """An automatic switch: `account` is the new active account (CONTRACT.md), with what
        it has left (its headroom) and its weekly reset when known."""
        return cls(
            ACCOUNT_SWITCHED,
            provider,
            to_account,
            at,
            remaining_percent=remaining_percent,
            resets_at=resets_at,
            status=status,
            from_account=from_account,
            message=message,
        )

    def payload(self) -> dict[str, Any]:
        """The JSON object a hook reads on stdin."""
        document: dict[str, Any] = {
            "event": self.event,
            "provider": self.provider,
            "account": self.account,
            "window": self.window,
            "remaining_percent": self._remaining(),
            "threshold": plain_number(self.threshold),
            "resets_at": iso_utc(self.resets_at),
            "status": self.status,
            "at": iso_utc(self.at),
        }
        if self.event == ACCOUNT_SWITCHED:
            document["from_account"] = self.from_account
        return document

    def _remaining(self) -> int | float | None:
        """What is left at one decimal, never contradicting the event: a quota_low of 19.96
        under 20 is 19.9, not 20 (a hook's `[ "$LEFT" -lt "$THRESHOLD" ]` must hold), and a
        share above 0 is never 0, which only quota_depleted says."""
        value = self.remaining_percent
        shown = plain_number(value)
        if value is None or shown is None:
            return shown
        threshold = self.threshold
        if self.event == QUOTA_LOW and threshold is not None and value < threshold <= shown:
            shown = plain_number(math.floor(value * 10) / 10)
        if value > 0 and shown == 0:
            shown = 0.1
        return shown

    def payload_json(self) -> bytes:
        return json.dumps(self.payload(), allow_nan=False).encode() + b"\n"

    def environment(self) -> dict[str, str]:
        """The AIQUOTA_* variables a hook gets: the payload's values, "" where none applies."""
        return {f"AIQUOTA_{key.upper()}": _env_text(value) for key, value in self.payload().items()}


def plain_number(value: float | None) -> int | float | None:
    """At most one decimal place, and a whole number without one: 18.25 → 18.2, 20.0 → 20."""
    if value is None or isinstance(value, bool) or not math.isfinite(value):
        return None
    rounded = round(float(value), 1) + 0.0  # + 0.0: no -0.0
    return int(rounded) if rounded.is_integer() else rounded


def _env_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


@runtime_checkable
class EventSink(Protocol):
    """The part of the alert sink other features use."""

    def emit(self, event: AlertEvent) -> None: ...


def alert_sink_of(answers: Any) -> EventSink | None:
    """The alert sink among an Answers' sinks (tui.answers), or None when there is none
    (no alerts this run, or the sink could not start)."""
    sinks: Iterable[Any] = getattr(answers, "sinks", ()) or ()
    for sink in sinks:
        if getattr(sink, "is_alert_sink", False) and isinstance(sink, EventSink):
            return sink
    return None
