"""Nothing a server or a file name sends can drive the terminal (issue 11, item 1).

A hostile local server answers with a plan, limit names and an error message full of
terminal controls (a title change, a screen clear, an OSC 52 clipboard write, a one-byte
CSI, DEL, a bidi override, a lone surrogate); a saved account file and the live login's
e-mail carry them too. None of them may reach --once, --json, stderr or the app's screen.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from support.app import make_app, settle
from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply, Seen

from providers.demo import fake_jwt
from providers.kit.text import TEXT_LIMIT, clean_text
from providers.model import AccountSnapshot, Status
from tui.cli import main
from tui.once import json_document
from tui.themes import user_themes

TITLE = "\x1b]0;pwned\x07"
CLEAR = "\x1b[2J"
CLIPBOARD = "\x1b]52;c;ZXZpbA==\x07"
HOSTILE = f"pro{TITLE}{CLEAR}{CLIPBOARD}\x9b31m\x7f\u202eevil\u2066x\u2069\u200f\ttab\nline"
# What must never be written: ESC, BEL, the C1 CSI, DEL, bidi controls, raw line breaks.
FORBIDDEN = ["\x1b", "\x07", "\x9b", "\x7f", "\u202e", "\u2066", "\u2069", "\u200f", "\u2028"]
BAD_FILE_STEM = "a\x1b[2Jb"


def forbidden_in(text: str) -> list[str]:
    return [repr(char) for char in FORBIDDEN if char in text]


def hostile_codex(seen: Seen) -> Reply:
    answer = usage_answer(10, 20, plan=HOSTILE)
    answer["additional_rate_limits"] = [
        {
            "limit_name": HOSTILE,
            "rate_limit": {"primary_window": {"used_percent": 5, "limit_window_seconds": 18000}},
        }
    ]
    return Reply(body=answer)


def hostile_zhipu(seen: Seen) -> Reply:
    return Reply(status=401, body={"code": 1001, "msg": f"bad key {HOSTILE}", "success": False})


def surrogate_plan(seen: Seen) -> Reply:
    # json.dumps would escape it the same way: a lone surrogate no stream can encode.
    body = json.dumps(usage_answer(1, 2)).replace('"plus"', '"x\\ud800y"')
    return Reply(raw=body.encode())


@pytest.fixture
def hostile(home: Path, work: Path, monkeypatch: pytest.MonkeyPatch):
    write_codex_auth(work / f"account/{BAD_FILE_STEM}.auth.json", codex_token("acc-1"), "acc-1")
    live = home / ".codex/auth.json"
    write_codex_auth(live, codex_token("acc-2"), "acc-2")
    document = json.loads(live.read_text())
    document["tokens"]["id_token"] = fake_jwt({"email": f"{HOSTILE}@example.com"})
    live.write_text(json.dumps(document))
    monkeypatch.setenv("ZHIPU_API_KEY", "zhipu-key-0123456789abcdef")
    with LocalServer(hostile_codex) as codex, LocalServer(hostile_zhipu) as zhipu:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", codex.url)
        monkeypatch.setenv("AIQUOTA_ZHIPU_URL", zhipu.url)
        yield


@pytest.mark.parametrize("args", [["--once"], ["--once", "--json"]])
def test_no_terminal_control_from_a_server_or_file_name_reaches_the_output(
    hostile, capsys, args
) -> None:
    code = main([*args, "--provider", "codex", "--provider", "zhipu"])
    out, err = capsys.readouterr()
    assert code == 1  # zhipu's key was refused
    assert forbidden_in(out) == [] and forbidden_in(err) == []
    assert "\ufffd" in out  # the hostile text was there, made visible, not dropped
    if "--json" in args:
        accounts = json.loads(out)["accounts"]
        names = {a["account"] for a in accounts}
        assert "a\ufffd[2Jb" in names
        every_string = json.dumps(accounts, ensure_ascii=False)
        assert forbidden_in(every_string) == []
        zhipu = next(a for a in accounts if a["provider"] == "zhipu")
        assert zhipu["status"] == "auth_expired" and "bad key pro" in zhipu["message"]
        codex = [a for a in accounts if a["provider"] == "codex"]
        assert all(a["plan"].startswith("pro\ufffd") for a in codex)
        labels = [w["label"] for a in codex for w in a["windows"]]
        assert any(label.startswith("pro\ufffd") for label in labels)


def test_a_lone_surrogate_from_a_server_prints_instead_of_crashing(home, monkeypatch, capsys):
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    with LocalServer(surrogate_plan) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code = main(["--once", "--provider", "codex"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "x\ufffdy" in out


def test_long_text_from_a_server_is_capped(home, monkeypatch, capsys) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    long_plan = lambda seen: Reply(body=usage_answer(1, 2, plan="p" * 50_000))  # noqa: E731
    with LocalServer(long_plan) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        main(["--json", "--provider", "codex"])
    plan = json.loads(capsys.readouterr().out)["accounts"][0]["plan"]
    assert len(plan) == TEXT_LIMIT and plan.endswith("…")


def test_config_keys_quoted_in_warnings_carry_no_controls(work: Path, capsys) -> None:
    config = work / "config.toml"
    config.write_text('"a\\u001b]0;pwned\\u0007b" = 1\n')
    main(["--demo", "--once", "--provider", "codex", "--config", str(config)])
    err = capsys.readouterr().err
    assert "unknown setting" in err and forbidden_in(err) == []


def test_a_theme_named_with_controls_is_skipped_with_a_clean_message(tmp_path: Path) -> None:
    folder = tmp_path / "themes"
    folder.mkdir()
    (folder / "bad.toml").write_text('name = "x\\u001b]0;t\\u0007"\nprimary = "#123456"\n')
    (folder / f"{BAD_FILE_STEM}.toml").write_text('name = "fine"\nprimary = "#123456"\n')
    themes, messages = user_themes(folder)
    assert [theme.name for theme in themes] == ["fine"]
    assert len(messages) == 1 and "printable text" in messages[0]


def test_clean_text_replaces_controls_and_keeps_text() -> None:
    assert clean_text("plain text") == "plain text"
    assert clean_text("naïve — 5h ✓") == "naïve — 5h ✓"
    assert clean_text("a\tb\nc\r\nd") == "a b c  d"
    assert clean_text(f"x{CLEAR}y\x9b\x7f\u202e") == "x\ufffd[2Jy\ufffd\ufffd\ufffd"
    assert clean_text("x" * 500) == "x" * 199 + "…"


def hostile_response(request: httpx.Request) -> httpx.Response | None:
    if "wham/usage" not in request.url.path:
        return None
    reply = hostile_codex(Seen("GET", request.url.path, {}))
    return httpx.Response(200, json=reply.body)


async def test_the_app_never_draws_or_notifies_a_control_from_data(tmp_path: Path) -> None:
    app, _clock, transport = make_app(tmp_path)
    assert transport is not None
    transport.override = hostile_response
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        shown = [entry.shown for entry in app.store]
        assert shown and all(s.plan and s.plan.startswith("pro\ufffd") for s in shown if s.ok)
        texts = [s.plan or "" for s in shown] + [w.label for s in shown for w in s.windows]
        assert forbidden_in("".join(texts)) == []
        app.notify(f"Switched to {HOSTILE}", title=HOSTILE)
        await pilot.pause()
        await pilot.press("2")  # the Codex tab: the detail view with every window and plan
        await settle(pilot, app)
        drawn = "".join(
            segment.text for strip in app.screen._compositor.render_strips() for segment in strip
        )
        assert "pro\ufffd" in drawn
        assert forbidden_in(drawn) == []
        notices = [(n.message, n.title) for n in app._notifications]
        assert notices and all(forbidden_in(m + t) == [] for m, t in notices)


def test_the_json_document_escapes_what_json_must_whatever_reaches_it() -> None:
    # Snapshots are cleaned before this point; the document must be safe to `cat` anyway.
    raw = "a\x9bb\x85c\u2028d\u2029e\x7ff\u202eg"
    snapshot = AccountSnapshot("codex", raw, "~/x", False, Status.OK, plan=raw)
    document = json_document([snapshot], datetime(2026, 1, 1, tzinfo=UTC))
    assert not [char for char in raw if not char.isalpha() and char in document]
    assert "\\u009b" in document
    assert json.loads(document)["accounts"][0]["plan"] == raw
