"""Codex: ChatGPT plan quota for every saved and live Codex login (PROVIDERS.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from providers.base import (
    Account,
    DiscoveryContext,
    ParseError,
    Problem,
    Provider,
    SettingType,
    Switcher,
)
from providers.kit import jwt
from providers.kit.files import read_json_file
from providers.kit.http import FetchError, HttpSession
from providers.kit.opencode import opencode_entry
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.kit.values import (
    DAY,
    HOUR,
    after_seconds,
    any_to_datetime,
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_seconds,
    as_str,
    epoch_to_datetime,
    finite,
    first_present,
)
from providers.kit.window_ids import length_id, namespaced, same_limit, unique_windows
from providers.model import AccountSnapshot, Balance, Quota, Status, Window, most_left_first

ID = "codex"
NAME = "Codex"
USAGE_URL = "https://chatgpt.com/backend-api/wham/usage"
# Some deployments serve the same answer here instead; tried only when the first says 404.
FALLBACK_USAGE_URL = "https://chatgpt.com/backend-api/codex/usage"
SAVED_SUFFIX = ".auth.json"
LOGIN_HINT = "run `codex login`"

SENTENCES = {
    Status.AUTH_EXPIRED: f"ChatGPT rejected the token (HTTP 401): {LOGIN_HINT}",
    Status.FORBIDDEN: "ChatGPT refused access (HTTP 403): the account may be banned or lack Codex",
    Status.RATE_LIMITED: "ChatGPT rate-limited the usage request (HTTP 429): will retry later",
}


# --------------------------------------------------------------------------- discovery


def _account_from_auth(data: Any, *, label: str, source: str, path: Path, active: bool) -> Account:
    """An Account from the contents of a Codex auth.json (live or saved)."""
    document = as_dict(data)
    if document is None:
        return _broken(label, source, path, active, f"{source} is not a JSON object")
    tokens = as_dict(document.get("tokens")) or {}
    access = as_str(tokens.get("access_token"))
    if access is None:
        if as_str(document.get("OPENAI_API_KEY")):
            message = (
                "Signed in with an API key, which has no ChatGPT plan quota: "
                f"{LOGIN_HINT} with a ChatGPT account"
            )
        else:
            message = f"No access token in {source}: {LOGIN_HINT}"
        return _broken(label, source, path, active, message, Status.AUTH_EXPIRED)
    account_id = as_str(tokens.get("account_id")) or account_id_from_token(access)
    return Account(
        provider=ID,
        label=label,
        source=source,
        secret=Secret(access),
        active=active,
        identity=account_id,
        extra={
            "account_id": account_id,
            "email": jwt.email(as_str(tokens.get("id_token"))) or jwt.email(access),
        },
        path=path,
    )


def _broken(
    label: str,
    source: str,
    path: Path | None,
    active: bool,
    message: str,
    status: Status = Status.ERROR,
) -> Account:
    return Account(
        provider=ID,
        label=label,
        source=source,
        active=active,
        problem=Problem(status, message),
        path=path,
    )


def account_id_from_token(access: str) -> str | None:
    auth_claim = as_dict(jwt.claims(access).get("https://api.openai.com/auth")) or {}
    return as_str(auth_claim.get("chatgpt_account_id"))


def saved_account_dirs(context: DiscoveryContext) -> list[Path]:
    """Folders of `<name>.auth.json` files: ./account, the config's, then --account-dir's."""
    paths = context.paths
    candidates = [paths.cwd / "account"]
    candidates += [paths.expand(entry) for entry in context.settings.get("account_dirs", [])]
    candidates += [paths.expand(entry) for entry in context.account_dirs]
    unique: list[Path] = []
    seen: set[Path] = set()
    for folder in candidates:
        if not folder.is_dir():
            continue
        try:
            resolved = folder.resolve()
        except (OSError, RuntimeError):  # a symlink loop (RuntimeError before Python 3.13)
            continue
        if resolved not in seen:
            seen.add(resolved)
            unique.append(folder)
    return unique


def saved_name(path: Path) -> str:
    return path.name[: -len(SAVED_SUFFIX)] if path.name.endswith(SAVED_SUFFIX) else path.stem


def _discover_live(paths: Paths) -> list[Account]:
    path = paths.codex_home / "auth.json"
    source = paths.display(path)
    read = read_json_file(path, source)
    if read.missing:
        return []
    if read.problem:
        return [_broken("default", source, path, True, read.problem)]
    account = _account_from_auth(read.data, label="default", source=source, path=path, active=True)
    email = account.extra.get("email")
    return [replace(account, label=email)] if email else [account]


def _discover_saved(context: DiscoveryContext) -> list[Account]:
    accounts = []
    for folder in saved_account_dirs(context):
        for path in sorted(folder.glob(f"*{SAVED_SUFFIX}")):
            source = context.paths.display(path)
            read = read_json_file(path, source)
            if read.missing:
                continue
            label = saved_name(path)
            if read.problem:
                accounts.append(_broken(label, source, path, False, read.problem))
                continue
            accounts.append(
                _account_from_auth(read.data, label=label, source=source, path=path, active=False)
            )
    return accounts


def _discover_opencode(paths: Paths) -> list[Account]:
    entry, source, path = opencode_entry(paths, "openai")
    if entry is None:
        return []
    access = as_str(entry.get("access"))
    if access is None:
        return []
    account_id = as_str(entry.get("accountId")) or account_id_from_token(access)
    email = jwt.email(access)
    return [
        Account(
            provider=ID,
            label=email or "opencode",
            named=email is not None,
            source=source,
            secret=Secret(access),
            identity=account_id,
            extra={
                "account_id": account_id,
                "email": email,
                "expires": epoch_to_datetime(entry.get("expires")),
            },
            path=path,
        )
    ]


def _same_account(first: Account, second: Account) -> bool:
    if first.identity and second.identity:
        return first.identity == second.identity
    return bool(first.secret and second.secret and first.secret == second.secret)


class _Kept:
    """The usable accounts kept so far, indexed the way _same_account compares them, so that
    each new one is checked in constant time: a folder of n saved files costs n, not n²."""

    def __init__(self) -> None:
        self.identities: set[str] = set()
        self.secrets: set[Secret] = set()
        self.secrets_without_identity: set[Secret] = set()

    def add(self, account: Account) -> None:
        if account.problem:
            return
        if account.identity:
            self.identities.add(account.identity)
        if account.secret:
            self.secrets.add(account.secret)
            if not account.identity:
                self.secrets_without_identity.add(account.secret)

    def has_twin(self, account: Account) -> bool:
        """Whether _same_account(kept, account) holds for a kept account."""
        if account.identity:
            if account.identity in self.identities:
                return True
            return bool(account.secret) and account.secret in self.secrets_without_identity
        return bool(account.secret) and account.secret in self.secrets


def discover(context: DiscoveryContext) -> list[Account]:
    """Every Codex login found, one Account per ChatGPT account.

    The live login wins a tie (its tokens are the newest, Codex rotates them) but
    takes the saved twin's name, so `work` stays `work` after you switch to it.
    """
    live = _discover_live(context.paths)
    saved = _discover_saved(context)
    opencode = _discover_opencode(context.paths)
    result: list[Account] = []
    kept = _Kept()
    for account in live:
        twin = next((s for s in saved if not s.problem and _same_account(s, account)), None)
        if twin is not None and not account.problem:
            account = replace(account, label=twin.label)
        result.append(account)
        kept.add(account)
    for account in saved + opencode:
        if account.problem or not kept.has_twin(account):
            result.append(account)
            kept.add(account)
    return result


# --------------------------------------------------------------------------- checks


def precheck(account: Account, now: datetime) -> Problem | None:
    """Tokens we can tell are useless without asking the network."""
    if account.problem:
        return account.problem
    token = account.secret.reveal() if account.secret else ""
    if token.startswith("sess-"):
        return Problem(
            Status.AUTH_EXPIRED,
            "This is a browser session token (sess-…), not the Codex access token (a JWT): "
            f"{LOGIN_HINT}",
        )
    # Either clock is enough: OpenCode's `expires` (ms) is its own record of when the token
    # dies, and a JWT `exp` in the future does not make a token OpenCode gave up on usable.
    known = [when for when in (jwt.expiry(token), account.extra.get("expires")) if when]
    expires = min(known, default=None)
    if expires is not None and expires <= now:
        local = expires.astimezone().strftime("%Y-%m-%d %H:%M %Z")
        return Problem(Status.AUTH_EXPIRED, f"Access token expired at {local}: {LOGIN_HINT}")
    return None


# --------------------------------------------------------------------------- fetch


async def fetch(account: Account, http: HttpSession, now: datetime) -> Quota:
    assert account.secret is not None  # precheck turned secret-less accounts into problems
    headers = {
        "Authorization": f"Bearer {account.secret.reveal()}",
        "Accept": "application/json",
        "Origin": "https://chatgpt.com",
        "Referer": "https://chatgpt.com/",
    }
    account_id = account.extra.get("account_id")
    if account_id:
        headers["ChatGPT-Account-Id"] = account_id
    try:
        data = await http.request_json(ID, "GET", USAGE_URL, headers=headers, sentences=SENTENCES)
    except FetchError as error:
        if error.http_status != 404:
            raise
        data = await http.request_json(
            ID, "GET", FALLBACK_USAGE_URL, headers=headers, sentences=SENTENCES
        )
    return parse_usage(data, http.clock())


# --------------------------------------------------------------------------- parse

_CONTAINER_KEYS = ("rate_limit", "rate_limits")
# Each slot lists its key variants, and the window it stands for when the answer gives no length.
_PRIMARY_KEYS = (
    "primary_window",
    "primary",
    "five_hour",
    "five_hour_limit",
    "five_hour_rate_limit",
)
_SECONDARY_KEYS = ("secondary_window", "secondary", "weekly", "weekly_limit", "weekly_rate_limit")
# A slot's window when the answer gives no length (§1), and the length it then stands for: a
# slot never names a window whose length is known (Changes in 2026).
_DEFAULT_SLOT = {"primary": ("five_hour", "5h"), "secondary": ("weekly", "Weekly")}
_SLOT_LENGTH = {"primary": 5 * HOUR, "secondary": 7 * DAY}
_USED_KEYS = ("used_percent", "usedPercent", "used_percentage")
_LEFT_KEYS = ("percent_left", "remaining_percent", "remainingPercent")
_RESET_KEYS = ("reset_at", "resets_at", "reset_time_ms", "resetAt", "resetsAt")
_RESET_AFTER_KEYS = ("reset_after_seconds", "resets_in_seconds", "reset_after", "resetAfterSeconds")


@dataclass(frozen=True)
class _RawWindow:
    slot: str
    used_percent: float
    resets_at: datetime | None
    seconds: int | None

    @property
    def length(self) -> tuple[str, str]:
        """Its id and label: by its length (§0), by its slot only when the answer has none."""
        if self.seconds is not None:
            return length_id(self.seconds)
        return _DEFAULT_SLOT[self.slot]

    @property
    def nominal_seconds(self) -> int:
        """Its length, or the length its slot stands for: what "shortest first" sorts by."""
        return self.seconds if self.seconds is not None else _SLOT_LENGTH[self.slot]


def _read_window(slot: str, value: Any, now: datetime) -> _RawWindow | None:
    """One window object, or None when it is missing or malformed (dropped alone)."""
    data = as_dict(value)
    if data is None:
        return None
    nested = as_dict(data.get("primary_window"))
    if nested is not None and first_present(data, *_USED_KEYS, *_LEFT_KEYS) is None:
        data = nested
    used = as_float(first_present(data, *_USED_KEYS))
    if used is None:
        left = as_float(first_present(data, *_LEFT_KEYS))
        if left is None:
            return None
        used = 100.0 - left
    given = as_int(first_present(data, "limit_window_seconds", "window_seconds"))
    minutes = data.get("window_minutes")
    seconds = as_seconds(given) if given is not None else as_seconds(minutes, 60)
    return _RawWindow(slot, used, _resets_at(data, now), seconds)


def _resets_at(data: dict[str, Any], now: datetime) -> datetime | None:
    """`reset_at` and its spellings (epoch s or ms, or ISO text), else the relative one."""
    resets_at = any_to_datetime(first_present(data, *_RESET_KEYS))
    if resets_at is None:
        resets_at = after_seconds(now, first_present(data, *_RESET_AFTER_KEYS))
    return resets_at


def _pick(container: dict[str, Any], keys: tuple[str, ...]) -> tuple[str | None, Any]:
    for key in keys:
        if container.get(key) is not None:
            return key, container[key]
    return None, None


def _slot_for_key(key: str | None, default: str) -> str:
    if key and key.startswith("five_hour"):
        return "primary"
    if key and key.startswith("weekly"):
        return "secondary"
    return default


@dataclass
class _Malformed:
    """How many fields of the answer were present but of no usable type.

    An answer with nothing usable and some of these is not the JSON we expect (a
    `bad_response`), not an account without quota; null fields are not counted.
    """

    count: int = 0

    def check(self, value: Any, usable: bool) -> None:
        if value is not None and not usable:
            self.count += 1


def _raw_windows(container: Any, now: datetime, malformed: _Malformed) -> list[_RawWindow]:
    """The windows of a rate-limit container, shortest first (a reversed pair put back)."""
    data = as_dict(container)
    malformed.check(container, data is not None)
    if data is None:
        return []
    raw: list[_RawWindow] = []
    for default_slot, keys in (("primary", _PRIMARY_KEYS), ("secondary", _SECONDARY_KEYS)):
        key, value = _pick(data, keys)
        window = _read_window(_slot_for_key(key, default_slot), value, now)
        malformed.check(value, window is not None)
        if window is not None:
            raw.append(window)
    return sorted(raw, key=lambda window: window.nominal_seconds)


def _to_window(window_id: str, label: str, raw: _RawWindow) -> Window:
    return Window(
        id=window_id,
        label=label,
        used_percent=raw.used_percent,
        resets_at=raw.resets_at,
        window_seconds=raw.seconds,
    )


def _additional_windows(items: Any, now: datetime, malformed: _Malformed) -> list[Window]:
    """`additional_rate_limits[]` → `<slug of limit_name>:<length id>` windows, in list order.

    An extra limit is its feature (`metered_feature`, else `limit_name`) at one length: a later
    entry for a feature and length already seen is that limit again and is dropped whatever
    its figures (§1, Changes in 2026). Distinct features under one name keep both windows;
    unique_windows tells them apart as `…_2`.
    """
    malformed.check(items, isinstance(items, list))
    windows: list[Window] = []
    seen: set[tuple[str, str]] = set()
    for item in as_list(items):
        entry = as_dict(item)
        malformed.check(item, entry is not None)
        if entry is None:
            continue
        limit_name = as_str(entry.get("limit_name"))
        feature = as_str(entry.get("metered_feature"))
        name = limit_name or feature or "Extra"
        identity = feature or limit_name
        container = first_present(entry, *_CONTAINER_KEYS)
        if container is None:
            container = entry
        for raw in _raw_windows(container, now, malformed):
            window_id, label = namespaced(name, raw.nominal_seconds)
            if identity is not None:
                key = (identity, raw.length[0])
                if key in seen:
                    continue
                seen.add(key)
            windows.append(_to_window(window_id, label, raw))
    return windows


def _same(first: Window, second: Window) -> bool:
    """Codex's test that two windows under one id are one limit (for unique_windows).

    Extra limits that still share an id are distinct features under one name, since repeats
    of a feature and length were dropped already; other windows go by §0's default.
    """
    if ":" in first.id:
        return False
    return same_limit(first, second)


# --------------------------------------------------------------------------- monthly pool

_POOL_KEYS = ("individual_limit", "individualLimit")
_SPEND_KEYS = ("spend_control", "spendControl")
_POOL_LABEL = "Monthly credits"


def _pool_candidates(document: dict[str, Any]) -> list[Any]:
    """Every place a member's monthly credit pool may be, in the order that wins (§1, 2026):
    the root, the rate-limit container, then the spend control."""
    places: list[dict[str, Any]] = [document]
    places += [c for c in (as_dict(document.get(key)) for key in _CONTAINER_KEYS) if c]
    spend = as_dict(first_present(document, *_SPEND_KEYS))
    if spend is not None:
        places.append(spend)
    return [place.get(key) for place in places for key in _POOL_KEYS]


def _pool_window(document: dict[str, Any], now: datetime) -> Window | None:
    """The `monthly` credits window of the first usable pool (a `limit` that is a number > 0);
    a null, empty or limitless pool is skipped, not a stop."""
    for candidate in _pool_candidates(document):
        pool = as_dict(candidate)
        limit = as_float(pool.get("limit")) if pool is not None else None
        if pool is None or limit is None or limit <= 0:
            continue
        used = as_float(pool.get("used"))
        if used is not None:  # the credits themselves win over a percentage that disagrees
            percent = finite(used / limit * 100)
        else:
            left = as_float(first_present(pool, "remaining_percent", "remainingPercent"))
            percent = (
                100.0 - left
                if left is not None
                else as_float(first_present(pool, "used_percent", "usedPercent"))
            )
            used = finite(limit * percent / 100) if percent is not None else None
        return Window(
            id="monthly",
            label=_POOL_LABEL,
            used_percent=percent,
            resets_at=_resets_at(pool, now),
            window_seconds=None,  # a billing month, not a rolling window of a fixed length
            used=used,
            limit=limit,
            unit="credits",
        )
    return None


# What `rate_limit_reached_type` says, for people; an unknown type is shown as it came.
_REACHED = {
    "rate_limit_reached": "A usage limit is reached",
    "workspace_owner_credits_depleted": "The workspace owner's credits are used up",
    "workspace_member_credits_depleted": "Your credits in this workspace are used up",
    "workspace_owner_usage_limit_reached": "The workspace owner's usage limit is reached",
    "workspace_member_usage_limit_reached": "Your usage limit in this workspace is reached",
}
_REACHED_KEYS = ("rate_limit_reached_type", "rateLimitReachedType")


def _reached_details(document: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    """Detail-view lines for a blocked member: the account itself still reads `ok`."""
    details: list[tuple[str, str]] = []
    spend = as_dict(first_present(document, *_SPEND_KEYS)) or {}
    if as_bool(spend.get("reached")):
        details.append(("Spend control", "Monthly credit limit reached: blocked until it resets"))
    places = [document, *(c for c in (as_dict(document.get(k)) for k in _CONTAINER_KEYS) if c)]
    for place in places:
        raw = first_present(place, *_REACHED_KEYS)
        kind = as_str(raw) or as_str((as_dict(raw) or {}).get("type"))
        if kind:
            details.append(("Limit reached", _REACHED.get(kind, kind.replace("_", " "))))
            break
    return tuple(details)


def _credits(value: Any) -> Balance | None:
    data = as_dict(value)
    if data is None:
        return None
    has_credits = as_bool(data.get("has_credits")) or False
    unlimited = as_bool(data.get("unlimited")) or False
    amount = as_float(data.get("balance"))
    if not (has_credits or unlimited or (amount is not None and amount != 0)):
        return None
    return Balance(
        id="credits", label="Credits", amount=amount, unit="credits", unlimited=unlimited
    )


_KNOWN_TOP_LEVEL = {
    "plan_type",
    "credits",
    "additional_rate_limits",
    *_CONTAINER_KEYS,
    *_POOL_KEYS,
    *_SPEND_KEYS,
    *_REACHED_KEYS,
}


def parse_usage(data: Any, now: datetime) -> Quota:
    """The wham/usage answer → plan, windows and credits. Pure: no I/O, no clock but `now`.

    Windows in display order (§1, Changes in 2026): the rate-limit windows shortest first,
    the monthly credit pool, then the additional limits; ids unique within the account.
    """
    document = as_dict(data)
    if document is None:
        raise ParseError("the usage answer is not a JSON object")
    container = first_present(document, *_CONTAINER_KEYS)
    if container is None and any(k in document for k in _PRIMARY_KEYS + _SECONDARY_KEYS):
        container = document  # some answers put the windows at the top level
    if container is None and not _KNOWN_TOP_LEVEL.intersection(document):
        raise ParseError("the usage answer has none of the expected fields (rate_limit, plan_type)")
    malformed = _Malformed()
    windows = [_to_window(*raw.length, raw) for raw in _raw_windows(container, now, malformed)]
    pool = _pool_window(document, now)
    if pool is not None:
        windows.append(pool)
    windows += _additional_windows(document.get("additional_rate_limits"), now, malformed)
    raw_credits = document.get("credits")
    malformed.check(raw_credits, as_dict(raw_credits) is not None)
    credits = _credits(raw_credits)
    raw_plan = document.get("plan_type")
    plan = as_str(raw_plan)
    malformed.check(raw_plan, isinstance(raw_plan, str))
    if not windows and credits is None and plan is None and malformed.count:
        raise ParseError("the usage answer has the expected fields, but none of a usable type")
    return Quota(
        plan=plan,
        windows=unique_windows(windows, _same),
        balances=(credits,) if credits else (),
        details=_reached_details(document),
    )


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most five-hour left, then most weekly left, then earliest weekly reset, then name."""
    weekly = snapshot.window("weekly")
    weekly_reset = weekly.resets_at.timestamp() if weekly and weekly.resets_at else float("inf")
    return (
        *most_left_first(snapshot, "five_hour", "weekly"),
        weekly_reset,
        snapshot.account.lower(),
    )


class CodexProvider(Provider):
    id = ID
    name = NAME
    short = "cdx"
    accepts_account_dirs = True
    demo = ("providers.codex.demo",)

    def switcher(self) -> Switcher:
        # Imported here: the switch's modules import this one.
        from providers.codex.flow import CodexSwitcher

        return CodexSwitcher()

    settings: ClassVar[dict[str, SettingType]] = {
        "account_dirs": list,
        # Automatic switching (tui/switching/auto.py): opt-in, off by default.
        "auto_switch": bool,
        "switch_below": (int, float),
        "switch_target_min": (int, float),
        "switch_cooldown": (int, float),
    }

    discover = staticmethod(discover)
    precheck = staticmethod(precheck)
    fetch = staticmethod(fetch)
    sort_key = staticmethod(sort_key)
