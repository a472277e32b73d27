"""Alert hooks as real programs: what they receive, and that nothing they do — fail, vanish,
hang — breaks aiquota-tui."""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

from support.alerting import T0

from tui.alerts.deliver import Delivery
from tui.alerts.events import AlertEvent
from tui.alerts.hooks import Job, Runner, hook_environment

RECORDER = """
import json, os, sys
out = sys.argv[1]
record = {
    "env": {k: v for k, v in os.environ.items() if k.startswith("AIQUOTA_") or k.endswith("_API_KEY")},
    "stdin": sys.stdin.read(),
    "argv": sys.argv[2:],
}
with open(out, "a") as f:
    f.write(json.dumps(record) + "\\n")
"""


def recorder(tmp_path: Path) -> tuple[Path, Path]:
    script = tmp_path / "hook.py"
    script.write_text(RECORDER)
    return script, tmp_path / "got.jsonl"


def records(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


def event() -> AlertEvent:
    return AlertEvent(
        "quota_low",
        "codex",
        "work",
        T0,
        window="weekly",
        remaining_percent=18.25,
        threshold=20,
        resets_at=T0 + timedelta(days=2),
        status="ok",
    )


def test_a_hook_gets_the_event_in_its_environment_and_on_stdin(tmp_path: Path) -> None:
    script, out = recorder(tmp_path)
    reports: list[str] = []
    runner = Runner(reports.append)
    environ = {
        "PATH": os.environ.get("PATH", ""),
        "ZHIPU_API_KEY": "zk-secret",
        "AIQUOTA_WINDOW": "stale",
    }
    delivery = Delivery(
        reports.append,
        hooks=((sys.executable, str(script), str(out), "a b", "$HOME;|x"),),
        runner=runner,
        environ=environ,
        hidden=frozenset({"ZHIPU_API_KEY"}),
    )
    delivery.deliver([event()])
    runner.close(10.0)
    (got,) = records(out)
    assert got["env"] == {
        "AIQUOTA_EVENT": "quota_low",
        "AIQUOTA_PROVIDER": "codex",
        "AIQUOTA_ACCOUNT": "work",
        "AIQUOTA_WINDOW": "weekly",
        "AIQUOTA_REMAINING_PERCENT": "18.2",
        "AIQUOTA_THRESHOLD": "20",
        "AIQUOTA_RESETS_AT": "2026-11-24T12:00:00Z",
        "AIQUOTA_STATUS": "ok",
        "AIQUOTA_AT": "2026-11-22T12:00:00Z",
    }
    assert json.loads(got["stdin"]) == {
        "event": "quota_low",
        "provider": "codex",
        "account": "work",
        "window": "weekly",
        "remaining_percent": 18.2,
        "threshold": 20,
        "resets_at": "2026-11-24T12:00:00Z",
        "status": "ok",
        "at": "2026-11-22T12:00:00Z",
    }
    assert got["argv"] == ["a b", "$HOME;|x"]  # no shell: every argument as written
    assert reports == []


def test_a_switch_hook_gets_the_previous_account(tmp_path: Path) -> None:
    script, out = recorder(tmp_path)
    runner = Runner(lambda m: None)
    delivery = Delivery(
        lambda m: None, hooks=((sys.executable, str(script), str(out)),), runner=runner
    )
    delivery.deliver([AlertEvent.switched("codex", from_account="work", to_account="side", at=T0)])
    runner.close(10.0)
    (got,) = records(out)
    assert got["env"]["AIQUOTA_FROM_ACCOUNT"] == "work" and got["env"]["AIQUOTA_ACCOUNT"] == "side"
    assert json.loads(got["stdin"])["from_account"] == "work"


def test_every_hook_runs_for_every_alert(tmp_path: Path) -> None:
    script, out = recorder(tmp_path)
    runner = Runner(lambda m: None)
    hook = (sys.executable, str(script), str(out))
    delivery = Delivery(lambda m: None, hooks=(hook, (*hook, "second")), runner=runner)
    delivery.deliver([event(), event(), event(), event(), event()])
    runner.close(10.0)
    got = records(out)
    assert len(got) == 10 and sum(r["argv"] == ["second"] for r in got) == 5


def test_a_failing_or_missing_hook_is_said_once_and_the_others_still_run(tmp_path: Path) -> None:
    script, out = recorder(tmp_path)
    reports: list[str] = []
    runner = Runner(reports.append)
    delivery = Delivery(
        reports.append,
        hooks=(
            (sys.executable, "-c", "raise SystemExit(3)"),
            (str(tmp_path / "no-such-hook"),),
            (str(script),),  # not executable: permission denied
            (sys.executable, str(script), str(out)),
        ),
        runner=runner,
    )
    delivery.deliver([event(), event()])
    runner.close(10.0)
    assert len(records(out)) == 2
    assert len(reports) == 3, reports
    assert any("failed (exit status 3)" in r for r in reports)
    assert any("no-such-hook was not found" in r for r in reports)
    assert any("permission denied" in r for r in reports)


def test_a_hook_that_hangs_is_killed_at_its_limit(tmp_path: Path) -> None:
    marker = tmp_path / "finished"
    pid_file = tmp_path / "pid"
    hang = (
        sys.executable,
        "-c",
        f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); "
        f"time.sleep(60); open({str(marker)!r}, 'w').write('late')",
    )
    reports: list[str] = []
    runner = Runner(reports.append, limit=0.5)
    runner.submit(Job(hang, dict(os.environ)))
    runner.close(30.0)  # returns once the hook was stopped at its limit
    assert not marker.exists()
    assert len(reports) == 1 and "ran longer than 0.5 s and was stopped" in reports[0]
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
        alive = True
    except ProcessLookupError:
        alive = False
    assert not alive


def test_close_waits_at_most_its_timeout_in_all_and_stops_the_rest(tmp_path: Path) -> None:
    """--once gives its hooks 10 s in all: a hook that hangs is stopped when they are up,
    and the ones still waiting for a place never start."""
    started = tmp_path / "started"
    started.mkdir()
    hang = (
        sys.executable,
        "-c",
        f"import os, sys, time; open(os.path.join({str(started)!r}, str(os.getpid())), 'w'); time.sleep(60)",
    )
    reports: list[str] = []
    runner = Runner(reports.append)  # the real 10 s limit: close() must not wait for it
    for _ in range(6):
        runner.submit(Job(hang, dict(os.environ)))
    runner.close(1.0)
    assert len(list(started.iterdir())) <= 4  # at most four at once; two never started
    assert len(reports) == 1 and "6 alert hook run(s) stopped" in reports[0]
    runner.submit(Job(hang, dict(os.environ)))  # after close: nothing more starts
    assert len(list(started.iterdir())) <= 4


def test_never_more_than_four_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "running"
    folder.mkdir()
    log = tmp_path / "counts"
    script = (
        "import os, sys, time\n"
        f"d = {str(folder)!r}\n"
        "me = os.path.join(d, str(os.getpid()))\n"
        "open(me, 'w').close()\n"
        "time.sleep(0.2)\n"
        f"open({str(log)!r}, 'a').write(str(len(os.listdir(d))) + '\\n')\n"
        "os.unlink(me)\n"
    )
    runner = Runner(lambda m: None)
    for _ in range(10):
        runner.submit(Job((sys.executable, "-c", script), dict(os.environ)))
    runner.close(60.0)
    counts = [int(n) for n in log.read_text().split()]
    assert len(counts) == 10 and max(counts) <= 4


def test_the_hook_environment_hides_key_variables() -> None:
    env = hook_environment(
        {"HOME": "/h", "MY_KEY_VAR": "k", "AIQUOTA_EVENT": "stale"},
        {"AIQUOTA_EVENT": "quota_low"},
        {"MY_KEY_VAR"},
    )
    assert env == {"HOME": "/h", "AIQUOTA_EVENT": "quota_low"}
