"""Nano-GPT: subscription usage windows and account balances per API key (PROVIDERS.md §6).

Keys come from the config file (key / key_env / key_cmd), $NANOGPT_API_KEY and OpenCode's
auth.json (`nano-gpt` → `key`); each distinct key is one account.

Two requests go out together:
- `GET /api/subscription/v1/usage` (Bearer and x-api-key) → windows `daily` and `monthly`,
  `percentUsed` being a 0-1 fraction; `active: false` means no subscription: no windows,
  status ok, a detail saying so.
- `POST /api/check-balance` (x-api-key) → Balances `usd` and `nano` (amounts are strings).

How a failure of one call affects the other:
- The usage call decides the account's status. If it fails (401 → auth_expired, 403, 429,
  5xx, unreachable, a bad answer), the account takes that status and message, whatever the
  balance call did: an ok snapshot without windows would read as "no subscription", and
  the app keeps the last good windows and balances beside the failure.
- The balance call failing alone (any status, or an answer without amounts) keeps the
  windows; the details say the balance is unavailable and why. An inactive subscription
  whose balance also failed is still ok: the detail says both.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any, ClassVar

from providers.balances import call_json, key_place
from providers.base import Account, DiscoveryContext, ParseError, Problem
from providers.http import FetchError, HttpSession
from providers.keys import API_KEY_SETTINGS, key_accounts
from providers.model import AccountSnapshot, Balance, Quota, Window
from providers.secrets import quote
from providers.values import DAY, any_to_datetime, as_bool, as_dict, as_float, as_str

USAGE_URL = "https://nano-gpt.com/api/subscription/v1/usage"
BALANCE_URL = "https://nano-gpt.com/api/check-balance"
ENV_NAMES = ("NANOGPT_API_KEY",)
OPENCODE_KEY = "nano-gpt"
NO_SUBSCRIPTION = "no active subscription (balances only)"

# window id → (label, length in seconds; a month's length varies, so none)
_WINDOWS: dict[str, tuple[str, int | None]] = {
    "daily": ("Daily", DAY),
    "monthly": ("Monthly", None),
}


def _window(window_id: str, entry: Any, limit: Any) -> Window | None:
    """One of `daily` / `monthly`, or None when the answer has no usable figure for it."""
    body = as_dict(entry)
    if body is None:
        return None
    label, seconds = _WINDOWS[window_id]
    used = as_float(body.get("used"))
    remaining = as_float(body.get("remaining"))
    total = as_float(limit)
    if total is None:
        total = as_float(body.get("limit"))
    if total is None and used is not None and remaining is not None:
        total = used + remaining
    if used is None and total is not None and remaining is not None:
        used = total - remaining
    fraction = as_float(body.get("percentUsed"))
    if fraction is not None:
        percent: float | None = fraction * 100
    elif used is not None and total:
        percent = used / total * 100
    else:
        percent = None
    if percent is None and used is None:
        return None
    return Window(
        id=window_id,
        label=label,
        used_percent=percent,
        resets_at=any_to_datetime(body.get("resetAt")),
        window_seconds=seconds,
        used=used,
        limit=total,
        unit="requests",
    )


def parse_usage(data: Any) -> Quota:
    """The subscription usage answer → windows and details. Pure."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the subscription answer is not a JSON object")
    active = as_bool(document.get("active"))
    details: list[tuple[str, str]] = []
    if active is False:
        return Quota(details=(("Subscription", NO_SUBSCRIPTION),))
    limits = as_dict(document.get("limits")) or {}
    windows = [
        window
        for window_id in _WINDOWS
        if (window := _window(window_id, document.get(window_id), limits.get(window_id)))
    ]
    if not windows:
        if active is None:
            raise ParseError("the subscription answer has neither `active` nor daily/monthly usage")
        raise ParseError("the subscription is active but the answer has no daily or monthly usage")
    period = as_dict(document.get("period")) or {}
    end = any_to_datetime(period.get("currentPeriodEnd"))
    if end is not None:
        details.append(("Period ends", end.strftime("%Y-%m-%d %H:%M UTC")))
    plan = as_str(document.get("plan")) or as_str((as_dict(document.get("plan")) or {}).get("name"))
    return Quota(plan=quote(plan), windows=tuple(windows), details=tuple(details))


def parse_balance(data: Any) -> tuple[Balance, ...]:
    """The check-balance answer → Balances `usd` and `nano`. Pure."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the balance answer is not a JSON object")
    balances = []
    for field, balance_id, label, unit in (
        ("usd_balance", "usd", "USD balance", "USD"),
        ("nano_balance", "nano", "NANO balance", "NANO"),
    ):
        amount = as_float(document.get(field))
        if amount is not None:
            balances.append(Balance(id=balance_id, label=label, amount=amount, unit=unit))
    if not balances:
        raise ParseError("the balance answer has no usd_balance or nano_balance")
    return tuple(balances)


def combine(usage: Quota, balance: Any) -> Quota:
    """The usage quota plus the balance answer (a JSON document or the error it raised)."""
    if isinstance(balance, FetchError):
        note = f"unavailable: {balance.message}"
    elif isinstance(balance, BaseException):
        raise balance
    else:
        try:
            balances = parse_balance(balance)
        except ParseError as error:
            note = f"unavailable: unexpected answer ({error})"
        else:
            return Quota(
                plan=usage.plan, windows=usage.windows, balances=balances, details=usage.details
            )
    return Quota(
        plan=usage.plan, windows=usage.windows, details=(*usage.details, ("Balance", note))
    )


class NanoGptProvider:
    id = "nanogpt"
    name = "Nano-GPT"
    settings: ClassVar[dict[str, type]] = dict(API_KEY_SETTINGS)

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return key_accounts(
            self.id,
            context,
            env_names=ENV_NAMES,
            opencode_keys=(OPENCODE_KEY,),
            opencode_field="key",
        )

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return account.problem

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        assert account.secret is not None  # discovery only makes accounts that hold a key
        key = account.secret.reveal()
        place = key_place(self.id, account.source, OPENCODE_KEY)
        usage_headers = {
            "Authorization": f"Bearer {key}",
            "x-api-key": key,
            "Accept": "application/json",
        }
        balance_headers = {"x-api-key": key, "Accept": "application/json"}
        usage, balance = await asyncio.gather(
            call_json(http, self.id, self.name, place, "GET", USAGE_URL, usage_headers),
            call_json(http, self.id, self.name, place, "POST", BALANCE_URL, balance_headers),
            return_exceptions=True,
        )
        if isinstance(usage, BaseException):
            raise usage
        return combine(parse_usage(usage), balance)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        """Most of the daily allowance left, then monthly, then the biggest USD balance, then name."""
        daily = snapshot.window("daily")
        monthly = snapshot.window("monthly")
        daily_left = daily.remaining_percent if daily else None
        monthly_left = monthly.remaining_percent if monthly else None
        usd = next((b.amount for b in snapshot.balances if b.id == "usd"), None)
        return (
            daily_left is None,
            -(daily_left or 0.0),
            monthly_left is None,
            -(monthly_left or 0.0),
            usd is None,
            -(usd or 0.0),
            snapshot.account.lower(),
        )
