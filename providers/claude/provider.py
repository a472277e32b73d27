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
from providers.kit.currency import currency_code, minor_exponent
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
from providers.kit.window_ids import binding_first, length_id, same_limit, unique_windows
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
# How close a limit is, as the service grades it (Changes in 2026); anything else is normal.
_SEVERITY = {"warning": 1, "critical": 2}


@dataclass
class _Reading:
    """What parsing found, and how many fields it had to give up on."""

    windows: list[Window]
    malformed: int = 0


@dataclass
class _Limit:
    """One `limits[]` entry that made a window, with the service's flags for the binding rule."""

    window: Window
    active: bool
    severity: int


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


def _length(data: dict[str, Any]) -> int | None:
    """The window's length when the service sends one (§0: a length names the window)."""
    seconds = as_seconds(first_present(data, *_LENGTH_KEYS))
    return seconds if seconds and seconds > 0 else None


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
    seconds: int | None
    if key in _NAMED:
        window_id, label, seconds = _NAMED[key]
    elif key.startswith("seven_day_"):
        rest = key.removeprefix("seven_day_")
        window_id, label, seconds = f"weekly_{rest}", f"Weekly · {_words(rest)}", WEEK
    elif key.startswith("five_hour_"):
        rest = key.removeprefix("five_hour_")
        window_id, label, seconds = f"five_hour_{rest}", f"5h · {_words(rest)}", FIVE_HOURS
    else:
        # A key we do not know is named by its length when it has one (§0), its words
        # staying the label; without a length, the key itself is all there is to go by.
        seconds = _length(data)
        window_id = length_id(seconds)[0] if seconds else key
        label = _words(key)
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


def _name_in(value: Any) -> str | None:
    """A scope part's name: a plain string, or an object's display_name / name / id."""
    text = as_str(value)
    if text:
        return text
    named = as_dict(value)
    if named is None:
        return None
    for key in _MODEL_NAME_KEYS:
        name = as_str(named.get(key))
        if name:
            return name
    return None


def _scope_name(entry: dict[str, Any]) -> str | None:
    """What a scoped limit is scoped to: `scope.model` first (a model's display name), else
    `scope.surface` (a client such as Claude Code), else any other named part of the scope.
    Either names the window `weekly:<name>`, labelled "<name> only"."""
    scope = as_dict(entry.get("scope")) or {}
    parts = [scope.get("model"), scope.get("surface")]
    parts += [value for key, value in scope.items() if key not in ("model", "surface")]
    for part in parts:
        name = _name_in(part)
        if name:
            return name
    return as_str(entry.get("display_name"))


def _limit_window(entry: dict[str, Any], kind: str, used: float, now: datetime) -> Window:
    """The window of one readable `limits[]` entry (PROVIDERS.md §2 and its 2026 part)."""
    name = _scope_name(entry)
    seconds = _length(entry)
    if kind == "session" and seconds is None:
        window_id, label, seconds = "five_hour", "5h", FIVE_HOURS
    elif kind == "weekly_all" and seconds is None:
        window_id, label, seconds = "weekly", "Weekly", WEEK
    elif kind == "weekly_scoped" and seconds is None:
        seconds = WEEK
        if name:
            window_id, label = f"weekly:{name}", f"{name} only"
        else:
            window_id, label = "weekly_scoped", "Weekly · scoped"
    elif seconds is not None:
        # A length the service sent names the window, whatever its kind says (§0): a 1-hour
        # "session" is `hourly`, never `five_hour`.
        base, base_label = length_id(seconds)
        if name and kind.endswith("_scoped"):
            window_id, label = f"{base}:{name}", f"{name} only"
        elif name:
            window_id, label = f"{base}:{name}", f"{_words(kind)} · {name}"
        elif kind in ("session", "weekly_all"):
            window_id, label = base, base_label
        else:
            window_id, label = base, _words(kind)
    elif name:
        window_id, label = f"{kind}:{name}", f"{_words(kind)} · {name}"
    else:
        window_id, label = kind, _words(kind)
    return Window(
        id=window_id,
        label=label,
        used_percent=used,
        resets_at=_reset(entry, now),
        window_seconds=seconds,
    )


def _read_limit(item: Any, now: datetime) -> tuple[bool, _Limit | None]:
    """(well-formed, limit) for one entry of `limits[]`; a null percentage is no window."""
    entry = as_dict(item)
    if entry is None:
        return item is None, None
    kind = as_str(entry.get("kind"))
    if kind is None:
        return False, None
    readable, used = _percent_used(entry)
    if used is None:
        return readable, None
    severity = as_str(entry.get("severity"))
    return True, _Limit(
        window=_limit_window(entry, kind, used, now),
        active=as_bool(entry.get("is_active")) is True,
        severity=_SEVERITY.get(severity.lower(), 0) if severity else 0,
    )


def _read_limits(value: Any, now: datetime) -> tuple[list[_Limit], int]:
    """The entries that make a window, and how many were malformed. The same limit told
    twice (§0: same id, length, share and reset) is one, keeping both entries' flags."""
    if value is None:
        return [], 0
    if not isinstance(value, list):
        return [], 1
    kept: list[_Limit] = []
    malformed = 0
    for item in value:
        well_formed, found = _read_limit(item, now)
        if not well_formed:
            malformed += 1
        if found is None:
            continue
        twin = next(
            (
                limit
                for limit in kept
                if limit.window.id == found.window.id and same_limit(limit.window, found.window)
            ),
            None,
        )
        if twin is None:
            kept.append(found)
        else:
            twin.active = twin.active or found.active
            twin.severity = max(twin.severity, found.severity)
    return kept, malformed


def _binding(limits: list[_Limit]) -> _Limit | None:
    """The limit holding the account back now (Changes in 2026, decided): the one with
    `is_active` (several: the highest percent); else the worst severity above normal
    (critical before warning, then the highest percent); else none. Only entries that made
    a window take part; on a tie the first listed wins."""

    def used(limit: _Limit) -> float:
        return limit.window.used_percent or 0.0

    active = [limit for limit in limits if limit.active]
    if active:
        return max(active, key=used)
    graded = [limit for limit in limits if limit.severity > 0]
    if graded:
        return max(graded, key=lambda limit: (limit.severity, used(limit)))
    return None


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


# Families of windows, in display order: the five-hour ones, then the weekly ones (the plain
# window of each first, then the per-model and per-surface ones), then anything else.
_FIVE_HOUR_FAMILY = (0, 1)
_WEEKLY_FAMILY = (2, 3)


def _rank(window: Window) -> int:
    if window.id == "five_hour":
        return 0
    if window.id.startswith(("five_hour_", "five_hour:")):
        return 1
    if window.id == "weekly":
        return 2
    if window.id.startswith(("weekly_", "weekly:")):
        return 3
    return 4


def _fullest_first(windows: list[Window], family: tuple[int, ...]) -> list[Window]:
    """The family's fullest window moved to the family's front, when it is fuller than the
    one there: the overview shows the first window of each family, and a scoped limit that
    is nearly used up must never hide behind a comfortable plain figure (issue 14)."""
    members = [index for index, window in enumerate(windows) if _rank(window) in family]
    if len(members) < 2:
        return windows
    fullest = max(members, key=lambda index: windows[index].used_percent or 0.0)
    front = members[0]
    if (windows[fullest].used_percent or 0.0) <= (windows[front].used_percent or 0.0):
        return windows
    reordered = list(windows)
    reordered.insert(front, reordered.pop(fullest))
    return reordered


def _merge(named: list[Window], limits: list[Window]) -> list[Window]:
    """limits[] (the newer shape) wins an id both shapes name; the classic fills the rest."""
    newer = {window.id for window in limits}
    merged = [
        window
        for window in named
        if window.id not in newer and not _same_model_scope(window, limits)
    ]
    # Stable: within a family the classic windows come before those of limits[], and every
    # id is made unique in the order the answer listed them (§0) before anything moves.
    ordered = list(unique_windows(sorted([*merged, *limits], key=_rank)))
    for family in (_FIVE_HOUR_FAMILY, _WEEKLY_FAMILY):
        ordered = _fullest_first(ordered, family)
    return ordered


def _money(value: Any, exponent: int) -> float | None:
    """An amount in minor units as the currency's major unit; never converted."""
    amount = as_float(value)
    return None if amount is None else amount / 10**exponent


def _exponent(value: Any) -> int | None:
    exponent = as_int(value)
    return exponent if exponent is not None and 0 <= exponent <= 12 else None


def _spend_balance(spend: Any, extra: dict[str, Any] | None) -> Balance | None:
    """`spend` {amount_minor, exponent[, limit…, currency]}: exact money, wins over extra_usage.

    Newer answers nest the amount as `used: {amount_minor, currency, exponent}` next to
    `limit: {…}` and carry their own `enabled` flag; switched off, nothing is shown. Spend
    keeps its own currency and exponent; a limit in another currency is not shown (never
    converted), and extra_usage's monthly limit stands in only when its currency is the same.
    """
    data = as_dict(spend)
    if data is None or as_bool(data.get("enabled")) is False:
        return None
    used = as_dict(data.get("used"))
    money = used if data.get("amount_minor") is None and used is not None else data
    exponent = _exponent(money.get("exponent"))
    amount = as_float(money.get("amount_minor"))
    if exponent is None or amount is None:
        return None
    extra_unit = _extra_currency(extra)
    unit = (
        currency_code(money.get("currency"))
        or currency_code(data.get("currency"))
        or (extra_unit if extra is not None else "USD")
    )
    limit = _money(first_present(data, "limit_minor", "limit_amount_minor"), exponent)
    nested = as_dict(data.get("limit"))
    if limit is None and nested is not None:
        nested_exponent = _exponent(nested.get("exponent"))
        nested_unit = currency_code(nested.get("currency")) or unit
        if nested_exponent is not None and nested_unit == unit:
            limit = _money(nested.get("amount_minor"), nested_exponent)
    if limit is None and extra is not None and extra_unit == unit:
        limit = _money(extra.get("monthly_limit"), minor_exponent(unit))
    return Balance(
        id="extra_usage",
        label="Extra usage",
        amount=amount / 10**exponent,
        limit=limit,
        unit=unit,
    )


def _extra_currency(extra: dict[str, Any] | None) -> str:
    """extra_usage's currency, upper-cased; USD when it names none (or no readable code)."""
    return (currency_code(extra.get("currency")) if extra is not None else None) or "USD"


def _extra_usage(document: dict[str, Any]) -> tuple[Balance | None, bool]:
    """(balance, well-formed) for extra_usage / spend; amounts are minor units of the
    currency the answer names (cents for USD and EUR, yen for JPY)."""
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
    unit = _extra_currency(extra)
    exponent = minor_exponent(unit)
    return (
        Balance(
            id="extra_usage",
            label="Extra usage",
            amount=_money(extra.get("used_credits"), exponent),
            limit=_money(extra.get("monthly_limit"), exponent),
            unit=unit,
        ),
        True,
    )


_EXPECTED = {*_NAMED, "limits", "extra_usage", "spend"}


def parse_usage(data: Any, now: datetime) -> Quota:
    """The /api/oauth/usage answer → windows and extra usage. Pure: no I/O, no clock but `now`.

    Both shapes are read: the classic named windows (five_hour, seven_day, seven_day_*) and
    the newer `limits[]`. When both name the same window, `limits[]` wins; a classic
    per-model window (weekly_opus) is dropped when `limits[]` has that model's scoped
    window (weekly:Opus). The limit the service says binds now is marked and listed first;
    otherwise each family's fullest window leads it. The plan is not in the answer: fetch()
    adds the credential's.
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
    limits, limits_malformed = _read_limits(document.get("limits"), now)
    bound = _binding(limits)
    limit_windows = [
        replace(limit.window, binding=True) if limit is bound else limit.window for limit in limits
    ]
    balance, extra_ok = _extra_usage(document)
    windows = binding_first(_merge(named.windows, limit_windows))
    malformed = named.malformed + limits_malformed + (0 if extra_ok else 1)
    if not windows and balance is None and malformed:
        raise ParseError("the usage answer has the expected fields, but none of a usable type")
    return Quota(windows=windows, balances=(balance,) if balance else ())


# --------------------------------------------------------------------------- order


def _least_weekly_left(snapshot: AccountSnapshot) -> tuple[bool, float]:
    """The weekly family's least share left (the figure its overview slot shows)."""
    lefts = [
        window.remaining_percent
        for window in snapshot.windows
        if _rank(window) in _WEEKLY_FAMILY and window.remaining_percent is not None
    ]
    return (not lefts, -min(lefts, default=0.0))


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most five-hour left, then most left in the fullest weekly limit (a nearly used-up
    model limit counts, as the overview shows it), then name."""
    return (
        *most_left_first(snapshot, "five_hour"),
        *_least_weekly_left(snapshot),
        snapshot.account.lower(),
    )


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
