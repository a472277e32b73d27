"""The one-shot outputs: the plain table and the schema-1 JSON document (CONTRACT.md)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from providers.model import AccountSnapshot, Balance, Window
from providers.text import BIDI_CONTROLS
from providers.values import finite
from tui.format import number

SCHEMA_VERSION = 1


def iso_utc(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    # isoformat, not strftime: glibc's %Y does not pad years before 1000 to four digits.
    plain = moment.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return f"{plain.isoformat()}Z"


def _finite(value: float | None) -> float | None:
    """Strict JSON has no NaN or Infinity, and -0.0 means nothing here: both become honest values."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = finite(value)
    if value == 0:
        return type(value)(0)  # -0.0 → 0.0; ints stay ints
    return value


def _clean(value: float | None, digits: int = 6) -> float | None:
    """Numbers without float noise (34.3508, not 34.35080000000001).

    Percentages keep 6 decimals; amounts and counts keep 10, enough for tiny crypto balances.
    """
    value = _finite(value)
    if value is None or isinstance(value, int):
        return value
    return round(value, digits) + 0.0  # + 0.0: round(-0.0000001) is -0.0


def _as_float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _used_percent(window: Window) -> float | None:
    return None if window.unlimited else _as_float(_clean(window.used_percent))


def _remaining_percent(window: Window) -> float | None:
    # A non-finite used share has no meaningful remainder: both are unknown.
    if _used_percent(window) is None:
        return None
    return _as_float(_clean(window.remaining_percent))


def _window_json(window: Window) -> dict[str, Any]:
    return {
        "id": window.id,
        "label": window.label,
        "used_percent": _used_percent(window),
        "remaining_percent": _remaining_percent(window),
        "resets_at": iso_utc(window.resets_at),
        "window_seconds": _finite(window.window_seconds),
        "used": _clean(window.used, 10),
        "limit": _clean(window.limit, 10),
        "unit": window.unit,
        "unlimited": window.unlimited,
    }


def _balance_json(balance: Balance) -> dict[str, Any]:
    return {
        "id": balance.id,
        "label": balance.label,
        "amount": _clean(balance.amount, 10),
        "limit": _clean(balance.limit, 10),
        "unit": balance.unit,
        "unlimited": balance.unlimited,
    }


def snapshot_json(snapshot: AccountSnapshot) -> dict[str, Any]:
    return {
        "provider": snapshot.provider,
        "account": snapshot.account,
        "active": snapshot.active,
        "source": snapshot.source,
        "plan": snapshot.plan,
        "status": snapshot.status.value,
        "message": None if snapshot.ok else (snapshot.message or snapshot.status.value),
        "fetched_at": iso_utc(snapshot.fetched_at),
        "windows": [_window_json(window) for window in snapshot.windows],
        "balances": [_balance_json(balance) for balance in snapshot.balances],
    }


def json_document(
    snapshots: Sequence[AccountSnapshot], generated_at: datetime, *, ascii_only: bool = False
) -> str:
    """The schema-1 document. `ascii_only` escapes non-ASCII text (\\u00b7) for a stdout that
    cannot encode it (LANG=C without UTF-8 mode, PYTHONIOENCODING=ascii): still the same JSON."""
    document = {
        "schema": SCHEMA_VERSION,
        "generated_at": iso_utc(generated_at),
        "accounts": [snapshot_json(snapshot) for snapshot in snapshots],
    }
    # allow_nan=False: every number was made finite above; strict JSON must never hold NaN.
    text = json.dumps(document, indent=2, ensure_ascii=ascii_only, allow_nan=False)
    # ensure_ascii=False lets DEL, C1 controls (U+009B is a CSI), U+2028/2029 (line breaks
    # to JavaScript) and bidi controls through raw. Snapshots are cleaned of them already;
    # escaping them anyway keeps a `cat` of the document harmless whatever reached it.
    return _JSON_ESCAPED.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


_JSON_ESCAPED = re.compile(f"[\x7f-\x9f\u2028\u2029{BIDI_CONTROLS}]")


def _percent(value: float | None) -> str:
    value = _clean(value)  # NaN and infinity would crash int(); -0.0 would print "-0%"
    if value is None:
        return "-"
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def _local(moment: datetime | None) -> str:
    if moment is None:
        return "-"
    try:
        return moment.astimezone().strftime("%a %Y-%m-%d %H:%M")
    except (OverflowError, ValueError, OSError):  # a date at the edge of what datetime holds
        return iso_utc(moment) or "-"


def _status_text(snapshot: AccountSnapshot) -> str:
    if snapshot.ok:
        return "ok"
    return (
        f"{snapshot.status.value}: {snapshot.message}"
        if snapshot.message
        else snapshot.status.value
    )


_TABLE_WINDOWS = {"five_hour", "weekly"}
_OTHER_SHOWN = 2


def _window_summary(window: Window) -> str:
    """'Premium 40% left', 'Premium 254% over', 'Chat unlimited'."""
    if window.unlimited:
        return f"{window.label} unlimited"
    used = _clean(window.used_percent)
    if used is not None and used > 100:
        return f"{window.label} {_percent(used - 100)} over"
    return f"{window.label} {_percent(_remaining_percent(window))} left"


def _balance_summary(balance: Balance) -> str:
    """'Credits 14.5 credits', 'Balance (CNY) 110 CNY'."""
    if balance.unlimited:
        return f"{balance.label} unlimited"
    amount_value = _clean(balance.amount, 10)  # tui.format.number crashes on NaN / infinity
    if amount_value is None:
        return f"{balance.label} ?"
    amount = number(amount_value)
    return f"{balance.label} {amount}{f' {balance.unit}' if balance.unit else ''}"


def _others(snapshot: AccountSnapshot) -> str:
    """The windows beyond five-hour and weekly (monthly, per-model, …), then balances, briefly."""
    items = [_window_summary(w) for w in snapshot.windows if w.id not in _TABLE_WINDOWS]
    items += [_balance_summary(b) for b in snapshot.balances]
    text = ", ".join(items[:_OTHER_SHOWN])
    if len(items) > _OTHER_SHOWN:
        text += f", +{len(items) - _OTHER_SHOWN} more"
    return text or "-"


def table(snapshots: Sequence[AccountSnapshot]) -> str:
    """Account, five-hour % left, weekly % left, weekly reset (local time), other windows, status."""
    headers = (
        "PROVIDER",
        "ACCOUNT",
        "PLAN",
        "5H LEFT",
        "WEEK LEFT",
        "WEEK RESETS",
        "OTHER",
        "STATUS",
    )
    rows = []
    for snapshot in snapshots:
        five_hour = snapshot.window("five_hour")
        weekly = snapshot.window("weekly")
        rows.append(
            (
                snapshot.provider,
                f"{snapshot.account}{' *' if snapshot.active else ''}",
                snapshot.plan or "-",
                _percent(_remaining_percent(five_hour) if five_hour else None),
                _percent(_remaining_percent(weekly) if weekly else None),
                _local(weekly.resets_at if weekly else None),
                _others(snapshot),
                _status_text(snapshot),
            )
        )
    widths = [max(len(header), *(len(row[i]) for row in rows)) for i, header in enumerate(headers)]
    right_aligned = {3, 4}

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(widths[i]) if i in right_aligned else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), *(line(row) for row in rows)]
    if any(snapshot.active for snapshot in snapshots):
        out.append("* the account a CLI is signed in to now")
    return "\n".join(out)
