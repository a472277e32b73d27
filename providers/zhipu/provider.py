"""Zhipu AI (bigmodel.cn) and Z.ai: GLM Coding Plan quota per API key (PROVIDERS.md §4).

Both services run the same monitor endpoint and answer the same shape, so one module
serves two providers that differ only in their URL, their env vars and their OpenCode key.
The endpoint answers HTTP 200 with an error body (`success: false`, a `code` and a `msg`)
for most failures, a bad key included: the body decides the status, not only HTTP.

Since 2026 credit-based plans answer `CREDIT_LIMIT` entries (credits windows with the same
length ids as tokens), name their plan in `planName`, and a `TIME_LIMIT` may carry its own
length (`mcp:<length id>`); window ids come from kit/window_ids, as everywhere (§0).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from providers.base import Account, DiscoveryContext, ParseError, Problem, Provider
from providers.kit.http import FetchError, HttpSession, error_from_body, said, status_for_http
from providers.kit.keys import API_KEY_SETTINGS, key_accounts
from providers.kit.secrets import quote, scrub
from providers.kit.values import (
    DAY,
    HOUR,
    any_to_datetime,
    as_bool,
    as_dict,
    as_float,
    as_int,
    as_list,
    as_seconds,
    as_str,
    finite,
)
from providers.kit.window_ids import length_id, namespaced, same_limit, unique_windows
from providers.model import AccountSnapshot, Quota, Status, Window, most_left_first


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    url: str
    env_names: tuple[str, ...]
    opencode_key: str


ZHIPU = Service(
    id="zhipu",
    name="Zhipu",
    url="https://bigmodel.cn/api/monitor/usage/quota/limit",
    env_names=("ZHIPU_API_KEY",),
    opencode_key="zhipuai-coding-plan",
)
ZAI = Service(
    id="zai",
    name="Z.ai",
    url="https://api.z.ai/api/monitor/usage/quota/limit",
    env_names=("Z_AI_API_KEY", "ZAI_API_KEY"),
    opencode_key="zai-coding-plan",
)
SERVICES = {service.id: service for service in (ZHIPU, ZAI)}


# --------------------------------------------------------------------------- discovery


def discover_keys(service: Service, context: DiscoveryContext) -> list[Account]:
    """One Account per distinct key: config, then env vars, then OpenCode (first place wins)."""
    return key_accounts(
        service.id, context, env_names=service.env_names, opencode_keys=(service.opencode_key,)
    )


def key_place(service: Service, source: str) -> str:
    """Where the user fixes the key, in words: the remedy half of an auth sentence."""
    if source == "config":
        return f"the config file ([providers.{service.id}] key)"
    if source.startswith("env:"):
        return f"${source.removeprefix('env:')}"
    return f'{source} ("{service.opencode_key}")'


# --------------------------------------------------------------------------- errors

# Documented Zhipu codes: 1000 authentication failed, 1001 no Authorization header,
# 1002 invalid token, 1003 expired token, 1004 token rejected; Z.ai also answers 401.
_AUTH_CODES = {401, 1000, 1001, 1002, 1003, 1004}
_RATE_CODES = {429, 1302, 1303, 1305}
# "key" alone too ("Invalid key", "key不存在"), but not inside a word such as "keyword".
_CREDENTIAL_WORDS = re.compile(
    r"api[\s_-]?key|(?<![a-z])key(?![a-z])|token|authori[sz]ation|authenticat|credential"
    r"|令牌|密钥|凭证|秘钥|认证",
    re.I,
)
_FAULT_WORDS = re.compile(
    r"invalid|expired|incorrect|illegal|missing|wrong|fail|not\s+(?:found|provided|valid|exist)"
    r"|required|revoked|disabled|无效|过期|非法|错误|缺少|未收到|失败|不存在|不正确|已禁用",
    re.I,
)
_ALWAYS_AUTH = re.compile(
    r"unauthori[sz]ed|unauthenticated|身份验证|认证失败|未认证|鉴权|未授权|未登录", re.I
)


def is_key_problem(code: int | None, message: str | None) -> bool:
    """True when the service says the key itself is missing, invalid or expired."""
    if code in _AUTH_CODES:
        return True
    if not message:
        return False
    if _ALWAYS_AUTH.search(message):
        return True
    return bool(_CREDENTIAL_WORDS.search(message) and _FAULT_WORDS.search(message))


def _code_and_message(document: dict[str, Any]) -> tuple[int | None, str | None]:
    nested = as_dict(document.get("error")) or {}
    code = as_int(document.get("code"))
    if code is None:
        code = as_int(nested.get("code"))
    message = (
        as_str(document.get("msg"))
        or as_str(document.get("message"))
        or as_str(nested.get("message"))
        or as_str(document.get("error"))
    )
    return code, quote(message)


def body_error(
    service: Service,
    body: Any,
    place: str,
    *,
    http_status: int | None = None,
    retry_after: float | None = None,
) -> FetchError | None:
    """The FetchError an answer's body stands for, or None when the body reports no error.

    With http_status None the body came with a 2xx: it is an error when `success` is false
    or `code` is not 200. With an HTTP error status, a body naming a code or a message
    gives a better sentence than the status alone.
    """
    document = as_dict(body)
    if document is None:
        return None
    code, message = _code_and_message(document)
    if http_status is None:
        failed = as_bool(document.get("success")) is False or (code is not None and code != 200)
        if not failed:
            return None
    elif code is None and message is None:
        return None
    if is_key_problem(code, message) or http_status == 401:
        status = Status.AUTH_EXPIRED
    elif code in _RATE_CODES or http_status == 429:
        status = Status.RATE_LIMITED
    elif http_status is not None:
        status = status_for_http(http_status)
    else:
        status = Status.ERROR
    quoted = said(message) or (f"code {code}" if code is not None else None)
    if status is Status.AUTH_EXPIRED:
        head, aside, tail = "rejected the API key", [quoted], f"check the API key in {place}"
    elif status is Status.RATE_LIMITED:
        head, aside, tail = "is rate-limiting the quota request", [quoted], "will retry later"
    else:
        aside = [f"HTTP {http_status}"] if http_status is not None else []
        if code is not None and code != 200:
            aside.append(f"code {code}")
        head, tail = "answered with an error", message
    return error_from_body(
        status,
        f"{service.name} {head}",
        aside,
        tail,
        body=document,
        http_status=http_status,
        retry_after=retry_after,
    )


# --------------------------------------------------------------------------- checks and fetch


def precheck(account: Account, now: datetime) -> Problem | None:
    return account.problem


async def fetch_quota(service: Service, account: Account, http: HttpSession) -> Quota:
    assert account.secret is not None  # discovery only makes accounts that hold a key
    place = key_place(service, account.source)
    headers = {
        "Authorization": account.secret.reveal(),  # the raw key: no "Bearer"
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Accept-Language": "en-US,en",
    }
    sentences = {
        Status.AUTH_EXPIRED: f"{service.name} rejected the API key (HTTP 401): "
        f"check the API key in {place}",
        Status.FORBIDDEN: f"{service.name} refused access (HTTP 403): "
        "the key may not belong to a GLM Coding Plan",
        Status.RATE_LIMITED: f"{service.name} rate-limited the quota request (HTTP 429): "
        "will retry later",
    }
    data = await http.request_json(
        service.id,
        "GET",
        service.url,
        headers=headers,
        sentences=sentences,
        body_error=lambda body, status, wait: body_error(
            service, body, place, http_status=status, retry_after=wait
        ),
    )
    return parse_quota(data, http.clock())


# --------------------------------------------------------------------------- parse

# `unit` codes seen in the answers: 1 days, 3 hours, 5 minutes, 6 weeks.
_UNIT_SECONDS = {1: DAY, 3: HOUR, 5: 60, 6: 7 * DAY}
TOKENS = "TOKENS_LIMIT"
CREDITS = "CREDIT_LIMIT"
TIME = "TIME_LIMIT"
MCP_ID = "mcp_monthly"
MCP_LABEL = "MCP calls"
# The service's own marker for the monthly MCP allowance: unit 5 ("minutes") with number 1.
_MCP_MONTHLY_MARK = (5, 1)
# Display groups (PROVIDERS.md §4, Changes in 2026): token and credit windows shortest first,
# those of unknown length after them, then MCP, then other types.
_GROUP_SIZED, _GROUP_UNSIZED, _GROUP_MCP, _GROUP_OTHER = range(4)
# Within one length the tokens window comes before the credits one (which then takes `_2`).
_KIND_RANK = {TOKENS: 0, CREDITS: 1}
_UNITS = {TOKENS: "tokens", CREDITS: "credits", TIME: "calls"}
# The first non-blank of these names the plan: credit plans send `planName`, older ones `level`.
_PLAN_KEYS = ("planName", "plan", "plan_type", "packageName", "level")


@dataclass(frozen=True)
class _Entry:
    index: int
    kind: str  # the type as sent, e.g. TOKENS_LIMIT
    unit: int | None  # `unit` and `number` as sent (numbers), for the MCP monthly marker
    number: int | None
    seconds: int | None
    used_percent: float
    used: float | None
    limit: float | None
    resets_at: datetime | None
    details: tuple[tuple[str, str], ...] = ()

    @property
    def kind_key(self) -> str:
        return self.kind.upper()


def _length(unit: int | None, number: Any) -> int | None:
    """unit × number as seconds; another unit, or a number that is not positive, is none."""
    if unit not in _UNIT_SECONDS:
        return None
    return as_seconds(number, _UNIT_SECONDS[unit])


def _usage_details(value: Any) -> tuple[tuple[str, str], ...]:
    details = []
    for item in as_list(value):
        detail = as_dict(item) or {}
        name = as_str(detail.get("modelCode"))
        count = as_float(detail.get("usage"))
        if name and count is not None:
            details.append((f"MCP {name}", f"{count:g}"))
    return tuple(details)


def _read_entry(index: int, value: Any) -> _Entry | None:
    """One `limits[]` entry, or None when it is malformed (dropped alone)."""
    entry = as_dict(value)
    if entry is None:
        return None
    kind = as_str(entry.get("type"))
    if kind is None:
        return None
    limit = as_float(entry.get("usage"))
    used = as_float(entry.get("currentValue"))
    remaining = as_float(entry.get("remaining"))
    if used is None and limit is not None and remaining is not None:
        used = finite(limit - remaining)
    percent = as_float(entry.get("percentage"))
    if percent is None and used is not None and limit:
        percent = finite(used / limit * 100)
    if percent is None:
        return None
    unit = as_int(entry.get("unit"))
    return _Entry(
        index=index,
        kind=kind,
        unit=unit,
        number=as_int(entry.get("number")),
        seconds=_length(unit, entry.get("number")),
        used_percent=percent,
        used=used,
        limit=limit,
        resets_at=any_to_datetime(entry.get("nextResetTime")),
        details=_usage_details(entry.get("usageDetails")) if kind.upper() == TIME else (),
    )


def _type_id(kind: str) -> str:
    """SEARCH_LIMIT → search_limit; whatever the server sent, a tame id (scrubbed first)."""
    cleaned = re.sub(r"[^a-z0-9_]+", "_", scrub(kind).lower()).strip("_")
    return cleaned[:40] or "limit"


def _type_label(kind: str) -> str:
    words = " ".join(re.sub(r"[^A-Za-z0-9]+", " ", scrub(kind)).split()).lower()
    return (words[:40] or "limit").capitalize()


@dataclass(frozen=True)
class _Named:
    order: tuple[int, float, int, int]
    id: str
    label: str
    seconds: int | None  # the window's length as shown (none for the monthly MCP marker)
    entry: _Entry


def _sized(entry: _Entry, seconds: float, window_id: str, label: str) -> _Named:
    order = (_GROUP_SIZED, seconds, _KIND_RANK[entry.kind_key], entry.index)
    return _Named(order, window_id, label, entry.seconds, entry)


def _mcp(entry: _Entry) -> _Named:
    """TIME_LIMIT: the monthly marker (5/1, or no unit and number) is `mcp_monthly` as ever;
    another known length `mcp:<length id>`; an unknown one plain `mcp`, without a length.
    MCP windows too go shortest first, the monthly one as a month, the unknown one last."""
    if (entry.unit, entry.number) in (_MCP_MONTHLY_MARK, (None, None)):
        return _Named((_GROUP_MCP, float(30 * DAY), 0, entry.index), MCP_ID, MCP_LABEL, None, entry)
    if entry.seconds is None:
        return _Named((_GROUP_MCP, math.inf, 0, entry.index), "mcp", MCP_LABEL, None, entry)
    window_id, _ = namespaced("mcp", entry.seconds)
    label = f"{MCP_LABEL} {length_id(entry.seconds)[1]}"
    order = (_GROUP_MCP, float(entry.seconds), 0, entry.index)
    return _Named(order, window_id, label, entry.seconds, entry)


def _named(entries: list[_Entry]) -> list[_Named]:
    """Each entry's id, label and place in the display order, before ids are made unique."""
    five_hour_taken = any(
        e.kind_key == TOKENS and e.seconds is not None and length_id(e.seconds)[0] == "five_hour"
        for e in entries
    )
    first_unknown = True
    named = []
    for entry in entries:
        kind = entry.kind_key
        if kind in (TOKENS, CREDITS) and entry.seconds is not None:
            window_id, label = length_id(entry.seconds)
            if kind == CREDITS:
                label = f"{label} credits"
            named.append(_sized(entry, float(entry.seconds), window_id, label))
        elif kind == TOKENS and first_unknown and not five_hour_taken:
            # The classic answer: one TOKENS_LIMIT without a length, the 5-hour window.
            first_unknown = False
            named.append(_sized(entry, float(5 * HOUR), "five_hour", "5h"))
        elif kind == TOKENS:
            named.append(
                _Named((_GROUP_UNSIZED, 0.0, 0, entry.index), "tokens", "Tokens", None, entry)
            )
        elif kind == CREDITS:
            named.append(
                _Named((_GROUP_UNSIZED, 0.0, 1, entry.index), "credits", "Credits", None, entry)
            )
        elif kind == TIME:
            named.append(_mcp(entry))
        else:
            order = (_GROUP_OTHER, 0.0, 0, entry.index)
            named.append(_Named(order, _type_id(entry.kind), _type_label(entry.kind), None, entry))
    named.sort(key=lambda item: item.order)
    return named


def _same_limit(first: Window, second: Window) -> bool:
    """One limit told twice, never a tokens and a credits window that happen to agree."""
    return first.unit == second.unit and same_limit(first, second)


def _windows(entries: list[_Entry]) -> tuple[Window, ...]:
    windows = [
        Window(
            id=item.id,
            label=item.label,
            used_percent=item.entry.used_percent,
            resets_at=item.entry.resets_at,
            window_seconds=item.seconds,
            used=item.entry.used,
            limit=item.entry.limit,
            unit=_UNITS.get(item.entry.kind_key),
        )
        for item in _named(entries)
    ]
    return unique_windows(windows, _same_limit)


def _plan(body: dict[str, Any]) -> str | None:
    for key in _PLAN_KEYS:
        plan = as_str(body.get(key))
        if plan is not None:
            return plan
    return None


def parse_quota(data: Any, now: datetime) -> Quota:
    """The quota/limit answer → plan and windows. Pure: no I/O, no clock but `now`."""
    document = as_dict(data)
    if document is None:
        raise ParseError("the quota answer is not a JSON object")
    body = as_dict(document.get("data"))
    if body is None and isinstance(document.get("limits"), list):
        body = document  # tolerate an answer without the envelope
    if body is None:
        raise ParseError("the quota answer has no data object")
    limits = body.get("limits")
    if not isinstance(limits, list):
        raise ParseError("the quota answer has no data.limits list")
    entries = [e for i, item in enumerate(limits) if (e := _read_entry(i, item)) is not None]
    if limits and not entries:
        raise ParseError("no entry of data.limits has a type and a usage figure")
    details = tuple(detail for entry in entries for detail in entry.details)
    return Quota(plan=_plan(body), windows=_windows(entries), details=details)


# --------------------------------------------------------------------------- order


def sort_key(snapshot: AccountSnapshot) -> tuple[Any, ...]:
    """Most five-hour left first, then most weekly left, then name."""
    return (*most_left_first(snapshot, "five_hour", "weekly"), snapshot.account.lower())


class ZhipuProvider(Provider):
    id = ZHIPU.id
    name = ZHIPU.name
    demo = ("providers.zhipu.demo",)
    service: ClassVar[Service] = ZHIPU
    env_names = ZHIPU.env_names
    settings: ClassVar[dict[str, type]] = API_KEY_SETTINGS

    def discover(self, context: DiscoveryContext) -> list[Account]:
        return discover_keys(self.service, context)

    def precheck(self, account: Account, now: datetime) -> Problem | None:
        return precheck(account, now)

    async def fetch(self, account: Account, http: HttpSession, now: datetime) -> Quota:
        return await fetch_quota(self.service, account, http)

    def sort_key(self, snapshot: AccountSnapshot) -> tuple[Any, ...]:
        return sort_key(snapshot)


class ZaiProvider(ZhipuProvider):
    id = ZAI.id
    name = ZAI.name
    service: ClassVar[Service] = ZAI
    env_names = ZAI.env_names
