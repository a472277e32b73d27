"""Google OAuth for both pools: who issued a login, its client settings, refresh in memory.

Google refresh tokens do not rotate, so a refresh is harmless to the tool that owns the
login, but it happens in memory only: nothing is ever written to a credential file. A
refreshed access token is kept in this process until it expires. The OAuth client
(id/secret) must be the one of the app that issued the token; it is never shipped here:
it comes from the environment or config.toml, and its absence is named precisely.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from providers.base import Account, DiscoveryContext
from providers.google.retired import names_retirement, retired_error
from providers.kit.http import FetchError, HttpSession
from providers.kit.secrets import Secret
from providers.kit.values import as_dict, as_float, as_str
from providers.model import Status

TOKEN_URL = "https://oauth2.googleapis.com/token"

# An access token this close to its expiry is treated as expired (the request takes time).
EXPIRY_MARGIN = timedelta(seconds=60)
DEFAULT_TOKEN_LIFETIME = 3600.0


@dataclass(frozen=True)
class App:
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


GEMINI = App("gemini", "Gemini", "GEMINI", "run `gemini` to sign in again", "Gemini CLI")
ANTIGRAVITY = App(
    "antigravity",
    "Antigravity",
    "ANTIGRAVITY",
    "run `opencode auth login` to sign in to it again",
    "Antigravity (opencode-antigravity-auth)",
)


# --------------------------------------------------------------------------- in-memory state

# (account key, refresh token) → (access token, expiry). Never written anywhere.
_TOKENS: dict[tuple[str, Secret], tuple[Secret, datetime]] = {}


def forget_tokens() -> None:
    """Forget refreshed tokens (cloudcode.clear_memory forgets the projects too)."""
    _TOKENS.clear()


def _cache_key(account: Account) -> tuple[str, Secret] | None:
    refresh = account.extra.get("refresh")
    return (account.key, refresh) if isinstance(refresh, Secret) and refresh else None


def cached_token(account: Account, now: datetime) -> Secret | None:
    key = _cache_key(account)
    if key is None or key not in _TOKENS:
        return None
    token, expires = _TOKENS[key]
    if expires - EXPIRY_MARGIN > now:
        return token
    del _TOKENS[key]
    return None


def file_token(account: Account, now: datetime) -> Secret | None:
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


def _client_settings(context: DiscoveryContext, app: App) -> _Client:
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


def client_extra(context: DiscoveryContext, app: App) -> dict[str, Any]:
    """The client settings as an account's extra (the secret stays a Secret)."""
    client = _client_settings(context, app)
    return {
        "client_id": client.client_id,
        "client_secret": client.secret,
        "client_sources": tuple(s for s in (client.id_source, client.secret_source) if s),
    }


def missing_client(account: Account, app: App) -> str | None:
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


def _client_where(account: Account, app: App) -> str:
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


def who(account: Account) -> str:
    email = account.extra.get("email")
    return email if isinstance(email, str) and email else "this account"


async def refresh_token(app: App, account: Account, http: HttpSession, now: datetime) -> Secret:
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


def _refresh_error(app: App, account: Account, error: FetchError) -> FetchError:
    # Gemini CLI's end for consumer accounts can already show at the token refresh (a 400).
    if app is GEMINI and error.http_status in (400, 403) and names_retirement(error.body):
        return retired_error(error.http_status)
    code = _oauth_error(error.body)
    if code == "invalid_grant":
        return FetchError(
            Status.AUTH_EXPIRED,
            f"Google refused the refresh token of {who(account)} (invalid_grant: expired or "
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


async def access_token(
    app: App, account: Account, http: HttpSession, now: datetime
) -> tuple[Secret, bool]:
    """(token, fresh): the file's token while valid, else the remembered one, else a refresh."""
    token = file_token(account, now) or cached_token(account, now)
    if token is not None:
        return token, False
    return await refresh_token(app, account, http, now), True


def can_refresh(account: Account, app: App) -> bool:
    return bool(account.extra.get("refresh")) and missing_client(account, app) is None


def unrefreshable(app: App, account: Account, error: FetchError) -> FetchError:
    """A 401 we cannot answer with a refresh: name the missing setting when that is why."""
    missing = missing_client(account, app) if account.extra.get("refresh") else None
    if missing is None:
        return error
    return FetchError(
        error.status,
        f"{error.message}, or {missing} so aiquota-tui can refresh it in memory",
        http_status=error.http_status,
        retry_after=error.retry_after,
        body=error.body,
    )
