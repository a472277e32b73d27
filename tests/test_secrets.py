"""No token ever reaches output; credential files are only ever read."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fakes import DAY, LocalServer, Reply, Seen, usage_answer, write_codex_auth

from providers.demo import fake_jwt
from providers.secrets import Secret, mask, scrub
from tui.cli import main


def test_mask_shows_first_and_last_four_only() -> None:
    assert mask("sk-abcdefghijklmnop1234") == "sk-a****1234"
    assert mask("short") == "****"
    assert mask("") == ""


def test_secret_never_prints_itself() -> None:
    secret = Secret("tok-0123456789-SECRET-abcdef")
    assert "SECRET" not in str(secret)
    assert "SECRET" not in repr(secret)
    assert "SECRET" not in f"{secret} {secret!r}"
    assert secret.reveal() == "tok-0123456789-SECRET-abcdef"


def test_scrub_removes_known_secrets_and_token_shapes() -> None:
    Secret("opaque-value-nobody-could-guess-42")
    text = "failed with opaque-value-nobody-could-guess-42 and eyJhbGciOiJub25lIn0.eyJzdWIiOiIxMjM0NTY3.c2lnbmF0dXJl and Bearer abcdefghijklmnopqrstuvwxyz"
    cleaned = scrub(text)
    assert "nobody-could-guess" not in cleaned
    assert "eyJzdWIiOiIxMjM0NTY3" not in cleaned
    assert "abcdefghijklmnopqrstuvwxyz" not in cleaned


CANARY = "CANARY7f3a9c"


def canary_jwt(account_id: str, *, expires_in: float = 5 * DAY) -> str:
    import time

    return fake_jwt(
        {
            "exp": int(time.time() + expires_in),
            "canary": CANARY,
            "https://api.openai.com/auth": {"chatgpt_account_id": account_id},
        }
    )


# Each account name is also the behaviour the fake server shows for it.
BEHAVIOURS = ["ok", "e401", "e403", "e429", "e500", "timeout", "malformed", "html", "echo"]


@pytest.fixture
def planted(home: Path, work: Path) -> dict[str, str]:
    """A canary token in every credential source the Codex provider reads."""
    tokens: dict[str, str] = {}
    for name in BEHAVIOURS:
        # Half JWTs, half opaque tokens: both shapes must stay hidden.
        token = canary_jwt(f"acc-{name}") if len(name) % 2 else f"{CANARY}-opaque-{name}-0123456789"
        tokens[name] = token
        write_codex_auth(
            work / f"account/{name}.auth.json",
            token,
            f"acc-{name}",
            refresh_token=f"{CANARY}-refresh-{name}",
        )
    tokens["expired"] = canary_jwt("acc-expired", expires_in=-DAY)
    write_codex_auth(work / "account/expired.auth.json", tokens["expired"], "acc-expired")
    tokens["sess"] = f"sess-{CANARY}0123456789"
    write_codex_auth(work / "account/sess.auth.json", tokens["sess"], "acc-sess")
    tokens["live"] = canary_jwt("acc-live")
    write_codex_auth(
        home / ".codex/auth.json",
        tokens["live"],
        "acc-live",
        refresh_token=f"{CANARY}-live-refresh",
    )
    tokens["opencode"] = f"{CANARY}-opencode-access-0123456789"
    opencode = home / ".local/share/opencode/auth.json"
    opencode.parent.mkdir(parents=True)
    opencode.write_text(
        json.dumps(
            {
                "openai": {
                    "type": "oauth",
                    "access": tokens["opencode"],
                    "refresh": f"{CANARY}-oc-refresh",
                    "accountId": "acc-opencode",
                    "expires": 4102444800000,
                }
            }
        )
    )
    return tokens


def echoing_answer(seen: Seen) -> Reply:
    """A hostile server that puts the caller's token in every kind of answer."""
    token = seen.headers.get("authorization", "")
    behaviour = (seen.headers.get("chatgpt-account-id") or "").removeprefix("acc-")
    echo_headers = {"x-echo": token[-60:]}
    if behaviour in {"ok", "live", "opencode"}:
        return Reply(body=usage_answer(10, 20), headers=echo_headers)
    if behaviour.startswith("e") and behaviour[1:].isdigit():
        return Reply(
            status=int(behaviour[1:]),
            body={"detail": f"rejected {token}"},
            headers={"retry-after": "5", **echo_headers},
        )
    if behaviour == "timeout":
        return Reply(body=usage_answer(1, 1), delay=1.5)
    if behaviour == "malformed":
        return Reply(raw=f'{{"plan_type": "{token}", '.encode())
    if behaviour == "html":
        return Reply(raw=f"<html>{token}</html>".encode(), headers={"content-type": "text/html"})
    return Reply(
        body={"plan_type": token, "rate_limit": {"primary_window": {"used_percent": token}}}
    )


def leaked(text: str, tokens: dict[str, str]) -> list[str]:
    found = [name for name, token in tokens.items() if token in text]
    if CANARY in text:
        found.append("canary")
    for token in tokens.values():
        for segment in token.split("."):
            if len(segment) > 20 and segment in text:
                found.append(f"segment of {token[:6]}")
    return found


@pytest.mark.parametrize("args", [["--once"], ["--once", "--json"]])
def test_canary_never_reaches_stdout_or_stderr(planted, monkeypatch, capsys, args) -> None:
    monkeypatch.setattr("providers.http.REQUEST_TIMEOUT", 0.5)
    with LocalServer(echoing_answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code = main(args)
    out, err = capsys.readouterr()
    assert code == 1
    assert leaked(out + err, planted) == []
    # Every behaviour really ran: the server saw each account that passed the offline checks.
    seen_ids = {s.headers.get("chatgpt-account-id") for s in server.seen}
    assert {f"acc-{name}" for name in BEHAVIOURS} <= seen_ids
    if "--json" in args:
        statuses = {a["account"]: a["status"] for a in json.loads(out)["accounts"]}
        assert statuses["e401"] == "auth_expired" and statuses["timeout"] == "unreachable"
        assert statuses["expired"] == "auth_expired" and statuses["sess"] == "auth_expired"
        assert statuses["malformed"] == "bad_response" and statuses["html"] == "bad_response"


def _fingerprint(paths: list[Path]) -> dict[Path, tuple[bytes, int, int]]:
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns, path.stat().st_mode) for path in paths
    }


def test_credential_files_are_only_read(planted, home, work, monkeypatch, capsys) -> None:
    files = [
        *sorted((work / "account").glob("*.json")),
        home / ".codex/auth.json",
        home / ".local/share/opencode/auth.json",
    ]
    past = 1_600_000_000
    for path in files:
        os.utime(path, (past, past))
    before = _fingerprint(files)
    folders_before = {p.parent: sorted(os.listdir(p.parent)) for p in files}
    monkeypatch.setattr("providers.http.REQUEST_TIMEOUT", 0.5)
    with LocalServer(echoing_answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--once", "--json"])
    capsys.readouterr()
    assert _fingerprint(files) == before
    assert {p.parent: sorted(os.listdir(p.parent)) for p in files} == folders_before
