"""Demo data for Copilot: an annual Pro user still on request-based billing, deep in overage; a
monthly Pro user on AI credits (the internal answer since 2026-06-01) reached through the token
exchange; a Free user on the older answer shape; a Pro+ AI-credit report (PAT) with per-model
credits; and an OpenCode login GitHub no longer accepts."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from providers.base import Account
from providers.copilot.provider import EDITOR_REMEDY, ENV_REMEDY, OPENCODE_REMEDY
from providers.kit.demo_tools import copy_label
from providers.kit.secrets import Secret

_BILLING_PATH = re.compile(r"^/users/([^/]+)/settings/billing/ai_credit/usage$")
_TOKEN = re.compile(r"^gh[uop]_demo(\d+)_([a-z]+)_0123456789$")
_SESSION = re.compile(r"^tid=demo-session;user=([a-z]+);copy=(\d+)$")


@dataclass(frozen=True)
class DemoCopilot:
    name: str  # stands for the account in its token; also its login
    label: str
    source: str
    kind: str  # "internal" or "billing"
    remedy: str = EDITOR_REMEDY
    login_known: bool = True
    # The user endpoint refuses the OAuth token itself: the exchange is the way in.
    needs_exchange: bool = False
    # Neither the user endpoint nor the exchange accepts the token.
    rejected: bool = False
    answer: Callable[[float, str], dict[str, Any]] | None = None
    tier: str | None = None


def _next_month(now: float) -> datetime:
    today = datetime.fromtimestamp(now, tz=UTC)
    return datetime(today.year + today.month // 12, today.month % 12 + 1, 1, tzinfo=UTC)


def _reset_fields(now: float) -> dict[str, str]:
    reset = _next_month(now)
    return {
        "quota_reset_date": reset.strftime("%Y-%m-%d"),
        "quota_reset_date_utc": reset.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    }


def _unlimited(quota_id: str) -> dict[str, Any]:
    return {
        "entitlement": 0,
        "remaining": 0,
        "percent_remaining": 100.0,
        "overage_count": 0,
        "overage_permitted": False,
        "quota_id": quota_id,
        "unlimited": True,
    }


def _premium(entitlement: int, remaining: int, overage: int) -> dict[str, Any]:
    return {
        "entitlement": entitlement,
        "remaining": remaining,
        "quota_remaining": remaining,
        "percent_remaining": round(remaining / entitlement * 100, 1),
        "overage_count": overage,
        "overage_permitted": True,
        "quota_id": "premium_interactions",
        "unlimited": False,
    }


def _user_head(login: str, sku: str, plan: str) -> dict[str, Any]:
    """The head of every /copilot_internal/user answer."""
    return {"login": login, "access_type_sku": sku, "copilot_plan": plan, "chat_enabled": True}


def _with_snapshots(now: float, user: dict[str, Any], premium: dict[str, Any]) -> dict[str, Any]:
    """The current answer shape: quota_snapshots, with unlimited chat and completions."""
    return {
        **user,
        **_reset_fields(now),
        "quota_snapshots": {
            "premium_interactions": premium,
            "chat": _unlimited("chat"),
            "completions": _unlimited("completions"),
        },
    }


def _pro_in_overage(now: float, login: str) -> dict[str, Any]:
    user = _user_head(login, "plus_monthly_subscriber_quota", "individual_pro")
    return _with_snapshots(now, user, _premium(1500, -3821, 3821))


def _pro_on_credits(now: float, login: str) -> dict[str, Any]:
    """A monthly Pro subscriber after 2026-06-01: the premium snapshot counts AI credits."""
    user = _user_head(login, "plus_monthly_subscriber_quota", "individual_pro")
    answer = _with_snapshots(
        now,
        user,
        {
            "entitlement": 1500,
            "remaining": 1180.25,
            "percent_remaining": 78.68,
            "credits_used": 319.75,
            "overage_count": 0,
            "overage_permitted": False,
            "quota_id": "premium_interactions",
            "unlimited": False,
        },
    )
    return {**answer, "token_based_billing": True}


def _free_older_shape(now: float, login: str) -> dict[str, Any]:
    return {
        **_user_head(login, "free_limited_copilot", "individual"),
        "monthly_quotas": {"chat": 50, "completions": 2000},
        "limited_user_quotas": {"chat": 12, "completions": 1540},
        "limited_user_reset_date": _next_month(now).strftime("%Y-%m-%d"),
    }


def _credit_item(model: str, gross: float, net: float = 0.0) -> dict[str, Any]:
    """One line of the AI-credit report: credits used, covered by the allowance, billed."""
    return {
        "product": "Copilot",
        "sku": "Copilot AI Credits",
        "model": model,
        "unitType": "ai-credits",
        "pricePerUnit": 0.01,
        "grossQuantity": gross,
        "grossAmount": round(gross * 0.01, 4),
        "discountQuantity": gross - net,
        "discountAmount": round((gross - net) * 0.01, 4),
        "netQuantity": net,
        "netAmount": round(net * 0.01, 4),
    }


def _credit_report(now: float, login: str) -> dict[str, Any]:
    today = datetime.fromtimestamp(now, tz=UTC)
    return {
        "timePeriod": {"year": today.year, "month": today.month},
        "user": login,
        "usageItems": [
            _credit_item("claude-sonnet-4.6", 1842.5),
            _credit_item("gpt-5.4", 960),
            _credit_item("gemini-3-pro", 311.25),
            _credit_item("claude-opus-4.6", 640),
            {
                "product": "Actions",
                "sku": "Actions Linux",
                "model": "",
                "unitType": "minutes",
                "grossQuantity": 1200,
                "netQuantity": 0,
            },
        ],
    }


COPILOT_ACCOUNTS = (
    DemoCopilot(
        "octocat",
        "octocat",
        "~/.config/github-copilot/apps.json",
        "internal",
        answer=_pro_in_overage,
    ),
    DemoCopilot(
        "mona",
        "mona",
        "~/.config/github-copilot/hosts.json",
        "internal",
        needs_exchange=True,
        answer=_pro_on_credits,
    ),
    DemoCopilot(
        "hubot",
        "env",
        "env:COPILOT_API_TOKEN",
        "internal",
        remedy=ENV_REMEDY,
        login_known=False,
        answer=_free_older_shape,
    ),
    DemoCopilot(
        "octocat",
        "octocat (billing)",
        "~/.config/opencode/copilot-quota-token.json",
        "billing",
        answer=_credit_report,
        tier="pro+",
    ),
    DemoCopilot(
        "stale",
        "opencode",
        "~/.local/share/opencode/auth.json",
        "internal",
        remedy=OPENCODE_REMEDY,
        login_known=False,
        rejected=True,
    ),
)


def _token(demo: DemoCopilot, copy: int) -> str:
    prefix = "ghp" if demo.kind == "billing" else "ghu"
    return f"{prefix}_demo{copy}_{demo.name}_0123456789"


def accounts(now: float, copy: int) -> list[Account]:
    result = []
    for demo in COPILOT_ACCOUNTS:
        login = copy_label(demo.name, copy)
        if demo.kind == "billing":
            label = f"{login} (billing)"
            identity: str | None = f"billing:{login}"
            extra: dict[str, Any] = {"kind": "billing", "username": login, "tier": demo.tier}
        else:
            label = login if demo.login_known else copy_label(demo.label, copy)
            identity = f"github:{login}" if demo.login_known else None
            extra = {
                "kind": "internal",
                "login": login if demo.login_known else None,
                "remedy": demo.remedy,
            }
        result.append(
            Account(
                provider="copilot",
                label=label,
                source=demo.source,
                secret=Secret(_token(demo, copy)),
                identity=identity,
                extra=extra,
            )
        )
    return result


def _find(name: str, kind: str) -> DemoCopilot | None:
    return next((d for d in COPILOT_ACCOUNTS if d.name == name and d.kind == kind), None)


def _from_token(authorization: str, scheme: str, kind: str) -> tuple[DemoCopilot, int] | None:
    if not authorization.startswith(f"{scheme} "):
        return None
    match = _TOKEN.match(authorization[len(scheme) + 1 :])
    if match is None:
        return None
    demo = _find(match.group(2), kind)
    return (demo, int(match.group(1))) if demo is not None else None


def _login(demo: DemoCopilot, copy: int) -> str:
    return copy_label(demo.name, copy)


def _unauthorized() -> httpx.Response:
    return httpx.Response(401, json={"message": "Bad credentials"})


def _user(request: httpx.Request, now: float) -> httpx.Response:
    authorization = request.headers.get("Authorization", "")
    if authorization.startswith("Bearer "):
        session = _SESSION.match(authorization[len("Bearer ") :])
        demo = _find(session.group(1), "internal") if session else None
        if session is None or demo is None or demo.answer is None:
            return _unauthorized()
        return httpx.Response(200, json=demo.answer(now, _login(demo, int(session.group(2)))))
    found = _from_token(authorization, "token", "internal")
    if found is None:
        return _unauthorized()
    demo, copy = found
    if demo.rejected or demo.needs_exchange or demo.answer is None:
        return _unauthorized()
    return httpx.Response(200, json=demo.answer(now, _login(demo, copy)))


def _exchange(request: httpx.Request, now: float) -> httpx.Response:
    found = _from_token(request.headers.get("Authorization", ""), "token", "internal")
    if found is None or found[0].rejected:
        return _unauthorized()
    demo, copy = found
    return httpx.Response(
        200,
        json={
            "token": f"tid=demo-session;user={demo.name};copy={copy}",
            "expires_at": int(now + 1800),
            "refresh_in": 1500,
        },
    )


def _billing(request: httpx.Request, now: float, username: str) -> httpx.Response:
    found = _from_token(request.headers.get("Authorization", ""), "Bearer", "billing")
    if found is None:
        return _unauthorized()
    demo, copy = found
    if demo.answer is None or username != _login(demo, copy):
        return httpx.Response(404, json={"message": "Not Found"})
    return httpx.Response(200, json=demo.answer(now, username))


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    path = request.url.path
    if path == "/copilot_internal/user":
        return _user(request, now)
    if path == "/copilot_internal/v2/token":
        return _exchange(request, now)
    billing = _BILLING_PATH.match(path)
    if billing is not None:
        return _billing(request, now, billing.group(1))
    return None
