"""The Code Assist API (v1internal) both pools call: project, quota request, one retry.

loadCodeAssist names the account's project when no file or setting does (remembered in
memory); the quota call is the pool's own (retrieveUserQuota or fetchAvailableModels, the
latter beside retrieveUserQuotaSummary). A 401 on a file token that looked valid earns one
refresh and one retry; a 403 that asks to verify the account is told as such, quoting the
server (scrubbed, without links); a Gemini 403 that says Gemini CLI no longer serves the
account (retired.py) says that and points to the `antigravity` provider.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

from providers.base import Account, ParseError
from providers.google.oauth import (
    GEMINI,
    App,
    access_token,
    can_refresh,
    forget_tokens,
    refresh_token,
    unrefreshable,
    who,
)
from providers.google.parse import parse_load_code_assist, verification_text
from providers.google.retired import ineligible_in_load, names_retirement, retired_error
from providers.google.summary import combine, parse_quota_summary
from providers.kit.http import FetchError, HttpSession
from providers.kit.secrets import Secret, scrub
from providers.model import Quota, Status, Window

CLOUDCODE = "https://cloudcode-pa.googleapis.com"
LOAD_CODE_ASSIST_URL = f"{CLOUDCODE}/v1internal:loadCodeAssist"
USER_QUOTA_URL = f"{CLOUDCODE}/v1internal:retrieveUserQuota"
AVAILABLE_MODELS_URL = f"{CLOUDCODE}/v1internal:fetchAvailableModels"
QUOTA_SUMMARY_URL = f"{CLOUDCODE}/v1internal:retrieveUserQuotaSummary"
LOAD_CODE_ASSIST_BODY = {
    "metadata": {
        "ideType": "IDE_UNSPECIFIED",
        "platform": "PLATFORM_UNSPECIFIED",
        "pluginType": "GEMINI",
    }
}

PROJECT_ENV = "GOOGLE_CLOUD_PROJECT"
MAX_SERVER_TEXT = 120

# A parser of one quota answer (parse.parse_user_quota, parse.parse_available_models).
QuotaParser = Callable[[Any], tuple[Window, ...]]

# (account key, refresh or access token) → (project id, plan) learnt from loadCodeAssist.
_PROJECTS: dict[tuple[str, Secret | None], tuple[str, str | None]] = {}


def clear_memory() -> None:
    """Forget refreshed tokens and discovered projects (tests; a sign-out)."""
    forget_tokens()
    _PROJECTS.clear()


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
    message = f"Google asks to verify {who(account)} (HTTP 403)"
    if quoted:
        message += f': "{quoted}"'
    message += ": sign in to this account in a browser, complete the verification, then refresh"
    return FetchError(Status.FORBIDDEN, message, http_status=error.http_status)


def _sentences(app: App, project: str | None) -> dict[Status, str]:
    where = f" for project {project}" if project else ""
    return {
        Status.AUTH_EXPIRED: f"Google rejected the access token (HTTP 401): {app.login_hint}",
        Status.FORBIDDEN: f"Google refused the quota request{where} (HTTP 403): the account "
        f"may have no {app.name} access, or the project is not its own",
        Status.RATE_LIMITED: "Rate-limited by Google (HTTP 429): will retry later",
    }


async def _call(
    app: App,
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
            if app is GEMINI and names_retirement(error.body):
                raise retired_error(error.http_status) from None
            said = verification_text(error.body)
            if said is not None:
                raise _verify_error(account, error, said) from None
        raise


def _project_key(account: Account) -> tuple[str, Secret | None]:
    refresh = account.extra.get("refresh")
    return (account.key, refresh if isinstance(refresh, Secret) else account.secret)


def _no_project(app: App) -> FetchError:
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
    app: App, account: Account, http: HttpSession, token: Secret
) -> tuple[str, str | None]:
    """(project, plan): the known project, else what loadCodeAssist says (remembered)."""
    known = account.extra.get("project")
    if isinstance(known, str) and known:
        return known, None
    key = _project_key(account)
    if key in _PROJECTS:
        return _PROJECTS[key]
    data = await _call(app, account, http, LOAD_CODE_ASSIST_URL, token, LOAD_CODE_ASSIST_BODY, None)
    if app is GEMINI and ineligible_in_load(data):
        raise retired_error()  # and no quota call: Gemini CLI serves this account no more
    project, plan = parse_load_code_assist(data)
    if project is None:
        raise _no_project(app)
    _PROJECTS[key] = (project, plan)
    return project, plan


async def _quota(
    app: App, account: Account, http: HttpSession, token: Secret, url: str
) -> tuple[Any, str, str | None]:
    project, plan = await _project(app, account, http, token)
    data = await _call(app, account, http, url, token, {"project": project}, project)
    return data, project, plan


T = TypeVar("T")


async def _with_one_retry(
    app: App,
    account: Account,
    http: HttpSession,
    now: datetime,
    job: Callable[[Secret], Awaitable[T]],
) -> T:
    """`job` with the account's token; the file's expiry can be wrong, so a 401 on a token
    that was not just refreshed earns one refresh and one more try."""
    token, fresh = await access_token(app, account, http, now)
    try:
        return await job(token)
    except FetchError as error:
        if fresh or error.http_status != 401:
            raise
        if not can_refresh(account, app):
            raise unrefreshable(app, account, error) from None
        token = await refresh_token(app, account, http, now)
        return await job(token)


async def fetch_cloud(
    app: App,
    account: Account,
    http: HttpSession,
    now: datetime,
    url: str,
    parse: QuotaParser,
) -> Quota:
    """One pool's quota call at `url`, its answer read by `parse` (the pool's own)."""

    async def job(token: Secret) -> Quota:
        data, project, plan = await _quota(app, account, http, token, url)
        return Quota(plan=plan, windows=parse(data), details=(("Project", project),))

    return await _with_one_retry(app, account, http, now, job)


async def _attempt(call: Awaitable[Any]) -> Any:
    """The call's answer, or the FetchError it raised, for the caller to weigh."""
    try:
        return await call
    except FetchError as error:
        return error


def _read(answer: Any, parse: QuotaParser) -> tuple[Window, ...] | FetchError | ParseError:
    if isinstance(answer, FetchError):
        return answer
    try:
        return parse(answer)
    except ParseError as error:
        return error


async def fetch_cloud_with_summary(
    app: App,
    account: Account,
    http: HttpSession,
    now: datetime,
    url: str,
    parse: QuotaParser,
) -> Quota:
    """The per-model call at `url` and retrieveUserQuotaSummary together (Antigravity,
    PROVIDERS.md §5 Changes in 2026): the summary's windows first when it has any, and then
    it carries the account even if the per-model call failed; else the per-model answer
    alone, as before, with its status. Whichever part is missing says why in the details."""

    async def job(token: Secret) -> Quota:
        project, plan = await _project(app, account, http, token)
        body = {"project": project}
        models, summary = await asyncio.gather(
            _attempt(_call(app, account, http, url, token, body, project)),
            _attempt(_call(app, account, http, QUOTA_SUMMARY_URL, token, body, project)),
        )
        windows, notes = combine(_read(models, parse), _read(summary, parse_quota_summary))
        return Quota(plan=plan, windows=windows, details=(("Project", project), *notes))

    return await _with_one_retry(app, account, http, now, job)
