"""GitHub Copilot: monthly AI credits or premium requests, chat and completions (PROVIDERS.md §3).

Two kinds of account:
- internal: a GitHub OAuth token (from the Copilot editor plugins' apps.json/hosts.json, OpenCode,
  or COPILOT_API_TOKEN) asked `copilot_internal/user`, with the `v2/token` exchange as a fallback;
- billing: a fine-grained PAT from OpenCode's `copilot-quota-token.json` asked the public
  AI-credit report (since 2026-06-01), or the premium-request report where that is not offered;
  both count consumption only.

Parsing lives beside this module: internal.py (the user answer), billing.py (the reports).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from providers.base import Account, DiscoveryContext, Problem, Provider
from providers.copilot import credits
from providers.copilot.billing import (
    CREDIT_TIER_LIMITS,
    TIER_LIMITS,
    parse_ai_credits,
    parse_billing,
)
from providers.copilot.internal import parse_user
from providers.kit.files import FileRead, read_json_object
from providers.kit.http import FetchError, HttpSession, sentence
from providers.kit.opencode import opencode_entry
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.kit.values import as_dict, as_seconds, as_str, epoch_to_datetime
from providers.model import AccountSnapshot, Quota, Status

__all__ = [
    "CREDIT_TIER_LIMITS",
    "TIER_LIMITS",
    "CopilotProvider",
    "parse_ai_credits",
    "parse_billing",
    "parse_user",
]

ID = "copilot"
NAME = "Copilot"

USER_URL = "https://api.github.com/copilot_internal/user"
TOKEN_URL = "https://api.github.com/copilot_internal/v2/token"
AI_CREDIT_URL = "https://api.github.com/users/{username}/settings/billing/ai_credit/usage"
BILLING_URL = "https://api.github.com/users/{username}/settings/billing/premium_request/usage"

PAT_FILE = "copilot-quota-token.json"
ENV_NAME = "COPILOT_API_TOKEN"
OPENCODE_KEY = "github-copilot"

# What the Copilot Chat extension sends; the internal endpoints expect an editor.
INTERNAL_HEADERS = {
    "Accept": "application/json",
    "Editor-Version": "vscode/1.96.2",
    "Editor-Plugin-Version": "copilot-chat/0.26.7",
    "User-Agent": "GitHubCopilotChat/0.26.7",
    "X-Github-Api-Version": "2025-04-01",
}
# The AI-credit report exists from REST API version 2026-03-10 on.
AI_CREDIT_HEADERS = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2026-03-10",
}
BILLING_HEADERS = {
    "Accept": "application/vnd.github+json",
    "X-GitHub-Api-Version": "2022-11-28",
}

EDITOR_REMEDY = "sign in to GitHub Copilot again in your editor"
OPENCODE_REMEDY = "run `opencode auth login` and choose GitHub Copilot"
ENV_REMEDY = f"set {ENV_NAME} to a current GitHub token"
PAT_REMEDY = 'create a fine-grained PAT with the "Plan: read" permission'

# Tokens a GitHub OAuth app or the Copilot plugins issue (OpenCode's `access` may instead hold a
# short-lived Copilot session token, which the quota endpoint does not take).
_GITHUB_TOKEN_PREFIXES = ("gho_", "ghu_")

KIND_INTERNAL = "internal"
KIND_BILLING = "billing"


# --------------------------------------------------------------------------- discovery


def _broken(
    label: str,
    source: str,
    path: Path | None,
    message: str,
    status: Status = Status.ERROR,
) -> Account:
    return Account(
        provider=ID, label=label, source=source, problem=Problem(status, message), path=path
    )


def _pat_candidates(paths: Paths) -> list[Path]:
    """Where the PAT file may be: OPENCODE_CONFIG_DIR, then OpenCode's global config folder.

    OPENCODE_CONFIG_DIR adds a config folder to OpenCode's global one rather than replacing
    it, and the plugins that write this file use the global one, so both are looked at.
    """
    candidates = [paths.opencode_config_dir, paths.xdg_config_home / "opencode"]
    return [folder / PAT_FILE for folder in dict.fromkeys(candidates)]


def _read_pat_file(paths: Paths) -> tuple[Path, str, FileRead] | None:
    """The first PAT file that exists, even a broken one (so it gets fixed), or None."""
    for path in _pat_candidates(paths):
        source = paths.display(path)
        read = read_json_object(path, source)
        if not read.missing:
            return path, source, read
    return None


def _discover_pat(paths: Paths) -> list[Account]:
    """OpenCode's copilot-quota-token.json: a PAT for the public billing report."""
    found = _read_pat_file(paths)
    if found is None:
        return []
    path, source, read = found
    if read.problem:
        return [_broken("billing", source, path, read.problem)]
    document: dict[str, Any] = read.data
    token = as_str(document.get("token"))
    username = as_str(document.get("username"))
    tier = as_str(document.get("tier"))
    label = f"{username} (billing)" if username else "billing"
    if token is None:
        return [
            _broken(label, source, path, f"No token in {source}: {PAT_REMEDY}", Status.AUTH_EXPIRED)
        ]
    if username is None:
        return [
            _broken(
                label,
                source,
                path,
                f"No username in {source}: the billing report needs your GitHub login",
            )
        ]
    return [
        Account(
            provider=ID,
            label=label,
            source=source,
            secret=Secret(token),
            identity=f"billing:{username.lower()}",
            extra={"kind": KIND_BILLING, "username": username, "tier": tier},
            path=path,
        )
    ]


def _internal_account(
    token: str, *, label: str, source: str, path: Path | None, login: str | None, remedy: str
) -> Account:
    return Account(
        provider=ID,
        label=label,
        source=source,
        secret=Secret(token),
        identity=f"github:{login.lower()}" if login else None,
        named=login is not None,
        extra={"kind": KIND_INTERNAL, "login": login, "remedy": remedy},
        path=path,
    )


def _discover_editor(paths: Paths) -> list[Account]:
    """The Copilot editor plugins' logins: apps.json (current) and hosts.json (older)."""
    accounts: list[Account] = []
    for name in ("apps.json", "hosts.json"):
        path = paths.xdg_config_home / "github-copilot" / name
        source = paths.display(path)
        read = read_json_object(path, source)
        if read.missing:
            continue
        if read.problem:
            accounts.append(_broken(name, source, path, read.problem))
            continue
        document: dict[str, Any] = read.data
        for key, value in document.items():
            host, _, client = key.partition(":")
            if host.strip().lower() != "github.com":
                continue  # a GitHub Enterprise login: its token belongs to another host
            fallback_label = f"{name} ({client})" if client else name
            entry = as_dict(value)
            if entry is None:
                accounts.append(
                    _broken(fallback_label, source, path, f"{source}: {key} is not a JSON object")
                )
                continue
            login = as_str(entry.get("user"))
            token = as_str(entry.get("oauth_token"))
            label = login or fallback_label
            if token is None:
                accounts.append(
                    _broken(
                        label,
                        source,
                        path,
                        f"No oauth_token for {login or key} in {source}: {EDITOR_REMEDY}",
                        Status.AUTH_EXPIRED,
                    )
                )
                continue
            accounts.append(
                _internal_account(
                    token, label=label, source=source, path=path, login=login, remedy=EDITOR_REMEDY
                )
            )
    return accounts


def _opencode_token(entry: Mapping[str, Any]) -> str | None:
    """`refresh` holds the GitHub OAuth token; `access` may hold it too, or a Copilot session token."""
    values = [as_str(entry.get("refresh")), as_str(entry.get("access"))]
    for value in values:
        if value and value.startswith(_GITHUB_TOKEN_PREFIXES):
            return value
    return next((value for value in values if value), None)


def _discover_opencode(paths: Paths) -> list[Account]:
    entry, source, path = opencode_entry(paths, OPENCODE_KEY)
    if entry is None:
        return []
    if as_str(entry.get("enterpriseUrl")):
        return []  # GitHub Enterprise: its token must not be sent to api.github.com
    token = _opencode_token(entry)
    if token is None:
        message = f"No GitHub token under {OPENCODE_KEY} in {source}: {OPENCODE_REMEDY}"
        return [_broken("opencode", source, path, message, Status.AUTH_EXPIRED)]
    return [
        _internal_account(
            token, label="opencode", source=source, path=path, login=None, remedy=OPENCODE_REMEDY
        )
    ]


def _discover_env(paths: Paths) -> list[Account]:
    token = (paths.env.get(ENV_NAME) or "").strip()
    if not token:
        return []
    return [
        _internal_account(
            token, label="env", source=f"env:{ENV_NAME}", path=None, login=None, remedy=ENV_REMEDY
        )
    ]


def _mergeable(account: Account) -> bool:
    return account.problem is None and account.extra.get("kind") == KIND_INTERNAL


def _same_account(first: Account, second: Account) -> bool:
    if first.identity and first.identity == second.identity:
        return True
    return bool(first.secret and second.secret and first.secret == second.secret)


def discover(context: DiscoveryContext) -> list[Account]:
    """Every Copilot credential, in the spec's order; one account per GitHub login or token.

    The billing PAT is always its own account (it reports something else), and an account
    with a problem is always shown so the broken file gets fixed.
    """
    paths = context.paths
    found = (
        _discover_pat(paths)
        + _discover_editor(paths)
        + _discover_opencode(paths)
        + _discover_env(paths)
    )
    result: list[Account] = []
    for account in found:
        if _mergeable(account) and any(
            _mergeable(kept) and _same_account(kept, account) for kept in result
        ):
            continue  # first source wins
        result.append(account)
    return result


# --------------------------------------------------------------------------- checks


def precheck(account: Account, now: datetime) -> Problem | None:
    """GitHub tokens are opaque: only what discovery found wrong can be said offline."""
    if account.problem:
        return account.problem
    if account.secret is None:
        return Problem(Status.AUTH_EXPIRED, "No token for this account")
    return None


# --------------------------------------------------------------------------- fetch


@dataclass(frozen=True)
class _Exchanged:
    token: Secret
    valid_until: datetime


# Copilot session tokens from the v2/token exchange, keyed by the OAuth token they came from.
# Memory only: nothing is ever written back to a credential file.
_EXCHANGED: dict[Secret, _Exchanged] = {}
_DEFAULT_SESSION_SECONDS = 20 * 60
_EXPIRY_MARGIN = timedelta(seconds=60)


def _internal_sentences(remedy: str) -> dict[Status, str]:
    return {
        Status.AUTH_EXPIRED: f"GitHub rejected the Copilot token (HTTP 401): {remedy}",
        Status.FORBIDDEN: (
            "GitHub refused the Copilot quota (HTTP 403): "
            "this login may have no Copilot subscription"
        ),
        Status.RATE_LIMITED: (
            "GitHub rate-limited the Copilot quota request (HTTP 429): will retry later"
        ),
    }


async def _get_user(http: HttpSession, authorization: str, sentences: Mapping[Status, str]) -> Any:
    headers = {**INTERNAL_HEADERS, "Authorization": authorization}
    return await http.request_json(ID, "GET", USER_URL, headers=headers, sentences=sentences)


def _session_valid_until(answer: dict[str, Any], now: datetime) -> datetime:
    expires_at = epoch_to_datetime(answer.get("expires_at"))
    if expires_at is not None:
        return expires_at - _EXPIRY_MARGIN
    # as_seconds: a refresh_in of 1e300 is no lifetime (and would overflow the timedelta).
    seconds = as_seconds(answer.get("refresh_in")) or _DEFAULT_SESSION_SECONDS
    return now + timedelta(seconds=seconds)


async def _exchange(
    account: Account, http: HttpSession, now: datetime, first: FetchError, remedy: str
) -> Secret:
    """The v2/token exchange after the user endpoint refused the OAuth token itself."""
    assert account.secret is not None
    headers = {**INTERNAL_HEADERS, "Authorization": f"token {account.secret.reveal()}"}
    try:
        answer = await http.request_json(
            ID, "GET", TOKEN_URL, headers=headers, sentences=_internal_sentences(remedy)
        )
    except FetchError as second:
        if second.http_status not in (401, 403, 404):
            raise  # rate limits, outages, timeouts: say what happened last
        if 401 in (first.http_status, second.http_status):
            raise FetchError(
                Status.AUTH_EXPIRED,
                sentence(
                    "GitHub rejected the token and the Copilot token exchange", ["HTTP 401"], remedy
                ),
                http_status=second.http_status,
                retry_after=second.retry_after,
            ) from None
        raise FetchError(
            Status.FORBIDDEN,
            sentence(
                "GitHub refused the Copilot quota and the Copilot token exchange",
                [f"HTTP {first.http_status}/{second.http_status}"],
                "this login may have no Copilot subscription",
            ),
            http_status=second.http_status,
            retry_after=second.retry_after,
        ) from None
    data = as_dict(answer) or {}
    token = as_str(data.get("token"))
    if token is None:
        raise first  # the exchange said nothing useful: the original refusal stands
    session = Secret(token)
    _EXCHANGED[account.secret] = _Exchanged(session, _session_valid_until(data, now))
    return session


async def _fetch_internal(account: Account, http: HttpSession, now: datetime) -> Quota:
    assert account.secret is not None
    remedy = account.extra.get("remedy") or EDITOR_REMEDY
    sentences = _internal_sentences(remedy)
    cached = _EXCHANGED.get(account.secret)
    if cached is not None and cached.valid_until > now:
        try:
            data = await _get_user(http, f"Bearer {cached.token.reveal()}", sentences)
            return _with_login(account, parse_user(data, http.clock()), data)
        except FetchError as error:
            if error.http_status not in (401, 403):
                raise
            _EXCHANGED.pop(account.secret, None)  # start again from the OAuth token
    elif cached is not None:
        _EXCHANGED.pop(account.secret, None)
    try:
        data = await _get_user(http, f"token {account.secret.reveal()}", sentences)
    except FetchError as first:
        if first.http_status not in (401, 403):
            raise
        session = await _exchange(account, http, now, first, remedy)
        data = await _get_user(http, f"Bearer {session.reveal()}", sentences)
    return _with_login(account, parse_user(data, http.clock()), data)


def _with_login(account: Account, quota: Quota, data: Any) -> Quota:
    """The answer's `login` names the account: sources with the same login are one account,
    and a source that knew no login (OpenCode, the env var) is labelled by it."""
    login = as_str((as_dict(data) or {}).get("login"))
    if login is None:
        return quota
    label = None if account.extra.get("login") else login
    return replace(quota, identity=f"github:{login.lower()}", account=label)


def _billing_sentences(source: str) -> dict[Status, str]:
    return {
        Status.AUTH_EXPIRED: f"GitHub rejected the PAT in {source} (HTTP 401): {PAT_REMEDY}",
        Status.FORBIDDEN: (
            'GitHub refused the billing report (HTTP 403): the PAT needs the "Plan: read" '
            "user permission"
        ),
        Status.RATE_LIMITED: (
            "GitHub rate-limited the billing report request (HTTP 429): will retry later"
        ),
    }


def _billing_url(template: str, username: str) -> str:
    return template.format(username=quote(username, safe=""))


# A 400 that names the API version: a server that does not know 2026-03-10 (GitHub answers an
# unsupported X-GitHub-Api-Version with 400), so it cannot have the AI-credit report either.
_VERSION_WORDS = re.compile(r"api[ _-]?version", re.IGNORECASE)


def _no_credit_report(error: FetchError) -> bool:
    """Whether the AI-credit report is not offered here, so the older report is asked instead
    (§3, Changes in 2026: 404 or 410; 401, 403, 429 and 5xx are the account's status)."""
    if error.http_status in (404, 410):
        return True
    if error.http_status != 400:
        return False
    message = as_str((as_dict(error.body) or {}).get("message")) or ""
    return bool(_VERSION_WORDS.search(message))


async def _fetch_premium_report(account: Account, http: HttpSession) -> Quota:
    assert account.secret is not None
    username = str(account.extra.get("username") or "")
    url = _billing_url(BILLING_URL, username)
    headers = {**BILLING_HEADERS, "Authorization": f"Bearer {account.secret.reveal()}"}
    try:
        data = await http.request_json(
            ID, "GET", url, headers=headers, sentences=_billing_sentences(account.source)
        )
    except FetchError as error:
        if error.http_status == 404:
            raise FetchError(
                Status.ERROR,
                f"GitHub has no billing report for {username} (HTTP 404): "
                f"check `username` in {account.source}",
                http_status=404,
            ) from None
        raise
    quota = parse_billing(data, account.extra.get("tier"), http.clock())
    note = ("Report", "premium requests (the AI-credit report is not offered here)")
    return replace(quota, details=(*quota.details, note))


# A server found without the AI-credit report is asked for it again after this long, so an
# upgrade (GitHub Enterprise Server gaining the report) is picked up within the day.
NO_CREDIT_REPORT_RECHECK = timedelta(hours=6)


def _no_report_key(http: HttpSession, username: str) -> tuple[str, ...]:
    return (ID, "no-ai-credit-report", http.url(ID, AI_CREDIT_URL), username)


async def _fetch_billing(account: Account, http: HttpSession, now: datetime) -> Quota:
    """The AI-credit report for this month; the premium-request report where it is missing
    (remembered for the run, rechecked every few hours: one request a refresh, not two)."""
    assert account.secret is not None
    username = str(account.extra.get("username") or "")
    key = _no_report_key(http, username)
    recheck_at = http.learned.get(key)
    if isinstance(recheck_at, datetime) and http.clock() < recheck_at:
        return await _fetch_premium_report(account, http)
    month = now.astimezone(UTC)
    query = urlencode({"year": month.year, "month": month.month})
    url = f"{_billing_url(AI_CREDIT_URL, username)}?{query}"
    headers = {**AI_CREDIT_HEADERS, "Authorization": f"Bearer {account.secret.reveal()}"}
    try:
        data = await http.request_json(
            ID, "GET", url, headers=headers, sentences=_billing_sentences(account.source)
        )
    except FetchError as error:
        if not _no_credit_report(error):
            raise
        http.learned[key] = http.clock() + NO_CREDIT_REPORT_RECHECK
        return await _fetch_premium_report(account, http)
    http.learned.pop(key, None)
    return parse_ai_credits(data, account.extra.get("tier"), http.clock())


async def fetch(account: Account, http: HttpSession, now: datetime) -> Quota:
    if account.extra.get("kind") == KIND_BILLING:
        return await _fetch_billing(account, http, now)
    return await _fetch_internal(account, http, now)


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most AI credits or premium requests left first; then unlimited; then no such data;
    then name."""
    premium = snapshot.window(credits.WINDOW_ID) or snapshot.window("premium_interactions")
    if premium is not None and premium.unlimited:
        return (1, 0.0, 0.0, snapshot.account.lower())
    if premium is None or premium.used_percent is None:
        return (2, 0.0, 0.0, snapshot.account.lower())
    left = premium.remaining_percent or 0.0
    # Among accounts with nothing left, the one least over its allowance first.
    return (0, -left, premium.used_percent, snapshot.account.lower())


class CopilotProvider(Provider):
    id = ID
    name = NAME
    short = "cop"
    demo = ("providers.copilot.demo",)
    env_names = (ENV_NAME,)
    settings: ClassVar[dict[str, type]] = {}

    discover = staticmethod(discover)
    precheck = staticmethod(precheck)
    fetch = staticmethod(fetch)
    sort_key = staticmethod(sort_key)
