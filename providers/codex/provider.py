"""Codex: ChatGPT plan quota for every saved and live Codex login (PROVIDERS.md §1)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider, Switcher
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
    first_present,
    slug,
    window_id_for_length,
)
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


def discover(context: DiscoveryContext) -> list[Account]:
    """Every Codex login found, one Account per ChatGPT account.

    The live login wins a tie (its tokens are the newest, Codex rotates them) but
    takes the saved twin's name, so `work` stays `work` after you switch to it.
    """
    live = _discover_live(context.paths)
    saved = _discover_saved(context)
    opencode = _discover_opencode(context.paths)
    result: list[Account] = []
    for account in live:
        twin = next((s for s in saved if not s.problem and _same_account(s, account)), None)
        if twin is not None and not account.problem:
            account = replace(account, label=twin.label)
        result.append(account)
    kept = _Kept()
    for account in result:
        kept.add(account)
    for account in saved + opencode:
        if account.problem or not kept.has_same(account):
            result.append(account)
            kept.add(account)
    return result


class _Kept:
    """The accounts kept so far, indexed so that "is one of them _same_account as this one?"
    is asked without comparing with each (a thousand saved logins made that half a million
    comparisons, a tenth of a second every time discovery ran)."""

    def __init__(self) -> None:
        self.identities: set[str] = set()
        self.secrets: set[Secret] = set()  # of every kept account
        self.secrets_without_identity: set[Secret] = set()

    def add(self, account: Account) -> None:
        if account.problem:
            return  # a broken login is never the one another is the same as
        if account.identity:
            self.identities.add(account.identity)
        if account.secret:
            self.secrets.add(account.secret)
            if not account.identity:
                self.secrets_without_identity.add(account.secret)

    def has_same(self, account: Account) -> bool:
        # _same_account: by identity when both have one, else by secret.
        if account.identity:
            return account.identity in self.identities or bool(
                account.secret and account.secret in self.secrets_without_identity
            )
        return bool(account.secret and account.secret in self.secrets)


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
_DEFAULT_SLOT = {"primary": ("five_hour", "5h"), "secondary": ("weekly", "Weekly")}
_TYPICAL_LENGTH = {"five_hour": 5 * HOUR, "daily": DAY, "weekly": 7 * DAY, "monthly": 30 * DAY}
_USED_KEYS = ("used_percent", "usedPercent", "used_percentage")
_LEFT_KEYS = ("percent_left", "remaining_percent", "remainingPercent")
_RESET_KEYS = ("reset_at", "resets_at", "reset_time_ms", "resetAt")
_RESET_AFTER_KEYS = ("reset_after_seconds", "resets_in_seconds", "reset_after")


@dataclass(frozen=True)
class _RawWindow:
    slot: str
    used_percent: float
    resets_at: datetime | None
    seconds: int | None


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
    resets_at = any_to_datetime(first_present(data, *_RESET_KEYS))
    if resets_at is None:
        resets_at = after_seconds(now, first_present(data, *_RESET_AFTER_KEYS))
    return _RawWindow(slot, used, resets_at, seconds)


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


def _windows_from_container(
    container: Any, now: datetime, malformed: _Malformed
) -> list[tuple[str, str, _RawWindow]]:
    """The (id, label, window) of a rate-limit container, shortest window first."""
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
    named: list[tuple[str, str, _RawWindow]] = []
    for window in raw:
        if window.seconds is not None:
            window_id, label = window_id_for_length(window.seconds)
        else:
            window_id, label = _DEFAULT_SLOT[window.slot]
        named.append((window_id, label, window))
    if len(named) == 2 and named[0][0] == named[1][0]:
        # Two windows claiming one name: trust their positions instead (seed 003's rule).
        named = [(*_DEFAULT_SLOT[w.slot], w) for _, _, w in named]
        if named[0][0] == named[1][0]:
            named[1] = (*_DEFAULT_SLOT["secondary"], named[1][2])
    named.sort(key=lambda item: item[2].seconds or _TYPICAL_LENGTH.get(item[0], 0))
    return named


def _to_window(window_id: str, label: str, raw: _RawWindow) -> Window:
    return Window(
        id=window_id,
        label=label,
        used_percent=raw.used_percent,
        resets_at=raw.resets_at,
        window_seconds=raw.seconds,
    )


def _additional_windows(items: Any, now: datetime, malformed: _Malformed) -> list[Window]:
    malformed.check(items, isinstance(items, list))
    windows: list[Window] = []
    for item in as_list(items):
        entry = as_dict(item)
        malformed.check(item, entry is not None)
        if entry is None:
            continue
        name = as_str(entry.get("limit_name")) or as_str(entry.get("metered_feature")) or "Extra"
        container = first_present(entry, *_CONTAINER_KEYS)
        if container is None:
            container = entry
        for window_id, label, raw in _windows_from_container(container, now, malformed):
            windows.append(_to_window(f"{slug(name)}:{window_id}", f"{name} {label}", raw))
    return windows


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


_KNOWN_TOP_LEVEL = {"plan_type", "credits", "additional_rate_limits", *_CONTAINER_KEYS}


def parse_usage(data: Any, now: datetime) -> Quota:
    """The wham/usage answer → plan, windows and credits. Pure: no I/O, no clock but `now`."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the usage answer is not a JSON object")
    container = first_present(document, *_CONTAINER_KEYS)
    if container is None and any(k in document for k in _PRIMARY_KEYS + _SECONDARY_KEYS):
        container = document  # some answers put the windows at the top level
    if container is None and not _KNOWN_TOP_LEVEL.intersection(document):
        raise ParseError("the usage answer has none of the expected fields (rate_limit, plan_type)")
    malformed = _Malformed()
    windows = [_to_window(*item) for item in _windows_from_container(container, now, malformed)]
    windows += _additional_windows(document.get("additional_rate_limits"), now, malformed)
    raw_credits = document.get("credits")
    malformed.check(raw_credits, as_dict(raw_credits) is not None)
    credits = _credits(raw_credits)
    raw_plan = document.get("plan_type")
    plan = as_str(raw_plan)
    malformed.check(raw_plan, isinstance(raw_plan, str))
    if not windows and credits is None and plan is None and malformed.count:
        raise ParseError("the usage answer has the expected fields, but none of a usable type")
    return Quota(plan=plan, windows=tuple(windows), balances=(credits,) if credits else ())


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
    accepts_account_dirs = True
    demo = ("providers.codex.demo",)

    def switcher(self) -> Switcher:
        # Imported here: the switch's modules import this one.
        from providers.codex.flow import CodexSwitcher

        return CodexSwitcher()

    settings: ClassVar[dict[str, type]] = {"account_dirs": list}

    discover = staticmethod(discover)
    precheck = staticmethod(precheck)
    fetch = staticmethod(fetch)
    sort_key = staticmethod(sort_key)
