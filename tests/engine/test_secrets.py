"""No token ever reaches output; credential files are only ever read."""

from __future__ import annotations

import base64
import json
import os
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest
from support.app import make_app
from support.credentials import DAY, usage_answer, write_codex_auth, write_opencode_auth
from support.leaks import fingerprint, leaked
from support.servers import LocalServer, Reply, Seen, hostile_reply

from providers.demo import fake_jwt
from providers.kit.secrets import Secret, mask, scrub
from tui.app import QuotaApp
from tui.cli import entry_point, main


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
# The patched request limit and the stall of the "timeout" account: far enough apart that a
# loaded machine neither lets the stall through nor times out an honest answer (0.5 s did,
# under load, before the server had seen every account).
TIMEOUT = 2.0
STALL = 4.0
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
    write_opencode_auth(
        home,
        {
            "openai": {
                "type": "oauth",
                "access": tokens["opencode"],
                "refresh": f"{CANARY}-oc-refresh",
                "accountId": "acc-opencode",
                "expires": 4102444800000,
            }
        },
    )
    return tokens


def echoing_answer(seen: Seen) -> Reply:
    """A hostile server that puts the caller's token in every kind of answer."""
    token = seen.headers.get("authorization", "")
    behaviour = (seen.headers.get("chatgpt-account-id") or "").removeprefix("acc-")
    echo_headers = {"x-echo": token[-60:]}
    if behaviour in {"ok", "live", "opencode"}:
        return Reply(body=usage_answer(10, 20), headers=echo_headers)
    if behaviour == "timeout":
        return Reply(body=usage_answer(1, 1), delay=STALL)
    error = {"detail": f"rejected {token}"}
    malformed = f'{{"plan_type": "{token}", '
    return hostile_reply(
        behaviour,
        token,
        error_body=error,
        malformed=malformed,
        headers=echo_headers,
        otherwise=Reply(
            body={"plan_type": token, "rate_limit": {"primary_window": {"used_percent": token}}}
        ),
    )


@pytest.mark.parametrize("args", [["--once"], ["--once", "--json"]])
def test_canary_never_reaches_stdout_or_stderr(planted, monkeypatch, capsys, args) -> None:
    monkeypatch.setattr("providers.kit.http.REQUEST_TIMEOUT", TIMEOUT)
    with LocalServer(echoing_answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code = main(args)
    out, err = capsys.readouterr()
    assert code == 1
    assert leaked(out + err, planted, CANARY) == []
    # Every behaviour really ran: the server saw each account that passed the offline checks.
    seen_ids = {s.headers.get("chatgpt-account-id") for s in server.seen}
    assert {f"acc-{name}" for name in BEHAVIOURS} <= seen_ids
    if "--json" in args:
        statuses = {a["account"]: a["status"] for a in json.loads(out)["accounts"]}
        assert statuses["e401"] == "auth_expired" and statuses["timeout"] == "unreachable"
        assert statuses["expired"] == "auth_expired" and statuses["sess"] == "auth_expired"
        assert statuses["malformed"] == "bad_response" and statuses["html"] == "bad_response"


def test_credential_files_are_only_read(planted, home, work, monkeypatch, capsys) -> None:
    files = [
        *sorted((work / "account").glob("*.json")),
        home / ".codex/auth.json",
        home / ".local/share/opencode/auth.json",
    ]
    past = 1_600_000_000
    for path in files:
        os.utime(path, (past, past))
    before = fingerprint(files)
    folders_before = {p.parent: sorted(os.listdir(p.parent)) for p in files}
    monkeypatch.setattr("providers.kit.http.REQUEST_TIMEOUT", TIMEOUT)
    with LocalServer(echoing_answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--once", "--json"])
    capsys.readouterr()
    assert fingerprint(files) == before
    assert {p.parent: sorted(os.listdir(p.parent)) for p in files} == folders_before


# --------------------------------------------------------------------------- echoed in another form
# Issue 11, item 8: a server echoes the caller's token re-encoded, split or in pieces.


def _b64(data: bytes, *, urlsafe: bool, padded: bool) -> str:
    text = (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(data).decode()
    return text if padded else text.rstrip("=")


def _wrapped(text: str) -> str:
    return "\n  ".join(text[i : i + 8] for i in range(0, len(text), 8))


ECHO_FORMS: dict[str, Callable[[str], str]] = {
    "verbatim": lambda t: t,
    "percent-every-byte": lambda t: "".join(f"%{b:02X}" for b in t.encode()),
    "percent-quote": lambda t: urllib.parse.quote(t, safe=""),
    "split-by-whitespace": lambda t: f"{t[:9]} {t[9:18]}\n\t{t[18:]}",
    "run-of-12": lambda t: f"zz{t[7:19]}zz",
    "base64-wrapped-in-lines": lambda t: _wrapped(base64.b64encode(b"id:" + t.encode()).decode()),
    **{
        f"base64{'url' if urlsafe else ''}-offset{k}-{'padded' if padded else 'bare'}": (
            lambda t, k=k, urlsafe=urlsafe, padded=padded: _b64(
                b"\xff" * k + t.encode(), urlsafe=urlsafe, padded=padded
            )
        )
        for k in range(3)
        for urlsafe in (False, True)
        for padded in (True, False)
    },
}


def echoed_token(form: str) -> str:
    # "+", "/" and "=" so that percent-encoding and base64url really change it; no shape the
    # token patterns know, so only the remembered value can hide it.
    return f"tok+{form[:6]}/0123456789=abcdefghij+klmnopqrstuv"


def windows_of(text: str, size: int = 12) -> set[str]:
    return {text[i : i + size] for i in range(len(text) - size + 1)}


@pytest.mark.parametrize("form", [*ECHO_FORMS, "halves"])
def test_a_token_echoed_in_another_form_never_reaches_the_output(
    form, home, monkeypatch, capsys
) -> None:
    """Codex echoes its token in the plan and a limit name, Zhipu in its error message."""
    codex_key, zhipu_key = echoed_token(form), echoed_token(form)[::-1]
    write_codex_auth(home / ".codex/auth.json", codex_key, "acc-1")
    monkeypatch.setenv("ZHIPU_API_KEY", zhipu_key)
    if form == "halves":  # joined after scrubbing: each half alone is 12+ characters
        half = len(codex_key) // 2
        plan, limit, said = codex_key[:half], codex_key[half:], zhipu_key[:half]
        echoes = [plan, limit, said]
    else:
        plan = limit = ECHO_FORMS[form](codex_key)
        said = ECHO_FORMS[form](zhipu_key)
        echoes = [plan, said]

    def codex(seen: Seen) -> Reply:
        answer = usage_answer(10, 20, plan=plan)
        answer["additional_rate_limits"] = [
            {"limit_name": limit, "rate_limit": {"primary_window": {"used_percent": 5}}}
        ]
        return Reply(body=answer)

    def zhipu(seen: Seen) -> Reply:
        return Reply(status=401, body={"code": 1001, "msg": f"key {said} is invalid"})

    secret_runs = windows_of(codex_key) | windows_of(zhipu_key)
    echoed_runs = set().union(*(windows_of(echo) for echo in echoes))
    with LocalServer(codex) as codex_server, LocalServer(zhipu) as zhipu_server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", codex_server.url)
        monkeypatch.setenv("AIQUOTA_ZHIPU_URL", zhipu_server.url)
        for args in (["--once"], ["--json"]):
            main([*args, "--provider", "codex", "--provider", "zhipu"])
            out, err = capsys.readouterr()
            texts = [out, err]
            if args == ["--json"]:
                accounts = json.loads(out)["accounts"]
                texts += [json.dumps(accounts, ensure_ascii=False)]
                assert [a["status"] for a in accounts] == ["ok", "auth_expired"]
                assert "****" in accounts[0]["plan"] and "****" in accounts[1]["message"]
            for text in texts:
                flat = urllib.parse.unquote("".join(text.split()))
                assert not [run for run in secret_runs if run in text or run in flat]
                assert not [run for run in echoed_runs if run in text]


def test_scrub_masks_runs_and_keeps_ordinary_text() -> None:
    token = "Zq8+Vw3/Tr5=Kp1-Xm7_Hd2+Ls9/Nb4=Fg6"  # shares no 12 characters with other tests'
    Secret(token)
    assert scrub(f"was {token}.") == f"was {mask(token)}."
    assert scrub(f"{token[:11]} and {token[-11:]}") == f"{token[:11]} and {token[-11:]}"
    assert scrub(f"x {token[3:15]} y") == "x **** y"
    assert scrub("The quota resets at 12:00 UTC; 85% used") == (
        "The quota resets at 12:00 UTC; 85% used"
    )


# --------------------------------------------------------------------------- crash reports
# Issue 11, item 10: a crash report never shows a frame's locals, and is scrubbed.
CRASH_TOKEN = "crash+local/0123456789=abcdefghij+klmnop"


def crashed_with_a_secret(*_args: object) -> None:
    held = Secret(CRASH_TOKEN).reveal()  # a frame's local holding a token, as a parser's may
    plain = "-".join(["unremembered", "local", "value"])  # the scrubber knows nothing of it
    raise RuntimeError(f"the server said {held} ({len(plain)})")


def assert_clean_crash_report(err: str) -> None:
    assert "RuntimeError" in err
    assert not [run for run in windows_of(CRASH_TOKEN) if run in err]
    assert "unremembered-local-value" not in err  # no locals at all, not only scrubbed ones


async def test_an_app_crash_shows_no_locals_and_no_secret(tmp_path, monkeypatch, capfd) -> None:
    monkeypatch.setattr(QuotaApp, "_tick", crashed_with_a_secret)
    app, _clock, _transport = make_app(tmp_path)
    with pytest.raises(RuntimeError):
        async with app.run_test() as pilot:
            await pilot.pause(0.2)
    err = capfd.readouterr().err  # the file descriptor: Rich may write past sys.stderr
    assert_clean_crash_report(err)
    assert "crashed_with_a_secret" in err  # the traceback itself is still there to report


def test_an_unexpected_error_in_the_command_is_a_scrubbed_report(monkeypatch, capsys) -> None:
    monkeypatch.setattr("tui.cli.main", crashed_with_a_secret)
    with pytest.raises(SystemExit) as stop:
        entry_point()
    assert stop.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("aiquota-tui: internal error (RuntimeError)")
    assert_clean_crash_report(err)


@pytest.mark.parametrize("extra", [[], ["--wide"], ["--json"]])
def test_the_demo_masks_none_of_its_own_names(capsys, extra: list[str]) -> None:
    """The scrubber masks 12 characters of a key even across spaces: a demo key that spelt out
    its account's name masked that name, with its neighbours, in every table row."""
    main(["--demo", "--once", *extra])
    out = capsys.readouterr().out
    assert "****" not in out
    for name in ("glm-revoked", "home-oneapi", "old-laptop-key", "nano-revoked", "ds-drained"):
        assert name in out
