"""The `copilot_internal/user` answer → plan and monthly windows (PROVIDERS.md §3 and its
"Changes in 2026"). Pure: no I/O.

Three things decide each window:
- credit- or request-based: since 2026-06-01 an answer with `token_based_billing` or any
  snapshot's `credits_used` counts AI credits, and its premium snapshot becomes `ai_credits`;
- the direct snapshot (`quota_snapshots[k]`) when it is usable;
- otherwise the older pair `monthly_quotas[k]` (the limit) / `limited_user_quotas[k]` (what is
  left), which Free-tier answers still carry, sometimes beside an unlimited or empty snapshot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from providers.base import ParseError
from providers.copilot import credits
from providers.kit.secrets import scrub
from providers.kit.values import (
    as_bool,
    as_dict,
    as_float,
    as_str,
    finite,
    first_present,
    iso_to_datetime,
)
from providers.kit.window_ids import unique_windows
from providers.kit.words import plural
from providers.model import Quota, Window

PREMIUM = "premium_interactions"
_LABELS = {
    PREMIUM: "Premium",
    credits.WINDOW_ID: credits.LABEL,
    "chat": "Chat",
    "completions": "Completions",
}
# AI credits take premium's place: an answer has one or the other, never both.
_ORDER = {PREMIUM: 0, credits.WINDOW_ID: 0, "chat": 1, "completions": 2}
_WINDOW_ID = re.compile(r"[a-z][a-z0-9_]{0,63}")
REQUESTS = "requests"


def _usable_id(key: str) -> bool:
    """Unknown windows are kept, but only under a name that looks like one (never a token)."""
    if key in _LABELS:
        return True
    return bool(_WINDOW_ID.fullmatch(key)) and scrub(key) == key


def _label_for(window_id: str) -> str:
    return _LABELS.get(window_id) or window_id.replace("_", " ").strip().capitalize()


def _percent(value: float) -> float:
    """Rounded past any meaning, so 69.69999999999999 reads 69.7."""
    return round(value, 4)


@dataclass(frozen=True)
class _Direct:
    """One `quota_snapshots` entry, read."""

    unlimited: bool
    entitlement: float | None
    remaining: float | None
    percent_remaining: float | None
    credits_used: float | None

    @property
    def placeholder(self) -> bool:
        """0/0: an org-managed seat (or a token-billed one) with no quota of its own here."""
        return self.entitlement == 0 and not self.remaining

    @property
    def nonsense(self) -> bool:
        """A negative entitlement that is not the -1 of "unlimited"."""
        return self.entitlement is not None and self.entitlement < 0 and not self.unlimited

    @property
    def usable(self) -> bool:
        """§3 (2026): not unlimited, not 0/0, and a percentage or both counts to go on."""
        if self.unlimited or self.placeholder or self.nonsense:
            return False
        if self.percent_remaining is not None:
            return True
        return bool(self.entitlement and self.entitlement > 0 and self.remaining is not None)

    @property
    def counts_credits(self) -> bool:
        """An allowance and the credits spent, without `remaining` or a share: for AI credits
        that is enough (used = credits_used, limit = entitlement, used / limit × 100)."""
        if self.unlimited or self.placeholder or self.nonsense:
            return False
        return bool(self.entitlement and self.entitlement > 0 and self.credits_used is not None)


def _read_direct(value: Any) -> _Direct | None:
    entry = as_dict(value)
    if entry is None:
        return None
    entitlement = as_float(entry.get("entitlement"))
    return _Direct(
        unlimited=as_bool(entry.get("unlimited")) is True or entitlement == -1,
        entitlement=entitlement,
        remaining=as_float(first_present(entry, "remaining", "quota_remaining")),
        percent_remaining=as_float(entry.get("percent_remaining")),
        credits_used=as_float(entry.get("credits_used")),
    )


@dataclass(frozen=True)
class _Pair:
    """`monthly_quotas[k]` and `limited_user_quotas[k]`: the month's allowance and what is left."""

    limit: float | None
    remaining: float | None

    @property
    def usable(self) -> bool:
        return self.limit is not None and self.limit > 0 and self.remaining is not None


def _spent(limit: float, remaining: float) -> float | None:
    """What was used of an allowance, from what is left: never below 0 (a server that counts
    more left than the allowance, after a mid-month upgrade, has used nothing yet)."""
    used = finite(limit - remaining)
    return None if used is None else max(0.0, used)


def _counts(
    limit: float | None, remaining: float | None, percent_remaining: float | None
) -> tuple[float | None, float | None, float | None] | None:
    """(used_percent, used, limit) from an allowance, what is left and/or a share left; None
    when no percentage can be had (10 left of 5e-324)."""
    used = _spent(limit, remaining) if limit and remaining is not None else None
    if percent_remaining is not None:
        share = finite(100.0 - percent_remaining)  # not capped: overage shows above 100
    elif limit and used is not None:
        share = finite(used / limit * 100.0)
    else:
        share = None
    if share is None:
        return None
    return _percent(share), used, limit if limit else None


def _request_window(
    window_id: str, direct: _Direct | None, pair: _Pair | None, resets_at: datetime | None
) -> Window | None:
    """A window counted in requests (or whatever the quota counts: chat, completions)."""
    counts = None
    if direct is not None and direct.usable:
        counts = _counts(direct.entitlement, direct.remaining, direct.percent_remaining)
    elif pair is not None and pair.usable:
        counts = _counts(pair.limit, pair.remaining, None)
    if counts is None:
        unlimited = (direct is not None and direct.unlimited) or (
            direct is None and pair is not None and pair.limit == -1  # older "unlimited"
        )
        if unlimited:
            return Window(
                id=window_id, label=_label_for(window_id), resets_at=resets_at, unlimited=True
            )
        return None
    used_percent, used, limit = counts
    return Window(
        id=window_id,
        label=_label_for(window_id),
        used_percent=used_percent,
        resets_at=resets_at,
        window_seconds=None,
        used=used,
        limit=limit,
        # a snapshot GitHub itself calls ai_credits counts credits, like ours of that name
        unit=credits.UNIT if window_id == credits.WINDOW_ID else REQUESTS,
    )


def _credit_window(
    direct: _Direct | None, pair: _Pair | None, resets_at: datetime | None
) -> Window | None:
    """The premium snapshot of a credit-based answer as `ai_credits` (§3, Changes in 2026)."""
    base = Window(
        id=credits.WINDOW_ID,
        label=credits.LABEL,
        resets_at=resets_at,
        window_seconds=None,
        unit=credits.UNIT,
    )
    if direct is not None and (direct.usable or direct.counts_credits):
        limit = direct.entitlement if direct.entitlement and direct.entitlement > 0 else None
        used = direct.credits_used
        if used is None and limit is not None and direct.remaining is not None:
            used = _spent(limit, direct.remaining)
        if direct.percent_remaining is not None:
            share = finite(100.0 - direct.percent_remaining)
        elif limit and used is not None:
            share = finite(used / limit * 100.0)
        else:
            share = None
        if share is not None:
            return replace(base, used_percent=_percent(share), used=used, limit=limit)
    if pair is not None and pair.usable:
        counts = _counts(pair.limit, pair.remaining, None)
        if counts is not None:
            used_percent, used, limit = counts
            return replace(base, used_percent=used_percent, used=used, limit=limit)
    if direct is None or direct.nonsense:
        return None
    if direct.unlimited:
        return replace(base, unlimited=True, used=direct.credits_used)
    if direct.credits_used is not None:
        # A 0/0 placeholder (a pooled Business seat) that still says what was spent: the count
        # alone, no bar, never 0 % or 100 %.
        return replace(base, used=direct.credits_used)
    return None


def _plan(document: dict[str, Any]) -> str | None:
    plan = as_str(document.get("copilot_plan"))
    sku = as_str(document.get("access_type_sku"))
    # Free and paid individuals both say "individual"; only the SKU tells the free plan apart.
    if sku and "free" in sku.lower() and (plan is None or plan == "individual"):
        return "free"
    return plan or sku


def _has_expected_fields(document: dict[str, Any]) -> bool:
    objects = ("quota_snapshots", "limited_user_quotas", "monthly_quotas")
    texts = ("copilot_plan", "access_type_sku", "quota_reset_date", "quota_reset_date_utc")
    return (
        any(as_dict(document.get(key)) is not None for key in objects)
        or any(as_str(document.get(key)) is not None for key in texts)
        or as_bool(document.get("token_based_billing")) is not None
    )


def _credit_based(document: dict[str, Any], snapshots: dict[str, Any]) -> bool:
    if as_bool(document.get("token_based_billing")) is True:
        return True
    return any(
        as_float((as_dict(value) or {}).get("credits_used")) is not None
        for value in snapshots.values()
    )


def _details(
    document: dict[str, Any],
    snapshots: dict[str, Any],
    windows: tuple[Window, ...],
    credit_based: bool,
) -> tuple[tuple[str, str], ...]:
    details: list[tuple[str, str]] = []
    login = as_str(document.get("login"))
    if login:
        details.append(("GitHub login", login))
    spent = next((w for w in windows if w.id == credits.WINDOW_ID), None)
    if spent is not None and spent.used is not None:
        if spent.limit:
            details.append(("AI credits used", credits.used_of_text(spent.used, spent.limit)))
            if spent.used > spent.limit:
                over = spent.used - spent.limit
                details.append(("AI credits over the allowance", credits.credits_text(over)))
        else:
            details.append(("AI credits used", credits.credits_text(spent.used)))
            if not spent.unlimited:
                details.append(
                    ("Allowance", "not in GitHub's answer (a seat may share its organization's)")
                )
    if not credit_based:
        premium = as_dict(snapshots.get(PREMIUM)) or {}
        overage = as_float(premium.get("overage_count"))
        if overage:
            details.append(("Premium requests over the allowance", plural(overage, "request")))
    return tuple(details)


def parse_user(data: Any, now: datetime) -> Quota:
    """The copilot_internal/user answer → plan and monthly windows. Pure: no I/O."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the Copilot answer is not a JSON object")
    if not _has_expected_fields(document):
        raise ParseError(
            "the Copilot answer has none of the expected fields (quota_snapshots, copilot_plan)"
        )
    # 2026: one reset for every window, the dated fields first, the older Free-plan one last.
    resets_at = (
        iso_to_datetime(document.get("quota_reset_date_utc"))
        or iso_to_datetime(document.get("quota_reset_date"))
        or iso_to_datetime(document.get("limited_user_reset_date"))
    )
    snapshots = as_dict(document.get("quota_snapshots")) or {}
    monthly = as_dict(document.get("monthly_quotas")) or {}
    left = as_dict(document.get("limited_user_quotas")) or {}
    credit_based = _credit_based(document, snapshots)

    found: list[Window] = []
    for key in dict.fromkeys([*snapshots, *(k for k in monthly if k in left)]):
        if not _usable_id(key):
            continue
        direct = _read_direct(snapshots[key]) if key in snapshots else None
        pair = (
            _Pair(as_float(monthly.get(key)), as_float(left.get(key)))
            if key in monthly and key in left
            else None
        )
        if credit_based and key == PREMIUM:
            window = _credit_window(direct, pair, resets_at)
        else:
            window = _request_window(key, direct, pair, resets_at)
        if window is not None:
            found.append(window)

    ordered = sorted(enumerate(found), key=lambda item: (_ORDER.get(item[1].id, 99), item[0]))
    # An unknown `ai_credits` snapshot beside a credit-based premium one must not share its id.
    windows = unique_windows(window for _, window in ordered)
    return Quota(
        plan=_plan(document),
        windows=windows,
        details=_details(document, snapshots, windows, credit_based),
    )
