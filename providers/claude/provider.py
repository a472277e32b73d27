"""Claude: Anthropic subscription quota through Claude Code's OAuth login (PROVIDERS.md §2).

Two credential sources, in this order, each a separate account unless they hold the same
token (then the first wins):
  `$CLAUDE_CONFIG_DIR/.credentials.json` (default ~/.claude/.credentials.json), label `default`,
      marked active: the login the `claude` CLI uses now;
  OpenCode's auth.json key `anthropic`, label `opencode`.
Tokens are never refreshed (Claude Code rotates them; a refresh we do not write back would
log the user out of their CLI), so an expired one is reported without calling the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider
from providers.kit.files import read_json_object
from providers.kit.http import FetchError, HttpSession
from providers.kit.opencode import opencode_entry
from providers.kit.paths import Paths
from providers.kit.secrets import Secret, scrub
from providers.kit.values import (
    DAY,
    HOUR,
    after_seconds,
    any_to_datetime,
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_seconds,
    as_str,
    epoch_to_datetime,
    first_present,
)
from providers.model import AccountSnapshot, Balance, Quota, Status, Window, most_left_first

ID = "claude"
NAME = "Claude"
USAGE_URL = "https://api.anthropic.com/api/oauth/usage"
# The endpoint answers other user agents with a persistent 429: speak as Claude Code does.
CLAUDE_CODE_VERSION = "2.0.0"
USER_AGENT = f"claude-code/{CLAUDE_CODE_VERSION}"
ANTHROPIC_BETA = "oauth-2025-04-20"

CREDENTIALS_FILE = ".credentials.json"
OAUTH_KEY = "claudeAiOauth"
OPENCODE_KEY = "anthropic"

# Where a token came from decides what a person should do when it stops working.
ORIGIN_CLAUDE_CODE = "claude_code"
ORIGIN_OPENCODE = "opencode"
LOGIN_HINT = "run `claude` to sign in again"
OPENCODE_HINT = "use OpenCode once so it refreshes the token, or run `opencode auth login`"

FIVE_HOURS = 5 * HOUR
WEEK = 7 * DAY


# --------------------------------------------------------------------------- discovery


def _hint(account: Account) -> str:
    return OPENCODE_HINT if account.extra.get("origin") == ORIGIN_OPENCODE else LOGIN_HINT


def _broken(source: str, path: Path, message: str, status: Status = Status.ERROR) -> Account:
    return Account(
        provider=ID,
        label="default",
        source=source,
        active=True,
        extra={"origin": ORIGIN_CLAUDE_CODE},
        problem=Problem(status, message),
        path=path,
    )


def _discover_claude_code(paths: Paths) -> list[Account]:
    """The login in Claude Code's credentials file; nothing when there is none to show."""
    path = paths.claude_config_dir / CREDENTIALS_FILE
    source = paths.display(path)
    read = read_json_object(path, source)
    if read.missing or read.empty:
        return []
    if read.problem:
        return [_broken(source, path, read.problem)]
    document: dict[str, Any] = read.data
    oauth = document.get(OAUTH_KEY)
    if oauth is None:
        # Only MCP logins or an API-key setup: no Claude subscription to show.
        return []
    if not isinstance(oauth, dict):
        return [_broken(source, path, f"{OAUTH_KEY} in {source} is not an object")]
    token = oauth.get("accessToken")
    if token is not None and not isinstance(token, str):
        return [_broken(source, path, f"{OAUTH_KEY}.accessToken in {source} is not a string")]
    access = as_str(token)
    if access is None:
        return [
            _broken(source, path, f"No access token in {source}: {LOGIN_HINT}", Status.AUTH_EXPIRED)
        ]
    # Optional fields of an odd type are treated as unknown, not as a broken file.
    return [
        Account(
            provider=ID,
            label="default",
            source=source,
            secret=Secret(access),
            active=True,
            extra={
                "origin": ORIGIN_CLAUDE_CODE,
                "plan": as_str(oauth.get("subscriptionType")),
                "rate_limit_tier": as_str(oauth.get("rateLimitTier")),
                "expires": epoch_to_datetime(oauth.get("expiresAt")),
            },
            path=path,
        )
    ]


def _discover_opencode(paths: Paths) -> list[Account]:
    """OpenCode's Anthropic OAuth login; an API-key entry has no subscription quota."""
    entry, source, path = opencode_entry(paths, OPENCODE_KEY)
    if entry is None:
        return []
    access = as_str(entry.get("access"))
    if access is None:
        return []
    return [
        Account(
            provider=ID,
            label="opencode",
            named=False,
            source=source,
            secret=Secret(access),
            extra={
                "origin": ORIGIN_OPENCODE,
                "plan": None,
                "rate_limit_tier": None,
                "expires": epoch_to_datetime(entry.get("expires")),
            },
            path=path,
        )
    ]


def discover(context: DiscoveryContext) -> list[Account]:
    """Claude Code's login, then OpenCode's; the same token twice is one account."""
    result: list[Account] = []
    for account in _discover_claude_code(context.paths) + _discover_opencode(context.paths):
        if account.secret and any(kept.secret == account.secret for kept in result):
            continue
        result.append(account)
    return result


# --------------------------------------------------------------------------- checks


def precheck(account: Account, now: datetime) -> Problem | None:
    """An expired token is reported as such, without a request (and never refreshed)."""
    if account.problem:
        return account.problem
    if not account.secret:
        return Problem(
            Status.AUTH_EXPIRED, f"No access token in {account.source}: {_hint(account)}"
        )
    expires = account.extra.get("expires")
    if isinstance(expires, datetime) and expires <= now:
        local = expires.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        return Problem(Status.AUTH_EXPIRED, f"Access token expired at {local}: {_hint(account)}")
    return None


# --------------------------------------------------------------------------- fetch


def _sentences(account: Account) -> dict[Status, str]:
    return {
        Status.AUTH_EXPIRED: f"Anthropic rejected the token (HTTP 401): {_hint(account)}",
        Status.FORBIDDEN: (
            "Anthropic refused the usage request (HTTP 403): the token may lack the "
            "user:profile scope (`claude setup-token` tokens do) or the subscription has ended"
        ),
        Status.RATE_LIMITED: "Rate-limited by Anthropic (HTTP 429): will retry after a pause",
    }


def _retry_time(now: datetime, seconds: float) -> str | None:
    """The local time to retry after, rounded up to the minute; None when out of range."""
    try:
        when = now + timedelta(seconds=seconds)
        if when.second or when.microsecond:
            when = when.replace(second=0, microsecond=0) + timedelta(minutes=1)
        when = when.astimezone()
    except (OverflowError, OSError, ValueError):
        return None
    if when.date() == now.astimezone().date():
        return when.strftime("%H:%M %Z")
    return when.strftime("%Y-%m-%d %H:%M %Z")


def _rate_limited(error: FetchError, now: datetime) -> FetchError:
    """The 429 sentence, naming the time only when the answer said when."""
    when = _retry_time(now, error.retry_after) if error.retry_after is not None else None
    if when is None:
        return error
    message = f"Rate-limited by Anthropic (HTTP 429): will retry after {when}"
    return FetchError(
        error.status,
        message,
        http_status=error.http_status,
        retry_after=error.retry_after,
        body=error.body,
    )


def _details(account: Account) -> tuple[tuple[str, str], ...]:
    tier = account.extra.get("rate_limit_tier")
    return (("Rate-limit tier", tier),) if isinstance(tier, str) and tier else ()


async def fetch(account: Account, http: HttpSession, now: datetime) -> Quota:
    assert account.secret is not None  # precheck turned secret-less accounts into problems
    headers = {
        "Authorization": f"Bearer {account.secret.reveal()}",
        "anthropic-beta": ANTHROPIC_BETA,
        "User-Agent": USER_AGENT,
        "Accept": "application/json",
    }
    try:
        data = await http.request_json(
            ID, "GET", USAGE_URL, headers=headers, sentences=_sentences(account)
        )
    except FetchError as error:
        if error.status is Status.RATE_LIMITED:
            raise _rate_limited(error, now) from None
        raise
    quota = parse_usage(data, http.clock())
    # Window ids can carry server text (a model's display name, an unknown kind): like the
    # labels, they must never echo a credential back.
    windows = tuple(replace(window, id=scrub(window.id)) for window in quota.windows)
    # The answer does not name the plan: the credential file does.
    return replace(
        quota, plan=account.extra.get("plan"), windows=windows, details=_details(account)
    )


# --------------------------------------------------------------------------- parse

# Named windows of the classic answer: key → (id, label, length).
_NAMED: dict[str, tuple[str, str, int]] = {
    "five_hour": ("five_hour", "5h", FIVE_HOURS),
    "seven_day": ("weekly", "Weekly", WEEK),
    "seven_day_sonnet": ("weekly_sonnet", "Weekly · Sonnet", WEEK),
    "seven_day_opus": ("weekly_opus", "Weekly · Opus", WEEK),
    "seven_day_oauth_apps": ("weekly_oauth_apps", "Weekly · OAuth apps", WEEK),
}
# Top-level objects that are not windows even though some carry a `utilization`.
_NOT_WINDOWS = {"extra_usage", "spend", "limits"}
_USED_KEYS = ("utilization", "percent", "used_percent", "usedPercent")
_LEFT_KEYS = ("remaining_percent", "percent_left", "remainingPercent")
_RESET_KEYS = ("resets_at", "reset_at", "resetsAt", "resetAt")
_RESET_AFTER_KEYS = ("resets_in_seconds", "reset_after_seconds")
_LENGTH_KEYS = ("window_seconds", "duration_seconds", "limit_window_seconds")
_MODEL_NAME_KEYS = ("display_name", "displayName", "name", "id")


@dataclass
class _Reading:
    """What parsing found, and how many fields it had to give up on."""

    windows: list[Window]
    malformed: int = 0


def _words(key: str) -> str:
    """`oauth_apps` → "Oauth apps", for windows and kinds we have no name for.

    Only identifier-like keys are reworded; anything else stays verbatim, so that text a
    server echoed back (a token, say) is still recognised and masked downstream.
    """
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,47}", key):
        return key
    text = key.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _percent_used(data: dict[str, Any]) -> tuple[bool, float | None]:
    """(readable, used percent). A null value is readable: it means "no such window"."""
    raw = first_present(data, *_USED_KEYS)
    if raw is not None:
        used = as_float(raw)
        return used is not None, used
    raw = first_present(data, *_LEFT_KEYS)
    if raw is not None:
        left = as_float(raw)
        return left is not None, None if left is None else 100.0 - left
    return True, None


def _reset(data: dict[str, Any], now: datetime) -> datetime | None:
    """ISO text or epoch (s or ms); a relative `resets_in_seconds` counts from `now`."""
    resets_at = any_to_datetime(first_present(data, *_RESET_KEYS))
    if resets_at is None:
        resets_at = after_seconds(now, first_present(data, *_RESET_AFTER_KEYS))
    return resets_at


def _named_window(key: str, value: Any, now: datetime) -> tuple[bool, Window | None]:
    """(well-formed, window) for one top-level window object of the classic answer."""
    if value is None:
        return True, None
    data = as_dict(value)
    if data is None:
        return False, None
    readable, used = _percent_used(data)
    if used is None:
        return readable, None
    if key in _NAMED:
        window_id, label, seconds = _NAMED[key]
    elif key.startswith("seven_day_"):
        rest = key.removeprefix("seven_day_")
        window_id, label, seconds = f"weekly_{rest}", f"Weekly · {_words(rest)}", WEEK
    elif key.startswith("five_hour_"):
        rest = key.removeprefix("five_hour_")
        window_id, label, seconds = f"five_hour_{rest}", f"5h · {_words(rest)}", FIVE_HOURS
    else:
        window_id, label = key, _words(key)
        seconds = as_seconds(first_present(data, *_LENGTH_KEYS))
    return True, Window(
        id=window_id,
        label=label,
        used_percent=used,
        resets_at=_reset(data, now),
        window_seconds=seconds,
    )


def _looks_like_window(key: str, value: Any) -> bool:
    """An unknown top-level key whose value is a window object (keep unknown windows)."""
    if key in _NAMED or key in _NOT_WINDOWS:
        return False
    data = as_dict(value)
    return data is not None and "utilization" in data


def _read_named(document: dict[str, Any], now: datetime) -> _Reading:
    reading = _Reading(windows=[])
    keys = [key for key in _NAMED if key in document]
    keys += [key for key, value in document.items() if _looks_like_window(key, value)]
    for key in keys:
        well_formed, window = _named_window(key, document[key], now)
        if not well_formed:
            reading.malformed += 1
        if window is not None:
            reading.windows.append(window)
    return reading


def _model_name(entry: dict[str, Any]) -> str | None:
    """The display name a scoped limit is scoped to: usually a model, sometimes a surface
    (`scope.surface.display_name`), so any scope object with a name will do."""
    scope = as_dict(entry.get("scope")) or {}
    scopes = [scope.get("model"), *(value for key, value in scope.items() if key != "model")]
    for candidate in scopes:
        named = as_dict(candidate)
        if named is None:
            continue
        for key in _MODEL_NAME_KEYS:
            name = as_str(named.get(key))
            if name:
                return name
    return as_str(scope.get("model")) or as_str(entry.get("display_name"))


def _limit_window(item: Any, now: datetime) -> tuple[bool, Window | None]:
    """(well-formed, window) for one entry of `limits[]`; a null percentage is no window."""
    entry = as_dict(item)
    if entry is None:
        return item is None, None
    kind = as_str(entry.get("kind"))
    if kind is None:
        return False, None
    readable, used = _percent_used(entry)
    if used is None:
        return readable, None
    model = _model_name(entry)
    if kind == "session":
        window_id, label, seconds = "five_hour", "5h", FIVE_HOURS
    elif kind == "weekly_all":
        window_id, label, seconds = "weekly", "Weekly", WEEK
    elif kind == "weekly_scoped":
        if model:
            window_id, label = f"weekly:{model}", f"{model} only"
        else:
            window_id, label = "weekly_scoped", "Weekly · scoped"
        seconds = WEEK
    else:
        seconds = as_seconds(first_present(entry, *_LENGTH_KEYS))
        if model:
            window_id, label = f"{kind}:{model}", f"{_words(kind)} · {model}"
        else:
            window_id, label = kind, _words(kind)
    return True, Window(
        id=window_id,
        label=label,
        used_percent=used,
        resets_at=_reset(entry, now),
        window_seconds=seconds if seconds and seconds > 0 else None,
    )


def _read_limits(value: Any, now: datetime) -> _Reading:
    reading = _Reading(windows=[])
    if value is None:
        return reading
    if not isinstance(value, list):
        reading.malformed += 1
        return reading
    seen: set[str] = set()
    for item in value:
        well_formed, window = _limit_window(item, now)
        if not well_formed:
            reading.malformed += 1
        if window is None:
            continue
        if window.id not in seen:  # the first of two entries claiming one id wins
            seen.add(window.id)
            reading.windows.append(window)
    return reading


def _same_model_scope(named: Window, scoped: list[Window]) -> bool:
    """weekly_opus (classic) and weekly:Opus (limits[]) are one window shown once."""
    if not named.id.startswith("weekly_"):
        return False
    model = named.id.removeprefix("weekly_").replace("_", " ")
    return any(
        re.search(rf"\b{re.escape(model)}\b", window.id.removeprefix("weekly:"), re.IGNORECASE)
        for window in scoped
        if window.id.startswith("weekly:")
    )


def _rank(window: Window) -> int:
    if window.id == "five_hour":
        return 0
    if window.id == "weekly":
        return 1
    if window.id.startswith(("weekly_", "weekly:")):
        return 2
    return 3


def _merge(named: list[Window], limits: list[Window]) -> list[Window]:
    """limits[] (the newer shape) wins an id both shapes name; the classic fills the rest."""
    newer = {window.id: window for window in limits}
    merged: list[Window] = []
    for window in named:
        if window.id in newer:
            merged.append(newer.pop(window.id))
        elif not _same_model_scope(window, limits):
            merged.append(window)
    merged += newer.values()
    # Stable: the classic per-model windows come before the scoped ones of limits[].
    return sorted(merged, key=_rank)


def _minor_units(value: Any, exponent: int) -> float | None:
    amount = as_float(value)
    return None if amount is None else amount / 10**exponent


def _spend_balance(spend: Any, extra: dict[str, Any] | None) -> Balance | None:
    """`spend` {amount_minor, exponent[, limit…, currency]}: exact money, wins over extra_usage.

    Newer answers nest the amount as `used: {amount_minor, currency, exponent}` next to
    `limit: {…}` and carry their own `enabled` flag; switched off, nothing is shown.
    """
    data = as_dict(spend)
    if data is None or as_bool(data.get("enabled")) is False:
        return None
    used = as_dict(data.get("used"))
    money = used if data.get("amount_minor") is None and used is not None else data
    exponent = as_int(money.get("exponent"))
    amount = as_float(money.get("amount_minor"))
    if exponent is None or amount is None or not 0 <= exponent <= 12:
        return None
    currency = as_str(money.get("currency")) or as_str(data.get("currency")) or "USD"
    unit = currency.upper() if re.fullmatch(r"[A-Za-z]{3}", currency) else "USD"
    limit = _minor_units(first_present(data, "limit_minor", "limit_amount_minor"), exponent)
    nested = as_dict(data.get("limit"))
    if limit is None and nested is not None:
        nested_exponent = as_int(nested.get("exponent"))
        if nested_exponent is not None and 0 <= nested_exponent <= 12:
            limit = _minor_units(nested.get("amount_minor"), nested_exponent)
    if limit is None and extra is not None and unit == "USD":
        limit = _minor_units(extra.get("monthly_limit"), 2)
    return Balance(
        id="extra_usage",
        label="Extra usage",
        amount=amount / 10**exponent,
        limit=limit,
        unit=unit,
    )


def _extra_usage(document: dict[str, Any]) -> tuple[Balance | None, bool]:
    """(balance, well-formed) for extra_usage / spend; amounts are cents."""
    raw_extra = document.get("extra_usage")
    extra = as_dict(raw_extra)
    well_formed = raw_extra is None or extra is not None
    enabled = as_bool(extra.get("is_enabled")) if extra is not None else None
    spend = document.get("spend")
    if spend is None and extra is not None:
        spend = extra.get("spend")
    if enabled is not False:  # money spent is shown unless extra usage is switched off
        balance = _spend_balance(spend, extra)
        if balance is not None:
            return balance, True
    if extra is None or not enabled:
        return None, well_formed
    return (
        Balance(
            id="extra_usage",
            label="Extra usage",
            amount=_minor_units(extra.get("used_credits"), 2),
            limit=_minor_units(extra.get("monthly_limit"), 2),
            unit="USD",
        ),
        True,
    )


_EXPECTED = {*_NAMED, "limits", "extra_usage", "spend"}


def parse_usage(data: Any, now: datetime) -> Quota:
    """The /api/oauth/usage answer → windows and extra usage. Pure: no I/O, no clock but `now`.

    Both shapes are read: the classic named windows (five_hour, seven_day, seven_day_*) and
    the newer `limits[]`. When both name the same window, `limits[]` wins; a classic
    per-model window (weekly_opus) is dropped when `limits[]` has that model's scoped
    window (weekly:Opus). The plan is not in the answer: fetch() adds the credential's.
    """
    document = as_dict(data)
    if document is None:
        raise ParseError("the usage answer is not a JSON object")
    if not _EXPECTED.intersection(document) and not any(
        _looks_like_window(key, value) for key, value in document.items()
    ):
        error = as_dict(document.get("error"))
        kind = as_str(error.get("type")) if error else None
        if kind and re.fullmatch(r"[A-Za-z_]{1,40}", kind):
            raise ParseError(f"the usage answer is an error ({kind})")
        raise ParseError(
            "the usage answer has none of the expected fields (five_hour, seven_day, limits)"
        )
    named = _read_named(document, now)
    limits = _read_limits(document.get("limits"), now)
    balance, extra_ok = _extra_usage(document)
    windows = _merge(named.windows, limits.windows)
    malformed = named.malformed + limits.malformed + (0 if extra_ok else 1)
    if not windows and balance is None and malformed:
        raise ParseError("the usage answer has the expected fields, but none of a usable type")
    return Quota(windows=tuple(windows), balances=(balance,) if balance else ())


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most five-hour left, then most weekly left, then name."""
    return (*most_left_first(snapshot, "five_hour", "weekly"), snapshot.account.lower())


class ClaudeProvider(Provider):
    id = ID
    name = NAME
    short = "cl"
    # Claude punishes frequent polling: at most once a minute, and 5 minutes after a bare 429.
    poll_floor = 60.0
    rate_limit_wait = 300.0
    demo = ("providers.claude.demo",)
    settings: ClassVar[dict[str, type]] = {}

    discover = staticmethod(discover)
    precheck = staticmethod(precheck)
    fetch = staticmethod(fetch)
    sort_key = staticmethod(sort_key)
