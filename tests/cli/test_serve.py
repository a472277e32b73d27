"""`aiquota-tui serve` as a process against a local fake service: metrics, /usage, tokens, signals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply

REPO = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"listening on http://([\d.]+):(\d+)")


class Served:
    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url

    def get(self, path: str, token: str | None = None) -> tuple[int, str]:
        request = urllib.request.Request(self.url + path)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


def start(home: Path, cwd: Path, *args: str, env: dict[str, str] | None = None) -> Served:
    environment = {
        "HOME": str(home),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO),
        "TZ": "UTC",
        **(env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "serve", "--listen", "127.0.0.1:0", *args],
        cwd=cwd,
        env=environment,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert process.stderr is not None
    deadline = time.monotonic() + 30
    for line in process.stderr:
        found = LISTENING.search(line)
        if found:
            return Served(process, f"http://{found.group(1)}:{found.group(2)}")
        if time.monotonic() > deadline:
            break
    process.kill()
    raise AssertionError("serve never said where it listens")


def wait_until(check, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("never happened")


@pytest.fixture
def codex_service(home: Path, work: Path) -> Iterator[str]:
    for name in ("work", "side"):
        write_codex_auth(work / f"account/{name}.auth.json", codex_token(name), name)
    answers = {"work": usage_answer(15, 38), "side": usage_answer(96, 88)}

    def answer(seen) -> Reply:
        for name, body in answers.items():
            if name in seen.headers.get("chatgpt-account-id", ""):
                return Reply(body=body)
        return Reply(body=usage_answer(15, 38))

    with LocalServer(answer) as server:
        yield server.url


@pytest.fixture
def served(home: Path, work: Path, codex_service: str) -> Iterator[Served]:
    running = start(home, work, "--provider", "codex", env={"AIQUOTA_CODEX_URL": codex_service})
    yield running
    running.process.kill()
    running.process.wait()


def _fetched(served: Served) -> dict | None:
    document = json.loads(served.get("/usage")[1])
    accounts = document.get("accounts", [])
    return document if accounts and all(a["fetched_at"] for a in accounts) else None


def test_metrics_parse_and_match_the_usage_document(served: Served) -> None:
    document = wait_until(lambda: _fetched(served))
    status, text = served.get("/metrics")
    assert status == 200
    families = {family.name: family for family in text_string_to_metric_families(text)}
    used = {
        (s.labels["account"], s.labels["window"]): s.value
        for s in families["aiquota_window_used_ratio"].samples
    }
    left = {
        (s.labels["account"], s.labels["window"]): s.value
        for s in families["aiquota_window_remaining_ratio"].samples
    }
    for account in document["accounts"]:
        for window in account["windows"]:
            key = (account["account"], window["id"])
            assert used[key] == pytest.approx(window["used_percent"] / 100)
            assert left[key] == pytest.approx(window["remaining_percent"] / 100)
    up = {s.labels["account"]: s.value for s in families["aiquota_account_up"].samples}
    assert up == {"work": 1.0, "side": 1.0}
    info = families["aiquota_account_info"].samples
    assert {s.labels["status"] for s in info} == {"ok"}
    assert {"plan", "active"} <= set(info[0].labels)
    resets = {
        (s.labels["account"], s.labels["window"]): s.value
        for s in families["aiquota_window_resets_at_seconds"].samples
    }
    assert all(value > 1.7e9 for value in resets.values())
    assert families["aiquota_build_info"].samples[0].labels["version"]
    assert "aiquota_fetch_errors" in families
    assert families["aiquota_last_success_timestamp_seconds"].samples


def test_usage_is_the_json_document(served: Served) -> None:
    document = wait_until(lambda: _fetched(served))
    assert document["schema"] == 1
    assert {a["account"] for a in document["accounts"]} == {"work", "side"}
    assert served.get("/healthz") == (200, "ok\n")
    assert served.get("/nope")[0] == 404


def test_sigterm_stops_cleanly_within_two_seconds(served: Served) -> None:
    wait_until(lambda: _fetched(served))
    sent = time.monotonic()
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=5) == 0
    assert time.monotonic() - sent < 2.0


def test_the_token_guards_everything_but_healthz(home: Path, work: Path, tmp_path: Path) -> None:
    token = "s3cret-token-for-the-metrics-0123456789"
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")
    running = start(home, work, "--demo", "--token-file", str(token_file))
    try:
        assert running.get("/metrics")[0] == 401
        assert running.get("/usage", token="wrong-token-wrong-token")[0] == 401
        assert running.get("/healthz")[0] == 200
        status, text = running.get("/metrics", token=token)
        assert status == 200 and "aiquota_account_up" in text
    finally:
        running.process.send_signal(signal.SIGTERM)
        _, errors = running.process.communicate(timeout=10)
    assert token not in errors


@pytest.mark.parametrize("listen", ["0.0.0.0:9464", "192.168.1.5:9464", "example.org:80"])
def test_a_non_loopback_address_needs_a_token_file(listen: str, home: Path, work: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tui", "serve", "--demo", "--listen", listen],
        cwd=work,
        env={"HOME": str(home), "PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--token-file" in result.stderr


@pytest.mark.parametrize("listen", ["nope", "127.0.0.1:99999", "127.0.0.1:"])
def test_a_bad_listen_address_is_a_usage_error(listen: str) -> None:
    from tui.commands.serve import main

    assert main(["--demo", "--listen", listen]) == 2


def test_serve_switches_automatically_when_the_active_account_runs_low(
    home: Path, work: Path, tmp_path: Path
) -> None:
    live = codex_token("id-a", marker="rotated")  # only auth.json holds this one
    write_codex_auth(home / ".codex/auth.json", live, "id-a")
    for name in ("a", "b", "c"):
        write_codex_auth(
            work / f"account/{name}.auth.json", codex_token(f"id-{name}"), f"id-{name}"
        )
    used = {"id-a": (95.0, 40.0), "id-b": (30.0, 40.0), "id-c": (10.0, 20.0)}

    def answer(seen) -> Reply:
        five, week = used.get(seen.headers.get("chatgpt-account-id", ""), (0.0, 0.0))
        return Reply(body=usage_answer(five, week))

    config = tmp_path / "config.toml"
    config.write_text("[providers.codex]\nauto_switch = true\nswitch_below = 10\n")
    with LocalServer(answer) as server:
        running = start(
            home,
            work,
            "--provider",
            "codex",
            "--config",
            str(config),
            env={"AIQUOTA_CODEX_URL": server.url},
        )
        try:
            live_id = lambda: json.loads((home / ".codex/auth.json").read_text())["tokens"][  # noqa: E731
                "account_id"
            ]
            saved_a = lambda: json.loads((work / "account/a.auth.json").read_text())["tokens"][  # noqa: E731
                "access_token"
            ]
            # No token lost: what came out of auth.json (the rotated login) is saved back to
            # a.auth.json a moment after c goes in, so wait for both rather than read between.
            wait_until(lambda: live_id() == "id-c" and saved_a() == live)
            state = home / ".local/state/aiquota-tui/auto-switch.json"
            assert "codex" in json.loads(wait_until(lambda: state.exists() and state.read_text()))
        finally:
            running.process.send_signal(signal.SIGTERM)
            _, log = running.process.communicate(timeout=10)
    assert running.process.returncode == 0
    assert "switched automatically" in log and "'c'" in log
    assert live not in log


async def test_usage_says_an_account_failed_while_keeping_its_last_figures(
    home: Path, work: Path
) -> None:
    import asyncio
    from dataclasses import replace

    import httpx
    from support.clock import FakeClock

    from providers.discover import build_sources
    from providers.registry import select
    from tui.answers import Answers
    from tui.commands.serve import Documents
    from tui.config import Config
    from tui.serve.refresher import Refresher

    write_codex_auth(work / "account/a.auth.json", codex_token("a"), "a")
    failing = {"now": False}

    def answer(request: httpx.Request) -> httpx.Response:
        if failing["now"]:
            return httpx.Response(401, json={"detail": "token revoked"})
        return httpx.Response(200, json=usage_answer(10, 20))

    sources = replace(
        build_sources(select(["codex"]), Config(), use_demo=False),
        transport=httpx.MockTransport(answer),
    )
    clock = FakeClock()
    refresher = Refresher(sources, Config(), Answers(), clock=clock)
    stop = asyncio.Event()
    task = asyncio.create_task(refresher.run(stop))

    async def until(check) -> None:
        for _ in range(500):
            if check():
                return
            await asyncio.sleep(0.02)
        raise AssertionError("never happened")

    try:
        await until(lambda: refresher.last_success)
        failing["now"] = True
        clock.advance(refresher.store.policy.interval + 1)
        refresher._wake.set()
        await until(lambda: refresher.errors)
    finally:
        stop.set()
        await task
    documents = Documents(refresher)
    documents.make_now()
    (account,) = json.loads(documents.usage)["accounts"]
    assert account["status"] == "auth_expired" and account["message"]
    assert {w["id"] for w in account["windows"]} >= {"five_hour", "weekly"}
    families = {f.name: f for f in text_string_to_metric_families(documents.metrics.decode())}
    (up,) = families["aiquota_account_up"].samples
    (info,) = families["aiquota_account_info"].samples
    assert up.value == 0 and info.labels["status"] == account["status"]
    (error,) = families["aiquota_fetch_errors"].samples
    assert error.labels["status"] == "auth_expired" and error.value == 1
    used = {s.labels["window"]: s.value for s in families["aiquota_window_used_ratio"].samples}
    assert used["five_hour"] == pytest.approx(0.10)


def test_serve_keeps_the_status_lines_cache(served: Served, home: Path) -> None:
    wait_until(lambda: _fetched(served))
    path = home / ".cache/aiquota-tui/latest.json"
    document = json.loads(wait_until(lambda: path.exists() and path.read_text()))
    assert sorted(a["account"] for a in document["accounts"]) == ["side", "work"]
    assert document["refresh_interval"] == 300
    assert (path.stat().st_mode & 0o777) == 0o600
    served.process.send_signal(signal.SIGTERM)
    assert served.process.wait(timeout=5) == 0


def test_sigterm_mid_fetch_against_a_stalled_service_still_stops_at_once(
    home: Path, work: Path
) -> None:
    write_codex_auth(work / "account/a.auth.json", codex_token("a"), "a")
    with LocalServer(lambda seen: Reply(body=usage_answer(10, 20), delay=8)) as server:
        running = start(home, work, "--provider", "codex", env={"AIQUOTA_CODEX_URL": server.url})
        wait_until(lambda: server.seen)  # the request is out, its answer 8 s away
        sent = time.monotonic()
        running.process.send_signal(signal.SIGTERM)
        assert running.process.wait(timeout=5) == 0
        assert time.monotonic() - sent < 2.0
        assert "Traceback" not in running.process.stderr.read()
