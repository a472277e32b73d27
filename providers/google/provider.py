"""Google: Gemini CLI and Antigravity cloud quota (PROVIDERS.md §5).

Two pools, one protocol:
  `gemini`       ~/.gemini/oauth_creds.json, the Gemini CLI login (active), label its e-mail;
                 v1internal:retrieveUserQuota → one window per model bucket.
  `antigravity`  one account per entry of OpenCode's antigravity-accounts.json (the
                 opencode-antigravity-auth plugin), the `activeIndex` one active;
                 v1internal:fetchAvailableModels → one window per model with quota info.
                 The Antigravity editor's local cache (§5b) lives in antigravity_cache.py;
                 its accounts are listed after the cloud ones and fetched by that module.

Google refresh tokens do not rotate, so a refresh is harmless to the tool that owns the
login, but it happens in memory only: nothing is ever written to a credential file. A
refreshed access token is kept in this process until it expires. The OAuth client
(id/secret) must be the one of the app that issued the token; it is never shipped here:
it comes from the environment or config.toml, and its absence is named precisely.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider
from providers.google import cache as antigravity_cache
from providers.kit import jwt
from providers.kit.files import read_json_file
from providers.kit.http import FetchError, HttpSession
from providers.kit.paths import Paths
from providers.kit.secrets import Secret, scrub
from providers.kit.values import (
    any_to_datetime,
    as_dict,
    as_float,
    as_list,
    as_str,
    epoch_to_datetime,
    first_present,
)
from providers.model import AccountSnapshot, Quota, Status, Window

TOKEN_URL = "https://oauth2.googleapis.com/token"
CLOUDCODE = "https://cloudcode-pa.googleapis.com"
LOAD_CODE_ASSIST_URL = f"{CLOUDCODE}/v1internal:loadCodeAssist"
USER_QUOTA_URL = f"{CLOUDCODE}/v1internal:retrieveUserQuota"
AVAILABLE_MODELS_URL = f"{CLOUDCODE}/v1internal:fetchAvailableModels"
LOAD_CODE_ASSIST_BODY = {
    "metadata": {
        "ideType": "IDE_UNSPECIFIED",
        "platform": "PLATFORM_UNSPECIFIED",
        "pluginType": "GEMINI",
    }
}

GEMINI_CREDENTIALS = Path(".gemini") / "oauth_creds.json"
ANTIGRAVITY_ACCOUNTS_FILE = "antigravity-accounts.json"
PROJECT_ENV = "GOOGLE_CLOUD_PROJECT"

# An access token this close to its expiry is treated as expired (the request takes time).
EXPIRY_MARGIN = timedelta(seconds=60)
DEFAULT_TOKEN_LIFETIME = 3600.0
MAX_SERVER_TEXT = 120


@dataclass(frozen=True)
class _App:
    """What differs between the two pools: ids, env names, the remedy for a dead login."""

    provider: str
    name: str
    env_prefix: str
    login_hint: str
    issuer: str  # the app whose OAuth client issued the refresh token

    @property
    def id_env(self) -> str:
        return f"{self.env_prefix}_CLIENT_ID"

    @property
    def secret_env(self) -> str:
        return f"{self.env_prefix}_CLIENT_SECRET"


GEMINI = _App("gemini", "Gemini", "GEMINI", "run `gemini` to sign in again", "Gemini CLI")
ANTIGRAVITY = _App(
    "antigravity",
    "Antigravity",
    "ANTIGRAVITY",
    "run `opencode auth login` to sign in to it again",
    "Antigravity (opencode-antigravity-auth)",
)


# --------------------------------------------------------------------------- in-memory state

# (account key, refresh token) → (access token, expiry). Never written anywhere.
_TOKENS: dict[tuple[str, Secret], tuple[Secret, datetime]] = {}
# (account key, refresh or access token) → (project id, plan) learnt from loadCodeAssist.
_PROJECTS: dict[tuple[str, Secret | None], tuple[str, str | None]] = {}


def clear_memory() -> None:
    """Forget refreshed tokens and discovered projects (tests; a sign-out)."""
    _TOKENS.clear()
    _PROJECTS.clear()


def _cache_key(account: Account) -> tuple[str, Secret] | None:
    refresh = account.extra.get("refresh")
    return (account.key, refresh) if isinstance(refresh, Secret) and refresh else None


def _cached_token(account: Account, now: datetime) -> Secret | None:
    key = _cache_key(account)
    if key is None or key not in _TOKENS:
        return None
    token, expires = _TOKENS[key]
    if expires - EXPIRY_MARGIN > now:
        return token
    del _TOKENS[key]
    return None


def _file_token(account: Account, now: datetime) -> Secret | None:
    """The access token stored in the credential file, while it is still valid."""
    if not account.secret:
        return None
    expires = account.extra.get("expires")
    if isinstance(expires, datetime) and expires - EXPIRY_MARGIN <= now:
        return None
    return account.secret


# --------------------------------------------------------------------------- client settings


@dataclass(frozen=True)
class _Client:
    client_id: str | None
    secret: Secret | None
    id_source: str | None
    secret_source: str | None

    @property
    def complete(self) -> bool:
        return bool(self.client_id and self.secret)


def _client_settings(context: DiscoveryContext, app: _App) -> _Client:
    """Env wins over [providers.<id>] client_id / client_secret, each on its own."""
    env = context.paths.env
    settings = context.settings

    def pick(env_name: str, key: str) -> tuple[str | None, str | None]:
        value = as_str(env.get(env_name))
        if value:
            return value, f"env:{env_name}"
        value = as_str(settings.get(key))
        return (value, "config") if value else (None, None)

    client_id, id_source = pick(app.id_env, "client_id")
    secret, secret_source = pick(app.secret_env, "client_secret")
    return _Client(client_id, Secret(secret) if secret else None, id_source, secret_source)


def _client_extra(client: _Client) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "client_secret": client.secret,
        "client_sources": tuple(s for s in (client.id_source, client.secret_source) if s),
    }


def _missing_client(account: Account, app: _App) -> str | None:
    """The exact settings to add, or None when both are there."""
    have_id = bool(account.extra.get("client_id"))
    have_secret = bool(account.extra.get("client_secret"))
    if have_id and have_secret:
        return None
    section = f"[providers.{app.provider}]"
    if not have_id and not have_secret:
        return (
            f"set {app.id_env} and {app.secret_env} or {section} client_id/client_secret "
            f"in config.toml (the OAuth client of {app.issuer})"
        )
    env_name, key = (app.secret_env, "client_secret") if have_id else (app.id_env, "client_id")
    return f"set {env_name} or {section} {key} in config.toml (the OAuth client of {app.issuer})"


# --------------------------------------------------------------------------- discovery: gemini


def _gemini_broken(source: str, path: Path, message: str, status: Status) -> Account:
    return Account(
        provider=GEMINI.provider,
        label="default",
        source=source,
        active=True,
        problem=Problem(status, message),
        path=path,
    )


def _configured_project(context: DiscoveryContext) -> str | None:
    return as_str(context.settings.get("project")) or as_str(context.paths.env.get(PROJECT_ENV))


def discover_gemini(context: DiscoveryContext) -> list[Account]:
    """The Gemini CLI login in ~/.gemini/oauth_creds.json; nothing when there is none."""
    paths: Paths = context.paths
    path = paths.home / GEMINI_CREDENTIALS
    source = paths.display(path)
    read = read_json_file(path, source)
    if read.missing or read.empty:
        return []
    if read.problem:
        return [_gemini_broken(source, path, read.problem, Status.ERROR)]
    document = as_dict(read.data)
    if document is None:
        return [_gemini_broken(source, path, f"{source} is not a JSON object", Status.ERROR)]
    access = as_str(document.get("access_token"))
    refresh = as_str(document.get("refresh_token"))
    if access is None and refresh is None:
        return [
            _gemini_broken(
                source, path, f"No token in {source}: {GEMINI.login_hint}", Status.AUTH_EXPIRED
            )
        ]
    email = jwt.email(as_str(document.get("id_token")))
    return [
        Account(
            provider=GEMINI.provider,
            label=email or "default",
            source=source,
            secret=Secret(access) if access else None,
            active=True,
            extra={
                "refresh": Secret(refresh) if refresh else None,
                "expires": epoch_to_datetime(document.get("expiry_date")),
                "project": _configured_project(context),
                "email": email,
                **_client_extra(_client_settings(context, GEMINI)),
            },
            path=path,
        )
    ]


# --------------------------------------------------------------------------- discovery: antigravity

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
    read = read_json_file(path, source)
    if read.missing or read.empty:
        return []
    if read.problem:
        return [_antigravity_broken(source, path, "antigravity", read.problem)]
    document = as_dict(read.data)
    if document is None:
        message = f"{source} is not a JSON object"
        return [_antigravity_broken(source, path, "antigravity", message)]
    if "accounts" in document and not isinstance(document["accounts"], (list, dict)):
        message = f"accounts in {source} is not a list"
        return [_antigravity_broken(source, path, "antigravity", message)]
    client = _client_extra(_client_settings(context, ANTIGRAVITY))
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


# --------------------------------------------------------------------------- checks


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def precheck_gemini(account: Account, now: datetime) -> Problem | None:
    """Without a request: is there a token we can use, or one we are able to get?"""
    if account.problem:
        return account.problem
    if _file_token(account, now) or _cached_token(account, now):
        return None
    expires = account.extra.get("expires")
    when = f"Access token expired at {_local(expires)}" if expires else "No access token"
    if not account.extra.get("refresh"):
        return Problem(
            Status.AUTH_EXPIRED,
            f"{when} and no refresh token in {account.source}: {GEMINI.login_hint}",
        )
    missing = _missing_client(account, GEMINI)
    if missing:
        # auth_expired, not error: the stored token really has expired, and running
        # `gemini` once (which writes a fresh one) fixes it as well as the setting does.
        return Problem(
            Status.AUTH_EXPIRED,
            f"{when}: run `gemini` once to refresh it, or {missing} so aiquota-tui can "
            "refresh it in memory",
        )
    return None


def precheck_antigravity(account: Account, now: datetime) -> Problem | None:
    if account.problem:
        return account.problem
    if account.extra.get("kind") == "cache":
        return None
    if _cached_token(account, now):
        return None
    missing = _missing_client(account, ANTIGRAVITY)
    if missing:
        # error, not auth_expired: the login is fine, the configuration is what is missing.
        return Problem(Status.ERROR, f"Antigravity needs a token refresh: {missing}")
    return None


# --------------------------------------------------------------------------- refresh


def _oauth_error(body: Any) -> str | None:
    """`error` of an OAuth error body: {"error": "invalid_grant", "error_description": …}."""
    data = as_dict(body)
    if data is None:
        return None
    error = data.get("error")
    if isinstance(error, str):
        return error.strip().lower()
    nested = as_dict(error)
    if nested is not None:
        status = as_str(nested.get("status"))
        return status.lower() if status else None
    return None


def _client_where(account: Account, app: _App) -> str:
    """Where the client id/secret came from: env names and/or the config section."""
    places = []
    for source in account.extra.get("client_sources") or ():
        place = (
            source.removeprefix("env:")
            if source.startswith("env:")
            else f"[providers.{app.provider}] in config.toml"
        )
        if place not in places:
            places.append(place)
    return " and ".join(places) or f"[providers.{app.provider}]"


def _who(account: Account) -> str:
    email = account.extra.get("email")
    return email if isinstance(email, str) and email else "this account"


async def _refresh(app: _App, account: Account, http: HttpSession, now: datetime) -> Secret:
    """A new access token from the refresh token, kept in memory; nothing is written."""
    refresh = account.extra.get("refresh")
    client_secret = account.extra.get("client_secret")
    client_id = account.extra.get("client_id")
    assert isinstance(refresh, Secret) and isinstance(client_secret, Secret) and client_id
    form = {
        "client_id": client_id,
        "client_secret": client_secret.reveal(),
        "refresh_token": refresh.reveal(),
        "grant_type": "refresh_token",
    }
    try:
        data = await http.request_json(
            app.provider,
            "POST",
            TOKEN_URL,
            headers={"Accept": "application/json"},
            form=form,
            sentences={
                Status.AUTH_EXPIRED: f"Google refused the token refresh (HTTP 401): "
                f"{app.login_hint}",
                Status.RATE_LIMITED: "Google rate-limited the token refresh (HTTP 429): "
                "will retry later",
            },
        )
    except FetchError as error:
        raise _refresh_error(app, account, error) from None
    document = as_dict(data)
    access = as_str(document.get("access_token")) if document else None
    if access is None:
        raise FetchError(Status.BAD_RESPONSE, "the token refresh answer has no access_token")
    lifetime = as_float(document.get("expires_in")) if document else None
    if lifetime is None or lifetime <= 0:
        lifetime = DEFAULT_TOKEN_LIFETIME
    token = Secret(access)
    key = _cache_key(account)
    if key is not None:
        _TOKENS[key] = (token, now + timedelta(seconds=min(lifetime, 7 * 86400)))
    return token


def _refresh_error(app: _App, account: Account, error: FetchError) -> FetchError:
    code = _oauth_error(error.body)
    if code == "invalid_grant":
        return FetchError(
            Status.AUTH_EXPIRED,
            f"Google refused the refresh token of {_who(account)} (invalid_grant: expired or "
            f"revoked): {app.login_hint}",
            http_status=error.http_status,
        )
    if code in {"unauthorized_client", "invalid_client"}:
        return FetchError(
            Status.ERROR,
            f"Google refused the token refresh ({code}): the client id/secret from "
            f"{_client_where(account, app)} do not match the app that issued this token; "
            f"use the OAuth client of {app.issuer}",
            http_status=error.http_status,
        )
    return error


async def _access_token(
    app: _App, account: Account, http: HttpSession, now: datetime
) -> tuple[Secret, bool]:
    """(token, fresh): the file's token while valid, else the remembered one, else a refresh."""
    token = _file_token(account, now) or _cached_token(account, now)
    if token is not None:
        return token, False
    return await _refresh(app, account, http, now), True


def _can_refresh(account: Account, app: _App) -> bool:
    return bool(account.extra.get("refresh")) and _missing_client(account, app) is None


# --------------------------------------------------------------------------- quota calls

_VERIFY_MARKERS = (
    "verify",
    "verification",
    "validation_required",
    "validation_url",
    "signin/continue",
)


def verification_text(body: Any) -> str | None:
    """The server's sentence when a 403 body asks to verify the account, else None.

    Google's error body: {"error": {"code": 403, "message": "…", "status": "PERMISSION_DENIED",
    "details": [{"reason": "VALIDATION_REQUIRED", "metadata": {"validation_url": "…"}}]}}.
    """
    data = as_dict(body)
    if data is None:
        return None
    error = data.get("error")
    nested = as_dict(error)
    message = as_str(nested.get("message")) if nested else as_str(error)
    pieces = [message or ""]
    if nested is not None:
        pieces.append(as_str(nested.get("status")) or "")
        for detail in as_list(nested.get("details")):
            item = as_dict(detail) or {}
            pieces.append(as_str(item.get("reason")) or "")
            metadata = as_dict(item.get("metadata")) or {}
            pieces.extend(str(key) for key in metadata)
            pieces.extend(str(value) for value in metadata.values() if isinstance(value, str))
    text = " ".join(pieces).lower()
    if not any(marker in text for marker in _VERIFY_MARKERS):
        return None
    return message or ""


def _short(text: str) -> str:
    """Server text fit for one sentence: no links, one line, scrubbed, at most 120 chars."""
    # "… verify your account at <link> …": the link goes, and the word that led to it.
    text = re.sub(r"(?:\s+(?:at|here|on|via|visit|see))?\s*https?://\S+", "", text, flags=re.I)
    text = " ".join(text.split()).strip(" .:;,")
    text = scrub(text)
    if len(text) > MAX_SERVER_TEXT:
        text = text[: MAX_SERVER_TEXT - 1].rstrip() + "…"
    return text


def _verify_error(account: Account, error: FetchError, said: str) -> FetchError:
    quoted = _short(said)
    message = f"Google asks to verify {_who(account)} (HTTP 403)"
    if quoted:
        message += f': "{quoted}"'
    message += ": sign in to this account in a browser, complete the verification, then refresh"
    return FetchError(Status.FORBIDDEN, message, http_status=error.http_status)


def _sentences(app: _App, project: str | None) -> dict[Status, str]:
    where = f" for project {project}" if project else ""
    return {
        Status.AUTH_EXPIRED: f"Google rejected the access token (HTTP 401): {app.login_hint}",
        Status.FORBIDDEN: f"Google refused the quota request{where} (HTTP 403): the account "
        f"may have no {app.name} access, or the project is not its own",
        Status.RATE_LIMITED: "Rate-limited by Google (HTTP 429): will retry later",
    }


async def _call(
    app: _App,
    account: Account,
    http: HttpSession,
    url: str,
    token: Secret,
    body: Any,
    project: str | None,
) -> Any:
    headers = {"Authorization": f"Bearer {token.reveal()}", "Accept": "application/json"}
    try:
        return await http.request_json(
            app.provider,
            "POST",
            url,
            headers=headers,
            json_body=body,
            sentences=_sentences(app, project),
        )
    except FetchError as error:
        if error.status is Status.FORBIDDEN:
            said = verification_text(error.body)
            if said is not None:
                raise _verify_error(account, error, said) from None
        raise


def parse_load_code_assist(data: Any) -> tuple[str | None, str | None]:
    """loadCodeAssist → (project id, plan). Pure."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the loadCodeAssist answer is not a JSON object")
    raw = document.get("cloudaicompanionProject")
    project = as_str(raw)
    if project is None:
        nested = as_dict(raw)
        project = as_str(nested.get("id")) if nested else None
    tier = as_dict(document.get("currentTier")) or as_dict(document.get("paidTier")) or {}
    return project, as_str(tier.get("id"))


def _project_key(account: Account) -> tuple[str, Secret | None]:
    refresh = account.extra.get("refresh")
    return (account.key, refresh if isinstance(refresh, Secret) else account.secret)


def _no_project(app: _App) -> FetchError:
    if app is GEMINI:
        remedy = (
            f"run `gemini` once to set one up, or set [providers.gemini] project or {PROJECT_ENV}"
        )
    else:
        remedy = "open Antigravity once with this account, or run `opencode auth login` again"
    return FetchError(
        Status.ERROR, f"Google named no Code Assist project for this account: {remedy}"
    )


async def _project(
    app: _App, account: Account, http: HttpSession, token: Secret
) -> tuple[str, str | None]:
    """(project, plan): the known project, else what loadCodeAssist says (remembered)."""
    known = account.extra.get("project")
    if isinstance(known, str) and known:
        return known, None
    key = _project_key(account)
    if key in _PROJECTS:
        return _PROJECTS[key]
    data = await _call(app, account, http, LOAD_CODE_ASSIST_URL, token, LOAD_CODE_ASSIST_BODY, None)
    project, plan = parse_load_code_assist(data)
    if project is None:
        raise _no_project(app)
    _PROJECTS[key] = (project, plan)
    return project, plan


async def _quota(
    app: _App, account: Account, http: HttpSession, token: Secret
) -> tuple[Any, str, str | None]:
    project, plan = await _project(app, account, http, token)
    url = USER_QUOTA_URL if app is GEMINI else AVAILABLE_MODELS_URL
    data = await _call(app, account, http, url, token, {"project": project}, project)
    return data, project, plan


def _unrefreshable(app: _App, account: Account, error: FetchError) -> FetchError:
    """A 401 we cannot answer with a refresh: name the missing setting when that is why."""
    missing = _missing_client(account, app) if account.extra.get("refresh") else None
    if missing is None:
        return error
    return FetchError(
        error.status,
        f"{error.message}, or {missing} so aiquota-tui can refresh it in memory",
        http_status=error.http_status,
        retry_after=error.retry_after,
        body=error.body,
    )


async def _fetch_cloud(app: _App, account: Account, http: HttpSession, now: datetime) -> Quota:
    token, fresh = await _access_token(app, account, http, now)
    try:
        data, project, plan = await _quota(app, account, http, token)
    except FetchError as error:
        # The file's expiry can be wrong: one refresh and one retry when Google says 401.
        if fresh or error.http_status != 401:
            raise
        if not _can_refresh(account, app):
            raise _unrefreshable(app, account, error) from None
        token = await _refresh(app, account, http, now)
        data, project, plan = await _quota(app, account, http, token)
    windows = parse_user_quota(data) if app is GEMINI else parse_available_models(data)
    return Quota(plan=plan, windows=windows, details=(("Project", project),))


# --------------------------------------------------------------------------- parse


def _used_percent(fraction: float) -> float:
    # A remaining fraction outside [0, 1] is nonsense: clamp, so 1 - (-1e306) cannot overflow.
    return round(min(100.0, max(0.0, (1.0 - fraction) * 100.0)), 4)


def _used_and_limit(fraction: float, remaining: float | None) -> tuple[float | None, float | None]:
    """used/limit from remainingAmount, when the fraction makes the limit derivable."""
    if remaining is None or fraction <= 0 or remaining < 0:
        return None, None
    ratio = remaining / fraction
    if not math.isfinite(ratio):  # 1e308 / 1e-10: no limit worth showing
        return None, None
    limit = float(round(ratio))
    if limit < remaining:
        return None, None
    return limit - remaining, limit


@dataclass(frozen=True)
class _Bucket:
    """One readable bucket: its window, model id, and token type (None for requests)."""

    window: Window
    model: str
    kind: str | None


def _bucket(item: Any) -> _Bucket | None:
    entry = as_dict(item)
    if entry is None:
        return None
    model = as_str(entry.get("modelId"))
    if model is None:
        return None
    token_type = as_str(entry.get("tokenType"))
    raw_fraction = entry.get("remainingFraction")
    fraction = as_float(raw_fraction)
    if raw_fraction is not None and fraction is None:
        return None
    # Protobuf JSON leaves zeros out: a bucket without a fraction has nothing left.
    fraction = 0.0 if fraction is None else fraction
    used, limit = _used_and_limit(fraction, as_float(entry.get("remainingAmount")))
    kind = None
    if token_type and token_type.upper() != "REQUESTS":
        # Only identifier-like types are lowercased: other server text stays verbatim, so
        # that a credential echoed back is still recognised and masked downstream.
        kind = token_type.lower() if re.fullmatch(r"[A-Z_]{1,32}", token_type) else token_type
    window = Window(
        id=f"model:{model}",
        label=model,
        used_percent=_used_percent(fraction),
        resets_at=any_to_datetime(entry.get("resetTime")),
        used=used,
        limit=limit,
        unit=kind or "requests",
    )
    return _Bucket(window, model, kind)


def _bucket_windows(buckets: list[_Bucket]) -> list[Window]:
    """`model:<modelId>` per bucket (PROVIDERS.md §5); the token type joins the id and label
    only for a model that has buckets of several types, so that neither hides the other."""
    kinds: dict[str, set[str | None]] = {}
    for bucket in buckets:
        kinds.setdefault(bucket.model, set()).add(bucket.kind)
    windows = []
    for bucket in buckets:
        window = bucket.window
        if bucket.kind is not None and len(kinds[bucket.model]) > 1:
            window = replace(
                window,
                id=f"{window.id}:{bucket.kind}",
                label=f"{bucket.model} ({bucket.kind})",
            )
        windows.append(window)
    return windows


def _ordered(windows: list[Window], key: Any) -> tuple[Window, ...]:
    """Sorted, and one window per id (the most used one, to err on the safe side)."""
    by_id: dict[str, Window] = {}
    for window in windows:
        kept = by_id.get(window.id)
        if kept is None or (window.used_percent or 0) > (kept.used_percent or 0):
            by_id[window.id] = window
    return tuple(sorted(by_id.values(), key=key))


def _member(data: Any, key: str, answer: str) -> Any:
    """The answer object's `key` member, None for none at all: protobuf JSON leaves an
    empty list or map out, so {} (and a null) means "nothing", not a bad answer."""
    document = as_dict(data)
    if document is None:
        raise ParseError(f"the {answer} answer is not a JSON object")
    if not document:
        return None
    if key not in document:
        raise ParseError(f"the {answer} answer has no {key}")
    return document[key]


def parse_user_quota(data: Any) -> tuple[Window, ...]:
    """retrieveUserQuota → one window per bucket, ordered by model id. Pure."""
    buckets = _member(data, "buckets", "quota")
    if buckets is None:
        return ()
    if not isinstance(buckets, list):
        raise ParseError("buckets in the quota answer is not a list")
    readable = [bucket for bucket in map(_bucket, buckets) if bucket is not None]
    windows = _bucket_windows(readable)
    if buckets and not windows:
        raise ParseError("no usable bucket in the quota answer")
    return _ordered(windows, key=lambda w: w.id)


def _model_window(model: str, item: Any) -> tuple[bool, Window | None]:
    """(well-formed, window) for one model; no quotaInfo means no quota data (skipped)."""
    entry = as_dict(item)
    if entry is None:
        return False, None
    quota = entry.get("quotaInfo")
    if quota is None:
        return True, None
    info = as_dict(quota)
    if info is None:
        return False, None
    raw_fraction = info.get("remainingFraction")
    fraction = as_float(raw_fraction)
    if raw_fraction is not None and fraction is None:
        return False, None
    # quotaInfo without remainingFraction: exhausted (protobuf JSON omits the zero).
    fraction = 0.0 if fraction is None else fraction
    return True, Window(
        id=f"model:{model}",
        label=as_str(entry.get("displayName")) or model,
        used_percent=_used_percent(fraction),
        resets_at=any_to_datetime(info.get("resetTime")),
    )


def _model_items(models: Any) -> list[tuple[str | None, Any]]:
    """(model id, entry) pairs from the object form, or from a list of entries."""
    if isinstance(models, dict):
        return [(str(key), value) for key, value in models.items()]
    items: list[tuple[str | None, Any]] = []
    for value in as_list(models):
        entry = as_dict(value) or {}
        items.append((as_str(first_present(entry, "modelId", "model", "id", "name")), value))
    return items


def parse_available_models(data: Any) -> tuple[Window, ...]:
    """fetchAvailableModels → one window per model with quota info, by display name. Pure."""
    models = _member(data, "models", "models")
    if models is None:
        return ()
    if not isinstance(models, (dict, list)):
        raise ParseError("models in the answer is not an object")
    items = _model_items(models)
    windows: list[Window] = []
    malformed = 0
    for model, value in items:
        well_formed, window = _model_window(model, value) if model else (False, None)
        malformed += not well_formed
        if window is not None:
            windows.append(window)
    if items and malformed == len(items):
        raise ParseError("no usable model in the models answer")
    return _ordered(windows, key=lambda w: (w.label.casefold(), w.id))


# --------------------------------------------------------------------------- grouped view

GROUPS = ("Claude", "Gemini Pro", "Gemini Flash", "Other")
_PRO = re.compile(r"(?<![a-z0-9])pro(?![a-z0-9])")


def group_of(window: Window) -> str:
    text = f"{window.id} {window.label}".lower()
    if "claude" in text:
        return "Claude"
    if "gemini" in text and "flash" in text:
        return "Gemini Flash"
    if "gemini" in text and _PRO.search(text):
        return "Gemini Pro"
    return "Other"


def group_windows(windows: tuple[Window, ...] | list[Window]) -> list[tuple[str, Window]]:
    """Model windows folded into Claude / Gemini Pro / Gemini Flash / Other. Pure.

    Each group is one synthetic window: the least remaining (highest used) of its members
    and their earliest reset. Groups without members are left out; the order is GROUPS.
    """
    members: dict[str, list[Window]] = {name: [] for name in GROUPS}
    for window in windows:
        members[group_of(window)].append(window)
    result = []
    for name in GROUPS:
        group = members[name]
        if not group:
            continue
        used = [w.used_percent for w in group if w.used_percent is not None]
        resets = [w.resets_at for w in group if w.resets_at is not None]
        slug = name.lower().replace(" ", "_")
        result.append(
            (
                name,
                Window(
                    id=f"group:{slug}",
                    label=name,
                    used_percent=max(used) if used else None,
                    resets_at=min(resets) if resets else None,
                ),
            )
        )
    return result


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most left on the account's least-remaining model first, then name."""
    left = [w.remaining_percent for w in snapshot.windows if w.remaining_percent is not None]
    least = min(left) if left else None
    return (least is None, -(least or 0.0), snapshot.account.lower())


# --------------------------------------------------------------------------- providers


class GeminiProvider(Provider):
    id = GEMINI.provider
    name = GEMINI.name
    demo = ("providers.google.demo",)
    settings: ClassVar[dict[str, type]] = {"client_id": str, "client_secret": str, "project": str}
    # The app shows model windows folded into families (Claude, Gemini Pro, …) too.
    group_windows = staticmethod(group_windows)

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return discover_gemini(context)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return precheck_gemini(account, now)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        return await _fetch_cloud(GEMINI, account, http, now)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return sort_key(snapshot)


class AntigravityProvider(Provider):
    id = ANTIGRAVITY.provider
    name = ANTIGRAVITY.name
    demo = ("providers.google.demo", "providers.google.cache_demo")
    group_windows = staticmethod(group_windows)
    # cache_path is read by antigravity_cache (the state.vscdb file or its folder).
    settings: ClassVar[dict[str, type]] = {
        "client_id": str,
        "client_secret": str,
        "cache_path": str,
    }

    def discover(self, context: DiscoveryContext) -> list[Account]:
        """The cloud accounts first, then the editor's local cache (antigravity_cache)."""
        return discover_antigravity_cloud(context) + antigravity_cache.discover(context)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return precheck_antigravity(account, now)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        if account.extra.get("kind") == "cache":
            return await antigravity_cache.fetch(account, now)
        return await _fetch_cloud(ANTIGRAVITY, account, http, now)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return sort_key(snapshot)
