"""New API / One API gateways: what one API key may still spend (PROVIDERS.md §7).

Self-hosted, so any number of instances, each a `[[newapi]]` table of the config file
(name, base_url, one of key/key_env/key_cmd, optional quota_per_usd), plus one more from
NEWAPI_BASE_URL + NEWAPI_API_KEY. Every request goes to the instance's own base URL.

- `GET {base_url}/api/usage/token` answers the key's quota in the gateway's internal
  units ("quota", 500000 to the dollar unless the gateway says otherwise).
- Errors come as HTTP 200 *or* 401 with `{"success": false, "message": …}` (or
  `code: false`, or an OpenAI-style `{"error": {"message": …}}`): the body decides.
- Gateways older than that endpoint answer 404: then the OpenAI-style billing pair
  `/v1/dashboard/billing/subscription` + `/v1/dashboard/billing/usage` (USD) stands in.

The key is sent as `Authorization: Bearer sk-<key>` whether or not it was configured
with its `sk-` prefix: both gateways strip the prefix themselves, so the full form is
accepted everywhere (a pasted "Bearer …" is tolerated too).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from providers.base import (
    Account,
    DiscoveryContext,
    InstanceTables,
    ParseError,
    Problem,
    Provider,
)
from providers.kit.http import FetchError, HttpSession, error_from_body, said
from providers.kit.keys import API_KEY_SETTINGS, KEY_CHOICES, key_from_settings
from providers.kit.secrets import Secret, quote, scrub
from providers.kit.values import (
    as_bool,
    as_dict,
    as_float,
    as_list,
    as_str,
    epoch_to_datetime,
    finite,
)
from providers.model import AccountSnapshot, Balance, Quota, Status, Window

PROVIDER_ID = "newapi"
DEFAULT_QUOTA_PER_USD = 500_000.0
# A hard limit of this many dollars or more is how gateways say "unlimited".
UNLIMITED_USD = 1e8

USAGE_PATH = "/api/usage/token"
SUBSCRIPTION_PATH = "/v1/dashboard/billing/subscription"
BILLING_USAGE_PATH = "/v1/dashboard/billing/usage"

ENV_URL = "NEWAPI_BASE_URL"
ENV_KEY = "NEWAPI_API_KEY"
ENV_QUOTA_PER_USD = "NEWAPI_QUOTA_PER_USD"
ENV_LABEL = "env"

_MAX_MODELS = 8


# --------------------------------------------------------------------------- one gateway


@dataclass(frozen=True)
class Gateway:
    """What fetch and parse need to know about one instance, none of it secret."""

    label: str = "New API"
    base_url: str = "https://newapi.invalid"
    quota_per_usd: float = DEFAULT_QUOTA_PER_USD
    key_place: str = "the config file"  # where the user fixes the key, in words
    url_place: str = "the config file"  # where the user fixes base_url, in words

    @property
    def who(self) -> str:
        return f'New API "{self.label}"'

    def url(self, path: str) -> str:
        return join_url(self.base_url, path)


def join_url(base_url: str, path: str) -> str:
    """base_url (maybe with a path prefix, a trailing "/", or the OpenAI-style "/v1" people
    copy from their client settings) + an absolute path; query and fragment dropped."""
    parts = urlsplit(base_url.strip())
    prefix = parts.path.rstrip("/")
    if prefix.lower().endswith("/v1"):
        prefix = prefix[:-3]
    return f"{parts.scheme}://{parts.netloc}{prefix}/{path.lstrip('/')}"


def bearer_key(key: str) -> str:
    """The key as gateways expect it: "sk-" + the key without any "sk-" (or "Bearer ")."""
    bare = key.strip()
    if bare[:7].lower() == "bearer ":
        bare = bare[7:].strip()
    bare = bare.removeprefix("sk-")
    return f"sk-{bare}" if bare else ""


def gateway_of(account: Account) -> Gateway:
    extra = account.extra
    return Gateway(
        label=account.label,
        base_url=str(extra.get("base_url") or ""),
        quota_per_usd=as_float(extra.get("quota_per_usd")) or DEFAULT_QUOTA_PER_USD,
        key_place=str(extra.get("key_place") or "the config file"),
        url_place=str(extra.get("url_place") or "the config file"),
    )


# --------------------------------------------------------------------------- discovery


def _quota_per_usd(value: Any) -> float | None:
    number = as_float(value)
    return number if number is not None and number > 0 else None


def _valid_url(value: str | None) -> bool:
    return (
        bool(value) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)
    )


def _key_place(table: Mapping[str, Any], where: str) -> str:
    variable = as_str(table.get("key_env"))
    if variable:
        return f"${variable} (key_env of {where})"
    if isinstance(table.get("key_cmd"), list):
        return f"the key_cmd of {where}"
    return f"the config file ({where} key)"


def _secret(key: str) -> Secret | None:
    """The normalized key; the bare form is remembered too, so an echo of it is scrubbed."""
    full = bearer_key(key)
    if not full:
        return None
    Secret(full.removeprefix("sk-"))
    return Secret(full)


def _instance(table: Mapping[str, Any], env: Mapping[str, str]) -> Account:
    base_url = as_str(table.get("base_url")) or ""
    name = as_str(table.get("name")) or base_url or "config"
    where = f'[[newapi]] "{name}"'
    extra = {
        "name": name,
        "base_url": base_url,
        "quota_per_usd": _quota_per_usd(table.get("quota_per_usd")) or DEFAULT_QUOTA_PER_USD,
        "key_place": _key_place(table, where),
        "url_place": f"the config file ({where} base_url)",
    }
    found = key_from_settings(table, env, where)
    source = found.source if found is not None else "config"
    problem: Problem | None = None
    secret: Secret | None = None
    if not _valid_url(base_url):
        problem = Problem(Status.ERROR, f"{where} needs a base_url starting with http(s)://")
    elif found is None:
        problem = Problem(Status.AUTH_EXPIRED, f"{where} names no key: add key, key_env or key_cmd")
    elif found.problem or found.secret is None:
        problem = Problem(Status.AUTH_EXPIRED, scrub(found.problem or f"{where} has no key"))
    else:
        secret = _secret(found.secret.reveal())
        if secret is None:
            problem = Problem(Status.AUTH_EXPIRED, f"{where} key is empty once its sk- is removed")
    return Account(
        provider=PROVIDER_ID,
        label=name,
        source=source,
        secret=secret,
        identity=name,
        extra=extra,
        problem=problem,
    )


def _env_instance(env: Mapping[str, str], labels: set[str]) -> Account | None:
    base_url = (env.get(ENV_URL) or "").strip()
    key = (env.get(ENV_KEY) or "").strip()
    if not base_url and not key:
        return None
    label = ENV_LABEL if ENV_LABEL not in labels else ENV_KEY
    problem: Problem | None = None
    secret: Secret | None = None
    quota_per_usd = DEFAULT_QUOTA_PER_USD
    raw_rate = (env.get(ENV_QUOTA_PER_USD) or "").strip()
    if not key:
        problem = Problem(
            Status.AUTH_EXPIRED,
            f"${ENV_URL} is set but ${ENV_KEY} is not: set it to the gateway's API key",
        )
    elif not base_url:
        problem = Problem(
            Status.ERROR,
            f"${ENV_KEY} is set but ${ENV_URL} is not: set it to the gateway's address (https://…)",
        )
    elif not _valid_url(base_url):
        problem = Problem(Status.ERROR, f"${ENV_URL} must start with http:// or https://")
    elif raw_rate and _quota_per_usd(raw_rate) is None:
        problem = Problem(Status.ERROR, f"${ENV_QUOTA_PER_USD} must be a number above 0")
    else:
        quota_per_usd = _quota_per_usd(raw_rate) or DEFAULT_QUOTA_PER_USD
        secret = _secret(key)
        if secret is None:
            problem = Problem(Status.AUTH_EXPIRED, f"${ENV_KEY} is empty once its sk- is removed")
    return Account(
        provider=PROVIDER_ID,
        label=label,
        source=f"env:{ENV_KEY}" if key else f"env:{ENV_URL}",
        secret=secret,
        identity=f"env:{ENV_KEY}",
        named=False,
        extra={
            "name": label,
            "base_url": base_url,
            "quota_per_usd": quota_per_usd,
            "key_place": f"${ENV_KEY}",
            "url_place": f"${ENV_URL}",
        },
        problem=problem,
    )


def _same_gateway(one: Account, other: Account) -> bool:
    return (
        one.secret is not None
        and one.secret == other.secret
        and join_url(str(one.extra.get("base_url")), "/")
        == join_url(str(other.extra.get("base_url")), "/")
    )


def discover_gateways(context: DiscoveryContext) -> list[Account]:
    """One account per [[newapi]] table, then the environment's instance (unless it repeats
    a configured gateway with the same key). A key in [providers.newapi] is not an instance:
    it has no base URL, so it shows as a problem instead of being silently ignored."""
    env = context.paths.env
    accounts: list[Account] = []
    for table in context.settings.get("instances", ()) or ():
        if isinstance(table, Mapping):
            accounts.append(_instance(table, env))
    from_env = _env_instance(env, {account.label for account in accounts})
    if from_env is not None and not any(_same_gateway(from_env, a) for a in accounts):
        accounts.append(from_env)
    if any(choice in context.settings for choice in KEY_CHOICES):
        accounts.append(
            Account(
                provider=PROVIDER_ID,
                label="[providers.newapi]",
                source="config",
                identity="[providers.newapi]",
                problem=Problem(
                    Status.ERROR,
                    "[providers.newapi] key is not used: give each gateway its own [[newapi]] "
                    "table with name, base_url and key",
                ),
            )
        )
    return accounts


# --------------------------------------------------------------------------- errors

_PATHS = re.compile(r"\S*/\S*")
# "Failed to get token info" is what current New API answers (HTTP 200) for a key it cannot
# find: the lookup's "record not found" is hidden behind that generic sentence.
_ALWAYS_AUTH = re.compile(
    r"authori[sz]ation|bearer|unauthori[sz]ed|failed\s+to\s+get\s+token\s+info"
    r"|未登录|未授权|未提供令牌|无效的令牌|获取令牌信息失败",
    re.I,
)
_CREDENTIAL_WORDS = re.compile(r"token|api[\s_-]?key|\bkey\b|令牌|密钥|秘钥", re.I)
_FAULT_WORDS = re.compile(
    r"not\s+(?:found|exist|provided|valid)|invalid|expired|disabled|revoked|deleted|missing"
    r"|unavailable|incorrect|illegal|wrong|无效|过期|禁用|不可用|不存在|未提供|非法|错误|已删除",
    re.I,
)


def is_key_problem(message: str | None) -> bool:
    """True when the gateway's words say the key is missing, unknown, expired or disabled."""
    if not message:
        return False
    words = _PATHS.sub(" ", message)  # "Invalid URL (GET /api/usage/token)" is not about a key
    if _ALWAYS_AUTH.search(words):
        return True
    return bool(_CREDENTIAL_WORDS.search(words) and _FAULT_WORDS.search(words))


def _message(document: Mapping[str, Any]) -> str | None:
    nested = as_dict(document.get("error")) or {}
    return quote(
        as_str(document.get("message"))
        or as_str(nested.get("message"))
        or as_str(document.get("error"))
        or as_str(document.get("msg"))
    )


def _reports_failure(document: Mapping[str, Any]) -> bool:
    """A 2xx body that is really an error: success/code false, or an error and no data."""
    if as_bool(document.get("success")) is False or as_bool(document.get("code")) is False:
        return True
    if "data" in document:
        return False
    code = document.get("code")
    numeric = as_float(code) if not isinstance(code, bool) else None
    return document.get("error") not in (None, "", {}) or (numeric not in (None, 0, 200))


def body_error(
    body: Any,
    gateway: Gateway,
    *,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> FetchError | None:
    """The FetchError a body stands for, or None when it reports none (http_status None
    means the body came with a 2xx) or, under an HTTP error, says nothing useful."""
    document = as_dict(body)
    if document is None:
        return None
    message = _message(document)
    if http_status is None:
        if not _reports_failure(document):
            return None
    elif message is None:
        return None
    words = said(message)
    if http_status == 401 or is_key_problem(message):
        status = Status.AUTH_EXPIRED
        head, aside, tail = "rejected the API key", [words], f"check the key in {gateway.key_place}"
    elif http_status == 429:
        status = Status.RATE_LIMITED
        head, aside, tail = "is rate-limiting the usage request", [words], "will retry later"
    elif http_status == 403:
        status = Status.FORBIDDEN
        head, aside, tail = "refused access (HTTP 403)", [words], None
    else:
        status = Status.ERROR
        where = f"HTTP {http_status}" if http_status is not None else None
        head, aside, tail = "answered with an error", [where], message
    return error_from_body(
        status,
        f"{gateway.who} {head}",
        aside,
        tail,
        body=document,
        http_status=http_status,
        retry_after=retry_after,
    )


def _sentences(gateway: Gateway) -> dict[Status, str]:
    return {
        Status.AUTH_EXPIRED: f"{gateway.who} rejected the API key (HTTP 401): "
        f"check the key in {gateway.key_place}",
        Status.FORBIDDEN: f"{gateway.who} refused access (HTTP 403)",
        Status.RATE_LIMITED: f"{gateway.who} rate-limited the usage request (HTTP 429): "
        "will retry later",
    }


# --------------------------------------------------------------------------- fetch


async def _get(http: HttpSession, gateway: Gateway, path: str, headers: dict[str, str]) -> Any:
    """One GET whose body has been checked for an error report, HTTP 200 or not."""
    return await http.request_json(
        PROVIDER_ID,
        "GET",
        gateway.url(path),
        headers=headers,
        sentences=_sentences(gateway),
        body_error=lambda body, status, wait: body_error(
            body, gateway, http_status=status, retry_after=wait
        ),
    )


def _missing(error: FetchError) -> bool:
    """A 404 that is about the path, not about the key."""
    return error.http_status == 404 and error.status is not Status.AUTH_EXPIRED


async def _billing(
    http: HttpSession, gateway: Gateway, headers: dict[str, str], now: datetime
) -> Quota:
    try:
        subscription = await _get(http, gateway, SUBSCRIPTION_PATH, headers)
        usage = await _get(http, gateway, BILLING_USAGE_PATH, headers)
    except FetchError as error:
        if _missing(error):
            raise FetchError(
                Status.ERROR,
                f"{gateway.who} answers neither {USAGE_PATH} nor {SUBSCRIPTION_PATH} (HTTP 404): "
                f"is the base_url in {gateway.url_place} the gateway's address?",
                http_status=404,
            ) from None
        raise
    return parse_billing(subscription, usage, now, gateway=gateway)


async def fetch_gateway(account: Account, http: HttpSession, now: datetime) -> Quota:
    assert account.secret is not None  # accounts without a key carry a Problem instead
    gateway = gateway_of(account)
    headers = {
        "Authorization": f"Bearer {account.secret.reveal()}",
        "Accept": "application/json",
    }
    try:
        data = await _get(http, gateway, USAGE_PATH, headers)
    except FetchError as error:
        if _missing(error):
            return await _billing(http, gateway, headers, now)
        if error.status is Status.BAD_RESPONSE and (error.http_status or 0) // 100 == 2:
            # An old gateway's web UI may answer unknown paths with its HTML page.
            try:
                return await _billing(http, gateway, headers, now)
            except (FetchError, ParseError):
                raise error from None
        raise
    return parse_token_usage(data, now, gateway=gateway)


# --------------------------------------------------------------------------- parse


def _local_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def _expiry(value: Any, now: datetime, gateway: Gateway) -> tuple[str, str] | None:
    """("Key expires", date or "never"); a date already past is the key's end: auth_expired."""
    number = as_float(value)
    if number is None:
        return None
    moment = epoch_to_datetime(number)  # 0 and -1 (never) give None
    if moment is None:
        return ("Key expires", "never")
    if moment <= now:
        raise FetchError(
            Status.AUTH_EXPIRED,
            f"{gateway.who}: the key expired on {_local_time(moment)}: renew it on the gateway "
            f"or put a new one in {gateway.key_place}",
            http_status=200,
        )
    return ("Key expires", _local_time(moment))


def _models(value: Any) -> list[str]:
    if isinstance(value, dict):
        names = [str(name) for name, allowed in value.items() if allowed not in (False, None)]
    elif isinstance(value, str):
        names = value.split(",")
    else:
        names = [item for item in as_list(value) if isinstance(item, str)]
    return [name.strip() for name in names if name.strip()]


def _models_detail(names: list[str]) -> tuple[str, str]:
    shown = ", ".join(names[:_MAX_MODELS])
    if len(names) > _MAX_MODELS:
        shown += f", +{len(names) - _MAX_MODELS} more"
    return ("Models", shown)


def _usd(amount: float | None, quota_per_usd: float) -> float | None:
    # No rounding: a whole quota / 500000 is already exact, and rounding to places would
    # flatten small amounts under a large configured quota_per_usd (5 / 7.3e6 → 1e-06).
    return None if amount is None else finite(amount / quota_per_usd)


def _percent(used: float | None, limit: float | None) -> float | None:
    if used is not None and limit is not None and limit > 0:
        return finite(used / limit * 100)
    return 100.0  # nothing granted: nothing to spend


def parse_token_usage(data: Any, now: datetime, *, gateway: Gateway | None = None) -> Quota:
    """The /api/usage/token answer → window `quota`, balances `quota` and `usd`, details.

    Pure apart from one verdict: a key whose expires_at has passed raises FetchError
    (auth_expired), because the gateway will refuse it whatever its quota says.
    """
    gateway = gateway or Gateway()
    document = as_dict(data)
    if document is None:
        raise ParseError("the usage answer is not a JSON object")
    body = as_dict(document.get("data"))
    if body is None and any(key in document for key in ("total_used", "total_granted")):
        body = document  # tolerate an answer without the envelope
    if body is None:
        raise ParseError("the usage answer has no data object")
    unlimited = as_bool(body.get("unlimited_quota")) is True
    used = as_float(body.get("total_used"))
    granted = as_float(body.get("total_granted"))
    available = as_float(body.get("total_available"))
    if used is None and granted is not None and available is not None:
        used = finite(granted - available)
    if granted is None and used is not None and available is not None:
        granted = finite(used + available)
    if available is None and granted is not None and used is not None:
        available = finite(granted - used)
    if not unlimited and (granted is None or available is None):
        raise ParseError("data has no total_granted / total_used / total_available figures")

    details: list[tuple[str, str]] = []
    name = as_str(body.get("name"))
    if name:
        details.append(("Token", name))
    expiry = _expiry(body.get("expires_at"), now, gateway)
    if expiry:
        details.append(expiry)
    if as_bool(body.get("model_limits_enabled")) is True:
        models = _models(body.get("model_limits"))
        if models:
            details.append(_models_detail(models))

    rate = gateway.quota_per_usd
    window = _quota_window(used, granted, "quota", unlimited=unlimited)
    if unlimited:
        balances = (
            Balance(id="quota", label="Available", unit="quota", unlimited=True),
            Balance(id="usd", label="Available (USD)", unit="USD", unlimited=True),
        )
    else:
        balances = (
            Balance(id="quota", label="Available", amount=available, limit=granted, unit="quota"),
            Balance(
                id="usd",
                label="Available (USD)",
                amount=_usd(available, rate),
                limit=_usd(granted, rate),
                unit="USD",
            ),
        )
    return Quota(windows=(window,), balances=balances, details=tuple(details))


def _quota_window(used: float | None, limit: float | None, unit: str, *, unlimited: bool) -> Window:
    """The one window `quota`: used of the limit, or just used when there is no limit."""
    if unlimited:
        return Window(id="quota", label="Quota", used=used, unit=unit, unlimited=True)
    return Window(
        id="quota",
        label="Quota",
        used_percent=_percent(used, limit),
        used=used,
        limit=limit,
        unit=unit,
    )


def parse_billing(
    subscription: Any, usage: Any, now: datetime, *, gateway: Gateway | None = None
) -> Quota:
    """The OpenAI-style billing pair → window `quota` and balance `usd`, both in USD.

    hard_limit_usd is the total granted in dollars (1e8 or more: unlimited); total_usage
    is in cents. access_until (seconds, 0 or -1 never) is the key's expiry where given.
    """
    gateway = gateway or Gateway()
    sub = as_dict(subscription)
    spent = as_dict(usage)
    if sub is None or spent is None:
        raise ParseError("the billing answers are not JSON objects")
    limit = as_float(sub.get("hard_limit_usd"))
    if limit is None:
        limit = as_float(sub.get("system_hard_limit_usd"))
    cents = as_float(spent.get("total_usage"))
    if limit is None:
        raise ParseError("the billing subscription has no hard_limit_usd")
    if cents is None:
        raise ParseError("the billing usage has no total_usage")
    used = round(cents / 100, 6)
    details: list[tuple[str, str]] = []
    expiry = _expiry(sub.get("access_until"), now, gateway)
    if expiry:
        details.append(expiry)
    details.append(("Source", "billing API (older gateway)"))
    window = _quota_window(used, limit, "USD", unlimited=limit >= UNLIMITED_USD)
    if limit >= UNLIMITED_USD:
        balance = Balance(id="usd", label="Available (USD)", unit="USD", unlimited=True)
    else:
        balance = Balance(
            id="usd",
            label="Available (USD)",
            amount=finite(round(limit - used, 6)),
            limit=limit,
            unit="USD",
        )
    return Quota(windows=(window,), balances=(balance,), details=tuple(details))


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most remaining first (unlimited before any figure, no figure last), then name."""
    window = snapshot.window("quota")
    if window is not None and window.unlimited:
        rank, left = 0, 0.0
    elif window is not None and window.remaining_percent is not None:
        rank, left = 1, -window.remaining_percent
    else:
        rank, left = 2, 0.0
    return (rank, left, snapshot.account.lower(), snapshot.account)


class NewApiProvider(Provider):
    id = PROVIDER_ID
    name = "New API"
    short = "napi"
    demo = ("providers.newapi.demo",)
    env_names = (ENV_URL, ENV_KEY, ENV_QUOTA_PER_USD)
    # [[newapi]]: one table per gateway, handed over as settings["instances"].
    instance_tables = InstanceTables(
        section="newapi",
        settings={
            "name": str,
            "base_url": str,
            "key": str,
            "key_env": str,
            "key_cmd": list,
            "quota_per_usd": (int, float),
        },
        noun="gateway",
        positive=("quota_per_usd",),
    )
    # [providers.newapi] takes base_url (an origin override for every gateway); the gateways
    # themselves are [[newapi]] tables, which the config hands over as settings["instances"].
    settings: ClassVar[dict[str, type]] = dict(API_KEY_SETTINGS)

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return discover_gateways(context)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return account.problem

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        return await fetch_gateway(account, http, now)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return sort_key(snapshot)
