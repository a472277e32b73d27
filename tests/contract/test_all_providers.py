"""One HOME holding every tool's real credential layout, one local server, one run.

Each provider has its own end-to-end test; this one checks they live together: the
overrides route each provider to its own paths, no provider picks up another's
files, and the output keeps the contract's provider order.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from support.credentials import DAY, codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply, Seen

from tui.cli import main

PROVIDERS = ["codex", "claude", "copilot", "zhipu", "zai"]


def write_json(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))


def lay_out(home: Path, work: Path) -> None:
    write_codex_auth(
        home / ".codex/auth.json", codex_token("acc-live"), "acc-live", email="me@example.com"
    )
    write_codex_auth(work / "account/spare.auth.json", codex_token("acc-spare"), "acc-spare")
    expires = int((time.time() + DAY) * 1000)
    write_json(
        home / ".claude/.credentials.json",
        {
            "claudeAiOauth": {
                "accessToken": "sk-ant-oat01-claude-token-000000000000",
                "refreshToken": "sk-ant-ort01-x",
                "expiresAt": expires,
                "subscriptionType": "max",
            }
        },
    )
    write_json(
        home / ".config/github-copilot/apps.json",
        {
            "github.com:Iv1.b507a08c87ecfe98": {
                "user": "octocat",
                "oauth_token": "gho_copilot000000000000000000000000",
            }
        },
    )
    write_json(
        home / ".local/share/opencode/auth.json",
        {
            "zhipuai-coding-plan": {"type": "api", "key": "zhipu-key-0000000000000000.abcdef"},
            "zai-coding-plan": {"type": "api", "key": "zai-key-00000000000000000000.abcdef"},
        },
    )


def answer(seen: Seen) -> Reply:
    auth = seen.headers.get("authorization", "")
    if seen.path == "/backend-api/wham/usage":
        used = 10 if seen.headers.get("chatgpt-account-id") == "acc-live" else 60
        return Reply(body=usage_answer(used, used))
    if seen.path == "/api/oauth/usage" and auth.startswith("Bearer sk-ant-oat01"):
        return Reply(
            body={
                "five_hour": {"utilization": 30.0, "resets_at": "2026-11-22T05:00:00Z"},
                "seven_day": {"utilization": 50.0, "resets_at": "2026-11-27T00:00:00Z"},
            }
        )
    if (
        seen.path == "/copilot_internal/user"
        and auth == "token gho_copilot000000000000000000000000"
    ):
        return Reply(
            body={
                "login": "octocat",
                "copilot_plan": "individual_pro",
                "quota_reset_date_utc": "2026-12-01T00:00:00.000Z",
                "quota_snapshots": {
                    "premium_interactions": {
                        "entitlement": 300,
                        "remaining": 150,
                        "percent_remaining": 50.0,
                        "unlimited": False,
                    },
                    "chat": {"entitlement": -1, "remaining": -1, "unlimited": True},
                },
            }
        )
    if seen.path == "/api/monitor/usage/quota/limit" and auth in {
        "zhipu-key-0000000000000000.abcdef",
        "zai-key-00000000000000000000.abcdef",
    }:
        level = "pro" if auth.startswith("zhipu") else "lite"
        return Reply(
            body={
                "code": 200,
                "msg": "success",
                "success": True,
                "data": {
                    "level": level,
                    "limits": [
                        {
                            "type": "TOKENS_LIMIT",
                            "unit": 3,
                            "number": 5,
                            "percentage": 25,
                            "nextResetTime": 1789671690000,
                        }
                    ],
                },
            }
        )
    return Reply(status=404, body={"error": f"unexpected {seen.method} {seen.path}"})


def test_every_provider_from_one_home_against_one_server(
    home: Path, work: Path, monkeypatch, capsys
) -> None:
    lay_out(home, work)
    with LocalServer(answer) as server:
        for provider in PROVIDERS:
            monkeypatch.setenv(f"AIQUOTA_{provider.upper()}_URL", server.url)
        code = main(["--once", "--json", *[arg for p in PROVIDERS for arg in ("--provider", p)]])
    out, err = capsys.readouterr()
    document = json.loads(out)
    rows = [(a["provider"], a["account"], a["status"], a["active"]) for a in document["accounts"]]
    assert rows == [
        ("codex", "me@example.com", "ok", True),
        ("codex", "spare", "ok", False),
        ("claude", "default", "ok", True),
        ("copilot", "octocat", "ok", False),
        ("zhipu", "default", "ok", False),  # a key with no name of its own (§0)
        ("zai", "default", "ok", False),
    ], err
    plans = {a["provider"]: a["plan"] for a in document["accounts"]}
    assert plans["claude"] == "max" and plans["zhipu"] == "pro" and plans["zai"] == "lite"
    premium = document["accounts"][3]["windows"][0]
    assert premium["id"] == "premium_interactions" and premium["remaining_percent"] == 50.0
    assert code == 0
    assert not [
        s
        for s in server.seen
        if s.path
        not in {
            "/backend-api/wham/usage",
            "/api/oauth/usage",
            "/copilot_internal/user",
            "/api/monitor/usage/quota/limit",
        }
    ]
