"""API-key balances: OpenRouter, DeepSeek and Moonshot (PROVIDERS.md §8).

Each is one API key (config key / key_env / key_cmd, or the provider's env var) and one
or two GET requests with `Authorization: Bearer <key>`. The answers are money, so they
become Balances; OpenRouter's per-key spending limit is also a Window (`key_limit`).

Decisions worth knowing:
- OpenRouter's `/api/v1/credits` needs a management key. It is asked alongside `/key`;
  any failure there (401/403 for an ordinary key, or anything else) only drops the
  `credits` Balance and says why in the details; the account's status comes from `/key`.
- DeepSeek's `is_available: false` means calls to the API now fail for lack of money.
  The contract has a message only for a non-ok status, and a fetch either succeeds or
  fails, so that answer is a failure: status `error`, the sentence naming the balance
  and the remedy (top up). The app keeps showing the last good balances beside it.
- Moonshot's answer names no currency: it follows the configured platform
  (`[providers.moonshot] platform = "ai"` → USD at api.moonshot.ai, the default;
  `"cn"` → CNY at api.moonshot.cn), never an origin override. `code` ≠ 0 or `status`
  false is an error taken from the body, even under HTTP 200.

The helpers at the top (key_place, call_json, service_message) are shared with nanogpt.py.
"""

from __future__ import annotations

import asyncio
import calendar
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypeVar

from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider
from providers.kit.http import FetchError, HttpSession, error_from_body, said, sentence
from providers.kit.keys import API_KEY_SETTINGS, key_accounts
from providers.kit.secrets import quote, scrub
from providers.kit.values import DAY, as_bool, as_dict, as_float, as_int, as_list, as_str, finite
from providers.model import AccountSnapshot, Balance, Quota, Status, Window

# --------------------------------------------------------------------------- shared helpers

T = TypeVar("T")

_AUTH_WORDS = re.compile(
    r"unauthori[sz]ed|authenticat|invalid[\s_-]*(?:api[\s_-]*)?key|api[\s_-]?key|no auth", re.I
)


def key_place(provider_id: str, source: str, opencode_key: str | None = None) -> str:
    """Where the user fixes the key, in words: the remedy half of an auth sentence."""
    if source == "config":
        return f"the config file ([providers.{provider_id}])"
    if source.startswith("env:"):
        return f"${source.removeprefix('env:')}"
    return f'{source} ("{opencode_key}")' if opencode_key else source


def service_message(body: Any) -> str | None:
    """The error sentence an answer's body carries, wherever this family of APIs puts it."""
    document = as_dict(body)
    if document is None:
        return None
    nested = as_dict(document.get("error")) or {}
    return quote(
        as_str(nested.get("message"))
        or as_str(document.get("message"))
        or as_str(document.get("msg"))
        or as_str(document.get("error"))
        or as_str(document.get("detail"))
    )


def http_sentence(name: str, place: str, status: Status, http_status: int, message: str | None):
    """One sentence for an HTTP failure, with the service's own words when it gave some."""
    words = said(message)
    what = f"HTTP {http_status}" + (f": {words}" if words else "")
    if status is Status.AUTH_EXPIRED:
        return sentence(f"{name} rejected the API key", [what], f"check the key in {place}")
    if status is Status.FORBIDDEN:
        return sentence(f"{name} refused access", [what], "the key lacks permission")
    if status is Status.RATE_LIMITED:
        return sentence(f"{name} rate-limited the request", [what], "will retry later")
    trouble = "the service is having trouble, will retry later" if http_status >= 500 else None
    return sentence(f"{name} answered HTTP {http_status}", (), words or trouble)


async def call_json(
    http: HttpSession,
    provider_id: str,
    name: str,
    place: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
) -> Any:
    """request_json, with HTTP failures put into a sentence that names the key's place."""
    try:
        return await http.request_json(provider_id, method, url, headers=headers)
    except FetchError as error:
        if error.http_status is None or error.http_status < 300:
            raise  # unreachable, or a 2xx that is not JSON: the shared sentence says it
        raise FetchError(
            error.status,
            http_sentence(
                name, place, error.status, error.http_status, service_message(error.body)
            ),
            http_status=error.http_status,
            retry_after=error.retry_after,
            body=error.body,
        ) from None


async def main_and_extra(main: Awaitable[Any], extra: Awaitable[Any]) -> tuple[Any, Any]:
    """Two answers fetched at once. The main one's failure is the account's (raised); the
    extra one's is returned in the answer's place, for the caller to word as a detail."""
    first, second = await asyncio.gather(main, extra, return_exceptions=True)
    if isinstance(first, BaseException):
        raise first
    return first, second


def parse_extra(answer: Any, parse: Callable[[Any], T]) -> T | FetchError | ParseError:
    """main_and_extra's extra answer read by `parse`; when it could not be fetched or read,
    the error instead (a detail to word, not the account's failure). Others propagate."""
    if isinstance(answer, FetchError):
        return answer
    if isinstance(answer, BaseException):
        raise answer
    try:
        return parse(answer)
    except ParseError as error:
        return error


def extra_failure(lead: str, error: FetchError | ParseError) -> str:
    """Why an extra answer is not shown: "<lead>: <the fetch sentence>" or the bad answer."""
    if isinstance(error, FetchError):
        return f"{lead}: {error.message}"
    return f"{lead}: unexpected answer ({error})"


def bearer(account: Account) -> dict[str, str]:
    assert account.secret is not None  # discovery only makes accounts that hold a key
    return {"Authorization": f"Bearer {account.secret.reveal()}", "Accept": "application/json"}


def money(amount: float, unit: str) -> str:
    return f"{amount:,.2f} {unit}"


def first_balance_key(snapshot: AccountSnapshot, *balance_ids: str) -> tuple[Any, ...]:
    """Biggest of the named balances first (the first one present), then the name."""
    amount = None
    for balance_id in balance_ids:
        found = next((b for b in snapshot.balances if b.id == balance_id), None)
        if found is not None and found.amount is not None:
            amount = found.amount
            break
    return (amount is None, -(amount or 0.0), snapshot.account.lower())


class _KeyProvider(Provider):
    """Discovery, precheck and a default order shared by the balance providers."""

    settings: ClassVar[dict[str, type]] = API_KEY_SETTINGS
    demo = ("providers.balances.demo",)

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return key_accounts(self.id, context, env_names=self.env_names)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return account.problem

    def place(self, account: Account) -> str:
        return key_place(self.id, account.source)


# --------------------------------------------------------------------------- OpenRouter

OPENROUTER_KEY_URL = "https://openrouter.ai/api/v1/key"
OPENROUTER_CREDITS_URL = "https://openrouter.ai/api/v1/credits"
KEY_LIMIT = "key_limit"


def next_reset(period: str, now: datetime) -> tuple[datetime, int]:
    """OpenRouter resets key limits at midnight UTC; weeks run Monday to Sunday.
    Returns the next reset and the period's length in seconds."""
    now = now.astimezone(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "daily":
        return midnight + timedelta(days=1), DAY
    if period == "weekly":
        return midnight + timedelta(days=7 - now.weekday()), 7 * DAY
    days = calendar.monthrange(now.year, now.month)[1]
    return midnight.replace(day=1) + timedelta(days=days), days * DAY


_PERIOD_LABELS = {"daily": "Daily", "weekly": "Weekly", "monthly": "Monthly"}


def parse_openrouter_key(data: Any, now: datetime) -> Quota:
    """The /api/v1/key answer → plan, the `key_limit` window, `usage_monthly`, details."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the key answer is not a JSON object")
    body = as_dict(document.get("data"))
    if body is None:
        raise ParseError("the key answer has no data object")
    numbers = ("limit", "limit_remaining", "usage", "usage_daily", "usage_weekly", "usage_monthly")
    if not any(as_float(body.get(name)) is not None for name in numbers) and not isinstance(
        body.get("is_free_tier"), bool
    ):
        raise ParseError("the key answer has no limit, usage or tier")
    free = as_bool(body.get("is_free_tier"))
    plan = None if free is None else ("free" if free else "paid")
    details: list[tuple[str, str]] = []
    label = as_str(body.get("label"))
    if label:
        details.append(("Key", quote(label) or ""))
    windows: list[Window] = []
    limit = as_float(body.get("limit"))
    period = (as_str(body.get("limit_reset")) or "").lower()
    if limit is not None:
        remaining = as_float(body.get("limit_remaining"))
        used = finite(round(limit - remaining, 8)) if remaining is not None else None
        if used is None and period in _PERIOD_LABELS:
            used = as_float(body.get(f"usage_{period}"))
        if used is None and period not in _PERIOD_LABELS:
            used = as_float(body.get("usage"))  # a limit that never resets counts all usage
        percent: float | None = 100.0  # a zero limit: nothing may be spent
        if limit > 0:
            percent = finite(used / limit * 100) if used is not None else None
        resets_at, seconds = next_reset(period, now) if period in _PERIOD_LABELS else (None, None)
        window_label = "Key limit"
        if period in _PERIOD_LABELS:
            window_label += f" ({_PERIOD_LABELS[period].lower()})"
        windows.append(
            Window(
                id=KEY_LIMIT,
                label=window_label,
                used_percent=percent,
                resets_at=resets_at,
                window_seconds=seconds,
                used=used,
                limit=limit,
                unit="USD",
            )
        )
    else:
        details.append(("Key limit", "none"))
    balances: list[Balance] = []
    monthly = as_float(body.get("usage_monthly"))
    if monthly is not None:
        balances.append(
            Balance(id="usage_monthly", label="Spent this month", amount=monthly, unit="USD")
        )
    for name, text in (
        ("usage_daily", "Spent today"),
        ("usage_weekly", "Spent this week"),
        ("usage", "Spent in total"),
    ):
        value = as_float(body.get(name))
        if value is not None:
            details.append((text, money(value, "USD")))
    return Quota(
        plan=plan, windows=tuple(windows), balances=tuple(balances), details=tuple(details)
    )


def parse_openrouter_credits(data: Any) -> Balance:
    body = as_dict((as_dict(data) or {}).get("data"))
    if body is None:
        raise ParseError("the credits answer has no data object")
    total = as_float(body.get("total_credits"))
    used = as_float(body.get("total_usage"))
    if total is None or used is None:
        raise ParseError("the credits answer lacks total_credits or total_usage")
    amount = round(total - used, 8)  # no float noise in 100.5 - 25.75
    return Balance(id="credits", label="Credits", amount=amount, limit=total, unit="USD")


class OpenRouterProvider(_KeyProvider):
    id = "openrouter"
    name = "OpenRouter"
    short = "or"
    env_names: ClassVar[tuple[str, ...]] = ("OPENROUTER_API_KEY",)
    settings: ClassVar[dict[str, type]] = dict(API_KEY_SETTINGS)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        headers = bearer(account)
        place = self.place(account)
        key_answer, credits_answer = await main_and_extra(
            call_json(http, self.id, self.name, place, "GET", OPENROUTER_KEY_URL, headers),
            call_json(http, self.id, self.name, place, "GET", OPENROUTER_CREDITS_URL, headers),
        )
        quota = parse_openrouter_key(key_answer, now)
        return with_credits(quota, credits_answer)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        """Most of the key limit left first, then the most credits, then the name."""
        window = snapshot.window(KEY_LIMIT)
        left = window.remaining_percent if window else None
        return (left is None, -(left or 0.0), *first_balance_key(snapshot, "credits"))


def with_credits(quota: Quota, answer: Any) -> Quota:
    """The credits Balance in front, or a detail saying why there is none."""
    credits = parse_extra(answer, parse_openrouter_credits)
    if not isinstance(credits, Exception):
        return replace(quota, balances=(credits, *quota.balances))
    if isinstance(credits, FetchError) and credits.status in (
        Status.AUTH_EXPIRED,
        Status.FORBIDDEN,
    ):
        note = "not shown: reading credits needs a management key"
    else:
        note = extra_failure("not shown", credits)
    return replace(quota, details=(*quota.details, ("Credits", note)))


# --------------------------------------------------------------------------- DeepSeek

DEEPSEEK_URL = "https://api.deepseek.com/user/balance"


def _currency(value: Any) -> str | None:
    text = as_str(value)
    if text is None:
        return None
    cleaned = re.sub(r"[^A-Za-z0-9]+", "", scrub(text)).upper()[:12]
    return cleaned or None


def parse_deepseek(data: Any) -> Quota:
    """The /user/balance answer → one Balance per currency; is_available false is an error."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the balance answer is not a JSON object")
    infos = document.get("balance_infos")
    balances: list[Balance] = []
    details: list[tuple[str, str]] = []
    for item in as_list(infos):
        info = as_dict(item) or {}
        currency = _currency(info.get("currency"))
        total = as_float(info.get("total_balance"))
        if currency is None or total is None:
            continue  # a malformed entry is dropped alone
        if any(b.unit == currency for b in balances):
            continue
        balances.append(
            Balance(id=currency.lower(), label=f"Balance ({currency})", amount=total, unit=currency)
        )
        for field, text in (("granted_balance", "granted"), ("topped_up_balance", "topped up")):
            value = as_float(info.get(field))
            if value is not None:
                details.append((f"{currency} {text}", money(value, currency)))
    # The verdict first: "balance too low" stands even when the figures beside it are
    # missing or malformed, since it is what the user has to act on.
    if as_bool(document.get("is_available")) is False:
        shown = ", ".join(money(b.amount or 0.0, b.unit or "") for b in balances) or "none"
        raise FetchError(
            Status.ERROR,
            f"DeepSeek reports the balance too low to use the API (balance: {shown}): "
            "top up at platform.deepseek.com",
        )
    if not isinstance(infos, list):
        raise ParseError("the balance answer has no balance_infos list")
    if infos and not balances:
        raise ParseError("no entry of balance_infos has a currency and a total_balance")
    return Quota(balances=tuple(balances), details=tuple(details))


class DeepSeekProvider(_KeyProvider):
    id = "deepseek"
    name = "DeepSeek"
    short = "ds"
    env_names: ClassVar[tuple[str, ...]] = ("DEEPSEEK_API_KEY",)
    settings: ClassVar[dict[str, type]] = dict(API_KEY_SETTINGS)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        answer = await call_json(
            http, self.id, self.name, self.place(account), "GET", DEEPSEEK_URL, bearer(account)
        )
        return parse_deepseek(answer)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        """Biggest balance first (the first currency the service lists), then the name."""
        first = snapshot.balances[0].id if snapshot.balances else ""
        return first_balance_key(snapshot, first)


# --------------------------------------------------------------------------- Moonshot

MOONSHOT_PATH = "/v1/users/me/balance"
# platform → (origin, currency). The answer names no currency: the platform decides it.
MOONSHOT_PLATFORMS = {
    "ai": ("https://api.moonshot.ai", "USD"),
    "cn": ("https://api.moonshot.cn", "CNY"),
}
_PLATFORM_ALIASES = {
    "ai": "ai",
    "global": "ai",
    "international": "ai",
    "moonshot.ai": "ai",
    "cn": "cn",
    "china": "cn",
    "moonshot.cn": "cn",
}


def moonshot_platform(settings: Mapping[str, Any]) -> tuple[str, str | None]:
    """(platform, problem): "ai" unless the config names "cn"; an unknown name is a problem."""
    raw = settings.get("platform")
    if raw is None:
        return "ai", None
    text = (as_str(raw) or "").lower()
    if text in _PLATFORM_ALIASES:
        return _PLATFORM_ALIASES[text], None
    return "ai", f'[providers.moonshot] platform must be "ai" or "cn", not "{quote(str(raw))}"'


def parse_moonshot(data: Any, platform: str) -> Quota:
    document = as_dict(data)
    if document is None:
        raise ParseError("the balance answer is not a JSON object")
    code = as_int(document.get("code"))
    if (code is not None and code != 0) or as_bool(document.get("status")) is False:
        message = service_message(document)
        status = Status.AUTH_EXPIRED if message and _AUTH_WORDS.search(message) else Status.ERROR
        where = f"code {code}" if code is not None and code != 0 else None
        raise error_from_body(
            status,
            "Moonshot answered with an error",
            [where],
            message,
            body=document,
            http_status=200,
        )
    body = as_dict(document.get("data"))
    if body is None:
        raise ParseError("the balance answer has no data object")
    available = as_float(body.get("available_balance"))
    if available is None:
        raise ParseError("the balance answer has no data.available_balance")
    currency = MOONSHOT_PLATFORMS[platform][1]
    details = [
        (text, money(value, currency))
        for field, text in (("voucher_balance", "Voucher"), ("cash_balance", "Cash"))
        if (value := as_float(body.get(field))) is not None
    ]
    details.append(("Platform", f"api.moonshot.{platform}"))
    return Quota(
        balances=(Balance(id="available", label="Available", amount=available, unit=currency),),
        details=tuple(details),
    )


class MoonshotProvider(_KeyProvider):
    id = "moonshot"
    name = "Moonshot"
    short = "moon"
    env_names: ClassVar[tuple[str, ...]] = ("MOONSHOT_API_KEY",)
    settings: ClassVar[dict[str, type]] = {**API_KEY_SETTINGS, "platform": str}

    def discover(self, context: DiscoveryContext) -> list[Account]:
        platform, problem = moonshot_platform(context.settings)
        accounts = []
        for account in super().discover(context):
            extra = {**account.extra, "platform": platform}
            if problem and account.problem is None:
                account = replace(account, problem=Problem(Status.ERROR, problem))
            accounts.append(replace(account, extra=extra))
        return accounts

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        platform = account.extra.get("platform", "ai")
        if platform not in MOONSHOT_PLATFORMS:
            platform = "ai"
        url = MOONSHOT_PLATFORMS[platform][0] + MOONSHOT_PATH
        answer = await call_json(
            http, self.id, self.name, self.place(account), "GET", url, bearer(account)
        )
        return parse_moonshot(answer, platform)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return first_balance_key(snapshot, "available")
