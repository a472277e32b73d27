"""Antigravity cloud quota (PROVIDERS.md §5): one account per entry of OpenCode's
antigravity-accounts.json (the opencode-antigravity-auth plugin), the `activeIndex` one
active; v1internal:fetchAvailableModels → one window per model with quota info, beside
v1internal:retrieveUserQuotaSummary → the 5-hour and weekly limit of each model group
(summary.py), listed first when offered.

The Antigravity editor's local cache (§5b) lives in cache.py; its accounts are listed
after the cloud ones and fetched by that module.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, Problem, Provider
from providers.google import cache as antigravity_cache
from providers.google.cloudcode import AVAILABLE_MODELS_URL, fetch_cloud_with_summary
from providers.google.models import group_windows, sort_key
from providers.google.oauth import ANTIGRAVITY, cached_token, client_extra, missing_client
from providers.google.parse import parse_available_models
from providers.kit.files import read_json_object
from providers.kit.http import HttpSession
from providers.kit.secrets import Secret
from providers.kit.values import as_dict, as_list, as_str, first_present
from providers.model import AccountSnapshot, Quota, Status

ANTIGRAVITY_ACCOUNTS_FILE = "antigravity-accounts.json"

# --------------------------------------------------------------------------- discovery

_REFRESH_KEYS = ("refreshToken", "refresh_token", "refresh")
_NESTED_TOKEN_KEYS = ("token", "tokens", "auth", "credentials", "oauth")
_EMAIL_KEYS = ("email", "emailAddress", "account")


def _entry_refresh(entry: dict[str, Any]) -> str | None:
    """The refresh token of one account entry: top level, or in a nested token object.

    The plugin's own v3 entries hold `refreshToken` at the top level (sometimes packed as
    `token|projectId|managedProjectId`); later versions may nest it, so look there too.
    """
    value = as_str(first_present(entry, *_REFRESH_KEYS))
    if value is None:
        for key in _NESTED_TOKEN_KEYS:
            nested = as_dict(entry.get(key))
            if nested is not None:
                value = as_str(first_present(nested, *_REFRESH_KEYS))
                if value:
                    break
    if value and "|" in value:
        value = value.split("|", 1)[0] or None
    return value


def _packed_project(entry: dict[str, Any]) -> str | None:
    """The project packed after the token (`refresh|projectId|managedProjectId`), if any."""
    raw = as_str(first_present(entry, *_REFRESH_KEYS))
    if not raw or "|" not in raw:
        return None
    parts = raw.split("|")
    return next((part.strip() for part in parts[1:] if part.strip()), None)


def _entry_project(entry: dict[str, Any]) -> str | None:
    return (
        as_str(entry.get("projectId"))
        or as_str(entry.get("project_id"))
        or as_str(entry.get("managedProjectId"))
        or as_str(entry.get("managed_project_id"))
        or _packed_project(entry)
    )


def _entries(document: dict[str, Any]) -> list[tuple[dict[str, Any] | None, str | None]]:
    """(entry, fallback e-mail) pairs: `accounts` as a list, or as an object keyed by e-mail."""
    accounts = document.get("accounts")
    if isinstance(accounts, dict):
        return [(as_dict(value), as_str(key)) for key, value in accounts.items()]
    return [(as_dict(value), None) for value in as_list(accounts)]


def _antigravity_broken(source: str, path: Path, label: str, message: str) -> Account:
    return Account(
        provider=ANTIGRAVITY.provider,
        label=label,
        source=source,
        problem=Problem(Status.ERROR, message),
        path=path,
    )


def _active_index(document: dict[str, Any], count: int) -> int | None:
    """The entry the plugin uses now, read as the plugin reads it: a missing or non-number
    activeIndex is 0, one out of range is clamped to the list (first or last entry)."""
    if count <= 0:
        return None
    value = document.get("activeIndex")
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    index = int(value) if is_number and math.isfinite(value) else 0
    return min(max(index, 0), count - 1)


def discover_antigravity_cloud(context: DiscoveryContext) -> list[Account]:
    """One account per entry of antigravity-accounts.json (versions 3 and 4, defensively)."""
    paths = context.paths
    path = paths.opencode_config_dir / ANTIGRAVITY_ACCOUNTS_FILE
    source = paths.display(path)
    read = read_json_object(path, source)
    if read.missing or read.empty:
        return []
    if read.problem:
        return [_antigravity_broken(source, path, "antigravity", read.problem)]
    document: dict[str, Any] = read.data
    if "accounts" in document and not isinstance(document["accounts"], (list, dict)):
        message = f"accounts in {source} is not a list"
        return [_antigravity_broken(source, path, "antigravity", message)]
    client = client_extra(context, ANTIGRAVITY)
    entries = _entries(document)
    active_index = _active_index(document, len(entries))
    result: list[Account] = []
    seen_labels: set[str] = set()
    for index, (entry, fallback_email) in enumerate(entries):
        if entry is None:
            continue
        email = as_str(first_present(entry, *_EMAIL_KEYS)) or fallback_email
        label = email or f"account {index + 1}"
        base, counter = label, 2
        while label in seen_labels:
            label, counter = f"{base} ({counter})", counter + 1
        seen_labels.add(label)
        refresh = _entry_refresh(entry)
        problem = None
        if refresh is None:
            problem = Problem(
                Status.AUTH_EXPIRED,
                f"No refresh token for {label} in {source}: {ANTIGRAVITY.login_hint}",
            )
        result.append(
            Account(
                provider=ANTIGRAVITY.provider,
                label=label,
                source=source,
                active=index == active_index,
                identity=email.lower() if email else None,
                extra={
                    "kind": "cloud",
                    "refresh": Secret(refresh) if refresh else None,
                    "project": _entry_project(entry),
                    "email": email,
                    **client,
                },
                problem=problem,
                path=path,
            )
        )
    return result


def precheck_antigravity(account: Account, now: datetime) -> Problem | None:
    if account.problem:
        return account.problem
    if account.extra.get("kind") == "cache":
        return None
    if cached_token(account, now):
        return None
    missing = missing_client(account, ANTIGRAVITY)
    if missing:
        # error, not auth_expired: the login is fine, the configuration is what is missing.
        return Problem(Status.ERROR, f"Antigravity needs a token refresh: {missing}")
    return None


class AntigravityProvider(Provider):
    id = ANTIGRAVITY.provider
    name = ANTIGRAVITY.name
    short = "ag"
    demo = ("providers.google.demo", "providers.google.cache_demo")
    env_names = (ANTIGRAVITY.id_env, ANTIGRAVITY.secret_env)
    group_windows = staticmethod(group_windows)
    # cache_path is read by cache.py (the state.vscdb file or its folder).
    settings: ClassVar[dict[str, type]] = {
        "client_id": str,
        "client_secret": str,
        "cache_path": str,
    }

    def discover(self, context: DiscoveryContext) -> list[Account]:
        """The cloud accounts first, then the editor's local cache (cache.py)."""
        return discover_antigravity_cloud(context) + antigravity_cache.discover(context)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return precheck_antigravity(account, now)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        if account.extra.get("kind") == "cache":
            return await antigravity_cache.fetch(account, now)
        return await fetch_cloud_with_summary(
            ANTIGRAVITY, account, http, now, AVAILABLE_MODELS_URL, parse_available_models
        )

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return sort_key(snapshot)
