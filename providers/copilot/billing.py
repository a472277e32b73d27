"""The public billing reports a personal PAT reads (PROVIDERS.md §3). Pure: no I/O.

- The AI-credit report (API version 2026-03-10), current since 2026-06-01: credits consumed this
  month, per model, → window `ai_credits`.
- The premium-request report (API version 2022-11-28), its fallback where the AI-credit one is
  not offered: premium requests consumed → window `premium_interactions`.

Both count consumption only; the allowance comes from the PAT file's `tier`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from providers.base import ParseError
from providers.copilot import credits
from providers.kit.values import as_dict, as_float, as_list, as_str, finite
from providers.kit.words import plural
from providers.model import Quota, Window

# Monthly premium requests per plan, for request reports that carry no limit of their own.
TIER_LIMITS = {"free": 50, "pro": 300, "pro+": 1500, "business": 300, "enterprise": 1000}
# Monthly AI credits included per plan (documented, 2026). Free's allowance is not published;
# Business and Enterprise credits are pooled by the organization and read 0 in this report.
CREDIT_TIER_LIMITS = {"pro": 1500, "pro+": 7000, "max": 20000}
_POOLED_TIERS = ("business", "enterprise")
_TIER_ALIASES = {"pro_plus": "pro+", "pro-plus": "pro+", "proplus": "pro+", "pro plus": "pro+"}


def normal_tier(tier: str | None) -> str | None:
    if tier is None:
        return None
    text = tier.strip().lower()
    return _TIER_ALIASES.get(text, text)


def _percent(value: float) -> float:
    return round(value, 4)


def _start_of_next_month(year: int, month: int) -> datetime:
    return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)


def _billing_reset(document: dict[str, Any], now: datetime) -> datetime:
    """The start of next month (UTC), or of the month after the report's, if that is later.

    A report for an earlier month (a stale cache, a canned answer) must not put the reset in
    the past: the allowance resets at the start of the month after now, whatever it covers.
    """
    current = now.astimezone(UTC)
    reset = _start_of_next_month(current.year, current.month)
    period = as_dict(document.get("timePeriod")) or {}
    year = as_float(period.get("year"))
    month = as_float(period.get("month"))
    if year is not None and month is not None and 1 <= month <= 12 and 1 <= year <= 9998:
        reset = max(reset, _start_of_next_month(int(year), int(month)))
    return reset


def _report(data: Any) -> dict[str, Any]:
    document = as_dict(data)
    if document is None:
        raise ParseError("the billing answer is not a JSON object")
    if not isinstance(document.get("usageItems"), list):
        raise ParseError("the billing answer has no usageItems list")
    return document


class _Sums:
    """Gross and net quantities over a report's counted items, per model, overflow-safe."""

    def __init__(self) -> None:
        self.used = 0.0
        self.billed = 0.0
        self.per_model: dict[str, float] = {}

    def add(self, entry: dict[str, Any]) -> bool:
        quantity = as_float(entry.get("grossQuantity"))
        model = as_str(entry.get("model")) or "other"
        if quantity is None or None in (
            finite(self.used + quantity),
            finite(self.per_model.get(model, 0.0) + quantity),
        ):
            return False  # a malformed line (or one that would overflow the sums) is dropped alone
        self.used += quantity
        self.per_model[model] = self.per_model.get(model, 0.0) + quantity
        net = as_float(entry.get("netQuantity"))
        if net is not None and net > 0 and finite(self.billed + net) is not None:
            self.billed += net
        return True

    def by_model(self) -> list[tuple[str, float]]:
        return sorted(self.per_model.items(), key=lambda item: (-item[1], item[0]))


# --------------------------------------------------------------------------- AI credits


def _is_credit_item(entry: dict[str, Any]) -> bool:
    """`unitType` "ai-credits"; lacking a unitType, a sku that mentions credits (§3, 2026)."""
    unit = as_str(entry.get("unitType"))
    if unit is not None:
        return unit.lower().replace("_", "-").replace(" ", "-") in {"ai-credits", "ai-credit"}
    return "credit" in (as_str(entry.get("sku")) or "").lower()


def _allowance_note(tier: str | None) -> str:
    if tier in _POOLED_TIERS:
        return "pooled by the organization or enterprise: this report does not show it"
    if tier == "free":
        return "Copilot Free's allowance is not published"
    return f"unknown: set tier to one of {', '.join(CREDIT_TIER_LIMITS)}"


def parse_ai_credits(data: Any, tier: str | None, now: datetime) -> Quota:
    """The public AI-credit usage report → one `ai_credits` window plus per-model credits."""
    document = _report(data)
    sums = _Sums()
    for item in as_list(document.get("usageItems")):
        entry = as_dict(item)
        if entry is not None and _is_credit_item(entry):
            sums.add(entry)
    plan = normal_tier(tier)
    included = CREDIT_TIER_LIMITS.get(plan) if plan else None
    limit = float(included) if included is not None else None
    share = finite(sums.used / limit * 100.0) if limit else None
    window = Window(
        id=credits.WINDOW_ID,
        label=credits.LABEL,
        used_percent=_percent(share) if share is not None else None,  # not capped
        resets_at=_billing_reset(document, now),
        window_seconds=None,
        used=sums.used,
        limit=limit,
        unit=credits.UNIT,
    )
    details = [(model, credits.credits_text(count)) for model, count in sums.by_model()]
    if limit is not None:
        details.append(("AI credits used", credits.used_of_text(sums.used, limit)))
    if sums.billed:
        details.append(("Billed beyond the allowance", credits.credits_text(sums.billed)))
    if limit is None:
        details.append(("Allowance", _allowance_note(plan)))
    return Quota(plan=tier, windows=(window,), details=tuple(details))


# --------------------------------------------------------------------------- premium requests


def parse_billing(data: Any, tier: str | None, now: datetime) -> Quota:
    """The public premium-request usage report → one Premium window plus per-model counts."""
    document = _report(data)
    sums = _Sums()
    limit: float | None = None
    for item in as_list(document.get("usageItems")):
        entry = as_dict(item)
        if entry is None or "premium" not in (as_str(entry.get("sku")) or "").lower():
            continue
        if not sums.add(entry):
            continue
        item_limit = as_float(entry.get("limit"))
        if limit is None and item_limit is not None and item_limit > 0:
            limit = item_limit
    plan = normal_tier(tier)
    if limit is None and plan in TIER_LIMITS:
        limit = float(TIER_LIMITS[plan])
    share = finite(sums.used / limit * 100.0) if limit else None  # 120 of 5e-324: no share
    window = Window(
        id="premium_interactions",
        label="Premium",
        used_percent=_percent(share) if share is not None else None,
        resets_at=_billing_reset(document, now),
        window_seconds=None,
        used=sums.used,
        limit=limit,
        unit="requests",
    )
    details = [(model, plural(count, "request")) for model, count in sums.by_model()]
    if sums.billed:
        details.append(("Billed beyond the allowance", plural(sums.billed, "request")))
    if limit is None:
        known = ", ".join(TIER_LIMITS)
        details.append(("Allowance", f"unknown: set tier to one of {known}"))
    return Quota(plan=tier, windows=(window,), details=tuple(details))
