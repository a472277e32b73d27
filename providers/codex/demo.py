"""Demo data for Codex: five saved accounts, one active, one near its limit, one expired,
one with Spark extra limits and credits, and an Enterprise member whose only quota is the
workspace's monthly credit pool (PROVIDERS.md §1, Changes in 2026).

The app's demo also writes them as real files (write_files) into a private temporary folder, so
the Codex switch runs its real code on them."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from providers.base import Account
from providers.codex.provider import SAVED_SUFFIX
from providers.kit.demo_tools import DAY, HOUR, fake_jwt
from providers.kit.paths import Paths
from providers.kit.secrets import Secret


@dataclass(frozen=True)
class DemoCodex:
    label: str
    account_id: str
    active: bool
    expires_in: float
    answer: Callable[[float], dict[str, Any]] | None


def _window(used: float, seconds: int, resets_in: float, now: float) -> dict[str, Any]:
    return {
        "used_percent": used,
        "limit_window_seconds": seconds,
        "reset_after_seconds": int(resets_in),
        "reset_at": int(now + resets_in),
    }


def _codex_answer(plan: str, five: tuple[float, float], week: tuple[float, float], **extra: Any):
    def build(now: float) -> dict[str, Any]:
        return {
            "plan_type": plan,
            "rate_limit": {
                "limit_reached": five[0] >= 100,
                "primary_window": _window(five[0], 5 * HOUR, five[1], now),
                "secondary_window": _window(week[0], 7 * DAY, week[1], now),
            },
            "credits": {"has_credits": False, "unlimited": False, "balance": "0"},
            **{key: value(now) if callable(value) else value for key, value in extra.items()},
        }

    return build


def _spark_limits(now: float) -> list[dict[str, Any]]:
    return [
        {
            "limit_name": "GPT-5.3-Codex-Spark",
            "metered_feature": "codex_bengalfox",
            "rate_limit": {
                "primary_window": _window(42, 5 * HOUR, 1.5 * HOUR, now),
                "secondary_window": _window(12, 7 * DAY, 4.2 * DAY, now),
            },
        }
    ]


def _enterprise_pool(now: float) -> dict[str, Any]:
    """An Enterprise member as wham/usage answers since 2026: no rate-limit windows, the monthly
    pool in two places (the rate_limit one wins), the spend control not reached, zero credits."""
    month_end = int(now + 9.4 * DAY)
    return {
        "plan_type": "enterprise",
        "individual_limit": None,
        "rate_limit": {
            "allowed": True,
            "limit_reached": False,
            "primary_window": None,
            "secondary_window": None,
            "individual_limit": {
                "limit": 50000,
                "used": "18250",
                "remaining_percent": 63.5,
                "resets_at": month_end,
            },
        },
        "spend_control": {
            "reached": False,
            "individual_limit": {
                "source": "workspace_spend_controls",
                "limit": "2000",
                "used": "412.9",
                "remaining": "1587.1",
                "used_percent": 21,
                "remaining_percent": 79,
                "reset_after_seconds": int(9.4 * DAY),
                "reset_at": month_end,
            },
        },
        "credits": {"has_credits": True, "unlimited": False, "balance": "0"},
    }


CODEX_ACCOUNTS = (
    DemoCodex(
        "work",
        "acc-demo-work",
        True,
        8 * DAY,
        _codex_answer("plus", (15, 2.6 * HOUR), (38, 3.1 * DAY)),
    ),
    DemoCodex(
        "side",
        "acc-demo-side",
        False,
        6 * DAY,
        _codex_answer("plus", (96, 41 * 60), (88, 1.4 * DAY)),
    ),
    DemoCodex("old", "acc-demo-old", False, -2 * DAY, None),
    DemoCodex(
        "spark",
        "acc-demo-spark",
        False,
        9 * DAY,
        _codex_answer(
            "pro",
            (3, 4.7 * HOUR),
            (21, 5.5 * DAY),
            additional_rate_limits=_spark_limits,
            credits={"has_credits": True, "unlimited": False, "balance": "14.5"},
        ),
    ),
    DemoCodex("corp", "acc-demo-corp", False, 12 * DAY, _enterprise_pool),
)


def accounts(now: float, copy: int) -> list[Account]:
    accounts = []
    for original in CODEX_ACCOUNTS:
        demo = _copy_of(original, copy)
        token = fake_jwt(
            {
                "exp": int(now + demo.expires_in),
                "https://api.openai.com/auth": {"chatgpt_account_id": demo.account_id},
                "https://api.openai.com/profile": {"email": f"{demo.label}@example.com"},
            }
        )
        accounts.append(
            Account(
                provider="codex",
                label=demo.label,
                source="~/.codex/auth.json" if demo.active else f"account/{demo.label}.auth.json",
                secret=Secret(token),
                active=demo.active,
                identity=demo.account_id,
                extra={"account_id": demo.account_id, "email": f"{demo.label}@example.com"},
            )
        )
    return accounts


def _copy_of(demo: DemoCodex, copy: int) -> DemoCodex:
    """The n-th copy of a demo account (copy 0 is the original), for a bigger demo."""
    if copy == 0:
        return demo
    return replace(
        demo, label=f"{demo.label}-{copy + 1}", account_id=f"{demo.account_id}-{copy}", active=False
    )


def _answer_for(account_id: str | None) -> DemoCodex | None:
    for demo in CODEX_ACCOUNTS:
        if account_id == demo.account_id or (account_id or "").startswith(demo.account_id + "-"):
            return demo
    return None


def answer(request: httpx.Request, now: float) -> httpx.Response | None:
    if not request.url.path.endswith("/wham/usage"):
        return None
    demo = _answer_for(request.headers.get("ChatGPT-Account-Id"))
    if demo is not None and demo.answer is not None:
        return httpx.Response(200, json=demo.answer(now))
    return httpx.Response(401, json={"detail": "unknown demo account"})


def write_files(accounts: Sequence[Account], paths: Paths, now: float) -> set[str]:
    """Write the demo's Codex logins where Codex keeps them under `paths`, which must be the
    demo's private temporary folder (never the user's): each as a saved
    `account/<label>.auth.json`, and the active one also as the live `auth.json`, refreshed more
    recently than its saved copy as Codex's rotating tokens would be. The providers written."""
    codex = [account for account in accounts if account.provider == "codex" and account.secret]
    if not codex:
        return set()
    saved = paths.cwd / "account"
    saved.mkdir(parents=True, exist_ok=True)
    for account in codex:
        _write(saved / f"{account.label}{SAVED_SUFFIX}", _auth_json(account, now - DAY, ""))
        if account.active:
            paths.codex_home.mkdir(parents=True, exist_ok=True)
            _write(paths.codex_home / "auth.json", _auth_json(account, now - HOUR, "-rotated"))
    return {"codex"}


def _auth_json(account: Account, refreshed: float, rotation: str) -> str:
    assert account.secret is not None
    tokens = {
        # The demo's own unsigned sample token (fake_jwt above), never a user's.
        "access_token": account.secret.reveal(),
        "refresh_token": f"demo-refresh-{account.label}{rotation}",
        "id_token": fake_jwt({"email": account.extra.get("email")}),
        "account_id": account.identity,
    }
    last_refresh = datetime.fromtimestamp(refreshed, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"OPENAI_API_KEY": None, "tokens": tokens, "last_refresh": last_refresh})


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, 0o600)
