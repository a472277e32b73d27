"""Gemini CLI cloud quota (PROVIDERS.md §5): ~/.gemini/oauth_creds.json, the CLI's login
(active), label its e-mail; v1internal:retrieveUserQuota → one window per model bucket."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, Problem, Provider
from providers.google.cloudcode import PROJECT_ENV, USER_QUOTA_URL, fetch_cloud
from providers.google.models import group_windows, sort_key
from providers.google.oauth import GEMINI, cached_token, client_extra, file_token, missing_client
from providers.google.parse import parse_user_quota
from providers.kit import jwt
from providers.kit.files import read_json_object
from providers.kit.http import HttpSession
from providers.kit.paths import Paths
from providers.kit.secrets import Secret
from providers.kit.values import as_str, epoch_to_datetime
from providers.model import AccountSnapshot, Quota, Status

GEMINI_CREDENTIALS = Path(".gemini") / "oauth_creds.json"

# --------------------------------------------------------------------------- discovery


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
    read = read_json_object(path, source)
    if read.missing or read.empty:
        return []
    if read.problem:
        return [_gemini_broken(source, path, read.problem, Status.ERROR)]
    document: dict[str, Any] = read.data
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
                **client_extra(context, GEMINI),
            },
            path=path,
        )
    ]


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M %Z")


def precheck_gemini(account: Account, now: datetime) -> Problem | None:
    """Without a request: is there a token we can use, or one we are able to get?"""
    if account.problem:
        return account.problem
    if file_token(account, now) or cached_token(account, now):
        return None
    expires = account.extra.get("expires")
    when = f"Access token expired at {_local(expires)}" if expires else "No access token"
    if not account.extra.get("refresh"):
        return Problem(
            Status.AUTH_EXPIRED,
            f"{when} and no refresh token in {account.source}: {GEMINI.login_hint}",
        )
    missing = missing_client(account, GEMINI)
    if missing:
        # auth_expired, not error: the stored token really has expired, and running
        # `gemini` once (which writes a fresh one) fixes it as well as the setting does.
        return Problem(
            Status.AUTH_EXPIRED,
            f"{when}: run `gemini` once to refresh it, or {missing} so aiquota-tui can "
            "refresh it in memory",
        )
    return None


class GeminiProvider(Provider):
    id = GEMINI.provider
    name = GEMINI.name
    short = "gem"
    demo = ("providers.google.demo",)
    env_names = (PROJECT_ENV, GEMINI.id_env, GEMINI.secret_env)
    settings: ClassVar[dict[str, type]] = {"client_id": str, "client_secret": str, "project": str}
    # The app shows model windows folded into families (Claude, Gemini Pro, …) too.
    group_windows = staticmethod(group_windows)

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return discover_gemini(context)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return precheck_gemini(account, now)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        return await fetch_cloud(GEMINI, account, http, now, USER_QUOTA_URL, parse_user_quota)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return sort_key(snapshot)
