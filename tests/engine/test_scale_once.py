"""Many accounts against a slow, healthy server: every one is answered, never more than
max_in_flight requests are on the wire, and a request's time limit starts when it is sent.

The server answers after LATENCY; there are enough accounts that, queued at a pool of
max_in_flight connections with the limit running, the last rounds would wait longer than the
(patched) REQUEST_TIMEOUT. Each request alone takes a fortieth of it, so the test has a wide
margin on a loaded machine and asserts no times.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from support.credentials import codex_token, usage_answer, write_codex_auth
from support.servers import LocalServer, Reply, Seen

from providers.base import Account
from providers.collect import fetch_all
from providers.kit import http as kit_http
from providers.kit.http import HttpSession, make_client
from providers.kit.secrets import Secret
from providers.registry import BY_ID
from tui.cli import main

LATENCY = 0.05
# Forty latencies: no single request comes near it even on a loaded machine (ten did not: one
# request in a run under load took over 1 s), yet the queue below takes longer.
TIMEOUT = 2.0
CAP = 4
ACCOUNTS = 200  # ceil(200 / 4) = 50 rounds × 0.05 s = 2.5 s > TIMEOUT, had the limit run queued


class SlowServer:
    """Answers every usage request after LATENCY and records the most it held at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def answer(self, seen: Seen) -> Reply:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)
        time.sleep(LATENCY)
        with self.lock:
            self.now -= 1
        return Reply(body=usage_answer(10, 20))


@pytest.fixture
def short_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kit_http, "REQUEST_TIMEOUT", TIMEOUT)


def test_once_json_answers_every_account_with_max_in_flight_on_the_wire(
    work, tmp_path, monkeypatch, capsys, short_timeout
) -> None:
    """--once --json takes [refresh] max_in_flight from the config, as the app does."""
    for index in range(ACCOUNTS):
        name = f"acc{index}"
        write_codex_auth(work / f"account/{name}.auth.json", codex_token(name), name)
    config = tmp_path / "config.toml"
    config.write_text(f"[refresh]\nmax_in_flight = {CAP}\n")
    slow = SlowServer()
    with LocalServer(slow.answer) as server:
        monkeypatch.setenv("AIQUOTA_CODEX_URL", server.url)
        code = main(["--once", "--json", "--config", str(config)])
    document = json.loads(capsys.readouterr().out)
    statuses = [(a["status"], a["message"]) for a in document["accounts"]]
    assert statuses == [("ok", None)] * ACCOUNTS
    assert code == 0
    assert slow.peak <= CAP


def test_the_session_holds_one_slot_per_request_shared_by_every_caller(short_timeout) -> None:
    """An HttpSession with a pool of the same size: requests wait for a slot, not in the pool,
    and an account that asks twice in a row holds one slot at a time."""
    provider = BY_ID["codex"]
    pairs = [
        (
            provider,
            Account(
                provider="codex",
                label=f"acc{index}",
                source=f"account/acc{index}.auth.json",
                secret=Secret(codex_token(f"acct-{index}")),
                identity=f"acct-{index}",
                extra={"account_id": f"acct-{index}"},
            ),
        )
        for index in range(ACCOUNTS)
    ]
    slow = SlowServer()

    async def run(url: str) -> tuple[list, list]:
        async with make_client(max_in_flight=CAP) as client:
            http = HttpSession(client=client, origins={"codex": url}, max_in_flight=CAP)

            async def twice() -> list:
                return [
                    await http.request_json("codex", "GET", f"{url}/backend-api/wham/usage")
                    for _ in range(2)
                ]

            return await asyncio.gather(fetch_all(pairs, http), twice())

    with LocalServer(slow.answer) as server:
        snapshots, answers = asyncio.run(run(server.url))
    assert [(s.status.value, s.message) for s in snapshots] == [("ok", None)] * ACCOUNTS
    assert len(answers) == 2
    assert slow.peak <= CAP
