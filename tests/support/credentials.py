"""Credential files and service answers as the real tools write them, for tests."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from providers.base import Account
from providers.demo import fake_jwt
from providers.kit.secrets import Secret

HOUR = 3600
DAY = 24 * HOUR


def codex_token(
    account_id: str | None,
    *,
    expires_in: float = 5 * DAY,
    email: str | None = None,
    marker: str = "",
) -> str:
    """A JWT-shaped Codex access token; `marker` makes otherwise equal tokens differ."""
    claims: dict[str, Any] = {"exp": int(time.time() + expires_in)}
    if account_id:
        claims["https://api.openai.com/auth"] = {"chatgpt_account_id": account_id}
    if email:
        claims["https://api.openai.com/profile"] = {"email": email}
    if marker:
        claims["marker"] = marker
    return fake_jwt(claims)


def write_codex_auth(
    path: Path,
    access_token: str,
    account_id: str | None,
    *,
    email: str | None = None,
    refresh_token: str = "rt-refresh-token-value-0000",
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens: dict[str, Any] = {
        "access_token": access_token,
        "refresh_token": refresh_token,
        "id_token": fake_jwt({"email": email}) if email else None,
    }
    if account_id:
        tokens["account_id"] = account_id
    path.write_text(
        json.dumps(
            {"OPENAI_API_KEY": None, "tokens": tokens, "last_refresh": "2026-11-20T10:00:00Z"}
        )
    )
    return path


def usage_answer(
    five_used: float, week_used: float, *, plan: str = "plus", now: float | None = None
) -> dict[str, Any]:
    now = time.time() if now is None else now
    return {
        "plan_type": plan,
        "rate_limit": {
            "primary_window": {
                "used_percent": five_used,
                "limit_window_seconds": 5 * HOUR,
                "reset_at": int(now + 2 * HOUR),
            },
            "secondary_window": {
                "used_percent": week_used,
                "limit_window_seconds": 7 * DAY,
                "reset_at": int(now + 3 * DAY),
            },
        },
    }


def codex_account(name: str) -> Account:
    """A Codex account as discovery builds it, its token naming the account `acc-<name>`."""
    return Account(
        provider="codex",
        label=name,
        source="test",
        secret=Secret(codex_token(f"acc-{name}")),
        identity=f"acc-{name}",
        extra={"account_id": f"acc-{name}"},
    )


def write_opencode_auth(home: Path, entries: dict[str, Any]) -> Path:
    """OpenCode's auth.json (one entry per provider id, as OpenCode writes it) under `home`."""
    path = home / ".local/share/opencode/auth.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(entries))
    return path
