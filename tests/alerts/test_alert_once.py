"""Alerts from `--once`, as a cron job runs it: a real local server, a real hook, the state in
the (test's own) state folder; each run a fresh start, as each cron run is."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import platformdirs
import pytest
from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply, Seen

from tui.cli import main

HOOK = """
import json, os, sys
with open(sys.argv[1], "a") as f:
    f.write(json.dumps({"stdin": json.loads(sys.stdin.read()), "event": os.environ["AIQUOTA_EVENT"]}) + "\\n")
"""


class Usage:
    """What the local server answers: five-hour and weekly % used, or an HTTP error."""

    def __init__(self) -> None:
        self.five = 10.0
        self.week = 10.0
        self.status = 200

    def __call__(self, seen: Seen) -> Reply:
        if self.status != 200:
            return Reply(status=self.status, body={})
        return Reply(body=usage_answer(self.five, self.week))


@pytest.fixture
def cron(home: Path, tmp_path: Path, monkeypatch):
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    hook = tmp_path / "hook.py"
    hook.write_text(HOOK)
    got = tmp_path / "got.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(
        '[alerts]\nnotify = "off"\n'
        f"[[alerts.hook]]\ncommand = [{json.dumps(sys.executable)}, {json.dumps(str(hook))}, {json.dumps(str(got))}]\n"
    )
    usage = Usage()
    with LocalServer(usage) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        yield usage, config, got


def run(capsys, config: Path, *extra: str) -> tuple[int, dict, str]:
    code = main(["--once", "--json", "--config", str(config), *extra])
    out, err = capsys.readouterr()
    return code, json.loads(out), err  # stdout is the JSON document and nothing else


def hooks_got(got: Path) -> list[tuple[str, str, float | None]]:
    if not got.exists():
        return []
    lines = [json.loads(line) for line in got.read_text().splitlines()]
    assert all(line["event"] == line["stdin"]["event"] for line in lines)
    return [(s["event"], s["window"], s["threshold"]) for s in (line["stdin"] for line in lines)]


def test_cron_runs_alert_each_crossing_exactly_once(cron, capsys) -> None:
    usage, config, got = cron
    steps = [
        ((10, 10), []),
        ((40, 10), []),
        ((60, 10), [("quota_low", "five_hour", 50)]),
        ((65, 10), []),
        ((95, 55), [("quota_low", "five_hour", 20), ("quota_low", "weekly", 50)]),
        ((100, 55), [("quota_depleted", "five_hour", 0)]),
        ((100, 55), []),
        ((0, 56), [("quota_restored", "five_hour", None)]),  # the five-hour window reset
        ((70, 56), [("quota_low", "five_hour", 50)]),  # re-armed by the reset
    ]
    seen: list = []
    for (five, week), expected in steps:
        usage.five, usage.week = five, week
        code, document, err = run(capsys, config)
        assert code == 0 and document["accounts"][0]["status"] == "ok"
        assert err == ""
        new = hooks_got(got)[len(seen) :]
        assert sorted(new) == sorted(expected), (five, week)
        seen += new
    state = Path(platformdirs.user_state_dir("aiquota-tui")) / "alerts.toml"
    assert state.is_file()


def test_the_first_run_tells_what_is_already_low_once(cron, capsys) -> None:
    usage, config, got = cron
    usage.five, usage.week = 85, 100
    run(capsys, config)
    run(capsys, config)
    assert sorted(hooks_got(got)) == [
        ("quota_depleted", "weekly", 0),
        ("quota_low", "five_hour", 20),
    ]


def test_a_failed_fetch_alerts_nothing_and_re_arms_nothing(cron, capsys) -> None:
    usage, config, got = cron
    usage.five = 60
    run(capsys, config)
    assert len(hooks_got(got)) == 1
    usage.status = 500
    code, document, _ = run(capsys, config)
    assert code == 1 and document["accounts"][0]["status"] != "ok"
    usage.status = 200
    run(capsys, config)
    assert len(hooks_got(got)) == 1  # still the one crossing


def test_no_alerts_delivers_nothing_but_keeps_the_state(cron, capsys) -> None:
    usage, config, got = cron
    usage.five = 60
    run(capsys, config, "--no-alerts")
    assert hooks_got(got) == []
    run(capsys, config)  # the crossing was recorded in the quiet run: not given later
    assert hooks_got(got) == []
    usage.five = 85
    run(capsys, config)
    assert hooks_got(got) == [("quota_low", "five_hour", 20)]


def test_an_account_turning_expired_is_one_problem(cron, capsys) -> None:
    usage, config, got = cron
    run(capsys, config)
    usage.status = 401
    run(capsys, config)
    run(capsys, config)
    assert hooks_got(got) == [("account_problem", None, None)]


def test_a_broken_hook_and_a_missing_notify_send_never_break_the_run(
    home: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    write_codex_auth(home / ".codex/auth.json", codex_token("acc-1"), "acc-1")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no notify-send anywhere
    config = tmp_path / "config.toml"
    config.write_text(
        '[alerts]\nnotify = "desktop"\n'
        f'[[alerts.hook]]\ncommand = ["{tmp_path}/missing-hook"]\n'
        f'[[alerts.hook]]\ncommand = [{json.dumps(sys.executable)}, "-c", "raise SystemExit(7)"]\n'
    )
    with LocalServer(lambda s: Reply(body=usage_answer(95, 10))) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code, document, err = run(capsys, config)
    assert code == 0 and document["accounts"][0]["windows"][0]["remaining_percent"] == 5.0
    lines = err.splitlines()
    assert len(lines) == 3, lines
    assert any("notify-send was not found" in line for line in lines)
    assert any("missing-hook was not found" in line for line in lines)
    assert any("failed (exit status 7)" in line for line in lines)
    assert "Traceback" not in err


def test_demo_writes_no_alert_state(capsys) -> None:
    main(["--demo", "--once", "--json"])
    json.loads(capsys.readouterr().out)
    assert not (Path(platformdirs.user_state_dir("aiquota-tui")) / "alerts.toml").exists()
