"""Nano-GPT: subscription usage windows and account balances per API key (PROVIDERS.md §6).

Keys come from the config file (key / key_env / key_cmd), $NANOGPT_API_KEY and OpenCode's
auth.json (`nano-gpt` → `key`); each distinct key is one account.

Two requests go out together:
- `GET /api/subscription/v1/usage` (Bearer and x-api-key) → windows `daily` and `monthly`,
  `percentUsed` being a 0-1 fraction; `active: false` means no subscription: no windows,
  status ok, a detail saying so. Token plans answer `weeklyInputTokens` / `dailyInputTokens`
  / `dailyImages` objects of the same shape instead (`daily` / `monthly` then null or absent):
  windows `weekly` ("Weekly input tokens"), `daily_tokens`, `daily_images`; any other such
  object is kept under its own name.
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

import re
from datetime import datetime
from typing import Any, ClassVar

from providers.balances.provider import (
    call_json,
    extra_failure,
    key_place,
    main_and_extra,
    parse_extra,
)
from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider
from providers.kit.http import HttpSession
from providers.kit.keys import API_KEY_SETTINGS, key_accounts
from providers.kit.secrets import quote
from providers.kit.values import (
    DAY,
    any_to_datetime,
    as_bool,
    as_dict,
    as_float,
    as_str,
    finite,
    first_present,
)
from providers.kit.window_ids import slug
from providers.model import AccountSnapshot, Balance, Quota, Window

USAGE_URL = "https://nano-gpt.com/api/subscription/v1/usage"
BALANCE_URL = "https://nano-gpt.com/api/check-balance"
ENV_NAMES = ("NANOGPT_API_KEY",)
OPENCODE_KEY = "nano-gpt"
NO_SUBSCRIPTION = "no active subscription (balances only)"

# answer key → (window id, label, length in seconds, unit). `daily` / `monthly` count requests
# (PROVIDERS.md §6); token plans answer a weekly input-token allowance instead (Changes in
# 2026), and image plans daily images: the same {used, remaining, percentUsed, resetAt}
# objects, limits under the same keys. A month's length varies, so it has none.
_WINDOWS: dict[str, tuple[str, str, int | None, str]] = {
    "daily": ("daily", "Daily", DAY, "requests"),
    "monthly": ("monthly", "Monthly", None, "requests"),
    "weeklyInputTokens": ("weekly", "Weekly input tokens", 7 * DAY, "tokens"),
    "dailyInputTokens": ("daily_tokens", "Daily input tokens", DAY, "tokens"),
    "dailyImages": ("daily_images", "Daily images", DAY, "images"),
}
# Snake-case spellings a peer tolerates (not observed in answers): read as their camel twins.
_SPELLINGS = {
    "weekly_input_tokens": "weeklyInputTokens",
    "daily_input_tokens": "dailyInputTokens",
    "daily_images": "dailyImages",
}
# Top-level objects that are never usage windows, whatever they hold.
_NOT_WINDOWS = frozenset({"limits", "period"})


def _window(answer_key: str, entry: Any, limit: Any) -> Window | None:
    """One usage window, or None when the answer has no usable figure for it."""
    body = as_dict(entry)
    if body is None:
        return None
    window_id, label, seconds, unit = _WINDOWS.get(answer_key) or _unknown_window(answer_key)
    used = as_float(body.get("used"))
    remaining = as_float(body.get("remaining"))
    total = as_float(limit)
    if total is None:
        total = as_float(body.get("limit"))
    if total is None and used is not None and remaining is not None:
        total = finite(used + remaining)
    if used is None and total is not None and remaining is not None:
        used = finite(total - remaining)
    fraction = as_float(first_present(body, "percentUsed", "percent_used"))
    if fraction is not None:
        percent: float | None = finite(fraction * 100)
    elif used is not None and total:
        percent = finite(used / total * 100)
    else:
        percent = None
    if percent is None and used is None:
        return None
    return Window(
        id=window_id,
        label=label,
        used_percent=percent,
        resets_at=any_to_datetime(first_present(body, "resetAt", "reset_at")),
        window_seconds=seconds,
        used=used,
        limit=total,
        unit=unit,
    )


def _unknown_window(answer_key: str) -> tuple[str, str, int | None, str | None]:
    """A window the service added since: kept under its own name (PROVIDERS.md: keep
    unknown windows), its length and unit unknown."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", answer_key).replace("_", " ").strip()
    return slug(words).replace("-", "_"), words[:1].upper() + words[1:].lower(), None, None


def _looks_like_window(value: Any) -> bool:
    body = as_dict(value)
    return body is not None and any(
        key in body for key in ("percentUsed", "percent_used", "used", "remaining")
    )


def _spellings(name: str) -> tuple[str, ...]:
    return (name, *(snake for snake, camel in _SPELLINGS.items() if camel == name))


def _window_keys(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, answer key) of each usage object: the known ones in their order, each under
    its camel-case or snake-case spelling, then any other object that looks like one."""
    known = [(name, key) for name in _WINDOWS for key in _spellings(name) if key in document]
    spelt = {key for _, key in known}
    others = [
        (key, key)
        for key, value in document.items()
        if key not in spelt
        and key not in _SPELLINGS
        and key not in _NOT_WINDOWS
        and _looks_like_window(value)
    ]
    return known + others


def parse_usage(data: Any) -> Quota:
    """The subscription usage answer → windows and details. Pure."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the subscription answer is not a JSON object")
    active = as_bool(document.get("active"))
    if active is None and (as_str(document.get("state")) or "").lower() == "inactive":
        active = False  # the documented `state` (active / grace / inactive) says the same
    details: list[tuple[str, str]] = []
    if active is False:
        return Quota(details=(("Subscription", NO_SUBSCRIPTION),))
    limits = as_dict(document.get("limits")) or {}
    windows: list[Window] = []
    for name, key in _window_keys(document):
        limit = first_present(limits, key, *_spellings(name))
        window = _window(name, document.get(key), limit)
        # The first spelling with figures wins; a null camel-case object lets the snake one in.
        if window is not None and all(window.id != other.id for other in windows):
            windows.append(window)
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
    balances = parse_extra(balance, parse_balance)
    if not isinstance(balances, Exception):
        return Quota(
            plan=usage.plan, windows=usage.windows, balances=balances, details=usage.details
        )
    note = extra_failure("unavailable", balances)
    return Quota(
        plan=usage.plan, windows=usage.windows, details=(*usage.details, ("Balance", note))
    )


class NanoGptProvider(Provider):
    id = "nanogpt"
    name = "Nano-GPT"
    short = "nano"
    demo = ("providers.nanogpt.demo",)
    env_names = ENV_NAMES
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
        usage, balance = await main_and_extra(
            call_json(http, self.id, self.name, place, "GET", USAGE_URL, usage_headers),
            call_json(http, self.id, self.name, place, "POST", BALANCE_URL, balance_headers),
        )
        return combine(parse_usage(usage), balance)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        """Most of the daily allowance left, then weekly (token plans), then monthly, then
        the biggest USD balance, then name."""
        order: list[Any] = []
        for window_id in ("daily", "weekly", "monthly"):
            window = snapshot.window(window_id)
            left = window.remaining_percent if window else None
            order += [left is None, -(left or 0.0)]
        usd = next((b.amount for b in snapshot.balances if b.id == "usd"), None)
        return (*order, usd is None, -(usd or 0.0), snapshot.account.lower())
